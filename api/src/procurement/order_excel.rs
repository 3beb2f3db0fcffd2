//! A member's order as a spreadsheet and back (O2, O3): the export lists every line with its
//! stock position and suggestion; the import (an Excel or CSV file, or rows pasted from Excel)
//! sets quantities and adds products. The export reads back unchanged: 请领量 is blank where the
//! line follows the suggestion, and a blank 请领量 in an import means "follow the suggestion".
//!
//! An import changes only the lines its rows name: a row with a quantity types it, a blank one
//! follows the suggestion, 0 takes the product off the order; lines the file does not name stay
//! as they are. A dry run (the default) reports every problem by row and column; applying goes
//! through the same replacement of lines as the order grid, so every rule it checks applies.
use std::collections::{HashMap, HashSet};

use super::orders;
use super::rules;
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::formulary::service::{ProductFinder, ProductKey, products};
use crate::i18n::tr;
use crate::kernel::table::{self, Cell};
use crate::kernel::{Actor, Ctx, Download};
use crate::stock::reads::institutions;
use crate::stock::views::CellProblem;
use entity::formulary_version::EntryStatus;
use entity::institution::Level;

/// The export's columns, in order; the import reads those it needs by name.
pub const COLUMNS: [&str; 17] = [
    "条目编号",
    "药品名称",
    "规格",
    "剂型",
    "包装",
    "生产企业",
    "医保药品代码",
    "库存(最小单位)",
    "在途(最小单位)",
    "月均用量(最小单位)",
    "可用月数",
    "建议量(包装)",
    "请领量(包装)",
    "单价(元/包装)",
    "金额(元)",
    "核定量(包装)",
    "调整理由",
];
const ENTRY: usize = 0;
const NAME: usize = 1;
const STRENGTH: usize = 2;
const MAKER: usize = 5;
const NHSA: usize = 6;
const QUANTITY: usize = 12;
/// Other headers a pasted or hand-made sheet may use for the quantity.
const QUANTITY_ALIASES: [&str; 4] = ["请领量", "请领数量", "数量", "quantity"];

/// The order as an Excel workbook, a row per line.
pub async fn xlsx(ctx: &Ctx, actor: &Actor, id: i64) -> AppResult<Download> {
    let o = orders::get(ctx, actor, id).await?;
    let prods = products(ctx, actor.consortium()?, Some(&o.lines.iter().map(|l| l.entry_id).collect()), ctx.clock.today()).await?;
    let mut rows: Vec<Vec<Cell>> = o
        .lines
        .iter()
        .map(|l| {
            let p = &l.product;
            vec![
                l.entry_id.into(),
                p.name_zh.clone().into(),
                p.strength.clone().into(),
                p.dosage_form.clone().into(),
                p.pack_text().into(),
                p.manufacturer.clone().into(),
                prods.get(&l.entry_id).and_then(|x| x.nhsa_code.clone()).into(),
                l.on_hand.into(),
                l.in_transit.into(),
                Cell::Decimal(l.amc.round_dp(1)),
                l.months_of_stock.map(|m| Cell::Decimal(m.round_dp(1))).unwrap_or(Cell::Empty),
                l.suggested.into(),
                if l.typed { l.quantity.into() } else { Cell::Empty },
                l.price.map(|m| Cell::Decimal(m.decimal())).unwrap_or(Cell::Empty),
                l.amount.map(|m| Cell::Decimal(m.decimal())).unwrap_or(Cell::Empty),
                l.approved.into(),
                l.adjust_reason.clone().into(),
            ]
        })
        .collect();
    let mut total = vec![Cell::Empty, "合计".into()];
    total.extend((2..14).map(|_| Cell::Empty));
    total.push(Cell::Decimal(o.total.decimal()));
    rows.push(total);
    let name = format!("请领单-{}-{}", o.institution_name, o.id);
    let bytes = table::xlsx("请领单", &COLUMNS, rows).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, format!("{name}.xlsx")))
}

/// What a row of the file asks for.
enum Ask {
    /// Follow the suggestion.
    Suggested,
    Packs(i64),
    /// Take the product off the order.
    Remove,
}

