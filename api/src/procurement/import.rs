//! Supply contracts from a spreadsheet (CSV or XLSX): one row per contract line, rows of one
//! contract sharing its number; a volume-based line gives each member's share in the member
//! columns. A dry run reports every problem by row and column; applying creates every contract
//! of the file in one transaction, or none.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::contracts;
use super::rules;
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::formulary::service::{ProductFinder, ProductKey, products};
use crate::i18n::tr;
use crate::kernel::money::SCALE_PRICE;
use crate::kernel::table::{self, Cell};
use crate::kernel::{Actor, Coded, Ctx, Download, Money};
use crate::stock::opening::parse_expiry;
use crate::stock::reads::institutions;
use crate::stock::views::CellProblem;
use entity::contract_line as line;
use entity::institution::Level;
use entity::supplier;
use entity::supply_contract::{self as contract, ContractKind};

/// The template's fixed columns, in order; member columns follow, one per member.
pub const COLUMNS: [&str; 12] = [
    "合同编号", "供应商统一社会信用代码", "合同类型", "起始日期", "截止日期", "条目编号", "药品名称", "规格",
    "生产企业", "医保药品代码", "单价(元/包装)", "约定年采购量(包装)",
];
const NO: usize = 0;
const SUPPLIER: usize = 1;
const KIND: usize = 2;
const FROM: usize = 3;
const TO: usize = 4;
const ENTRY: usize = 5;
const NAME: usize = 6;
const STRENGTH: usize = 7;
const MAKER: usize = 8;
const NHSA: usize = 9;
const PRICE: usize = 10;
const ANNUAL: usize = 11;
/// A member column's header: this, then the member's name (or code).
pub const SHARE_PREFIX: &str = "约定量:";

/// The template: the columns, one member column per institution other than the lead hospital,
/// and an example row of each kind to overwrite.
pub async fn template(ctx: &Ctx, actor: &Actor) -> AppResult<Download> {
    let c = actor.consortium()?;
    let mut members: Vec<_> = institutions(&ctx.db, c).await?.into_values().filter(|i| i.level != Level::Lead).collect();
    members.sort_by_key(|i| i.id);
    let mut head: Vec<String> = COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    head.extend(members.iter().map(|m| format!("{SHARE_PREFIX}{}", m.name)));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let bytes = table::xlsx("供货合同", &head, Vec::<Vec<Cell>>::new()).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(bytes, table::XLSX, "供货合同导入模板.xlsx"))
}

/// A day written in full (2027-01-01, 2027/1/1, 20270101, 2027年1月1日, an Excel date number); a
/// month alone is not a contract's first or last day.
fn parse_day(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    let parts = t.split(['-', '/', '.', '年', '月']).filter(|p| !p.trim().is_empty() && *p != "日").count();
    if parts == 2 {
        return None;
    }
    parse_expiry(t)
}

/// A price per pack in yuan: "12.5", "12.50元", "¥12.5".
fn parse_price(s: &str) -> Option<Decimal> {
    let t = s.trim().trim_start_matches(['¥', '￥']).trim_end_matches('元').trim();
    t.parse::<Decimal>().ok()
}

/// A whole number of packs (blank: none).
fn parse_packs(s: &str) -> Result<Option<i64>, ()> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.strip_suffix(".0").unwrap_or(t).parse::<i64>().map(Some).map_err(|_| ())
}

/// One contract as the file gives it: its header from its first row, its lines.
struct Draft {
    first_row: usize,
    header: (i64, String, ContractKind, NaiveDate, NaiveDate),
    lines: Vec<(usize, ContractLineInput)>,
}

