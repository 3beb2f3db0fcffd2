//! The stock ledger's services (D6). `record` writes movements in its own transaction;
//! `record_in` writes them inside a caller's (procurement, distribution and dispensing will move
//! stock as part of their own documents). Each movement moves its lot's running balance in the
//! same transaction, by a conditional update that cannot take more than is there — also when two
//! writers take the last units at once (the second finds the condition false and is refused).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use super::rules;
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::{Actor, Ctx};
use entity::institution::Level;
use entity::user::Role;
use entity::stock_balance as balance;
use entity::stock_lot as lot;
use entity::stock_movement::{self as movement, AdjustmentReason, MovementKind};

/// A movement to record: which lot of which entry, at which institution, how much (base units,
/// positive in), why.
#[derive(Debug, Clone)]
pub struct NewMovement {
    pub institution_id: i64,
    pub entry_id: i64,
    pub lot_no: String,
    pub expiry: NaiveDate,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reason: Option<AdjustmentReason>,
    /// The document that caused it (order, dispatch notice, stocktake, file name).
    pub document: Option<String>,
    /// The business day (consumption by day); none: today.
    pub occurred_on: Option<NaiveDate>,
}

/// Record movements, all or none, in one transaction.
pub async fn record(
    ctx: &Ctx,
    actor: &Actor,
    moves: &[NewMovement],
) -> AppResult<Vec<movement::Model>> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let out = record_in(&tx, c, actor.user_id, ctx.clock.now(), ctx.clock.today(), moves).await?;
    tx.commit().await?;
    Ok(out)
}

/// Record movements inside the caller's transaction (see the module docs).
pub async fn record_in(
    conn: &impl ConnectionTrait,
    c: i64,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
    today: NaiveDate,
    moves: &[NewMovement],
) -> AppResult<Vec<movement::Model>> {
    let warehouses = check_ownership(conn, c, moves).await?;
    let packs = if warehouses.is_empty() {
        HashMap::new()
    } else {
        crate::formulary::service::packs_of(conn, c, moves.iter().map(|m| m.entry_id), today).await?
    };
    let mut out = Vec::with_capacity(moves.len());
    // Each lot is looked up (or made) once per call, however many lines name it.
    let mut lots: HashMap<(i64, String, NaiveDate), i64> = HashMap::new();
    for m in moves {
        let lot_no = m.lot_no.trim();
        if lot_no.is_empty() || lot_no.chars().count() > 40 || lot_no.chars().any(char::is_control) {
            return Err(AppError::field(
                "lot_no",
                tr(
                    "批号应为 1–40 个字符，且不能全是空白",
                    "a lot number is 1–40 characters, not only spaces",
                ),
            ));
        }
        rules::d6_movement(m.kind, m.quantity, m.reason, m.expiry, today)?;
        if let Some((n, pu, bu)) = packs.get(&m.entry_id) {
            rules::d6_whole_packs(warehouses.contains(&m.institution_id), m.quantity, *n, pu, bu)?;
        }
        let key = (m.entry_id, lot_no.to_owned(), m.expiry);
        let lot_id = match lots.get(&key) {
            Some(&id) => id,
            None => {
                let id = lot_of(conn, c, m.entry_id, lot_no, m.expiry, now).await?;
                lots.insert(key, id);
                id
            }
        };
        move_balance(conn, c, m.institution_id, m.entry_id, lot_id, lot_no, m.quantity, now).await?;
        let row = movement::ActiveModel {
            consortium_id: Set(c),
            institution_id: Set(m.institution_id),
            entry_id: Set(m.entry_id),
            lot_id: Set(lot_id),
            kind: Set(m.kind),
            quantity: Set(m.quantity),
            reason: Set(m.reason.map(|r| entity::codes::Coded::code(r).to_owned())),
            document: Set(m.document.clone()),
            reverses_id: Set(None),
            actor_id: Set(actor_id),
            created_at: Set(now),
            occurred_on: Set(Some(m.occurred_on.unwrap_or(today))),
            ..Default::default()
        };
        out.push(movement::Entity::insert(row).exec_with_returning(conn).await?);
    }
    Ok(out)
}

