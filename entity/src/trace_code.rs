use sea_orm::entity::prelude::*;

/// A drug trace code (药品追溯码, T1) seen in the consortium: one sales pack of one lot. Unique
/// per consortium, so a pack is received once; dispensing will record what it gives under it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trace_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub code: String,
    pub entry_id: i64,
    pub lot_id: i64,
    /// The receipt line it was scanned at, when it was.
    pub receipt_line_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
