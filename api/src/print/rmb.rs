//! Amounts in Chinese capital numerals (大写金额), as written on invoices, cheques and purchase
//! orders so that a figure cannot be altered. The rules are those of the People's Bank of China's
//! 《支付结算办法》 (附件 正确填写票据和结算凭证的基本规定):
//!
//! - 零壹贰叁肆伍陆柒捌玖 with 拾佰仟 inside a group of four digits and 万, 亿 between groups;
//!   a ten is written 壹拾, never 拾 alone.
//! - One 零 stands for any run of zeros between two non-zero digits (壹万零伍元, 壹亿零壹万元).
//! - 元 follows the yuan; an amount that stops at 元 ends with 整; after 角 or 分 no 整 is written
//!   (the regulation makes it optional after 角; we leave it out).
//! - When the yuan end in zero and 角 follows, one 零 is written after 元 (壹佰万元零壹角, the
//!   regulation's first form of ￥1,680.32 = 壹仟陆佰捌拾元零叁角贰分); when 角 is zero and 分 is
//!   not, 零 stands for the 角 (壹元零伍分).
//! - Below one yuan only 角 and 分 are written (伍分); nothing at all is 零元整.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
/// Units of the digits of a group of four, from the highest.
const IN_GROUP: [&str; 4] = ["仟", "佰", "拾", ""];
/// Units of the groups of four, from the lowest: 10^0, 10^4, 10^8, 10^12, 10^16 (i64 fen reach
/// 9.2 × 10^16 yuan).
const GROUPS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];

/// The amount of `fen` (hundredths of a yuan) in Chinese capital numerals: 1,000,000.10 yuan
/// (`100_000_010`) is 壹佰万元零壹角, 10,005.00 is 壹万零伍元整, 0.05 is 伍分; a negative
/// amount starts with 负.
pub fn rmb_upper(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let yuan = abs / 100;
    let jiao = (abs / 10 % 10) as usize;
    let fen_digit = (abs % 10) as usize;

    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    if yuan > 0 {
        out.push_str(&integer_upper(yuan));
        out.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
        (j, f) => {
            if yuan > 0 && yuan.is_multiple_of(10) {
                out.push('零');
            }
            out.push(DIGITS[j]);
            out.push('角');
            if f > 0 {
                out.push(DIGITS[f]);
                out.push('分');
            }
        }
    }
    out
}

/// A positive whole number in capital numerals, by groups of four digits.
fn integer_upper(n: u64) -> String {
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push((rest % 10_000) as usize);
        rest /= 10_000;
    }
    let mut out = String::new();
    // A zero owed to the text: set by a whole group of zeros, written before the next non-zero
    // digit (壹亿零壹万: the group of 万 is 0001, its leading zeros and none are said as one 零).
    let mut zero_pending = false;
    for (i, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() && (zero_pending || group < 1000) {
            out.push('零');
        }
        zero_pending = false;
        out.push_str(&group_upper(group));
        out.push_str(GROUPS[i]);
    }
    out
}

/// One group of up to four digits (1..=9999), without its leading zeros.
fn group_upper(group: usize) -> String {
    let digits = [group / 1000, group / 100 % 10, group / 10 % 10, group % 10];
    let mut out = String::new();
    let mut zero = false;
    for (d, unit) in digits.into_iter().zip(IN_GROUP) {
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(unit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rmb_upper;

    #[test]
    fn amounts_are_written_as_on_financial_documents() {
        let cases: &[(i64, &str)] = &[
            (0, "零元整"),
            (5, "伍分"),
            (10, "壹角"),
            (15, "壹角伍分"),
            (100, "壹元整"),
            (105, "壹元零伍分"),
            (1_000, "壹拾元整"),
            (1_050, "壹拾元零伍角"),
            (1_005, "壹拾元零伍分"),
            (1_999, "壹拾玖元玖角玖分"),
            (11_000, "壹佰壹拾元整"),
            (101_000, "壹仟零壹拾元整"),
            (100_100, "壹仟零壹元整"),
            (148_080, "壹仟肆佰捌拾元零捌角"),
            (140_950, "壹仟肆佰零玖元伍角"),
            (168_032, "壹仟陆佰捌拾元零叁角贰分"),
            (1_000_500, "壹万零伍元整"),
            (1_010_000, "壹万零壹佰元整"),
            (10_000_000, "壹拾万元整"),
            (100_000_010, "壹佰万元零壹角"),
            (100_010_000, "壹佰万零壹佰元整"),
            (2_030_000_000, "贰仟零叁拾万元整"),
            (20_300_000_000, "贰亿零叁佰万元整"),
            (10_000_000_000, "壹亿元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (100_000_000_100, "壹拾亿零壹元整"),
            (
                123_456_789_012,
                "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元零壹角贰分",
            ),
            (
                123_456_789_123,
                "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾壹元贰角叁分",
            ),
            (100_000_000_000_000, "壹万亿元整"),
            (-148_080, "负壹仟肆佰捌拾元零捌角"),
            (-5, "负伍分"),
        ];
        for (fen, want) in cases {
            assert_eq!(rmb_upper(*fen), *want, "{fen} fen");
        }
    }

    #[test]
    fn the_extremes_of_i64_are_written() {
        // 92,233,720,368,547,758.07 yuan.
        assert_eq!(
            rmb_upper(i64::MAX),
            "玖亿亿贰仟贰佰叁拾叁万亿柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分"
        );
        assert_eq!(
            rmb_upper(i64::MIN),
            "负玖亿亿贰仟贰佰叁拾叁万亿柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零捌分"
        );
    }

    #[test]
    fn every_digit_and_unit_is_a_capital_numeral() {
        // No small numerals (一二三…, 十百千) ever: they are what a forger could extend.
        for fen in (0..2_000_000).step_by(7_919) {
            let s = rmb_upper(fen);
            assert!(
                s.chars()
                    .all(|c| "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整".contains(c)),
                "{fen}: {s}"
            );
            assert!(!s.contains("零零"), "{fen}: {s}");
            assert!(!s.starts_with('零') || s == "零元整", "{fen}: {s}");
        }
    }
}
