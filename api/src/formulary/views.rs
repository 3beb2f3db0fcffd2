//! Formulary request/response types and the coded vocabularies of DOMAIN.md §2.1. Each code has
//! a Chinese label; imports accept either, exports write the label.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::kernel::{Money, RuleId};

use entity::institution::Level;

pub use entity::formulary_proposal::{ProposalKind, ProposalStatus};
pub use entity::formulary_version::{
    AntimicrobialTier, EntryStatus, InsuranceClass, Route, SpecialClass, Storage,
};

/// Every field of a formulary product (DOMAIN.md §2.1). Only answered (requests send an
/// `EntryPatch`), so it does not refuse unknown fields: `Entry` flattens it beside its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
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
    /// Base units per inner pack (板, 小盒), e.g. 7 for 7片×4/盒; null when the pack has no
    /// inner division. It divides `pack_size`.
    #[serde(default)]
    pub inner_pack_size: Option<i32>,
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

    /// The pack as a pharmacist writes it: `7片×4/盒` with an inner pack, else `28片/盒`
    /// (`1支` when the base unit is the pack).
    pub fn pack_label(&self) -> String {
        let (base, unit) = (self.base_unit.trim(), self.pack_unit.trim());
        let count = match self.inner_pack_size {
            Some(n) if n > 0 && self.pack_size % n == 0 && n < self.pack_size => {
                format!("{n}{base}×{}", self.pack_size / n)
            }
            _ => format!("{}{base}", self.pack_size),
        };
        if unit.is_empty() || unit == base {
            count
        } else {
            format!("{count}/{unit}")
        }
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
    (@set inner_pack_size $v:ident) => { Some(*$v).filter(|n: &i32| *n != 0) };
    (@set $field:ident $v:ident) => { $v.clone() };
    (@get $f:ident nhsa_code) => { $f.nhsa_code.clone().unwrap_or_default() };
    (@get $f:ident atc_code) => { $f.atc_code.clone().unwrap_or_default() };
    (@get $f:ident inner_pack_size) => { $f.inner_pack_size.unwrap_or(0) };
    (@get $f:ident $field:ident) => { $f.$field.clone() };
    (@optional generic_name_en) => { true };
    (@optional nhsa_code) => { true };
    (@optional atc_code) => { true };
    (@optional inner_pack_size) => { true };
    (@optional $field:ident) => { false };
}

