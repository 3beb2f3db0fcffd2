//! The stock capability's request and response types.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub use entity::institution::Level;
pub use entity::stock_disposal::DisposalStatus;
pub use entity::stocktake::StocktakeStatus;

pub use entity::stock_movement::{AdjustmentReason, MovementKind};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    /// One institution. A member pharmacist sees only their own institution (the default for
    /// them); the lead hospital's procurement and distribution staff, the consortium
    /// administrator and the auditor see every institution of the consortium (all by default).
    pub institution_id: Option<i64>,
    /// One formulary entry.
    pub entry_id: Option<i64>,
    /// Also lots with nothing on hand (default false).
    pub include_empty: Option<bool>,
    /// Only institutions of this level.
    pub level: Option<Level>,
    /// Only lots in this expiry state (near: within the near-expiry window; expired: past it).
    pub expiry: Option<ExpiryState>,
    /// Products whose name, pinyin initials or codes match (as the formulary's search).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// The filters of the stock list, for its export (every row, no paging).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StockExportQuery {
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub include_empty: Option<bool>,
    pub level: Option<Level>,
    pub expiry: Option<ExpiryState>,
    #[param(max_length = 100)]
    pub q: Option<String>,
}

impl From<StockExportQuery> for StockQuery {
    fn from(q: StockExportQuery) -> Self {
        StockQuery {
            institution_id: q.institution_id,
            entry_id: q.entry_id,
            include_empty: q.include_empty,
            level: q.level,
            expiry: q.expiry,
            q: q.q,
            cursor: None,
            limit: None,
        }
    }
}

/// Where a lot stands against its expiry date and the consortium's near-expiry window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryState {
    Ok,
    /// Expires within the near-expiry window (近效期).
    Near,
    /// Past its expiry date: never issued, shown for disposal.
    Expired,
}

/// A product as stock shows it (from the formulary: its version valid today, else its latest).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductBrief {
    pub name_zh: String,
    pub name_en: String,
    pub dosage_form: String,
    pub strength: String,
    pub manufacturer: String,
    /// 最小单位 (片, 支): stock is kept in it.
    pub base_unit: String,
    /// Base units per pack.
    pub pack_size: i32,
    pub pack_unit: String,
    pub cold_chain: bool,
}

impl ProductBrief {
    /// The pack as printed and exported: 10片/盒, or 支 when a pack is one base unit of the same
    /// name (an ampoule sold by the ampoule), 1瓶/盒 when it is one of another.
    pub fn pack_text(&self) -> String {
        if self.pack_size == 1 && self.base_unit == self.pack_unit {
            self.pack_unit.clone()
        } else {
            format!("{}{}/{}", self.pack_size, self.base_unit, self.pack_unit)
        }
    }
}

