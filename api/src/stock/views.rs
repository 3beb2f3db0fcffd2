//! The stock capability's request and response types.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

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
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Stock on hand of one lot at one institution, in base units (片, 支).
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLine {
    pub institution_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    /// 批号
    pub lot_no: String,
    pub expiry: NaiveDate,
    pub quantity: i64,
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
    /// One formulary entry: with an institution, its stock card (库存卡).
    pub entry_id: Option<i64>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
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
    pub actor_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MovementPage {
    pub items: Vec<Movement>,
    pub next_cursor: Option<String>,
}

/// Movements to record at one institution, all or none.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"institution_id": 1, "movements": [{"entry_id": 1, "lot_no": "B2401", "expiry": "{{today+300}}", "kind": "opening", "quantity": 120}]}))]
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