/// Check (and, unless `dry_run`, create) the contracts of a file.
pub async fn run(ctx: &Ctx, actor: &Actor, q: ContractImportQuery, bytes: &[u8]) -> AppResult<ContractImportReport> {
    let c = actor.consortium()?;
    let today = ctx.clock.today();
    let t = table::read_table(bytes).map_err(|e| AppError::field("file", e.to_string()))?;
    let mut it = t.into_iter();
    let header = it.next().ok_or_else(|| AppError::field("file", tr("文件没有数据行", "the file has no data rows")))?;
    let col: Vec<Option<usize>> = COLUMNS.iter().map(|name| header.iter().position(|h| h.trim() == *name)).collect();
    let missing: Vec<&str> = [NO, SUPPLIER, KIND, FROM, TO, PRICE].iter().filter(|&&k| col[k].is_none()).map(|&k| COLUMNS[k]).collect();
    let identifies = col[ENTRY].is_some() || col[NHSA].is_some() || (col[NAME].is_some() && col[STRENGTH].is_some() && col[MAKER].is_some());
    if !missing.is_empty() || !identifies {
        return Err(AppError::field(
            "file",
            tr(
                format!("表头缺少列：{}；药品由“条目编号”、“医保药品代码”或“药品名称+规格+生产企业”识别。请使用供货合同导入模板", if missing.is_empty() { "—".into() } else { missing.join("、") }),
                format!("the header lacks columns: {}; a product is known by 条目编号, 医保药品代码 or 药品名称+规格+生产企业. Use the contract template", if missing.is_empty() { "—".into() } else { missing.join(", ") }),
            ),
        ));
    }
    // Where a problem with the product is shown: the column the file names products by.
    let product_col = COLUMNS[if col[ENTRY].is_some() { ENTRY } else if col[NHSA].is_some() { NHSA } else { NAME }];
    let insts = institutions(&ctx.db, c).await?;
    let mut problems: Vec<CellProblem> = Vec::new();
    let problem = |row: usize, column: &str, zh: String, en: String| CellProblem { row, column: column.to_owned(), message: tr(zh, en) };
    // Member columns: 约定量:<name or code>.
    let mut members: Vec<(usize, i64, String)> = Vec::new();
    for (j, h) in header.iter().enumerate() {
        let Some(who) = h.trim().strip_prefix(SHARE_PREFIX).or_else(|| h.trim().strip_prefix("约定量：")) else { continue };
        let who = who.trim();
        match insts.values().find(|i| i.name == who || i.code == who) {
            Some(i) => members.push((j, i.id, h.trim().to_owned())),
            None => problems.push(problem(1, h.trim(), format!("本医共体没有机构“{who}”"), format!("the consortium has no institution {who:?}"))),
        }
    }
    let suppliers: HashMap<String, supplier::Model> = supplier::Entity::find()
        .filter(supplier::Column::ConsortiumId.eq(c))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| (s.uscc.clone(), s))
        .collect();
    let prods = products(ctx, c, None, today).await?;
    let finder = ProductFinder::new(&prods);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut by_no: HashMap<String, usize> = HashMap::new();
    let mut rows_total = 0;
    for (n, r) in it.enumerate() {
        let row = n + 2;
        if r.iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        rows_total += 1;
        let cell = |k: usize| col[k].and_then(|j| r.get(j)).map(|s| s.trim()).unwrap_or("");
        let before = problems.len();
        let no = cell(NO);
        if no.is_empty() || no.chars().count() > 64 {
            problems.push(problem(row, COLUMNS[NO], "合同编号应为 1–64 个字符".into(), "a contract number is 1–64 characters".into()));
        }
        let supplier = match rules::uscc(cell(SUPPLIER)) {
            Err(m) => {
                problems.push(CellProblem { row, column: COLUMNS[SUPPLIER].into(), message: m });
                None
            }
            Ok(code) => match suppliers.get(&code) {
                Some(s) if s.active => Some(s),
                Some(s) => {
                    problems.push(problem(row, COLUMNS[SUPPLIER], format!("供应商“{}”已停用", s.name), format!("the supplier \"{}\" is inactive", s.name)));
                    None
                }
                None => {
                    problems.push(problem(row, COLUMNS[SUPPLIER], format!("没有统一社会信用代码为 {code} 的供应商，请先在供应商页面添加"), format!("no supplier has the credit code {code}; add it on the suppliers page first")));
                    None
                }
            },
        };
        let kind = ContractKind::parse(cell(KIND));
        if kind.is_none() {
            problems.push(problem(row, COLUMNS[KIND], format!("合同类型“{}”应为：{}", cell(KIND), ContractKind::choices()), format!("the kind {:?} is one of {}", cell(KIND), ContractKind::choices())));
        }
        let from = parse_day(cell(FROM));
        if from.is_none() {
            problems.push(problem(row, COLUMNS[FROM], format!("起始日期“{}”无法识别，请写成 2027-01-01", cell(FROM)), format!("the first day {:?} is not a date; write 2027-01-01", cell(FROM))));
        }
        let to = parse_day(cell(TO));
        if to.is_none() {
            problems.push(problem(row, COLUMNS[TO], format!("截止日期“{}”无法识别，请写成 2027-12-31", cell(TO)), format!("the last day {:?} is not a date; write 2027-12-31", cell(TO))));
        }
        if let (Some(f), Some(t)) = (from, to)
            && let Err(m) = rules::contract_period(f, t)
        {
            problems.push(CellProblem { row, column: COLUMNS[TO].into(), message: m });
        }
        let product = match finder.find(cell(ENTRY), cell(NHSA), cell(NAME), cell(STRENGTH), cell(MAKER)) {
            Ok(p) => Some(p),
            Err((key, message)) => {
                let k = match key {
                    ProductKey::Entry => ENTRY,
                    ProductKey::Nhsa => NHSA,
                    ProductKey::Name => NAME,
                };
                problems.push(CellProblem { row, column: COLUMNS[k].into(), message });
                None
            }
        };
        let price = parse_price(cell(PRICE)).map(Money::new);
        match price.map(|p| p.to_minor(SCALE_PRICE)) {
            None => problems.push(problem(row, COLUMNS[PRICE], format!("单价“{}”应为数字（元/包装）", cell(PRICE)), format!("the price {:?} is a number (yuan per pack)", cell(PRICE)))),
            Some(Err(e)) => problems.push(CellProblem { row, column: COLUMNS[PRICE].into(), message: e.message() }),
            Some(Ok(p)) if p <= 0 => problems.push(problem(row, COLUMNS[PRICE], "单价须大于 0".into(), "the price is more than 0".into())),
            Some(Ok(_)) => {}
        }
        let annual = parse_packs(cell(ANNUAL));
        if annual.is_err() {
            problems.push(problem(row, COLUMNS[ANNUAL], format!("约定年采购量“{}”应为整数（包装数）", cell(ANNUAL)), format!("the annual volume {:?} is a whole number of packs", cell(ANNUAL))));
        }
        let mut volumes = Vec::new();
        for (j, inst, head) in &members {
            match parse_packs(r.get(*j).map(String::as_str).unwrap_or("")) {
                Ok(Some(p)) => volumes.push(MemberShare { institution_id: *inst, packs: p }),
                Ok(None) => {}
                Err(()) => problems.push(problem(row, head, "约定量应为整数（包装数）".into(), "a member's share is a whole number of packs".into())),
            }
        }
        if problems.len() > before {
            continue;
        }
        let (Some(s), Some(kind), Some(from), Some(to), Some(p), Some(price)) = (supplier, kind, from, to, product, price) else { continue };
        let annual = annual.unwrap_or(None);
        let name = format!("{} {}", p.name_zh, p.strength);
        let header = (s.id, s.name.clone(), kind, from, to);
        let at = match by_no.get(no) {
            Some(&d) => {
                let first = &drafts[d];
                let h = &first.header;
                let differs = [(h.0 != header.0, SUPPLIER), (h.2 != header.2, KIND), (h.3 != header.3, FROM), (h.4 != header.4, TO)];
                if let Some((_, k)) = differs.iter().find(|(d, _)| *d) {
                    problems.push(problem(row, COLUMNS[*k], format!("与合同 {no} 第 {} 行不一致：同一合同各行的供应商、类型和期限相同", first.first_row), format!("differs from row {} of contract {no}: the rows of a contract share its supplier, kind and period", first.first_row)));
                    continue;
                }
                if let Some((r0, _)) = first.lines.iter().find(|(_, l)| l.entry_id == p.entry_id) {
                    problems.push(problem(row, product_col, format!("{name} 在合同 {no} 第 {r0} 行已有"), format!("{name} is on row {r0} of contract {no} already")));
                    continue;
                }
                Some(d)
            }
            None => None,
        };
        let shares: Vec<i64> = volumes.iter().map(|v| v.packs).collect();
        if let Err(r) = rules::o5_volume_split(kind == ContractKind::Vbp, annual, &shares, &name) {
            problems.push(CellProblem { row, column: COLUMNS[ANNUAL].into(), message: r.message });
            continue;
        }
        let at = match at {
            Some(d) => d,
            None => {
                drafts.push(Draft { first_row: row, header, lines: Vec::new() });
                by_no.insert(no.to_owned(), drafts.len() - 1);
                drafts.len() - 1
            }
        };
        drafts[at].lines.push((row, ContractLineInput { entry_id: p.entry_id, price, annual_volume: annual, volumes }));
    }
    if rows_total == 0 {
        return Err(AppError::field("file", tr("文件中没有合同行", "the file has no contract rows")));
    }
    // Against what is stored: numbers taken, products already under contract on the same days;
    // and within the file, one contract per product on any day.
    let nos: Vec<String> = by_no.keys().cloned().collect();
    let taken: HashSet<String> = contract::Entity::find()
        .filter(contract::Column::ConsortiumId.eq(c))
        .filter(contract::Column::ContractNo.is_in(nos))
        .select_only()
        .column(contract::Column::ContractNo)
        .into_tuple::<String>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    let entries: HashSet<i64> = drafts.iter().flat_map(|d| d.lines.iter().map(|(_, l)| l.entry_id)).collect();
    let stored: Vec<(i64, i64)> = line::Entity::find()
        .filter(line::Column::EntryId.is_in(entries.iter().copied()))
        .select_only()
        .column(line::Column::EntryId)
        .column(line::Column::ContractId)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let stored_contracts: HashMap<i64, contract::Model> = contract::Entity::find()
        .filter(contract::Column::ConsortiumId.eq(c))
        .filter(contract::Column::Id.is_in(stored.iter().map(|s| s.1).collect::<HashSet<_>>()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|k| (k.id, k))
        .collect();
    let mut periods: HashMap<i64, Vec<(NaiveDate, NaiveDate, String)>> = HashMap::new();
    for (e, k) in &stored {
        if let Some(k) = stored_contracts.get(k) {
            periods.entry(*e).or_default().push((k.valid_from, k.valid_to, k.contract_no.clone()));
        }
    }
    let mut summaries = Vec::new();
    for (no, &d) in by_no.iter().collect::<std::collections::BTreeMap<_, _>>() {
        let draft = &drafts[d];
        if taken.contains(no) {
            problems.push(problem(draft.first_row, COLUMNS[NO], format!("合同编号 {no} 已存在；修改已有合同请在合同页面进行"), format!("contract number {no} exists already; change an existing contract on its page")));
            continue;
        }
        let (_, ref supplier_name, kind, from, to) = draft.header;
        let mut clash = false;
        for (row, l) in &draft.lines {
            let ps = periods.entry(l.entry_id).or_default();
            if let Some((f, t, other)) = ps.iter().find(|(f, t, _)| rules::overlaps((*f, *t), (from, to))) {
                let p = prods.get(&l.entry_id).map(|p| format!("{} {}", p.name_zh, p.strength)).unwrap_or_default();
                problems.push(problem(*row, product_col, format!("{p} 已在合同 {other}（{f} 至 {t}）中，期限重叠：同一药品同一天只能有一个合同价"), format!("{p} is in contract {other} ({f} to {t}) over overlapping days: a product has one contracted price on any day")));
                clash = true;
            } else {
                ps.push((from, to, no.clone()));
            }
        }
        if clash {
            continue;
        }
        summaries.push(ContractImportSummary {
            contract_no: no.clone(),
            supplier_name: supplier_name.clone(),
            kind,
            valid_from: from,
            valid_to: to,
            lines: u32::try_from(draft.lines.len()).unwrap_or(u32::MAX),
            vbp_lines: u32::try_from(draft.lines.iter().filter(|(_, l)| l.annual_volume.is_some()).count()).unwrap_or(u32::MAX),
        });
    }
    problems.sort_by_key(|p| p.row);
    let mut report = ContractImportReport { rows_total, contracts: summaries, problems, applied: false };
    if q.dry_run.unwrap_or(true) {
        return Ok(report);
    }
    if !report.problems.is_empty() {
        return Err(CellProblem::refuse_apply(&report.problems));
    }
    let tx = ctx.write().await?;
    for (no, &d) in by_no.iter().collect::<std::collections::BTreeMap<_, _>>() {
        let draft = &drafts[d];
        let (supplier_id, _, kind, valid_from, valid_to) = draft.header;
        let req = ContractInput {
            supplier_id,
            contract_no: no.clone(),
            kind,
            valid_from,
            valid_to,
            note: Some(tr("由文件导入", "imported from a file")),
            lines: draft
                .lines
                .iter()
                .map(|(_, l)| ContractLineInput {
                    entry_id: l.entry_id,
                    price: l.price,
                    annual_volume: l.annual_volume,
                    volumes: l.volumes.clone(),
                })
                .collect(),
        };
        contracts::create_in(ctx, &tx, actor, c, req).await?;
    }
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_prices_as_spreadsheets_write_them() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(parse_day("2027-01-01"), Some(d("2027-01-01")));
        assert_eq!(parse_day("2027/1/1"), Some(d("2027-01-01")));
        assert_eq!(parse_day("2027年1月1日"), Some(d("2027-01-01")));
        assert_eq!(parse_day("20270101"), Some(d("2027-01-01")));
        assert_eq!(parse_day("46388"), Some(d("2027-01-01")));
        assert_eq!(parse_day("2027-01"), None, "a month is not a day");
        assert_eq!(parse_day("2027年1月"), None);
        assert_eq!(parse_price("12.5"), Some(Decimal::new(125, 1)));
        assert_eq!(parse_price("¥12.50元"), Some(Decimal::new(1250, 2)));
        assert_eq!(parse_price("twelve"), None);
        assert_eq!(parse_packs(" 30 "), Ok(Some(30)));
        assert_eq!(parse_packs("30.0"), Ok(Some(30)));
        assert_eq!(parse_packs(""), Ok(None));
        assert_eq!(parse_packs("3.5"), Err(()));
    }
}
