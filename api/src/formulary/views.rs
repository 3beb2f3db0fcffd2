//! Formulary request/response types and the coded vocabularies of DOMAIN.md §2.1. Each code has
//! a Chinese label; imports accept either, exports write the label.
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::org::Level;

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $code:literal / $zh:literal $(| $alt:literal)*),+ $(,)? }) => {
        $(#[$m])*
        // Variant names are chosen so that snake_case gives the code (checked by a test), because
        // utoipa does not see per-variant renames made inside a macro.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $($var),+
        }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            pub fn zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            /// Accepts the code or the Chinese label.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($code) || s == $zh $(|| s == $alt)* { return Some($name::$var); })+
                None
            }
            pub fn choices() -> String {
                [$(concat!($zh, "/", $code)),+].join(", ")
            }
        }
    };
}

coded_enum!(
    /// Route of administration.
    Route { Oral = "oral" / "口服", Injection = "injection" / "注射", External = "external" / "外用",
            Inhalation = "inhalation" / "吸入", Other = "other" / "其他" });
coded_enum!(
    /// Medical-insurance class 甲/乙/丙.
    InsuranceClass { A = "a" / "甲" | "甲类", B = "b" / "乙" | "乙类", C = "c" / "丙" | "丙类", None = "none" / "无" });
coded_enum!(
    /// Special-management class.
    SpecialClass { None = "none" / "无", Narcotic = "narcotic" / "麻醉" | "麻醉药品",
                   Psychotropic_1 = "psychotropic_1" / "精一" | "第一类精神药品",
                   Psychotropic_2 = "psychotropic_2" / "精二" | "第二类精神药品",
                   Toxic = "toxic" / "医疗用毒性" | "医疗用毒性药品", Radioactive = "radioactive" / "放射性" | "放射性药品",
                   Precursor = "precursor" / "易制毒" | "药品类易制毒化学品" });
coded_enum!(
    /// Antimicrobial tier.
    AntimicrobialTier { None = "none" / "非抗菌药" | "", Unrestricted = "unrestricted" / "非限制" | "非限制使用级",
                        Restricted = "restricted" / "限制" | "限制使用级", Special = "special" / "特殊使用级" | "特殊使用" });
coded_enum!(
    /// Storage condition.
    Storage { Ordinary = "ordinary" / "常温", Cool = "cool" / "阴凉", ColdChain = "cold_chain" / "冷链" | "冷藏" });
coded_enum!(
    /// Entry status.
    EntryStatus { Active = "active" / "在用", Suspended = "suspended" / "暂停", Withdrawn = "withdrawn" / "停用" });
coded_enum!(
    /// Proposal kind.
    ProposalKind { Add = "add" / "新增", Amend = "amend" / "修改", Suspend = "suspend" / "暂停", Withdraw = "withdraw" / "停用",
                   Batch = "batch" / "批量" });
coded_enum!(
    /// Proposal status.
    ProposalStatus { Pending = "pending" / "待审", Approved = "approved" / "已批准", Rejected = "rejected" / "已驳回",
                     Withdrawn = "withdrawn" / "已撤回" });

/// Every field of a formulary product (DOMAIN.md §2.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryFields {
    /// 通用名
    pub generic_name_zh: String,
    #[serde(default)]
    pub generic_name_en: String,
    /// 剂型, e.g. 片剂
    pub dosage_form: String,
    pub route: Route,
    /// 规格, e.g. 0.25g
    pub strength: String,
    /// 最小单位, e.g. 片
    pub base_unit: String,
    /// Base units per pack, e.g. 28 for 7片×4/盒.
    pub pack_size: i32,
    /// 包装单位, e.g. 盒
    pub pack_unit: String,
    pub manufacturer: String,
    /// 批准文号: 国药准字 + letter + 8 digits.
    pub approval_number: String,
    /// 医保药品代码: 20 or 23 characters A–Z0–9.
    #[serde(default)]
    pub nhsa_code: Option<String>,
    #[serde(default)]
    pub atc_code: Option<String>,
    /// Contracted price per pack, CNY, up to 4 decimals.
    #[schema(value_type = String, example = "12.50")]
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    pub essential_national: bool,
    pub essential_provincial: bool,
    pub vbp: bool,
    pub insurance_class: InsuranceClass,
    pub special_class: SpecialClass,
    pub antimicrobial_tier: AntimicrobialTier,
    pub storage: Storage,
    /// The lowest institution level that may stock and prescribe it.
    pub level_scope: Level,
    pub long_rx_eligible: bool,
    pub extended_rx_eligible: bool,
    pub status: EntryStatus,
}

impl EntryFields {
    pub fn is_essential(&self) -> bool {
        self.essential_national || self.essential_provincial
    }
}

/// A formulary entry as it stands on a date.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Entry {
    pub id: i64,
    #[serde(flatten)]
    pub fields: EntryFields,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    pub items: Vec<Entry>,
    pub next_cursor: Option<String>,
    pub total: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<serde_json::Value>,
    pub new: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The formulary as it stood on this day (default today).
    pub as_of: Option<NaiveDate>,
    /// Search text (name, pinyin initials, full pinyin, English, codes).
    pub q: Option<String>,
    pub status: Option<EntryStatus>,
    /// Only entries usable at this institution level.
    pub level: Option<Level>,
    pub essential: Option<bool>,
    pub special_class: Option<SpecialClass>,
    pub route: Option<Route>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    pub q: String,
    /// 1..50, default 20.
    pub limit: Option<usize>,
    pub as_of: Option<NaiveDate>,
    pub level: Option<Level>,
    pub essential: Option<bool>,
    pub special_class: Option<SpecialClass>,
    pub status: Option<EntryStatus>,
}

