use sea_orm::entity::prelude::*;

crate::coded_enum!(
/// Where a member's order (请领单) is.
OrderStatus {
    Draft = "draft" / "草稿",
    Submitted = "submitted" / "已提交",
    Returned = "returned" / "已退回",
    Approved = "approved" / "已批准",
    Purchased = "purchased" / "已采购"
});

/// A member's order to the consortium (its township or village pharmacy asks the central
/// warehouse), placed within a procurement cycle or as an urgent order with a reason (O1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub institution_id: i64,
    pub cycle_id: Option<i64>,
    pub urgent: bool,
    pub urgent_reason: Option<String>,
    pub status: OrderStatus,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub version: i32,
    /// Who approved or returned it (O4), when, and the reason given for a return.
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub review_note: Option<String>,
    /// The aggregation that took it into purchase orders.
    pub aggregation_id: Option<i64>,
    /// Every line allocated from the central warehouse or its back order ended (D2): allocation
    /// runs no longer read it. Cleared when an allocation of it is given back.
    pub allocated_in_full: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