// The field checks of `rules::check_fields`, as the document states them. "Not blank" is a
// character that is not white space (Rust's `char::is_whitespace`, the set written out so every
// regex engine reads it alike); lengths count characters.
entry_patch!(
    /// 通用名: not blank, at most 100 characters.
    #[schema(max_length = 100, pattern = r"^[^\x00]*[^\x00\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$")]
    generic_name_zh: String,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    generic_name_en: String,
    /// 剂型: not blank, at most 40 characters.
    #[schema(max_length = 40, pattern = r"^[^\x00]*[^\x00\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$")]
    dosage_form: String,
    route: Route,
    /// 规格: not blank, at most 100 characters.
    #[schema(max_length = 100, pattern = r"^[^\x00]*[^\x00\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$")]
    strength: String,
    /// 最小单位: not blank, at most 20 characters.
    #[schema(max_length = 20, pattern = r"^[^\x00]*[^\x00\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$")]
    base_unit: String,
    /// Base units per pack, 1–100000.
    #[schema(minimum = 1, maximum = 100000)]
    pack_size: i32,
    /// Base units per inner pack, dividing `pack_size` (7 for 7片×4/盒); 0 clears it.
    #[schema(minimum = 0, maximum = 100000)]
    inner_pack_size: i32,
    /// 包装单位: not blank, at most 20 characters.
    #[schema(max_length = 20, pattern = r"^[^\x00]*[^\x00\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$")]
    pack_unit: String,
    /// 生产企业: not blank, at most 200 characters.
    #[schema(max_length = 200, pattern = r"^[^\x00]*[^\x00\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$")]
    manufacturer: String,
    /// 批准文号: 国药准字 + one letter + 8 digits.
    #[schema(pattern = r"^国药准字[A-Z][0-9]{8}$")]
    approval_number: String,
    /// 医保药品代码: 20 or 23 characters A–Z0–9; a blank string clears the code.
    #[schema(pattern = r"^([\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*|[A-Z0-9]{20}|[A-Z0-9]{23})$")]
    nhsa_code: String,
    /// ATC code (A, A10, A10B, A10BA or A10BA02); a blank string clears the code.
    #[schema(pattern = r"^([\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*|[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?)$")]
    atc_code: String,
    /// Contracted price per pack: 0 to 1000000 yuan, at most 4 decimals.
    #[schema(value_type = Option<String>, pattern = r"^(-?0+(\.0+)?|0*(1000000(\.0+)?|[0-9]{1,6}(\.[0-9]{1,4}0*)?))$")]
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

/// One entry on a day, and what the committee has already approved to change after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDetail {
    #[serde(flatten)]
    pub entry: Entry,
    /// Approved changes that take effect after the day shown, in date order (each against the
    /// state before it). In lists, `valid_to` marks the day the next one begins.
    pub upcoming: Vec<ScheduledChange>,
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
    /// The order (default `name`: by pinyin of the name). A cursor belongs to the order it
    /// was issued in.
    #[param(inline)]
    pub sort: Option<ListSort>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// How a list is ordered; ties go by name (pinyin), then entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListSort {
    /// By pinyin of the name, syllable by syllable.
    #[default]
    Name,
    /// Cheapest first.
    Price,
    /// Dearest first.
    PriceDesc,
    /// By manufacturer (pinyin).
    Manufacturer,
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
    /// At most 100 characters.
    #[param(max_length = 100)]
    pub q: String,
    /// Hits, 1–50 (default 20).
    #[param(minimum = 1, maximum = 50)]
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
    /// Percent, 0–100.
    #[validate(range(min = 0.0, max = 100.0, message = "percent"))]
    #[schema(minimum = 0, maximum = 100)]
    pub primary: f64,
    /// Percent, 0–100.
    #[validate(range(min = 0.0, max = 100.0, message = "percent"))]
    #[schema(minimum = 0, maximum = 100)]
    pub secondary: f64,
    /// Percent, 0–100.
    #[validate(range(min = 0.0, max = 100.0, message = "percent"))]
    #[schema(minimum = 0, maximum = 100)]
    pub tertiary: f64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"essential_targets": {"primary": 90.0, "secondary": 80.0, "tertiary": 60.0}}))]
pub struct FormularySettings {
    #[validate(nested)]
    pub essential_targets: Targets,
}

/// What a proposal made by hand does (a `batch` proposal comes only from an import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalRequestKind {
    Add,
    Amend,
    Suspend,
    Withdraw,
}

impl From<ProposalRequestKind> for ProposalKind {
    fn from(k: ProposalRequestKind) -> Self {
        match k {
            ProposalRequestKind::Add => ProposalKind::Add,
            ProposalRequestKind::Amend => ProposalKind::Amend,
            ProposalRequestKind::Suspend => ProposalKind::Suspend,
            ProposalRequestKind::Withdraw => ProposalKind::Withdraw,
        }
    }
}

/// A proposal, or a draft of one to check: `check_proposal` checks what a half-filled form
/// has; `create_proposal` takes a `NewProposal` (the same fields, complete for its kind).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "suspend", "entry_id": 1, "reason": "供货中断，暂停使用", "effective_date": "{{today+7}}"}))]
pub struct ProposalRequest {
    pub kind: ProposalRequestKind,
    /// The entry to amend, suspend or withdraw.
    pub entry_id: Option<i64>,
    /// Several entries to suspend or withdraw (or amend with the same fields) in one batch
    /// proposal, instead of `entry_id`: 1–500 entries (one named twice is changed once).
    #[schema(min_items = 1, max_items = 500)]
    pub entry_ids: Option<Vec<i64>>,
    /// For add: every field. For amend: the fields to change. A draft's fields are checked
    /// on what they have; a proposal's must pass the field checks (see `NewProposal`).
    #[schema(value_type = Option<EntryDraft>)]
    pub fields: Option<EntryPatch>,
    /// 2–1000 characters.
    #[validate(length(min = 2, max = 1000, message = "reason"))]
    #[schema(min_length = 2, max_length = 1000)]
    pub reason: String,
    /// Today or later (China time, rule F1).
    pub effective_date: NaiveDate,
    /// The committee's justification where rule F5 would refuse; 2–2000 characters.
    #[validate(length(min = 2, max = 2000, message = "len_2_2000"))]
    #[schema(min_length = 2, max_length = 2000)]
    pub justification: Option<String>,
}

