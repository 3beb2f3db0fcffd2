use sea_orm::entity::prelude::*;

/// One product of a purchase order: the sum of the approved member order lines of its
/// aggregation, in packs, at the price of the contract valid on the aggregation's day. Its
/// member lines are those of the aggregation's orders for the product (and uncovered lines it
/// took over).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub purchase_order_id: i64,
    pub aggregation_id: i64,
    pub entry_id: i64,
    pub contract_id: i64,
    pub quantity: i64,
    /// Per pack, in ten-thousandths of a yuan (the contract's).
    pub price: i64,
    /// In fen.
    pub amount: i64,
    /// Packs received into stock so far (D1).
    pub received: i64,
    /// Packs that arrived damaged (recorded, not put into stock; still outstanding).
    pub damaged: i64,
    /// Packs that will not come: closed with the purchase order's close reason.
    pub closed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
