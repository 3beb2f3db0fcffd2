use sea_orm::entity::prelude::*;

/// One lot of a disposal, in base units taken out.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_disposal_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub disposal_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    pub quantity: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
