//! Consumption at members (领用/消耗): what a pharmacy issued by day, product and lot, until
//! prescriptions dispense for real. It is what procurement's average monthly consumption (O3)
//! is computed from.
use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::reads::{brief, institutions, packs_of, views_of};
use super::rules;
use super::service::{self, MOVE_ANYWHERE, NewMovement, SEE_ALL, institution_in_scope};
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::formulary::service::products;
use crate::kernel::paging::Page;
use crate::kernel::table::{self, Cell};
use crate::kernel::{Actor, Ctx, Download};
use entity::stock_balance as balance;
use entity::stock_lot as lot;
use entity::stock_movement::{self as movement, MovementKind};

/// The usable lots of an entry at an institution, first expiry first (FEFO): (lot, number,
/// expiry, on hand), never an expired one.
pub async fn usable_lots(
    conn: &impl ConnectionTrait,
    institution: i64,
    entry: i64,
    today: NaiveDate,
) -> AppResult<Vec<(i64, String, NaiveDate, i64)>> {
    let held: Vec<(i64, i64)> = balance::Entity::find()
        .filter(balance::Column::InstitutionId.eq(institution))
        .filter(balance::Column::EntryId.eq(entry))
        .filter(balance::Column::Quantity.gt(0))
        .select_only()
        .column(balance::Column::LotId)
        .column(balance::Column::Quantity)
        .into_tuple()
        .all(conn)
        .await?;
    let q: HashMap<i64, i64> = held.into_iter().collect();
    let mut lots: Vec<(i64, String, NaiveDate, i64)> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(q.keys().copied()))
        .filter(lot::Column::Expiry.gte(today))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.lot_no, l.expiry, q[&l.id]))
        .collect();
    lots.sort_by_key(|(id, _, e, _)| (*e, *id));
    Ok(lots)
}

/// Record what an institution issued on a day, all or none: each line from its lot, or first
/// expiry first out over the usable lots when none is named.
pub async fn record(ctx: &Ctx, actor: &Actor, req: RecordConsumption) -> AppResult<Vec<Movement>> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let i = institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(req.institution_id))
        .await?
        .ok_or(AppError::NotFound)?;
    rules::d6_consumption_day(req.day, today)?;
    let document = format!("领用 {}", req.day);
    let tx = ctx.write().await?;
    let mut moves = Vec::new();
    for l in &req.lines {
        match l.lot_id {
            Some(lot_id) => {
                let found = lot::Entity::find_by_id(lot_id)
                    .filter(lot::Column::ConsortiumId.eq(c))
                    .filter(lot::Column::EntryId.eq(l.entry_id))
                    .one(&tx)
                    .await?
                    .ok_or(AppError::NotFound)?;
                moves.push(NewMovement {
                    institution_id: i,
                    entry_id: l.entry_id,
                    lot_no: found.lot_no,
                    expiry: found.expiry,
                    kind: MovementKind::Consumption,
                    quantity: -l.quantity,
                    reason: None,
                    document: Some(document.clone()),
                    occurred_on: Some(req.day),
                });
            }
            None => {
                let mut left = l.quantity;
                let lots = usable_lots(&tx, i, l.entry_id, today).await?;
                let available: i64 = lots.iter().map(|x| x.3).sum();
                if available < left {
                    let names = lots.iter().map(|x| x.1.as_str()).collect::<Vec<_>>().join("、");
                    return Err(rules::d6_not_enough(left, available, if names.is_empty() { "—" } else { &names }).into());
                }
                for (_, lot_no, expiry, on_hand) in lots {
                    if left == 0 {
                        break;
                    }
                    let take = left.min(on_hand);
                    left -= take;
                    moves.push(NewMovement {
                        institution_id: i,
                        entry_id: l.entry_id,
                        lot_no,
                        expiry,
                        kind: MovementKind::Consumption,
                        quantity: -take,
                        reason: None,
                        document: Some(document.clone()),
                        occurred_on: Some(req.day),
                    });
                }
            }
        }
    }
    let rows = service::record_in(&tx, c, actor.user_id, ctx.clock.now(), today, &moves).await?;
    tx.commit().await?;
    views_of(ctx, c, rows).await
}

