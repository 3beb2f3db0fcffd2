//! Allocation of the central warehouse's stock to approved member orders (D2), and the back
//! orders it leaves. A run reads what the approved lines still wait for and what each fit lot
//! can still give, lets `fefo::allocate` decide, and writes the allocations, the lines' running
//! totals and the back orders, all in the caller's transaction. Every receipt runs one for the
//! products it brought (a back order is filled by the next receipt); holding a lot gives back
//! its unpicked allocations and runs one for its product; the warehouse can run one for
//! everything. Runs take turns per consortium (`db::take_turn`).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Statement,
};

use super::fefo::{self, Lot, Want};
use super::receipts::warehouse;
use super::rules;
use super::settings;
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::{packs_of, products};
use crate::kernel::paging::{Direction, Page};
use crate::kernel::{Actor, Ctx};
use crate::stock::reads::{brief, institutions};
use crate::stock::service::{SEE_ALL, institution_in_scope};
use entity::allocation::{self as alloc, AllocationStatus};
use entity::back_order as bo;
use entity::member_order as order;
use entity::member_order_line as line;
use entity::stock_lot as lot;

/// Which products a run looks at: every one, or those named.
pub(crate) type Scope<'a> = Option<&'a HashSet<i64>>;

#[derive(FromQueryResult)]
struct DemandRow {
    line_id: i64,
    entry_id: i64,
    order_id: i64,
    institution_id: i64,
    urgent: bool,
    ordered_at: DateTime<Utc>,
    /// Approved packs less a back order ended.
    wanted: i64,
}

fn in_list(col: &str, scope: Scope) -> String {
    match scope {
        None => String::new(),
        Some(ids) if ids.is_empty() => " AND 1 = 0".to_owned(),
        Some(ids) => {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            format!(" AND {col} IN ({list})")
        }
    }
}

fn stmt(backend: DbBackend, sql: String, c: i64) -> Statement {
    Statement::from_sql_and_values(backend, sql, vec![c.into()])
}

/// The orders still waiting for allocation: approved (or purchased) and not yet allocated in
/// full.
const WAITING_ORDERS: &str = "SELECT id FROM member_orders WHERE consortium_id = $1 AND status IN ('approved', 'purchased') AND NOT allocated_in_full";

/// Packs allocated so far (not given back) per line of the waiting orders.
async fn allocated_of_waiting(conn: &impl ConnectionTrait, c: i64) -> AppResult<HashMap<i64, i64>> {
    let sql = format!(
        "SELECT order_line_id, CAST(SUM(quantity) AS BIGINT) FROM allocations WHERE consortium_id = $1 AND status <> 'cancelled' \
         AND order_line_id IN (SELECT l.id FROM member_order_lines l WHERE l.order_id IN ({WAITING_ORDERS})) GROUP BY order_line_id"
    );
    let rows = conn.query_all_raw(stmt(conn.get_database_backend(), sql, c)).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?))).collect::<Result<_, sea_orm::DbErr>>().map_err(Into::into)
}

