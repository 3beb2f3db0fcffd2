use sea_orm::entity::prelude::*;

/// Distribution settings of one consortium (a missing row means the defaults).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "distribution_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consortium_id: i64,
    /// Goods with less shelf life left than this at receipt are refused (D1; default 180).
    pub min_shelf_days: i32,
    /// A delivery not confirmed by the member within this many days is flagged (D5).
    pub confirm_within_days: i32,
    /// Lots with less shelf life left than this are not allocated to members (D2; default 90).
    pub min_allocate_days: i32,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
