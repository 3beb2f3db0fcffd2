use sea_orm::entity::prelude::*;

/// Procurement settings of one consortium (a missing row means the defaults).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procurement_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consortium_id: i64,
    /// O3: average monthly consumption over this many months (default 3).
    pub lookback_months: i32,
    /// O3: months of cover a suggestion aims for, per member level (default 2 each).
    pub cover_secondary: i32,
    pub cover_township: i32,
    pub cover_village: i32,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
