use sea_orm::entity::prelude::*;

/// One version of a formulary entry, valid on `[valid_from, valid_to)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "formulary_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub entry_id: i64,
    pub proposal_id: i64,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub generic_name_zh: String,
    pub generic_name_en: String,
    pub dosage_form: String,
    pub route: String,
    pub strength: String,
    pub base_unit: String,
    pub pack_size: i32,
    pub pack_unit: String,
    pub manufacturer: String,
    pub approval_number: String,
    pub nhsa_code: Option<String>,
    pub atc_code: Option<String>,
    /// Contracted price per pack in ten-thousandths of a yuan: exact on both databases.
    pub unit_price_e4: i64,
    pub essential_national: bool,
    pub essential_provincial: bool,
    pub vbp: bool,
    pub insurance_class: String,
    pub special_class: String,
    pub antimicrobial_tier: String,
    pub storage: String,
    pub level_scope: String,
    pub long_rx_eligible: bool,
    pub extended_rx_eligible: bool,
    pub status: String,
    /// Pinyin initials and full pinyin of the Chinese name (every reading), space separated.
    pub pinyin: String,
    /// Pinyin of the name (first readings) then the name: lists are in the order a Chinese
    /// reader expects (拼音排序), not in code-point order.
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
