use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// An ordinary supply contract, or a volume-based one (带量采购) with agreed annual volumes.
    ContractKind { Ordinary = "ordinary" / "普通" | "普通合同", Vbp = "vbp" / "带量采购" | "带量" | "集采" });

/// A supply contract: a supplier's prices per pack for formulary entries over a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supply_contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub supplier_id: i64,
    pub contract_no: String,
    pub kind: ContractKind,
    pub valid_from: Date,
    pub valid_to: Date,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