/// Correct a mistaken movement by one that takes it back (the ledger is never edited). A
/// movement is reversed at most once, and a reversal is not reversed (record the movement
/// again instead).
pub async fn reverse(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    why: &str,
) -> AppResult<movement::Model> {
    let c = actor.consortium()?;
    let why = why.trim();
    if why.chars().count() < 2 {
        return Err(AppError::field(
            "reason",
            tr("请写明冲销原因", "say why the movement is reversed"),
        ));
    }
    let tx = ctx.write().await?;
    let m = movement::Entity::find_by_id(id)
        .filter(movement::Column::ConsortiumId.eq(c))
        .one(&tx)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.reverses_id.is_some() {
        return Err(AppError::Conflict(tr(
            "这是一笔冲销，不能再冲销；如需恢复，请重新登记原业务",
            "this movement is itself a reversal and is not reversed; record the original movement again instead",
        )));
    }
    let already = movement::Entity::find()
        .filter(movement::Column::ReversesId.eq(id))
        .one(&tx)
        .await?;
    if let Some(r) = already {
        return Err(AppError::Conflict(tr(
            format!("该笔已于 {} 冲销（#{}）", r.created_at.date_naive(), r.id),
            format!("this movement was already reversed on {} (#{})", r.created_at.date_naive(), r.id),
        )));
    }
    let l = lot::Entity::find_by_id(m.lot_id)
        .one(&tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.clock.now();
    move_balance(&tx, c, m.institution_id, m.entry_id, m.lot_id, &l.lot_no, -m.quantity, now).await?;
    let row = movement::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(m.institution_id),
        entry_id: Set(m.entry_id),
        lot_id: Set(m.lot_id),
        kind: Set(m.kind),
        quantity: Set(-m.quantity),
        reason: Set(Some(why.to_owned())),
        document: Set(m.document.clone()),
        reverses_id: Set(Some(m.id)),
        actor_id: Set(actor.user_id),
        created_at: Set(now),
        occurred_on: Set(Some(ctx.clock.today())),
        ..Default::default()
    };
    let out = movement::Entity::insert(row).exec_with_returning(&tx).await?;
    tx.commit().await?;
    Ok(out)
}

/// Every institution and entry named belongs to the consortium (else: not found). Answers
/// which of the institutions are the central warehouse (the lead hospital's stock).
async fn check_ownership(
    conn: &impl ConnectionTrait,
    c: i64,
    moves: &[NewMovement],
) -> AppResult<HashSet<i64>> {
    let institutions: HashSet<i64> = moves.iter().map(|m| m.institution_id).collect();
    let entries: HashSet<i64> = moves.iter().map(|m| m.entry_id).collect();
    let levels: Vec<(i64, Level)> = entity::institution::Entity::find()
        .filter(entity::institution::Column::ConsortiumId.eq(c))
        .filter(entity::institution::Column::Id.is_in(institutions.iter().copied()))
        .select_only()
        .column(entity::institution::Column::Id)
        .column(entity::institution::Column::Level)
        .into_tuple()
        .all(conn)
        .await?;
    let found = levels.len();
    let known = entity::formulary_entry::Entity::find()
        .filter(entity::formulary_entry::Column::ConsortiumId.eq(c))
        .filter(entity::formulary_entry::Column::Id.is_in(entries.iter().copied()))
        .count(conn)
        .await? as usize;
    if found != institutions.len() || known != entries.len() {
        return Err(AppError::NotFound);
    }
    Ok(levels
        .into_iter()
        .filter(|(_, l)| *l == Level::Lead)
        .map(|(i, _)| i)
        .collect())
}

/// The lot's id, made on first sight.
pub(crate) async fn lot_of(
    conn: &impl ConnectionTrait,
    c: i64,
    entry: i64,
    lot_no: &str,
    expiry: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let find = || {
        lot::Entity::find()
            .filter(lot::Column::EntryId.eq(entry))
            .filter(lot::Column::LotNo.eq(lot_no))
            .filter(lot::Column::Expiry.eq(expiry))
            .select_only()
            .column(lot::Column::Id)
            .into_tuple::<i64>()
    };
    if let Some(id) = find().one(conn).await? {
        return Ok(id);
    }
    lot::Entity::insert(lot::ActiveModel {
        consortium_id: Set(c),
        entry_id: Set(entry),
        lot_no: Set(lot_no.to_owned()),
        expiry: Set(expiry),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([lot::Column::EntryId, lot::Column::LotNo, lot::Column::Expiry])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    find()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("lot {lot_no} not found after insert")))
}

