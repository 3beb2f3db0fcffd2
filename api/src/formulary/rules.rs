//! Formulary rules F1–F5 (DOMAIN.md §2.1) as pure functions over plain values. One function per
//! rule id; refusals say what to change.
use crate::i18n::tr;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::kernel::money::SCALE_PRICE;
use crate::kernel::{Money, Refusal, RuleId};

use super::views::ShareGroup;
use super::views::{
    AntimicrobialTier, EntryFields, EntryStatus, FieldChange, Route, SpecialClass, Storage,
};
use crate::error::FieldError;
use entity::institution::Level;

/// How far ahead a change may be dated: a formulary decision is for the coming two years, and a
/// far date is almost always a typing error (9999-12-31).
pub const F1_MAX_MONTHS_AHEAD: u32 = 24;

/// F1: a change takes effect on its effective date, which is today or later, and within two
/// years.
pub fn f1_effective_date(effective: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if effective < today {
        return Err(Refusal {
            rule: RuleId::F1,
            message: tr(
                format!("生效日期 {effective} 已过，请选择今天（{today}）或以后的日期"),
                format!(
                    "the effective date {effective} is in the past; choose today ({today}) or a later day"
                ),
            ),
        });
    }
    let last = today
        .checked_add_months(chrono::Months::new(F1_MAX_MONTHS_AHEAD))
        .unwrap_or(NaiveDate::MAX);
    if effective > last {
        return Err(Refusal {
            rule: RuleId::F1,
            message: tr(
                format!("生效日期 {effective} 太远：目录变更最晚可定在两年内（{last} 或更早）"),
                format!(
                    "the effective date {effective} is too far ahead: a formulary change takes effect within two years ({last} or earlier)"
                ),
            ),
        });
    }
    Ok(())
}

/// F1: approved by a committee member other than the proposer (four eyes).
pub fn f1_four_eyes(proposer: i64, approver: i64) -> Result<(), Refusal> {
    if proposer == approver {
        return Err(Refusal {
            rule: RuleId::F1,
            message: tr(
                "这是您提出的变更，须由另一位药事委员审批",
                "you proposed this change; another committee member must approve it",
            ),
        });
    }
    Ok(())
}

/// F5 "one generic, two specs": which route class a product counts under.
pub fn f5_class(route: Route) -> Option<&'static str> {
    match route {
        Route::Oral => Some("oral"),
        Route::Injection => Some("injection"),
        _ => None,
    }
}

fn f5_counts<'a>(
    products: impl IntoIterator<Item = (&'a str, Route, EntryStatus)>,
) -> HashMap<(&'a str, &'static str), u32> {
    let mut counts = HashMap::new();
    for (name, route, status) in products {
        if status == EntryStatus::Withdrawn {
            continue;
        }
        if let Some(class) = f5_class(route) {
            *counts.entry((name, class)).or_default() += 1;
        }
    }
    counts
}