/// Allocate within the caller's transaction (see the module docs).
pub(crate) async fn allocate_in(conn: &impl ConnectionTrait, c: i64, now: DateTime<Utc>, today: NaiveDate, scope: Scope<'_>) -> AppResult<AllocationRun> {
    crate::db::take_turn(conn, c).await?;
    let backend = conn.get_database_backend();
    let mut out = AllocationRun::default();
    let Ok(store) = warehouse(conn, c).await else {
        return Ok(out);
    };
    let min_days = settings::read(conn, c).await?.min_allocate_days;

    // Every line of the waiting orders (whatever the scope: an order is allocated in full only
    // when all its lines are), with what each still wants.
    let lines = DemandRow::find_by_statement(stmt(
        backend,
        format!(
            "SELECT l.id AS line_id, l.entry_id, o.id AS order_id, o.institution_id, o.urgent, \
             COALESCE(o.submitted_at, o.created_at) AS ordered_at, \
             COALESCE(l.approved_quantity, l.quantity, 0) - l.closed_quantity AS wanted \
             FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
             WHERE o.id IN ({WAITING_ORDERS})"
        ),
        c,
    ))
    .all(conn)
    .await?;
    let done = allocated_of_waiting(conn, c).await?;
    let in_scope = |e: i64| scope.is_none_or(|s| s.contains(&e));
    let member_of: HashMap<i64, (i64, i64)> = lines.iter().map(|d| (d.line_id, (d.institution_id, d.entry_id))).collect();
    let wants: Vec<Want> = lines
        .iter()
        .filter(|d| in_scope(d.entry_id))
        .map(|d| Want {
            line: d.line_id,
            order: d.order_id,
            entry: d.entry_id,
            urgent: d.urgent,
            ordered_at: d.ordered_at,
            packs: d.wanted - done.get(&d.line_id).copied().unwrap_or(0),
        })
        .filter(|w| w.packs > 0)
        .collect();
    let wanted_entries: HashSet<i64> = wants.iter().map(|w| w.entry).collect();

    let mut lots = Vec::new();
    if !wanted_entries.is_empty() {
        let sizes = packs_of(conn, c, wanted_entries.iter().copied(), today).await?;
        let held: HashSet<i64> = entity::lot_hold::Entity::find()
            .filter(entity::lot_hold::Column::ConsortiumId.eq(c))
            .filter(entity::lot_hold::Column::ReleasedAt.is_null())
            .select_only()
            .column(entity::lot_hold::Column::LotId)
            .into_tuple::<i64>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let reserved: HashMap<i64, i64> = conn
            .query_all_raw(stmt(
                backend,
                format!(
                    "SELECT lot_id, CAST(SUM(quantity) AS BIGINT) AS n FROM allocations \
                     WHERE consortium_id = $1 AND status IN ('allocated', 'picked'){} GROUP BY lot_id",
                    in_list("entry_id", scope)
                ),
                c,
            ))
            .await?
            .iter()
            .map(|r| Ok((r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?)))
            .collect::<Result<_, sea_orm::DbErr>>()?;
        // A million rows on a large warehouse: read by position, not by name.
        let supply = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT b.lot_id, b.entry_id, s.expiry, b.quantity FROM stock_balances b JOIN stock_lots s ON s.id = b.lot_id \
                     WHERE b.institution_id = $1 AND b.quantity > 0{}",
                    in_list("b.entry_id", scope)
                ),
                vec![store.into()],
            ))
            .await?;
        lots.reserve(supply.len());
        for r in &supply {
            let entry: i64 = r.try_get_by_index(1)?;
            if !wanted_entries.contains(&entry) {
                continue;
            }
            let lot: i64 = r.try_get_by_index(0)?;
            let quantity: i64 = r.try_get_by_index(3)?;
            let size = sizes.get(&entry).map_or(1, |p| i64::from(p.0.max(1)));
            let packs = quantity / size - reserved.get(&lot).copied().unwrap_or(0);
            lots.push(Lot { lot, entry, expiry: r.try_get_by_index(2)?, packs: packs.max(0), held: held.contains(&lot) });
        }
    }
    let (takes, shorts) = fefo::allocate(&wants, &lots, today, min_days);

    write_allocations(conn, c, now, &takes, &member_of).await?;
    let mut per_line: HashMap<i64, i64> = HashMap::new();
    for t in &takes {
        *per_line.entry(t.line).or_default() += t.packs;
    }
    out.lines_allocated = per_line.len();
    out.packs_allocated = per_line.values().sum();

    // Orders whose every line now has what it wants are allocated in full.
    let mut open_orders: HashMap<i64, bool> = HashMap::new();
    for d in &lines {
        let left = d.wanted - done.get(&d.line_id).copied().unwrap_or(0) - per_line.get(&d.line_id).copied().unwrap_or(0);
        *open_orders.entry(d.order_id).or_insert(false) |= left > 0;
    }
    let full: Vec<i64> = open_orders.into_iter().filter(|(_, open)| !open).map(|(o, _)| o).collect();
    for chunk in full.chunks(1000) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        conn.execute_raw(Statement::from_string(backend, format!("UPDATE member_orders SET allocated_in_full = TRUE WHERE id IN ({list})"))).await?;
    }

    // The back orders of the scope, rewritten (keeping the day each first fell short).
    let since: HashMap<i64, NaiveDate> = {
        let mut q = bo::Entity::find().filter(bo::Column::ConsortiumId.eq(c));
        if let Some(s) = scope {
            q = q.filter(bo::Column::EntryId.is_in(s.iter().copied()));
        }
        q.select_only().column(bo::Column::OrderLineId).column(bo::Column::Since).into_tuple().all(conn).await?.into_iter().collect()
    };
    conn.execute_raw(stmt(backend, format!("DELETE FROM back_orders WHERE consortium_id = $1{}", in_list("entry_id", scope)), c)).await?;
    for chunk in shorts.chunks(1000) {
        bo::Entity::insert_many(chunk.iter().map(|s| {
            let (member, entry) = member_of[&s.line];
            bo::ActiveModel {
                order_line_id: Set(s.line),
                consortium_id: Set(c),
                institution_id: Set(member),
                entry_id: Set(entry),
                quantity: Set(s.packs),
                reason: Set(s.reason),
                since: Set(since.get(&s.line).copied().unwrap_or(today)),
            }
        }))
        .exec_without_returning(conn)
        .await?;
    }
    out.back_orders = shorts.len();
    out.packs_short = shorts.iter().map(|s| s.packs).sum();
    Ok(out)
}

