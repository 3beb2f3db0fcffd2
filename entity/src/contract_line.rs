use sea_orm::entity::prelude::*;

/// One formulary entry of a supply contract at its price per pack.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub entry_id: i64,
    /// Price per pack in ten-thousandths of a yuan (`kernel::money::SCALE_PRICE`).
    pub price: i64,
    /// A volume-based contract's agreed annual volume (约定采购量), in packs.
    pub annual_volume: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
