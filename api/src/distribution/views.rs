//! The distribution capability's request and response types.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub use crate::stock::views::ProductBrief;

// ---- receipts ------------------------------------------------------------------------------

/// Goods received against a purchase order (D1), with the purchase order's version read (a
/// second submission of the same receipt finds it changed: 409, nothing received twice).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purchase_order_id": 1, "version": 1, "invoice_no": "04412345",
    "lines": [{"po_line_id": 1, "lot_no": "240501", "expiry": "2028-04-30", "quantity": 20, "damaged": 1,
               "damage_note": "外箱压破", "trace_codes": ["81234567890123456789"]}]}))]
pub struct ReceiptInput {
    pub purchase_order_id: i64,
    /// The purchase order's version as read.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    /// The day the goods arrived (default today); not in the future.
    pub received_on: Option<NaiveDate>,
    /// The supplier's invoice number when the invoice came with the goods (货到票到); leave out
    /// when it is still to come (货到票未到).
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    #[schema(min_length = 1, max_length = 64)]
    pub invoice_no: Option<String>,
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// One line per lot of a purchase order line (a line that came in two lots is two lines).
    #[validate(nested, length(min = 1, max = 2000))]
    #[schema(min_items = 1, max_items = 2000)]
    pub lines: Vec<ReceiptLineInput>,
}

/// One lot of one purchase order line.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    pub po_line_id: i64,
    /// 批号.
    #[validate(length(min = 1, max = 40, message = "len_1_40"))]
    #[schema(min_length = 1, max_length = 40)]
    pub lot_no: String,
    /// 有效期至.
    pub expiry: NaiveDate,
    /// Packs put into stock.
    #[validate(range(min = 0, max = 10_000_000, message = "packs"))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub quantity: i64,
    /// Packs that arrived damaged: recorded, not put into stock, still outstanding.
    #[serde(default)]
    #[validate(range(min = 0, max = 10_000_000, message = "packs"))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub damaged: i64,
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub damage_note: Option<String>,
    /// Trace codes scanned, one per pack (T1).
    #[serde(default)]
    #[validate(length(max = 20000))]
    #[schema(max_items = 20000)]
    pub trace_codes: Vec<String>,
}

/// A receipt (入库单).
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: i64,
    pub receipt_no: String,
    pub purchase_order_id: i64,
    pub po_no: String,
    pub supplier_name: String,
    pub received_on: NaiveDate,
    /// None: the invoice is still to come (货到票未到).
    pub invoice_no: Option<String>,
    pub note: Option<String>,
    /// Packs put into stock, over its lines.
    pub packs: i64,
    pub damaged: i64,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    /// With the receipt itself: its lines; in lists: empty.
    pub lines: Vec<ReceiptLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptLine {
    pub id: i64,
    pub po_line_id: i64,
    pub entry_id: i64,
    pub product: ProductBrief,
    pub lot_id: i64,
    pub lot_no: String,
    pub expiry: NaiveDate,
    pub quantity: i64,
    pub damaged: i64,
    pub damage_note: Option<String>,
    pub trace_codes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptPage {
    pub items: Vec<Receipt>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    pub purchase_order_id: Option<i64>,
    /// Only receipts whose invoice is still to come (true) or came with the goods (false).
    pub invoice_pending: Option<bool>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Close what remains of a purchase order: it will not come (D1).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 3, "reason": "供应商断货，剩余部分不再供货"}))]
pub struct ClosePurchaseOrder {
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub reason: String,
}

// ---- lot holds -----------------------------------------------------------------------------

/// Put a lot on quality hold (质量冻结), saying why.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "省药检所抽检不合格，待复检"}))]
pub struct HoldLot {
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub reason: String,
}

/// Release a held lot, saying why it is fit again.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "复检合格"}))]
pub struct ReleaseLot {
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub note: String,
}

