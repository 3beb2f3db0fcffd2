//! Quality holds on lots (质量冻结, D2): a held lot is never allocated until it is released. One
//! open hold per lot (a unique index on the open ones makes two concurrent holds one); a release
//! keeps the hold with who released it and why.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::allocation;
use super::receipts::warehouse;
use super::rules;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::{Actor, Ctx};
use crate::stock::reads::{brief, user_names};
use crate::stock::service::on_hand_of;
use entity::lot_hold as hold;
use entity::stock_lot as lot;

async fn find_lot(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<lot::Model> {
    lot::Entity::find_by_id(id).filter(lot::Column::ConsortiumId.eq(c)).one(conn).await?.ok_or(AppError::NotFound)
}

async fn open_hold(conn: &impl ConnectionTrait, lot_id: i64) -> AppResult<Option<hold::Model>> {
    Ok(hold::Entity::find().filter(hold::Column::LotId.eq(lot_id)).filter(hold::Column::ReleasedAt.is_null()).one(conn).await?)
}

/// Put a lot on hold, saying why.
pub async fn hold(ctx: &Ctx, actor: &Actor, lot_id: i64, req: HoldLot) -> AppResult<LotHold> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let l = find_lot(&tx, c, lot_id).await?;
    rules::d2_hold(&req.reason, open_hold(&tx, l.id).await?.is_some(), &l.lot_no)?;
    let h = hold::Entity::insert(hold::ActiveModel {
        consortium_id: Set(c),
        lot_id: Set(l.id),
        reason: Set(req.reason.trim().to_owned()),
        held_by: Set(actor.user_id),
        held_at: Set(ctx.clock.now()),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await?;
    // Its unpicked allocations go back, and its product is allocated again from other lots (D2).
    let now = ctx.clock.now();
    let cancelled = allocation::cancel_for_lot(&tx, c, l.id, &format!("批号质量冻结 / lot held: {}", req.reason.trim()), now).await?;
    let mut run = allocation::allocate_in(&tx, c, now, ctx.clock.today(), Some(&HashSet::from([l.entry_id]))).await?;
    run.allocations_cancelled = cancelled;
    audit::record(
        &tx,
        actor,
        Event::new("lot.hold", "stock_lot", l.id).reason(req.reason.trim()).after(serde_json::json!({"lot_no": l.lot_no, "hold": h.id, "allocation": run})),
    )
    .await?;
    let out = views(ctx, &tx, c, vec![h]).await?.pop().ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(out)
}

/// Release a lot's open hold, saying why it is fit again.
pub async fn release(ctx: &Ctx, actor: &Actor, lot_id: i64, req: ReleaseLot) -> AppResult<LotHold> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let l = find_lot(&tx, c, lot_id).await?;
    let open = open_hold(&tx, l.id).await?;
    rules::d2_release(&req.note, open.is_some(), &l.lot_no)?;
    let Some(h) = open else { return Err(AppError::NotFound) };
    let res = hold::Entity::update_many()
        .col_expr(hold::Column::ReleaseNote, Expr::value(req.note.trim()))
        .col_expr(hold::Column::ReleasedBy, Expr::value(actor.user_id))
        .col_expr(hold::Column::ReleasedAt, Expr::value(ctx.clock.now()))
        .filter(hold::Column::Id.eq(h.id))
        .filter(hold::Column::ReleasedAt.is_null())
        .exec(&tx)
        .await?;
    if res.rows_affected != 1 {
        return Err(crate::kernel::versioned::stale());
    }
    // What waited for it may have it now (D2).
    let run = allocation::allocate_in(&tx, c, ctx.clock.now(), ctx.clock.today(), Some(&HashSet::from([l.entry_id]))).await?;
    audit::record(
        &tx,
        actor,
        Event::new("lot.release", "stock_lot", l.id).reason(req.note.trim()).after(serde_json::json!({"lot_no": l.lot_no, "hold": h.id, "allocation": run})),
    )
    .await?;
    let h = hold::Entity::find_by_id(h.id).one(&tx).await?.ok_or(AppError::NotFound)?;
    let out = views(ctx, &tx, c, vec![h]).await?.pop().ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(out)
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &LotHoldQuery) -> AppResult<LotHoldPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = hold::Entity::find().filter(hold::Column::ConsortiumId.eq(c));
    match q.open {
        Some(true) => sel = sel.filter(hold::Column::ReleasedAt.is_null()),
        Some(false) => sel = sel.filter(hold::Column::ReleasedAt.is_not_null()),
        None => {}
    }
    if let Some(l) = q.lot_id {
        sel = sel.filter(hold::Column::LotId.eq(l));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, hold::Column::Id, Direction::Down, |h| h.id).await?;
    Ok(LotHoldPage { items: views(ctx, &ctx.db, c, rows).await?, next_cursor })
}

async fn views(ctx: &Ctx, conn: &impl ConnectionTrait, c: i64, rows: Vec<hold::Model>) -> AppResult<Vec<LotHold>> {
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(rows.iter().map(|h| h.lot_id).collect::<HashSet<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let entries: HashSet<i64> = lots.values().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let mut who: Vec<i64> = Vec::with_capacity(rows.len() * 2);
    for h in &rows {
        who.extend(h.held_by);
        who.extend(h.released_by);
    }
    let people = user_names(conn, who).await?;
    let store = warehouse(conn, c).await.ok();
    let on_hand = match store {
        Some(s) => on_hand_of(conn, s, lots.keys().copied()).await?,
        None => HashMap::new(),
    };
    Ok(rows
        .into_iter()
        .filter_map(|h| {
            let l = lots.get(&h.lot_id)?;
            Some(LotHold {
                id: h.id,
                lot_id: l.id,
                entry_id: l.entry_id,
                product: brief(prods.get(&l.entry_id), l.entry_id),
                lot_no: l.lot_no.clone(),
                expiry: l.expiry,
                warehouse_quantity: on_hand.get(&l.id).copied().unwrap_or(0),
                reason: h.reason,
                held_by: h.held_by.and_then(|u| people.get(&u).cloned()),
                held_at: h.held_at,
                release_note: h.release_note,
                released_by: h.released_by.and_then(|u| people.get(&u).cloned()),
                released_at: h.released_at,
            })
        })
        .collect())
}
