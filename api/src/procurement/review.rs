//! The lead hospital's review of members' orders (O4): the procurement officer sees the
//! submitted orders by member (the orders list) and by product (`demand`), approves an order as
//! ordered or with adjusted lines (each with a reason the member reads), or returns it with a
//! reason — one at a time, or several in a batch that answers per order. Each review takes the
//! version read, so of two officers approving one order at once one wins and the other gets 409.
use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::contracts;
use super::orders::{find, touch, view};
use super::rules;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::money::{SCALE_FEN, SCALE_PRICE};
use crate::kernel::{Actor, Ctx, Money};
use crate::stock::reads::{brief, institutions};
use entity::member_order::{self as order, OrderStatus as Status};
use entity::member_order_line as line;

/// The order for review: in the actor's consortium, at the version read (409 when stale — a
/// concurrent review has moved it on), and submitted (O4).
async fn reviewable(conn: &impl ConnectionTrait, c: i64, id: i64, version: i32) -> AppResult<order::Model> {
    let o = find(conn, c, id).await?;
    if o.version != version {
        return Err(crate::kernel::versioned::stale());
    }
    rules::o4_reviewable(o.status)?;
    Ok(o)
}

/// Approve a submitted order, as ordered or with adjusted lines (O4).
pub async fn approve(ctx: &Ctx, actor: &Actor, id: i64, req: ApproveOrder) -> AppResult<Order> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    crate::db::take_turn(&tx, c).await?;
    let o = reviewable(&tx, c, id, req.version).await?;
    let stored = line::Entity::find().filter(line::Column::OrderId.eq(id)).all(&tx).await?;
    let by_id: HashMap<i64, &line::Model> = stored.iter().map(|l| (l.id, l)).collect();
    let entries: HashSet<i64> = stored.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let mut seen = HashSet::new();
    let mut changes: Vec<(i64, i64, String)> = Vec::new();
    for (n, a) in req.adjustments.iter().enumerate() {
        let Some(l) = by_id.get(&a.line_id) else {
            return Err(AppError::field(
                format!("adjustments[{n}].line_id"),
                tr(format!("该请领单没有明细 {}", a.line_id), format!("the order has no line {}", a.line_id)),
            ));
        };
        if !seen.insert(a.line_id) {
            return Err(AppError::field(
                format!("adjustments[{n}].line_id"),
                tr("同一明细只能调整一次", "a line is adjusted once"),
            ));
        }
        let p = prods.get(&l.entry_id);
        let name = p.map_or_else(|| format!("#{}", l.entry_id), |p| format!("{} {}", p.name_zh, p.strength));
        let ordered = l.quantity.unwrap_or(0);
        if rules::o4_adjustment(&name, ordered, a.quantity, a.reason.as_deref())? {
            changes.push((l.id, a.quantity, a.reason.as_deref().unwrap_or("").trim().to_owned()));
        }
    }
    let changed: HashMap<i64, i64> = changes.iter().map(|(l, q, _)| (*l, *q)).collect();
    let total: i64 = stored.iter().map(|l| changed.get(&l.id).copied().unwrap_or(l.quantity.unwrap_or(0))).sum();
    rules::o4_something_approved(total)?;
    touch(ctx, &tx, id, req.version).await?;
    let now = ctx.clock.now();
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(Status::Approved))
        .col_expr(order::Column::ReviewedBy, Expr::value(actor.user_id))
        .col_expr(order::Column::ReviewedAt, Expr::value(now))
        .col_expr(order::Column::ReviewNote, Expr::value(Option::<String>::None))
        .filter(order::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    for (l, q, reason) in &changes {
        line::Entity::update_many()
            .col_expr(line::Column::ApprovedQuantity, Expr::value(*q))
            .col_expr(line::Column::AdjustReason, Expr::value(reason.clone()))
            .filter(line::Column::Id.eq(*l))
            .exec(&tx)
            .await?;
    }
    super::approved::add_order(&tx, c, id).await?;
    let adjusted: Vec<serde_json::Value> = changes
        .iter()
        .map(|(l, q, r)| serde_json::json!({"line_id": l, "from": by_id.get(l).and_then(|x| x.quantity), "to": q, "reason": r}))
        .collect();
    audit::record(
        &tx,
        actor,
        Event::new("order.approve", "member_order", id)
            .before(serde_json::json!({"status": o.status}))
            .after(serde_json::json!({"status": Status::Approved, "adjusted": adjusted})),
    )
    .await?;
    let v = view(ctx, &tx, find(&tx, c, id).await?, true).await?;
    tx.commit().await?;
    Ok(v)
}