/// Write the run's allocations. They are ids the run read just now: on PostgreSQL they go as
/// five comma-separated lists unnested into rows by one statement (row-by-row parameters or
/// literal VALUES cost two to three times as much for 180,000 rows); on SQLite as literal VALUES,
/// five thousand rows a statement. The time stamp is a parameter.
async fn write_allocations(conn: &impl ConnectionTrait, c: i64, now: DateTime<Utc>, takes: &[fefo::Take], member_of: &HashMap<i64, (i64, i64)>) -> AppResult<()> {
    if takes.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    const COLUMNS: &str = "consortium_id, order_line_id, institution_id, entry_id, lot_id, quantity, status, created_at, updated_at";
    if backend == DbBackend::Postgres {
        let list = |f: &dyn Fn(&fefo::Take) -> i64| takes.iter().map(|t| f(t).to_string()).collect::<Vec<_>>().join(",");
        let values = vec![
            now.into(),
            list(&|t| t.line).into(),
            list(&|t| member_of[&t.line].0).into(),
            list(&|t| member_of[&t.line].1).into(),
            list(&|t| t.lot).into(),
            list(&|t| t.packs).into(),
        ];
        let sql = format!(
            "INSERT INTO allocations ({COLUMNS}) SELECT {c}, l, m, e, t, q, 'allocated', $1, $1 FROM unnest(\
             string_to_array($2, ',')::bigint[], string_to_array($3, ',')::bigint[], string_to_array($4, ',')::bigint[], \
             string_to_array($5, ',')::bigint[], string_to_array($6, ',')::bigint[]) AS v(l, m, e, t, q)"
        );
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
        return Ok(());
    }
    for chunk in takes.chunks(5000) {
        let rows = chunk
            .iter()
            .map(|t| {
                let (member, entry) = member_of[&t.line];
                format!("({c}, {}, {member}, {entry}, {}, {}, 'allocated', $1, $1)", t.line, t.lot, t.packs)
            })
            .collect::<Vec<_>>()
            .join(",");
        conn.execute_raw(Statement::from_sql_and_values(backend, format!("INSERT INTO allocations ({COLUMNS}) VALUES {rows}"), vec![now.into()])).await?;
    }
    Ok(())
}