/// The body of `create_proposal` (documentation only; it is read as a [`ProposalRequest`]): a
/// `ProposalRequest` complete for its kind — `add` needs every required field of the product
/// in `fields` (rule P5: a special-management or cold-chain product is not long- or
/// extended-prescription eligible), `amend` an `entry_id` and the `fields` to change, `suspend`
/// and `withdraw` an `entry_id`.
pub struct NewProposal;

impl utoipa::PartialSchema for NewProposal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let required: Vec<&str> = EntryPatch::default().missing();
        let not_null: serde_json::Map<String, Value> = required
            .iter()
            .map(|f| (f.to_string(), json!({"not": {"type": "null"}})))
            .collect();
        let p5 = json!({
            "if": {"anyOf": [
                {"required": ["special_class"], "properties": {"special_class": {"not": {"const": "none"}}}},
                {"required": ["storage"], "properties": {"storage": {"const": "cold_chain"}}}
            ]},
            "then": {"properties": {
                "long_rx_eligible": {"const": false},
                "extended_rx_eligible": {"const": false}
            }}
        });
        // utoipa has no `if`/`then`: each condition is a typeless schema carrying them.
        let when = |kind: Value, then: Value| -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
            let mut o = utoipa::openapi::schema::Object::with_type(
                utoipa::openapi::schema::SchemaType::AnyValue,
            );
            o.extensions = Some(utoipa::openapi::extensions::Extensions::from_iter([
                ("if", json!({"required": ["kind"], "properties": {"kind": kind}})),
                ("then", then),
            ]));
            o.into()
        };
        let mut all = utoipa::openapi::schema::AllOf::new();
        // The fields of a proposal pass the field checks (a draft's need not).
        let checked_fields = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .property(
                "fields",
                utoipa::openapi::OneOfBuilder::new()
                    .item(utoipa::openapi::Ref::from_schema_name(EntryPatch::name()))
                    .item(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Null),
                    ),
            );
        let one_entry = json!({"required": ["entry_id"], "properties": {"entry_id": {"type": "integer"}}});
        let several = json!({"required": ["entry_ids"], "properties": {"entry_ids": {"type": "array"}}});
        all.items = vec![
            utoipa::openapi::Ref::from_schema_name(ProposalRequest::name()).into(),
            checked_fields.into(),
            when(
                json!({"const": "add"}),
                json!({
                    "required": ["fields"],
                    "properties": {
                        "fields": {
                            "type": "object",
                            "required": required,
                            "properties": not_null,
                            "allOf": [p5]
                        },
                        // a new product is one item; several come from an import
                        "entry_ids": {"type": "null"}
                    }
                }),
            ),
            when(
                json!({"const": "amend"}),
                json!({
                    "required": ["fields"],
                    "properties": {
                        // at least one field to change (not all absent or null)
                        "fields": {"type": "object", "not": {"additionalProperties": {"type": "null"}}}
                    },
                    "anyOf": [one_entry.clone(), several.clone()]
                }),
            ),
            when(
                json!({"enum": ["suspend", "withdraw"]}),
                json!({"anyOf": [one_entry.clone(), several.clone()]}),
            ),
            // Not an entry and several at once.
            when(
                json!({"type": "string"}),
                json!({"not": {"required": ["entry_id", "entry_ids"], "properties": {
                    "entry_id": {"type": "integer"}, "entry_ids": {"type": "array"}}}}),
            ),
        ];
        all.description = Some(
            "A proposal complete for its kind: `add` needs every required field of the product \
             in `fields` (rule P5: a special-management or cold-chain product is neither long- \
             nor extended-prescription eligible); `amend` an `entry_id` and the `fields` to \
             change; `suspend` and `withdraw` an `entry_id`. Instead of `entry_id`, `entry_ids` \
             (1–500 entries) makes one `batch` proposal with the same change of each."
                .into(),
        );
        all.example = Some(json!({"kind": "suspend", "entry_id": 1, "reason": "供货中断，暂停使用", "effective_date": "{{today+7}}"}));
        utoipa::openapi::schema::Schema::AllOf(all).into()
    }
}

