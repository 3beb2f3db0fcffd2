//! Aggregation (O4): the approved members' orders are summed per product across members and
//! made into one purchase order per supplier at the price of the contract valid on the day; a
//! product no valid contract covers is reported and waits for one (its lines are marked, and a
//! later aggregation takes them once a contract covers the product). Each purchase order is
//! e-mailed to its supplier through the outbox, written in the same transaction.
//!
//! A purchase order line is (aggregation, product); the member order lines it came from are
//! that aggregation's orders' lines of the product, plus uncovered lines it took over
//! (`member_order_lines.aggregation_id`). So an aggregation writes a row per order and per
//! purchase order line, never per member line, and costs about one GROUP BY over the lines.
use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};

use super::approved;
use super::contracts;
use super::rules;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::i18n::tr;
use crate::kernel::download::Download;
use crate::kernel::money::{SCALE_FEN, SCALE_PRICE};
use crate::kernel::paging::{Direction, Page};
use crate::kernel::table::{self, Cell};
use crate::kernel::{Actor, Ctx, Money};
use crate::stock::reads::{brief, institutions, user_names};
use entity::aggregation as agg;
use entity::member_order::{self as order, OrderStatus};
use entity::member_order_line as mline;
use entity::purchase_order::{self as po, PurchaseOrderStatus};
use entity::purchase_order_line as pol;
use entity::supplier;

/// The notice kind of a purchase order e-mailed to its supplier (the outbox renders its PDF).
pub const NOTICE_KIND: &str = "purchase_order";

/// Per product: packs and member lines.
pub(crate) type Demand = BTreeMap<i64, (i64, i64)>;

