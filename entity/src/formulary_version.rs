use sea_orm::entity::prelude::*;

use crate::institution::Level;

crate::coded_enum!(
    /// Route of administration.
    Route { Oral = "oral" / "口服", Injection = "injection" / "注射", External = "external" / "外用",
            Inhalation = "inhalation" / "吸入", Other = "other" / "其他" });
crate::coded_enum!(
    /// Medical-insurance class 甲/乙/丙.
    InsuranceClass { A = "a" / "甲" | "甲类", B = "b" / "乙" | "乙类", C = "c" / "丙" | "丙类", None = "none" / "无" });
crate::coded_enum!(
    /// Special-management class.
    SpecialClass { None = "none" / "无", Narcotic = "narcotic" / "麻醉" | "麻醉药品",
                   Psychotropic_1 = "psychotropic_1" / "精一" | "第一类精神药品",
                   Psychotropic_2 = "psychotropic_2" / "精二" | "第二类精神药品",
                   Toxic = "toxic" / "医疗用毒性" | "医疗用毒性药品", Radioactive = "radioactive" / "放射性" | "放射性药品",
                   Precursor = "precursor" / "易制毒" | "药品类易制毒化学品" });
crate::coded_enum!(
    /// Antimicrobial tier.
    AntimicrobialTier { None = "none" / "非抗菌药" | "", Unrestricted = "unrestricted" / "非限制" | "非限制使用级",
                        Restricted = "restricted" / "限制" | "限制使用级", Special = "special" / "特殊使用级" | "特殊使用" });
crate::coded_enum!(
    /// Storage condition.
    Storage { Ordinary = "ordinary" / "常温", Cool = "cool" / "阴凉", ColdChain = "cold_chain" / "冷链" | "冷藏" });
crate::coded_enum!(
    /// Entry status.
    EntryStatus { Active = "active" / "在用", Suspended = "suspended" / "暂停", Withdrawn = "withdrawn" / "停用" });

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
    pub route: Route,
    pub strength: String,
    pub base_unit: String,
    pub pack_size: i32,
    /// Base units per inner pack (7 in 7片×4/盒); none when the pack has no inner division.
    pub inner_pack_size: Option<i32>,
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
    pub insurance_class: InsuranceClass,
    pub special_class: SpecialClass,
    pub antimicrobial_tier: AntimicrobialTier,
    pub storage: Storage,
    pub level_scope: Level,
    pub long_rx_eligible: bool,
    pub extended_rx_eligible: bool,
    pub status: EntryStatus,
    /// Pinyin initials and full pinyin of the Chinese name (every reading), space separated.
    pub pinyin: String,
    /// Pinyin of the name (first readings) then the name: lists are in the order a Chinese
    /// reader expects (拼音排序), not in code-point order.
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
