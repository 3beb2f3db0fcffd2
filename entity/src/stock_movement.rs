use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// What moved stock (D6). Inflows: opening, receipt, delivery; outflows: dispatch,
    /// dispensing, consumption; either way: return, adjustment (with its reason), stocktake.
    MovementKind { Opening = "opening" / "期初", Receipt = "receipt" / "入库", Dispatch = "dispatch" / "配送出库",
                   Delivery = "delivery" / "配送入库", Dispensing = "dispensing" / "调剂发药",
                   Consumption = "consumption" / "领用消耗", Return = "return" / "退货",
                   Adjustment = "adjustment" / "调整", Stocktake = "stocktake" / "盘点" });
crate::coded_enum!(
    /// Why an adjustment moved stock.
    AdjustmentReason { Damage = "damage" / "破损", Expiry = "expiry" / "过期", Loss = "loss" / "丢失",
                       Correction = "correction" / "更正" });

/// One movement of one lot at one institution, in base units (片, 支): positive in, negative
/// out. Append-only (the database refuses updates and deletes): a mistake is corrected by a
/// movement that reverses it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub institution_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    pub kind: MovementKind,
    pub quantity: i64,
    /// An adjustment's reason (`AdjustmentReason`), or a reversal's.
    pub reason: Option<String>,
    /// The document that caused it (an order, a dispatch notice, a stocktake, a file).
    pub document: Option<String>,
    /// The movement this one reverses.
    pub reverses_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// The business day it happened (consumption is recorded by day); none: the day recorded.
    pub occurred_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
