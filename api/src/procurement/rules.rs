//! The rules of one purchase (DOMAIN.md §2.2), one pure function each, named by rule id where
//! DOMAIN.md gives one. Handlers and services call them; they read nothing but their arguments.
use chrono::NaiveDate;
use entity::institution::Level;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::i18n::tr;
use crate::kernel::Coded;
use crate::kernel::rules::{Refusal, RuleId};

/// The 31 characters of a unified social credit code (GB 32100-2015): digits and capital
/// letters without I, O, Z, S and V.
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 characters (3^(i) mod 31).
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character of a unified social credit code's first 17 characters (none when one of
/// them is not of the code's alphabet).
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (ch, w) in first17.chars().zip(USCC_WEIGHTS) {
        sum += u32::try_from(USCC_CHARS.find(ch)?).ok()? * w;
    }
    USCC_CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// A supplier's 统一社会信用代码 (GB 32100-2015): 18 characters from the code's alphabet, the
/// administrative division (characters 3–8) in digits, and the last the check character of the
/// first 17. Lower case and surrounding spaces are forgiven; the code comes back normalised.
pub fn uscc(code: &str) -> Result<String, String> {
    let code = code.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(tr(
            format!("统一社会信用代码应为 18 位，这里是 {n} 位"),
            format!("a unified social credit code has 18 characters, this one {n}"),
        ));
    }
    for (i, ch) in code.chars().enumerate() {
        if !USCC_CHARS.contains(ch) {
            return Err(tr(
                format!("第 {} 位“{ch}”不是统一社会信用代码的字符（数字和除 I、O、Z、S、V 以外的大写字母）", i + 1),
                format!("character {} '{ch}' is not allowed (digits and capital letters other than I, O, Z, S, V)", i + 1),
            ));
        }
        if (2..8).contains(&i) && !ch.is_ascii_digit() {
            return Err(tr(
                format!("第 3–8 位是行政区划码，应为数字；第 {} 位是“{ch}”", i + 1),
                format!("characters 3–8 are the administrative division code, digits; character {} is '{ch}'", i + 1),
            ));
        }
    }
    let expected = uscc_check_char(&code[..17]).unwrap_or('0');
    if code.chars().nth(17) != Some(expected) {
        return Err(tr(
            format!("校验位不符：按前 17 位应为“{expected}”，请核对代码是否抄错"),
            format!("the check character does not match: the first 17 characters give '{expected}'; check the code for a typing error"),
        ));
    }
    Ok(code)
}

fn refuse(rule: RuleId, zh: String, en: String) -> Refusal {
    Refusal::new(rule, tr(zh, en))
}

/// O1: orders are placed within an open procurement cycle; outside one only an urgent order,
/// which says why.
pub fn o1_order_window(cycle_open: bool, urgent: bool, reason: Option<&str>) -> Result<(), Refusal> {
    if urgent {
        if reason.map(str::trim).unwrap_or("").chars().count() < 2 {
            return Err(refuse(
                RuleId::O1,
                "紧急订单须说明理由".into(),
                "an urgent order says why it is urgent".into(),
            ));
        }
        return Ok(());
    }
    if !cycle_open {
        return Err(refuse(
            RuleId::O1,
            "当前没有进行中的采购周期：请等待牵头医院开启周期，或以紧急订单提交并说明理由".into(),
            "no procurement cycle is open: wait for the lead hospital to open one, or submit an urgent order with a reason".into(),
        ));
    }
    Ok(())
}

