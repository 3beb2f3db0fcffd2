//! Formulary request/response types and the coded vocabularies of DOMAIN.md §2.1. Each code has
//! a Chinese label; imports accept either, exports write the label.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::kernel::{Money, RuleId};

use entity::institution::Level;

pub use entity::formulary_proposal::{ProposalKind, ProposalStatus};
pub use entity::formulary_version::{
    AntimicrobialTier, EntryStatus, InsuranceClass, Route, SpecialClass, Storage,
};

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
    pub unit_price: Money,
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

macro_rules! entry_patch {
    ($($(#[$m:meta])* $field:ident: $ty:ty),+ $(,)?) => {
        /// Fields of a product, each optional: the fields to change in an amendment, or every
        /// field of a new product (an empty code clears it).
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct EntryPatch {
            $($(#[$m])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)+
        }

        impl EntryPatch {
            /// The product `base` with this patch applied.
            pub fn apply(&self, base: &EntryFields) -> EntryFields {
                let mut f = base.clone();
                $(if let Some(v) = &self.$field { f.$field = entry_patch!(@set $field v); })+
                f
            }

            /// Every field of a product (a whole product as a patch).
            pub fn whole(f: &EntryFields) -> Self {
                EntryPatch { $($field: Some(entry_patch!(@get f $field)),)+ }
            }

            /// The fields in which `new` differs from `old`.
            pub fn between(old: &EntryFields, new: &EntryFields) -> Self {
                let mut p = EntryPatch::default();
                $(if old.$field != new.$field { p.$field = Some(entry_patch!(@get new $field)); })+
                p
            }

            /// The fields a new product must have but this patch lacks.
            pub fn missing(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if self.$field.is_none() && !entry_patch!(@optional $field) { out.push(stringify!($field)); })+
                out
            }
        }
    };
    (@set nhsa_code $v:ident) => { Some($v.clone()).filter(|s: &String| !s.trim().is_empty()) };
    (@set atc_code $v:ident) => { Some($v.clone()).filter(|s: &String| !s.trim().is_empty()) };
    (@set $field:ident $v:ident) => { $v.clone() };
    (@get $f:ident nhsa_code) => { $f.nhsa_code.clone().unwrap_or_default() };
    (@get $f:ident atc_code) => { $f.atc_code.clone().unwrap_or_default() };
    (@get $f:ident $field:ident) => { $f.$field.clone() };
    (@optional generic_name_en) => { true };
    (@optional nhsa_code) => { true };
    (@optional atc_code) => { true };
    (@optional $field:ident) => { false };
}

entry_patch!(
    generic_name_zh: String,
    generic_name_en: String,
    dosage_form: String,
    route: Route,
    strength: String,
    base_unit: String,
    pack_size: i32,
    pack_unit: String,
    manufacturer: String,
    approval_number: String,
    /// An empty string clears the code.
    nhsa_code: String,
    /// An empty string clears the code.
    atc_code: String,
    unit_price: Money,
    essential_national: bool,
    essential_provincial: bool,
    vbp: bool,
    insurance_class: InsuranceClass,
    special_class: SpecialClass,
    antimicrobial_tier: AntimicrobialTier,
    storage: Storage,
    level_scope: Level,
    long_rx_eligible: bool,
    extended_rx_eligible: bool,
    status: EntryStatus,
);

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
    #[validate(range(min = 0.0, max = 100.0, message = "percent"))]
    pub primary: f64,
    #[validate(range(min = 0.0, max = 100.0, message = "percent"))]
    pub secondary: f64,
    #[validate(range(min = 0.0, max = 100.0, message = "percent"))]
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
    pub fields: Option<EntryPatch>,
    #[validate(length(min = 2, max = 1000, message = "reason"))]
    pub reason: String,
    pub effective_date: NaiveDate,
    #[validate(length(min = 2, max = 2000, message = "len_2_2000"))]
    pub justification: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Warning {
    pub rule: RuleId,
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
    /// Other pending proposals that change the same entry (approving one makes the others
    /// stale: they are refused until proposed again).
    pub other_pending: Vec<i64>,
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
    #[validate(length(max = 1000, message = "max_1000"))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "与现有品规重复"}))]
pub struct RejectRequest {
    #[validate(length(min = 2, max = 1000, message = "reason"))]
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

    #[test]
    fn a_patch_applies_typed_fields_and_names_what_a_new_product_lacks() {
        let p: EntryPatch = serde_json::from_value(serde_json::json!({
            "unit_price": "3.20", "nhsa_code": "", "status": "suspended"
        }))
        .unwrap();
        assert!(p.missing().contains(&"generic_name_zh"));
        assert!(!p.missing().contains(&"nhsa_code"));
        assert!(
            serde_json::from_value::<EntryPatch>(serde_json::json!({"colour": "red"})).is_err(),
            "unknown fields are refused"
        );
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!(back.as_object().unwrap().len(), 3, "only the given fields travel");
    }
}
