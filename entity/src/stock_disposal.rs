use sea_orm::entity::prelude::*;

use crate::stock_movement::AdjustmentReason;

crate::coded_enum!(
    /// Where a disposal (报损) is: waiting for a second person, approved (posted to the ledger as
    /// adjustments) or rejected.
    DisposalStatus { Pending = "pending" / "待审核", Approved = "approved" / "已审核",
                     Rejected = "rejected" / "已驳回" });

/// A request to take stock out as an adjustment (expired, damaged, lost), approved by a second
/// person before it moves the ledger.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_disposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub institution_id: i64,
    pub status: DisposalStatus,
    pub reason: AdjustmentReason,
    pub note: Option<String>,
    pub requested_by: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
