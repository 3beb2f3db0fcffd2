//! The rules of one delivery (DOMAIN.md §2.4), one pure function each, named by rule id. The
//! services call them; they read nothing but their arguments.
use chrono::{Duration, NaiveDate};
use entity::purchase_order::PurchaseOrderStatus;

use crate::i18n::tr;
use crate::kernel::rules::{Refusal, RuleId};

fn refuse(rule: RuleId, zh: String, en: String) -> Refusal {
    Refusal::new(rule, tr(zh, en))
}

/// D1: goods are received only against a purchase order that still expects some.
pub fn d1_receivable(status: PurchaseOrderStatus, po_no: &str) -> Result<(), Refusal> {
    match status {
        PurchaseOrderStatus::Issued | PurchaseOrderStatus::Receiving => Ok(()),
        PurchaseOrderStatus::Received => Err(refuse(
            RuleId::D1,
            format!("采购订单 {po_no} 已全部到货，不能再入库；多送的货请退回供应商"),
            format!("purchase order {po_no} is received in full: nothing more is received against it; send extra goods back to the supplier"),
        )),
        PurchaseOrderStatus::Closed => Err(refuse(
            RuleId::D1,
            format!("采购订单 {po_no} 已结案（剩余部分已关闭），不能再入库"),
            format!("purchase order {po_no} is closed (what remained was closed): nothing more is received against it"),
        )),
        PurchaseOrderStatus::Cancelled => Err(refuse(
            RuleId::D1,
            format!("采购订单 {po_no} 已作废，不能入库"),
            format!("purchase order {po_no} is cancelled: nothing is received against it"),
        )),
    }
}

/// D1: the day goods arrived is neither in the future nor before the purchase order was made.
pub fn d1_received_on(day: NaiveDate, today: NaiveDate, ordered_on: NaiveDate) -> Result<(), Refusal> {
    if day > today {
        return Err(refuse(
            RuleId::D1,
            format!("到货日期 {day} 晚于今天（{today}）：请填写货物实际到达的日期"),
            format!("the day received, {day}, is after today ({today}): give the day the goods actually arrived"),
        ));
    }
    if day < ordered_on {
        return Err(refuse(
            RuleId::D1,
            format!("到货日期 {day} 早于采购订单下达日期 {ordered_on}"),
            format!("the day received, {day}, is before the purchase order was issued ({ordered_on})"),
        ));
    }
    Ok(())
}

/// The first expiry date accepted on `day` with `min_days` of shelf life required.
pub fn d1_first_acceptable_expiry(day: NaiveDate, min_days: i32) -> NaiveDate {
    day + Duration::days(i64::from(min_days))
}

/// D1: expired goods, and goods with less shelf life left than the consortium's minimum, are
/// refused at receipt; the refusal says which expiry date would have been accepted.
pub fn d1_shelf_life(expiry: NaiveDate, day: NaiveDate, min_days: i32, lot_no: &str) -> Result<(), Refusal> {
    if expiry <= day {
        return Err(refuse(
            RuleId::D1,
            format!("批号 {lot_no} 已过期（有效期至 {expiry}）：过期药品拒收"),
            format!("lot {lot_no} has expired (expiry {expiry}): expired goods are refused"),
        ));
    }
    let first = d1_first_acceptable_expiry(day, min_days);
    if expiry < first {
        let left = (expiry - day).num_days();
        return Err(refuse(
            RuleId::D1,
            format!("批号 {lot_no} 有效期至 {expiry}，仅剩 {left} 天，少于本医共体要求的 {min_days} 天：拒收；有效期在 {first} 及以后的才能入库"),
            format!(
                "lot {lot_no} expires on {expiry}, {left} days from now, less than the consortium's minimum of {min_days} days: refused; goods expiring on {first} or later are accepted"
            ),
        ));
    }
    Ok(())
}

