//! Pinyin search keys for Chinese drug names (rule F4).
//!
//! Every Chinese HIS lets staff find a drug by the first letters of its
//! pinyin (阿莫西林 → `amxl`) or by the full pinyin (`amoxilin`). Characters
//! with several readings (重 zhong/chong, 参 can/shen/cen, …) must match under
//! each reading, so a name yields a small *set* of keys: one per combination of
//! readings, capped at [`MAX_COMBINATIONS`] so that a pathological name cannot
//! blow up memory.
//!
//! All keys produced here are compared against queries normalised by
//! [`normalize_query`], and the same normalisation is applied to names, so the
//! index and the query always agree on case, width and whitespace.

use pinyin::{Pinyin, ToPinyinMulti};

/// Upper bound on the number of initials keys and, separately, on the number
/// of full-pinyin keys produced for one name.
pub const MAX_COMBINATIONS: usize = 32;

/// Only the first this-many characters of a name contribute to pinyin keys.
/// Real drug names are far shorter; this only bounds pathological input.
pub const MAX_NAME_CHARS: usize = 128;

/// Pinyin keys of one name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameKeys {
    /// First-letter keys, e.g. `["amxl"]`; one per reading combination,
    /// deduplicated, first-reading combination first.
    pub initials: Vec<String>,
    /// Full-pinyin keys, e.g. `["amoxilin"]`, same rules.
    pub full: Vec<String>,
}

/// All plain (toneless) readings of `c`, lowercase ASCII, deduplicated, most
/// common reading first. Empty for characters without a pinyin reading
/// (Latin letters, digits, punctuation, rare characters the table lacks).
///
/// `ü` is spelt both `v` (what every pinyin IME and HIS types) and `u`, so
/// 绿 gives `["lv", "lu"]`; `ê` is spelt `e`.
pub fn readings(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(multi) = c.to_pinyin_multi() else {
        return out;
    };
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    for p in multi {
        let plain = Pinyin::plain(p);
        if plain.contains('ü') {
            push(asciify(plain, 'v'));
            push(asciify(plain, 'u'));
        } else {
            push(asciify(plain, 'v'));
        }
    }
    out
}