impl ToSchema for NewProposal {
    fn schemas(
        out: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        out.push((
            ProposalRequest::name().into(),
            <ProposalRequest as utoipa::PartialSchema>::schema(),
        ));
        <ProposalRequest as ToSchema>::schemas(out);
        out.push((
            EntryPatch::name().into(),
            <EntryPatch as utoipa::PartialSchema>::schema(),
        ));
        <EntryPatch as ToSchema>::schemas(out);
    }
}

/// The fields of a draft product as a half-filled form has them: [`EntryPatch`]'s fields and
/// types without its value checks (documentation only; `check_proposal` checks a draft on what
/// it has).
pub struct EntryDraft;

impl utoipa::PartialSchema for EntryDraft {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        fn loosen(v: &mut Value) {
            if let Some(o) = v.as_object_mut() {
                for k in [
                    "pattern",
                    "minLength",
                    "maxLength",
                    "minimum",
                    "maximum",
                    "description",
                ] {
                    o.remove(k);
                }
                o.values_mut().for_each(loosen);
            } else if let Some(a) = v.as_array_mut() {
                a.iter_mut().for_each(loosen);
            }
        }
        let mut v = serde_json::to_value(<EntryPatch as utoipa::PartialSchema>::schema())
            .expect("a schema serialises");
        loosen(&mut v);
        // A price is still a decimal string, as `Money` reads it.
        v["properties"]["unit_price"] = json!({
            "oneOf": [<Money as utoipa::PartialSchema>::schema(), {"type": "null"}]
        });
        v["description"] = json!(
            "The fields of a draft product, as a half-filled form has them: those of EntryPatch, \
             without its value checks"
        );
        serde_json::from_value(v).expect("a valid schema")
    }
}

impl ToSchema for EntryDraft {
    fn schemas(
        out: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <EntryPatch as ToSchema>::schemas(out);
    }
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
    /// The product in full: the entry as it stands now (its newest version), or the new product.
    pub product: ProductName,
    /// The changes as proposed (`old`: the value when the proposal was written).
    pub changes: Vec<FieldChange>,
    /// The present value of each field this item changes (the newest version); it differs
    /// from `old` when the entry changed since the proposal was written. Empty for a new product.
    pub now: std::collections::BTreeMap<String, serde_json::Value>,
    /// The price change in percent (one decimal), when the item changes the price of a product
    /// that had one.
    pub price_change_percent: Option<f64>,
    /// The price changes by the flag threshold (20 %) or more: look twice.
    pub price_flagged: bool,
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

/// A page of one proposal's items, in their order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalItemPage {
    pub items: Vec<ProposalItemView>,
    pub next_cursor: Option<String>,
    /// Items in the proposal.
    pub total: i32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
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
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "同意"}))]
pub struct ApproveRequest {
    /// At most 1000 characters.
    #[validate(length(max = 1000, message = "max_1000"))]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "与现有品规重复"}))]
pub struct RejectRequest {
    /// 2–1000 characters.
    #[validate(length(min = 2, max = 1000, message = "reason"))]
    #[schema(min_length = 2, max_length = 1000)]
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

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// UTF-8 with BOM.
    #[default]
    Csv,
    Xlsx,
    /// A FHIR R5 Bundle (JSON).
    Fhir,
}

/// A FHIR R5 Bundle of MedicationKnowledge resources (documentation only).
pub struct FhirBundle;

impl utoipa::PartialSchema for FhirBundle {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Object)
            .description(Some("A FHIR R5 Bundle (resourceType Bundle) of MedicationKnowledge resources"))
            .into()
    }
}