/// A quality hold on a lot, open or released.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotHold {
    pub id: i64,
    pub lot_id: i64,
    pub entry_id: i64,
    pub product: ProductBrief,
    pub lot_no: String,
    pub expiry: NaiveDate,
    /// Base units of the lot at the central warehouse now.
    pub warehouse_quantity: i64,
    pub reason: String,
    pub held_by: Option<String>,
    pub held_at: DateTime<Utc>,
    pub release_note: Option<String>,
    pub released_by: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LotHoldPage {
    pub items: Vec<LotHold>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LotHoldQuery {
    /// Only open holds (true) or released ones (false).
    pub open: Option<bool>,
    pub lot_id: Option<i64>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

// ---- settings ------------------------------------------------------------------------------

/// The consortium's distribution settings (version 0 while the defaults apply).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"min_shelf_days": 180, "confirm_within_days": 3, "min_allocate_days": 90, "version": 0}))]
pub struct DistributionSettings {
    /// Goods with less shelf life left than this at receipt are refused (D1), 0–1825 days.
    #[validate(range(min = 0, max = 1825, message = "shelf_days"))]
    #[schema(minimum = 0, maximum = 1825)]
    pub min_shelf_days: i32,
    /// A delivery not confirmed within this many days is flagged (D5), 1–60.
    #[validate(range(min = 1, max = 60, message = "confirm_days"))]
    #[schema(minimum = 1, maximum = 60)]
    pub confirm_within_days: i32,
    /// Lots with less shelf life left than this are not allocated to members (D2), 0–1825 days.
    #[validate(range(min = 0, max = 1825, message = "shelf_days"))]
    #[schema(minimum = 0, maximum = 1825)]
    pub min_allocate_days: i32,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub version: i32,
}

// ---- allocation and back orders ------------------------------------------------------------

/// What an allocation run did (D2).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AllocationRun {
    /// Order lines that got packs in this run.
    pub lines_allocated: usize,
    /// Packs allocated in this run.
    pub packs_allocated: i64,
    /// Allocations given back before the run (a lot put on hold).
    pub allocations_cancelled: usize,
    /// Order lines still short after it (back orders).
    pub back_orders: usize,
    /// Packs still short after it.
    pub packs_short: i64,
}

pub use entity::allocation::AllocationStatus;
pub use entity::back_order::BackOrderReason;

/// Packs of one warehouse lot reserved for one member order line, first-expiry-first-out.
#[derive(Debug, Serialize, ToSchema)]
pub struct Allocation {
    pub id: i64,
    pub order_id: i64,
    pub order_line_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub urgent: bool,
    pub entry_id: i64,
    pub product: ProductBrief,
    pub lot_id: i64,
    pub lot_no: String,
    pub expiry: NaiveDate,
    /// Packs.
    pub quantity: i64,
    pub status: AllocationStatus,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationPage {
    pub items: Vec<Allocation>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// One member's (a member's own staff see only theirs).
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub order_id: Option<i64>,
    pub status: Option<AllocationStatus>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// An approved member order line the central warehouse could not fill (yet), and why (D2). It
/// is filled by the next allocation that finds fit stock (every receipt runs one).
#[derive(Debug, Serialize, ToSchema)]
pub struct BackOrder {
    pub order_line_id: i64,
    pub order_id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub urgent: bool,
    pub entry_id: i64,
    pub product: ProductBrief,
    /// Packs approved on the order line.
    pub ordered: i64,
    /// Packs allocated so far.
    pub allocated: i64,
    /// Packs still short.
    pub quantity: i64,
    pub reason: BackOrderReason,
    /// The day it first fell short.
    pub since: NaiveDate,
    /// Days it has been waiting.
    pub age_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackOrderPage {
    pub items: Vec<BackOrder>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BackOrderQuery {
    /// One member's (a member's own staff see only theirs).
    pub institution_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub reason: Option<BackOrderReason>,
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// End a back order: what is still short will not be supplied, and why (the member orders
/// again, or the product is replaced).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "该品种已停产，改订替代品种"}))]
pub struct CloseBackOrder {
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub reason: String,
}
