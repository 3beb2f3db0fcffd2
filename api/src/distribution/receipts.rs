//! Goods receipt at the central warehouse against purchase orders (D1), and closing what will
//! not come. A receipt checks the purchase order's version (a double submission finds it changed
//! and receives nothing twice), refuses expired and short-dated lots with the date that would
//! have been accepted, puts the good packs into the lead hospital's stock (the ledger's receipt
//! movements, in base units), records damaged packs without stocking them, registers the trace
//! codes scanned (T1: a pack is received once in the consortium), and moves the purchase order's
//! running totals and status — all in one transaction.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::allocation::allocate_in;
use super::rules;
use super::settings;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::clock::china_day;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Ctx};
use crate::stock::reads::{brief, institutions, user_names};
use crate::stock::service::{NewMovement, lot_of, record_in};
use entity::institution::Level;
use entity::purchase_order as po;
use entity::purchase_order_line as pol;
use entity::receipt;
use entity::receipt_line as rline;
use entity::stock_lot as lot;
use entity::stock_movement::MovementKind;
use entity::trace_code;

/// The lead hospital: its pharmacy is the central warehouse goods are received into.
pub(crate) async fn warehouse(conn: &impl ConnectionTrait, c: i64) -> AppResult<i64> {
    institutions(conn, c)
        .await?
        .into_values()
        .filter(|i| i.level == Level::Lead && i.active)
        .map(|i| i.id)
        .min()
        .ok_or_else(|| {
            AppError::Conflict(tr(
                "本医共体还没有牵头医院（中心库房），无法入库：请先由管理员设置牵头医院",
                "the consortium has no lead hospital (central warehouse) to receive into: an administrator sets one up first",
            ))
        })
}

