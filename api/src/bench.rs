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