pub(crate) async fn rows(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> AppResult<Demand> {
    let backend = conn.get_database_backend();
    let mut out = Demand::new();
    for r in conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await? {
        let e: i64 = r.try_get_by_index(0)?;
        let q: i64 = r.try_get_by_index(1)?;
        let n: i64 = r.try_get_by_index(2)?;
        out.insert(e, (q, n));
    }
    Ok(out)
}

/// The approved, not yet aggregated orders' lines of the consortium ($1), for a GROUP BY per
/// product (the preview adds it; aggregation first restricts the orders to those it takes).
const APPROVED_LINES: &str = "SELECT l.entry_id, CAST(SUM(COALESCE(l.approved_quantity, l.quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
     FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
     WHERE o.consortium_id = $1 AND o.status = 'approved' AND COALESCE(l.approved_quantity, l.quantity) > 0";

/// An aggregation's orders' lines per product (SQLite reads the demand after taking the orders).
const AGGREGATED_SQL: &str = "SELECT l.entry_id, CAST(SUM(COALESCE(l.approved_quantity, l.quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
     FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
     WHERE o.aggregation_id = $1 AND COALESCE(l.approved_quantity, l.quantity) > 0 \
     GROUP BY l.entry_id";

/// Lines still waiting for a contract, per product.
const UNCOVERED_SQL: &str = "SELECT l.entry_id, CAST(SUM(COALESCE(l.approved_quantity, l.quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
     FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
     WHERE l.uncovered AND o.consortium_id = $1 \
     GROUP BY l.entry_id";

/// The institutions whose lines of `entries` match (for naming who waits for what).
async fn institutions_of(conn: &impl ConnectionTrait, c: i64, entries: &[i64], approved: bool) -> AppResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if entries.is_empty() {
        return Ok(out);
    }
    let insts = institutions(conn, c).await?;
    let backend = conn.get_database_backend();
    let filter = if approved { "o.status = 'approved' AND COALESCE(l.approved_quantity, l.quantity) > 0" } else { "l.uncovered" };
    for chunk in entries.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT DISTINCT l.entry_id, o.institution_id FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
             WHERE o.consortium_id = $1 AND {filter} AND l.entry_id IN ({list})"
        );
        for r in conn.query_all_raw(Statement::from_sql_and_values(backend, sql, vec![c.into()])).await? {
            let e: i64 = r.try_get_by_index(0)?;
            let i: i64 = r.try_get_by_index(1)?;
            out.entry(e).or_default().push(insts.get(&i).map(|x| x.name.clone()).unwrap_or_default());
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

/// Contract id → (supplier id, supplier name, order e-mail).
async fn suppliers_of(conn: &impl ConnectionTrait, contract_ids: HashSet<i64>) -> AppResult<HashMap<i64, (i64, String, String)>> {
    if contract_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ks: Vec<(i64, i64)> = entity::supply_contract::Entity::find()
        .filter(entity::supply_contract::Column::Id.is_in(contract_ids))
        .select_only()
        .column(entity::supply_contract::Column::Id)
        .column(entity::supply_contract::Column::SupplierId)
        .into_tuple()
        .all(conn)
        .await?;
    let ss: HashMap<i64, supplier::Model> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(ks.iter().map(|k| k.1).collect::<HashSet<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(ks
        .into_iter()
        .filter_map(|(k, s)| ss.get(&s).map(|s| (k, (s.id, s.name.clone(), s.order_email.clone()))))
        .collect())
}

/// What the demand comes to: purchases per supplier (sorted by supplier name, lines by the
/// formulary's name order) and the uncovered products.
struct Plan {
    suppliers: Vec<SupplierPurchase>,
    uncovered: Vec<UncoveredProduct>,
    total_fen: i64,
}

async fn plan(ctx: &Ctx, conn: &impl ConnectionTrait, c: i64, demand: &Demand, waiting: &Demand, on: chrono::NaiveDate) -> AppResult<Plan> {
    let entries: HashSet<i64> = demand.keys().chain(waiting.keys()).copied().collect();
    let prods = products(ctx, c, Some(&entries), on).await?;
    let prices = contracts::prices_on(conn, c, &entries, on).await?;
    let numbers = contracts::contract_suppliers(conn, prices.values().map(|p| p.1).collect()).await?;
    let sups = suppliers_of(conn, prices.values().map(|p| p.1).collect()).await?;
    let mut by_supplier: BTreeMap<(String, i64), (String, Vec<PurchaseLine>)> = BTreeMap::new();
    let mut uncovered = Vec::new();
    let mut total_fen = 0i64;
    let mut all: BTreeMap<i64, (i64, i64, bool)> = BTreeMap::new();
    for (e, (q, n)) in demand {
        all.insert(*e, (*q, *n, false));
    }
    for (e, (q, n)) in waiting {
        let a = all.entry(*e).or_insert((0, 0, true));
        a.0 += q;
        a.1 += n;
    }
    let mut names_wanted = Vec::new();
    for (e, (q, n, carried)) in all {
        match prices.get(&e).and_then(|(price, k)| sups.get(k).map(|s| (*price, *k, s))) {
            Some((price, k, (sid, sname, email))) => {
                let amount = rules::o6_line_fen(q, price);
                total_fen += amount;
                let entry = by_supplier.entry((sname.clone(), *sid)).or_insert_with(|| (email.clone(), Vec::new()));
                entry.1.push(PurchaseLine {
                    id: None,
                    entry_id: e,
                    product: brief(prods.get(&e), e),
                    contract_id: k,
                    contract_no: numbers.get(&k).map(|n| n.0.clone()).unwrap_or_default(),
                    quantity: q,
                    price: Money::from_minor(price, SCALE_PRICE),
                    amount: Money::from_minor(amount, SCALE_FEN),
                    sources: u32::try_from(n).unwrap_or(u32::MAX),
                    received: 0,
                    damaged: 0,
                    closed: 0,
                    outstanding: q,
                });
            }
            None => {
                names_wanted.push(e);
                uncovered.push(UncoveredProduct { entry_id: e, product: brief(prods.get(&e), e), quantity: q, institutions: Vec::new(), carried });
            }
        }
    }
    let pos = |e: &i64| prods.get(e).map_or(u32::MAX, |p| p.name_pos);
    let mut who = institutions_of(conn, c, &names_wanted, true).await?;
    for (e, names) in institutions_of(conn, c, &names_wanted, false).await? {
        who.entry(e).or_default().extend(names);
    }
    for u in &mut uncovered {
        let mut names = who.remove(&u.entry_id).unwrap_or_default();
        names.sort();
        names.dedup();
        u.institutions = names;
    }
    uncovered.sort_by_key(|u| (pos(&u.entry_id), u.entry_id));
    let suppliers = by_supplier
        .into_iter()
        .map(|((name, id), (email, mut lines))| {
            lines.sort_by_key(|l| (pos(&l.entry_id), l.entry_id));
            let fen: i64 = lines.iter().map(|l| l.amount.to_minor(SCALE_FEN).unwrap_or(0)).sum();
            SupplierPurchase { supplier_id: id, supplier_name: name, order_email: email, lines, total: Money::from_minor(fen, SCALE_FEN) }
        })
        .collect();
    Ok(Plan { suppliers, uncovered, total_fen })
}

/// What aggregating the approved orders today would make.
pub async fn preview(ctx: &Ctx, actor: &Actor) -> AppResult<AggregationPreview> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let tx = ctx.read().await?;
    let demand = approved::read(&tx, c).await?;
    let waiting = rows(&tx, UNCOVERED_SQL, vec![c.into()]).await?;
    let p = plan(ctx, &tx, c, &demand, &waiting, today).await?;
    let approved = order::Entity::find()
        .filter(order::Column::ConsortiumId.eq(c))
        .filter(order::Column::Status.eq(OrderStatus::Approved))
        .order_by_asc(order::Column::Id)
        .all(&tx)
        .await?;
    let insts = institutions(&tx, c).await?;
    let cycles: HashMap<i64, String> = entity::procurement_cycle::Entity::find()
        .filter(entity::procurement_cycle::Column::ConsortiumId.eq(c))
        .all(&tx)
        .await?
        .into_iter()
        .map(|k| (k.id, k.name))
        .collect();
    let counts = line_counts(&tx, approved.iter().map(|o| o.id).collect()).await?;
    let orders = approved
        .into_iter()
        .map(|o| AggregationOrder {
            id: o.id,
            institution_id: o.institution_id,
            institution_name: insts.get(&o.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
            cycle_name: o.cycle_id.and_then(|k| cycles.get(&k).cloned()),
            urgent: o.urgent,
            line_count: counts.get(&o.id).copied().unwrap_or(0),
        })
        .collect();
    Ok(AggregationPreview { priced_on: today, orders, suppliers: p.suppliers, uncovered: p.uncovered, total: Money::from_minor(p.total_fen, SCALE_FEN) })
}

async fn line_counts(conn: &impl ConnectionTrait, ids: Vec<i64>) -> AppResult<HashMap<i64, u32>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = mline::Entity::find()
            .filter(mline::Column::OrderId.is_in(chunk.iter().copied()))
            .select_only()
            .column(mline::Column::OrderId)
            .column_as(mline::Column::Id.count(), "n")
            .group_by(mline::Column::OrderId)
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(|(o, n)| (o, u32::try_from(n).unwrap_or(u32::MAX))));
    }
    Ok(out)
}

