//! Members' orders (请领, O1–O3, O6, O7): an orderer at a member builds an order from its stock
//! position — stock on hand, in transit, average monthly consumption, months of stock and the
//! suggested quantity (O3) per product —, types quantities where the suggestion will not do
//! (a typed quantity is never overwritten), and submits it within the open procurement cycle or
//! as an urgent order with a reason (O1). Submission may carry an `Idempotency-Key` (O7).
use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};

use super::contracts;
use super::cycles::open_cycle;
use super::rules;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::money::{SCALE_FEN, SCALE_PRICE};
use crate::kernel::paging::{Direction, Page};
use crate::kernel::versioned::guarded_update;
use crate::kernel::{Actor, Coded, Ctx, Money};
use crate::stock::consumption::average_monthly;
use crate::stock::reads::{brief, institutions, lots_of, user_names};
use crate::stock::service::{SEE_ALL, institution_in_scope};
use entity::formulary_version::EntryStatus;
use entity::idempotency_key as idem;
use entity::institution::Level;
use entity::member_order::{self as order, OrderStatus as Status};
use entity::member_order_line as line;
use entity::procurement_setting as setting;
use entity::stock_balance as balance;

/// O3's defaults: consumption over the last 3 months, 2 months of cover at every level.
pub const DEFAULT_LOOKBACK: u32 = 3;
pub const DEFAULT_COVER: u32 = 2;

/// (lookback months, months of cover) for a member of `level`.
pub async fn o3_settings(conn: &impl ConnectionTrait, c: i64, level: Level) -> AppResult<(u32, u32)> {
    let s = setting::Entity::find_by_id(c).one(conn).await?;
    let n = |v: i32| u32::try_from(v).unwrap_or(1).max(1);
    Ok(match s {
        None => (DEFAULT_LOOKBACK, DEFAULT_COVER),
        Some(s) => (
            n(s.lookback_months),
            n(match level {
                Level::Secondary | Level::Lead => s.cover_secondary,
                Level::Township => s.cover_township,
                Level::Village => s.cover_village,
            }),
        ),
    })
}