/// D1: a receipt line puts packs into stock and/or records damaged packs — not nothing, never
/// negative — and puts no more into stock than the purchase order line still expects.
pub fn d1_quantities(good: i64, damaged: i64, outstanding: i64, product: &str) -> Result<(), Refusal> {
    if good < 0 || damaged < 0 {
        return Err(refuse(
            RuleId::D1,
            format!("{product}：入库数量和破损数量不能为负数"),
            format!("{product}: the packs received and the packs damaged cannot be negative"),
        ));
    }
    if good == 0 && damaged == 0 {
        return Err(refuse(
            RuleId::D1,
            format!("{product}：入库数量和破损数量都是 0，这一行没有收到任何东西；不收的品种请删去这一行"),
            format!("{product}: no packs received and none damaged — the line receives nothing; leave out what did not come"),
        ));
    }
    if good > outstanding {
        return Err(refuse(
            RuleId::D1,
            format!("{product}：入库 {good} 包装，超过采购订单尚未到货的 {outstanding} 包装；多送的部分请退回供应商"),
            format!("{product}: {good} packs received is more than the {outstanding} packs still outstanding on the purchase order; send the surplus back"),
        ));
    }
    Ok(())
}

/// D1: closing what remains of a purchase order says why, and closes something.
pub fn d1_close(reason: &str, outstanding: i64, po_no: &str) -> Result<(), Refusal> {
    if outstanding <= 0 {
        return Err(refuse(
            RuleId::D1,
            format!("采购订单 {po_no} 没有未到货的数量，无需关闭"),
            format!("purchase order {po_no} has nothing outstanding to close"),
        ));
    }
    if reason.trim().chars().count() < 2 {
        return Err(refuse(
            RuleId::D1,
            "关闭剩余未到货数量需要写明原因（如：供应商断货、合同终止）".into(),
            "closing what remains needs a reason (e.g. the supplier is out of stock, the contract ended)".into(),
        ));
    }
    Ok(())
}

/// Where a purchase order is after a receipt or a close, from its lines' (ordered, received,
/// closed) packs.
pub fn d1_status_after(lines: &[(i64, i64, i64)]) -> PurchaseOrderStatus {
    let outstanding: i64 = lines.iter().map(|(q, r, c)| (q - r - c).max(0)).sum();
    let received: i64 = lines.iter().map(|l| l.1).sum();
    let closed: i64 = lines.iter().map(|l| l.2).sum();
    if outstanding > 0 {
        if received > 0 { PurchaseOrderStatus::Receiving } else { PurchaseOrderStatus::Issued }
    } else if closed > 0 {
        PurchaseOrderStatus::Closed
    } else {
        PurchaseOrderStatus::Received
    }
}

/// Packs still expected on a purchase order line.
pub fn outstanding(ordered: i64, received: i64, closed: i64) -> i64 {
    (ordered - received - closed).max(0)
}

/// GS1's check digit of the first 13 digits of a GTIN-14 (mod 10, weights 3 and 1 from the right).
fn gtin_check_digit(first13: &[u8]) -> u8 {
    let sum: u32 = first13.iter().rev().enumerate().map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 }).sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

/// T1: a drug trace code as scanned — the 20-digit 码上放心 code, or a GS1 element string that
/// starts with the GTIN-14 (AI 01) with a valid check digit. Spaces around it are dropped, as is
/// a symbology prefix a scanner may add (`]C1`, `]d2`, `]Q3`); the code comes back normalised.
pub fn t1_code(raw: &str) -> Result<String, Refusal> {
    let mut code = raw.trim();
    for prefix in ["]C1", "]d2", "]Q3", "]e0"] {
        if let Some(rest) = code.strip_prefix(prefix) {
            code = rest;
        }
    }
    let bad = || {
        refuse(
            RuleId::T1,
            format!("“{}”不是药品追溯码：应为 20 位数字（码上放心），或以 01 加 14 位商品编码开头的 GS1 码", raw.trim()),
            format!("“{}” is not a drug trace code: 20 digits (码上放心), or a GS1 code starting with 01 and a 14-digit GTIN", raw.trim()),
        )
    };
    if code.len() == 20 && code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(code.to_owned());
    }
    let bytes = code.as_bytes();
    if code.len() >= 16 && code.len() <= 80 && code.starts_with("01") && bytes[2..16].iter().all(u8::is_ascii_digit) {
        if !code.chars().all(|c| c.is_ascii_graphic() || c == '\u{1d}') {
            return Err(bad());
        }
        let digits: Vec<u8> = bytes[2..16].iter().map(|b| b - b'0').collect();
        if gtin_check_digit(&digits[..13]) != digits[13] {
            return Err(refuse(
                RuleId::T1,
                format!("追溯码 {code} 的商品编码（GTIN）校验位不对：请重新扫码"),
                format!("the GTIN in trace code {code} has a wrong check digit: scan it again"),
            ));
        }
        return Ok(code.to_owned());
    }
    Err(bad())
}

