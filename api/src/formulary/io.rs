//! Import and export in the formats a county pharmacy lives in: CSV (UTF-8 with or without BOM,
//! and GBK/GB18030 as Excel in China writes it), XLSX, and FHIR R5 JSON for other systems.
use std::borrow::Borrow;
use crate::i18n::tr;
use std::collections::HashMap;

use rust_decimal::Decimal;

use super::views::*;
use crate::kernel::{Coded, Money};
use entity::institution::Level;

/// Template columns: English key and Chinese header, in order.
pub const COLUMNS: [(&str, &str); 26] = [
    ("entry_id", "条目编号"),
    ("generic_name_zh", "通用名"),
    ("generic_name_en", "英文名"),
    ("dosage_form", "剂型"),
    ("route", "给药途径"),
    ("strength", "规格"),
    ("base_unit", "最小单位"),
    ("pack_size", "包装数量"),
    ("inner_pack_size", "内包装数量"),
    ("pack_unit", "包装单位"),
    ("manufacturer", "生产企业"),
    ("approval_number", "批准文号"),
    ("nhsa_code", "医保药品代码"),
    ("atc_code", "ATC编码"),
    ("unit_price", "单价(元/包装)"),
    ("essential_national", "国家基本药物"),
    ("essential_provincial", "省增补"),
    ("vbp", "集采中选"),
    ("insurance_class", "医保类别"),
    ("special_class", "特殊管理"),
    ("antimicrobial_tier", "抗菌药物分级"),
    ("storage", "储存条件"),
    ("level_scope", "最低使用层级"),
    ("long_rx_eligible", "长处方"),
    ("extended_rx_eligible", "延伸处方"),
    ("status", "状态"),
];

/// A field's Chinese name (its template column header).
pub fn zh_of(key: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, z)| *z)
        .unwrap_or("")
}

#[derive(Debug)]
pub struct ParsedRow {
    /// 1-based spreadsheet row number (the header is row 1).
    pub row: usize,
    pub entry_id: Option<i64>,
    pub fields: EntryFields,
}

#[derive(Debug, Default)]
pub struct Parsed {
    /// Whether the file has the 内包装数量 column (files written before it existed do not:
    /// their rows keep an entry's inner pack as it is).
    pub has_inner_pack: bool,
    pub rows_total: usize,
    pub rows: Vec<ParsedRow>,
    pub errors: Vec<RowError>,
}

pub use crate::kernel::table::{FileError, decode_text, read_table};

fn flag(s: &str) -> Option<bool> {
    match s.trim() {
        "是" | "Y" | "y" | "yes" | "true" | "TRUE" | "1" | "√" => Some(true),
        "否" | "N" | "n" | "no" | "false" | "FALSE" | "0" | "" => Some(false),
        _ => None,
    }
}

/// The fields a file must have a column for.
pub const REQUIRED: [&str; 10] = [
    "generic_name_zh",
    "dosage_form",
    "route",
    "strength",
    "base_unit",
    "pack_size",
    "pack_unit",
    "manufacturer",
    "approval_number",
    "unit_price",
];