pub(crate) async fn find_po(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<po::Model> {
    po::Entity::find_by_id(id).filter(po::Column::ConsortiumId.eq(c)).one(conn).await?.ok_or(AppError::NotFound)
}

async fn next_receipt_no(conn: &impl ConnectionTrait, c: i64, day: NaiveDate) -> AppResult<String> {
    let prefix = format!("RK{}-", day.format("%Y%m%d"));
    let taken = receipt::Entity::find()
        .filter(receipt::Column::ConsortiumId.eq(c))
        .filter(receipt::Column::ReceiptNo.starts_with(&prefix))
        .count(conn)
        .await?;
    Ok(format!("{prefix}{:03}", taken + 1))
}

/// The codes of the request already known in the consortium.
async fn known_codes(conn: &impl ConnectionTrait, c: i64, codes: &[&String]) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in codes.chunks(500) {
        let rows: Vec<String> = trace_code::Entity::find()
            .filter(trace_code::Column::ConsortiumId.eq(c))
            .filter(trace_code::Column::Code.is_in(chunk.iter().map(|s| s.as_str())))
            .select_only()
            .column(trace_code::Column::Code)
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

fn trimmed(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Receive goods against a purchase order (D1, T1).
pub async fn create(ctx: &Ctx, actor: &Actor, req: ReceiptInput) -> AppResult<Receipt> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let day = req.received_on.unwrap_or(today);
    let tx = ctx.write().await?;
    let p = find_po(&tx, c, req.purchase_order_id).await.map_err(|e| match e {
        AppError::NotFound => AppError::field("purchase_order_id", tr("本医共体没有这张采购订单", "no such purchase order in your consortium")),
        e => e,
    })?;
    expect_version(p.version, req.version)?;
    rules::d1_receivable(p.status, &p.po_no)?;
    rules::d1_received_on(day, today, china_day(p.created_at))?;
    let min_days = settings::read(&tx, c).await?.min_shelf_days;
    let store = warehouse(&tx, c).await?;
    let lines: HashMap<i64, pol::Model> =
        pol::Entity::find().filter(pol::Column::PurchaseOrderId.eq(p.id)).all(&tx).await?.into_iter().map(|l| (l.id, l)).collect();
    let entries: HashSet<i64> = lines.values().map(|l| l.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let name = |e: i64| prods.get(&e).map_or_else(|| format!("#{e}"), |p| format!("{} {}", p.name_zh, p.strength));

    // Check every line before writing anything: the quantities against what is still
    // outstanding (two lots of one line count together), the shelf life of what is stocked,
    // the trace codes.
    let mut taking: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut codes_per_line: Vec<Vec<String>> = Vec::with_capacity(req.lines.len());
    for (n, l) in req.lines.iter().enumerate() {
        let at = format!("lines[{n}]");
        let Some(pl) = lines.get(&l.po_line_id) else {
            return Err(AppError::field(
                format!("{at}.po_line_id"),
                tr(format!("{} 不是采购订单 {} 的明细行", l.po_line_id, p.po_no), format!("{} is not a line of purchase order {}", l.po_line_id, p.po_no)),
            ));
        };
        let lot_no = l.lot_no.trim();
        if lot_no.is_empty() || lot_no.chars().any(char::is_control) {
            return Err(AppError::field(format!("{at}.lot_no"), tr("批号不能为空", "a lot number is needed")));
        }
        let so_far = taking.entry(pl.id).or_default();
        let left = rules::outstanding(pl.quantity, pl.received, pl.closed) - so_far.0;
        rules::d1_quantities(l.quantity, l.damaged, left, &name(pl.entry_id))?;
        if l.quantity > 0 {
            rules::d1_shelf_life(l.expiry, day, min_days, lot_no)?;
        }
        so_far.0 += l.quantity;
        so_far.1 += l.damaged;
        let mut codes = Vec::with_capacity(l.trace_codes.len());
        for raw in &l.trace_codes {
            codes.push(rules::t1_code(raw)?);
        }
        rules::t1_codes_at_receipt(&codes, l.quantity, &name(pl.entry_id))?;
        codes_per_line.push(codes);
    }
    let all_codes: Vec<&String> = codes_per_line.iter().flatten().collect();
    let mut seen = HashSet::new();
    for code in &all_codes {
        rules::t1_new_code(code, !seen.insert(*code))?;
    }
    let known = known_codes(&tx, c, &all_codes).await?;
    for code in &all_codes {
        rules::t1_new_code(code, known.contains(*code))?;
    }

    let receipt_no = next_receipt_no(&tx, c, day).await?;
    let r = receipt::Entity::insert(receipt::ActiveModel {
        consortium_id: Set(c),
        purchase_order_id: Set(p.id),
        receipt_no: Set(receipt_no.clone()),
        received_on: Set(day),
        invoice_no: Set(trimmed(req.invoice_no.as_deref())),
        note: Set(trimmed(req.note.as_deref())),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await?;
    let moves: Vec<NewMovement> = req
        .lines
        .iter()
        .filter(|l| l.quantity > 0)
        .map(|l| {
            let pl = &lines[&l.po_line_id];
            let size = prods.get(&pl.entry_id).map_or(1, |p| i64::from(p.pack_size));
            NewMovement {
                institution_id: store,
                entry_id: pl.entry_id,
                lot_no: l.lot_no.trim().to_owned(),
                expiry: l.expiry,
                kind: MovementKind::Receipt,
                quantity: l.quantity * size,
                reason: None,
                document: Some(format!("{receipt_no} / {}", p.po_no)),
                occurred_on: Some(day),
            }
        })
        .collect();
    record_in(&tx, c, actor.user_id, now, today, &moves).await?;
    for (l, codes) in req.lines.iter().zip(codes_per_line) {
        let pl = &lines[&l.po_line_id];
        let lot_id = lot_of(&tx, c, pl.entry_id, l.lot_no.trim(), l.expiry, now).await?;
        let row = rline::Entity::insert(rline::ActiveModel {
            receipt_id: Set(r.id),
            po_line_id: Set(pl.id),
            entry_id: Set(pl.entry_id),
            lot_id: Set(lot_id),
            quantity: Set(l.quantity),
            damaged: Set(l.damaged),
            damage_note: Set(trimmed(l.damage_note.as_deref())),
            ..Default::default()
        })
        .exec_with_returning(&tx)
        .await?;
        for chunk in codes.chunks(1000) {
            trace_code::Entity::insert_many(chunk.iter().map(|code| trace_code::ActiveModel {
                consortium_id: Set(c),
                code: Set(code.clone()),
                entry_id: Set(pl.entry_id),
                lot_id: Set(lot_id),
                receipt_line_id: Set(Some(row.id)),
                created_at: Set(now),
                ..Default::default()
            }))
            .exec_without_returning(&tx)
            .await?;
        }
    }
    // The running totals, each checked against what the line ordered (the purchase order's
    // version below makes two receipts take turns; this keeps the totals sane regardless).
    for (id, (good, damaged)) in &taking {
        let res = pol::Entity::update_many()
            .col_expr(pol::Column::Received, Expr::col(pol::Column::Received).add(*good))
            .col_expr(pol::Column::Damaged, Expr::col(pol::Column::Damaged).add(*damaged))
            .filter(pol::Column::Id.eq(*id))
            .filter(Expr::col(pol::Column::Received).add(Expr::col(pol::Column::Closed)).add(*good).lte(Expr::col(pol::Column::Quantity)))
            .exec(&tx)
            .await?;
        if res.rows_affected != 1 {
            return Err(crate::kernel::versioned::stale());
        }
    }
    let status = status_now(&tx, p.id).await?;
    // What arrived fills the back orders and waiting lines of its products (D2).
    let arrived: HashSet<i64> = req.lines.iter().filter(|l| l.quantity > 0).map(|l| lines[&l.po_line_id].entry_id).collect();
    let allocated = if arrived.is_empty() { AllocationRun::default() } else { allocate_in(&tx, c, now, today, Some(&arrived)).await? };
    guarded_update(
        &tx,
        po::Entity::update_many().col_expr(po::Column::Status, Expr::value(status)).filter(po::Column::Id.eq(p.id)),
        po::Column::Version,
        p.version,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Event::new("receipt.create", "receipt", r.id).after(serde_json::json!({
            "receipt_no": receipt_no,
            "purchase_order": p.po_no,
            "received_on": day,
            "invoice_no": r.invoice_no,
            "lines": req.lines.iter().map(|l| serde_json::json!({
                "po_line_id": l.po_line_id, "lot_no": l.lot_no.trim(), "expiry": l.expiry,
                "quantity": l.quantity, "damaged": l.damaged, "trace_codes": l.trace_codes.len(),
            })).collect::<Vec<_>>(),
            "status": status,
            "allocated": allocated,
        })),
    )
    .await?;
    let out = view(ctx, &tx, r, true).await?;
    tx.commit().await?;
    Ok(out)
}

/// The purchase order's status from its lines now.
async fn status_now(conn: &impl ConnectionTrait, po_id: i64) -> AppResult<po::PurchaseOrderStatus> {
    let rows: Vec<(i64, i64, i64)> = pol::Entity::find()
        .filter(pol::Column::PurchaseOrderId.eq(po_id))
        .select_only()
        .column(pol::Column::Quantity)
        .column(pol::Column::Received)
        .column(pol::Column::Closed)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rules::d1_status_after(&rows))
}

/// Close what remains of a purchase order (D1): each line's outstanding packs are closed with
/// the reason; the purchase order is closed.
pub async fn close(ctx: &Ctx, actor: &Actor, id: i64, req: ClosePurchaseOrder) -> AppResult<i64> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let p = find_po(&tx, c, id).await?;
    expect_version(p.version, req.version)?;
    rules::d1_receivable(p.status, &p.po_no)?;
    let lines = pol::Entity::find().filter(pol::Column::PurchaseOrderId.eq(p.id)).all(&tx).await?;
    let left: i64 = lines.iter().map(|l| rules::outstanding(l.quantity, l.received, l.closed)).sum();
    rules::d1_close(&req.reason, left, &p.po_no)?;
    let mut closed = Vec::new();
    for l in &lines {
        let n = rules::outstanding(l.quantity, l.received, l.closed);
        if n > 0 {
            pol::Entity::update_many()
                .col_expr(pol::Column::Closed, Expr::col(pol::Column::Closed).add(n))
                .filter(pol::Column::Id.eq(l.id))
                .exec(&tx)
                .await?;
            closed.push(serde_json::json!({"po_line_id": l.id, "entry_id": l.entry_id, "closed": n}));
        }
    }
    let status = status_now(&tx, p.id).await?;
    guarded_update(
        &tx,
        po::Entity::update_many()
            .col_expr(po::Column::Status, Expr::value(status))
            .col_expr(po::Column::CloseReason, Expr::value(req.reason.trim()))
            .col_expr(po::Column::ClosedBy, Expr::value(actor.user_id))
            .col_expr(po::Column::ClosedAt, Expr::value(ctx.clock.now()))
            .filter(po::Column::Id.eq(p.id)),
        po::Column::Version,
        p.version,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Event::new("purchase_order.close", "purchase_order", p.id)
            .reason(req.reason.trim())
            .after(serde_json::json!({"po_no": p.po_no, "closed": closed, "status": status})),
    )
    .await?;
    tx.commit().await?;
    Ok(p.id)
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Receipt> {
    let c = actor.consortium()?;
    let r = receipt::Entity::find_by_id(id).filter(receipt::Column::ConsortiumId.eq(c)).one(&ctx.db).await?.ok_or(AppError::NotFound)?;
    view(ctx, &ctx.db, r, true).await
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &ReceiptQuery) -> AppResult<ReceiptPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = receipt::Entity::find().filter(receipt::Column::ConsortiumId.eq(c));
    if let Some(p) = q.purchase_order_id {
        sel = sel.filter(receipt::Column::PurchaseOrderId.eq(p));
    }
    match q.invoice_pending {
        Some(true) => sel = sel.filter(receipt::Column::InvoiceNo.is_null()),
        Some(false) => sel = sel.filter(receipt::Column::InvoiceNo.is_not_null()),
        None => {}
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, receipt::Column::Id, Direction::Down, |r| r.id).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(view(ctx, &ctx.db, r, false).await?);
    }
    Ok(ReceiptPage { items, next_cursor })
}

async fn view(ctx: &Ctx, conn: &impl ConnectionTrait, r: receipt::Model, with_lines: bool) -> AppResult<Receipt> {
    let p = po::Entity::find_by_id(r.purchase_order_id).one(conn).await?.ok_or(AppError::NotFound)?;
    let supplier_name = entity::supplier::Entity::find_by_id(p.supplier_id).one(conn).await?.map(|s| s.name).unwrap_or_default();
    let people = user_names(conn, r.created_by).await?;
    let rows = rline::Entity::find().filter(rline::Column::ReceiptId.eq(r.id)).order_by_asc(rline::Column::Id).all(conn).await?;
    let packs = rows.iter().map(|l| l.quantity).sum();
    let damaged = rows.iter().map(|l| l.damaged).sum();
    let mut lines = Vec::new();
    if with_lines {
        let entries: HashSet<i64> = rows.iter().map(|l| l.entry_id).collect();
        let prods = products(ctx, r.consortium_id, Some(&entries), ctx.clock.today()).await?;
        let lots: HashMap<i64, lot::Model> = lot::Entity::find()
            .filter(lot::Column::Id.is_in(rows.iter().map(|l| l.lot_id).collect::<HashSet<_>>()))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let mut codes: HashMap<i64, Vec<String>> = HashMap::new();
        for (line, code) in trace_code::Entity::find()
            .filter(trace_code::Column::ReceiptLineId.is_in(rows.iter().map(|l| l.id).collect::<Vec<_>>()))
            .order_by_asc(trace_code::Column::Id)
            .select_only()
            .column(trace_code::Column::ReceiptLineId)
            .column(trace_code::Column::Code)
            .into_tuple::<(Option<i64>, String)>()
            .all(conn)
            .await?
        {
            if let Some(line) = line {
                codes.entry(line).or_default().push(code);
            }
        }
        lines = rows
            .into_iter()
            .map(|l| {
                let lt = lots.get(&l.lot_id);
                ReceiptLine {
                    id: l.id,
                    po_line_id: l.po_line_id,
                    entry_id: l.entry_id,
                    product: brief(prods.get(&l.entry_id), l.entry_id),
                    lot_id: l.lot_id,
                    lot_no: lt.map(|x| x.lot_no.clone()).unwrap_or_default(),
                    expiry: lt.map_or(r.received_on, |x| x.expiry),
                    quantity: l.quantity,
                    damaged: l.damaged,
                    damage_note: l.damage_note,
                    trace_codes: codes.remove(&l.id).unwrap_or_default(),
                }
            })
            .collect();
    }
    Ok(Receipt {
        id: r.id,
        receipt_no: r.receipt_no,
        purchase_order_id: r.purchase_order_id,
        po_no: p.po_no,
        supplier_name,
        received_on: r.received_on,
        invoice_no: r.invoice_no,
        note: r.note,
        packs,
        damaged,
        created_by: r.created_by.and_then(|u| people.get(&u).cloned()),
        created_at: r.created_at,
        lines,
    })
}