/// T1 at receipt: a pack is scanned once, and no more codes than packs put into stock.
pub fn t1_codes_at_receipt(codes: &[String], packs: i64, product: &str) -> Result<(), Refusal> {
    let mut seen = std::collections::HashSet::new();
    for c in codes {
        if !seen.insert(c) {
            return Err(refuse(
                RuleId::T1,
                format!("{product}：追溯码 {c} 扫了两次：一个追溯码只对应一个包装"),
                format!("{product}: trace code {c} was scanned twice: one code is one pack"),
            ));
        }
    }
    if i64::try_from(codes.len()).unwrap_or(i64::MAX) > packs {
        return Err(refuse(
            RuleId::T1,
            format!("{product}：扫了 {} 个追溯码，但只入库 {packs} 个包装", codes.len()),
            format!("{product}: {} trace codes scanned but only {packs} packs received", codes.len()),
        ));
    }
    Ok(())
}

/// T1: a code already known in the consortium is not received again (a copy or a resale).
pub fn t1_new_code(code: &str, known: bool) -> Result<(), Refusal> {
    if known {
        return Err(refuse(
            RuleId::T1,
            format!("追溯码 {code} 在本医共体已登记过：同一包装不能入库两次，请核查是否重复或假冒"),
            format!("trace code {code} is known in the consortium already: a pack is not received twice; check for a duplicate or a fake"),
        ));
    }
    Ok(())
}

/// D2: a quality hold says why; a lot is held once at a time and released once.
pub fn d2_hold(reason: &str, held_already: bool, lot_no: &str) -> Result<(), Refusal> {
    if held_already {
        return Err(refuse(
            RuleId::D2,
            format!("批号 {lot_no} 已处于质量冻结中"),
            format!("lot {lot_no} is on hold already"),
        ));
    }
    if reason.trim().chars().count() < 2 {
        return Err(refuse(
            RuleId::D2,
            "质量冻结需要写明原因（如：抽检不合格待复检）".into(),
            "a quality hold needs a reason (e.g. failed a sample test, awaiting retest)".into(),
        ));
    }
    Ok(())
}

/// D2: only a held lot is released, with a note of why it is fit again.
pub fn d2_release(note: &str, held: bool, lot_no: &str) -> Result<(), Refusal> {
    if !held {
        return Err(refuse(
            RuleId::D2,
            format!("批号 {lot_no} 没有质量冻结，无需解除"),
            format!("lot {lot_no} is not on hold: nothing to release"),
        ));
    }
    if note.trim().chars().count() < 2 {
        return Err(refuse(
            RuleId::D2,
            "解除冻结需要写明依据（如：复检合格）".into(),
            "a release needs a note of why the lot is fit again (e.g. passed the retest)".into(),
        ));
    }
    Ok(())
}

