use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// Where a stocktake is: being counted, submitted for a second person's approval, approved
    /// (its differences posted to the ledger) or cancelled.
    StocktakeStatus { Counting = "counting" / "盘点中", Submitted = "submitted" / "待审核",
                      Approved = "approved" / "已审核", Cancelled = "cancelled" / "已作废" });

/// A stocktake (盘点) of one institution: its count sheet froze the book at `started_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stocktakes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub institution_id: i64,
    pub status: StocktakeStatus,
    pub note: Option<String>,
    pub started_by: Option<i64>,
    pub started_at: DateTimeUtc,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    /// Why it was returned for recounting or cancelled.
    pub decision_note: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