/// The next purchase order number of the day: PO20261204-001.
async fn next_po_no(conn: &impl ConnectionTrait, c: i64, day: chrono::NaiveDate) -> AppResult<(String, u32)> {
    let prefix = format!("PO{}-", day.format("%Y%m%d"));
    let taken = sea_orm::PaginatorTrait::count(
        po::Entity::find().filter(po::Column::ConsortiumId.eq(c)).filter(po::Column::PoNo.starts_with(&prefix)),
        conn,
    )
    .await?;
    Ok((prefix, u32::try_from(taken).unwrap_or(u32::MAX)))
}

/// Make the purchase orders from the approved orders the preview showed (`order_ids`): all of
/// them still approved, or nothing (409 — someone aggregated or changed one meanwhile).
pub async fn generate(ctx: &Ctx, actor: &Actor, req: GeneratePurchaseOrders) -> AppResult<AggregationResult> {
    let c = actor.consortium()?;
    let ids: Vec<i64> = {
        let mut seen = HashSet::new();
        for (n, id) in req.order_ids.iter().enumerate() {
            if !seen.insert(*id) {
                return Err(AppError::field(format!("order_ids[{n}]"), tr("同一请领单只能列出一次", "an order is listed once")));
            }
        }
        req.order_ids.clone()
    };
    let today = ctx.clock.today();
    let now = ctx.clock.now();
    let tx = ctx.write().await?;
    crate::db::take_turn(&tx, c).await?;
    let waiting = rows(&tx, UNCOVERED_SQL, vec![c.into()]).await?;
    let waiting_prices = contracts::prices_on(&tx, c, &waiting.keys().copied().collect(), today).await?;
    let taken_over: Demand = waiting.into_iter().filter(|(e, _)| waiting_prices.contains_key(e)).collect();
    if ids.is_empty() && taken_over.is_empty() {
        return Err(AppError::field(
            "order_ids",
            tr("没有可汇总的已批准请领单：请先审核批准成员单位的请领单", "there are no approved orders to aggregate: approve members' orders first"),
        ));
    }
    // The demand of the orders named, per product. Aggregating every approved order (a cycle)
    // takes the running totals (`approved`) whole. Otherwise their lines are summed: on
    // PostgreSQL before they are taken — the preview's GROUP BY restricted to their ids
    // (integers written into the statement, in chunks); an approved order's lines no longer
    // change, and taking the orders below checks that every one is still approved, so what is
    // read is what is bought (read after taking them, PostgreSQL would plan with the statistics
    // of before — a handful of rows — and sort a million on disk). SQLite sums after taking
    // them, by the aggregation's index, faster than the list of ids; its write transaction is
    // exclusive. Approvals take turns with this (`take_turn` above), so nothing is approved
    // between the count and the taking.
    let approved_now = sea_orm::PaginatorTrait::count(
        order::Entity::find().filter(order::Column::ConsortiumId.eq(c)).filter(order::Column::Status.eq(OrderStatus::Approved)),
        &tx,
    )
    .await?;
    let whole = !ids.is_empty() && approved_now == ids.len() as u64;
    let read_first = !whole && tx.get_database_backend() == sea_orm::DbBackend::Postgres;
    let mut demand = Demand::new();
    if read_first {
        for chunk in ids.chunks(5000) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("{APPROVED_LINES} AND o.id IN ({list}) GROUP BY l.entry_id");
            for (e, (q, n)) in rows(&tx, &sql, vec![c.into()]).await? {
                let d = demand.entry(e).or_default();
                d.0 += q;
                d.1 += n;
            }
        }
    }
    let a = agg::Entity::insert(agg::ActiveModel {
        consortium_id: Set(c),
        priced_on: Set(today),
        order_count: Set(i32::try_from(ids.len()).unwrap_or(i32::MAX)),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(&tx)
    .await?;
    let mut taken = 0u64;
    for chunk in ids.chunks(500) {
        taken += order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(OrderStatus::Purchased))
            .col_expr(order::Column::AggregationId, Expr::value(a.id))
            .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
            .filter(order::Column::ConsortiumId.eq(c))
            .filter(order::Column::Status.eq(OrderStatus::Approved))
            .filter(order::Column::Id.is_in(chunk.iter().copied()))
            .exec(&tx)
            .await?
            .rows_affected;
    }
    if taken != ids.len() as u64 {
        return Err(AppError::Conflict(tr(
            format!("预览中的请领单有 {} 张已不是“已批准”状态（可能已被他人汇总或退回），请刷新预览后重试", ids.len() as u64 - taken),
            format!("{} of the previewed orders are no longer approved (aggregated or returned by someone else?): refresh the preview and try again", ids.len() as u64 - taken),
        )));
    }
    if whole {
        demand = approved::read(&tx, c).await?;
        approved::take(&tx, c, None).await?;
    } else {
        if !read_first && !ids.is_empty() {
            demand = rows(&tx, AGGREGATED_SQL, vec![a.id.into()]).await?;
        }
        approved::take(&tx, c, Some(&demand)).await?;
    }
    if !taken_over.is_empty() {
        let backend = tx.get_database_backend();
        let keys: Vec<i64> = taken_over.keys().copied().collect();
        for chunk in keys.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "UPDATE member_order_lines SET uncovered = FALSE, aggregation_id = $1 \
                 WHERE uncovered AND entry_id IN ({list}) AND order_id IN (SELECT id FROM member_orders WHERE consortium_id = $2)"
            );
            tx.execute_raw(Statement::from_sql_and_values(backend, sql, vec![a.id.into(), c.into()])).await?;
        }
    }
    let p = plan(ctx, &tx, c, &demand, &taken_over, today).await?;
    let left: Vec<i64> = p.uncovered.iter().filter(|u| !u.carried).map(|u| u.entry_id).collect();
    if !left.is_empty() {
        let backend = tx.get_database_backend();
        for chunk in left.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "UPDATE member_order_lines SET uncovered = TRUE \
                 WHERE entry_id IN ({list}) AND COALESCE(approved_quantity, quantity) > 0 \
                 AND order_id IN (SELECT id FROM member_orders WHERE aggregation_id = $1)"
            );
            tx.execute_raw(Statement::from_sql_and_values(backend, sql, vec![a.id.into()])).await?;
        }
    }
    let (prefix, mut seq) = next_po_no(&tx, c, today).await?;
    let consortium = entity::consortium::Entity::find_by_id(c).one(&tx).await?.map(|k| k.name).unwrap_or_default();
    let mut made = Vec::new();
    for s in &p.suppliers {
        seq += 1;
        let po_no = format!("{prefix}{seq:03}");
        let total_fen: i64 = s.lines.iter().map(|l| l.amount.to_minor(SCALE_FEN).unwrap_or(0)).sum();
        let row = po::Entity::insert(po::ActiveModel {
            consortium_id: Set(c),
            aggregation_id: Set(a.id),
            supplier_id: Set(s.supplier_id),
            po_no: Set(po_no.clone()),
            status: Set(PurchaseOrderStatus::Issued),
            line_count: Set(i32::try_from(s.lines.len()).unwrap_or(i32::MAX)),
            total: Set(total_fen),
            created_by: Set(actor.user_id),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(&tx)
        .await?;
        for chunk in s.lines.chunks(1000) {
            pol::Entity::insert_many(chunk.iter().map(|l| pol::ActiveModel {
                purchase_order_id: Set(row.id),
                aggregation_id: Set(a.id),
                entry_id: Set(l.entry_id),
                contract_id: Set(l.contract_id),
                quantity: Set(l.quantity),
                price: Set(l.price.to_minor(SCALE_PRICE).unwrap_or(0)),
                amount: Set(l.amount.to_minor(SCALE_FEN).unwrap_or(0)),
                ..Default::default()
            }))
            .exec_without_returning(&tx)
            .await?;
        }
        crate::jobs::outbox::enqueue(
            &tx,
            now,
            crate::jobs::outbox::Notice {
                consortium_id: Some(c),
                kind: NOTICE_KIND,
                object_id: row.id,
                recipient: s.order_email.clone(),
                subject: format!("采购订单 {po_no}（{consortium}）"),
                body: format!(
                    "{}：\n\n{consortium}向贵公司下达采购订单 {po_no}，共 {} 个品种，合计金额 {} 元，按合同价计。\n订单明细见附件 PDF，请按合同约定配送至牵头医院中心药库。\n\n本邮件由统药系统自动发送。",
                    s.supplier_name,
                    s.lines.len(),
                    Money::from_minor(total_fen, SCALE_FEN),
                ),
            },
        )
        .await?;
        made.push(row);
    }
    audit::record(
        &tx,
        actor,
        Event::new("purchase_order.generate", "aggregation", a.id).after(serde_json::json!({
            "orders": ids.len(),
            "purchase_orders": made.iter().map(|m| &m.po_no).collect::<Vec<_>>(),
            "uncovered": p.uncovered.iter().map(|u| u.entry_id).collect::<Vec<_>>(),
        })),
    )
    .await?;
    let mut purchase_orders = Vec::with_capacity(made.len());
    for m in made {
        purchase_orders.push(view(ctx, &tx, m, false).await?);
    }
    tx.commit().await?;
    Ok(AggregationResult { aggregation_id: a.id, purchase_orders, uncovered: p.uncovered, orders: u32::try_from(ids.len()).unwrap_or(u32::MAX) })
}

async fn find(conn: &impl ConnectionTrait, c: i64, id: i64) -> AppResult<po::Model> {
    po::Entity::find_by_id(id).filter(po::Column::ConsortiumId.eq(c)).one(conn).await?.ok_or(AppError::NotFound)
}

/// Per (aggregation, product): (institution, order, line, packs) of each member order line.
pub(crate) type Sources = HashMap<(i64, i64), Vec<(i64, i64, i64, i64)>>;

/// The member order lines of purchase order lines (aggregation, product): the aggregation's
/// orders' lines of the product not left uncovered, and the uncovered lines it took over.
/// (institution, order, line, packs) per (aggregation, product).
pub(crate) async fn sources(conn: &impl ConnectionTrait, keys: &[(i64, i64)]) -> AppResult<Sources> {
    let mut out = Sources::new();
    let backend = conn.get_database_backend();
    let mut by_agg: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (a, e) in keys {
        by_agg.entry(*a).or_default().push(*e);
    }
    for (a, es) in by_agg {
        for chunk in es.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT l.entry_id, o.institution_id, o.id, l.id, COALESCE(l.approved_quantity, l.quantity) \
                 FROM member_orders o JOIN member_order_lines l ON l.order_id = o.id \
                 WHERE o.aggregation_id = $1 AND l.aggregation_id IS NULL AND NOT l.uncovered \
                 AND COALESCE(l.approved_quantity, l.quantity) > 0 AND l.entry_id IN ({list}) \
                 UNION ALL \
                 SELECT l.entry_id, o.institution_id, o.id, l.id, COALESCE(l.approved_quantity, l.quantity) \
                 FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
                 WHERE l.aggregation_id = $1 AND l.entry_id IN ({list})"
            );
            for r in conn.query_all_raw(Statement::from_sql_and_values(backend, sql, vec![a.into()])).await? {
                let e: i64 = r.try_get_by_index(0)?;
                out.entry((a, e)).or_default().push((r.try_get_by_index(1)?, r.try_get_by_index(2)?, r.try_get_by_index(3)?, r.try_get_by_index(4)?));
            }
        }
    }
    Ok(out)
}

