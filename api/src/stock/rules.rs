//! D6 as pure functions: what a movement may be. Whether stock is there to take is decided where
//! the balance is moved (`service`), atomically with it.
use chrono::NaiveDate;

use crate::i18n::tr;
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
/// consumption take it out; returns and stocktakes go either way; an adjustment for damage,
/// expiry or loss takes out, a correction goes either way.
pub fn direction(kind: MovementKind, reason: Option<AdjustmentReason>) -> Direction {
    use MovementKind::*;
    match kind {
        Opening | Receipt | Delivery => Direction::In,
        Dispatch | Dispensing | Consumption => Direction::Out,
        Return | Stocktake => Direction::Either,
        Adjustment => match reason {
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
        (MovementKind::Adjustment, Some(_)) | (_, None) => {}
        (_, Some(_)) => {
            return Err(refuse(
                format!("只有调整才注明调整原因（这是{}）", kind.zh()),
                format!("only an adjustment has an adjustment reason (this is {})", kind.code()),
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
                prop_assert_eq!(reason.is_some(), kind == MovementKind::Adjustment);
            }
        }
    }
}