/// F5: no generic may have more than two listed (not withdrawn) oral or two injectable
/// products. `before` and `after` are the formulary without and with the proposal; a proposal is
/// refused only where it raises a count above two (so suspending or amending a product of a
/// generic that a justified decision already took past the limit is never blocked).
pub fn f5_one_generic_two_specs<'a>(
    before: impl IntoIterator<Item = (&'a str, Route, EntryStatus)>,
    after: impl IntoIterator<Item = (&'a str, Route, EntryStatus)>,
) -> Vec<Refusal> {
    let was = f5_counts(before);
    let mut out: Vec<Refusal> = f5_counts(after)
        .into_iter()
        .filter(|(k, n)| *n > 2 && *n > was.get(k).copied().unwrap_or(0))
        .map(|((name, class), n)| Refusal {
            rule: RuleId::F5,
            message: tr(
                format!(
                    "F5 一品两规：{name} 将有 {n} 个{}品规，每个通用名最多 2 个。请停用其中一个，或填写药事委员会的特别说明",
                    if class == "oral" { "口服" } else { "注射" }
                ),
                format!(
                    "{name} would have {n} {} products; at most 2 are allowed per generic (一品两规). Withdraw one, or give the committee's justification",
                    if class == "oral" { "oral" } else { "injectable" }
                ),
            ),
        })
        .collect();
    out.sort_by(|a, b| a.message.cmp(&b.message));
    out
}

/// Field checks of a product: codes in their official shapes, sane numbers, and eligibility
/// flags consistent with P5 (no long or extended prescription for special-management or
/// cold-chain products).
pub fn check_fields(f: &EntryFields) -> Vec<FieldError> {
    let mut e = Vec::new();
    let mut need = |field: &str, value: &str, max: usize| {
        let n = value.trim().chars().count();
        if n == 0 {
            e.push(FieldError::new(field, tr("必填", "required")));
        } else if n > max {
            e.push(FieldError::new(
                field,
                tr(
                    format!("最多 {max} 个字符"),
                    format!("at most {max} characters"),
                ),
            ));
        }
    };
    need("generic_name_zh", &f.generic_name_zh, 100);
    need("dosage_form", &f.dosage_form, 40);
    need("strength", &f.strength, 100);
    need("base_unit", &f.base_unit, 20);
    need("pack_unit", &f.pack_unit, 20);
    need("manufacturer", &f.manufacturer, 200);
    if f.generic_name_en.chars().count() > 200 {
        e.push(FieldError::new(
            "generic_name_en",
            tr("最多 200 个字符", "at most 200 characters"),
        ));
    }
    if !valid_approval_number(&f.approval_number) {
        e.push(FieldError::new(
            "approval_number",
            tr(
                format!("{:?} 不是批准文号：应为“国药准字”+ 一个字母（H、Z、S、J 等）+ 8 位数字，如 国药准字H20003263", f.approval_number),
                format!("{:?} is not an approval number: 国药准字 + one letter (H, Z, S, J …) + 8 digits, e.g. 国药准字H20003263", f.approval_number),
            ),
        ));
    }
    if let Some(c) = f.nhsa_code.as_deref().filter(|c| !c.is_empty())
        && !valid_nhsa_code(c) {
            e.push(FieldError::new(
                "nhsa_code",
                tr(
                    "医保药品代码为 20 或 23 位大写字母和数字",
                    "an NHSA drug code has 20 or 23 characters A–Z and 0–9",
                ),
            ));
        }
    if let Some(c) = f.atc_code.as_deref().filter(|c| !c.is_empty())
        && !valid_atc(c) {
            e.push(FieldError::new(
                "atc_code",
                tr(
                    "ATC 编码的格式如 A、A10、A10B、A10BA 或 A10BA02",
                    "an ATC code looks like A, A10, A10B, A10BA or A10BA02",
                ),
            ));
        }
    if !(1..=100_000).contains(&f.pack_size) {
        e.push(FieldError::new(
            "pack_size",
            tr(
                "应为 1 到 100000 之间的整数（最小单位数）",
                "a whole number of base units from 1 to 100000",
            ),
        ));
    }
    if let Some(n) = f.inner_pack_size
        && (n < 1 || n > f.pack_size || f.pack_size % n != 0)
    {
        e.push(FieldError::new(
            "inner_pack_size",
            tr(
                format!(
                    "内包装数量应能整除包装数量 {}（如 7片×4 = 28：内包装 7）；没有内包装请留空",
                    f.pack_size
                ),
                format!(
                    "the inner pack must divide the pack size {} (7 tablets × 4 = 28: inner pack 7); leave it empty when there is none",
                    f.pack_size
                ),
            ),
        ));
    }
    if f.unit_price.decimal() < Decimal::ZERO || f.unit_price.decimal() > Decimal::new(1_000_000, 0) {
        e.push(FieldError::new(
            "unit_price",
            tr(
                "价格应在 0 到 1000000 元之间",
                "a price from 0 to 1000000 yuan",
            ),
        ));
    } else if let Err(m) = f.unit_price.to_minor(SCALE_PRICE) {
        e.push(FieldError::new("unit_price", m.message()));
    }
    let special = f.special_class != SpecialClass::None || f.storage == Storage::ColdChain;
    if special && f.long_rx_eligible {
        e.push(FieldError::new(
            "long_rx_eligible",
            tr("P5：特殊管理药品和冷链药品不能设为可长处方", "P5: special-management and cold-chain products cannot be long-prescription eligible"),
        ));
    }
    if special && f.extended_rx_eligible {
        e.push(FieldError::new("extended_rx_eligible", tr("P5：特殊管理药品和冷链药品不能设为可延伸处方", "P5: special-management and cold-chain products cannot be extended-prescription eligible")));
    }
    e
}

pub fn valid_approval_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("国药准字") else {
        return false;
    };
    let mut chars = rest.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase()) && {
        let digits: Vec<char> = chars.collect();
        digits.len() == 8 && digits.iter().all(|c| c.is_ascii_digit())
    }
}