pub(crate) async fn find(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<order::Model> {
    order::Entity::find_by_id(id)
        .filter(order::Column::ConsortiumId.eq(c))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// An order the actor may see (`wide`: roles that see every member's).
pub(crate) async fn visible(ctx: &Ctx, actor: &Actor, id: i64, wide: &[entity::user::Role]) -> AppResult<order::Model> {
    let o = find(&ctx.db, actor.consortium()?, id).await?;
    institution_in_scope(ctx, actor, wide, Some(o.institution_id)).await?;
    Ok(o)
}

/// A draft, or an order the lead hospital returned: the member changes it and submits again.
pub(crate) fn expect_draft(o: &order::Model) -> AppResult<()> {
    if matches!(o.status, Status::Draft | Status::Returned) {
        return Ok(());
    }
    Err(AppError::Conflict(tr(
        format!("该请领单{}，不能再修改", o.status.zh()),
        format!("this order is {} already: it cannot be changed", o.status.code()),
    )))
}

/// Usable stock on hand per entry at an institution (expired lots not counted), base units.
async fn usable_on_hand(conn: &impl ConnectionTrait, institution: i64, entries: &HashSet<i64>, today: chrono::NaiveDate) -> AppResult<HashMap<i64, i64>> {
    if entries.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = balance::Entity::find()
        .filter(balance::Column::InstitutionId.eq(institution))
        .filter(balance::Column::EntryId.is_in(entries.iter().copied()))
        .filter(balance::Column::Quantity.gt(0))
        .all(conn)
        .await?;
    let lots = lots_of(conn, rows.iter().map(|b| b.lot_id)).await?;
    let mut out = HashMap::new();
    for b in rows {
        if lots.get(&b.lot_id).is_some_and(|l| l.expiry >= today) {
            *out.entry(b.entry_id).or_default() += b.quantity;
        }
    }
    Ok(out)
}

/// The order as the API shows it; with its lines and their stock position when `with_lines`.
pub(crate) async fn view(ctx: &Ctx, conn: &impl ConnectionTrait, o: order::Model, with_lines: bool) -> AppResult<Order> {
    let c = o.consortium_id;
    let today = ctx.clock.today();
    let insts = institutions(conn, c).await?;
    let level = insts.get(&o.institution_id).map_or(Level::Village, |i| i.level);
    let stored = line::Entity::find().filter(line::Column::OrderId.eq(o.id)).all(conn).await?;
    let entries: HashSet<i64> = stored.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let prices = contracts::prices_on(conn, c, &entries, today).await?;
    let numbers: HashMap<i64, String> = if with_lines && !prices.is_empty() {
        entity::supply_contract::Entity::find()
            .filter(entity::supply_contract::Column::Id.is_in(prices.values().map(|p| p.1).collect::<HashSet<_>>()))
            .select_only()
            .column(entity::supply_contract::Column::Id)
            .column(entity::supply_contract::Column::ContractNo)
            .into_tuple()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let (lookback, cover) = o3_settings(conn, c, level).await?;
    let (on_hand, amc) = if with_lines {
        (
            usable_on_hand(conn, o.institution_id, &entries, today).await?,
            average_monthly(conn, c, o.institution_id, today, lookback).await?,
        )
    } else {
        (HashMap::new(), HashMap::new())
    };
    let reviewed = matches!(o.status, Status::Approved | Status::Purchased);
    let vbp = if with_lines { contracts::vbp_alternatives(ctx, conn, c, &prods, level, today).await? } else { HashMap::new() };
    let mut lines = Vec::new();
    let mut total_fen: i64 = 0;
    let mut unpriced = 0u32;
    let mut adjusted = 0u32;
    let mut ordered: Vec<(u32, line::Model)> = stored.into_iter().map(|l| (prods.get(&l.entry_id).map_or(u32::MAX, |p| p.name_pos), l)).collect();
    ordered.sort_by_key(|(pos, l)| (*pos, l.entry_id));
    for (_, l) in ordered {
        let p = prods.get(&l.entry_id);
        let pack = p.map_or(1, |p| p.pack_size.max(1));
        let held = on_hand.get(&l.entry_id).copied().unwrap_or(0);
        let a = amc.get(&l.entry_id).copied().unwrap_or(Decimal::ZERO);
        let suggested = rules::o3_suggested(a, cover, held, 0, 0, pack);
        let quantity = l.quantity.unwrap_or(if with_lines { suggested } else { 0 });
        let approved = reviewed.then(|| l.approved_quantity.unwrap_or(quantity));
        if l.approved_quantity.is_some() {
            adjusted += 1;
        }
        let price = prices.get(&l.entry_id);
        let amount = price.map(|(e4, _)| rules::o6_line_fen(approved.unwrap_or(quantity), *e4));
        match amount {
            Some(f) => total_fen += f,
            None => unpriced += 1,
        }
        if with_lines {
            lines.push(OrderLine {
                id: l.id,
                entry_id: l.entry_id,
                product: brief(p, l.entry_id),
                on_hand: held,
                in_transit: 0,
                amc: a.round_dp(1),
                months_of_stock: (a > Decimal::ZERO).then(|| (Decimal::from(held) / a).round_dp(1)),
                suggested,
                quantity,
                typed: l.typed,
                price: price.map(|(e4, _)| Money::from_minor(*e4, SCALE_PRICE)),
                contract_no: price.and_then(|(_, k)| numbers.get(k).cloned()),
                amount: amount.map(|f| Money::from_minor(f, SCALE_FEN)),
                approved,
                adjust_reason: l.adjust_reason.clone(),
                uncovered: l.uncovered,
                vbp_alternative: vbp.get(&l.entry_id).cloned(),
            });
        }
    }
    let purchase_orders = if with_lines { super::purchase_orders::refs_of_order(conn, &o).await? } else { Vec::new() };
    let people: Vec<i64> = [o.created_by, o.submitted_by, o.reviewed_by].into_iter().flatten().collect();
    let names = user_names(conn, people).await?;
    let cycle_name = match o.cycle_id {
        Some(k) => entity::procurement_cycle::Entity::find_by_id(k).one(conn).await?.map(|k| k.name),
        None => None,
    };
    Ok(Order {
        id: o.id,
        institution_id: o.institution_id,
        institution_name: insts.get(&o.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
        cycle_id: o.cycle_id,
        cycle_name,
        urgent: o.urgent,
        urgent_reason: o.urgent_reason,
        status: o.status,
        note: o.note,
        created_by: o.created_by.and_then(|u| names.get(&u).cloned()),
        created_at: o.created_at,
        submitted_by: o.submitted_by.and_then(|u| names.get(&u).cloned()),
        submitted_at: o.submitted_at,
        line_count: u32::try_from(entries.len()).unwrap_or(u32::MAX),
        lines,
        total: Money::from_minor(total_fen, SCALE_FEN),
        unpriced,
        reviewed_by: o.reviewed_by.and_then(|u| names.get(&u).cloned()),
        reviewed_at: o.reviewed_at,
        review_note: o.review_note,
        adjusted,
        purchase_orders,
        version: o.version,
    })
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Order> {
    let o = visible(ctx, actor, id, SEE_ALL).await?;
    view(ctx, &ctx.db, o, true).await
}

/// Orders, newest first: a member's orderer sees their institution's.
pub async fn list(ctx: &Ctx, actor: &Actor, q: &OrderQuery) -> AppResult<OrderPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let inst = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let mut sel = order::Entity::find().filter(order::Column::ConsortiumId.eq(c));
    if let Some(i) = inst {
        sel = sel.filter(order::Column::InstitutionId.eq(i));
    }
    if let Some(s) = q.status {
        sel = sel.filter(order::Column::Status.eq(s));
    }
    if let Some(k) = q.cycle_id {
        sel = sel.filter(order::Column::CycleId.eq(k));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, order::Column::Id, Direction::Down, |o| o.id).await?;
    let mut items = Vec::with_capacity(rows.len());
    for o in rows {
        items.push(view(ctx, &ctx.db, o, false).await?);
    }
    Ok(OrderPage { items, next_cursor })
}

/// A draft order for a member (its own orderer). Outside an open cycle only urgent, with a
/// reason (O1).
pub async fn create(ctx: &Ctx, actor: &Actor, req: CreateOrder) -> AppResult<Order> {
    let c = actor.consortium()?;
    let i = institution_in_scope(ctx, actor, &[], Some(req.institution_id)).await?.ok_or(AppError::NotFound)?;
    let level = institutions(&ctx.db, c).await?.get(&i).map(|x| x.level).ok_or(AppError::NotFound)?;
    if level == Level::Lead {
        return Err(AppError::field(
            "institution_id",
            tr("牵头医院（中心药库）向供应商采购，不向自己请领", "the lead hospital (the central warehouse) buys from suppliers; it does not order from itself"),
        ));
    }
    let reason = req.urgent_reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    let now = ctx.clock.now();
    let tx = ctx.write().await?;
    let cycle = open_cycle(&tx, c).await?;
    rules::o1_order_window(cycle.is_some(), req.urgent, reason.as_deref())?;
    let o = order::Entity::insert(order::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(i),
        cycle_id: Set(if req.urgent { None } else { cycle.map(|k| k.id) }),
        urgent: Set(req.urgent),
        urgent_reason: Set(if req.urgent { reason } else { None }),
        status: Set(Status::Draft),
        note: Set(req.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await?;
    audit::record(&tx, actor, Event::new("order.create", "member_order", o.id).after(serde_json::json!({"institution_id": i, "urgent": o.urgent}))).await?;
    let v = view(ctx, &tx, o, true).await?;
    tx.commit().await?;
    Ok(v)
}

/// Bump the order's version (the one read), or 409.
pub(crate) async fn touch(ctx: &Ctx, conn: &impl ConnectionTrait, id: i64, version: i32) -> AppResult<()> {
    guarded_update(
        conn,
        order::Entity::update_many()
            .col_expr(order::Column::UpdatedAt, Expr::value(ctx.clock.now()))
            .filter(order::Column::Id.eq(id)),
        order::Column::Version,
        version,
    )
    .await
}

/// Replace a draft's lines: a quantity typed in packs, or none to follow the suggestion (O3).
/// Each product must be orderable by the member (O2).
pub async fn put_lines(ctx: &Ctx, actor: &Actor, id: i64, req: PutOrderLines) -> AppResult<Order> {
    let c = actor.consortium()?;
    let o = visible(ctx, actor, id, &[]).await?;
    expect_draft(&o)?;
    let level = institutions(&ctx.db, c).await?.get(&o.institution_id).map(|x| x.level).ok_or(AppError::NotFound)?;
    let entries: HashSet<i64> = req.lines.iter().map(|l| l.entry_id).collect();
    if entries.len() != req.lines.len() {
        return Err(AppError::field("lines", tr("同一药品在请领单中只能出现一次", "each product appears once in an order")));
    }
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    for (n, l) in req.lines.iter().enumerate() {
        let Some(p) = prods.get(&l.entry_id) else {
            return Err(AppError::field(
                format!("lines[{n}].entry_id"),
                tr(format!("目录中没有条目 {}", l.entry_id), format!("the formulary has no entry {}", l.entry_id)),
            ));
        };
        let name = format!("{} {}", p.name_zh, p.strength);
        rules::o2_orderable(&name, p.status == EntryStatus::Active, level, p.level_scope, l.quantity.unwrap_or(1))?;
    }
    let tx = ctx.write().await?;
    touch(ctx, &tx, id, req.version).await?;
    line::Entity::delete_many().filter(line::Column::OrderId.eq(id)).exec(&tx).await?;
    if !req.lines.is_empty() {
        line::Entity::insert_many(req.lines.iter().map(|l| line::ActiveModel {
            order_id: Set(id),
            entry_id: Set(l.entry_id),
            quantity: Set(l.quantity),
            typed: Set(l.quantity.is_some()),
            ..Default::default()
        }))
        .exec_without_returning(&tx)
        .await?;
    }
    let v = view(ctx, &tx, find(&tx, c, id).await?, true).await?;
    tx.commit().await?;
    Ok(v)
}

/// Add every product the member used over the lookback that the order does not have yet (and
/// the member may order), following the suggestion.
pub async fn load_used(ctx: &Ctx, actor: &Actor, id: i64, req: OrderVersion) -> AppResult<Order> {
    let c = actor.consortium()?;
    let o = visible(ctx, actor, id, &[]).await?;
    expect_draft(&o)?;
    let today = ctx.clock.today();
    let level = institutions(&ctx.db, c).await?.get(&o.institution_id).map(|x| x.level).ok_or(AppError::NotFound)?;
    let (lookback, _) = o3_settings(&ctx.db, c, level).await?;
    let used: HashSet<i64> = average_monthly(&ctx.db, c, o.institution_id, today, lookback)
        .await?
        .into_iter()
        .filter(|(_, a)| *a > Decimal::ZERO)
        .map(|(e, _)| e)
        .collect();
    let have: HashSet<i64> = line::Entity::find()
        .filter(line::Column::OrderId.eq(id))
        .select_only()
        .column(line::Column::EntryId)
        .into_tuple::<i64>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    let prods = products(ctx, c, Some(&used), today).await?;
    let add: Vec<i64> = used
        .into_iter()
        .filter(|e| !have.contains(e))
        .filter(|e| prods.get(e).is_some_and(|p| p.status == EntryStatus::Active && level.may_use(p.level_scope)))
        .collect();
    let tx = ctx.write().await?;
    touch(ctx, &tx, id, req.version).await?;
    if !add.is_empty() {
        line::Entity::insert_many(add.iter().map(|e| line::ActiveModel {
            order_id: Set(id),
            entry_id: Set(*e),
            quantity: Set(None),
            typed: Set(false),
            ..Default::default()
        }))
        .exec_without_returning(&tx)
        .await?;
    }
    let v = view(ctx, &tx, find(&tx, c, id).await?, true).await?;
    tx.commit().await?;
    Ok(v)
}

/// The hash an idempotency key is checked against: the operation, the object and the body.
pub fn request_hash(operation: &str, id: i64, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update(id.to_le_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

/// The first result of a key, if it was used: the same request answers it, another is refused
/// (O7).
async fn replay(ctx: &Ctx, actor: &Actor, key: &str, hash: &str) -> AppResult<Option<Order>> {
    let Some(user) = actor.user_id else { return Ok(None) };
    let Some(k) = idem::Entity::find_by_id((user, key.to_owned())).one(&ctx.db).await? else { return Ok(None) };
    if !rules::o7_idempotency(Some((&k.operation, &k.request_hash)), "submit_order", hash)? {
        return Ok(None);
    }
    let o = visible(ctx, actor, k.object_id, SEE_ALL).await?;
    Ok(Some(view(ctx, &ctx.db, o, true).await?))
}

/// Submit a draft (O1: within the open cycle, or urgent with a reason; O2: every line a whole
/// number of packs more than 0 — a line following its suggestion takes it now, and one whose
/// suggestion is nothing is dropped). With an
/// idempotency key (O7) the same request answers the first result, once.
pub async fn submit(ctx: &Ctx, actor: &Actor, id: i64, req: OrderVersion, key: Option<(String, String)>) -> AppResult<Order> {
    if let Some((k, hash)) = &key
        && let Some(first) = replay(ctx, actor, k, hash).await?
    {
        return Ok(first);
    }
    match submit_once(ctx, actor, id, &req, key.as_ref()).await {
        Ok(v) => Ok(v),
        // A duplicate sent at the same moment: the first has committed its key meanwhile.
        Err(e) => match &key {
            Some((k, hash)) => match replay(ctx, actor, k, hash).await? {
                Some(first) => Ok(first),
                None => Err(e),
            },
            None => Err(e),
        },
    }
}

async fn submit_once(ctx: &Ctx, actor: &Actor, id: i64, req: &OrderVersion, key: Option<&(String, String)>) -> AppResult<Order> {
    let c = actor.consortium()?;
    let o = visible(ctx, actor, id, &[]).await?;
    expect_draft(&o)?;
    let tx = ctx.write().await?;
    let cycle = open_cycle(&tx, c).await?;
    rules::o1_order_window(cycle.is_some(), o.urgent, o.urgent_reason.as_deref())?;
    let mut current = view(ctx, &tx, o.clone(), true).await?;
    // A line following a suggestion of nothing (stock enough) is not ordered: it goes.
    let nothing: Vec<i64> = current.lines.iter().filter(|l| !l.typed && l.quantity == 0).map(|l| l.id).collect();
    if !nothing.is_empty() {
        line::Entity::delete_many().filter(line::Column::Id.is_in(nothing.iter().copied())).exec(&tx).await?;
        current.lines.retain(|l| !nothing.contains(&l.id));
    }
    if current.lines.is_empty() {
        return Err(AppError::field(
            "lines",
            tr("请领单没有要请领的药品（建议数量为 0 的品种不请领）", "the order has nothing to order (lines whose suggestion is 0 are not ordered)"),
        ));
    }
    let level = institutions(&tx, c).await?.get(&o.institution_id).map(|x| x.level).ok_or(AppError::NotFound)?;
    let entries: HashSet<i64> = current.lines.iter().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    for l in &current.lines {
        let p = prods.get(&l.entry_id);
        let name = format!("{} {}", l.product.name_zh, l.product.strength);
        rules::o2_orderable(
            &name,
            p.is_some_and(|p| p.status == EntryStatus::Active),
            level,
            p.map_or(Level::Lead, |p| p.level_scope),
            l.quantity,
        )?;
    }
    touch(ctx, &tx, id, req.version).await?;
    for l in current.lines.iter().filter(|l| !l.typed) {
        line::Entity::update_many()
            .col_expr(line::Column::Quantity, Expr::value(l.quantity))
            .filter(line::Column::Id.eq(l.id))
            .exec(&tx)
            .await?;
    }
    let now = ctx.clock.now();
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(Status::Submitted))
        .col_expr(order::Column::SubmittedBy, Expr::value(actor.user_id))
        .col_expr(order::Column::SubmittedAt, Expr::value(now))
        // A returned order submitted again starts a new review.
        .col_expr(order::Column::ReviewedBy, Expr::value(Option::<i64>::None))
        .col_expr(order::Column::ReviewedAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .col_expr(order::Column::ReviewNote, Expr::value(Option::<String>::None))
        .col_expr(order::Column::CycleId, Expr::value(if o.urgent { None } else { cycle.map(|k| k.id) }))
        .filter(order::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    if let (Some((k, hash)), Some(user)) = (key, actor.user_id) {
        // Kept two days (at least the 24 hours a client may retry within).
        idem::Entity::delete_many()
            .filter(idem::Column::UserId.eq(user))
            .filter(idem::Column::CreatedAt.lt(now - chrono::Duration::days(2)))
            .exec(&tx)
            .await?;
        idem::Entity::insert(idem::ActiveModel {
            user_id: Set(user),
            idem_key: Set(k.clone()),
            operation: Set("submit_order".into()),
            request_hash: Set(hash.clone()),
            object_id: Set(id),
            created_at: Set(now),
        })
        .exec_without_returning(&tx)
        .await?;
    }
    audit::record(
        &tx,
        actor,
        Event::new("order.submit", "member_order", id).after(serde_json::json!({"lines": current.lines.len(), "total": current.total})),
    )
    .await?;
    let v = view(ctx, &tx, find(&tx, c, id).await?, true).await?;
    tx.commit().await?;
    Ok(v)
}