/// Move the lot's balance at the institution by `q`: in, by adding (made on first receipt);
/// out, only where at least `-q` is there (D6), checked and done in one statement.
#[allow(clippy::too_many_arguments)]
async fn move_balance(
    conn: &impl ConnectionTrait,
    c: i64,
    institution: i64,
    entry: i64,
    lot_id: i64,
    lot_no: &str,
    q: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if q > 0 {
        balance::Entity::insert(balance::ActiveModel {
            institution_id: Set(institution),
            lot_id: Set(lot_id),
            consortium_id: Set(c),
            entry_id: Set(entry),
            quantity: Set(q),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([balance::Column::InstitutionId, balance::Column::LotId])
                .value(
                    balance::Column::Quantity,
                    Expr::col((balance::Entity, balance::Column::Quantity)).add(q),
                )
                .value(balance::Column::UpdatedAt, Expr::value(now))
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        return Ok(());
    }
    let taken = balance::Entity::update_many()
        .col_expr(balance::Column::Quantity, Expr::col(balance::Column::Quantity).add(q))
        .col_expr(balance::Column::UpdatedAt, Expr::value(now))
        .filter(balance::Column::InstitutionId.eq(institution))
        .filter(balance::Column::LotId.eq(lot_id))
        .filter(balance::Column::Quantity.gte(-q))
        .exec(conn)
        .await?;
    if taken.rows_affected == 1 {
        return Ok(());
    }
    let available = on_hand(conn, institution, lot_id).await?;
    Err(rules::d6_not_enough(-q, available, lot_no).into())
}

/// Stock on hand of a lot at an institution (0 where it never was).
pub async fn on_hand(conn: &impl ConnectionTrait, institution: i64, lot_id: i64) -> AppResult<i64> {
    Ok(balance::Entity::find_by_id((institution, lot_id))
        .one(conn)
        .await?
        .map_or(0, |b| b.quantity))
}

/// Stock on hand of several lots at an institution, in one query (lots never held are absent).
pub async fn on_hand_of(
    conn: &impl ConnectionTrait,
    institution: i64,
    lot_ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, i64>> {
    let ids: Vec<i64> = lot_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(balance::Entity::find()
        .filter(balance::Column::InstitutionId.eq(institution))
        .filter(balance::Column::LotId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.lot_id, b.quantity))
        .collect())
}

/// What `verify` found: every balance against the sum of its ledger.
#[derive(Debug, Default)]
pub struct Verified {
    pub movements: u64,
    pub balances: u64,
    /// (institution, lot, ledger sum, balance) where they differ.
    pub mismatches: Vec<(i64, i64, i64, i64)>,
}

/// Re-add the whole ledger and compare it with every balance (`tongyao stock verify`).
pub async fn verify(conn: &impl ConnectionTrait) -> AppResult<Verified> {
    let sums: Vec<(i64, i64, i64, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::InstitutionId)
        .column(movement::Column::LotId)
        // PostgreSQL sums BIGINTs as NUMERIC: back to BIGINT (a lot never holds 2^63 units).
        .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "total")
        .column_as(Expr::col(movement::Column::Id).count(), "n")
        .group_by(movement::Column::InstitutionId)
        .group_by(movement::Column::LotId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut ledger: HashMap<(i64, i64), i64> = HashMap::new();
    let mut v = Verified::default();
    for (i, l, total, n) in sums {
        ledger.insert((i, l), total);
        v.movements += n as u64;
    }
    let rows: Vec<(i64, i64, i64)> = balance::Entity::find()
        .select_only()
        .column(balance::Column::InstitutionId)
        .column(balance::Column::LotId)
        .column(balance::Column::Quantity)
        .into_tuple()
        .all(conn)
        .await?;
    v.balances = rows.len() as u64;
    for (i, l, q) in rows {
        let sum = ledger.remove(&(i, l)).unwrap_or(0);
        if sum != q {
            v.mismatches.push((i, l, sum, q));
        }
    }
    for ((i, l), sum) in ledger {
        if sum != 0 {
            v.mismatches.push((i, l, sum, 0));
        }
    }
    v.mismatches.sort_unstable();
    Ok(v)
}

/// Which institutions of its consortium an actor sees or moves stock at: every one for the lead
/// hospital's procurement and distribution staff, the consortium administrator and the auditor;
/// a member's own for everyone else.
fn scope(actor: &Actor, wide: &[Role]) -> AppResult<Option<i64>> {
    if wide.iter().any(|r| actor.has(*r)) {
        return Ok(None);
    }
    actor.institution_id.map(Some).ok_or(AppError::NotFound)
}

/// The institution asked for within the actor's scope (None: every one it may see); another's
/// is not found.
pub(crate) async fn institution_in_scope(
    ctx: &Ctx,
    actor: &Actor,
    wide: &[Role],
    asked: Option<i64>,
) -> AppResult<Option<i64>> {
    let c = actor.consortium()?;
    let own = scope(actor, wide)?;
    let chosen = match (own, asked) {
        (Some(own), Some(a)) if a != own => return Err(AppError::NotFound),
        (Some(own), _) => Some(own),
        (None, a) => a,
    };
    if let Some(i) = chosen {
        entity::institution::Entity::find_by_id(i)
            .filter(entity::institution::Column::ConsortiumId.eq(c))
            .one(&ctx.db)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    Ok(chosen)
}

pub(crate) const SEE_ALL: &[Role] = &[
    Role::Procurement,
    Role::Distribution,
    Role::ConsortiumAdmin,
    Role::Auditor,
];
pub(super) const MOVE_ANYWHERE: &[Role] = &[Role::Distribution];

