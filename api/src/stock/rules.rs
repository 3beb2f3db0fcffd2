//! D6 as pure functions: what a movement may be. Whether stock is there to take is decided where
//! the balance is moved (`service`), atomically with it.
use chrono::NaiveDate;

use crate::i18n::tr;
use super::views::ExpiryState;
use crate::kernel::{Refusal, RuleId};
use entity::stock_movement::{AdjustmentReason, MovementKind};

/// Which way a kind of movement may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    Either,
}

/// D6: opening stock, receipts and deliveries bring stock in; dispatches, dispensing and
/// consumption take it out; returns go either way; an adjustment or a stocktake difference for
/// damage, expiry or loss takes out, a correction (or a difference without a cause) goes
/// either way.
pub fn direction(kind: MovementKind, reason: Option<AdjustmentReason>) -> Direction {
    use MovementKind::*;
    match kind {
        Opening | Receipt | Delivery => Direction::In,
        Dispatch | Dispensing | Consumption => Direction::Out,
        Return => Direction::Either,
        Adjustment | Stocktake => match reason {
            Some(AdjustmentReason::Correction) | None => Direction::Either,
            Some(_) => Direction::Out,
        },
    }
}

/// D6: issuing stock to someone (a member, a patient, a ward).
pub fn issues(kind: MovementKind) -> bool {
    matches!(
        kind,
        MovementKind::Dispatch | MovementKind::Dispensing | MovementKind::Consumption
    )
}

fn refuse(zh: String, en: String) -> Refusal {
    Refusal::new(RuleId::D6, tr(zh, en))
}

/// D6: a movement's kind, quantity (base units, signed: in positive) and reason agree, and
/// expired stock (expiry before `today`) is never issued.
pub fn d6_movement(
    kind: MovementKind,
    quantity: i64,
    reason: Option<AdjustmentReason>,
    expiry: NaiveDate,
    today: NaiveDate,
) -> Result<(), Refusal> {
    use entity::codes::Coded;
    if quantity == 0 {
        return Err(refuse(
            "数量不能为 0".into(),
            "the quantity cannot be 0".into(),
        ));
    }
    match (kind, reason) {
        (MovementKind::Adjustment, None) => {
            return Err(refuse(
                format!("调整须注明原因：{}", AdjustmentReason::choices()),
                format!(
                    "an adjustment needs its reason: {}",
                    AdjustmentReason::choices()
                ),
            ));
        }
        (MovementKind::Adjustment | MovementKind::Stocktake, Some(_)) | (_, None) => {}
        (_, Some(_)) => {
            return Err(refuse(
                format!("只有调整和盘点差异才注明原因（这是{}）", kind.zh()),
                format!("only an adjustment or a stocktake difference has a reason (this is {})", kind.code()),
            ));
        }
    }
    let dir = direction(kind, reason);
    if dir == Direction::In && quantity < 0 {
        return Err(refuse(
            format!("{}只能增加库存：数量应为正数，而不是 {quantity}", kind.zh()),
            format!("{} only adds stock: the quantity must be positive, not {quantity}", kind.code()),
        ));
    }
    if dir == Direction::Out && quantity > 0 {
        return Err(refuse(
            format!("{}只能减少库存：数量应为负数，而不是 {quantity}", kind.zh()),
            format!("{} only takes stock out: the quantity must be negative, not {quantity}", kind.code()),
        ));
    }
    if issues(kind) && expiry < today {
        return Err(refuse(
            format!("该批号已于 {expiry} 过期，不能发出；过期药品请按报损处理"),
            format!("this lot expired on {expiry} and is never issued; dispose of it as an adjustment (expiry)"),
        ));
    }
    Ok(())
}

/// D6: stock on hand never goes below zero — the refusal when `wanted` base units are asked of
/// a lot that holds `available`.
pub fn d6_not_enough(wanted: i64, available: i64, lot_no: &str) -> Refusal {
    refuse(
        format!("库存不足：批号 {lot_no} 现有 {available}，不能减少 {wanted}（库存不能为负）"),
        format!(
            "not enough stock: lot {lot_no} holds {available}, cannot take {wanted} (stock never goes below zero)"
        ),
    )
}

