use sea_orm::entity::prelude::*;

/// A lot (批号) of a formulary entry with its expiry date; one row per (entry, lot, expiry),
/// shared by every institution that holds it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_lots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub entry_id: i64,
    pub lot_no: String,
    pub expiry: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
