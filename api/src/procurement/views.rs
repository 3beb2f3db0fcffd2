//! The procurement capability's request and response types.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub use crate::stock::views::ProductBrief;
pub use entity::procurement_cycle::CycleStatus;
pub use entity::supply_contract::ContractKind;

use crate::kernel::Money;

// ---- suppliers -----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SupplierQuery {
    /// Name or credit code contains this.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only active (true) or inactive (false) suppliers.
    pub active: Option<bool>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A supplier (配送企业).
#[derive(Debug, Serialize, ToSchema)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    /// 统一社会信用代码, 18 characters.
    pub uscc: String,
    pub order_email: String,
    pub invoice_email: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    /// Contracts valid today.
    pub current_contracts: u32,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierPage {
    pub items: Vec<Supplier>,
    pub next_cursor: Option<String>,
}

/// A supplier's details.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "内蒙古医药集团鄂尔多斯有限公司", "uscc": "91350100M000100Y43",
    "order_email": "orders@example.org", "invoice_email": "invoices@example.org", "contact": "王经理", "phone": "0477-8888888"}))]
pub struct SupplierInput {
    #[validate(length(min = 1, max = 100, message = "len_1_100"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9A-HJ-NP-RT-UW-Ya-hj-np-rt-uw-y]{18}$")]
    pub uscc: String,
    /// Purchase orders are e-mailed here.
    #[validate(email(message = "email"), length(max = 254, message = "len_1_256"))]
    #[schema(format = "email", max_length = 254)]
    pub order_email: String,
    #[validate(email(message = "email"), length(max = 254, message = "len_1_256"))]
    #[schema(format = "email", max_length = 254)]
    pub invoice_email: Option<String>,
    #[validate(length(max = 100, message = "max_100"))]
    #[schema(max_length = 100)]
    pub contact: Option<String>,
    #[validate(length(max = 100, message = "max_100"))]
    #[schema(max_length = 100)]
    pub phone: Option<String>,
}

/// A supplier's new details, with the version read (409 when it changed since).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1, "active": true, "supplier": {"name": "内蒙古医药集团鄂尔多斯有限公司",
    "uscc": "91350100M000100Y43", "order_email": "orders@example.org"}}))]
pub struct SupplierUpdate {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    /// false takes the supplier out of new contracts.
    pub active: bool,
    #[validate(nested)]
    pub supplier: SupplierInput,
}

// ---- contracts -----------------------------------------------------------------------------

/// Where a contract stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    /// Its period has not begun.
    Future,
    /// Valid today.
    Current,
    /// Its period has ended.
    Ended,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractQuery {
    pub supplier_id: Option<i64>,
    #[param(inline)]
    pub kind: Option<ContractKind>,
    /// Contracts with this formulary entry.
    pub entry_id: Option<i64>,
    #[param(inline)]
    pub state: Option<ContractState>,
    /// Contract number or supplier name contains this.
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A member's share of a volume-based line's agreed annual volume.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberVolume {
    pub institution_id: i64,
    pub institution_name: String,
    /// Packs.
    pub packs: i64,
}

/// A member's share, as a contract is written.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MemberShare {
    pub institution_id: i64,
    /// Packs.
    #[validate(range(min = 0, max = 1_000_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub packs: i64,
}

/// One formulary entry of a contract at its price per pack.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractLine {
    pub id: i64,
    pub entry_id: i64,
    pub product: ProductBrief,
    /// Price per pack, yuan (up to 4 decimals).
    pub price: Money,
    /// A volume-based contract's agreed annual volume (约定采购量), packs.
    pub annual_volume: Option<i64>,
    /// Its split per member (volume-based contracts).
    pub volumes: Vec<MemberVolume>,
}

/// A supply contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contract {
    pub id: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub contract_no: String,
    pub kind: ContractKind,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub state: ContractState,
    pub note: Option<String>,
    pub line_count: u32,
    /// The lines (in list answers: empty; ask for the contract).
    pub lines: Vec<ContractLine>,
    pub created_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPage {
    pub items: Vec<Contract>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ContractLineInput {
    pub entry_id: i64,
    /// Price per pack, yuan, more than 0, at most 4 decimals.
    pub price: Money,
    /// Volume-based contracts only: the agreed annual volume, packs.
    #[validate(range(min = 0, max = 1_000_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub annual_volume: Option<i64>,
    /// Volume-based contracts only: the members' shares, adding up to the annual volume.
    #[serde(default)]
    #[validate(nested, length(max = 1000))]
    #[schema(max_items = 1000)]
    pub volumes: Vec<MemberShare>,
}

/// A contract's content.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"supplier_id": 1, "contract_no": "HJQ-2030-001", "kind": "ordinary",
    "valid_from": "2030-01-01", "valid_to": "2030-12-31", "lines": [{"entry_id": 1, "price": "12.50"}]}))]
