use sea_orm::entity::prelude::*;

/// Stock on hand of one lot at one institution, in base units: the sum of its movements, moved
/// in the same transaction as each of them, never below zero.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lot_id: i64,
    pub consortium_id: i64,
    pub entry_id: i64,
    pub quantity: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