/// Stock on hand of one lot at one institution, in base units (片, 支).
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLine {
    pub institution_id: i64,
    pub institution_name: String,
    pub entry_id: i64,
    pub product: ProductBrief,
    pub lot_id: i64,
    /// 批号
    pub lot_no: String,
    pub expiry: NaiveDate,
    /// Days from today to the expiry date (negative once expired).
    pub days_to_expiry: i64,
    pub expiry_state: ExpiryState,
    /// Base units.
    pub quantity: i64,
    /// The quantity in packs, and packs plus base units where not whole ("2盒+5片").
    pub packs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockPage {
    pub items: Vec<StockLine>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    /// One institution (visibility as for stock on hand).
    pub institution_id: Option<i64>,
    /// One formulary entry: with an institution, its stock card (库存卡), each row with the
    /// balance after it.
    pub entry_id: Option<i64>,
    /// One lot.
    pub lot_id: Option<i64>,
    /// One kind of movement.
    pub kind: Option<MovementKind>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// The ledger's filters, for its export (newest first, at most 100,000 rows).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MovementExportQuery {
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub lot_id: Option<i64>,
    pub kind: Option<MovementKind>,
}

/// One movement of the ledger, newest first in lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct Movement {
    pub id: i64,
    pub institution_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    pub lot_no: String,
    pub expiry: NaiveDate,
    pub kind: MovementKind,
    /// Base units: positive in, negative out.
    pub quantity: i64,
    /// An adjustment's reason code, or why a reversal was made.
    pub reason: Option<String>,
    pub document: Option<String>,
    /// The movement this one reverses.
    pub reverses_id: Option<i64>,
    /// Reversed already by this movement.
    pub reversed_by: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The business day (consumption is recorded by day).
    pub occurred_on: NaiveDate,
    /// The quantity in packs and base units ("-2盒+5片" out).
    pub packs: String,
    /// On a stock card (one institution and entry): that product's stock at the institution
    /// after this movement, in base units.
    pub balance_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementPage {
    pub items: Vec<Movement>,
    pub next_cursor: Option<String>,
}

/// Movements to record at one institution, all or none.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"institution_id": 2, "movements": [{"entry_id": 1, "lot_no": "B2401", "expiry": "{{today+300}}", "kind": "opening", "quantity": 120}]}))]
#[serde(deny_unknown_fields)]
pub struct RecordMovements {
    pub institution_id: i64,
    #[validate(length(min = 1, max = 1000), nested)]
    #[schema(min_items = 1, max_items = 1000)]
    pub movements: Vec<MovementLine>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MovementLine {
    pub entry_id: i64,
    /// 批号
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, example = "B2401")]
    pub lot_no: String,
    #[schema(example = "2027-06-30")]
    pub expiry: NaiveDate,
    pub kind: MovementKind,
    /// Base units: positive in (opening, receipt, delivery), negative out (dispatch, dispensing,
    /// consumption); either for returns, stocktakes and corrections (D6).
    #[validate(range(min = -1_000_000_000, max = 1_000_000_000))]
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000, example = 120)]
    pub quantity: i64,
    /// Required for an adjustment, and only there.
    pub reason: Option<AdjustmentReason>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub document: Option<String>,
}

/// Take back a mistaken movement by one that reverses it (the ledger is never edited).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "数量录入错误"}))]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    #[validate(length(min = 2, max = 500))]
    #[schema(min_length = 2, max_length = 500)]
    pub reason: String,
}

/// The consortium's stock settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockSettings {
    /// Stock expiring within this many days is flagged near expiry (default 180).
    pub near_expiry_days: i32,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"near_expiry_days": 90, "version": 0}))]
#[serde(deny_unknown_fields)]
pub struct PutStockSettings {
    #[validate(range(min = 1, max = 1095))]
    #[schema(minimum = 1, maximum = 1095)]
    pub near_expiry_days: i32,
    /// The version read (0 while the defaults apply).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
}

// ---- opening stock -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpeningQuery {
    /// The institution whose opening stock the file holds.
    pub institution_id: i64,
    /// Only check and report (default true); false writes one movement per line, all or none.
    pub dry_run: Option<bool>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpeningTemplateQuery {
    /// Pre-fill one row per product this institution's level may use.
    pub institution_id: Option<i64>,
}

/// The upload: `file`, a CSV or XLSX file in the template's columns (any other part is
/// refused). The example is one line of opening stock.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": "条目编号,批号,有效期至,整包数量,拆零数量(最小单位)\n1,B2401,2030-06-30,2,0\n"}))]
#[allow(dead_code)]
pub struct OpeningUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The upload: `file`, the count sheet exported from the stocktake, filled in (CSV or XLSX).
/// The example counts line 1.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": "行号,实盘数量(最小单位),差异原因\n1,10,\n"}))]
#[allow(dead_code)]
pub struct SheetUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A problem with one cell of an uploaded file (row 1 is the header).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CellProblem {
    pub row: usize,
    /// The column's header as the template names it.
    pub column: String,
    pub message: String,
}

impl CellProblem {
    /// The refusal of applying a file that still has `problems`: every import is all or nothing.
    pub fn refuse_apply(problems: &[CellProblem]) -> crate::error::AppError {
        crate::error::AppError::field(
            "file",
            crate::i18n::tr(
                format!("文件有 {} 处问题，请改正后再导入（可先预检查看）", problems.len()),
                format!("the file has {} problems; correct them and import again (a dry run lists them)", problems.len()),
            ),
        )
    }
}

