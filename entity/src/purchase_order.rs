use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// Where a purchase order to a supplier is: issued, partly received, received in full, or
    /// closed with what will not come (D1); cancelled.
    PurchaseOrderStatus { Issued = "issued" / "已下达", Receiving = "receiving" / "部分到货",
                          Received = "received" / "已到齐", Closed = "closed" / "已结案",
                          Cancelled = "cancelled" / "已作废" });

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
    /// Why what was outstanding was closed ("close remaining").
    pub close_reason: Option<String>,
    pub closed_by: Option<i64>,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