/// Net consumption (issued less reversed) by institution, entry and day, on `[from, to]`.
async fn by_day(
    conn: &impl ConnectionTrait,
    c: i64,
    institution: Option<i64>,
    entry: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(i64, i64, NaiveDate, i64)>> {
    let mut sel = movement::Entity::find()
        .filter(movement::Column::ConsortiumId.eq(c))
        .filter(movement::Column::Kind.eq(MovementKind::Consumption))
        .filter(movement::Column::OccurredOn.gte(from))
        .filter(movement::Column::OccurredOn.lte(to));
    if let Some(i) = institution {
        sel = sel.filter(movement::Column::InstitutionId.eq(i));
    }
    if let Some(e) = entry {
        sel = sel.filter(movement::Column::EntryId.eq(e));
    }
    let rows: Vec<(i64, i64, NaiveDate, i64)> = sel
        .select_only()
        .column(movement::Column::InstitutionId)
        .column(movement::Column::EntryId)
        .column(movement::Column::OccurredOn)
        .column_as(Expr::cust("CAST(-SUM(quantity) AS BIGINT)"), "issued")
        .group_by(movement::Column::InstitutionId)
        .group_by(movement::Column::EntryId)
        .group_by(movement::Column::OccurredOn)
        .order_by_asc(movement::Column::OccurredOn)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter(|r| r.3 != 0).collect())
}

/// Average monthly consumption (O3) of entries at an institution over the `months` (30-day)
/// months before `today`, in base units: what procurement suggests order quantities from.
pub async fn average_monthly(
    conn: &impl ConnectionTrait,
    c: i64,
    institution: i64,
    today: NaiveDate,
    months: u32,
) -> AppResult<HashMap<i64, rust_decimal::Decimal>> {
    let months = months.max(1);
    let from = today - Duration::days(30 * i64::from(months));
    let mut total: HashMap<i64, i64> = HashMap::new();
    for (_, e, _, q) in by_day(conn, c, Some(institution), None, from, today - Duration::days(1)).await? {
        *total.entry(e).or_default() += q;
    }
    Ok(total
        .into_iter()
        .map(|(e, q)| (e, rust_decimal::Decimal::from(q) / rust_decimal::Decimal::from(months)))
        .collect())
}

type Key = (NaiveDate, i64, u32, i64);

/// The days asked for: by default the 180 days up to today.
fn range(today: NaiveDate, from: Option<NaiveDate>, to: Option<NaiveDate>) -> AppResult<(NaiveDate, NaiveDate)> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(180));
    if from > to {
        return Err(AppError::field(
            "from",
            crate::i18n::tr("开始日期晚于结束日期", "the first day is after the last"),
        ));
    }
    Ok((from, to))
}

/// Totals per product over a range of days: what was issued, by how many institutions, in how
/// many months. One query; the page's "totals" view.
pub async fn totals(ctx: &Ctx, actor: &Actor, q: &ConsumptionTotalsQuery) -> AppResult<ConsumptionTotals> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let inst = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let (from, to) = range(today, q.from, q.to)?;
    #[derive(Default)]
    struct Sum {
        quantity: i64,
        institutions: HashSet<i64>,
        months: HashSet<(i32, u32)>,
    }
    let mut sums: HashMap<i64, Sum> = HashMap::new();
    for (i, e, d, n) in by_day(&ctx.db, c, inst, q.entry_id, from, to).await? {
        let s = sums.entry(e).or_default();
        s.quantity += n;
        if n != 0 {
            s.institutions.insert(i);
            s.months.insert((d.year(), d.month()));
        }
    }
    sums.retain(|_, s| s.quantity != 0);
    let entries: HashSet<i64> = sums.keys().copied().collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let mut items: Vec<(u32, ConsumptionTotal)> = sums
        .into_iter()
        .map(|(e, s)| {
            let pr = prods.get(&e);
            let product = brief(pr, e);
            (
                pr.map_or(u32::MAX, |x| x.name_pos),
                ConsumptionTotal {
                    entry_id: e,
                    packs: packs_of(&product, s.quantity),
                    product,
                    quantity: s.quantity,
                    institutions: u32::try_from(s.institutions.len()).unwrap_or(u32::MAX),
                    months: u32::try_from(s.months.len()).unwrap_or(u32::MAX),
                },
            )
        })
        .collect();
    items.sort_unstable_by_key(|(pos, t)| (*pos, t.entry_id));
    Ok(ConsumptionTotals {
        from,
        to,
        items: items.into_iter().map(|(_, t)| t).collect(),
    })
}