/// One line of opening stock as read from the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpeningLine {
    pub row: usize,
    pub entry_id: i64,
    pub name_zh: String,
    pub strength: String,
    pub lot_no: String,
    pub expiry: NaiveDate,
    /// Base units.
    pub quantity: i64,
    pub packs: String,
    pub expiry_state: ExpiryState,
}

/// What an opening-stock file holds and what is wrong with it, by row and column.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpeningReport {
    pub institution_id: i64,
    /// Data rows in the file (blank rows and rows without a quantity are not counted).
    pub rows_total: usize,
    pub lines: Vec<OpeningLine>,
    pub problems: Vec<CellProblem>,
    /// Movements already recorded at the institution before this file (an opening stock
    /// loaded twice would count twice).
    pub existing_movements: u64,
    /// Whether the movements were written (never with a problem in the file).
    pub applied: bool,
}

// ---- consumption ---------------------------------------------------------------------------

/// What a member issued on one day (领用/消耗), all or none.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"institution_id": 2, "day": "{{today+0}}", "lines": [{"entry_id": 1, "quantity": 30}]}))]
#[serde(deny_unknown_fields)]
pub struct RecordConsumption {
    pub institution_id: i64,
    /// The day it was issued: today or up to 92 days back.
    pub day: NaiveDate,
    #[validate(length(min = 1, max = 500), nested)]
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Vec<ConsumptionLine>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ConsumptionLine {
    pub entry_id: i64,
    /// The lot issued; none: first expiry first out over the institution's usable lots.
    pub lot_id: Option<i64>,
    /// Base units issued (a pharmacy may split a pack).
    #[validate(range(min = 1, max = 1_000_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    #[default]
    Day,
    Month,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsumptionQuery {
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    /// First day (default 180 days ago).
    pub from: Option<NaiveDate>,
    /// Last day (default today).
    pub to: Option<NaiveDate>,
    /// Totals by day (default) or by month.
    #[param(inline)]
    pub period: Option<Period>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsumptionExportQuery {
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[param(inline)]
    pub period: Option<Period>,
}

/// What an institution issued of one product in one day or month, net of reversals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsumptionRow {
    /// The day, or the month's first day.
    pub period: NaiveDate,
    pub institution_id: i64,
    pub institution_name: String,
    pub entry_id: i64,
    pub product: ProductBrief,
    /// Base units issued.
    pub quantity: i64,
    pub packs: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsumptionTotalsQuery {
    /// One institution (by default every institution you see).
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    /// First day (default 180 days ago).
    pub from: Option<NaiveDate>,
    /// Last day (default today).
    pub to: Option<NaiveDate>,
}

/// What was issued of one product over a range of days, at the institutions asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsumptionTotal {
    pub entry_id: i64,
    pub product: ProductBrief,
    /// Base units issued, net of reversals.
    pub quantity: i64,
    pub packs: String,
    /// How many institutions issued it.
    pub institutions: u32,
    /// In how many calendar months of the range it was issued.
    pub months: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsumptionTotals {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// One row per product issued, in name order (pinyin).
    pub items: Vec<ConsumptionTotal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsumptionPage {
    pub items: Vec<ConsumptionRow>,
    pub next_cursor: Option<String>,
}

// ---- stocktake -----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"institution_id": 1, "note": "月末盘点"}))]
#[serde(deny_unknown_fields)]
pub struct StartStocktake {
    pub institution_id: i64,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StocktakeQuery {
    pub institution_id: Option<i64>,
    pub status: Option<StocktakeStatus>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A stocktake without its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct StocktakeSummary {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub status: StocktakeStatus,
    pub note: Option<String>,
    pub started_by: Option<String>,
    pub started_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
    /// Who submitted it (the one person who may not approve it).
    pub submitted_by_id: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was returned for recounting or cancelled.
    pub decision_note: Option<String>,
    pub lines: u64,
    pub counted: u64,
    /// Lines whose count differs from the book.
    pub differences: u64,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StocktakePage {
    pub items: Vec<StocktakeSummary>,
    pub next_cursor: Option<String>,
}

/// One lot on the count sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct StocktakeLine {
    pub id: i64,
    pub entry_id: i64,
    pub product: ProductBrief,
    pub lot_id: i64,
    pub lot_no: String,
    pub expiry: NaiveDate,
    /// The book when the sheet was made (frozen), base units.
    pub book_quantity: i64,
    pub book_packs: String,
    /// Counted, base units (none: not counted yet).
    pub counted: Option<i64>,
    /// What moved since the start, up to the count (the book when counted minus the frozen
    /// book): the difference is taken against the book when counted.
    pub moved_since: Option<i64>,
    /// Counted minus the book when counted: what approval posts to the ledger.
    pub difference: Option<i64>,
    pub difference_packs: Option<String>,
    pub reason: Option<AdjustmentReason>,
    pub counted_by: Option<String>,
    pub counted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stocktake {
    #[serde(flatten)]
    pub summary: StocktakeSummary,
    pub items: Vec<StocktakeLine>,
}

/// Counts for lines of a sheet (each line's count replaces an earlier one), and lots found
/// that were not on it.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"counts": [{"line_id": 1, "counted": 118, "reason": "loss"}], "found": []}))]
#[serde(deny_unknown_fields)]
pub struct EnterCounts {
    #[validate(length(max = 5000), nested)]
    #[schema(max_items = 5000)]
    #[serde(default)]
    pub counts: Vec<CountLine>,
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    #[serde(default)]
    pub found: Vec<FoundLot>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    pub line_id: i64,
    /// Base units counted.
    #[validate(range(min = 0, max = 1_000_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub counted: i64,
    /// The cause of a difference (damage, expiry, loss, correction); required where the count
    /// differs from the book.
    pub reason: Option<AdjustmentReason>,
}

/// A lot on the shelf that the book did not have.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FoundLot {
    pub entry_id: i64,
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub lot_no: String,
    pub expiry: NaiveDate,
    #[validate(range(min = 1, max = 1_000_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub counted: i64,
    pub reason: Option<AdjustmentReason>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    /// xlsx (default) or csv.
    #[param(inline)]
    pub format: Option<SheetFormat>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SheetFormat {
    #[default]
    Xlsx,
    Csv,
}

/// A decision on a stocktake or a disposal (the version read).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"version": 1}))]
#[serde(deny_unknown_fields)]
pub struct Decide {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    /// Why (required to return, cancel or reject).
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

// ---- disposal ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"institution_id": 1, "reason": "expiry", "lines": [{"lot_id": 1, "quantity": 10}]}))]
#[serde(deny_unknown_fields)]
pub struct RequestDisposal {
    pub institution_id: i64,
    /// expiry, damage or loss.
    pub reason: AdjustmentReason,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
    #[validate(length(min = 1, max = 500), nested)]
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Vec<DisposalLineRequest>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct DisposalLineRequest {
    pub lot_id: i64,
    /// Base units to take out.
    #[validate(range(min = 1, max = 1_000_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DisposalQuery {
    pub institution_id: Option<i64>,
    pub status: Option<DisposalStatus>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisposalLine {
    pub entry_id: i64,
    pub product: ProductBrief,
    pub lot_id: i64,
    pub lot_no: String,
    pub expiry: NaiveDate,
    pub quantity: i64,
    pub packs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Disposal {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub status: DisposalStatus,
    pub reason: AdjustmentReason,
    pub note: Option<String>,
    pub requested_by: Option<String>,
    /// Who requested it (the one person who may not approve it).
    pub requested_by_id: Option<i64>,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub lines: Vec<DisposalLine>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisposalPage {
    pub items: Vec<Disposal>,
    pub next_cursor: Option<String>,
}

/// What an imported count sheet did: the counts read, or every problem by row and column
/// (then nothing was saved).
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetImport {
    pub counted: usize,
    pub problems: Vec<CellProblem>,
    pub applied: bool,
}

/// An institution whose stock the caller sees (for pickers and filters).
#[derive(Debug, Serialize, ToSchema)]
pub struct StockInstitution {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub level: Level,
    pub parent_id: Option<i64>,
    /// Whether the caller may record movements there (opening stock, consumption, counts).
    pub may_record: bool,
}
