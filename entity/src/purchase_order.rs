use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// Where a purchase order to a supplier is.
    PurchaseOrderStatus { Issued = "issued" / "已下达", Cancelled = "cancelled" / "已作废" });

/// A purchase order (采购订单) to one supplier: the approved member orders of an aggregation,
/// per product, at the contracted price (O4).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchase_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub aggregation_id: i64,
    pub supplier_id: i64,
    pub po_no: String,
    pub status: PurchaseOrderStatus,
    pub line_count: i32,
    /// In fen.
    pub total: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