pub struct ContractInput {
    pub supplier_id: i64,
    /// Unique in the consortium.
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    #[schema(min_length = 1, max_length = 64)]
    pub contract_no: String,
    pub kind: ContractKind,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    #[validate(nested, length(min = 1, max = 5000))]
    #[schema(min_items = 1, max_items = 5000)]
    pub lines: Vec<ContractLineInput>,
}

/// A contract's new content (its lines replaced), with the version read (409 when it changed
/// since).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1, "contract": {"supplier_id": 1, "contract_no": "HJQ-2030-001", "kind": "ordinary",
    "valid_from": "2030-01-01", "valid_to": "2030-12-31", "lines": [{"entry_id": 1, "price": "12.40"}]}}))]
pub struct ContractUpdate {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    #[validate(nested)]
    pub contract: ContractInput,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractImportQuery {
    /// Only check and report (default true); false creates every contract of the file, all or
    /// none.
    pub dry_run: Option<bool>,
}

/// The upload: `file`, CSV or XLSX in the template's columns. The example names a supplier and
/// an entry that may not exist: it is answered with a report of problems.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": "合同编号,供应商统一社会信用代码,合同类型,起始日期,截止日期,条目编号,单价(元/包装)\nHJQ-2030-009,91350100M000100Y43,普通,2030-01-01,2030-12-31,1,12.50\n"}))]
pub struct ContractUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A contract the file would create.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractImportSummary {
    pub contract_no: String,
    pub supplier_name: String,
    pub kind: ContractKind,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub lines: u32,
    /// Lines with an agreed annual volume.
    pub vbp_lines: u32,
}

/// What a contract file holds: the contracts it would create and every problem by row and
/// column; `applied` once created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractImportReport {
    /// Rows with data (the header not counted).
    pub rows_total: usize,
    pub contracts: Vec<ContractImportSummary>,
    pub problems: Vec<crate::stock::views::CellProblem>,
    pub applied: bool,
}

// ---- an order as a spreadsheet --------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderImportQuery {
    /// Only check and report (default true); false changes the order's lines.
    pub dry_run: Option<bool>,
    /// The order's version as read; needed to apply (409 when it changed since).
    #[param(minimum = 0)]
    pub version: Option<i32>,
}

/// The upload: `file`, CSV or XLSX (or text pasted from Excel, tab-separated) with a
/// 请领量(包装) column and the product as 条目编号, 医保药品代码 or 药品名称+规格+生产企业. The
/// example names an entry that may not exist: it is answered with a report of problems.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": "条目编号,请领量(包装)\n1,12\n"}))]
pub struct OrderUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// What an order file would change: lines added, quantities changed, products taken off, and
/// every problem by row and column; `applied` (with the order) once changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderImportReport {
    /// Rows with data (the header and a 合计 row not counted).
    pub rows_total: usize,
    pub added: u32,
    pub changed: u32,
    pub removed: u32,
    pub problems: Vec<crate::stock::views::CellProblem>,
    pub applied: bool,
    pub order: Option<Order>,
}

// ---- cycles --------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CycleQuery {
    #[param(inline)]
    pub status: Option<CycleStatus>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A procurement cycle (采购周期).
#[derive(Debug, Serialize, ToSchema)]
pub struct Cycle {
    pub id: i64,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: CycleStatus,
    pub opened_by: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CyclePage {
    pub items: Vec<Cycle>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "2030年1月", "starts_on": "2030-01-01", "ends_on": "2030-01-31"}))]
pub struct OpenCycle {
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1}))]
pub struct CloseCycle {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
}

// ---- member orders -------------------------------------------------------------------------

pub use entity::member_order::OrderStatus;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// One member (a member's orderer sees only their own).
    pub institution_id: Option<i64>,
    #[param(inline)]
    pub status: Option<OrderStatus>,
    pub cycle_id: Option<i64>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A new order (a draft) for a member.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"institution_id": 2, "urgent": false, "note": "十二月请领"}))]