/// Parse a table against the template. Every problem is reported by row and column. With a
/// `mapping` (normalised header → field key, an empty key ignoring the column) the file's own
/// headers are read as the user mapped them; a header it does not name is read as the
/// template's.
pub fn parse(
    table: Vec<Vec<String>>,
    mapping: Option<&HashMap<String, String>>,
) -> Result<Parsed, FileError> {
    let mut it = table.into_iter();
    let header = it.next().ok_or(FileError::Empty)?;
    let mut col: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let mapped = mapping.and_then(|m| m.get(&super::columns::normalise(h)));
        let key = match mapped {
            Some(k) => COLUMNS.iter().find(|(c, _)| c == k).map(|(c, _)| *c),
            None => {
                let h = h.trim().trim_start_matches('\u{feff}');
                COLUMNS
                    .iter()
                    .find(|(k, z)| h == *z || h.eq_ignore_ascii_case(k))
                    .map(|(k, _)| *k)
            }
        };
        if let Some(k) = key {
            col.entry(k).or_insert(i);
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|k| !col.contains_key(*k))
        .map(|k| zh_of(k))
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing.join(", ")));
    }
    let mut out = Parsed {
        has_inner_pack: col.contains_key("inner_pack_size"),
        ..Parsed::default()
    };
    for (n, cells) in it.enumerate() {
        let row = n + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.rows_total += 1;
        let get = |k: &str| {
            col.get(k)
                .and_then(|i| cells.get(*i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut errs: Vec<RowError> = Vec::new();
        let mut bad = |k: &str, msg: String| {
            errs.push(RowError {
                row,
                column: zh_of(k).to_string(),
                message: msg,
            })
        };
        macro_rules! coded {
            ($k:literal, $t:ty, $default:expr) => {{
                let v = get($k);
                if v.is_empty() {
                    $default
                } else {
                    match <$t>::parse(v) {
                        Some(x) => x,
                        None => {
                            bad(
                                $k,
                                tr(
                                    // Each language lists the values as that reader writes
                                    // them (the file takes either).
                                    format!("{v:?} 不是以下之一：{}", <$t>::ALL.iter().map(|x| x.zh()).collect::<Vec<_>>().join("、")),
                                    format!("{v:?} is not one of {}", <$t>::ALL.iter().map(|x| x.code()).collect::<Vec<_>>().join(", ")),
                                ),
                            );
                            $default
                        }
                    }
                }
            }};
        }
        macro_rules! yes_no {
            ($k:literal) => {{
                let v = get($k);
                match flag(v) {
                    Some(b) => b,
                    None => {
                        bad(
                            $k,
                            tr(
                                format!("{v:?}：请填写 是 或 否"),
                                format!("{v:?}: write 是 or 否"),
                            ),
                        );
                        false
                    }
                }
            }};
        }
        let route = coded!("route", Route, Route::Other);
        let insurance_class = coded!("insurance_class", InsuranceClass, InsuranceClass::None);
        let special_class = coded!("special_class", SpecialClass, SpecialClass::None);
        let antimicrobial_tier = coded!(
            "antimicrobial_tier",
            AntimicrobialTier,
            AntimicrobialTier::None
        );
        let storage = coded!("storage", Storage, Storage::Ordinary);
        let status = coded!("status", EntryStatus, EntryStatus::Active);
        let level_scope = coded!("level_scope", Level, Level::Lead);
        let pack_size = match get("pack_size").parse::<i32>() {
            Ok(p) => p,
            Err(_) => {
                bad(
                    "pack_size",
                    tr(
                        format!("{:?} 不是整数", get("pack_size")),
                        format!("{:?} is not a whole number", get("pack_size")),
                    ),
                );
                1
            }
        };
        let inner_pack_size = match get("inner_pack_size") {
            "" => None,
            v => match v.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    bad(
                        "inner_pack_size",
                        tr(
                            format!("{v:?} 不是整数（没有内包装请留空）"),
                            format!("{v:?} is not a whole number (leave it empty when there is no inner pack)"),
                        ),
                    );
                    None
                }
            },
        };
        let unit_price = match get("unit_price").trim_start_matches('¥').parse::<Decimal>() {
            Ok(p) => Money::new(p),
            Err(_) => {
                bad(
                    "unit_price",
                    tr(
                        format!(
                            "{:?} 不是有效价格（以元为单位，如 12.50）",
                            get("unit_price")
                        ),
                        format!(
                            "{:?} is not a price in yuan such as 12.50",
                            get("unit_price")
                        ),
                    ),
                );
                Money::ZERO
            }
        };
        let entry_id = match get("entry_id") {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(i) if i > 0 => Some(i),
                _ => {
                    bad(
                        "entry_id",
                        tr(
                            format!("{s:?} 不是有效的条目编号"),
                            format!("{s:?} is not an entry number"),
                        ),
                    );
                    None
                }
            },
        };
        let opt = |k: &str| Some(get(k).to_string()).filter(|s| !s.is_empty());
        let fields = EntryFields {
            generic_name_zh: get("generic_name_zh").to_string(),
            generic_name_en: get("generic_name_en").to_string(),
            dosage_form: get("dosage_form").to_string(),
            route,
            strength: get("strength").to_string(),
            base_unit: get("base_unit").to_string(),
            pack_size,
            inner_pack_size,
            pack_unit: get("pack_unit").to_string(),
            manufacturer: get("manufacturer").to_string(),
            approval_number: get("approval_number").to_string(),
            nhsa_code: opt("nhsa_code"),
            atc_code: opt("atc_code"),
            unit_price,
            essential_national: yes_no!("essential_national"),
            essential_provincial: yes_no!("essential_provincial"),
            vbp: yes_no!("vbp"),
            insurance_class,
            special_class,
            antimicrobial_tier,
            storage,
            level_scope,
            long_rx_eligible: yes_no!("long_rx_eligible"),
            extended_rx_eligible: yes_no!("extended_rx_eligible"),
            status,
        };
        for e in super::rules::check_fields(&fields) {
            // Skip checks already reported from the raw cell.
            let z = zh_of(&e.field).to_string();
            if !errs.iter().any(|x| x.column == z) {
                errs.push(RowError {
                    row,
                    column: z,
                    message: e.message,
                });
            }
        }
        if errs.is_empty() {
            out.rows.push(ParsedRow {
                row,
                entry_id,
                fields,
            });
        } else {
            out.errors.extend(errs);
        }
    }
    if out.rows_total == 0 {
        return Err(FileError::Empty);
    }
    Ok(out)
}