impl ToSchema for FhirBundle {}

/// The file format of the import template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateFormat {
    #[default]
    Csv,
    Xlsx,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Default csv.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// The formulary as it stood on this day (default today).
    pub as_of: Option<NaiveDate>,
    /// The list's filters, so that an export holds what the list shows: search text (name,
    /// pinyin initials, full pinyin, English, codes).
    pub q: Option<String>,
    /// Default: every status but withdrawn (as the list).
    pub status: Option<EntryStatus>,
    /// Only entries usable at this institution level.
    pub level: Option<Level>,
    pub essential: Option<bool>,
    pub special_class: Option<SpecialClass>,
    pub route: Option<Route>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Default csv.
    #[param(inline)]
    pub format: Option<TemplateFormat>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// true (default): only report; false: create one batch proposal. Either way the file is
    /// compared with the formulary as it will stand on the form's `effective_date` (a dry run
    /// without one: today).
    pub dry_run: Option<bool>,
    /// A token of the caller's choosing (8–64 letters, digits or `-`): while the file is
    /// checked, `GET /api/v1/formulary/imports/progress?token=` tells how far it got.
    #[param(min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9-]+$")]
    pub progress: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportProgressQuery {
    /// The token given as `progress` to the import.
    #[param(min_length = 8, max_length = 64, pattern = "^[A-Za-z0-9-]+$")]
    pub token: String,
}

/// Where the server is with an import's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    /// Reading the file's rows.
    Reading,
    /// Reading the formulary as it will stand on the effective date.
    Comparing,
    /// Checking and comparing row by row (`rows_done` of `rows_total`).
    Checking,
    /// Done (the import's answer is on its way).
    Done,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProgress {
    pub stage: ImportStage,
    /// Data rows checked so far.
    pub rows_done: u64,
    /// Data rows in the file (0 until it has been read).
    pub rows_total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// A product named as a pharmacist tells two apart: name, strength, dosage form, manufacturer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductName {
    pub generic_name_zh: String,
    pub strength: String,
    pub dosage_form: String,
    pub manufacturer: String,
}

