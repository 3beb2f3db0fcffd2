//! Lists written by others (a province's list, a supplier's price list) name and order their
//! columns their own way. Each header of such a file gets a field of the formulary: the one the
//! consortium chose for that header before, the template's own, or one suggested from the
//! header's words. The user confirms or changes the choice before the check; the choice is
//! remembered for the consortium when the import is applied.
use std::collections::HashMap;

use super::io::{COLUMNS, REQUIRED};
use super::views::{ColumnChoice, ColumnHow, ColumnPlan, ImportField};

/// Header words that mean a field, in Chinese and in English (lists like the WHO's), compared
/// without spaces and in lower case.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("entry_id", &["条目编号", "条目号", "目录编号"]),
    (
        "generic_name_zh",
        &["通用名", "通用名称", "药品通用名", "药品名称", "药品名", "品名", "中文名", "名称"],
    ),
    ("generic_name_en", &["英文名", "英文名称", "英文通用名", "medicine", "drug", "medicinename", "drugname", "englishname"]),
    ("dosage_form", &["剂型", "药品剂型", "dosageform", "form"]),
    ("route", &["给药途径", "用药途径", "用法", "route"]),
    ("strength", &["规格", "药品规格", "制剂规格", "strength"]),
    ("base_unit", &["最小单位", "最小包装单位", "最小使用单位", "最小计量单位", "制剂单位"]),
    ("inner_pack_size", &["内包装数量", "板装数量", "每板数量"]),
    ("pack_size", &["包装数量", "转换比", "包装系数", "包装规格数量", "每盒数量"]),
    ("pack_unit", &["包装单位", "大包装单位", "销售单位"]),
    ("manufacturer", &["生产企业", "生产厂家", "生产企业名称", "厂家", "厂商", "生产商", "企业名称", "企业", "manufacturer", "maker"]),
    ("approval_number", &["批准文号", "批文号", "批文", "国药准字"]),
    ("nhsa_code", &["医保药品代码", "医保代码", "医保编码", "国家医保代码", "医保药品编码", "药品代码", "药品编码"]),
    ("atc_code", &["atc编码", "atc码", "atc"]),
    ("unit_price", &["单价", "价格", "中标价", "挂网价", "采购价", "结算价", "协议价", "零售价", "price"]),
    ("essential_national", &["国家基本药物", "国家基药", "基本药物", "基药"]),
    ("essential_provincial", &["省增补", "省基药", "增补"]),
    ("vbp", &["集采中选", "集采", "带量采购", "中选"]),
    ("insurance_class", &["医保类别", "医保甲乙类", "甲乙类", "医保分类"]),
    ("special_class", &["特殊管理", "特殊药品", "管制类别"]),
    ("antimicrobial_tier", &["抗菌药物分级", "抗菌药分级", "抗菌药物级别"]),
    ("storage", &["储存条件", "贮藏", "储藏", "存储条件"]),
    ("level_scope", &["最低使用层级", "使用层级", "使用级别"]),
    ("long_rx_eligible", &["长处方"]),
    ("extended_rx_eligible", &["延伸处方"]),
    ("status", &["状态", "目录状态"]),
];

/// A header as compared: no white space or BOM, half-width brackets, lower case.
pub fn normalise(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a header names in the template (its Chinese header or English key).
fn template_field(header: &str) -> Option<&'static str> {
    let h = normalise(header);
    COLUMNS
        .iter()
        .find(|(k, z)| h == normalise(z) || h == *k)
        .map(|(k, _)| *k)
}

/// A field suggested from the header's words: an exact synonym, else the longest synonym the
/// header contains ("药品通用名称（中文）" → 通用名).
fn suggested_field(header: &str) -> Option<&'static str> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    let mut best: Option<(&'static str, usize)> = None;
    for (key, words) in SYNONYMS {
        for w in *words {
            let w = normalise(w);
            if h == w {
                return Some(key);
            }
            if h.contains(&w) && best.is_none_or(|(_, len)| w.len() > len) {
                best = Some((key, w.len()));
            }
        }
    }
    best.map(|(k, _)| k)
}

