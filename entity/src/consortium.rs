use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consortia")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub code: String,
    pub region: String,
    /// Essential-medicine share targets (F3) in per mille, so they stay exact integers.
    pub target_primary_pm: i32,
    pub target_secondary_pm: i32,
    pub target_tertiary_pm: i32,
    /// Bumped on every formulary change so each instance knows when its search index is stale.
    pub formulary_rev: i64,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
