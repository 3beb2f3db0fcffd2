use sea_orm::entity::prelude::*;

crate::coded_enum!(
/// Why a member order line could not be filled (D2).
BackOrderReason {
    NoStock = "no_stock" / "中心库房无库存",
    NotEnough = "not_enough" / "库存不足（已按加急和下单先后分配给其他订单）",
    Held = "held" / "库存批号被质量冻结",
    ShortDated = "short_dated" / "库存批号效期不足",
    Expired = "expired" / "库存批号已过期"
});

/// What an approved member order line still waits for after the last allocation run, and why
/// (D2: never silently dropped). Rewritten by each run; `since` is the day it first fell short.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "back_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_line_id: i64,
    pub consortium_id: i64,
    pub institution_id: i64,
    pub entry_id: i64,
    /// Packs short.
    pub quantity: i64,
    pub reason: BackOrderReason,
    pub since: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