fn yn(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// One exported row in template order (Chinese labels).
pub fn row_of(e: &Entry) -> Vec<String> {
    let f = &e.fields;
    vec![
        e.id.to_string(),
        f.generic_name_zh.clone(),
        f.generic_name_en.clone(),
        f.dosage_form.clone(),
        f.route.zh().into(),
        f.strength.clone(),
        f.base_unit.clone(),
        f.pack_size.to_string(),
        f.inner_pack_size.map(|n| n.to_string()).unwrap_or_default(),
        f.pack_unit.clone(),
        f.manufacturer.clone(),
        f.approval_number.clone(),
        f.nhsa_code.clone().unwrap_or_default(),
        f.atc_code.clone().unwrap_or_default(),
        f.unit_price.to_string(),
        yn(f.essential_national).into(),
        yn(f.essential_provincial).into(),
        yn(f.vbp).into(),
        f.insurance_class.zh().into(),
        f.special_class.zh().into(),
        f.antimicrobial_tier.zh().into(),
        f.storage.zh().into(),
        f.level_scope.zh().into(),
        yn(f.long_rx_eligible).into(),
        yn(f.extended_rx_eligible).into(),
        f.status.zh().into(),
    ]
}

/// CSV with a UTF-8 BOM so Excel opens it as UTF-8.
/// Entries as CSV (UTF-8 with BOM). Entries may come one at a time (an export of the whole
/// formulary never holds them all).
pub fn to_csv<E: Borrow<Entry>>(entries: impl IntoIterator<Item = E>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(COLUMNS.iter().map(|(_, z)| *z));
        for e in entries {
            let _ = w.write_record(row_of(e.borrow()));
        }
        let _ = w.flush();
    }
    out
}

pub fn to_xlsx<E: Borrow<Entry>>(
    entries: impl IntoIterator<Item = E>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    // Counts and prices are numbers (Excel sums and sorts them); codes stay text so that Excel
    // does not reformat them. A price keeps its decimals exactly as stored (at most four).
    const NUMBERS: [&str; 4] = ["entry_id", "pack_size", "inner_pack_size", "unit_price"];
    // A column is as wide as its header or its widest cell (CJK characters count double), within
    // bounds, so that names are not cut and nothing needs widening by hand.
    let width = |s: &str| -> usize { s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
    let mut widths: Vec<usize> = COLUMNS.iter().map(|(_, z)| width(z)).collect();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("药品目录")?;
    let bold = Format::new().set_bold();
    let price = Format::new().set_num_format("0.00##");
    for (c, (_, z)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *z, &bold)?;
    }
    for (r, e) in entries.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row_of(e.borrow()).into_iter().enumerate() {
            let key = COLUMNS[c].0;
            widths[c] = widths[c].max(width(&v));
            let n = NUMBERS.contains(&key).then(|| v.parse::<f64>().ok()).flatten();
            match n {
                Some(n) if key == "unit_price" => ws.write_number_with_format(r, c as u16, n, &price)?,
                Some(n) => ws.write_number(r, c as u16, n)?,
                None => ws.write_string(r, c as u16, v)?,
            };
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

/// The rows of a table (1-based spreadsheet row numbers; the header is row 1) that have
/// problems, as they were, with a last column 问题 (the problems, one per line).
pub fn rejected_xlsx(
    table: &[Vec<String>],
    problems: &std::collections::BTreeMap<usize, Vec<String>>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("有问题的行")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let header = table.first().cloned().unwrap_or_default();
    let last = header.len() as u16;
    ws.write_string_with_format(0, 0, "原行号", &bold)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16 + 1, h, &bold)?;
    }
    ws.write_string_with_format(0, last + 1, "问题", &bold)?;
    for (r, (row, msgs)) in problems.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, *row as f64)?;
        if let Some(cells) = table.get(row - 1) {
            for (c, v) in cells.iter().enumerate() {
                // As the user wrote it: text, so that nothing is reformatted.
                ws.write_string(r, c as u16 + 1, v)?;
            }
        }
        ws.write_string_with_format(r, last + 1, msgs.join("\n"), &wrap)?;
    }
    ws.set_column_width(last + 1, 60)?;
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

