use sea_orm::entity::prelude::*;

/// The formulary's settings for one consortium (a missing row means the defaults).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "formulary_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consortium_id: i64,
    /// Essential-medicine share targets (F3) in per mille, so they stay exact integers.
    pub target_primary_pm: i32,
    pub target_secondary_pm: i32,
    pub target_tertiary_pm: i32,
    /// Bumped on every formulary change so each instance knows when its search index is stale.
    pub rev: i64,
    /// The column mapping chosen for files written by others: JSON, normalised header → field
    /// key (an empty key ignores the column).
    pub import_mapping: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
