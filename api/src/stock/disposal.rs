//! Disposals (报损): expired, damaged or lost stock taken out as adjustments with their
//! reason, moved only when a second person approves (D6). Expired stock is never issued; this is
//! the way it leaves the shelf.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::reads::{brief, institutions, lots_of, packs_of, user_names};
use super::rules;
use super::service::{self, MOVE_ANYWHERE, NewMovement, SEE_ALL, institution_in_scope};
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Coded, Ctx};
use entity::stock_disposal::{self as disposal, DisposalStatus as Status};
use entity::stock_disposal_line as dline;
use entity::stock_lot as lot;
use entity::stock_movement::MovementKind;

/// Ask for stock to be disposed of. Each lot must be held at the institution in the quantity
/// asked (D6); nothing moves until a second person approves.
pub async fn request(ctx: &Ctx, actor: &Actor, req: RequestDisposal) -> AppResult<Disposal> {
    let c = actor.consortium()?;
    let i = institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(req.institution_id))
        .await?
        .ok_or(AppError::NotFound)?;
    rules::d6_disposal_reason(req.reason)?;
    let tx = ctx.write().await?;
    let ids: HashSet<i64> = req.lines.iter().map(|l| l.lot_id).collect();
    if ids.len() != req.lines.len() {
        return Err(AppError::field("lines", tr("同一批号只能出现一次", "each lot appears once")));
    }
    let lots: HashMap<i64, lot::Model> = lot::Entity::find()
        .filter(lot::Column::ConsortiumId.eq(c))
        .filter(lot::Column::Id.is_in(ids))
        .all(&tx)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let held_of = service::on_hand_of(&tx, i, lots.keys().copied()).await?;
    for l in &req.lines {
        let found = lots.get(&l.lot_id).ok_or(AppError::NotFound)?;
        let held = held_of.get(&l.lot_id).copied().unwrap_or(0);
        if held < l.quantity {
            return Err(rules::d6_not_enough(l.quantity, held, &found.lot_no).into());
        }
    }
    let d = disposal::Entity::insert(disposal::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(i),
        status: Set(Status::Pending),
        reason: Set(req.reason),
        note: Set(req.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())),
        requested_by: Set(actor.user_id),
        requested_at: Set(ctx.clock.now()),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await?;
    dline::Entity::insert_many(req.lines.iter().map(|l| dline::ActiveModel {
        disposal_id: Set(d.id),
        entry_id: Set(lots[&l.lot_id].entry_id),
        lot_id: Set(l.lot_id),
        quantity: Set(l.quantity),
        ..Default::default()
    }))
    .exec_without_returning(&tx)
    .await?;
    audit::record(&tx, actor, Event::new("disposal.request", "stock_disposal", d.id).after(serde_json::json!({"institution_id": i, "reason": req.reason, "lines": req.lines.len()}))).await?;
    tx.commit().await?;
    get(ctx, actor, d.id).await
}

async fn find(ctx: &Ctx, actor: &Actor, id: i64, wide: &[entity::user::Role]) -> AppResult<disposal::Model> {
    let c = actor.consortium()?;
    let d = disposal::Entity::find_by_id(id)
        .filter(disposal::Column::ConsortiumId.eq(c))
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    institution_in_scope(ctx, actor, wide, Some(d.institution_id)).await?;
    Ok(d)
}