pub fn template_csv() -> Vec<u8> {
    to_csv(std::iter::empty::<Entry>())
}

// FHIR R5 export.
//
// Code systems with a published URI use it: ATC (WHO), UCUM. Neither NMPA (批准文号) nor NHSA
// (医保药品代码) has published a FHIR URI or OID for its numbers, and FHIR asks not to mint
// URIs in a domain one does not control, so they are named in tongyao's own namespace, as
// `sid/` URIs (HL7's convention for identifier systems, e.g. http://hl7.org/fhir/sid/ndc) that
// say whose number it is. Replace them here if an authority publishes one. tongyao's own
// vocabularies and extensions live in the same namespace (`.example` until the project has a
// domain of its own).
const FHIR_ATC: &str = "http://www.whocc.no/atc";
const FHIR_UCUM: &str = "http://unitsofmeasure.org";
const FHIR_NMPA_APPROVAL: &str = "https://tongyao.example/fhir/sid/nmpa-approval-number";
const FHIR_NHSA_DRUG: &str = "https://tongyao.example/fhir/sid/nhsa-drug-code";
const FHIR_NS: &str = "https://tongyao.example/fhir";

/// An entry's `fullUrl` in the Bundle: a name-based UUID (RFC 9562 version 8, from SHA-256) of
/// the entry id, so an entry keeps its URL from one export to the next.
fn fhir_full_url(id: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("tongyao:formulary:MedicationKnowledge:{id}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!(
        "urn:uuid:{}",
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    )
}

/// A FHIR decimal as a JSON number whose text is the decimal's own, normalised (12.50 → 12.5).
/// Whole amounts go as integers, others through f64: every price the rules allow (0 to
/// 1,000,000 with at most 4 decimals: at most 11 significant digits) is held exactly, and the
/// shortest text that reads back as the same f64 — what serde_json writes — is the decimal's.
fn fhir_decimal(d: Decimal) -> serde_json::Value {
    use rust_decimal::prelude::ToPrimitive;
    let d = d.normalize();
    if d.scale() == 0
        && let Some(i) = d.to_i64()
    {
        return i.into();
    }
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// FHIR JSON has no empty values: drop nulls and blank strings, then the arrays and objects
/// left empty (bottom-up). True when `v` itself is empty.
fn fhir_prune(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => {
            a.retain_mut(|x| !fhir_prune(x));
            a.is_empty()
        }
        Value::Object(o) => {
            o.retain(|_, x| !fhir_prune(x));
            o.is_empty()
        }
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// FHIR R5 Bundle (`collection`) of the formulary on `as_of`, one MedicationKnowledge per entry
/// (`id` the entry id): codes, names, status, dose form and route, classification, the
/// long-prescription limit, and its `packaging`: the contracted price per pack and a reference
/// to the pack, a PackagedProductDefinition contained in it (pack size in base units, pack
/// unit, manufacturer). Contained, as the pack has no identity apart from its entry.
pub fn to_fhir(
    entries: &[Entry],
    as_of: chrono::NaiveDate,
    max_long_days: u32,
) -> serde_json::Value {
    let mut bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": fhir_timestamp(as_of),
        "entry": entries.iter().map(|e| fhir_entry(e, max_long_days)).collect::<Vec<_>>()
    });
    fhir_prune(&mut bundle);
    bundle
}

fn fhir_timestamp(as_of: chrono::NaiveDate) -> String {
    format!("{as_of}T00:00:00+08:00")
}

/// The bundle of [`to_fhir`] as compact JSON, written entry by entry (the same document: a
/// test holds them equal), so that exporting the whole formulary never holds it as a tree.
pub fn write_fhir<E: Borrow<Entry>>(
    entries: impl IntoIterator<Item = E>,
    as_of: chrono::NaiveDate,
    max_long_days: u32,
) -> Vec<u8> {
    let mut out = Vec::new();
    let head = serde_json::json!({"resourceType": "Bundle", "type": "collection", "timestamp": fhir_timestamp(as_of)});
    let head = head.to_string();
    out.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
    let mut first = true;
    for e in entries {
        out.extend_from_slice(if first { b",\"entry\":[" } else { b"," });
        first = false;
        // Writing a Value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &fhir_entry(e.borrow(), max_long_days));
    }
    out.extend_from_slice(if first { b"}" } else { b"]}" });
    out
}

