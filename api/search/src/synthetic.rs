//! Deterministic synthetic formulary for the scale tests and the benchmark
//! (`benches/index.rs` includes this file with `#[path]`, so it is not part of
//! the library's API). It names [`SearchDoc`] as `crate::SearchDoc`, which the
//! including crate must provide.

use crate::SearchDoc;

/// Deterministic synthetic formulary: ~1,500 generic names × manufacturers,
/// three distinct codes per drug.
pub fn synthetic(n: usize) -> Vec<SearchDoc> {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let pool: Vec<char> = "阿莫西林头孢克洛呋辛曲松唑肟氨苄青霉素红罗奇环丙沙星左氧氟诺甲硝替硫酸庆大链卡那万古利福平异烟肼乙胺丁醇对酰基酚布芬萘普生双氯吲哚美塞来昔帕瑞尼苯地氨托依雷米坦缬厄贝尔比索维拉胺碘酮高呋噻嗪螺内酯二胍格列本脲吡喹波糖胰岛奈汀奥兰泮埃法镁多潘立必利劳艾司仑巴妥马戊钠三嗪加喷舍汀酞文度氮培哌啶人参黄芪当归川芎丹三七甘草重组白介行气活血长春碱乐还原型谷胱甘肽给藏花"
        .chars()
        .collect();
    let forms = [
        "片",
        "胶囊",
        "注射液",
        "颗粒",
        "缓释片",
        "口服液",
        "分散片",
        "肠溶片",
    ];
    let forms_en = [
        "Tablets",
        "Capsules",
        "Injection",
        "Granules",
        "Sustained-release Tablets",
        "Oral Solution",
        "Dispersible Tablets",
        "Enteric-coated Tablets",
    ];
    let syl = [
        "a", "mo", "xi", "cil", "lin", "ce", "fu", "ro", "xime", "tri", "zo", "pra", "nol", "di",
        "pine", "ni", "fe", "met", "for", "min", "ga", "ba", "pen", "tin",
    ];
    let atc_l = b"ABCDGHJLMNPRSV";
    let fixed = [
        ("阿莫西林", "Amoxicillin", "J01CA04"),
        ("硝苯地平", "Nifedipine", "C08CA05"),
        ("地西泮", "Diazepam", "N05BA01"),
        ("人参", "Ginseng", "V99AA01"),
    ];
    let mut generics: Vec<(String, String, String)> = Vec::new();
    for g in 0..1500 {
        let form = rnd(forms.len() as u64) as usize;
        let (zh, en, atc) = if g < fixed.len() {
            (
                fixed[g].0.to_string(),
                fixed[g].1.to_string(),
                fixed[g].2.to_string(),
            )
        } else {
            let len = 2 + rnd(4) as usize;
            let zh: String = (0..len)
                .map(|_| pool[rnd(pool.len() as u64) as usize])
                .collect();
            let mut en: String = (0..2 + rnd(3))
                .map(|_| syl[rnd(syl.len() as u64) as usize])
                .collect();
            en[..1].make_ascii_uppercase();
            let atc = format!(
                "{}{:02}{}{}{:02}",
                atc_l[rnd(atc_l.len() as u64) as usize] as char,
                1 + rnd(20),
                (b'A' + rnd(5) as u8) as char,
                (b'A' + rnd(8) as u8) as char,
                1 + rnd(30)
            );
            (zh, en, atc)
        };
        generics.push((
            format!("{zh}{}", forms[form]),
            format!("{en} {}", forms_en[form]),
            atc,
        ));
    }
    (0..n)
        .map(|i| {
            let g = &generics[(rnd(1500) * rnd(1500) / 1500) as usize];
            let letter = match rnd(20) {
                0..=14 => 'H',
                15..=17 => 'Z',
                18 => 'S',
                _ => 'J',
            };
            let approval = if rnd(2) == 0 {
                format!("国药准字{letter}20{:02}{:04}", rnd(25), rnd(10_000))
            } else {
                format!("国药准字{letter}{:02}{:06}", 10 + rnd(56), rnd(1_000_000))
            };
            let nhsa = format!("X{}A{:03}A{:03}{:09}", &g.2[..5], rnd(1000), rnd(1000), i);
            SearchDoc {
                name_zh: g.0.clone(),
                name_en: g.1.clone(),
                codes: vec![approval, nhsa, g.2.clone()],
                active: rnd(10) != 0,
                essential: rnd(3) == 0,
            }
        })
        .collect()
}