/// O5: a volume-based contract line carries its agreed annual volume in packs, split per member
/// so that the members' shares add up to it; an ordinary contract line carries neither.
pub fn o5_volume_split(vbp: bool, annual: Option<i64>, shares: &[i64], product: &str) -> Result<(), Refusal> {
    if !vbp {
        if annual.is_some() || !shares.is_empty() {
            return Err(refuse(
                RuleId::O5,
                format!("{product}：普通合同没有约定采购量；带量采购合同才有"),
                format!("{product}: an ordinary contract has no agreed volume; only a volume-based one does"),
            ));
        }
        return Ok(());
    }
    let Some(annual) = annual else {
        return Err(refuse(
            RuleId::O5,
            format!("{product}：带量采购合同须填写约定年采购量（包装数）"),
            format!("{product}: a volume-based contract gives the agreed annual volume in packs"),
        ));
    };
    if annual <= 0 {
        return Err(refuse(
            RuleId::O5,
            format!("{product}：约定年采购量须大于 0"),
            format!("{product}: the agreed annual volume is more than 0 packs"),
        ));
    }
    if shares.iter().any(|s| *s < 0) {
        return Err(refuse(
            RuleId::O5,
            format!("{product}：成员单位的约定量不能为负数"),
            format!("{product}: a member's share cannot be negative"),
        ));
    }
    let sum: i64 = shares.iter().sum();
    if sum != annual {
        return Err(refuse(
            RuleId::O5,
            format!("{product}：各成员单位约定量合计 {sum} 包装，与约定年采购量 {annual} 包装不符（相差 {}）", annual - sum),
            format!("{product}: the members' shares add up to {sum} packs, not the agreed {annual} (a difference of {})", annual - sum),
        ));
    }
    Ok(())
}

/// O5: the pro-rata point of a contract (序时进度) on a day, as (days elapsed, days in the
/// contract period): 0 before it starts, all of it after it ends.
pub fn o5_pro_rata(valid_from: NaiveDate, valid_to: NaiveDate, today: NaiveDate) -> (i64, i64) {
    let total = (valid_to - valid_from).num_days() + 1;
    let elapsed = ((today - valid_from).num_days() + 1).clamp(0, total);
    (elapsed, total)
}

/// A contract's period: the first day on or before the last.
pub fn contract_period(valid_from: NaiveDate, valid_to: NaiveDate) -> Result<(), String> {
    if valid_from > valid_to {
        return Err(tr(
            format!("合同起始日 {valid_from} 晚于截止日 {valid_to}"),
            format!("the contract starts on {valid_from}, after it ends on {valid_to}"),
        ));
    }
    Ok(())
}