/// D2: a back order is never dropped silently — ending one says why.
pub fn d2_close_back_order(reason: &str) -> Result<(), Refusal> {
    if reason.trim().chars().count() < 2 {
        return Err(refuse(
            RuleId::D2,
            "结束缺货需要写明原因（如：该品种停产，改订替代品种）".into(),
            "ending a back order needs a reason (e.g. the product is discontinued; a substitute is ordered)".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn d1_receives_only_against_an_open_purchase_order() {
        assert!(d1_receivable(PurchaseOrderStatus::Issued, "PO1").is_ok());
        assert!(d1_receivable(PurchaseOrderStatus::Receiving, "PO1").is_ok());
        for s in [PurchaseOrderStatus::Received, PurchaseOrderStatus::Closed, PurchaseOrderStatus::Cancelled] {
            let r = d1_receivable(s, "PO1").unwrap_err();
            assert_eq!(r.rule, RuleId::D1);
            assert!(r.message.contains("PO1"), "{}", r.message);
        }
    }

    #[test]
    fn d1_refuses_expired_and_short_dated_goods_naming_the_acceptable_date() {
        let day = d("2026-12-05");
        assert!(d1_shelf_life(d("2027-06-03"), day, 180, "L1").is_ok()); // exactly 180 days
        let short = d1_shelf_life(d("2027-06-02"), day, 180, "L1").unwrap_err();
        assert_eq!(short.rule, RuleId::D1);
        assert!(short.message.contains("2027-06-03"), "{}", short.message);
        assert!(short.message.contains("179"), "{}", short.message);
        let expired = d1_shelf_life(d("2026-12-05"), day, 0, "L2").unwrap_err();
        assert!(expired.message.contains("expired"), "{}", expired.message);
        assert!(d1_shelf_life(d("2026-12-06"), day, 0, "L3").is_ok());
        assert_eq!(d1_first_acceptable_expiry(day, 30), d("2027-01-04"));
    }

    #[test]
    fn d1_checks_the_day_and_the_quantities() {
        let today = d("2026-12-05");
        assert!(d1_received_on(today, today, d("2026-12-01")).is_ok());
        assert!(d1_received_on(d("2026-12-06"), today, d("2026-12-01")).unwrap_err().message.contains("after today"));
        assert!(d1_received_on(d("2026-11-30"), today, d("2026-12-01")).unwrap_err().message.contains("before"));
        assert!(d1_quantities(5, 0, 5, "甲").is_ok());
        assert!(d1_quantities(0, 2, 0, "甲").is_ok()); // damaged only, even when nothing is outstanding
        assert!(d1_quantities(6, 0, 5, "甲").unwrap_err().message.contains("more than the 5"));
        assert!(d1_quantities(0, 0, 5, "甲").unwrap_err().message.contains("receives nothing"));
        assert_eq!(d1_quantities(-1, 0, 5, "甲").unwrap_err().rule, RuleId::D1);
        assert!(d1_close("供应商断货", 3, "PO1").is_ok());
        assert!(d1_close(" ", 3, "PO1").unwrap_err().message.contains("reason"));
        assert!(d1_close("供应商断货", 0, "PO1").unwrap_err().message.contains("nothing outstanding"));
    }

    #[test]
    fn d1_status_follows_the_lines() {
        use PurchaseOrderStatus as S;
        assert_eq!(d1_status_after(&[(10, 0, 0), (5, 0, 0)]), S::Issued);
        assert_eq!(d1_status_after(&[(10, 4, 0), (5, 0, 0)]), S::Receiving);
        assert_eq!(d1_status_after(&[(10, 10, 0), (5, 5, 0)]), S::Received);
        assert_eq!(d1_status_after(&[(10, 4, 6), (5, 5, 0)]), S::Closed);
        assert_eq!(outstanding(10, 4, 0), 6);
        assert_eq!(outstanding(10, 4, 6), 0);
    }

    #[test]
    fn t1_reads_trace_codes_and_refuses_repeats() {
        assert_eq!(t1_code(" 81234567890123456789 ").unwrap(), "81234567890123456789");
        assert_eq!(t1_code("]C181234567890123456789").unwrap(), "81234567890123456789");
        // GTIN-14 06901234567892: 0690123456789 + check digit 2.
        assert!(t1_code("0106901234567892").is_ok());
        assert!(t1_code("010690123456789217271231\u{1d}10LOT1").is_ok());
        assert_eq!(t1_code("0106901234567893").unwrap_err().rule, RuleId::T1);
        assert_eq!(t1_code("1234").unwrap_err().rule, RuleId::T1);
        assert!(t1_code("8123456789012345678X").is_err());
        let codes = vec!["81234567890123456789".to_owned(), "81234567890123456780".to_owned()];
        assert!(t1_codes_at_receipt(&codes, 2, "甲").is_ok());
        assert!(t1_codes_at_receipt(&codes, 1, "甲").unwrap_err().message.contains("only 1"));
        let twice = vec![codes[0].clone(), codes[0].clone()];
        assert!(t1_codes_at_receipt(&twice, 5, "甲").unwrap_err().message.contains("twice"));
        assert!(t1_new_code("81234567890123456789", false).is_ok());
        assert_eq!(t1_new_code("81234567890123456789", true).unwrap_err().rule, RuleId::T1);
    }

    #[test]
    fn d2_back_orders_end_only_with_a_reason() {
        assert!(d2_close_back_order(" ").is_err());
        assert!(d2_close_back_order("停产").is_ok());
    }

    #[test]
    fn d2_holds_and_releases_with_reasons() {
        assert!(d2_hold("抽检不合格", false, "L1").is_ok());
        assert!(d2_hold("抽检不合格", true, "L1").unwrap_err().message.contains("on hold already"));
        assert!(d2_hold("", false, "L1").unwrap_err().message.contains("reason"));
        assert!(d2_release("复检合格", true, "L1").is_ok());
        assert!(d2_release("复检合格", false, "L1").unwrap_err().message.contains("not on hold"));
        assert_eq!(d2_release(" ", true, "L1").unwrap_err().rule, RuleId::D2);
    }
}