pub struct CreateOrder {
    pub institution_id: i64,
    /// Outside an open cycle only an urgent order may be placed, saying why (O1).
    #[serde(default)]
    pub urgent: bool,
    #[validate(length(max = 500, message = "max_1000"))]
    #[schema(max_length = 500)]
    pub urgent_reason: Option<String>,
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// One product of an order with the member's stock position (O3).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLine {
    pub id: i64,
    pub entry_id: i64,
    pub product: ProductBrief,
    /// Usable stock on hand at the member, base units (expired lots not counted).
    pub on_hand: i64,
    /// Dispatched to the member and not yet received, base units (0 until distribution).
    pub in_transit: i64,
    /// Average monthly consumption over the lookback, base units, as a decimal string ("12.5").
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "12.5")]
    pub amc: rust_decimal::Decimal,
    /// Months the stock on hand and in transit lasts at that consumption, a decimal string
    /// (none without consumption).
    #[serde(with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "1.5")]
    pub months_of_stock: Option<rust_decimal::Decimal>,
    /// O3's suggestion, packs.
    pub suggested: i64,
    /// The quantity ordered, packs: the typed one, else the suggestion.
    pub quantity: i64,
    /// Whether the orderer typed the quantity (a recalculation never overwrites it).
    pub typed: bool,
    /// The contracted price per pack today, if a contract covers the product.
    pub price: Option<Money>,
    pub contract_no: Option<String>,
    /// quantity × price, to the fen (O6); none without a price. Once approved, the approved
    /// quantity × price.
    pub amount: Option<Money>,
    /// The quantity the lead hospital approved, packs (once approved): the ordered one unless
    /// adjusted.
    pub approved: Option<i64>,
    /// Why the lead hospital changed the quantity (O4), shown to the member.
    pub adjust_reason: Option<String>,
    /// No valid contract covered the product when the order was aggregated: not bought yet.
    pub uncovered: bool,
    /// O5: the product is not volume-based-procured but a product of the same generic is; the
    /// member may switch to it.
    pub vbp_alternative: Option<VbpAlternative>,
}

/// A volume-based-procured product of the same generic name (O5).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VbpAlternative {
    pub entry_id: i64,
    pub product: ProductBrief,
    pub contract_no: String,
    pub price: Money,
}

/// A member's order (请领单).
#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub cycle_id: Option<i64>,
    pub cycle_name: Option<String>,
    pub urgent: bool,
    pub urgent_reason: Option<String>,
    pub status: OrderStatus,
    pub note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// With the order itself: its lines; in lists: empty.
    pub lines: Vec<OrderLine>,
    pub line_count: u32,
    /// The sum of the lines' amounts, fen exact (lines without a price not counted).
    pub total: Money,
    /// Lines whose product no contract covers today.
    pub unpriced: u32,
    /// Who approved or returned it, when, and why it was returned (O4).
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    /// Lines whose quantity the lead hospital adjusted.
    pub adjusted: u32,
    /// The purchase orders its lines went into, once purchased.
    pub purchase_orders: Vec<PurchaseOrderRef>,
    pub version: i32,
}

/// A purchase order named by its number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseOrderRef {
    pub id: i64,
    pub po_no: String,
    pub supplier_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<Order>,
    pub next_cursor: Option<String>,
}

/// A line as the orderer writes it: a quantity in packs, or none to follow the suggestion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    pub entry_id: i64,
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub quantity: Option<i64>,
}

/// The order's lines, replacing its lines, with the version read.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1, "lines": [{"entry_id": 1, "quantity": 10}, {"entry_id": 2}]}))]
pub struct PutOrderLines {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    #[validate(nested, length(max = 5000))]
    #[schema(max_items = 5000)]
    pub lines: Vec<OrderLineInput>,
}

/// The version read (submission, loading the products used).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1}))]
pub struct OrderVersion {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
}