/// The purchase orders a member's order went into.
pub(crate) async fn refs_of_order(conn: &impl ConnectionTrait, o: &order::Model) -> AppResult<Vec<PurchaseOrderRef>> {
    let lines = mline::Entity::find().filter(mline::Column::OrderId.eq(o.id)).all(conn).await?;
    let mut keys: HashSet<(i64, i64)> = HashSet::new();
    for l in &lines {
        match (l.aggregation_id, o.aggregation_id) {
            (Some(a), _) => {
                keys.insert((a, l.entry_id));
            }
            (None, Some(a)) if !l.uncovered => {
                keys.insert((a, l.entry_id));
            }
            _ => {}
        }
    }
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let aggs: HashSet<i64> = keys.iter().map(|k| k.0).collect();
    let po_ids: HashSet<i64> = pol::Entity::find()
        .filter(pol::Column::AggregationId.is_in(aggs))
        .all(conn)
        .await?
        .into_iter()
        .filter(|l| keys.contains(&(l.aggregation_id, l.entry_id)))
        .map(|l| l.purchase_order_id)
        .collect();
    let pos = po::Entity::find().filter(po::Column::Id.is_in(po_ids)).order_by_asc(po::Column::Id).all(conn).await?;
    let names = supplier_names(conn, pos.iter().map(|p| p.supplier_id).collect()).await?;
    Ok(pos
        .into_iter()
        .map(|p| PurchaseOrderRef { id: p.id, po_no: p.po_no, supplier_name: names.get(&p.supplier_id).cloned().unwrap_or_default() })
        .collect())
}

