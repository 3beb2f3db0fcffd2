use sea_orm::entity::prelude::*;

crate::coded_enum!(
/// Where an allocation is: reserved at the warehouse, picked, gone out on a dispatch, or given
/// back (a held lot, a short pick).
AllocationStatus {
    Allocated = "allocated" / "已分配",
    Picked = "picked" / "已拣货",
    Dispatched = "dispatched" / "已发出",
    Cancelled = "cancelled" / "已取消"
});

/// Packs of one lot at the central warehouse reserved for one approved member order line (D2,
/// first-expiry-first-out). Stock leaves the warehouse's ledger only at dispatch; until then a
/// lot can give its balance less its open (allocated or picked) allocations.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allocations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub order_line_id: i64,
    /// The member the packs go to.
    pub institution_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    /// Packs.
    pub quantity: i64,
    pub status: AllocationStatus,
    /// Why it was cancelled.
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
