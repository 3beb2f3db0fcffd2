use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "formulary_proposal_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub proposal_id: i64,
    pub seq: i32,
    pub kind: crate::formulary_proposal::ProposalKind,
    /// Set for amend/suspend/withdraw; for add it is set when the proposal is approved.
    pub entry_id: Option<i64>,
    pub generic_name_zh: String,
    /// For add: every field; for amend: only the changed fields (JSON object).
    pub fields_json: String,
    /// Field changes (old → new) as computed when the proposal was made, refreshed on approval.
    pub changes_json: Option<String>,
    /// For a change to an existing entry: the version it was written against.
    pub base_version_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