/// Consumption rows, newest period first, then institution and product name.
async fn rows(ctx: &Ctx, actor: &Actor, q: &ConsumptionExportQuery) -> AppResult<Vec<(Key, ConsumptionRow)>> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let inst = institution_in_scope(ctx, actor, SEE_ALL, q.institution_id).await?;
    let (from, to) = range(today, q.from, q.to)?;
    let month = q.period.unwrap_or_default() == Period::Month;
    let mut sums: HashMap<(NaiveDate, i64, i64), i64> = HashMap::new();
    for (i, e, d, n) in by_day(&ctx.db, c, inst, q.entry_id, from, to).await? {
        let p = if month { d.with_day0(0).unwrap_or(d) } else { d };
        *sums.entry((p, i, e)).or_default() += n;
    }
    let entries: HashSet<i64> = sums.keys().map(|k| k.2).collect();
    let prods = products(ctx, c, Some(&entries), today).await?;
    let insts = institutions(&ctx.db, c).await?;
    let mut out: Vec<(Key, ConsumptionRow)> = sums
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((p, i, e), n)| {
            let pr = prods.get(&e);
            let product = brief(pr, e);
            (
                (p, i, pr.map_or(u32::MAX, |x| x.name_pos), e),
                ConsumptionRow {
                    period: p,
                    institution_id: i,
                    institution_name: insts.get(&i).map(|x| x.name.clone()).unwrap_or_default(),
                    entry_id: e,
                    packs: packs_of(&product, n),
                    product,
                    quantity: n,
                },
            )
        })
        .collect();
    // Newest period first; within one, by institution and name.
    out.sort_unstable_by(|a, b| b.0.0.cmp(&a.0.0).then((a.0.1, a.0.2, a.0.3).cmp(&(b.0.1, b.0.2, b.0.3))));
    Ok(out)
}


pub async fn list(ctx: &Ctx, actor: &Actor, q: &ConsumptionQuery) -> AppResult<ConsumptionPage> {
    let page: Page<Key> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let f = ConsumptionExportQuery {
        institution_id: q.institution_id,
        entry_id: q.entry_id,
        from: q.from,
        to: q.to,
        period: q.period,
    };
    let mut all = rows(ctx, actor, &f).await?;
    if let Some(after) = page.after {
        let pos = all.iter().position(|(k, _)| *k == after).map_or(0, |p| p + 1);
        all.drain(..pos);
    }
    all.truncate(page.fetch() as usize);
    let (rows, next_cursor) = page.finish(all, |(k, _)| *k);
    Ok(ConsumptionPage {
        items: rows.into_iter().map(|(_, r)| r).collect(),
        next_cursor,
    })
}

pub async fn export(ctx: &Ctx, actor: &Actor, q: ConsumptionExportQuery) -> AppResult<Download> {
    let month = q.period.unwrap_or_default() == Period::Month;
    let all = rows(ctx, actor, &q).await?;
    let head = [
        if month { "月份" } else { "日期" },
        "机构", "药品名称", "规格", "生产企业", "数量(最小单位)", "最小单位", "包装数量", "条目编号",
    ];
    let bytes = table::xlsx(
        "领用消耗",
        &head,
        all.into_iter().map(|(_, r)| {
            vec![
                if month { Cell::from(r.period.format("%Y-%m").to_string()) } else { Cell::Date(r.period) },
                r.institution_name.into(),
                r.product.name_zh.into(),
                r.product.strength.into(),
                r.product.manufacturer.into(),
                r.quantity.into(),
                r.product.base_unit.into(),
                r.packs.into(),
                r.entry_id.into(),
            ]
        }),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, format!("领用消耗-{}.xlsx", ctx.clock.today())))
}
