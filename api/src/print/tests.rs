//! Printing needs the fonts of `config/default.toml` (fonts-noto-cjk; `scripts/setup.sh`
//! installs them).
use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::config::Settings;
use crate::i18n::{self, Lang};

const PURCHASE_ORDER: &str = include_str!("../procurement/purchase_order.typ");

fn settings() -> PrintSettings {
    Settings::load_from(Path::new("/none"), "test", Vec::new())
        .unwrap()
        .print
}

/// A purchase order of `n` lines shaped as the procurement capability writes it, with long
/// names (a 20-character drug, a German manufacturer) among the lines.
fn sample_po(n: usize) -> Value {
    const DRUGS: &[(&str, &str, &str, &str, &str)] = &[
        (
            "阿莫西林胶囊",
            "0.25g",
            "胶囊剂",
            "24粒/盒",
            "珠海联邦制药股份有限公司中山分公司",
        ),
        (
            "注射用头孢哌酮钠舒巴坦钠（2:1）",
            "1.5g",
            "注射剂",
            "10瓶/盒",
            "辉瑞制药有限公司",
        ),
        (
            "盐酸二甲双胍缓释片",
            "0.5g",
            "片剂",
            "30片/盒",
            "中美上海施贵宝制药有限公司",
        ),
        (
            "注射用重组人脑利钠肽冻干粉针剂（新活素）",
            "0.5mg",
            "注射剂",
            "1支/盒",
            "成都诺迪康生物制药有限公司",
        ),
        (
            "阿托伐他汀钙片",
            "20mg",
            "片剂",
            "7片×2板/盒",
            "Pfizer Manufacturing Deutschland GmbH Betriebsstätte Freiburg",
        ),
        (
            "小儿氨酚黄那敏颗粒",
            "每袋含对乙酰氨基酚0.125g",
            "颗粒剂",
            "10袋/盒",
            "华润三九医药股份有限公司",
        ),
        (
            "复方α-酮酸片",
            "0.63g",
            "片剂",
            "100片/瓶",
            "费森尤斯卡比华瑞制药有限公司",
        ),
        (
            "0.9%氯化钠注射液（非PVC软袋双管双阀）",
            "250ml:2.25g",
            "注射剂",
            "1袋",
            "四川科伦药业股份有限公司",
        ),
        (
            "硝苯地平控释片",
            "30mg",
            "片剂",
            "7片/盒",
            "拜耳医药保健有限公司",
        ),
        (
            "蒙脱石散",
            "3g",
            "散剂",
            "10袋/盒",
            "博福-益普生（天津）制药有限公司",
        ),
    ];
    let mut total_fen = 0_i64;
    let lines: Vec<Value> = (0..n)
        .map(|i| {
            let (name, strength, form, pack, maker) = DRUGS[i % DRUGS.len()];
            // Prices in ten-thousandths of a yuan, quantities in packs, amounts to the fen.
            let price = 1_234 + (i as i64 * 98_765) % 4_000_000;
            let quantity = 10 + (i as i64 * 37) % 990;
            let amount = (price * quantity + 50) / 100;
            total_fen += amount;
            json!({
                "no": i + 1, "name": name, "strength": strength, "form": form, "pack": pack,
                "manufacturer": maker,
                "contract_no": if i % 5 == 0 { format!("VBP-2026-GD-{:03}", i % 13) }
                               else { format!("HT-2026-{:03}", i % 7 + 1) },
                "quantity": quantity, "unit": if i % 4 == 0 { "瓶" } else { "盒" },
                "price": format!("{}.{:04}", price / 10_000, price % 10_000),
                "amount": format!("{}.{:02}", amount / 100, amount % 100),
            })
        })
        .collect();
    json!({
        "consortium": "示范县医共体",
        "buyer": {"name": "示范县人民医院", "address": "示范县城关镇人民路 88 号",
                  "contact": "李药师", "phone": "0571-8888 6666"},
        "po_no": "PO20261204-001", "date": "2026-12-04", "created_by": "王采购",
        "supplier": {"name": "国药控股示范有限公司", "uscc": "91330000MA27XXXXXX",
                     "contact": "张经理", "phone": "138 0000 1234",
                     "order_email": "po@example.com"},
        "lines": lines, "line_count": n,
        "total": format!("{}.{:02}", total_fen / 100, total_fen % 100),
        "total_upper": rmb_upper(total_fen),
        "note": "请于 2026-12-10 前送达示范县人民医院中心药库；发票随货同行。",
    })
}

