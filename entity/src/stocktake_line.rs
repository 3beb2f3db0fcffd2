use sea_orm::entity::prelude::*;

/// One lot on a count sheet: the book frozen at the start, what was counted, and the book when
/// it was counted (the frozen book plus what moved since), against which the difference is
/// taken.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stocktake_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub stocktake_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    pub book_quantity: i64,
    pub counted: Option<i64>,
    pub book_at_count: Option<i64>,
    /// The cause of a difference (`AdjustmentReason`).
    pub reason: Option<String>,
    pub counted_by: Option<i64>,
    pub counted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