/// A quantity of base units as a pharmacist reads it: whole packs ("2盒"), packs and base
/// units where not whole ("2盒+5片"), base units alone below a pack ("5片"); negative with a
/// leading minus over the whole ("-(2盒+5片)").
pub fn packs(q: i64, pack_size: i32, pack_unit: &str, base_unit: &str) -> String {
    let n = i64::from(pack_size.max(1));
    let a = q.unsigned_abs();
    let (p, r) = (a / n as u64, a % n as u64);
    let text = match (p, r) {
        (0, 0) => format!("0{base_unit}"),
        (p, 0) if n > 1 => format!("{p}{pack_unit}"),
        (_, 0) => format!("{a}{base_unit}"),
        (0, r) => format!("{r}{base_unit}"),
        (p, r) => format!("{p}{pack_unit}+{r}{base_unit}"),
    };
    match (q < 0, p > 0 && r > 0) {
        (false, _) => text,
        (true, false) => format!("-{text}"),
        (true, true) => format!("-({text})"),
    }
}

/// D6: the central warehouse (the lead hospital's stock) moves whole packs; a member pharmacy
/// may split a pack (拆零).
pub fn d6_whole_packs(
    at_warehouse: bool,
    quantity: i64,
    pack_size: i32,
    pack_unit: &str,
    base_unit: &str,
) -> Result<(), Refusal> {
    let n = i64::from(pack_size.max(1));
    if !at_warehouse || quantity % n == 0 {
        return Ok(());
    }
    let shown = packs(quantity, pack_size, pack_unit, base_unit);
    Err(refuse(
        format!("中心药库按整{pack_unit}出入库（每{pack_unit} {n}{base_unit}）：{shown}不是整{pack_unit}"),
        format!(
            "the central warehouse moves whole packs ({n} {base_unit} per {pack_unit}): {shown} is not a whole number of packs"
        ),
    ))
}

/// Where a lot stands against its expiry (expired after its expiry day; near when it expires
/// within `window_days` of today).
pub fn expiry_state(expiry: NaiveDate, today: NaiveDate, window_days: i32) -> ExpiryState {
    let days = (expiry - today).num_days();
    if days < 0 {
        ExpiryState::Expired
    } else if days <= i64::from(window_days) {
        ExpiryState::Near
    } else {
        ExpiryState::Ok
    }
}

/// D6: a stocktake's differences and a disposal move stock only when a second person approves
/// them — not the one who submitted or requested them.
pub fn d6_second_person(submitted_by: Option<i64>, approver: Option<i64>) -> Result<(), Refusal> {
    if submitted_by.is_some() && submitted_by == approver {
        return Err(refuse(
            "须由提交人以外的另一人审核".into(),
            "a second person approves it, not the one who submitted it".into(),
        ));
    }
    Ok(())
}

/// D6: a counted quantity that differs from the book says why (damage, expiry, loss,
/// correction), and a loss, damage or expiry only explains less than the book.
pub fn d6_difference(difference: i64, reason: Option<AdjustmentReason>, lot_no: &str) -> Result<(), Refusal> {
    use entity::codes::Coded;
    match reason {
        None if difference != 0 => Err(refuse(
            format!("批号 {lot_no} 盘点数与账面相差 {difference}，请注明原因：{}", AdjustmentReason::choices()),
            format!("lot {lot_no} differs from the book by {difference}: give the cause ({})", AdjustmentReason::choices()),
        )),
        Some(r) if difference > 0 && r != AdjustmentReason::Correction => Err(refuse(
            format!("批号 {lot_no} 盘盈 {difference}，原因不能是“{}”，请选“更正”", r.zh()),
            format!("lot {lot_no} counts {difference} more than the book: the cause cannot be {}; choose correction", r.code()),
        )),
        _ => Ok(()),
    }
}