async fn supplier_names(conn: &impl ConnectionTrait, ids: HashSet<i64>) -> AppResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(ids))
        .select_only()
        .column(supplier::Column::Id)
        .column(supplier::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

async fn view(ctx: &Ctx, conn: &impl ConnectionTrait, p: po::Model, with_lines: bool) -> AppResult<PurchaseOrder> {
    let names = supplier_names(conn, HashSet::from([p.supplier_id])).await?;
    let people = user_names(conn, p.created_by).await?;
    let notice = crate::jobs::outbox::status_of(conn, NOTICE_KIND, p.id).await?.map(|n| NoticeState {
        recipient: n.recipient,
        status: n.status,
        attempts: n.attempts,
        sent_at: n.sent_at,
        last_error: n.last_error,
    });
    let mut lines = Vec::new();
    if with_lines {
        let rows = pol::Entity::find().filter(pol::Column::PurchaseOrderId.eq(p.id)).all(conn).await?;
        let entries: HashSet<i64> = rows.iter().map(|l| l.entry_id).collect();
        let prods = products(ctx, p.consortium_id, Some(&entries), ctx.clock.today()).await?;
        let numbers = contracts::contract_suppliers(conn, rows.iter().map(|l| l.contract_id).collect()).await?;
        let keys: Vec<(i64, i64)> = rows.iter().map(|l| (l.aggregation_id, l.entry_id)).collect();
        let src = sources(conn, &keys).await?;
        lines = rows
            .into_iter()
            .map(|l| PurchaseLine {
                id: Some(l.id),
                entry_id: l.entry_id,
                product: brief(prods.get(&l.entry_id), l.entry_id),
                contract_id: l.contract_id,
                contract_no: numbers.get(&l.contract_id).map(|n| n.0.clone()).unwrap_or_default(),
                quantity: l.quantity,
                price: Money::from_minor(l.price, SCALE_PRICE),
                amount: Money::from_minor(l.amount, SCALE_FEN),
                sources: src.get(&(l.aggregation_id, l.entry_id)).map_or(0, |v| u32::try_from(v.len()).unwrap_or(u32::MAX)),
                received: l.received,
                damaged: l.damaged,
                closed: l.closed,
                outstanding: std::cmp::max(l.quantity - l.received - l.closed, 0),
            })
            .collect();
        lines.sort_by_key(|l| (prods.get(&l.entry_id).map_or(u32::MAX, |p| p.name_pos), l.entry_id));
    }
    Ok(PurchaseOrder {
        id: p.id,
        po_no: p.po_no,
        aggregation_id: p.aggregation_id,
        supplier_id: p.supplier_id,
        supplier_name: names.get(&p.supplier_id).cloned().unwrap_or_default(),
        status: p.status,
        line_count: p.line_count,
        total: Money::from_minor(p.total, SCALE_FEN),
        created_by: p.created_by.and_then(|u| people.get(&u).cloned()),
        created_at: p.created_at,
        notice,
        lines,
        close_reason: p.close_reason,
        closed_at: p.closed_at,
        version: p.version,
    })
}

pub async fn list(ctx: &Ctx, actor: &Actor, q: &PurchaseOrderQuery) -> AppResult<PurchaseOrderPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = po::Entity::find().filter(po::Column::ConsortiumId.eq(c));
    if let Some(s) = q.supplier_id {
        sel = sel.filter(po::Column::SupplierId.eq(s));
    }
    if let Some(a) = q.aggregation_id {
        sel = sel.filter(po::Column::AggregationId.eq(a));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, po::Column::Id, Direction::Down, |p| p.id).await?;
    let mut items = Vec::with_capacity(rows.len());
    for p in rows {
        items.push(view(ctx, &ctx.db, p, false).await?);
    }
    Ok(PurchaseOrderPage { items, next_cursor })
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<PurchaseOrder> {
    let p = find(&ctx.db, actor.consortium()?, id).await?;
    view(ctx, &ctx.db, p, true).await
}

/// The member order lines one purchase order line came from.
pub async fn line_sources(ctx: &Ctx, actor: &Actor, id: i64, line_id: i64) -> AppResult<Vec<PurchaseSource>> {
    let c = actor.consortium()?;
    let p = find(&ctx.db, c, id).await?;
    let l = pol::Entity::find_by_id(line_id)
        .filter(pol::Column::PurchaseOrderId.eq(p.id))
        .one(&ctx.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let insts = institutions(&ctx.db, c).await?;
    let mut out: Vec<PurchaseSource> = sources(&ctx.db, &[(l.aggregation_id, l.entry_id)])
        .await?
        .remove(&(l.aggregation_id, l.entry_id))
        .unwrap_or_default()
        .into_iter()
        .map(|(i, o, ml, q)| PurchaseSource {
            order_id: o,
            line_id: ml,
            institution_id: i,
            institution_name: insts.get(&i).map(|x| x.name.clone()).unwrap_or_default(),
            quantity: q,
        })
        .collect();
    out.sort_by(|a, b| a.institution_name.cmp(&b.institution_name).then(a.order_id.cmp(&b.order_id)));
    Ok(out)
}

/// What a printed purchase order shows (the template `purchase_order.typ` reads it).
#[derive(serde::Serialize)]
struct PrintParty {
    name: String,
    uscc: Option<String>,
    contact: Option<String>,
    phone: Option<String>,
    order_email: Option<String>,
    address: Option<String>,
}

#[derive(serde::Serialize)]
struct PrintLine {
    no: usize,
    name: String,
    strength: String,
    form: String,
    pack: String,
    manufacturer: String,
    contract_no: String,
    quantity: i64,
    unit: String,
    price: String,
    amount: String,
}

#[derive(serde::Serialize)]
struct PrintData {
    consortium: String,
    buyer: PrintParty,
    po_no: String,
    date: String,
    created_by: String,
    supplier: PrintParty,
    lines: Vec<PrintLine>,
    line_count: usize,
    total: String,
    total_upper: String,
    note: Option<String>,
}

/// The template of a printed purchase order.
const TEMPLATE: &str = include_str!("purchase_order.typ");

async fn print_data(ctx: &Ctx, c: i64, id: i64) -> AppResult<(String, PrintData)> {
    let p = get_in(ctx, c, id).await?;
    let s = supplier::Entity::find_by_id(p.supplier_id).one(&ctx.db).await?.ok_or(AppError::NotFound)?;
    let consortium = entity::consortium::Entity::find_by_id(c).one(&ctx.db).await?.map(|k| k.name).unwrap_or_default();
    let lead = institutions(&ctx.db, c).await?.into_values().find(|i| i.level == entity::institution::Level::Lead);
    let lines = p
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| PrintLine {
            no: n + 1,
            name: l.product.name_zh.clone(),
            strength: l.product.strength.clone(),
            form: l.product.dosage_form.clone(),
            pack: l.product.pack_text(),
            manufacturer: l.product.manufacturer.clone(),
            contract_no: l.contract_no.clone(),
            quantity: l.quantity,
            unit: l.product.pack_unit.clone(),
            price: l.price.to_string(),
            amount: l.amount.to_string(),
        })
        .collect::<Vec<_>>();
    let fen = p.total.to_minor(SCALE_FEN).unwrap_or(0);
    let data = PrintData {
        consortium: consortium.clone(),
        buyer: PrintParty {
            // Goods go to the central warehouse of the lead hospital; its pharmacy's e-mail is
            // where the supplier writes back. (Institutions keep no street address or phone yet.)
            name: lead.as_ref().map_or(consortium, |i| i.name.clone()),
            uscc: None,
            contact: p.created_by.clone(),
            phone: None,
            order_email: lead
                .as_ref()
                .and_then(|i| serde_json::from_str::<Vec<String>>(&i.contact_emails).ok())
                .map(|e| e.join(", "))
                .filter(|e| !e.is_empty()),
            address: lead.as_ref().map(|i| format!("{} 中心药库", i.name)),
        },
        po_no: p.po_no.clone(),
        date: crate::kernel::clock::china_day(p.created_at).to_string(),
        created_by: p.created_by.clone().unwrap_or_default(),
        supplier: PrintParty {
            name: s.name,
            uscc: Some(s.uscc),
            contact: s.contact,
            phone: s.phone,
            order_email: Some(s.order_email),
            address: None,
        },
        line_count: lines.len(),
        lines,
        total: p.total.to_string(),
        total_upper: crate::print::rmb_upper(fen),
        note: None,
    };
    Ok((p.po_no, data))
}

async fn get_in(ctx: &Ctx, c: i64, id: i64) -> AppResult<PurchaseOrder> {
    let p = find(&ctx.db, c, id).await?;
    view(ctx, &ctx.db, p, true).await
}

/// The purchase order as a printable PDF (A4, Chinese).
pub async fn pdf(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Download> {
    let (no, data) = print_data(ctx, actor.consortium()?, id).await?;
    let bytes = crate::print::render_pdf_async(ctx.settings.print.clone(), TEMPLATE, data).await?;
    Ok(Download::new(bytes, "application/pdf", format!("采购订单-{no}.pdf")))
}

/// The outbox's attachment of a purchase order notice: its PDF.
pub fn attachment(ctx: &Ctx, id: i64) -> crate::jobs::outbox::RenderFuture<'_> {
    Box::pin(async move {
        let p = po::Entity::find_by_id(id).one(&ctx.db).await?.ok_or(AppError::NotFound)?;
        let (no, data) = print_data(ctx, p.consortium_id, id).await?;
        let bytes = crate::print::render_pdf_async(ctx.settings.print.clone(), TEMPLATE, data).await?;
        Ok(Some(crate::jobs::outbox::Attachment { filename: format!("采购订单-{no}.pdf"), content_type: "application/pdf".into(), bytes }))
    })
}

/// The purchase order as an Excel workbook, a row per product.
pub async fn xlsx(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Download> {
    let p = get_in(ctx, actor.consortium()?, id).await?;
    const HEAD: [&str; 12] = ["序号", "药品名称", "规格", "剂型", "包装", "生产企业", "合同编号", "数量", "单位", "单价(元)", "金额(元)", "条目编号"];
    let mut rows: Vec<Vec<Cell>> = p
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| {
            vec![
                Cell::Int(i64::try_from(n + 1).unwrap_or(i64::MAX)),
                l.product.name_zh.clone().into(),
                l.product.strength.clone().into(),
                l.product.dosage_form.clone().into(),
                l.product.pack_text().into(),
                l.product.manufacturer.clone().into(),
                l.contract_no.clone().into(),
                l.quantity.into(),
                l.product.pack_unit.clone().into(),
                Cell::Decimal(l.price.decimal()),
                Cell::Decimal(l.amount.decimal()),
                l.entry_id.into(),
            ]
        })
        .collect();
    let mut total = vec![Cell::Empty, "合计".into()];
    total.extend((0..8).map(|_| Cell::Empty));
    total.push(Cell::Decimal(p.total.decimal()));
    rows.push(total);
    let bytes = table::xlsx(&p.po_no, &HEAD, rows).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, format!("采购订单-{}-{}.xlsx", p.po_no, p.supplier_name)))
}