/// Return a submitted order to the member with a reason (O4); it can be changed and submitted
/// again. Lines that followed the suggestion follow it again.
pub async fn return_order(ctx: &Ctx, actor: &Actor, id: i64, req: ReturnOrder) -> AppResult<Order> {
    let c = actor.consortium()?;
    let reason = rules::o4_return_reason(Some(&req.reason))?;
    let tx = ctx.write().await?;
    let o = reviewable(&tx, c, id, req.version).await?;
    touch(ctx, &tx, id, req.version).await?;
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(Status::Returned))
        .col_expr(order::Column::ReviewedBy, Expr::value(actor.user_id))
        .col_expr(order::Column::ReviewedAt, Expr::value(ctx.clock.now()))
        .col_expr(order::Column::ReviewNote, Expr::value(reason.clone()))
        .filter(order::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    line::Entity::update_many()
        .col_expr(line::Column::Quantity, Expr::value(Option::<i64>::None))
        .filter(line::Column::OrderId.eq(id))
        .filter(line::Column::Typed.eq(false))
        .exec(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        Event::new("order.return", "member_order", id)
            .before(serde_json::json!({"status": o.status}))
            .after(serde_json::json!({"status": Status::Returned, "reason": reason})),
    )
    .await?;
    let v = view(ctx, &tx, find(&tx, c, id).await?, true).await?;
    tx.commit().await?;
    Ok(v)
}

/// Approve (as ordered) or return several orders; each in its own transaction, so one refusal
/// stops nothing else, and the answer says per order what happened.
pub async fn batch(ctx: &Ctx, actor: &Actor, req: BatchReview) -> AppResult<BatchReviewResult> {
    let c = actor.consortium()?;
    if req.action == ReviewAction::Return {
        rules::o4_return_reason(req.reason.as_deref())?;
    }
    let mut ids = HashSet::new();
    for (n, r) in req.orders.iter().enumerate() {
        if !ids.insert(r.id) {
            return Err(AppError::field(format!("orders[{n}].id"), tr("同一请领单在批量中只能出现一次", "an order appears once in a batch")));
        }
    }
    let insts = institutions(&ctx.db, c).await?;
    let mut items = Vec::with_capacity(req.orders.len());
    for r in &req.orders {
        let done = match req.action {
            ReviewAction::Approve => approve(ctx, actor, r.id, ApproveOrder { version: r.version, adjustments: Vec::new() }).await,
            ReviewAction::Return => {
                return_order(ctx, actor, r.id, ReturnOrder { version: r.version, reason: req.reason.clone().unwrap_or_default() }).await
            }
        };
        items.push(match done {
            Ok(o) => BatchOutcome {
                id: r.id,
                ok: true,
                status: Some(o.status),
                version: Some(o.version),
                institution_name: Some(o.institution_name),
                problem: None,
            },
            Err(e) => {
                let name = find(&ctx.db, c, r.id).await.ok().and_then(|o| insts.get(&o.institution_id).map(|i| i.name.clone()));
                BatchOutcome { id: r.id, ok: false, status: None, version: None, institution_name: name, problem: Some(e.to_problem()) }
            }
        });
    }
    let done = u32::try_from(items.iter().filter(|i| i.ok).count()).unwrap_or(u32::MAX);
    let refused = u32::try_from(items.len()).unwrap_or(u32::MAX) - done;
    Ok(BatchReviewResult { done, refused, items })
}