/// The field of every column of `header`, and how it was chosen; a field is given to one
/// column only (the first that claims it), so the user sees the clash instead of losing data.
pub fn plan(
    header: &[String],
    samples: &[Vec<String>],
    remembered: &HashMap<String, String>,
) -> ColumnPlan {
    let mut taken: Vec<String> = Vec::new();
    let mut headers = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let known = |k: &str| COLUMNS.iter().any(|(c, _)| *c == k);
        let (field, how) = match remembered.get(&normalise(h)) {
            Some(k) if k.is_empty() => (None, ColumnHow::Ignored),
            Some(k) if known(k) => (Some(k.clone()), ColumnHow::Remembered),
            _ => match (template_field(h), suggested_field(h)) {
                (Some(k), _) => (Some(k.to_string()), ColumnHow::Template),
                (None, Some(k)) => (Some(k.to_string()), ColumnHow::Suggested),
                (None, None) => (None, ColumnHow::None),
            },
        };
        let field = field.filter(|k| {
            let free = !taken.contains(k);
            if free {
                taken.push(k.clone());
            }
            free
        });
        let how = if field.is_none() && how != ColumnHow::Ignored {
            ColumnHow::None
        } else {
            how
        };
        headers.push(ColumnChoice {
            index: i,
            header: h.clone(),
            samples: samples
                .iter()
                .filter_map(|r| r.get(i).cloned())
                .filter(|v| !v.trim().is_empty())
                .take(3)
                .collect(),
            field,
            how,
        });
    }
    let chosen: Vec<&str> = headers.iter().filter_map(|c| c.field.as_deref()).collect();
    ColumnPlan {
        missing: REQUIRED
            .iter()
            .filter(|k| !chosen.contains(k))
            .map(|k| k.to_string())
            .collect(),
        headers,
        fields: COLUMNS
            .iter()
            .map(|(k, z)| ImportField {
                key: k.to_string(),
                label: z.to_string(),
                required: REQUIRED.contains(k),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(headers: &[&str], remembered: &[(&str, &str)]) -> Vec<Option<String>> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let r: HashMap<String, String> = remembered
            .iter()
            .map(|(a, b)| (normalise(a), b.to_string()))
            .collect();
        plan(&h, &[], &r).headers.into_iter().map(|c| c.field).collect()
    }

    #[test]
    fn a_province_list_is_mapped_by_its_words() {
        let got = fields(
            &["序号", "药品名称", "剂型", "规格", "转换比", "最小单位", "包装单位", "生产企业", "批准文号", "挂网价（元）", "医保编码"],
            &[],
        );
        let want = [
            None,
            Some("generic_name_zh"),
            Some("dosage_form"),
            Some("strength"),
            Some("pack_size"),
            Some("base_unit"),
            Some("pack_unit"),
            Some("manufacturer"),
            Some("approval_number"),
            Some("unit_price"),
            Some("nhsa_code"),
        ];
        assert_eq!(got, want.map(|w| w.map(str::to_string)).to_vec());
    }

    #[test]
    fn an_english_list_is_mapped_by_its_words_too() {
        let got = fields(&["section", "medicine", "forms_and_strengths", "Manufacturer", "Unit price"], &[]);
        assert_eq!(
            got,
            vec![
                None,
                Some("generic_name_en".into()),
                Some("strength".into()),
                Some("manufacturer".into()),
                Some("unit_price".into())
            ]
        );
    }

    #[test]
    fn the_template_and_remembered_choices_come_first_and_a_field_is_given_once() {
        // The template's own headers, English keys included.
        assert_eq!(fields(&["通用名", "unit_price"], &[]), vec![Some("generic_name_zh".into()), Some("unit_price".into())]);
        // A remembered choice wins over a suggestion; an empty one ignores the column.
        let got = fields(&["名称", "备注", "价格"], &[("名称", "generic_name_en"), ("价格", "")]);
        assert_eq!(got, vec![Some("generic_name_en".into()), None, None]);
        // Two columns claiming one field: the first keeps it.
        assert_eq!(fields(&["药品名称", "通用名称"], &[]), vec![Some("generic_name_zh".into()), None]);
        let p = plan(&["药品名称".into()], &[vec!["阿莫西林".into()]], &HashMap::new());
        assert_eq!(p.headers[0].samples, vec!["阿莫西林"]);
        assert!(p.missing.contains(&"unit_price".to_string()));
        assert!(!p.missing.contains(&"generic_name_zh".to_string()));
    }
}