async fn views(ctx: &Ctx, c: i64, rows: Vec<disposal::Model>) -> AppResult<Vec<Disposal>> {
    let lines = dline::Entity::find()
        .filter(dline::Column::DisposalId.is_in(rows.iter().map(|d| d.id)))
        .all(&ctx.db)
        .await?;
    let lots = lots_of(&ctx.db, lines.iter().map(|l| l.lot_id)).await?;
    let entries: HashSet<i64> = lines.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let insts = institutions(&ctx.db, c).await?;
    let people: Vec<i64> = rows.iter().flat_map(|d| [d.requested_by, d.decided_by]).flatten().collect();
    let names = user_names(&ctx.db, people).await?;
    let mut by: HashMap<i64, Vec<DisposalLine>> = HashMap::new();
    for l in lines {
        let lt = lots.get(&l.lot_id).ok_or(AppError::NotFound)?;
        let product = brief(prods.get(&l.entry_id), l.entry_id);
        by.entry(l.disposal_id).or_default().push(DisposalLine {
            entry_id: l.entry_id,
            packs: packs_of(&product, l.quantity),
            product,
            lot_id: l.lot_id,
            lot_no: lt.lot_no.clone(),
            expiry: lt.expiry,
            quantity: l.quantity,
        });
    }
    let name = |u: Option<i64>| u.and_then(|u| names.get(&u).cloned());
    Ok(rows
        .into_iter()
        .map(|d| Disposal {
            id: d.id,
            institution_id: d.institution_id,
            institution_name: insts.get(&d.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
            status: d.status,
            reason: d.reason,
            note: d.note,
            requested_by: name(d.requested_by),
            requested_by_id: d.requested_by,
            requested_at: d.requested_at,
            decided_by: name(d.decided_by),
            decided_at: d.decided_at,
            decision_note: d.decision_note,
            lines: by.remove(&d.id).unwrap_or_default(),
            version: d.version,
        })
        .collect())
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Disposal> {
    let d = find(ctx, actor, id, SEE_ALL).await?;
    views(ctx, d.consortium_id, vec![d]).await?.pop().ok_or(AppError::NotFound)
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &DisposalQuery) -> AppResult<DisposalPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let inst = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let mut sel = disposal::Entity::find().filter(disposal::Column::ConsortiumId.eq(c));
    if let Some(i) = inst {
        sel = sel.filter(disposal::Column::InstitutionId.eq(i));
    }
    if let Some(s) = q.status {
        sel = sel.filter(disposal::Column::Status.eq(s));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, disposal::Column::Id, Direction::Down, |d| d.id).await?;
    Ok(DisposalPage {
        items: views(ctx, c, rows).await?,
        next_cursor,
    })
}

fn expect_pending(d: &disposal::Model) -> AppResult<()> {
    if d.status == Status::Pending {
        return Ok(());
    }
    Err(AppError::Conflict(tr(
        format!("该报损单已{}，不能再审核", d.status.zh()),
        format!("this disposal is {} already", d.status.code()),
    )))
}

async fn close(
    tx: &impl sea_orm::ConnectionTrait,
    ctx: &Ctx,
    actor: &Actor,
    d: &disposal::Model,
    to: Status,
    v: &Decide,
) -> AppResult<()> {
    guarded_update(
        tx,
        disposal::Entity::update_many()
            .col_expr(disposal::Column::Status, Expr::value(to))
            .col_expr(disposal::Column::DecidedBy, Expr::value(actor.user_id))
            .col_expr(disposal::Column::DecidedAt, Expr::value(ctx.clock.now()))
            .col_expr(disposal::Column::DecisionNote, Expr::value(v.note.clone()))
            .filter(disposal::Column::Id.eq(d.id)),
        disposal::Column::Version,
        v.version,
    )
    .await
}

/// Approve a disposal (a second person): its lines leave the ledger as adjustments with the
/// disposal's reason, all or none — refused (D6) if the stock is no longer there.
pub async fn approve(ctx: &Ctx, actor: &Actor, id: i64, v: Decide) -> AppResult<Disposal> {
    let d = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    expect_pending(&d)?;
    expect_version(d.version, v.version)?;
    rules::d6_second_person(d.requested_by, actor.user_id)?;
    let tx = ctx.write().await?;
    let lines = dline::Entity::find().filter(dline::Column::DisposalId.eq(id)).all(&tx).await?;
    let lots = lots_of(&tx, lines.iter().map(|l| l.lot_id)).await?;
    let moves: Vec<NewMovement> = lines
        .iter()
        .map(|l| {
            let lt = lots.get(&l.lot_id).ok_or(AppError::NotFound)?;
            Ok(NewMovement {
                institution_id: d.institution_id,
                entry_id: l.entry_id,
                lot_no: lt.lot_no.clone(),
                expiry: lt.expiry,
                kind: MovementKind::Adjustment,
                quantity: -l.quantity,
                reason: Some(d.reason),
                document: Some(format!("报损 #{id}")),
                occurred_on: None,
            })
        })
        .collect::<AppResult<_>>()?;
    service::record_in(&tx, d.consortium_id, actor.user_id, ctx.clock.now(), ctx.clock.today(), &moves).await?;
    close(&tx, ctx, actor, &d, Status::Approved, &v).await?;
    audit::record(&tx, actor, Event::new("disposal.approve", "stock_disposal", id)).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Reject a disposal, with the reason: nothing moves.
pub async fn reject(ctx: &Ctx, actor: &Actor, id: i64, v: Decide) -> AppResult<Disposal> {
    let d = find(ctx, actor, id, MOVE_ANYWHERE).await?;
    expect_pending(&d)?;
    expect_version(d.version, v.version)?;
    if v.note.as_deref().map(str::trim).unwrap_or("").chars().count() < 2 {
        return Err(AppError::field("note", tr("请写明驳回原因", "say why it is rejected")));
    }
    let tx = ctx.write().await?;
    close(&tx, ctx, actor, &d, Status::Rejected, &v).await?;
    audit::record(&tx, actor, Event::new("disposal.reject", "stock_disposal", id).reason(v.note.clone().unwrap_or_default())).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}