pub fn valid_nhsa_code(s: &str) -> bool {
    (s.len() == 20 || s.len() == 23)
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

pub fn valid_atc(s: &str) -> bool {
    let b = s.as_bytes();
    let alpha = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_uppercase());
    let digit = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_digit());
    match b.len() {
        1 => alpha(0),
        3 => alpha(0) && digit(1) && digit(2),
        4 => alpha(0) && digit(1) && digit(2) && alpha(3),
        5 => alpha(0) && digit(1) && digit(2) && alpha(3) && alpha(4),
        7 => alpha(0) && digit(1) && digit(2) && alpha(3) && alpha(4) && digit(5) && digit(6),
        _ => false,
    }
}

/// A price change of this many percent or more (up or down) is flagged to the approver.
pub const PRICE_FLAG_PERCENT: u32 = 20;

/// The change from one price to another in percent, one decimal; none when the old price is
/// zero or either is not a price.
pub fn price_change_percent(old: &serde_json::Value, new: &serde_json::Value) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    let (old, new) = (old.as_str()?.parse::<Decimal>().ok()?, new.as_str()?.parse::<Decimal>().ok()?);
    if old.is_zero() {
        return None;
    }
    ((new - old) * Decimal::from(100) / old).round_dp(1).to_f64()
}

/// Field-by-field differences between two versions of a product.
pub fn field_changes(old: &EntryFields, new: &EntryFields) -> Vec<FieldChange> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec![];
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| FieldChange {
            field: k.clone(),
            old: a.get(k).cloned(),
            new: Some(v.clone()),
        })
        .collect()
}

/// Every field of a new product, as changes from nothing.
pub fn all_fields(new: &EntryFields) -> Vec<FieldChange> {
    match serde_json::to_value(new) {
        Ok(serde_json::Value::Object(b)) => b
            .into_iter()
            .map(|(k, v)| FieldChange {
                field: k,
                old: None,
                new: Some(v),
            })
            .collect(),
        _ => vec![],
    }
}

/// The three F3 groups and the institution level whose usable range defines each.
pub const SHARE_GROUPS: [(ShareGroup, Level); 3] = [
    (ShareGroup::Primary, Level::Township),
    (ShareGroup::Secondary, Level::Secondary),
    (ShareGroup::Tertiary, Level::Lead),
];

/// F3: per group, among the varieties (distinct generic names) of active products the group's
/// level may use, how many are essential medicines (national or provincial supplement).
/// Returns (group, varieties, essential varieties).
pub fn f3_essential_share<'a>(
    products: impl IntoIterator<Item = (&'a str, Level, bool)> + Clone,
) -> Vec<(ShareGroup, u32, u32)> {
    SHARE_GROUPS
        .iter()
        .map(|(group, level)| {
            let mut varieties: HashMap<&str, bool> = HashMap::new();
            for (name, scope, essential) in products.clone() {
                if level.may_use(scope) {
                    let v = varieties.entry(name).or_default();
                    *v = *v || essential;
                }
            }
            let total = varieties.len() as u32;
            let ess = varieties.values().filter(|e| **e).count() as u32;
            (*group, total, ess)
        })
        .collect()
}

/// Share in percent with one decimal; 100 when the group has no variety at all (nothing below
/// target).
pub fn share_percent(varieties: u32, essential: u32) -> f64 {
    if varieties == 0 {
        return 100.0;
    }
    (f64::from(essential) * 1000.0 / f64::from(varieties)).round() / 10.0
}

