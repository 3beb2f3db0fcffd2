use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// Proposal kind.
    ProposalKind { Add = "add" / "新增", Amend = "amend" / "修改", Suspend = "suspend" / "暂停", Withdraw = "withdraw" / "停用",
                   Batch = "batch" / "批量" });
crate::coded_enum!(
    /// Proposal status.
    ProposalStatus { Pending = "pending" / "待审", Approved = "approved" / "已批准", Rejected = "rejected" / "已驳回",
                     Withdrawn = "withdrawn" / "已撤回" });

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "formulary_proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    pub reason: String,
    pub effective_date: Date,
    pub justification: Option<String>,
    pub proposer_id: i64,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_reason: Option<String>,
    pub item_count: i32,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
