//! Benchmark helpers for `tongyao bench …` (docs/BENCHMARKS.md): the naive way to search —
//! SQL `LIKE '%q%'` over the name, pinyin and code columns, ranked like ours — run in-process
//! with the same concurrency, so the baseline pays no HTTP cost at all.
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};

pub struct Report {
    pub requests: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "requests {} in {:.1} s = {:.1} req/s; p50 {:.2} ms; p99 {:.2} ms",
            self.requests,
            self.seconds,
            self.requests as f64 / self.seconds,
            self.p50_ms,
            self.p99_ms
        )
    }
}

const NAIVE_SQL: &str = "SELECT entry_id, generic_name_zh FROM formulary_versions \
    WHERE consortium_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) \
    AND (generic_name_zh LIKE $3 OR generic_name_en LIKE $3 OR pinyin LIKE $3 \
         OR approval_number LIKE $3 OR nhsa_code LIKE $3 OR atc_code LIKE $3) \
    ORDER BY CASE WHEN approval_number = $4 OR nhsa_code = $4 OR atc_code = $4 THEN 0 \
                  WHEN generic_name_zh LIKE $5 OR generic_name_en LIKE $5 OR pinyin LIKE $5 OR approval_number LIKE $5 THEN 1 \
                  ELSE 2 END, status, generic_name_zh \
    LIMIT 20";

async fn naive_once(db: &DatabaseConnection, c: i64, q: &str) -> Result<usize, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres {
        NAIVE_SQL.replace(" LIKE ", " ILIKE ")
    } else {
        NAIVE_SQL.to_string()
    };
    let today = crate::kernel::Clock::system().today();
    let values: Vec<Value> = vec![
        c.into(),
        today.into(),
        format!("%{q}%").into(),
        q.to_string().into(),
        format!("{q}%").into(),
    ];
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(rows.len())
}