/// A product of which only the generic name and route are known yet (a half-filled form):
/// enough to count it under F5.
pub fn draft_product(name: &str, route: Route) -> EntryFields {
    EntryFields {
        generic_name_zh: name.to_string(),
        generic_name_en: String::new(),
        dosage_form: String::new(),
        route,
        strength: String::new(),
        base_unit: String::new(),
        pack_size: 1,
        inner_pack_size: None,
        pack_unit: String::new(),
        manufacturer: String::new(),
        approval_number: String::new(),
        nhsa_code: None,
        atc_code: None,
        unit_price: Money::ZERO,
        essential_national: false,
        essential_provincial: false,
        vbp: false,
        insurance_class: super::views::InsuranceClass::None,
        special_class: SpecialClass::None,
        antimicrobial_tier: AntimicrobialTier::None,
        storage: Storage::Ordinary,
        level_scope: Level::Lead,
        long_rx_eligible: false,
        extended_rx_eligible: false,
        status: EntryStatus::Active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formulary::views::InsuranceClass;

    pub fn sample() -> EntryFields {
        EntryFields {
            generic_name_zh: "阿莫西林".into(),
            generic_name_en: "Amoxicillin".into(),
            dosage_form: "胶囊".into(),
            route: Route::Oral,
            strength: "0.25g".into(),
            base_unit: "粒".into(),
            pack_size: 24,
            inner_pack_size: None,
            pack_unit: "盒".into(),
            manufacturer: "华北制药".into(),
            approval_number: "国药准字H13023964".into(),
            nhsa_code: Some("XJ01CAA040A001010100000".into()),
            atc_code: Some("J01CA04".into()),
            unit_price: Money::new(Decimal::new(850, 2)),
            essential_national: true,
            essential_provincial: false,
            vbp: false,
            insurance_class: InsuranceClass::A,
            special_class: SpecialClass::None,
            antimicrobial_tier: AntimicrobialTier::Unrestricted,
            storage: Storage::Ordinary,
            level_scope: Level::Village,
            long_rx_eligible: false,
            extended_rx_eligible: true,
            status: EntryStatus::Active,
        }
    }

    #[test]
    fn price_changes_in_percent() {
        let v = |s: &str| serde_json::json!(s);
        assert_eq!(price_change_percent(&v("2.95"), &v("3.20")), Some(8.5));
        assert_eq!(price_change_percent(&v("10.00"), &v("7.50")), Some(-25.0));
        assert_eq!(price_change_percent(&v("0"), &v("7.50")), None);
        assert_eq!(price_change_percent(&v("x"), &v("7.50")), None);
    }

    #[test]
    fn inner_pack_divides_the_pack() {
        let mut f = sample();
        f.pack_size = 28;
        assert_eq!(f.pack_label(), "28粒/盒");
        f.inner_pack_size = Some(7);
        assert!(check_fields(&f).is_empty());
        assert_eq!(f.pack_label(), "7粒×4/盒");
        for bad in [0, -7, 5, 56] {
            f.inner_pack_size = Some(bad);
            let errs = check_fields(&f);
            assert_eq!(errs.len(), 1, "{bad}");
            assert_eq!(errs[0].field, "inner_pack_size");
        }
        f.inner_pack_size = None;
        f.pack_unit = "粒".into();
        f.pack_size = 1;
        assert_eq!(f.pack_label(), "1粒");
    }

    #[test]
    fn f1_dates_and_four_eyes() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(f1_effective_date(d("2026-11-22"), d("2026-11-22")).is_ok());
        assert!(f1_effective_date(d("2027-01-01"), d("2026-11-22")).is_ok());
        let r = f1_effective_date(d("2026-11-21"), d("2026-11-22")).unwrap_err();
        assert_eq!(r.rule, RuleId::F1);
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(f1_effective_date(NaiveDate::from_ymd_opt(2028, 12, 2).unwrap(), today).is_ok());
        let far = f1_effective_date(NaiveDate::from_ymd_opt(2028, 12, 3).unwrap(), today);
        assert!(far.unwrap_err().message.contains("2028-12-02"));
        assert!(f1_effective_date(NaiveDate::MAX, today).is_err());
        assert!(r.message.contains("past"));
        assert_eq!(f1_four_eyes(3, 3).unwrap_err().rule, RuleId::F1);
        assert!(f1_four_eyes(3, 4).is_ok());
    }

    #[test]
    fn f5_counts_oral_and_injection_separately_and_ignores_withdrawn() {
        let a = "阿莫西林";
        let ok = vec![
            (a, Route::Oral, EntryStatus::Active),
            (a, Route::Oral, EntryStatus::Suspended),
            (a, Route::Injection, EntryStatus::Active),
            (a, Route::External, EntryStatus::Active),
        ];
        assert!(f5_one_generic_two_specs(vec![], ok.clone()).is_empty());
        let mut three = ok.clone();
        three.push((a, Route::Oral, EntryStatus::Active));
        let r = f5_one_generic_two_specs(ok.clone(), three.clone());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].rule, RuleId::F5);
        assert!(r[0].message.contains("3 oral"));
        // a generic already past the limit (by a justified decision) may still be suspended
        let mut suspended = three.clone();
        suspended[0].2 = EntryStatus::Suspended;
        assert!(f5_one_generic_two_specs(three.clone(), suspended).is_empty());
        // but not grow further
        let mut four = three.clone();
        four.push((a, Route::Oral, EntryStatus::Active));
        assert_eq!(f5_one_generic_two_specs(three, four).len(), 1);
        let mut withdrawn = ok.clone();
        withdrawn.push((a, Route::Oral, EntryStatus::Withdrawn));
        assert!(f5_one_generic_two_specs(ok, withdrawn).is_empty());
    }

    #[test]
    fn codes() {
        assert!(valid_approval_number("国药准字H20003263"));
        assert!(valid_approval_number("国药准字Z11020001"));
        assert!(!valid_approval_number("国药准字h20003263"));
        assert!(!valid_approval_number("国药准字H2000326"));
        assert!(!valid_approval_number("国药准字X123"));
        assert!(!valid_approval_number("H20003263"));
        assert!(valid_nhsa_code("XJ01CAA040A001010100000"));
        assert!(valid_nhsa_code("ZA04BAA0001010100000"));
        assert!(!valid_nhsa_code("XJ01CAA040A00101010000"));
        assert!(!valid_nhsa_code("xj01caa040a001010100000"));
        for ok in ["J", "J01", "J01C", "J01CA", "J01CA04"] {
            assert!(valid_atc(ok), "{ok}");
        }
        for bad in ["J0", "J01CA4", "101CA04", "J01ca04", "J01CA045"] {
            assert!(!valid_atc(bad), "{bad}");
        }
    }

    #[test]
    fn field_checks_name_the_field() {
        assert!(check_fields(&sample()).is_empty());
        let mut f = sample();
        f.approval_number = "国药准字X123".into();
        f.pack_size = 0;
        f.unit_price = Money::new(Decimal::new(-1, 0));
        let e = check_fields(&f);
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["approval_number", "pack_size", "unit_price"]);
        let mut g = sample();
        g.special_class = SpecialClass::Narcotic;
        g.long_rx_eligible = true;
        assert!(
            check_fields(&g)
                .iter()
                .any(|e| e.field == "long_rx_eligible" && e.message.starts_with("P5"))
        );
        let mut h = sample();
        h.unit_price = Money::new(Decimal::new(123456, 5));
        assert!(check_fields(&h).iter().any(|e| e.field == "unit_price"));
    }

    #[test]
    fn changes_between_versions() {
        let a = sample();
        let mut b = sample();
        b.unit_price = Money::new(Decimal::new(799, 2));
        b.status = EntryStatus::Suspended;
        let c = field_changes(&a, &b);
        let names: Vec<_> = c.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, vec!["status", "unit_price"]);
        assert_eq!(c[1].old, Some(serde_json::json!("8.50")));
        assert_eq!(all_fields(&a).len(), 25);
    }

    #[test]
    fn f3_share_by_variety_and_level() {
        let products = [("阿莫西林", Level::Village, true),
            ("阿莫西林", Level::Village, false),
            ("达格列净", Level::Township, false),
            ("美罗培南", Level::Lead, false),
            ("替格瑞洛", Level::Secondary, false)];
        let s = f3_essential_share(products.iter().copied());
        assert_eq!(s[0], (ShareGroup::Primary, 2, 1));
        assert_eq!(s[1], (ShareGroup::Secondary, 3, 1));
        assert_eq!(s[2], (ShareGroup::Tertiary, 4, 1));
        assert_eq!(share_percent(3, 1), 33.3);
        assert_eq!(share_percent(0, 0), 100.0);
    }
}