/// D6: a disposal (报损) is for expired, damaged or lost stock; corrections go through a
/// stocktake.
pub fn d6_disposal_reason(reason: AdjustmentReason) -> Result<(), Refusal> {
    if reason == AdjustmentReason::Correction {
        return Err(refuse(
            "报损原因应为过期、破损或丢失；数量更正请通过盘点".into(),
            "a disposal is for expired, damaged or lost stock; correct quantities by a stocktake".into(),
        ));
    }
    Ok(())
}

/// How far back consumption may be recorded.
pub const CONSUMPTION_DAYS_BACK: i64 = 92;

/// D6: consumption is recorded for a day that has come, at most 92 days back.
pub fn d6_consumption_day(day: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if day > today {
        return Err(refuse(
            format!("领用日期 {day} 在今天之后"),
            format!("the day {day} is after today"),
        ));
    }
    if (today - day).num_days() > CONSUMPTION_DAYS_BACK {
        return Err(refuse(
            format!("领用日期 {day} 早于 {CONSUMPTION_DAYS_BACK} 天前，不能补录"),
            format!("the day {day} is more than {CONSUMPTION_DAYS_BACK} days back and cannot be recorded"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_kind_goes_its_way() {
        let (e, t) = (day("2027-06-30"), day("2026-12-02"));
        use MovementKind::*;
        assert!(d6_movement(Receipt, 10, None, e, t).is_ok());
        assert!(d6_movement(Receipt, -10, None, e, t).is_err());
        assert!(d6_movement(Dispensing, -3, None, e, t).is_ok());
        assert!(d6_movement(Dispensing, 3, None, e, t).is_err());
        assert!(d6_movement(Stocktake, -3, None, e, t).is_ok());
        assert!(d6_movement(Stocktake, 3, None, e, t).is_ok());
        assert!(d6_movement(Return, 0, None, e, t).is_err());
    }

    #[test]
    fn an_adjustment_says_why_and_only_an_adjustment_does() {
        let (e, t) = (day("2027-06-30"), day("2026-12-02"));
        use MovementKind::*;
        let r = d6_movement(Adjustment, -2, None, e, t).unwrap_err();
        assert_eq!(r.rule, RuleId::D6);
        assert!(d6_movement(Adjustment, -2, Some(AdjustmentReason::Damage), e, t).is_ok());
        assert!(d6_movement(Adjustment, 2, Some(AdjustmentReason::Loss), e, t).is_err());
        assert!(d6_movement(Adjustment, 2, Some(AdjustmentReason::Correction), e, t).is_ok());
        assert!(d6_movement(Receipt, 2, Some(AdjustmentReason::Correction), e, t).is_err());
        assert!(d6_movement(Stocktake, -2, Some(AdjustmentReason::Loss), e, t).is_ok());
        assert!(d6_movement(Stocktake, 2, Some(AdjustmentReason::Loss), e, t).is_err());
    }

    #[test]
    fn packs_read_as_a_pharmacist_reads_them() {
        assert_eq!(packs(25, 10, "盒", "片"), "2盒+5片");
        assert_eq!(packs(20, 10, "盒", "片"), "2盒");
        assert_eq!(packs(5, 10, "盒", "片"), "5片");
        assert_eq!(packs(0, 10, "盒", "片"), "0片");
        assert_eq!(packs(-25, 10, "盒", "片"), "-(2盒+5片)");
        assert_eq!(packs(-20, 10, "盒", "片"), "-2盒");
        assert_eq!(packs(3, 1, "支", "支"), "3支");
    }

    #[test]
    fn the_warehouse_moves_whole_packs_a_pharmacy_may_split() {
        assert!(d6_whole_packs(true, 20, 10, "盒", "片").is_ok());
        assert!(d6_whole_packs(true, -30, 10, "盒", "片").is_ok());
        let r = d6_whole_packs(true, 25, 10, "盒", "片").unwrap_err();
        assert_eq!(r.rule, RuleId::D6);
        assert!(r.message.contains("2盒+5片"), "{}", r.message);
        assert!(d6_whole_packs(false, 25, 10, "盒", "片").is_ok());
    }

    #[test]
    fn near_expiry_is_a_window_expired_is_past_the_day() {
        let t = day("2026-12-02");
        assert_eq!(expiry_state(day("2026-12-01"), t, 180), ExpiryState::Expired);
        assert_eq!(expiry_state(t, t, 180), ExpiryState::Near);
        assert_eq!(expiry_state(day("2027-05-31"), t, 180), ExpiryState::Near);
        assert_eq!(expiry_state(day("2027-06-01"), t, 180), ExpiryState::Ok);
        assert_eq!(expiry_state(day("2027-01-01"), t, 30), ExpiryState::Near);
        assert_eq!(expiry_state(day("2027-01-02"), t, 30), ExpiryState::Ok);
    }

    #[test]
    fn a_second_person_approves() {
        assert!(d6_second_person(Some(1), Some(1)).is_err());
        assert!(d6_second_person(Some(1), Some(2)).is_ok());
    }

    #[test]
    fn a_difference_says_why_and_a_loss_only_explains_less() {
        assert!(d6_difference(0, None, "B1").is_ok());
        assert!(d6_difference(-3, None, "B1").unwrap_err().message.contains("B1"));
        assert!(d6_difference(-3, Some(AdjustmentReason::Loss), "B1").is_ok());
        assert!(d6_difference(3, Some(AdjustmentReason::Loss), "B1").is_err());
        assert!(d6_difference(3, Some(AdjustmentReason::Correction), "B1").is_ok());
    }

    #[test]
    fn a_disposal_is_not_a_correction() {
        assert!(d6_disposal_reason(AdjustmentReason::Expiry).is_ok());
        assert!(d6_disposal_reason(AdjustmentReason::Correction).is_err());
    }

    #[test]
    fn consumption_is_recorded_for_a_day_that_has_come() {
        let t = day("2026-12-02");
        assert!(d6_consumption_day(t, t).is_ok());
        assert!(d6_consumption_day(day("2026-12-03"), t).is_err());
        assert!(d6_consumption_day(day("2026-09-01"), t).is_ok());
        assert!(d6_consumption_day(day("2026-08-31"), t).is_err());
    }

    #[test]
    fn expired_stock_is_never_issued_but_can_be_disposed_of() {
        let t = day("2026-12-02");
        let expired = day("2026-12-01");
        use MovementKind::*;
        for kind in [Dispatch, Dispensing, Consumption] {
            let r = d6_movement(kind, -1, None, expired, t).unwrap_err();
            assert!(r.message.contains("2026-12-01"), "{}", r.message);
            assert!(d6_movement(kind, -1, None, t, t).is_ok(), "expires today: still usable");
        }
        assert!(d6_movement(Adjustment, -5, Some(AdjustmentReason::Expiry), expired, t).is_ok());
        assert!(d6_movement(Return, -5, None, expired, t).is_ok());
    }

    #[test]
    fn not_enough_names_the_quantity_available() {
        let r = d6_not_enough(12, 10, "B2401");
        assert_eq!(r.rule, RuleId::D6);
        assert!(r.message.contains("10") && r.message.contains("B2401"));
    }

    proptest! {
        /// Whatever the kind and reason, an accepted movement goes the way its kind allows.
        #[test]
        fn accepted_movements_go_their_kinds_way(
            k in 0usize..9, r in 0usize..5, q in -1000i64..1000, past in any::<bool>()
        ) {
            use entity::codes::Coded;
            let kind = MovementKind::ALL[k];
            let reason = AdjustmentReason::ALL.get(r).copied();
            let t = day("2026-12-02");
            let expiry = if past { day("2026-01-01") } else { day("2027-01-01") };
            if d6_movement(kind, q, reason, expiry, t).is_ok() {
                prop_assert!(q != 0);
                match direction(kind, reason) {
                    Direction::In => prop_assert!(q > 0),
                    Direction::Out => prop_assert!(q < 0),
                    Direction::Either => {}
                }
                prop_assert!(!(issues(kind) && past));
                if kind == MovementKind::Adjustment {
                    prop_assert!(reason.is_some());
                } else if kind != MovementKind::Stocktake {
                    prop_assert!(reason.is_none());
                }
            }
        }
    }
}