/// Run the naive search with `concurrency` tasks for `duration`, cycling through `queries`.
pub async fn naive_search(
    db: DatabaseConnection,
    c: i64,
    queries: Vec<String>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Report> {
    let queries = Arc::new(queries);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (db, queries) = (db.clone(), queries.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = t;
            while start.elapsed() < duration {
                let q = &queries[i % queries.len()];
                let s = Instant::now();
                naive_once(&db, c, q).await?;
                lat.push(s.elapsed());
                i += 1;
            }
            Ok::<_, sea_orm::DbErr>(lat)
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    Ok(Report {
        requests: all.len() as u64,
        seconds,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    })
}

/// Time one call of `f` `n` times and report the median in milliseconds.
pub async fn median_ms<F, Fut, T>(n: usize, mut f: F) -> anyhow::Result<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let s = Instant::now();
        f().await?;
        v.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Ok(v[v.len() / 2])
}

/// Formulary timings over whatever the database holds (run after `tongyao demo --entries N`).
/// The whole-formulary reads come from the in-memory snapshot, built before the first timing.
pub async fn formulary(
    ctx: &crate::kernel::Ctx,
    c: i64,
    csv: Option<std::path::PathBuf>,
    runs: usize,
) -> anyhow::Result<()> {
    use crate::formulary::memory::FormularyCache;
    use crate::formulary::views::{ExportFormat, ExportQuery, ListQuery};
    use crate::formulary::{import, io, service};
    let db = &ctx.db;
    let actor = crate::kernel::Actor {
        consortium_id: Some(c),
        ..Default::default()
    };
    let actor = &actor;
    let today = ctx.clock.today();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(today);
    let t = std::time::Instant::now();
    let snap = ctx.part::<FormularyCache>().get(db, c).await?;
    println!(
        "snapshot of consortium {c}: {} versions, built in {:.0} ms, {:.1} MB of heap",
        snap.len(),
        t.elapsed().as_secs_f64() * 1000.0,
        snap.heap_bytes() as f64 / 1048576.0
    );
    drop(snap);
    let n = service::entries_on(ctx, actor, today).await?.len();
    println!("formulary of consortium {c}: {n} entries today");
    let page = median_ms(runs, || async {
        let q = ListQuery {
            as_of: Some(day("2026-03-01")),
            limit: Some(100),
            ..Default::default()
        };
        Ok(service::list(ctx, actor, &q).await?)
    })
    .await?;
    println!("as of 2026-03-01, first page of 100 with total count: median {page:.1} ms");
    let full = median_ms(runs, || async {
        Ok(service::entries_on(ctx, actor, day("2026-03-01")).await?)
    })
    .await?;
    println!("as of 2026-03-01, every entry materialised: median {full:.1} ms");
    for format in [ExportFormat::Csv, ExportFormat::Xlsx, ExportFormat::Fhir] {
        let q = ExportQuery {
            format: Some(format),
            ..Default::default()
        };
        let ms = median_ms(runs, || async {
            Ok(service::export(ctx, actor, &q).await?)
        })
        .await?;
        let size = service::export(ctx, actor, &q).await?.bytes.len();
        println!(
            "export of today's formulary as {format:?} ({} KiB): median {ms:.0} ms",
            size / 1024
        );
    }
    let diff_small = median_ms(runs, || async {
        Ok(service::diff(ctx, actor, day("2026-03-01"), today).await?)
    })
    .await?;
    let d = service::diff(ctx, actor, day("2026-03-01"), today).await?;
    println!(
        "diff 2026-03-01 → today ({} changed, {} added): median {diff_small:.1} ms",
        d.changed.len(),
        d.added.len()
    );
    let diff_all = median_ms(runs, || async {
        Ok(service::diff(ctx, actor, day("2025-12-31"), today).await?)
    })
    .await?;
    let d = service::diff(ctx, actor, day("2025-12-31"), today).await?;
    println!(
        "diff 2025-12-31 → today (every entry added: {}): median {diff_all:.1} ms",
        d.added.len()
    );
    let bytes = match csv {
        Some(p) => std::fs::read(p)?,
        None => io::to_csv(&service::entries_on(ctx, actor, today).await?),
    };
    let rows = bytes
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1);
    let dry = median_ms(runs.min(3), || async {
        Ok(import::analyse(db, c, &bytes, true, today, None, None).await?)
    })
    .await?;
    let (r, _) = import::analyse(db, c, &bytes, true, today, None, None).await?;
    println!(
        "import dry run of a {rows}-row CSV ({} KiB; {} added, {} changed, {} unchanged, {} errors): median {dry:.0} ms",
        bytes.len() / 1024,
        r.added.len(),
        r.changed.len(),
        r.unchanged,
        r.errors.len()
    );
    Ok(())
}

