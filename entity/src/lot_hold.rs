use sea_orm::entity::prelude::*;

/// A quality hold on a lot (质量冻结): while it is not released the lot is never allocated (D2).
/// At most one open hold per lot; a release keeps the row with who released it and why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lot_holds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub lot_id: i64,
    pub reason: String,
    pub held_by: Option<i64>,
    pub held_at: DateTimeUtc,
    pub release_note: Option<String>,
    pub released_by: Option<i64>,
    pub released_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
