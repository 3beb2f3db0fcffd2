//! The consortium's distribution settings: the minimum shelf life goods must have left at
//! receipt (D1, default 180 days) and the days a member has to confirm a delivery before it is
//! flagged (D5, default 3), and the shelf life a lot must have left to be allocated to a member (D2,
//! default 90). Missing until first changed: the defaults.
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::views::DistributionSettings;
use crate::audit::{self, Event};
use crate::error::AppResult;
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Ctx};
use entity::distribution_setting as setting;

pub const DEFAULT_MIN_SHELF_DAYS: i32 = 180;
pub const DEFAULT_CONFIRM_WITHIN_DAYS: i32 = 3;
pub const DEFAULT_MIN_ALLOCATE_DAYS: i32 = 90;

/// The settings in force (the defaults at version 0 until changed).
pub async fn read(conn: &impl ConnectionTrait, c: i64) -> AppResult<DistributionSettings> {
    Ok(match setting::Entity::find_by_id(c).one(conn).await? {
        Some(s) => DistributionSettings {
            min_shelf_days: s.min_shelf_days,
            confirm_within_days: s.confirm_within_days,
            min_allocate_days: s.min_allocate_days,
            version: s.version,
        },
        None => DistributionSettings {
            min_shelf_days: DEFAULT_MIN_SHELF_DAYS,
            confirm_within_days: DEFAULT_CONFIRM_WITHIN_DAYS,
            min_allocate_days: DEFAULT_MIN_ALLOCATE_DAYS,
            version: 0,
        },
    })
}

pub async fn get(ctx: &Ctx, actor: &Actor) -> AppResult<DistributionSettings> {
    read(&ctx.db, actor.consortium()?).await
}

/// Change the settings against the version read (409 when someone changed them since).
pub async fn put(ctx: &Ctx, actor: &Actor, req: DistributionSettings) -> AppResult<DistributionSettings> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let before = read(&tx, c).await?;
    expect_version(before.version, req.version)?;
    if before.version == 0 {
        setting::Entity::insert(setting::ActiveModel {
            consortium_id: Set(c),
            min_shelf_days: Set(req.min_shelf_days),
            confirm_within_days: Set(req.confirm_within_days),
            min_allocate_days: Set(req.min_allocate_days),
            version: Set(1),
        })
        .exec_without_returning(&tx)
        .await?;
    } else {
        guarded_update(
            &tx,
            setting::Entity::update_many()
                .col_expr(setting::Column::MinShelfDays, Expr::value(req.min_shelf_days))
                .col_expr(setting::Column::ConfirmWithinDays, Expr::value(req.confirm_within_days))
                .col_expr(setting::Column::MinAllocateDays, Expr::value(req.min_allocate_days))
                .filter(setting::Column::ConsortiumId.eq(c)),
            setting::Column::Version,
            req.version,
        )
        .await?;
    }
    audit::record(&tx, actor, Event::new("distribution.settings", "distribution_settings", c).before(&before).after(&req)).await?;
    tx.commit().await?;
    get(ctx, actor).await
}
