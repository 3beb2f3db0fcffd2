//! Opening stock (期初库存) from a CSV or XLSX file per institution: a dry run reports every
//! problem by row and column (unknown product, bad lot, past expiry, negative quantity, a split
//! pack at the warehouse); applying writes one opening movement per line in one transaction.
use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::reads::{brief, institutions, near_expiry_days, packs_of};
use super::rules;
use super::service::{self, MOVE_ANYWHERE, NewMovement, institution_in_scope};
use super::views::*;
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::formulary::service::{Product, ProductFinder, ProductKey, products};
use crate::i18n::tr;
use crate::kernel::table::{self, Cell};
use crate::kernel::{Actor, Coded, Ctx, Download};
use entity::formulary_version::EntryStatus;
use entity::institution::Level;
use entity::stock_movement::{self as movement, MovementKind};

/// The template's columns, in order.
pub const COLUMNS: [&str; 9] = [
    "条目编号", "药品名称", "规格", "生产企业", "医保药品代码", "批号", "有效期至", "整包数量",
    "拆零数量(最小单位)",
];
const ENTRY: usize = 0;
const NAME: usize = 1;
const STRENGTH: usize = 2;
const MAKER: usize = 3;
const NHSA: usize = 4;
const LOT: usize = 5;
const EXPIRY: usize = 6;
const PACKS: usize = 7;
const UNITS: usize = 8;

/// The template: the columns, and with an institution one row per product its level may use
/// (the lot, expiry and quantities left to fill in; rows left without a quantity are skipped).
pub async fn template(ctx: &Ctx, actor: &Actor, q: OpeningTemplateQuery) -> AppResult<Download> {
    let c = actor.consortium()?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    if let Some(asked) = q.institution_id {
        let i = institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(asked)).await?.ok_or(AppError::NotFound)?;
        let level = institutions(&ctx.db, c).await?.get(&i).map(|x| x.level).ok_or(AppError::NotFound)?;
        let mut ps: Vec<Product> = products(ctx, c, None, ctx.clock.today())
            .await?
            .into_values()
            .filter(|p| p.status == EntryStatus::Active && level.may_use(p.level_scope))
            .collect();
        ps.sort_by_key(|p| p.name_pos);
        rows = ps
            .into_iter()
            .map(|p| {
                vec![
                    Cell::from(p.entry_id),
                    p.name_zh.into(),
                    p.strength.into(),
                    p.manufacturer.into(),
                    p.nhsa_code.into(),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ]
            })
            .collect();
    }
    let bytes = table::xlsx("期初库存", &COLUMNS, rows).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, "期初库存模板.xlsx"))
}