/// The consortium's procurement settings (O3). In answers `version` is the one to send back
/// (0 while the defaults apply); a change sends the version read.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lookback_months": 3, "cover_secondary": 2, "cover_township": 2, "cover_village": 1, "version": 0}))]
pub struct ProcurementSettings {
    /// Average monthly consumption is taken over this many months (1–12, default 3).
    #[validate(range(min = 1, max = 12))]
    #[schema(minimum = 1, maximum = 12)]
    pub lookback_months: i32,
    /// Months of cover a suggestion aims for at a secondary hospital (1–12, default 2).
    #[validate(range(min = 1, max = 12))]
    #[schema(minimum = 1, maximum = 12)]
    pub cover_secondary: i32,
    /// … at a township health centre.
    #[validate(range(min = 1, max = 12))]
    #[schema(minimum = 1, maximum = 12)]
    pub cover_township: i32,
    /// … at a village clinic.
    #[validate(range(min = 1, max = 12))]
    #[schema(minimum = 1, maximum = 12)]
    pub cover_village: i32,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
}

// ---- review (O4) ---------------------------------------------------------------------------

/// A changed quantity on approval, with the reason the member will read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LineAdjustment {
    pub line_id: i64,
    /// The approved quantity in packs; 0 strikes the line.
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub quantity: i64,
    #[validate(length(max = 500, message = "max_1000"))]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Approve a submitted order with the version read, with the lines whose quantity changes (O4).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 2, "adjustments": [{"line_id": 1, "quantity": 6, "reason": "库存可用两个月，减半"}]}))]
pub struct ApproveOrder {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    #[serde(default)]
    #[validate(nested, length(max = 5000))]
    #[schema(max_items = 5000)]
    pub adjustments: Vec<LineAdjustment>,
}

/// Return a submitted order to the member, saying why (O4).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 2, "reason": "阿莫西林数量过大，请按实际用量修改后重新提交"}))]
pub struct ReturnOrder {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    #[validate(length(max = 500, message = "max_1000"))]
    #[schema(max_length = 500)]
    pub reason: String,
}

/// What a batch does to each of its orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    Approve,
    Return,
}

/// An order of a batch, with the version read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    pub id: i64,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
}

/// Approve (as ordered) or return several submitted orders; each is done or refused on its own.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "approve", "orders": [{"id": 1, "version": 2}, {"id": 2, "version": 2}]}))]
pub struct BatchReview {
    pub action: ReviewAction,
    #[validate(nested, length(min = 1, max = 500))]
    #[schema(min_items = 1, max_items = 500)]
    pub orders: Vec<OrderRef>,
    /// For returns: why (the member reads it).
    #[validate(length(max = 500, message = "max_1000"))]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// What became of one order of a batch: done (its status and version now) or refused (why).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOutcome {
    pub id: i64,
    pub ok: bool,
    pub status: Option<OrderStatus>,
    pub version: Option<i32>,
    pub institution_name: Option<String>,
    pub problem: Option<crate::error::Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchReviewResult {
    pub done: u32,
    pub refused: u32,
    pub items: Vec<BatchOutcome>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DemandQuery {
    /// Orders in this status (default submitted: the approval queue).
    #[param(inline)]
    pub status: Option<OrderStatus>,
    pub cycle_id: Option<i64>,
}

/// One product across the members' orders (the queue by product).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDemand {
    pub entry_id: i64,
    pub product: ProductBrief,
    /// Packs ordered (or approved, for approved orders) across the orders.
    pub quantity: i64,
    pub orders: u32,
    pub price: Option<Money>,
    pub contract_no: Option<String>,
    pub supplier_name: Option<String>,
    pub amount: Option<Money>,
    /// The members' lines.
    pub lines: Vec<DemandLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DemandLine {
    pub order_id: i64,
    pub line_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub quantity: i64,
    pub order_version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DemandPage {
    pub items: Vec<ProductDemand>,
    pub total: Money,
    pub orders: u32,
}

// ---- purchase orders (O4) ------------------------------------------------------------------

pub use entity::purchase_order::PurchaseOrderStatus;

/// One product of a supplier's purchase order to be (or as) made.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseLine {
    /// Its id once made (none in a preview).
    pub id: Option<i64>,
    pub entry_id: i64,
    pub product: ProductBrief,
    pub contract_id: i64,
    pub contract_no: String,
    /// Packs.
    pub quantity: i64,
    pub price: Money,
    pub amount: Money,
    /// How many member order lines it sums.
    pub sources: u32,
    /// Packs received into stock so far (D1; 0 in a preview).
    pub received: i64,
    /// Packs that arrived damaged (not in stock, still outstanding).
    pub damaged: i64,
    /// Packs closed: they will not come.
    pub closed: i64,
    /// Packs still expected: ordered − received − closed.
    pub outstanding: i64,
}

/// A product no valid contract covers: its lines are not bought (reported, not skipped).
#[derive(Debug, Serialize, ToSchema)]
pub struct UncoveredProduct {
    pub entry_id: i64,
    pub product: ProductBrief,
    pub quantity: i64,
    pub institutions: Vec<String>,
    /// Uncovered at an earlier aggregation, still waiting for a contract.
    pub carried: bool,
}

/// The purchase order one supplier would get.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierPurchase {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub order_email: String,
    pub lines: Vec<PurchaseLine>,
    pub total: Money,
}

/// An approved order the aggregation would take.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregationOrder {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub cycle_name: Option<String>,
    pub urgent: bool,
    pub line_count: u32,
}