/// Lowercase ASCII spelling of a plain reading: `ü` → `u_repl`, `ê` → `e`,
/// anything else outside `a-z` dropped.
fn asciify(plain: &str, u_repl: char) -> String {
    plain
        .chars()
        .filter_map(|ch| match ch {
            'ü' | 'Ü' => Some(u_repl),
            'ê' | 'Ê' => Some('e'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Full-width ASCII (U+FF01..=U+FF5E) → half-width, ideographic space → space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Normalise a query (and, inside the index, every name and code) for
/// matching: full-width ASCII → half-width, lowercase, and *all* whitespace
/// removed (so `a m x l`, ` AMXL ` and `ａｍｘｌ` are all `amxl`, and an English
/// name `Amoxicillin Sodium` becomes `amoxicillinsodium`). Punctuation is kept.
pub fn normalize_query(q: &str) -> String {
    let mut out = Vec::with_capacity(q.len());
    normalize_into(q, &mut out);
    // `normalize_into` only writes whole UTF-8 sequences.
    String::from_utf8(out).unwrap_or_default()
}

/// [`normalize_query`] into a reusable buffer (cleared first); the bytes
/// written are always valid UTF-8.
pub fn normalize_into(q: &str, out: &mut Vec<u8>) {
    out.clear();
    let bytes = q.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            // ASCII: the fast path (codes, pinyin, English names).
            if b != b' ' && !matches!(b, 0x09..=0x0D) {
                out.push(b.to_ascii_lowercase());
            }
            i += 1;
            continue;
        }
        if matches!(b, 0xE4..=0xE9) && i + 2 < bytes.len() {
            // Three-byte sequence starting U+4000..=U+9FFF: a CJK unified
            // ideograph (U+4E00..=U+9FFF) has no case and no width variant.
            let cp = (u32::from(b & 0x0F) << 12)
                | (u32::from(bytes[i + 1] & 0x3F) << 6)
                | u32::from(bytes[i + 2] & 0x3F);
            if matches!(cp, 0x4E00..=0x9FFF) {
                out.extend_from_slice(&bytes[i..i + 3]);
                i += 3;
                continue;
            }
        }
        let Some(c) = q.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let c2 = half_width(c);
        if !c2.is_whitespace() {
            let mut buf = [0u8; 4];
            for lc in c2.to_lowercase() {
                out.extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
            }
        }
        i += c.len_utf8();
    }
}

/// Initials and full-pinyin keys of a (Chinese) name.
///
/// * A Chinese character contributes each of its [`readings`] (full keys) and
///   each distinct first letter of them (initials keys).
/// * Any other letter or digit (Latin, Greek, full-width, …) passes through as
///   itself, lowercased, into both kinds of key: 维生素B12 → `wssb12`,
///   `weishengsub12`.
/// * Punctuation, symbols and whitespace are dropped.
/// * Keys are every combination of the per-character options, built left to
///   right; a character whose options would push the number of combinations
///   past [`MAX_COMBINATIONS`] contributes only its first (most common)
///   option. The all-first-readings key is always first. Initials and full
///   keys are capped independently.
/// * Only the first [`MAX_NAME_CHARS`] characters are used.
pub fn name_keys(name: &str) -> NameKeys {
    let mut initials: Vec<String> = vec![String::new()];
    let mut full: Vec<String> = vec![String::new()];
    for c in name.chars().take(MAX_NAME_CHARS) {
        let c = half_width(c);
        let rs = readings(c);
        if rs.is_empty() {
            for lc in c.to_lowercase() {
                if lc.is_alphanumeric() {
                    for k in initials.iter_mut().chain(full.iter_mut()) {
                        k.push(lc);
                    }
                }
            }
            continue;
        }
        let mut firsts: Vec<String> = Vec::new();
        for r in &rs {
            let f: String = r.chars().take(1).collect();
            if !firsts.contains(&f) {
                firsts.push(f);
            }
        }
        extend_combinations(&mut initials, &firsts);
        extend_combinations(&mut full, &rs);
    }
    NameKeys {
        initials: finish(initials),
        full: finish(full),
    }
}

/// Append one character's options to every combination, multiplying the
/// combinations only while that stays within [`MAX_COMBINATIONS`].
fn extend_combinations(combos: &mut Vec<String>, options: &[String]) {
    let Some(first) = options.first() else {
        return;
    };
    if options.len() == 1 || combos.len().saturating_mul(options.len()) > MAX_COMBINATIONS {
        for k in combos.iter_mut() {
            k.push_str(first);
        }
        return;
    }
    let mut next = Vec::with_capacity(combos.len() * options.len());
    for k in combos.iter() {
        for o in options {
            let mut s = String::with_capacity(k.len() + o.len());
            s.push_str(k);
            s.push_str(o);
            next.push(s);
        }
    }
    *combos = next;
}

/// Drop empty keys and duplicates, keeping first occurrences in order.
fn finish(keys: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(keys.len());
    for k in keys {
        if !k.is_empty() && !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_of_common_and_polyphonic_characters() {
        assert_eq!(readings('林'), vec!["lin"]);
        assert!(readings('重').contains(&"zhong".to_string()));
        assert!(readings('重').contains(&"chong".to_string()));
        let shen = readings('参');
        for r in ["can", "shen", "cen"] {
            assert!(shen.contains(&r.to_string()), "参 lacks {r}: {shen:?}");
        }
        let hang = readings('行');
        assert!(hang.contains(&"xing".to_string()) && hang.contains(&"hang".to_string()));
        // deduplicated: the table lists xing/hang twice
        let mut sorted = hang.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), hang.len());
        assert_eq!(readings('绿'), vec!["lv", "lu"]);
        for c in ['A', '1', '（', '·', ' ', 'é'] {
            assert!(readings(c).is_empty(), "{c:?}");
        }
        for c in ['地', '长', '乐', '还', '给', '藏'] {
            assert!(
                readings(c).len() >= 2,
                "{c} should be polyphonic: {:?}",
                readings(c)
            );
        }
    }

    #[test]
    fn initials_and_full_keys() {
        let k = name_keys("阿莫西林");
        assert!(k.initials.contains(&"amxl".to_string()), "{k:?}");
        assert!(k.full.contains(&"amoxilin".to_string()), "{k:?}");
        assert_eq!(k.initials[0], "amxl");
        assert_eq!(k.full[0], "amoxilin");

        let k = name_keys("地西泮");
        assert!(k.initials.contains(&"dxp".to_string()));
        assert!(k.full.contains(&"dixipan".to_string()));

        let k = name_keys("人参");
        for i in ["rs", "rc"] {
            assert!(k.initials.contains(&i.to_string()), "{k:?}");
        }
        for f in ["renshen", "rencan", "rencen"] {
            assert!(k.full.contains(&f.to_string()), "{k:?}");
        }
    }

    #[test]
    fn non_chinese_characters_pass_through_and_punctuation_is_dropped() {
        let k = name_keys("维生素B12");
        assert!(k.initials.contains(&"wssb12".to_string()), "{k:?}");
        assert!(k.full.contains(&"weishengsub12".to_string()), "{k:?}");
        let k = name_keys("复方α-酮酸片（Ⅱ）· ０.５g");
        assert!(
            k.initials
                .iter()
                .all(|s| !s.contains(['-', '（', '(', '·', ' ', '.']))
        );
        assert!(k.initials[0].starts_with("ffα"), "{k:?}");
        assert!(k.initials[0].ends_with("05g"), "{k:?}");
        assert!(name_keys("").initials.is_empty());
        assert!(name_keys("（）·").full.is_empty());
    }

    #[test]
    fn combinations_are_capped() {
        // 12 polyphonic characters: uncapped this would be thousands of keys.
        let name = "重行地长乐参还给藏重行地";
        let k = name_keys(name);
        assert!(!k.initials.is_empty() && k.initials.len() <= MAX_COMBINATIONS);
        assert!(
            !k.full.is_empty() && k.full.len() <= MAX_COMBINATIONS,
            "{}",
            k.full.len()
        );
        // the all-first-readings key is always present and first
        let first: String = name.chars().map(|c| readings(c)[0].clone()).collect();
        assert_eq!(k.full[0], first);
        // a very long name is bounded too
        let long = "重".repeat(10_000);
        let k = name_keys(&long);
        assert!(k.full.len() <= MAX_COMBINATIONS);
        assert!(k.full.iter().all(|s| s.len() <= MAX_NAME_CHARS * 6));
    }

    #[test]
    fn query_normalisation() {
        assert_eq!(normalize_query("  A m X l \t"), "amxl");
        assert_eq!(normalize_query("ＡＭＸＬ"), "amxl");
        assert_eq!(
            normalize_query("国药准字Ｈ２０００３２６３"),
            "国药准字h20003263"
        );
        assert_eq!(normalize_query("阿莫　西林"), "阿莫西林");
        assert_eq!(normalize_query("   "), "");
        assert_eq!(normalize_query("绿"), "绿");
    }
}

/// The order a Chinese reader expects of names: syllable by syllable by pinyin (first
/// readings), so that 阿卡波糖 (a ka …) comes before 艾司奥美拉唑 (ai si …) — a shorter
/// syllable before a longer one it begins — then by the name itself. Letters and digits in a
/// name (维生素B12) sort as themselves. The key is stored beside each version.
pub fn sort_key(name: &str) -> String {
    let name = name.trim();
    let mut key = String::with_capacity(name.len() * 3);
    let mut in_word = false;
    for c in name.chars().take(MAX_NAME_CHARS) {
        let c = half_width(c);
        match readings(c).into_iter().next() {
            Some(syllable) => {
                if in_word {
                    key.push(' ');
                }
                key.push_str(&syllable);
                key.push(' ');
                in_word = false;
            }
            None => {
                for lc in c.to_lowercase().filter(|x| x.is_alphanumeric()) {
                    key.push(lc);
                    in_word = true;
                }
                if !c.is_alphanumeric() && in_word {
                    key.push(' ');
                    in_word = false;
                }
            }
        }
    }
    key.push('\u{1}');
    key.push_str(name);
    key
}

#[cfg(test)]
mod sort_key_tests {
    use super::sort_key;

    #[test]
    fn names_sort_syllable_by_syllable() {
        // a ka … before ai si …: a syllable before a longer one it begins.
        assert!(sort_key("阿卡波糖") < sort_key("艾司奥美拉唑"));
        assert!(sort_key("艾司奥美拉唑") < sort_key("氨茶碱"));
        assert!(sort_key("阿莫西林") < sort_key("阿莫西林克拉维酸钾"));
        let mut names = vec![
            "头孢呋辛",
            "阿司匹林",
            "艾司唑仑",
            "阿卡波糖",
            "奥美拉唑",
            "二甲双胍",
        ];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            vec![
                "阿卡波糖",
                "阿司匹林",
                "艾司唑仑",
                "奥美拉唑",
                "二甲双胍",
                "头孢呋辛"
            ]
        );
        // Letters and digits sort as themselves, as words.
        assert!(sort_key("维生素B12片").starts_with("wei sheng su b12 pian "));
        // Same pinyin: the name decides, so the order is total.
        assert_ne!(sort_key("阿"), sort_key("啊"));
    }
}