/// Read the file against the order; apply unless `dry_run` (the default) or a problem.
pub async fn import(ctx: &Ctx, actor: &Actor, id: i64, q: OrderImportQuery, bytes: &[u8]) -> AppResult<OrderImportReport> {
    let c = actor.consortium()?;
    if q.version.is_some_and(|v| v < 0) {
        return Err(AppError::field("version", tr("版本号不能为负数", "a version is not negative")));
    }
    // The member's own orderer, on an order still theirs to change.
    let o = orders::visible(ctx, actor, id, &[]).await?;
    orders::expect_draft(&o)?;
    let o = orders::view(ctx, &ctx.db, o, true).await?;
    let t = table::read_table(bytes).map_err(|e| AppError::field("file", e.to_string()))?;
    let mut it = t.into_iter();
    let header = it.next().ok_or_else(|| AppError::field("file", tr("文件没有数据行", "the file has no data rows")))?;
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let col: Vec<Option<usize>> = COLUMNS.iter().map(|n| find(n)).collect();
    let quantity = col[QUANTITY].or_else(|| QUANTITY_ALIASES.iter().find_map(|n| header.iter().position(|h| h.trim().eq_ignore_ascii_case(n))));
    let identifies = col[ENTRY].is_some() || col[NHSA].is_some() || (col[NAME].is_some() && col[STRENGTH].is_some() && col[MAKER].is_some());
    if quantity.is_none() || !identifies {
        return Err(AppError::field(
            "file",
            tr(
                "表头应有“请领量(包装)”列，药品由“条目编号”、“医保药品代码”或“药品名称+规格+生产企业”识别。可先导出本请领单，在导出的表格中修改后导入",
                "the header needs a 请领量(包装) column, and a product is known by 条目编号, 医保药品代码 or 药品名称+规格+生产企业. Export this order, change the exported sheet and import it",
            ),
        ));
    }
    let product_col = COLUMNS[if col[ENTRY].is_some() { ENTRY } else if col[NHSA].is_some() { NHSA } else { NAME }];
    let quantity_col = quantity.and_then(|j| header.get(j)).map_or(COLUMNS[QUANTITY], |h| h.trim()).to_owned();
    let level = institutions(&ctx.db, c).await?.get(&o.institution_id).map_or(Level::Village, |i| i.level);
    let prods = products(ctx, c, None, ctx.clock.today()).await?;
    let finder = ProductFinder::new(&prods);
    let mut problems: Vec<CellProblem> = Vec::new();
    let mut asks: Vec<(i64, Ask)> = Vec::new();
    let mut first_row: HashMap<i64, usize> = HashMap::new();
    let mut rows_total = 0;
    for (n, r) in it.enumerate() {
        let row = n + 2;
        let cell = |j: Option<usize>| j.and_then(|j| r.get(j)).map(|s| s.trim()).unwrap_or("");
        if r.iter().all(|s| s.trim().is_empty()) || cell(col[NAME]) == "合计" {
            continue;
        }
        rows_total += 1;
        let problem = |column: &str, message: String| CellProblem { row, column: column.to_owned(), message };
        let product = match finder.find(cell(col[ENTRY]), cell(col[NHSA]), cell(col[NAME]), cell(col[STRENGTH]), cell(col[MAKER])) {
            Ok(p) => Some(p),
            Err((key, message)) => {
                let k = match key {
                    ProductKey::Entry => ENTRY,
                    ProductKey::Nhsa => NHSA,
                    ProductKey::Name => NAME,
                };
                problems.push(problem(COLUMNS[k], message));
                None
            }
        };
        let raw = cell(quantity);
        let ask = match parse_packs(raw) {
            Some(None) => Some(Ask::Suggested),
            Some(Some(0)) => Some(Ask::Remove),
            Some(Some(n)) if n <= 1_000_000 => Some(Ask::Packs(n)),
            _ => {
                problems.push(problem(
                    &quantity_col,
                    tr(
                        format!("请领量“{raw}”应为 0–1000000 的整数（包装数）；留空表示按建议量，0 表示不请领"),
                        format!("the quantity {raw:?} is a whole number of packs from 0 to 1000000; blank follows the suggestion, 0 takes the product off"),
                    ),
                ));
                None
            }
        };
        let (Some(p), Some(ask)) = (product, ask) else { continue };
        if let Some(earlier) = first_row.insert(p.entry_id, row) {
            problems.push(problem(
                product_col,
                tr(
                    format!("{} {} 已在第 {earlier} 行出现：同一药品只写一行", p.name_zh, p.strength),
                    format!("{} {} is on row {earlier} already: one row per product", p.name_zh, p.strength),
                ),
            ));
            continue;
        }
        if !matches!(ask, Ask::Remove) {
            let name = format!("{} {}", p.name_zh, p.strength);
            let packs = if let Ask::Packs(n) = ask { n } else { 1 };
            if let Err(refusal) = rules::o2_orderable(&name, p.status == EntryStatus::Active, level, p.level_scope, packs) {
                problems.push(problem(product_col, format!("[{}] {}", refusal.rule, refusal.message)));
                continue;
            }
        }
        asks.push((p.entry_id, ask));
    }
    if rows_total == 0 {
        return Err(AppError::field("file", tr("文件没有数据行", "the file has no data rows")));
    }
    // The order's lines with the file's changes: named lines changed in place, new ones after.
    let mut lines: Vec<OrderLineInput> =
        o.lines.iter().map(|l| OrderLineInput { entry_id: l.entry_id, quantity: l.typed.then_some(l.quantity) }).collect();
    let had: HashSet<i64> = lines.iter().map(|l| l.entry_id).collect();
    let (mut added, mut changed, mut removed) = (0, 0, 0);
    let mut gone = HashSet::new();
    for (entry, ask) in &asks {
        let quantity = match ask {
            Ask::Suggested => None,
            Ask::Packs(n) => Some(*n),
            Ask::Remove => {
                if had.contains(entry) {
                    gone.insert(*entry);
                    removed += 1;
                }
                continue;
            }
        };
        match lines.iter_mut().find(|l| l.entry_id == *entry) {
            Some(l) if l.quantity != quantity => {
                l.quantity = quantity;
                changed += 1;
            }
            Some(_) => {}
            None => {
                lines.push(OrderLineInput { entry_id: *entry, quantity });
                added += 1;
            }
        }
    }
    lines.retain(|l| !gone.contains(&l.entry_id));
    let mut report = OrderImportReport { rows_total, added, changed, removed, problems, applied: false, order: None };
    if q.dry_run.unwrap_or(true) {
        return Ok(report);
    }
    if !report.problems.is_empty() {
        return Err(CellProblem::refuse_apply(&report.problems));
    }
    let version = q.version.ok_or_else(|| AppError::field("version", tr("导入时须提供读取时的版本号", "applying needs the version read")))?;
    report.order = Some(orders::put_lines(ctx, actor, id, PutOrderLines { version, lines }).await?);
    report.applied = true;
    Ok(report)
}

/// A quantity cell: blank is none, else a whole number of packs ("12", "12.0" from Excel);
/// None when it is not one.
fn parse_packs(raw: &str) -> Option<Option<i64>> {
    let s = raw.trim().replace([',', '，'], "");
    if s.is_empty() {
        return Some(None);
    }
    let s = s.strip_suffix(".0").or_else(|| s.strip_suffix(".00")).unwrap_or(&s);
    s.parse::<i64>().ok().filter(|n| *n >= 0).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_packs_or_blank() {
        assert_eq!(parse_packs(""), Some(None));
        assert_eq!(parse_packs(" 12 "), Some(Some(12)));
        assert_eq!(parse_packs("12.0"), Some(Some(12)));
        assert_eq!(parse_packs("1,200"), Some(Some(1200)));
        assert_eq!(parse_packs("0"), Some(Some(0)));
        assert_eq!(parse_packs("-3"), None);
        assert_eq!(parse_packs("2.5"), None);
        assert_eq!(parse_packs("十"), None);
    }
}