impl ProductName {
    pub fn of(f: &EntryFields) -> Self {
        Self {
            generic_name_zh: f.generic_name_zh.clone(),
            strength: f.strength.clone(),
            dosage_form: f.dosage_form.clone(),
            manufacturer: f.manufacturer.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddedRow {
    pub row: usize,
    /// The product in full.
    pub product: ProductName,
    pub generic_name_zh: String,
    pub strength: String,
    pub manufacturer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedRow {
    pub row: usize,
    pub entry_id: i64,
    /// The product in full (as the file has it).
    pub product: ProductName,
    pub generic_name_zh: String,
    /// From the formulary on the import's effective date to the file.
    pub changes: Vec<FieldChange>,
}

/// An approved change of an entry that takes effect after the import's effective date.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledChange {
    pub proposal_id: i64,
    pub effective_from: NaiveDate,
    pub changes: Vec<FieldChange>,
}

/// A row that differs from the formulary on the import's effective date while approved changes
/// of the same entry are scheduled after that day: applying it would override them, so an
/// import with such rows is refused (choose a later effective date, or remove the rows).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideRow {
    pub row: usize,
    pub entry_id: i64,
    pub product: ProductName,
    /// What the file would change on the effective date.
    pub changes: Vec<FieldChange>,
    /// The approved changes it would override, in date order.
    pub scheduled: Vec<ScheduledChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// The day the file is compared at: the form's effective date, or today in a dry run
    /// without one.
    pub effective_date: NaiveDate,
    pub rows_total: usize,
    pub rows_valid: usize,
    pub errors: Vec<RowError>,
    pub added: Vec<AddedRow>,
    pub changed: Vec<ChangedRow>,
    pub overrides: Vec<OverrideRow>,
    pub unchanged: usize,
    /// Rows left out of the proposal (applied with `skip_invalid`): those with problems and
    /// those that would override approved changes.
    pub skipped: usize,
    pub proposal_id: Option<i64>,
}

/// The multipart form of an import (documentation of the form parts; any other part is
/// refused). The example is a file of one new product, which a dry run accepts.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": IMPORT_EXAMPLE_CSV, "reason": "年度目录调整", "effective_date": "{{today+7}}", "justification": "儿科专用规格"}))]
pub struct ImportUpload {
    /// The CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX file, with the template's header row.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Why (required when applying, at least 2 characters).
    #[schema(value_type = String, required = false)]
    pub reason: Option<String>,
    /// Today or later, within two years (required when applying, rule F1); in a dry run, the
    /// day to compare at (default today). Empty is the same as absent.
    #[schema(value_type = ImportDate, required = false)]
    pub effective_date: Option<String>,
    /// The committee's justification where F5 would refuse.
    #[schema(value_type = String, required = false)]
    pub justification: Option<String>,
    /// `true`: when applying, leave out the rows with problems (and those that would override
    /// approved changes) and propose the rest; the report still lists what was left out.
    #[schema(value_type = ImportFlag, required = false)]
    pub skip_invalid: Option<String>,
    /// The columns as the user mapped them: a JSON object, file header → field key (`""`
    /// ignores the column), e.g. `{"药品名称": "generic_name_zh", "备注": ""}`. Headers it does
    /// not name are read as the template's. Remembered for the consortium when applied.
    #[schema(value_type = String, required = false)]
    pub mapping: Option<String>,
}

/// How a column's field was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnHow {
    /// The consortium chose it for this header before.
    Remembered,
    /// The template's own header.
    Template,
    /// Suggested from the header's words: confirm it.
    Suggested,
    /// The consortium chose to ignore this header before.
    Ignored,
    /// No field: the column is not read unless the user picks one.
    None,
}

/// One column of the file and the field it will be read as.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnChoice {
    /// 0-based position in the header row.
    pub index: usize,
    pub header: String,
    /// Up to three values from the first rows, to recognise the column by.
    pub samples: Vec<String>,
    /// The field key (see `fields`), or none.
    pub field: Option<String>,
    pub how: ColumnHow,
}

/// A field of the formulary a column can be read as.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportField {
    pub key: String,
    /// The template's header (Chinese).
    pub label: String,
    pub required: bool,
}

/// The file's columns with the fields they will be read as; send the choice back as the form
/// part `mapping` of the check and the import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnPlan {
    pub headers: Vec<ColumnChoice>,
    pub fields: Vec<ImportField>,
    /// Required fields no column is read as yet.
    pub missing: Vec<String>,
}

/// A yes/no part of the import form: `true`, `false`, or empty (documentation only).
pub struct ImportFlag;

impl utoipa::PartialSchema for ImportFlag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        serde_json::from_value(json!({"type": "string", "enum": ["true", "false", ""]}))
            .expect("a valid schema")
    }
}

impl ToSchema for ImportFlag {}

/// A date part of the import form: YYYY-MM-DD, or empty (documentation only).
pub struct ImportDate;

impl utoipa::PartialSchema for ImportDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        serde_json::from_value(json!({
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "maxLength": 0}
            ]
        }))
        .expect("a valid schema")
    }
}

impl ToSchema for ImportDate {}

/// A file of one product no demo formulary has (the template's header row and one row).
pub const IMPORT_EXAMPLE_CSV: &str = "\
条目编号,通用名,英文名,剂型,给药途径,规格,最小单位,包装数量,包装单位,生产企业,批准文号,医保药品代码,ATC编码,单价(元/包装),国家基本药物,省增补,集采中选,医保类别,特殊管理,抗菌药物分级,储存条件,最低使用层级,长处方,延伸处方,状态
,示例颗粒,Example Granules,颗粒剂,口服,5g,袋,12,盒,示例制药有限公司,国药准字Z20990123,,,18.60,否,否,否,乙,无,非抗菌药,常温,乡镇卫生院,是,是,在用
";

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