/// A date as people write one in a spreadsheet: 2027-06-30, 2027/6/30, 20270630, 2027.06.30,
/// an Excel date number, or a month (2027-06: valid through its last day).
pub fn parse_expiry(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.get(..10).filter(|_| s.len() > 10 && s.as_bytes()[10] == b' ').unwrap_or(s);
    if let Ok(n) = s.parse::<i64>() {
        if (20_000..=80_000).contains(&n) {
            return NaiveDate::from_ymd_opt(1899, 12, 30).map(|d| d + Duration::days(n));
        }
        if s.len() == 8 {
            return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
        }
        return None;
    }
    let norm: String = s
        .chars()
        .map(|c| if matches!(c, '/' | '.' | '年' | '月') { '-' } else { c })
        .filter(|c| *c != '日')
        .collect();
    let norm = norm.trim_end_matches('-');
    if let Ok(d) = NaiveDate::parse_from_str(norm, "%Y-%m-%d") {
        return Some(d);
    }
    let first = NaiveDate::parse_from_str(&format!("{norm}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some(next - Duration::days(1))
}

/// A whole non-negative number (blank: none).
fn count(s: &str) -> Result<Option<i64>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let s = s.strip_suffix(".0").unwrap_or(s);
    s.parse::<i64>().map(Some).map_err(|_| ())
}

/// Check (and, unless `dry_run`, apply) an opening-stock file for an institution.
pub async fn run(ctx: &Ctx, actor: &Actor, q: OpeningQuery, bytes: &[u8]) -> AppResult<OpeningReport> {
    let c = actor.consortium()?;
    let i = institution_in_scope(ctx, actor, MOVE_ANYWHERE, Some(q.institution_id)).await?.ok_or(AppError::NotFound)?;
    let level = institutions(&ctx.db, c).await?.get(&i).map(|x| x.level).ok_or(AppError::NotFound)?;
    let today = ctx.clock.today();
    let window = near_expiry_days(&ctx.db, c).await?;
    let t = table::read_table(bytes).map_err(|e| AppError::field("file", e.to_string()))?;
    let mut it = t.into_iter();
    let header = it.next().ok_or_else(|| AppError::field("file", tr("文件没有数据行", "the file has no data rows")))?;
    let col: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|name| header.iter().position(|h| h.trim() == *name))
        .collect();
    let missing: Vec<&str> = [LOT, EXPIRY, PACKS]
        .iter()
        .filter(|&&k| col[k].is_none())
        .map(|&k| COLUMNS[k])
        .collect();
    let identifies = col[ENTRY].is_some() || col[NHSA].is_some() || (col[NAME].is_some() && col[STRENGTH].is_some() && col[MAKER].is_some());
    if !missing.is_empty() || !identifies {
        return Err(AppError::field(
            "file",
            tr(
                format!("表头缺少列：{}；药品由“条目编号”、“医保药品代码”或“药品名称+规格+生产企业”识别。请使用期初库存模板", if missing.is_empty() { "—".into() } else { missing.join("、") }),
                format!("the header lacks columns: {}; a product is known by 条目编号, 医保药品代码 or 药品名称+规格+生产企业. Use the opening-stock template", if missing.is_empty() { "—".into() } else { missing.join(", ") }),
            ),
        ));
    }
    let prods = products(ctx, c, None, today).await?;
    let finder = ProductFinder::new(&prods);
    let mut report = OpeningReport {
        institution_id: i,
        rows_total: 0,
        lines: Vec::new(),
        problems: Vec::new(),
        existing_movements: movement::Entity::find()
            .filter(movement::Column::InstitutionId.eq(i))
            .count(&ctx.db)
            .await?,
        applied: false,
    };
    let mut seen: HashMap<(i64, String, NaiveDate), usize> = HashMap::new();
    for (n, r) in it.enumerate() {
        let row = n + 2;
        let cell = |k: usize| col[k].and_then(|j| r.get(j)).map(|s| s.trim()).unwrap_or("");
        if r.iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        if cell(PACKS).is_empty() && cell(UNITS).is_empty() && cell(LOT).is_empty() {
            // A pre-filled template row left alone.
            continue;
        }
        report.rows_total += 1;
        let mut problems: Vec<(usize, String, String)> = Vec::new();
        let entry = match finder.find(cell(ENTRY), cell(NHSA), cell(NAME), cell(STRENGTH), cell(MAKER)) {
            Ok(p) => Some(p.entry_id),
            Err((key, message)) => {
                let k = match key {
                    ProductKey::Entry => ENTRY,
                    ProductKey::Nhsa => NHSA,
                    ProductKey::Name => NAME,
                };
                problems.push((k, message.clone(), message));
                None
            }
        };
        let lot_no = cell(LOT);
        if lot_no.is_empty() || lot_no.chars().count() > 40 || lot_no.chars().any(char::is_control) {
            problems.push((LOT, "批号应为 1–40 个字符".into(), "a lot number is 1–40 characters".into()));
        }
        let expiry = parse_expiry(cell(EXPIRY));
        match expiry {
            None => problems.push((EXPIRY, format!("有效期“{}”无法识别，请写成 2027-06-30", cell(EXPIRY)), format!("the expiry {:?} is not a date; write 2027-06-30", cell(EXPIRY)))),
            Some(d) if d < today => problems.push((EXPIRY, format!("已过有效期（{d}），不能作为期初库存；过期药品请另行报损"), format!("past its expiry ({d}): not opening stock; dispose of expired stock separately"))),
            Some(_) => {}
        }
        let packs = count(cell(PACKS));
        let units = count(cell(UNITS));
        if packs.is_err() {
            problems.push((PACKS, format!("整包数量“{}”应为整数", cell(PACKS)), format!("packs {:?} is not a whole number", cell(PACKS))));
        }
        if units.is_err() {
            problems.push((UNITS, format!("拆零数量“{}”应为整数", cell(UNITS)), format!("loose units {:?} is not a whole number", cell(UNITS))));
        }
        let (packs, units) = (packs.unwrap_or(None).unwrap_or(0), units.unwrap_or(None).unwrap_or(0));
        if packs < 0 {
            problems.push((PACKS, format!("整包数量不能为负数（{packs}）"), format!("packs cannot be negative ({packs})")));
        }
        if units < 0 {
            problems.push((UNITS, format!("拆零数量不能为负数（{units}）"), format!("loose units cannot be negative ({units})")));
        }
        if packs > 1_000_000 || units > 1_000_000_000 {
            problems.push((PACKS, "数量过大".into(), "the quantity is too large".into()));
        }
        let p = entry.and_then(|e| prods.get(&e));
        if let Some(p) = p {
            if !level.may_use(p.level_scope) {
                problems.push((NAME, format!("{}限{}及以上使用，本机构不能持有", p.name_zh, p.level_scope.zh()), format!("{} is for {} and above; this institution may not hold it", p.name_en, p.level_scope.code())));
            }
            if level == Level::Lead && units != 0 {
                problems.push((UNITS, "中心药库按整包装入库，拆零数量应为 0".into(), "the central warehouse holds whole packs: loose units must be 0".into()));
            }
        }
        let quantity = p.map_or(0, |p| packs.saturating_mul(i64::from(p.pack_size)).saturating_add(units));
        if problems.is_empty() && quantity <= 0 {
            problems.push((PACKS, "数量应大于 0".into(), "the quantity must be more than 0".into()));
        }
        if let (Some(e), Some(d)) = (entry, expiry)
            && !lot_no.is_empty()
            && let Some(first) = seen.insert((e, lot_no.to_owned(), d), row)
        {
            problems.push((LOT, format!("与第 {first} 行是同一药品同一批号"), format!("the same product and lot as row {first}")));
        }
        if problems.is_empty() {
            let (Some(p), Some(d)) = (p, expiry) else { continue };
            let b = brief(Some(p), p.entry_id);
            report.lines.push(OpeningLine {
                row,
                entry_id: p.entry_id,
                name_zh: p.name_zh.clone(),
                strength: p.strength.clone(),
                lot_no: lot_no.to_owned(),
                expiry: d,
                quantity,
                packs: packs_of(&b, quantity),
                expiry_state: rules::expiry_state(d, today, window),
            });
        } else {
            report.problems.extend(problems.into_iter().map(|(k, zh, en)| CellProblem {
                row,
                column: COLUMNS[k].to_owned(),
                message: tr(zh, en),
            }));
        }
    }
    if report.rows_total == 0 {
        return Err(AppError::field("file", tr("文件中没有填写数量的行", "no row of the file has a quantity")));
    }
    if q.dry_run.unwrap_or(true) {
        return Ok(report);
    }
    if !report.problems.is_empty() {
        return Err(CellProblem::refuse_apply(&report.problems));
    }
    let moves: Vec<NewMovement> = report
        .lines
        .iter()
        .map(|l| NewMovement {
            institution_id: i,
            entry_id: l.entry_id,
            lot_no: l.lot_no.clone(),
            expiry: l.expiry,
            kind: MovementKind::Opening,
            quantity: l.quantity,
            reason: None,
            document: Some("期初库存导入".into()),
            occurred_on: None,
        })
        .collect();
    let tx = ctx.write().await?;
    service::record_in(&tx, c, actor.user_id, ctx.clock.now(), today, &moves).await?;
    audit::record(&tx, actor, Event::new("stock.opening", "institution", i).after(serde_json::json!({"lines": moves.len()}))).await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates_as_people_write_them() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(parse_expiry("2027-06-30"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("2027/6/30"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("20270630"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("2027.06.30"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("2027年6月30日"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("2027-06"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("2027-12"), Some(d("2027-12-31")));
        assert_eq!(parse_expiry("46568"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("2027-06-30 00:00:00"), Some(d("2027-06-30")));
        assert_eq!(parse_expiry("next june"), None);
        assert_eq!(parse_expiry("2027-13-01"), None);
    }
}