/// What aggregating the approved orders now would make: one purchase order per supplier at
/// the contracted prices of today, and the products no contract covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregationPreview {
    pub priced_on: NaiveDate,
    pub orders: Vec<AggregationOrder>,
    pub suppliers: Vec<SupplierPurchase>,
    pub uncovered: Vec<UncoveredProduct>,
    pub total: Money,
}

/// Make the purchase orders from these approved orders (those the preview showed).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"order_ids": [1, 2, 3]}))]
pub struct GeneratePurchaseOrders {
    #[validate(length(max = 100000))]
    #[schema(max_items = 100000)]
    pub order_ids: Vec<i64>,
}

/// The e-mail of a purchase order to its supplier (through the outbox).
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeState {
    pub recipient: String,
    pub status: entity::outbox::OutboxStatus,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A purchase order to a supplier.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrder {
    pub id: i64,
    pub po_no: String,
    pub aggregation_id: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub status: PurchaseOrderStatus,
    pub line_count: i32,
    pub total: Money,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub notice: Option<NoticeState>,
    /// With the purchase order itself: its lines; in lists: empty.
    pub lines: Vec<PurchaseLine>,
    /// Why what remained was closed (D1), when it was.
    pub close_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderPage {
    pub items: Vec<PurchaseOrder>,
    pub next_cursor: Option<String>,
}

/// What an aggregation made.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregationResult {
    pub aggregation_id: i64,
    pub purchase_orders: Vec<PurchaseOrder>,
    pub uncovered: Vec<UncoveredProduct>,
    pub orders: u32,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PurchaseOrderQuery {
    pub supplier_id: Option<i64>,
    pub aggregation_id: Option<i64>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// A member order line a purchase order line came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseSource {
    pub order_id: i64,
    pub line_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    /// Approved packs.
    pub quantity: i64,
}

// ---- VBP progress (O5) ---------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VbpQuery {
    pub contract_id: Option<i64>,
    /// One member only.
    pub institution_id: Option<i64>,
    /// The day to measure on (default today).
    pub on: Option<NaiveDate>,
}

/// Purchased so far against an agreed volume and the pro-rata point (O5). Fractions are
/// decimal strings ("0.3521" = 35.21 %).
#[derive(Debug, Serialize, ToSchema)]
pub struct VbpFigure {
    /// Agreed packs for the contract year.
    pub agreed: i64,
    /// Packs bought in purchase orders so far this contract year.
    pub purchased: i64,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "0.3521")]
    pub progress: rust_decimal::Decimal,
    /// Behind the pro-rata point: a warning.
    pub behind: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VbpMember {
    pub institution_id: i64,
    pub institution_name: String,
    #[serde(flatten)]
    pub figure: VbpFigure,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VbpLine {
    pub entry_id: i64,
    pub product: ProductBrief,
    /// The consortium's figure.
    #[serde(flatten)]
    pub figure: VbpFigure,
    pub members: Vec<VbpMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VbpContract {
    pub contract_id: i64,
    pub contract_no: String,
    pub supplier_name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// The contract year the day falls in.
    pub year_from: NaiveDate,
    pub year_to: NaiveDate,
    pub elapsed_days: i64,
    pub year_days: i64,
    /// 序时进度: days elapsed ÷ days in the contract year.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "0.4000")]
    pub pro_rata: rust_decimal::Decimal,
    pub lines: Vec<VbpLine>,
    /// Lines behind the pro-rata point.
    pub behind: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VbpProgress {
    pub on: NaiveDate,
    pub contracts: Vec<VbpContract>,
}