/// One bundle entry (pruned of empty values).
fn fhir_entry(e: &Entry, max_long_days: u32) -> serde_json::Value {
    use serde_json::json;
    let ext = |name: &str, code: &str| {
        json!({"url": format!("{FHIR_NS}/StructureDefinition/{name}"), "valueCode": code})
    };
    let days = json!({"value": max_long_days, "unit": "d", "system": FHIR_UCUM, "code": "d"});
    let f = &e.fields;
    let label = [&f.generic_name_zh, &f.strength, &f.dosage_form]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let pack_label = f.pack_label();

    let mut codings = vec![json!({"system": FHIR_NMPA_APPROVAL, "code": f.approval_number, "display": f.generic_name_zh})];
    if let Some(n) = f.nhsa_code.as_deref().filter(|s| !s.trim().is_empty()) {
        codings.push(json!({"system": FHIR_NHSA_DRUG, "code": n}));
    }
    if let Some(a) = f.atc_code.as_deref().filter(|s| !s.trim().is_empty()) {
        codings.push(json!({"system": FHIR_ATC, "code": a}));
    }
    let essential_cs = format!("{FHIR_NS}/CodeSystem/essential-medicine");
    let mut essential = vec![];
    if f.essential_national {
        essential.push(json!({"coding": [{"system": essential_cs, "code": "national", "display": "国家基本药物"}]}));
    }
    if f.essential_provincial {
        essential.push(json!({"coding": [{"system": essential_cs, "code": "provincial", "display": "省增补"}]}));
    }
    let classification = (!essential.is_empty()).then(|| {
        json!([{"type": {"text": "essential-medicine"}, "classification": essential}])
    });
    // R5 medicationknowledge-status: active | entered-in-error | inactive. The finer
    // status (suspended, withdrawn) travels in the entry-status extension.
    let status = match f.status {
        EntryStatus::Active => "active",
        EntryStatus::Suspended | EntryStatus::Withdrawn => "inactive",
    };
    let regulatory = f.long_rx_eligible.then(|| {
        json!([{"regulatoryAuthority": {"display": "consortium P&T committee"},
                "maxDispense": {"quantity": days, "period": days}}])
    });
    // The pack: `containedItemQuantity` is the pack size in base units (28 片), `packaging`
    // the pack itself (one 盒), holding its inner packs where it has them (4 of 7 片).
    let mut packaging = json!({"type": {"text": f.pack_unit}, "quantity": 1});
    if let Some(n) = f.inner_pack_size.filter(|n| *n > 0 && *n < f.pack_size) {
        packaging["packaging"] = json!([{
            "type": {"text": format!("{n}{}", f.base_unit)},
            "quantity": f.pack_size / n
        }]);
    }
    let pack = json!({
        "resourceType": "PackagedProductDefinition",
        "id": "pack",
        "name": format!("{label} {pack_label}"),
        "containedItemQuantity": [{"value": f.pack_size, "unit": f.base_unit}],
        "manufacturer": [{"display": f.manufacturer}],
        "packaging": packaging
    });
    let medication = json!({
        "resourceType": "MedicationKnowledge",
        "id": e.id.to_string(),
        "contained": [pack],
        "extension": [
            ext("level-scope", f.level_scope.code()),
            ext("special-class", f.special_class.code()),
            ext("entry-status", f.status.code()),
        ],
        "code": {"coding": codings, "text": label},
        "status": status,
        "name": [f.generic_name_zh, f.generic_name_en],
        "medicineClassification": classification,
        "packaging": [{
            "cost": [{"type": {"text": "contracted"},
                      "costMoney": {"value": fhir_decimal(f.unit_price.decimal()), "currency": "CNY"}}],
            "packagedProduct": {"reference": "#pack", "type": "PackagedProductDefinition", "display": pack_label}
        }],
        "definitional": {
            "doseForm": {"text": f.dosage_form},
            "intendedRoute": [{
                "coding": [{"system": format!("{FHIR_NS}/CodeSystem/route"), "code": f.route.code(), "display": f.route.zh()}],
                "text": f.route.zh()
            }]
        },
        "regulatory": regulatory
    });
    let mut entry = json!({"fullUrl": fhir_full_url(e.id), "resource": medication});
    fhir_prune(&mut entry);
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        COLUMNS
            .iter()
            .map(|(_, z)| *z)
            .collect::<Vec<_>>()
            .join(",")
    }

    const ROW: &str = ",阿莫西林,Amoxicillin,胶囊,口服,0.25g,粒,24,,盒,华北制药,国药准字H13023964,XJ01CAA040A001010100000,J01CA04,8.50,是,否,否,甲,无,非限制,常温,村卫生室,否,是,在用";

    #[test]
    fn csv_utf8_bom_and_gbk_read_the_same() {
        let text = format!("{}\n{}\n", header(), ROW);
        let plain = parse(read_table(text.as_bytes()).unwrap(), None).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let with_bom = parse(read_table(&bom).unwrap(), None).unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let from_gbk = parse(read_table(&gbk).unwrap(), None).unwrap();
        assert_eq!(plain.rows.len(), 1);
        assert!(plain.errors.is_empty(), "{:?}", plain.errors);
        assert_eq!(plain.rows[0].fields, with_bom.rows[0].fields);
        assert_eq!(plain.rows[0].fields, from_gbk.rows[0].fields);
        assert_eq!(plain.rows[0].fields.route, Route::Oral);
        assert_eq!(plain.rows[0].fields.level_scope, Level::Village);
    }

    #[test]
    fn bad_rows_are_reported_by_row_and_column() {
        let bad = ROW
            .replace("国药准字H13023964", "国药准字X123")
            .replace(",24,", ",二十,");
        let text = format!("{}\n{}\n{}\n", header(), ROW, bad);
        let p = parse(read_table(text.as_bytes()).unwrap(), None).unwrap();
        assert_eq!(p.rows_total, 2);
        assert_eq!(p.rows.len(), 1);
        let cols: Vec<_> = p
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert!(cols.contains(&(3, "批准文号")), "{cols:?}");
        assert!(cols.contains(&(3, "包装数量")), "{cols:?}");
    }

    #[tokio::test]
    async fn a_chinese_report_has_no_english_and_an_english_one_no_chinese_values() {
        let bad = ROW.replace(",口服,", ",舌下,");
        let text = format!("{}\n{}\n", header(), bad);
        let zh = crate::i18n::scope(crate::i18n::Lang::Zh, async {
            parse(read_table(text.as_bytes()).unwrap(), None).unwrap()
        })
        .await;
        let m = &zh.errors[0].message;
        assert!(m.contains("口服、注射"), "{m}");
        assert!(!m.chars().any(|c| c.is_ascii_alphabetic()), "{m}");
        let en = parse(read_table(text.as_bytes()).unwrap(), None).unwrap();
        assert!(en.errors[0].message.contains("oral, injection"), "{}", en.errors[0].message);
        // An unreadable file says so in the reader's language, not in the library's words.
        let broken = crate::i18n::scope(crate::i18n::Lang::Zh, async {
            read_table(b"PK\x03\x04 not really a workbook").unwrap_err().to_string()
        })
        .await;
        assert!(broken.contains("XLSX"), "{broken}");
    }

    #[test]
    fn refuses_non_spreadsheets_and_missing_columns() {
        assert!(matches!(
            read_table(b"\x00\x01\x02binary"),
            Err(FileError::NotSpreadsheet(_))
        ));
        assert!(matches!(
            parse(read_table("名字,价格\n甲,1\n".as_bytes()).unwrap(), None),
            Err(FileError::MissingColumns(_))
        ));
        assert!(matches!(
            parse(read_table(format!("{}\n", header()).as_bytes()).unwrap(), None),
            Err(FileError::Empty)
        ));
    }

    #[test]
    fn export_then_parse_round_trips_csv_and_xlsx() {
        let text = format!("{}\n{}\n", header(), ROW);
        let p = parse(read_table(text.as_bytes()).unwrap(), None).unwrap();
        let e = Entry {
            id: 7,
            fields: p.rows[0].fields.clone(),
            valid_from: chrono::NaiveDate::MIN,
            valid_to: None,
        };
        let csv = to_csv(std::slice::from_ref(&e));
        let back = parse(read_table(&csv).unwrap(), None).unwrap();
        assert_eq!(back.rows[0].fields, e.fields);
        assert_eq!(back.rows[0].entry_id, Some(7));
        let x = to_xlsx(std::slice::from_ref(&e)).unwrap();
        let back = parse(read_table(&x).unwrap(), None).unwrap();
        assert_eq!(back.rows[0].fields, e.fields);
        let fhir = to_fhir(&[e], chrono::NaiveDate::MIN, 60);
        assert_eq!(
            fhir["entry"][0]["resource"]["resourceType"],
            "MedicationKnowledge"
        );
    }

    fn entry(id: i64, edit: impl FnOnce(&mut EntryFields)) -> Entry {
        let text = format!("{}\n{}\n", header(), ROW);
        let mut fields = parse(read_table(text.as_bytes()).unwrap(), None).unwrap().rows[0]
            .fields
            .clone();
        edit(&mut fields);
        Entry {
            id,
            fields,
            valid_from: chrono::NaiveDate::MIN,
            valid_to: None,
        }
    }

    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    /// Every empty value in `v` by its path: FHIR JSON has no null, blank string, [] or {}.
    fn empties(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
        use serde_json::Value;
        match v {
            Value::Null => out.push(path),
            Value::String(s) if s.trim().is_empty() => out.push(path),
            Value::Array(a) if a.is_empty() => out.push(path),
            Value::Object(o) if o.is_empty() => out.push(path),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    empties(x, format!("{path}[{i}]"), out);
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    empties(x, format!("{path}.{k}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn fhir_bundle_has_no_empty_values() {
        // Everything optional left empty: no English name, no codes, no classification, no
        // long prescription; and one entry with all of them.
        let bare = entry(1, |f| {
            f.generic_name_en = String::new();
            f.nhsa_code = None;
            f.atc_code = Some(String::new());
            f.essential_national = false;
            f.essential_provincial = false;
            f.long_rx_eligible = false;
        });
        let full = entry(2, |f| {
            f.essential_national = true;
            f.long_rx_eligible = true;
        });
        let fhir = to_fhir(&[bare, full], day(), 60);
        let mut found = Vec::new();
        empties(&fhir, "Bundle".into(), &mut found);
        assert!(found.is_empty(), "empty values: {found:?}");
        let bare = &fhir["entry"][0]["resource"];
        assert_eq!(bare["name"], serde_json::json!(["阿莫西林"]));
        assert_eq!(bare["code"]["coding"].as_array().unwrap().len(), 1);
        assert!(bare.get("medicineClassification").is_none());
        assert!(bare.get("regulatory").is_none());
        let full = &fhir["entry"][1]["resource"];
        assert_eq!(full["name"], serde_json::json!(["阿莫西林", "Amoxicillin"]));
        assert!(full.get("medicineClassification").is_some());
        // Bundle.total belongs to searchsets and histories only (bdl-1).
        assert!(fhir.get("total").is_none());
        assert_eq!(fhir["timestamp"], "2026-03-01T00:00:00+08:00");
        assert_eq!(fhir["type"], "collection");
        // An empty formulary: no `entry: []` either.
        assert!(to_fhir(&[], day(), 60).get("entry").is_none());
    }

    /// The price's JSON text, written and read back as a Bundle travels.
    fn price_text(price: &str) -> String {
        let e = entry(1, |f| f.unit_price = Money::new(price.parse().unwrap()));
        let text = serde_json::to_string(&to_fhir(&[e], day(), 60)).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        let value = &back["entry"][0]["resource"]["packaging"][0]["cost"][0]["costMoney"]["value"];
        assert!(value.is_number(), "{price}: {value}");
        let written = value.to_string();
        assert!(text.contains(&format!("\"value\":{written}")), "{price}: {text}");
        written
    }

    #[test]
    fn fhir_prices_are_json_numbers_with_the_decimal_text() {
        for (price, text) in [
            ("0.0001", "0.0001"),
            ("999999.9999", "999999.9999"),
            ("12.50", "12.5"),
            ("8.5000", "8.5"),
            ("1000000.00", "1000000"),
            ("0", "0"),
            ("0.10", "0.1"),
            ("123456.7891", "123456.7891"),
        ] {
            assert_eq!(price_text(price), text, "{price}");
            assert_eq!(
                text.parse::<Decimal>().unwrap(),
                price.parse::<Decimal>().unwrap()
            );
        }
    }

    proptest::proptest! {
        /// Every price the rules allow (0 to 1,000,000, at most 4 decimals) is written exactly.
        #[test]
        fn fhir_decimal_is_exact_for_every_allowed_price(units in 0i64..=10_000_000_000i64) {
            let d = Decimal::new(units, 4);
            let text = serde_json::to_string(&fhir_decimal(d)).unwrap();
            proptest::prop_assert_eq!(&text, &d.normalize().to_string());
            proptest::prop_assert_eq!(text.parse::<Decimal>().unwrap(), d);
        }
    }

    #[test]
    fn fhir_codes_use_published_system_uris() {
        let e = entry(1, |f| f.long_rx_eligible = true);
        let fhir = to_fhir(&[e], day(), 60);
        let m = &fhir["entry"][0]["resource"];
        let coding = m["code"]["coding"].as_array().unwrap();
        let atc = coding
            .iter()
            .find(|c| c["code"] == "J01CA04")
            .expect("the ATC code is exported");
        assert_eq!(atc["system"], "http://www.whocc.no/atc");
        assert!(
            coding
                .iter()
                .any(|c| c["code"] == "国药准字H13023964" && c["system"] == FHIR_NMPA_APPROVAL)
        );
        assert!(
            coding
                .iter()
                .any(|c| c["code"] == "XJ01CAA040A001010100000" && c["system"] == FHIR_NHSA_DRUG)
        );
        let max = &m["regulatory"][0]["maxDispense"];
        for q in [&max["quantity"], &max["period"]] {
            assert_eq!(q["system"], "http://unitsofmeasure.org");
            assert_eq!(q["code"], "d");
            assert_eq!(q["value"], 60);
        }
        assert_eq!(m["status"], "active");
        let withdrawn = entry(2, |f| f.status = EntryStatus::Withdrawn);
        let m = &to_fhir(&[withdrawn], day(), 60)["entry"][0]["resource"];
        assert_eq!(m["status"], "inactive");
    }

    /// The resource `reference` names, looked up as FHIR resolves it inside a Bundle: `#id` among
    /// the referring resource's contained resources, anything else among the entries' fullUrls.
    fn resolve<'a>(
        bundle: &'a serde_json::Value,
        from: &'a serde_json::Value,
        reference: &str,
    ) -> Option<&'a serde_json::Value> {
        match reference.strip_prefix('#') {
            Some(id) => from["contained"].as_array()?.iter().find(|r| r["id"] == id),
            None => bundle["entry"]
                .as_array()?
                .iter()
                .find(|e| e["fullUrl"] == reference)
                .map(|e| &e["resource"]),
        }
    }

    #[test]
    fn fhir_each_medication_references_its_pack_in_the_bundle() {
        let entries = [
            entry(7, |_| {}),
            entry(8, |f| {
                f.pack_size = 28;
                f.base_unit = "片".into();
                f.pack_unit = "盒".into();
                f.unit_price = Money::new("12.50".parse().unwrap());
            }),
        ];
        let fhir = to_fhir(&entries, day(), 60);
        // The export writes the same document entry by entry.
        let written: serde_json::Value =
            serde_json::from_slice(&write_fhir(&entries, day(), 60)).unwrap();
        assert_eq!(written, fhir);
        let empty: serde_json::Value =
            serde_json::from_slice(&write_fhir(&entries[..0], day(), 60)).unwrap();
        assert_eq!(empty, to_fhir(&[], day(), 60));
        let bundle = fhir["entry"].as_array().unwrap();
        assert_eq!(bundle.len(), 2, "one entry per product");
        let urls: std::collections::HashSet<&str> = bundle
            .iter()
            .map(|b| b["fullUrl"].as_str().unwrap())
            .collect();
        assert_eq!(urls.len(), bundle.len(), "fullUrls are unique");
        assert!(urls.iter().all(|u| u.starts_with("urn:uuid:") && u.len() == 45));
        for b in bundle {
            let m = &b["resource"];
            assert_eq!(m["resourceType"], "MedicationKnowledge");
            let packaging = &m["packaging"][0];
            let reference = packaging["packagedProduct"]["reference"].as_str().unwrap();
            let pack = resolve(&fhir, m, reference)
                .unwrap_or_else(|| panic!("{reference} does not resolve in the Bundle"));
            assert_eq!(pack["resourceType"], "PackagedProductDefinition");
            assert_eq!(packaging["packagedProduct"]["type"], "PackagedProductDefinition");
            // Every contained resource is referenced (dom-3).
            assert_eq!(m["contained"].as_array().unwrap().len(), 1);
            if m["id"] == "8" {
                assert_eq!(
                    pack["containedItemQuantity"],
                    serde_json::json!([{"value": 28, "unit": "片"}])
                );
                assert_eq!(pack["packaging"]["type"]["text"], "盒");
                assert_eq!(pack["packaging"]["quantity"], 1);
                assert_eq!(pack["manufacturer"][0]["display"], "华北制药");
                assert_eq!(
                    packaging["cost"][0]["costMoney"],
                    serde_json::json!({"value": 12.5, "currency": "CNY"})
                );
            }
        }
        // The same entry keeps its URL from one export to the next.
        assert_eq!(to_fhir(&entries[1..], day(), 60)["entry"][0], bundle[1]);
    }
}