/// Stock timings (docs/BENCHMARKS.md): a ledger of `movements` movements over 1,000 lots at the
/// consortium's first institution, written in bulk; then stock on hand for that institution,
/// 10,000 movements recorded in one transaction through the service, and `verify`.
pub async fn stock(
    ctx: &crate::kernel::Ctx,
    c: i64,
    movements: usize,
    runs: usize,
) -> anyhow::Result<()> {
    use crate::stock::service::{self, NewMovement};
    use crate::stock::views::StockQuery;
    use entity::stock_movement::MovementKind;
    use entity::{formulary_entry, institution, stock_balance, stock_lot, stock_movement};
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    const LOTS: usize = 1000;
    let db = &ctx.db;
    let inst = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .order_by_asc(institution::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("consortium {c} has no institution"))?;
    let entry = formulary_entry::Entity::find()
        .filter(formulary_entry::Column::ConsortiumId.eq(c))
        .order_by_asc(formulary_entry::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("consortium {c} has no formulary entry: run tongyao demo")
        })?;
    let now = ctx.clock.now();
    let expiry = ctx.clock.today() + chrono::Duration::days(400);
    let t = std::time::Instant::now();
    let stamp = now.timestamp();
    let lots: Vec<stock_lot::ActiveModel> = (0..LOTS)
        .map(|k| stock_lot::ActiveModel {
            consortium_id: Set(c),
            entry_id: Set(entry.id),
            lot_no: Set(format!("BENCH{stamp}-{k:04}")),
            expiry: Set(expiry),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in lots.chunks(500) {
        stock_lot::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    let lot_ids: Vec<i64> = stock_lot::Entity::find()
        .filter(stock_lot::Column::LotNo.starts_with(format!("BENCH{stamp}-")))
        .order_by_asc(stock_lot::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    // Receipts of 10 and dispensings of 4, alternating per lot: every balance stays positive.
    let mut balance = vec![0i64; LOTS];
    let mut batch = Vec::with_capacity(2000);
    for i in 0..movements {
        let k = i % LOTS;
        let (kind, q) = if (i / LOTS).is_multiple_of(2) {
            (MovementKind::Receipt, 10)
        } else {
            (MovementKind::Dispensing, -4)
        };
        balance[k] += q;
        batch.push(stock_movement::ActiveModel {
            consortium_id: Set(c),
            institution_id: Set(inst.id),
            entry_id: Set(entry.id),
            lot_id: Set(lot_ids[k]),
            kind: Set(kind),
            quantity: Set(q),
            reason: Set(None),
            document: Set(Some("bench".into())),
            reverses_id: Set(None),
            actor_id: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
        if batch.len() == 2000 {
            stock_movement::Entity::insert_many(std::mem::take(&mut batch))
                .exec(db)
                .await?;
        }
    }
    if !batch.is_empty() {
        stock_movement::Entity::insert_many(batch).exec(db).await?;
    }
    let balances: Vec<stock_balance::ActiveModel> = (0..LOTS)
        .map(|k| stock_balance::ActiveModel {
            institution_id: Set(inst.id),
            lot_id: Set(lot_ids[k]),
            consortium_id: Set(c),
            entry_id: Set(entry.id),
            quantity: Set(balance[k]),
            updated_at: Set(now),
        })
        .collect();
    for chunk in balances.chunks(500) {
        stock_balance::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    println!(
        "ledger written in bulk: {movements} movements over {LOTS} lots at institution {} ({}) in {:.1} s",
        inst.id,
        inst.name,
        t.elapsed().as_secs_f64()
    );
    let actor = crate::kernel::Actor {
        consortium_id: Some(c),
        roles: vec![entity::user::Role::Procurement],
        ..Default::default()
    };
    let q = StockQuery {
        institution_id: Some(inst.id),
        limit: Some(200),
        ..Default::default()
    };
    let page = median_ms(runs, || async {
        Ok(crate::stock::reads::stock(ctx, &actor, &q).await?)
    })
    .await?;
    println!("stock on hand at that institution, first page of 200 lots: median {page:.1} ms");
    let all = median_ms(runs, || async {
        let mut q = StockQuery {
            institution_id: Some(inst.id),
            limit: Some(200),
            ..Default::default()
        };
        let mut lines = 0;
        loop {
            let p = crate::stock::reads::stock(ctx, &actor, &q).await?;
            lines += p.items.len();
            match p.next_cursor {
                Some(next) => q.cursor = Some(next),
                None => break,
            }
        }
        Ok(lines)
    })
    .await?;
    println!("stock on hand at that institution, all {LOTS} lots (5 pages): median {all:.1} ms");
    // Procurement's default view: every institution of the consortium, first page.
    let every = StockQuery {
        limit: Some(200),
        ..Default::default()
    };
    let lines = crate::stock::reads::stock_count(ctx, &actor, &every).await?;
    let first = median_ms(runs, || async {
        Ok(crate::stock::reads::stock(ctx, &actor, &every).await?)
    })
    .await?;
    println!(
        "stock on hand at every institution ({lines} lots with stock), first page of 200: median {first:.1} ms"
    );
    let near = StockQuery {
        expiry: Some(crate::stock::views::ExpiryState::Near),
        limit: Some(200),
        ..Default::default()
    };
    let flagged = median_ms(runs, || async {
        Ok(crate::stock::reads::stock(ctx, &actor, &near).await?)
    })
    .await?;
    println!("near-expiry lots at every institution, first page: median {flagged:.1} ms");
    let recorder = crate::kernel::Actor {
        consortium_id: Some(c),
        ..Default::default()
    };
    // The institution is the central warehouse: it moves whole packs (D6), so each movement
    // dispatches one pack.
    let pack = crate::formulary::service::packs_of(db, c, [entry.id], ctx.clock.today())
        .await?
        .get(&entry.id)
        .map_or(1, |p| i64::from(p.0));
    let moves: Vec<NewMovement> = (0..10_000)
        .map(|i| NewMovement {
            institution_id: inst.id,
            entry_id: entry.id,
            lot_no: format!("BENCH{stamp}-{:04}", i % LOTS),
            expiry,
            kind: MovementKind::Dispatch,
            quantity: -pack,
            reason: None,
            document: Some("bench".into()),
            occurred_on: None,
        })
        .collect();
    let t = std::time::Instant::now();
    service::record(ctx, &recorder, &moves).await?;
    println!(
        "10,000 movements recorded through the service in one transaction: {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let t = std::time::Instant::now();
    let v = service::verify(db).await?;
    println!(
        "tongyao stock verify: {} movements against {} balances, {} differences: {:.0} ms",
        v.movements,
        v.balances,
        v.mismatches.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Issue 10's figures: aggregating a cycle of `lines` approved member order lines from
/// `members` synthetic members into purchase orders, against the database's own GROUP BY over
/// the same rows (one query, nothing written); and the stock position with suggestions of a
/// 500-line order. Writes synthetic members, one supplier with a contract covering the products,
/// and approved orders in bulk; each aggregation run is undone (outside the timing) so the next
/// run aggregates the same rows.
pub async fn procurement(
    ctx: &crate::kernel::Ctx,
    c: i64,
    lines: usize,
    members: usize,
    runs: usize,
) -> anyhow::Result<()> {
    use entity::member_order::OrderStatus;
    use entity::{
        contract_line, formulary_entry, member_order, member_order_line, supplier, supply_contract,
    };
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let db = &ctx.db;
    let now = ctx.clock.now();
    let today = ctx.clock.today();
    let stamp = now.timestamp();
    let per_order = lines.div_ceil(members.max(1));
    let entries: Vec<i64> = formulary_entry::Entity::find()
        .filter(formulary_entry::Column::ConsortiumId.eq(c))
        .order_by_asc(formulary_entry::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .take(per_order)
        .collect();
    anyhow::ensure!(
        entries.len() == per_order,
        "{per_order} products are needed per order; the formulary has {}: run tongyao demo --entries {per_order}",
        entries.len()
    );
    let t = std::time::Instant::now();
    let member_ids = bench_members(db, c, stamp, members).await?;
    let s = supplier::Entity::insert(supplier::ActiveModel {
        consortium_id: Set(c),
        name: Set(format!("基准供应商{stamp}")),
        uscc: Set(format!("BENCH{stamp}")),
        order_email: Set("bench@example.org".into()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await?;
    // Earlier contracts of the demo for the same products end yesterday, so this one is the
    // contract of the day for every product.
    let k = supply_contract::Entity::insert(supply_contract::ActiveModel {
        consortium_id: Set(c),
        supplier_id: Set(s.id),
        contract_no: Set(format!("BENCH-{stamp}")),
        kind: Set(entity::supply_contract::ContractKind::Ordinary),
        valid_from: Set(today),
        valid_to: Set(today + chrono::Duration::days(365)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await?;
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE supply_contracts SET valid_to = $1 WHERE consortium_id = $2 AND id <> $3 AND valid_to >= $4 AND valid_from < $4",
        vec![(today - chrono::Duration::days(1)).into(), c.into(), k.id.into(), today.into()],
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "DELETE FROM contract_volumes WHERE line_id IN (SELECT l.id FROM contract_lines l JOIN supply_contracts k ON k.id = l.contract_id WHERE k.consortium_id = $1 AND k.valid_from >= $2 AND k.id <> $3)",
        vec![c.into(), today.into(), k.id.into()],
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "DELETE FROM contract_lines WHERE contract_id IN (SELECT id FROM supply_contracts WHERE consortium_id = $1 AND valid_from >= $2 AND id <> $3)",
        vec![c.into(), today.into(), k.id.into()],
    ))
    .await?;
    for chunk in entries.chunks(2000) {
        contract_line::Entity::insert_many(chunk.iter().map(|e| contract_line::ActiveModel {
            contract_id: Set(k.id),
            entry_id: Set(*e),
            price: Set(12_345 + (e % 100) * 101),
            annual_volume: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    // Only the bench's lines are aggregated: the consortium's own approved orders (the demo has
    // one) go back to submitted, and lines an earlier aggregation left uncovered are forgotten.
    let set_aside = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE member_orders SET status = 'submitted' WHERE consortium_id = $1 AND status = 'approved'",
            vec![c.into()],
        ))
        .await?
        .rows_affected();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE member_order_lines SET uncovered = FALSE WHERE uncovered AND order_id IN (SELECT id FROM member_orders WHERE consortium_id = $1)",
        vec![c.into()],
    ))
    .await?;
    if set_aside > 0 {
        println!(
            "{set_aside} approved orders of the consortium set back to submitted, so that only the bench's lines are aggregated"
        );
    }
    let orders: Vec<member_order::ActiveModel> = member_ids
        .iter()
        .map(|m| member_order::ActiveModel {
            consortium_id: Set(c),
            institution_id: Set(*m),
            cycle_id: Set(None),
            urgent: Set(false),
            status: Set(OrderStatus::Approved),
            note: Set(Some(format!("bench {stamp}"))),
            created_at: Set(now),
            updated_at: Set(now),
            submitted_at: Set(Some(now)),
            reviewed_at: Set(Some(now)),
            version: Set(3),
            ..Default::default()
        })
        .collect();
    member_order::Entity::insert_many(orders)
        .exec_without_returning(db)
        .await?;
    let order_ids: Vec<i64> = member_order::Entity::find()
        .filter(member_order::Column::Note.eq(format!("bench {stamp}")))
        .order_by_asc(member_order::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut written = 0usize;
    let mut batch = Vec::with_capacity(4000);
    'outer: for (n, o) in order_ids.iter().enumerate() {
        for (i, e) in entries.iter().enumerate() {
            if written == lines {
                break 'outer;
            }
            batch.push(member_order_line::ActiveModel {
                order_id: Set(*o),
                entry_id: Set(*e),
                quantity: Set(Some(1 + ((n * 7 + i) % 20) as i64)),
                typed: Set(true),
                approved_quantity: Set(((n + i) % 10 == 0).then_some(((n + i) % 5) as i64)),
                uncovered: Set(false),
                ..Default::default()
            });
            written += 1;
            if batch.len() == 4000 {
                member_order_line::Entity::insert_many(std::mem::take(&mut batch))
                    .exec_without_returning(db)
                    .await?;
            }
        }
    }
    if !batch.is_empty() {
        member_order_line::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    rebuild_approved_demand(db, c).await?;
    if backend == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE member_order_lines; ANALYZE member_orders")
            .await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    println!(
        "{written} approved order lines written in bulk: {} members × {per_order} products, in {:.1} s",
        order_ids.len(),
        t.elapsed().as_secs_f64()
    );
    let group_by = "SELECT l.entry_id, SUM(COALESCE(l.approved_quantity, l.quantity)), COUNT(*) \
         FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
         WHERE o.consortium_id = $1 AND o.status = 'approved' AND COALESCE(l.approved_quantity, l.quantity) > 0 \
         GROUP BY l.entry_id";
    let base = median_ms(runs, || async {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                group_by,
                vec![c.into()],
            ))
            .await?;
        anyhow::ensure!(
            rows.len() == per_order,
            "GROUP BY gave {} products",
            rows.len()
        );
        Ok(rows.len())
    })
    .await?;
    println!(
        "the database's GROUP BY over those lines ({per_order} products): median {base:.1} ms"
    );
    let officer = crate::kernel::Actor {
        consortium_id: Some(c),
        roles: vec![entity::user::Role::Procurement],
        ..Default::default()
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let r = crate::procurement::purchase_orders::generate(
            ctx,
            &officer,
            crate::procurement::views::GeneratePurchaseOrders {
                order_ids: order_ids.clone(),
            },
        )
        .await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            r.purchase_orders.len() == 1,
            "one supplier, one purchase order"
        );
        anyhow::ensure!(
            r.purchase_orders[0].line_count as usize == per_order,
            "{} PO lines",
            r.purchase_orders[0].line_count
        );
        // Undo it (untimed) for the next run; its audit entry stays (the log is append-only).
        let a = r.aggregation_id;
        for sql in [
            "DELETE FROM outbox WHERE kind = 'purchase_order' AND object_id IN (SELECT id FROM purchase_orders WHERE aggregation_id = $1)",
            "DELETE FROM purchase_order_lines WHERE aggregation_id = $1",
            "DELETE FROM purchase_orders WHERE aggregation_id = $1",
            "UPDATE member_orders SET status = 'approved', aggregation_id = NULL WHERE aggregation_id = $1",
            "DELETE FROM aggregations WHERE id = $1",
        ] {
            db.execute_raw(Statement::from_sql_and_values(backend, sql, vec![a.into()]))
                .await?;
        }
        rebuild_approved_demand(db, c).await?;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let agg = times[times.len() / 2];
    println!(
        "aggregation into purchase orders (service, one transaction, PO lines and the outbox notice written): median {agg:.1} ms = {:.2} × the GROUP BY",
        agg / base
    );
    // A 500-line order at the member with the most consumption history: its stock position and
    // suggestions (on hand, AMC over the lookback, months of stock, O3, prices, VBP switches).
    let busiest: Option<i64> = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT m.institution_id FROM stock_movements m JOIN institutions i ON i.id = m.institution_id \
             WHERE m.consortium_id = $1 AND i.level <> 'lead' GROUP BY m.institution_id ORDER BY COUNT(*) DESC LIMIT 1",
            vec![c.into()],
        ))
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?;
    let member = busiest.unwrap_or(member_ids[0]);
    let used: Vec<i64> = crate::stock::consumption::average_monthly(db, c, member, today, 3)
        .await?
        .into_keys()
        .collect();
    let mut five_hundred: Vec<i64> = used
        .into_iter()
        .filter(|e| entries.contains(e))
        .take(500)
        .collect();
    for e in &entries {
        if five_hundred.len() == 500 {
            break;
        }
        if !five_hundred.contains(e) {
            five_hundred.push(*e);
        }
    }
    let o = member_order::Entity::insert(member_order::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(member),
        urgent: Set(false),
        status: Set(OrderStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await?;
    member_order_line::Entity::insert_many(five_hundred.iter().map(|e| {
        member_order_line::ActiveModel {
            order_id: Set(o.id),
            entry_id: Set(*e),
            quantity: Set(None),
            typed: Set(false),
            uncovered: Set(false),
            ..Default::default()
        }
    }))
    .exec_without_returning(db)
    .await?;
    let suggest = median_ms(runs.max(5), || async {
        let v = crate::procurement::orders::get(ctx, &officer, o.id).await?;
        anyhow::ensure!(v.lines.len() == 500, "{} lines", v.lines.len());
        Ok(v.lines.iter().map(|l| l.suggested).sum::<i64>())
    })
    .await?;
    println!(
        "a 500-line order with its stock position and suggestions (service): median {suggest:.1} ms"
    );
    Ok(())
}

/// The approved demand's running totals of the consortium summed again from its approved
/// orders' lines (the bench writes approved orders directly, and undoes its aggregations).
async fn rebuild_approved_demand(db: &DatabaseConnection, c: i64) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    for sql in [
        "DELETE FROM approved_demand WHERE consortium_id = $1",
        "INSERT INTO approved_demand (consortium_id, entry_id, packs, lines) \
         SELECT o.consortium_id, l.entry_id, CAST(SUM(COALESCE(l.approved_quantity, l.quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
         WHERE o.consortium_id = $1 AND o.status = 'approved' AND COALESCE(l.approved_quantity, l.quantity) > 0 \
         GROUP BY o.consortium_id, l.entry_id",
    ] {
        db.execute_raw(Statement::from_sql_and_values(backend, sql, vec![c.into()]))
            .await?;
    }
    Ok(())
}

/// `n` synthetic village clinics under the consortium's first institution, named by `stamp`;
/// their ids in order.
async fn bench_members(
    db: &DatabaseConnection,
    c: i64,
    stamp: i64,
    n: usize,
) -> anyhow::Result<Vec<i64>> {
    use entity::institution;
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let parent = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .order_by_asc(institution::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("consortium {c} has no institution"))?;
    let insts: Vec<institution::ActiveModel> = (0..n)
        .map(|m| institution::ActiveModel {
            consortium_id: Set(c),
            code: Set(format!("BENCH{stamp}-{m:03}")),
            name: Set(format!("基准村卫生室{m:03}")),
            level: Set(entity::institution::Level::Village),
            parent_id: Set(Some(parent.id)),
            active: Set(true),
            ..parent_like(&parent)
        })
        .collect();
    institution::Entity::insert_many(insts)
        .exec_without_returning(db)
        .await?;
    Ok(institution::Entity::find()
        .filter(institution::Column::Code.starts_with(format!("BENCH{stamp}-")))
        .order_by_asc(institution::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

/// FEFO allocation (D2, issue 11): `lots` lots spread over the formulary's first products at
/// the central warehouse (a few on hold), `lines` approved order lines of `members` members
/// over the same products; the allocation run (one transaction, its allocations written and
/// committed) against the database's own ordered scan of those lots.
pub async fn fefo(
    ctx: &crate::kernel::Ctx,
    c: i64,
    lines: usize,
    lots: usize,
    members: usize,
    runs: usize,
) -> anyhow::Result<()> {
    use entity::member_order::OrderStatus;
    use entity::{
        formulary_entry, lot_hold, member_order, member_order_line, stock_balance, stock_lot,
    };
    use sea_orm::{
        ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    };
    let db = &ctx.db;
    let backend = db.get_database_backend();
    let now = ctx.clock.now();
    let today = ctx.clock.today();
    let stamp = now.timestamp();
    let per_member = lines.div_ceil(members.max(1));
    let entries: Vec<i64> = formulary_entry::Entity::find()
        .filter(formulary_entry::Column::ConsortiumId.eq(c))
        .order_by_asc(formulary_entry::Column::Id)
        .select_only()
        .column(formulary_entry::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    anyhow::ensure!(
        entries.len() >= per_member,
        "{per_member} products are needed per member; the formulary has {}: run tongyao demo --entries 5000",
        entries.len()
    );
    let sizes = crate::formulary::service::packs_of(db, c, entries.iter().copied(), today).await?;
    let store = crate::distribution::receipts::warehouse(db, c).await?;
    let t = Instant::now();
    // The lots: expiring from 100 days to about three years out, 1–9 packs each at the warehouse.
    let mut batch = Vec::with_capacity(2000);
    for k in 0..lots {
        let e = entries[k % entries.len()];
        batch.push(stock_lot::ActiveModel {
            consortium_id: Set(c),
            entry_id: Set(e),
            lot_no: Set(format!("B{stamp}-{k}")),
            expiry: Set(today + chrono::Duration::days(100 + ((k * 37) % 1000) as i64)),
            created_at: Set(now),
            ..Default::default()
        });
        if batch.len() == 2000 {
            stock_lot::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !batch.is_empty() {
        stock_lot::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    let made: Vec<(i64, i64)> = stock_lot::Entity::find()
        .filter(stock_lot::Column::ConsortiumId.eq(c))
        .filter(stock_lot::Column::LotNo.starts_with(format!("B{stamp}-")))
        .select_only()
        .column(stock_lot::Column::Id)
        .column(stock_lot::Column::EntryId)
        .into_tuple()
        .all(db)
        .await?;
    for chunk in made.chunks(2000) {
        stock_balance::Entity::insert_many(chunk.iter().map(|(id, e)| {
            stock_balance::ActiveModel {
                institution_id: Set(store),
                lot_id: Set(*id),
                consortium_id: Set(c),
                entry_id: Set(*e),
                quantity: Set((1 + id % 9) * i64::from(sizes.get(e).map_or(1, |p| p.0.max(1)))),
                updated_at: Set(now),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    let held: Vec<i64> = made.iter().step_by(1000).map(|(id, _)| *id).collect();
    for chunk in held.chunks(1000) {
        lot_hold::Entity::insert_many(chunk.iter().map(|id| lot_hold::ActiveModel {
            consortium_id: Set(c),
            lot_id: Set(*id),
            reason: Set("基准：质量冻结".into()),
            held_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    println!(
        "{} lots at the warehouse written in bulk ({} on hold) in {:.1} s",
        made.len(),
        held.len(),
        t.elapsed().as_secs_f64()
    );
    // The demand: one approved order per member, its lines on distinct products.
    let t = Instant::now();
    let member_ids = bench_members(db, c, stamp, members).await?;
    member_order::Entity::insert_many(member_ids.iter().map(|m| member_order::ActiveModel {
        consortium_id: Set(c),
        institution_id: Set(*m),
        urgent: Set(m % 10 == 0),
        urgent_reason: Set((m % 10 == 0).then(|| "基准加急".to_owned())),
        status: Set(OrderStatus::Approved),
        note: Set(Some(format!("fefo bench {stamp}"))),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(Some(now - chrono::Duration::minutes(*m % 500))),
        reviewed_at: Set(Some(now)),
        version: Set(3),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    let order_ids: Vec<i64> = member_order::Entity::find()
        .filter(member_order::Column::Note.eq(format!("fefo bench {stamp}")))
        .order_by_asc(member_order::Column::Id)
        .select_only()
        .column(member_order::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let stride = (entries.len() / members.max(1)).max(1);
    let mut written = 0usize;
    let mut batch = Vec::with_capacity(4000);
    'outer: for (n, o) in order_ids.iter().enumerate() {
        for i in 0..per_member {
            if written == lines {
                break 'outer;
            }
            batch.push(member_order_line::ActiveModel {
                order_id: Set(*o),
                entry_id: Set(entries[(n * stride + i) % entries.len()]),
                quantity: Set(Some(1 + ((n + i) % 20) as i64)),
                typed: Set(true),
                uncovered: Set(false),
                ..Default::default()
            });
            written += 1;
            if batch.len() == 4000 {
                member_order_line::Entity::insert_many(std::mem::take(&mut batch))
                    .exec_without_returning(db)
                    .await?;
            }
        }
    }
    if !batch.is_empty() {
        member_order_line::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    if backend == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE stock_lots; ANALYZE stock_balances; ANALYZE member_order_lines; ANALYZE member_orders; ANALYZE allocations").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    println!(
        "{written} approved order lines of {} members written in bulk in {:.1} s",
        order_ids.len(),
        t.elapsed().as_secs_f64()
    );
    let scan = "SELECT id, entry_id, expiry FROM stock_lots WHERE consortium_id = $1 ORDER BY entry_id, expiry, id";
    let base = median_ms(runs, || async {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                scan,
                vec![c.into()],
            ))
            .await?;
        anyhow::ensure!(
            rows.len() >= made.len(),
            "the scan gave {} lots",
            rows.len()
        );
        Ok(rows.len())
    })
    .await?;
    println!(
        "the database's ordered scan of the consortium's lots (entry, expiry): median {base:.1} ms"
    );
    let mut times = Vec::with_capacity(runs);
    let mut last = crate::distribution::views::AllocationRun::default();
    for _ in 0..runs {
        let before: i64 = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT COALESCE(MAX(id), 0) FROM allocations WHERE consortium_id = $1",
                vec![c.into()],
            ))
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        let t = Instant::now();
        let tx = ctx.write().await?;
        last = crate::distribution::allocation::allocate_in(&tx, c, now, today, None).await?;
        tx.commit().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        // Undo it (untimed) for the next run.
        for sql in [
            "UPDATE member_orders SET allocated_in_full = FALSE WHERE id IN \
             (SELECT l.order_id FROM member_order_lines l WHERE l.id IN (SELECT order_line_id FROM allocations WHERE consortium_id = $1 AND id > $2))",
            "DELETE FROM allocations WHERE consortium_id = $1 AND id > $2",
        ] {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                vec![c.into(), before.into()],
            ))
            .await?;
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let run = times[times.len() / 2];
    println!(
        "allocation run (service, one transaction: demand, lots, holds and reservations read, FEFO, {} lines given {} packs, {} back orders written, committed): median {run:.1} ms = {:.2} × the ordered scan",
        last.lines_allocated,
        last.packs_allocated,
        last.back_orders,
        run / base
    );
    Ok(())
}

/// An institution row's other columns as another's (bench members are copies of the first).
fn parent_like(p: &entity::institution::Model) -> entity::institution::ActiveModel {
    use sea_orm::ActiveValue::Set;
    entity::institution::ActiveModel {
        contact_emails: Set(p.contact_emails.clone()),
        version: Set(1),
        created_at: Set(p.created_at),
        ..Default::default()
    }
}
