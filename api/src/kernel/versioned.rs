//! Optimistic locking, one implementation: rows carry a `version`; an update names the version
//! it was made against and runs as `UPDATE … SET version = v + 1 WHERE id = ? AND version = v`.
//! Zero rows means someone else changed the row first: 409 with one message, everywhere.
use sea_orm::sea_query::{Expr, IntoIden};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany};

use crate::error::{AppError, AppResult};
use crate::i18n::tr;

/// The one answer to a stale write.
pub fn stale() -> AppError {
    AppError::Conflict(tr(
        "这条记录刚刚已被他人修改，请刷新后再操作",
        "someone else changed this a moment ago; reload it and try again",
    ))
}

/// Refuse early when the version the client saw is not the current one.
pub fn expect_version(current: i32, seen: i32) -> AppResult<()> {
    if current == seen {
        Ok(())
    } else {
        Err(stale())
    }
}

/// Run `update` (already filtered to one row) only if the row still has version `seen`, and
/// move it to `seen + 1`.
pub async fn guarded_update<E, C>(
    conn: &impl ConnectionTrait,
    update: UpdateMany<E>,
    version: C,
    seen: i32,
) -> AppResult<()>
where
    E: EntityTrait,
    C: ColumnTrait + IntoIden + Copy,
{
    let res = update
        .col_expr(version, Expr::value(seen + 1))
        .filter(version.eq(seen))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale());
    }
    Ok(())
}