/// Give back the unpicked allocations of a lot (it was put on hold), with the note; their orders
/// wait for allocation again. Answers how many.
pub(crate) async fn cancel_for_lot(conn: &impl ConnectionTrait, c: i64, lot_id: i64, note: &str, now: DateTime<Utc>) -> AppResult<usize> {
    let open = alloc::Entity::find()
        .filter(alloc::Column::ConsortiumId.eq(c))
        .filter(alloc::Column::LotId.eq(lot_id))
        .filter(alloc::Column::Status.eq(AllocationStatus::Allocated))
        .all(conn)
        .await?;
    if open.is_empty() {
        return Ok(0);
    }
    alloc::Entity::update_many()
        .col_expr(alloc::Column::Status, Expr::value(AllocationStatus::Cancelled))
        .col_expr(alloc::Column::Note, Expr::value(note))
        .col_expr(alloc::Column::UpdatedAt, Expr::value(now))
        .filter(alloc::Column::Id.is_in(open.iter().map(|a| a.id)))
        .exec(conn)
        .await?;
    let lines: HashSet<i64> = open.iter().map(|a| a.order_line_id).collect();
    order::Entity::update_many()
        .col_expr(order::Column::AllocatedInFull, Expr::value(false))
        .filter(order::Column::Id.in_subquery(
            sea_orm::sea_query::Query::select().column(line::Column::OrderId).from(line::Entity).and_where(line::Column::Id.is_in(lines)).to_owned(),
        ))
        .exec(conn)
        .await?;
    Ok(open.len())
}

/// Run allocation for every product (the warehouse's "allocate now").
pub async fn run(ctx: &Ctx, actor: &Actor) -> AppResult<AllocationRun> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let out = allocate_in(&tx, c, ctx.clock.now(), ctx.clock.today(), None).await?;
    audit::record(&tx, actor, Event::new("allocation.run", "consortium", c).after(&out)).await?;
    tx.commit().await?;
    Ok(out)
}

/// Allocations, newest first; a member's staff see their own institution's.
pub async fn list(ctx: &Ctx, actor: &Actor, q: &AllocationQuery) -> AppResult<AllocationPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let member = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let mut sel = alloc::Entity::find().filter(alloc::Column::ConsortiumId.eq(c));
    if let Some(i) = member {
        sel = sel.filter(alloc::Column::InstitutionId.eq(i));
    }
    if let Some(e) = q.entry_id {
        sel = sel.filter(alloc::Column::EntryId.eq(e));
    }
    if let Some(s) = q.status {
        sel = sel.filter(alloc::Column::Status.eq(s));
    }
    if let Some(o) = q.order_id {
        sel = sel.filter(alloc::Column::OrderLineId.in_subquery(
            sea_orm::sea_query::Query::select().column(line::Column::Id).from(line::Entity).and_where(line::Column::OrderId.eq(o)).to_owned(),
        ));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, alloc::Column::Id, Direction::Down, |a| a.id).await?;
    let lines = order_lines(&ctx.db, rows.iter().map(|a| a.order_line_id)).await?;
    let entries: HashSet<i64> = rows.iter().map(|a| a.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), ctx.clock.today()).await?;
    let names = institutions(&ctx.db, c).await?;
    let lots: HashMap<i64, lot::Model> =
        lot::Entity::find().filter(lot::Column::Id.is_in(rows.iter().map(|a| a.lot_id))).all(&ctx.db).await?.into_iter().map(|l| (l.id, l)).collect();
    let items = rows
        .into_iter()
        .map(|a| {
            let (order_id, urgent, _) = lines.get(&a.order_line_id).copied().unwrap_or((0, false, 0));
            let l = lots.get(&a.lot_id);
            Allocation {
                id: a.id,
                order_id,
                order_line_id: a.order_line_id,
                institution_id: a.institution_id,
                institution_name: names.get(&a.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
                urgent,
                entry_id: a.entry_id,
                product: brief(prods.get(&a.entry_id), a.entry_id),
                lot_id: a.lot_id,
                lot_no: l.map(|l| l.lot_no.clone()).unwrap_or_default(),
                expiry: l.map_or(NaiveDate::MIN, |l| l.expiry),
                quantity: a.quantity,
                status: a.status,
                note: a.note,
                created_at: a.created_at,
            }
        })
        .collect();
    Ok(AllocationPage { items, next_cursor })
}

/// Per order line: its order, whether that is urgent, and the packs approved.
async fn order_lines(conn: &impl ConnectionTrait, ids: impl IntoIterator<Item = i64>) -> AppResult<HashMap<i64, (i64, bool, i64)>> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ls = line::Entity::find().filter(line::Column::Id.is_in(ids)).all(conn).await?;
    let urgent: HashMap<i64, bool> = order::Entity::find()
        .filter(order::Column::Id.is_in(ls.iter().map(|l| l.order_id).collect::<HashSet<_>>()))
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::Urgent)
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(ls
        .into_iter()
        .map(|l| (l.id, (l.order_id, urgent.get(&l.order_id).copied().unwrap_or(false), l.approved_quantity.or(l.quantity).unwrap_or(0))))
        .collect())
}