/// The orders in a status (submitted: the approval queue) by product: each product's packs
/// across the members, its contracted price and supplier today, and the members' lines.
pub async fn demand(ctx: &Ctx, actor: &Actor, q: &DemandQuery) -> AppResult<DemandPage> {
    let c = actor.consortium()?;
    let status = q.status.unwrap_or(Status::Submitted);
    let today = ctx.clock.today();
    let mut sel = order::Entity::find().filter(order::Column::ConsortiumId.eq(c)).filter(order::Column::Status.eq(status));
    if let Some(k) = q.cycle_id {
        sel = sel.filter(order::Column::CycleId.eq(k));
    }
    let orders: HashMap<i64, order::Model> = sel.all(&ctx.db).await?.into_iter().map(|o| (o.id, o)).collect();
    let mut lines = Vec::new();
    let ids: Vec<i64> = orders.keys().copied().collect();
    for chunk in ids.chunks(500) {
        lines.extend(line::Entity::find().filter(line::Column::OrderId.is_in(chunk.iter().copied())).all(&ctx.db).await?);
    }
    let reviewed = matches!(status, Status::Approved | Status::Purchased);
    let entries: HashSet<i64> = lines.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let prices = contracts::prices_on(&ctx.db, c, &entries, today).await?;
    let names = contracts::contract_suppliers(&ctx.db, prices.values().map(|p| p.1).collect()).await?;
    let insts = institutions(&ctx.db, c).await?;
    let mut by_entry: BTreeMap<(u32, i64), Vec<&line::Model>> = BTreeMap::new();
    for l in &lines {
        by_entry.entry((prods.get(&l.entry_id).map_or(u32::MAX, |p| p.name_pos), l.entry_id)).or_default().push(l);
    }
    let mut total_fen = 0i64;
    let mut items = Vec::with_capacity(by_entry.len());
    for ((_, e), ls) in by_entry {
        let qty = |l: &line::Model| if reviewed { l.approved_quantity.or(l.quantity).unwrap_or(0) } else { l.quantity.unwrap_or(0) };
        let quantity: i64 = ls.iter().map(|l| qty(l)).sum();
        let price = prices.get(&e);
        let amount = price.map(|(p, _)| rules::o6_line_fen(quantity, *p));
        total_fen += amount.unwrap_or(0);
        let (contract_no, supplier_name) = price.and_then(|(_, k)| names.get(k).cloned()).unzip();
        let mut member_lines: Vec<DemandLine> = ls
            .iter()
            .filter_map(|l| {
                let o = orders.get(&l.order_id)?;
                Some(DemandLine {
                    order_id: o.id,
                    line_id: l.id,
                    institution_id: o.institution_id,
                    institution_name: insts.get(&o.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
                    quantity: qty(l),
                    order_version: o.version,
                })
            })
            .collect();
        member_lines.sort_by(|a, b| a.institution_name.cmp(&b.institution_name).then(a.order_id.cmp(&b.order_id)));
        items.push(ProductDemand {
            entry_id: e,
            product: brief(prods.get(&e), e),
            quantity,
            orders: u32::try_from(member_lines.len()).unwrap_or(u32::MAX),
            price: price.map(|(p, _)| Money::from_minor(*p, SCALE_PRICE)),
            contract_no,
            supplier_name,
            amount: amount.map(|f| Money::from_minor(f, SCALE_FEN)),
            lines: member_lines,
        });
    }
    Ok(DemandPage {
        items,
        total: Money::from_minor(total_fen, SCALE_FEN),
        orders: u32::try_from(orders.len()).unwrap_or(u32::MAX),
    })
}