/// How a search hit matched, best first.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitMatch {
    CodeExact,
    Prefix,
    Substring,
}

/// Which key of the entry matched.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitField {
    NameZh,
    NameEn,
    Initials,
    Pinyin,
    Code,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub entry: Entry,
    #[serde(rename = "match")]
    pub match_kind: HitMatch,
    pub field: HitField,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedEntry {
    pub entry: Entry,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Diff {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub added: Vec<Entry>,
    pub changed: Vec<ChangedEntry>,
    pub suspended: Vec<Entry>,
    pub withdrawn: Vec<Entry>,
    pub reinstated: Vec<Entry>,
}

/// F3 groups: primary care (township level), secondary, tertiary (lead hospital level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareGroup {
    Primary,
    Secondary,
    Tertiary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareRow {
    pub group: ShareGroup,
    pub varieties: u32,
    pub essential_varieties: u32,
    /// Percent, one decimal.
    pub share: f64,
    pub target: f64,
    pub below_target: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareReport {
    pub as_of: NaiveDate,
    pub items: Vec<ShareRow>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[validate(range(min = 0.0, max = 100.0, message = "a percentage from 0 to 100"))]
    pub primary: f64,
    #[validate(range(min = 0.0, max = 100.0, message = "a percentage from 0 to 100"))]
    pub secondary: f64,
    #[validate(range(min = 0.0, max = 100.0, message = "a percentage from 0 to 100"))]
    pub tertiary: f64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"essential_targets": {"primary": 90.0, "secondary": 80.0, "tertiary": 60.0}}))]
pub struct FormularySettings {
    #[validate(nested)]
    pub essential_targets: Targets,
}

#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "suspend", "entry_id": 1, "reason": "供货中断，暂停使用", "effective_date": "2026-12-01"}))]
pub struct ProposalRequest {
    pub kind: ProposalKind,
    pub entry_id: Option<i64>,
    /// For add: every field. For amend: the fields to change.
    pub fields: Option<serde_json::Value>,
    #[validate(length(min = 2, max = 1000, message = "say why, in 2 to 1000 characters"))]
    pub reason: String,
    pub effective_date: NaiveDate,
    #[validate(length(min = 2, max = 2000, message = "2 to 2000 characters"))]
    pub justification: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Warning {
    pub rule: &'static str,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalItemView {
    pub kind: ProposalKind,
    pub entry_id: Option<i64>,
    pub generic_name_zh: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal {
    pub id: i64,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    pub reason: String,
    pub effective_date: NaiveDate,
    pub justification: Option<String>,
    pub proposer: PersonRef,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_by: Option<PersonRef>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_reason: Option<String>,
    pub item_count: i32,
    pub items: Vec<ProposalItemView>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalPage {
    pub items: Vec<Proposal>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    pub status: Option<ProposalStatus>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "同意"}))]
pub struct ApproveRequest {
    #[validate(length(max = 1000, message = "at most 1000 characters"))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "与现有品规重复"}))]
pub struct RejectRequest {
    #[validate(length(min = 2, max = 1000, message = "say why, in 2 to 1000 characters"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct WithdrawRequest {}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub proposal_id: i64,
    pub kind: ProposalKind,
    pub status: ProposalStatus,
    pub reason: String,
    pub effective_date: NaiveDate,
    pub proposer: PersonRef,
    pub proposed_at: chrono::DateTime<chrono::Utc>,
    pub decided_by: Option<PersonRef>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_reason: Option<String>,
    pub justification: Option<String>,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<TimelineEvent>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// csv | xlsx | fhir
    pub format: Option<String>,
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// true (default): only report; false: create one batch proposal.
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddedRow {
    pub row: usize,
    pub generic_name_zh: String,
    pub strength: String,
    pub manufacturer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedRow {
    pub row: usize,
    pub entry_id: i64,
    pub generic_name_zh: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows_total: usize,
    pub rows_valid: usize,
    pub errors: Vec<RowError>,
    pub added: Vec<AddedRow>,
    pub changed: Vec<ChangedRow>,
    pub unchanged: usize,
    pub proposal_id: Option<i64>,
}

/// The multipart form of an import (documentation of the form parts).
#[derive(Debug, ToSchema)]
#[schema(example = json!({"file": "(the CSV or XLSX file)", "reason": "2027年目录调整", "effective_date": "2027-01-01", "justification": "儿科专用规格"}))]
pub struct ImportUpload {
    /// The CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Why (required when applying).
    pub reason: Option<String>,
    /// YYYY-MM-DD, today or later (required when applying).
    pub effective_date: Option<String>,
    /// The committee's justification where F5 would refuse.
    pub justification: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire<T: Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn wire_form_is_the_code_and_both_labels_parse() {
        macro_rules! check {
            ($t:ty) => {
                for v in <$t>::ALL {
                    assert_eq!(wire(*v), v.code());
                    assert_eq!(<$t>::parse(v.code()), Some(*v));
                    assert_eq!(<$t>::parse(v.zh()), Some(*v));
                }
            };
        }
        check!(Route);
        check!(InsuranceClass);
        check!(SpecialClass);
        check!(AntimicrobialTier);
        check!(Storage);
        check!(EntryStatus);
        check!(ProposalKind);
        check!(ProposalStatus);
    }
}