/// Back orders, the longest waiting first within a page of order lines (newest lines first);
/// a member's staff see their own institution's.
pub async fn back_orders(ctx: &Ctx, actor: &Actor, q: &BackOrderQuery) -> AppResult<BackOrderPage> {
    let c = actor.consortium()?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let member = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let mut sel = bo::Entity::find().filter(bo::Column::ConsortiumId.eq(c));
    if let Some(i) = member {
        sel = sel.filter(bo::Column::InstitutionId.eq(i));
    }
    if let Some(e) = q.entry_id {
        sel = sel.filter(bo::Column::EntryId.eq(e));
    }
    if let Some(r) = q.reason {
        sel = sel.filter(bo::Column::Reason.eq(r));
    }
    let (rows, next_cursor) = page.by_id(&ctx.db, sel, bo::Column::OrderLineId, Direction::Down, |b| b.order_line_id).await?;
    let today = ctx.clock.today();
    let lines = order_lines(&ctx.db, rows.iter().map(|b| b.order_line_id)).await?;
    let allocated: HashMap<i64, i64> = alloc::Entity::find()
        .filter(alloc::Column::OrderLineId.is_in(rows.iter().map(|b| b.order_line_id)))
        .filter(alloc::Column::Status.ne(AllocationStatus::Cancelled))
        .select_only()
        .column(alloc::Column::OrderLineId)
        .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "n")
        .group_by(alloc::Column::OrderLineId)
        .into_tuple()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    let entries: HashSet<i64> = rows.iter().map(|b| b.entry_id).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let names = institutions(&ctx.db, c).await?;
    let items = rows
        .into_iter()
        .map(|b| {
            let (order_id, urgent, ordered) = lines.get(&b.order_line_id).copied().unwrap_or((0, false, 0));
            BackOrder {
                order_line_id: b.order_line_id,
                order_id,
                institution_id: b.institution_id,
                institution_name: names.get(&b.institution_id).map(|i| i.name.clone()).unwrap_or_default(),
                urgent,
                entry_id: b.entry_id,
                product: brief(prods.get(&b.entry_id), b.entry_id),
                ordered,
                allocated: allocated.get(&b.order_line_id).copied().unwrap_or(0),
                quantity: b.quantity,
                reason: b.reason,
                since: b.since,
                age_days: (today - b.since).num_days(),
            }
        })
        .collect();
    Ok(BackOrderPage { items, next_cursor })
}

/// End a back order: what is still short will not be supplied (D2: with a reason, never
/// silently). The warehouse and the lead hospital's procurement officer may end any; a member's
/// pharmacist their own institution's.
pub async fn close_back_order(ctx: &Ctx, actor: &Actor, line_id: i64, req: CloseBackOrder) -> AppResult<()> {
    let c = actor.consortium()?;
    let tx = ctx.write().await?;
    let b = bo::Entity::find_by_id(line_id).filter(bo::Column::ConsortiumId.eq(c)).one(&tx).await?.ok_or(AppError::NotFound)?;
    let own = institution_in_scope(ctx, actor, SEE_ALL, Some(b.institution_id)).await?;
    if own != Some(b.institution_id) {
        return Err(AppError::NotFound);
    }
    rules::d2_close_back_order(&req.reason)?;
    let res = line::Entity::update_many()
        .col_expr(line::Column::ClosedQuantity, sea_orm::sea_query::ExprTrait::add(Expr::col(line::Column::ClosedQuantity), b.quantity))
        .col_expr(line::Column::CloseReason, Expr::value(req.reason.trim()))
        .filter(line::Column::Id.eq(line_id))
        .exec(&tx)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    bo::Entity::delete_by_id(line_id).exec(&tx).await?;
    audit::record(
        &tx,
        actor,
        Event::new("back_order.close", "member_order_line", line_id)
            .reason(req.reason.trim())
            .after(serde_json::json!({"entry_id": b.entry_id, "institution_id": b.institution_id, "closed": b.quantity, "was": b.reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