fn render_po(data: &Value) -> Rendered {
    let rendered = render(
        &settings(),
        PURCHASE_ORDER,
        serde_json::to_vec(data).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        rendered.warnings.is_empty(),
        "the template warns: {:#?}",
        rendered.warnings
    );
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    rendered
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_purchase_order_of_60_lines_is_a_small_pdf_of_several_pages_with_the_cjk_font() {
    let rendered = render_po(&sample_po(60));
    assert!(rendered.pages > 1, "{} page(s)", rendered.pages);
    // Typst embeds the subset of each font that is used: tens of kilobytes, where the whole
    // font would be 16 MB or more.
    assert!(
        rendered.pdf.len() < 1_500_000,
        "{} bytes",
        rendered.pdf.len()
    );
    assert!(
        contains(&rendered.pdf, b"NotoSansCJK") || contains(&rendered.pdf, b"NotoSerifCJK"),
        "no Noto CJK font embedded"
    );
    let out = std::env::temp_dir().join("tongyao-purchase-order-60.pdf");
    std::fs::write(&out, &rendered.pdf).unwrap();
}

#[test]
fn a_purchase_order_of_one_line_is_one_page() {
    let rendered = render_po(&sample_po(1));
    assert_eq!(rendered.pages, 1);
}

#[test]
fn what_is_not_given_is_left_out_not_printed_as_none() {
    let mut po = sample_po(3);
    po["buyer"] = json!({"name": "示范县人民医院"});
    po["supplier"] = json!({"name": "国药控股示范有限公司", "uscc": "91330000MA27XXXXXX",
                            "contact": null, "phone": null, "order_email": null});
    po["note"] = Value::Null;
    po.as_object_mut().unwrap().remove("created_by");
    for line in po["lines"].as_array_mut().unwrap() {
        line["strength"] = Value::Null;
        line["manufacturer"] = Value::Null;
        line.as_object_mut().unwrap().remove("contract_no");
    }
    let rendered = render_po(&po);
    assert_eq!(rendered.pages, 1);
}

#[test]
fn a_template_error_names_the_message_the_line_and_the_text() {
    const BAD: &str = "#let d = json(bytes(sys.inputs.data))\n= #d.po_no\n#d.lines.first().nope\n";
    let Err(PrintError::Template(message)) = render_pdf(&settings(), BAD, &sample_po(1)) else {
        panic!("a template error")
    };
    assert!(message.contains("nope"), "{message}");
    assert!(message.contains("template.typ:3:"), "{message}");
    assert!(message.contains("d.lines.first().nope"), "{message}");
}

#[test]
fn without_a_cjk_font_printing_is_unavailable_and_says_what_to_install() {
    let none = PrintSettings {
        font_dirs: vec!["/nonexistent/tongyao-fonts".into()],
    };
    let err = render_pdf(&none, PURCHASE_ORDER, &sample_po(1)).unwrap_err();
    assert!(matches!(err, PrintError::NoCjkFont { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("fonts-noto-cjk") && text.contains("print.font_dirs"),
        "{text}"
    );

    let app = AppError::from(err);
    assert_eq!(app.status(), StatusCode::SERVICE_UNAVAILABLE);
    let problem = app.to_problem();
    assert!(
        problem.detail.contains("fonts-noto-cjk"),
        "{}",
        problem.detail
    );

    let zh = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(i18n::scope(Lang::Zh, async {
            AppError::from(PrintError::NoCjkFont { dirs: vec![] })
                .to_problem()
                .detail
        }));
    assert!(
        zh.contains("中文字体") && zh.contains("fonts-noto-cjk"),
        "{zh}"
    );
}

#[test]
fn a_failed_template_is_an_internal_error() {
    let app = AppError::from(PrintError::Template("error: x".into()));
    assert_eq!(app.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn the_async_render_gives_the_same_pdf() {
    let po = sample_po(2);
    let pdf = render_pdf_async(settings(), PURCHASE_ORDER, &po)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pdf, render_pdf(&settings(), PURCHASE_ORDER, &po).unwrap());
}

#[test]
fn fonts_are_read_once_with_every_face_of_a_collection() {
    let first = load_fonts(&settings()).unwrap();
    // NotoSansCJK-Regular.ttc alone holds ten faces.
    assert!(first.faces >= 10 && first.faces > first.files, "{first:?}");
    let again = std::time::Instant::now();
    assert_eq!(load_fonts(&settings()).unwrap(), first);
    assert!(again.elapsed() < std::time::Duration::from_millis(50));
}

/// Figures, not a check (run alone, so the fonts are read in it):
/// `cargo test --release -p tongyao --lib print::tests::timings -- --ignored --nocapture`.
#[test]
#[ignore]
fn timings() {
    use std::time::{Duration, Instant};
    let started = Instant::now();
    let fonts = load_fonts(&settings()).unwrap();
    eprintln!("first font load: {:?} ({fonts:?})", started.elapsed());
    for n in [1, 60] {
        let po = sample_po(n);
        let json = serde_json::to_vec(&po).unwrap();
        let started = Instant::now();
        let first = render(&settings(), PURCHASE_ORDER, json.clone()).unwrap();
        let first_time = started.elapsed();
        let mut times: Vec<Duration> = (0..7)
            .map(|_| {
                let started = Instant::now();
                render(&settings(), PURCHASE_ORDER, json.clone()).unwrap();
                started.elapsed()
            })
            .collect();
        times.sort();
        eprintln!(
            "{n} line(s): {} page(s), {} bytes; first render {first_time:?} (builds the \
             engine), then median {:?}, min {:?}",
            first.pages,
            first.pdf.len(),
            times[times.len() / 2],
            times[0]
        );
    }
}