/// Two periods share at least one day.
pub fn overlaps(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// O1: one cycle is open at a time in a consortium (the caller answers 409: a conflict with
/// the cycle that is open).
pub fn o1_one_open_cycle(already_open: Option<&str>) -> Result<(), Refusal> {
    if let Some(name) = already_open {
        return Err(refuse(
            RuleId::O1,
            format!("采购周期“{name}”仍在进行中，请先关闭它再开启新周期"),
            format!("the cycle \"{name}\" is still open: close it before opening another"),
        ));
    }
    Ok(())
}

/// O1: a cycle's days, the first on or before the last.
pub fn o1_cycle_days(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), Refusal> {
    if starts_on > ends_on {
        return Err(refuse(
            RuleId::O1,
            format!("周期开始日 {starts_on} 晚于结束日 {ends_on}"),
            format!("the cycle starts on {starts_on}, after it ends on {ends_on}"),
        ));
    }
    Ok(())
}

/// O3: the suggested quantity in packs — average monthly consumption × months of cover, less
/// stock on hand and in transit, plus what is still committed to patients — rounded up to whole
/// packs, never below 0. Quantities are base units (片, 支); `amc` per month.
pub fn o3_suggested(amc: Decimal, cover_months: u32, on_hand: i64, in_transit: i64, committed: i64, pack_size: i32) -> i64 {
    let need = amc * Decimal::from(cover_months) - Decimal::from(on_hand) - Decimal::from(in_transit) + Decimal::from(committed);
    if need <= Decimal::ZERO {
        return 0;
    }
    (need / Decimal::from(pack_size.max(1))).ceil().to_i64().unwrap_or(i64::MAX)
}

/// O2: a member orders an active formulary entry within its level's scope, in whole packs more
/// than 0.
pub fn o2_orderable(product: &str, active: bool, member: Level, scope: Level, packs: i64) -> Result<(), Refusal> {
    if !active {
        return Err(refuse(
            RuleId::O2,
            format!("{product} 不是目录中的在用药品，不能请领"),
            format!("{product} is not an active formulary entry: it cannot be ordered"),
        ));
    }
    if !member.may_use(scope) {
        return Err(refuse(
            RuleId::O2,
            format!("{product} 限{}及以上使用，本机构不能请领", scope.zh()),
            format!("{product} is for {} and above: this institution cannot order it", scope.code()),
        ));
    }
    if packs <= 0 {
        return Err(refuse(
            RuleId::O2,
            format!("{product}：请领数量须为大于 0 的整包装数"),
            format!("{product}: order whole packs, more than 0"),
        ));
    }
    Ok(())
}

/// O4: the lead hospital approves or returns a submitted order only, and each once — an order
/// already approved, returned or purchased is not reviewed again.
pub fn o4_reviewable(status: entity::member_order::OrderStatus) -> Result<(), Refusal> {
    use entity::member_order::OrderStatus as S;
    match status {
        S::Submitted => Ok(()),
        S::Draft | S::Returned => Err(refuse(
            RuleId::O4,
            format!("该请领单{}，尚未提交，不能审核", status.zh()),
            format!("this order is {}, not submitted: there is nothing to review yet", status.code()),
        )),
        S::Approved | S::Purchased => Err(refuse(
            RuleId::O4,
            format!("该请领单{}，不能再审核", status.zh()),
            format!("this order is {} already: it cannot be reviewed again", status.code()),
        )),
    }
}

/// O4: an adjusted line gives a reason the member will read, and a whole number of packs, 0 or
/// more (0 strikes the line) and at most ten times what was ordered (a slip of the keyboard
/// otherwise); a line kept as ordered is no adjustment.
pub fn o4_adjustment(product: &str, ordered: i64, approved: i64, reason: Option<&str>) -> Result<bool, Refusal> {
    if approved == ordered {
        return Ok(false);
    }
    if approved < 0 {
        return Err(refuse(
            RuleId::O4,
            format!("{product}：核定数量不能为负数（填 0 表示不采购该品种）"),
            format!("{product}: the approved quantity cannot be negative (0 strikes the line)"),
        ));
    }
    let limit = ordered.max(1).saturating_mul(10);
    if approved > limit {
        return Err(refuse(
            RuleId::O4,
            format!("{product}：核定数量 {approved} 超过请领数量 {ordered} 的十倍，请核对"),
            format!("{product}: the approved {approved} packs are more than ten times the {ordered} ordered; check the figure"),
        ));
    }
    if reason.map(str::trim).unwrap_or("").chars().count() < 2 {
        return Err(refuse(
            RuleId::O4,
            format!("{product}：调整数量须说明理由（成员单位会看到）"),
            format!("{product}: an adjusted quantity needs a reason (the member will read it)"),
        ));
    }
    Ok(true)
}

/// O4: approving an order whose every line was struck approves nothing: return it instead.
pub fn o4_something_approved(total_packs: i64) -> Result<(), Refusal> {
    if total_packs > 0 {
        return Ok(());
    }
    Err(refuse(
        RuleId::O4,
        "核定后没有任何要采购的品种：如不采购，请退回该请领单并说明理由".into(),
        "after the adjustments nothing is left to buy: to buy nothing, return the order with a reason".into(),
    ))
}

/// O4: a returned order says why, so the member knows what to change.
pub fn o4_return_reason(reason: Option<&str>) -> Result<String, Refusal> {
    let r = reason.map(str::trim).unwrap_or("");
    if r.chars().count() < 2 {
        return Err(refuse(
            RuleId::O4,
            "退回请领单须说明理由（成员单位会看到），以便其修改后重新提交".into(),
            "a returned order says why (the member will read it), so it can be changed and submitted again".into(),
        ));
    }
    Ok(r.to_owned())
}

/// O5: the contract year a day falls in — agreed volumes are annual, so a contract of two years
/// is measured year by year from its first day (the last year may be shorter). Days before the
/// contract fall in its first year, days after it in its last.
pub fn o5_contract_year(valid_from: NaiveDate, valid_to: NaiveDate, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let mut start = valid_from;
    loop {
        let next = start.checked_add_months(chrono::Months::new(12)).unwrap_or(NaiveDate::MAX);
        if day < next || next > valid_to {
            let end = (next - chrono::Days::new(1)).min(valid_to);
            return (start, end);
        }
        start = next;
    }
}

/// O5: purchased so far against the agreed volume and the pro-rata point: (progress, pro-rata,
/// behind) as fractions (0.25 = 25 %), behind when progress is short of the pro-rata point.
pub fn o5_progress(purchased: i64, agreed: i64, elapsed_days: i64, year_days: i64) -> (Decimal, Decimal, bool) {
    let pro_rata = if year_days > 0 { Decimal::from(elapsed_days) / Decimal::from(year_days) } else { Decimal::ONE };
    let progress = if agreed > 0 { Decimal::from(purchased) / Decimal::from(agreed) } else { Decimal::ZERO };
    (progress.round_dp(4).normalize(), pro_rata.round_dp(4).normalize(), agreed > 0 && progress < pro_rata)
}

/// O6: a line's amount in fen — packs × the price per pack (ten-thousandths of a yuan), rounded
/// half up to the fen; an order's total is the sum of its lines' amounts, so the lines shown add
/// up to it exactly.
pub fn o6_line_fen(packs: i64, price_e4: i64) -> i64 {
    let e4 = i128::from(packs) * i128::from(price_e4);
    let fen = (e4 + 50).div_euclid(100);
    i64::try_from(fen).unwrap_or(i64::MAX)
}

/// O7: what an idempotency key already stored for the user says of a request. Not stored: the
/// request runs (false). Stored for the same operation and the same request (its hash): the
/// first result answers (true). Stored for anything else: refused, so that a key never answers a
/// request it was not made for.
pub fn o7_idempotency(stored: Option<(&str, &str)>, operation: &str, hash: &str) -> Result<bool, Refusal> {
    match stored {
        None => Ok(false),
        Some((op, h)) if op == operation && h == hash => Ok(true),
        Some(_) => Err(refuse(
            RuleId::O7,
            "这个 Idempotency-Key 已用于另一个请求：同一个键只能重发同一个请求，新请求请换一个键".into(),
            "this Idempotency-Key was used for another request: a key repeats one request only; use a new key for a new one".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The check character computed independently of `uscc`, for building valid test codes.
    fn with_check(first17: &str) -> String {
        let sum: usize = first17
            .chars()
            .enumerate()
            .map(|(i, c)| USCC_CHARS.find(c).unwrap() * 3usize.pow(i as u32) % 31)
            .sum();
        let check = (31 - sum % 31) % 31;
        format!("{first17}{}", USCC_CHARS.chars().nth(check).unwrap())
    }

    #[test]
    fn uscc_weights_are_powers_of_three_mod_31() {
        for (i, w) in USCC_WEIGHTS.iter().enumerate() {
            assert_eq!(*w as usize, 3usize.pow(i as u32) % 31);
        }
    }

    #[test]
    fn uscc_accepts_valid_codes_and_says_what_is_wrong() {
        // Published codes of real companies (checked by hand against GB 32100-2015).
        assert_eq!(uscc("91350100M000100Y43").as_deref(), Ok("91350100M000100Y43"));
        assert_eq!(uscc(" 91110000600037341l ").as_deref(), Ok("91110000600037341L"));
        let ok = with_check("91152700MA0N12345");
        assert_eq!(uscc(&ok.to_lowercase()), Ok(ok.clone()));
        // One character changed: the check character no longer matches, and the message says
        // which one the first 17 give.
        let mut bad: Vec<char> = ok.chars().collect();
        bad[10] = if bad[10] == '1' { '2' } else { '1' };
        let bad: String = bad.into_iter().collect();
        let e = uscc(&bad).unwrap_err();
        assert!(e.contains(&with_check(&bad[..17])[17..]), "{e}");
        assert!(uscc("9115270").unwrap_err().contains('7'));
        assert!(uscc("91152700MA0N1234I0").unwrap_err().contains('I'));
        assert!(uscc("9115A700MA0N123450").is_err(), "division code in digits");
    }

    #[test]
    fn o1_outside_a_cycle_only_urgent_with_a_reason() {
        assert!(o1_order_window(true, false, None).is_ok());
        let e = o1_order_window(false, false, None).unwrap_err();
        assert_eq!(e.rule, RuleId::O1);
        assert!(o1_order_window(false, true, Some("  ")).is_err());
        assert!(o1_order_window(false, true, Some("胰岛素断货")).is_ok());
        assert!(o1_one_open_cycle(Some("2026年12月")).unwrap_err().message.contains("2026年12月"));
        assert!(o1_one_open_cycle(None).is_ok());
        assert!(o1_cycle_days(d("2026-12-31"), d("2026-12-01")).is_err());
        assert!(o1_cycle_days(d("2026-12-01"), d("2026-12-31")).is_ok());
    }

    #[test]
    fn o5_shares_add_up_to_the_agreed_volume() {
        assert!(o5_volume_split(true, Some(100), &[60, 40], "x").is_ok());
        let e = o5_volume_split(true, Some(100), &[60, 30], "x").unwrap_err();
        assert_eq!(e.rule, RuleId::O5);
        assert!(e.message.contains("10"), "{}", e.message);
        assert!(o5_volume_split(true, None, &[], "x").is_err());
        assert!(o5_volume_split(true, Some(0), &[], "x").is_err());
        assert!(o5_volume_split(true, Some(10), &[20, -10], "x").is_err());
        assert!(o5_volume_split(false, None, &[], "x").is_ok());
        assert!(o5_volume_split(false, Some(5), &[], "x").is_err());
    }

    #[test]
    fn o5_pro_rata_point_of_the_contract_year() {
        let (from, to) = (d("2026-01-01"), d("2026-12-31"));
        assert_eq!(o5_pro_rata(from, to, d("2025-12-31")), (0, 365));
        assert_eq!(o5_pro_rata(from, to, d("2026-01-01")), (1, 365));
        assert_eq!(o5_pro_rata(from, to, d("2026-07-02")), (183, 365));
        assert_eq!(o5_pro_rata(from, to, d("2027-03-01")), (365, 365));
    }

    #[test]
    fn o7_a_key_repeats_one_request_only() {
        assert_eq!(o7_idempotency(None, "submit_order", "h1"), Ok(false));
        assert_eq!(o7_idempotency(Some(("submit_order", "h1")), "submit_order", "h1"), Ok(true));
        let other_body = o7_idempotency(Some(("submit_order", "h1")), "submit_order", "h2").unwrap_err();
        assert_eq!(other_body.rule, RuleId::O7);
        assert!(other_body.message.contains("another request"), "{}", other_body.message);
        assert_eq!(o7_idempotency(Some(("approve_order", "h1")), "submit_order", "h1").unwrap_err().rule, RuleId::O7);
    }

    #[test]
    fn o4_only_a_submitted_order_is_reviewed_once() {
        use entity::member_order::OrderStatus as S;
        assert!(o4_reviewable(S::Submitted).is_ok());
        for s in [S::Draft, S::Returned, S::Approved, S::Purchased] {
            let e = o4_reviewable(s).unwrap_err();
            assert_eq!(e.rule, RuleId::O4);
        }
        assert!(o4_reviewable(S::Approved).unwrap_err().message.contains("cannot be reviewed again"));
    }

    #[test]
    fn o4_adjustments_say_why_and_stay_sane() {
        assert_eq!(o4_adjustment("A", 10, 10, None), Ok(false));
        assert_eq!(o4_adjustment("A", 10, 6, Some("库存充足")), Ok(true));
        assert_eq!(o4_adjustment("A", 10, 0, Some("停用")), Ok(true));
        assert_eq!(o4_adjustment("A", 10, 100, Some("疫情备货")), Ok(true));
        let no_reason = o4_adjustment("A", 10, 6, Some(" ")).unwrap_err();
        assert_eq!(no_reason.rule, RuleId::O4);
        assert!(no_reason.message.contains("needs a reason"));
        assert!(o4_adjustment("A", 10, -1, Some("理由")).unwrap_err().message.contains("cannot be negative"));
        assert!(o4_adjustment("A", 10, 101, Some("理由")).unwrap_err().message.contains("ten times"));
        // An ordered 0 (never submitted so, but safe): up to 10 packs.
        assert_eq!(o4_adjustment("A", 0, 10, Some("补货")), Ok(true));
    }

    #[test]
    fn o4_nothing_approved_and_return_reasons() {
        assert!(o4_something_approved(1).is_ok());
        assert_eq!(o4_something_approved(0).unwrap_err().rule, RuleId::O4);
        assert_eq!(o4_return_reason(Some(" 数量过大 ")).unwrap(), "数量过大");
        assert_eq!(o4_return_reason(None).unwrap_err().rule, RuleId::O4);
        assert_eq!(o4_return_reason(Some("x")).unwrap_err().rule, RuleId::O4);
    }

    #[test]
    fn o5_contract_years_and_progress() {
        let (from, to) = (d("2026-03-01"), d("2028-02-29"));
        assert_eq!(o5_contract_year(from, to, d("2026-03-01")), (d("2026-03-01"), d("2027-02-28")));
        assert_eq!(o5_contract_year(from, to, d("2027-02-28")), (d("2026-03-01"), d("2027-02-28")));
        assert_eq!(o5_contract_year(from, to, d("2027-03-01")), (d("2027-03-01"), d("2028-02-29")));
        assert_eq!(o5_contract_year(from, to, d("2030-01-01")), (d("2027-03-01"), d("2028-02-29")));
        assert_eq!(o5_contract_year(from, to, d("2025-01-01")), (d("2026-03-01"), d("2027-02-28")));
        // A contract of 18 months: a full year, then a short one.
        let short = o5_contract_year(d("2026-01-01"), d("2027-06-30"), d("2027-05-01"));
        assert_eq!(short, (d("2027-01-01"), d("2027-06-30")));
        let (p, r, behind) = o5_progress(300, 1000, 146, 365);
        assert_eq!((p, r, behind), (Decimal::new(3, 1), Decimal::new(4, 1), true));
        let (_, _, ahead) = o5_progress(500, 1000, 146, 365);
        assert!(!ahead);
        let (p, _, behind) = o5_progress(0, 0, 10, 365);
        assert_eq!((p, behind), (Decimal::ZERO, false));
    }

    #[test]
    fn periods() {
        assert!(contract_period(d("2026-01-01"), d("2026-01-01")).is_ok());
        assert!(contract_period(d("2026-01-02"), d("2026-01-01")).is_err());
        assert!(overlaps((d("2026-01-01"), d("2026-06-30")), (d("2026-06-30"), d("2026-12-31"))));
        assert!(!overlaps((d("2026-01-01"), d("2026-06-29")), (d("2026-06-30"), d("2026-12-31"))));
    }

    #[test]
    fn o3_suggests_cover_less_stock_in_whole_packs() {
        // 300 tablets a month, 2 months, 150 on hand, 30 a pack: 450 → 15 packs.
        assert_eq!(o3_suggested(Decimal::from(300), 2, 150, 0, 0, 30), 15);
        // 451 → 16 packs (rounded up).
        assert_eq!(o3_suggested(Decimal::from(300), 2, 149, 0, 0, 30), 16);
        // In transit counts as stock; committed to patients adds to the need.
        assert_eq!(o3_suggested(Decimal::from(300), 2, 150, 300, 0, 30), 5);
        assert_eq!(o3_suggested(Decimal::from(300), 2, 150, 0, 60, 30), 17);
        // Enough stock: never below 0.
        assert_eq!(o3_suggested(Decimal::from(100), 2, 1000, 0, 0, 10), 0);
        assert_eq!(o3_suggested(Decimal::new(3334, 1), 1, 0, 0, 0, 1), 334);
    }

    #[test]
    fn o2_active_in_scope_whole_packs() {
        use entity::institution::Level::*;
        assert!(o2_orderable("x", true, Village, Village, 1).is_ok());
        assert_eq!(o2_orderable("x", false, Village, Village, 1).unwrap_err().rule, RuleId::O2);
        assert!(o2_orderable("x", true, Village, Township, 1).is_err());
        assert!(o2_orderable("x", true, Township, Village, 1).is_ok());
        assert!(o2_orderable("x", true, Township, Township, 0).is_err());
    }

    proptest::proptest! {
        /// O6: for any lines and prices, the order total is the sum of the lines' amounts, each
        /// the exact decimal product rounded half up to the fen — computed in integers, never
        /// through floats.
        #[test]
        fn o6_totals_are_exact(lines in proptest::collection::vec((0i64..100_000, 1i64..100_000_000), 0..60)) {
            use rust_decimal::RoundingStrategy;
            let mut expected = Decimal::ZERO;
            let mut total: i64 = 0;
            for (packs, price_e4) in &lines {
                let exact = Decimal::from(*packs) * Decimal::new(*price_e4, 4);
                expected += exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                total += o6_line_fen(*packs, *price_e4);
            }
            proptest::prop_assert_eq!(Decimal::new(total, 2), expected);
        }
    }

    #[test]
    fn o6_lines_to_the_fen() {
        assert_eq!(o6_line_fen(3, 8_850), 266); // 3 × 0.8850 = 2.6550 → 2.66
        assert_eq!(o6_line_fen(2, 125_000), 2_500); // 2 × 12.50
        assert_eq!(o6_line_fen(1, 12_345), 123); // 1.2345 → 1.23
        assert_eq!(o6_line_fen(0, 99_999), 0);
    }
}
