use sea_orm::entity::prelude::*;

/// Goods received at the central warehouse against one purchase order (入库单, D1); a purchase
/// order may be received in several parts. `invoice_no`: the supplier's invoice when it came with
/// the goods (货到票到); none: the invoice is still to come (货到票未到).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub purchase_order_id: i64,
    pub receipt_no: String,
    pub received_on: Date,
    pub invoice_no: Option<String>,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
