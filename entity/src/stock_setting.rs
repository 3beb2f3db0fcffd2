use sea_orm::entity::prelude::*;

/// Stock settings of one consortium (a missing row means the defaults).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consortium_id: i64,
    /// Stock expiring within this many days is flagged near expiry (近效期).
    pub near_expiry_days: i32,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
