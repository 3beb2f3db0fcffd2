use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// A procurement cycle is open for members' orders, or closed.
    CycleStatus { Open = "open" / "进行中", Closed = "closed" / "已关闭" });

/// A procurement cycle (采购周期, e.g. a month) that the lead hospital opens and closes (O1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procurement_cycles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub status: CycleStatus,
    pub opened_by: Option<i64>,
    pub opened_at: DateTimeUtc,
    pub closed_by: Option<i64>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
