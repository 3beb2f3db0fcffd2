//! First-expiry-first-out allocation (D2) as one pure function: approved member order lines
//! take packs from the central warehouse's lots — urgent orders first, then by the time the
//! order was submitted — each from the lot of its product that expires first, never from an
//! expired, held or short-dated lot; what cannot be filled is a back order with its reason. It
//! reads nothing but its arguments; `allocation` feeds it from the database and writes back.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::back_order::BackOrderReason;

/// What an order line still waits for, in packs.
#[derive(Clone, Debug)]
pub struct Want {
    pub line: i64,
    pub order: i64,
    pub entry: i64,
    pub urgent: bool,
    /// When the order was submitted (the order date of D2).
    pub ordered_at: DateTime<Utc>,
    pub packs: i64,
}

/// What a lot at the warehouse can still give, in whole packs (its balance less its open
/// allocations), and whether it is on quality hold.
#[derive(Clone, Debug)]
pub struct Lot {
    pub lot: i64,
    pub entry: i64,
    pub expiry: NaiveDate,
    pub packs: i64,
    pub held: bool,
}

/// Packs of a lot for an order line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Take {
    pub line: i64,
    pub lot: i64,
    pub packs: i64,
}

/// Packs of an order line that could not be filled, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Short {
    pub line: i64,
    pub packs: i64,
    pub reason: BackOrderReason,
}

/// Why a lot may not be allocated on `today` with `min_days` of shelf life required (None: it
/// may).
pub fn unfit(lot: &Lot, today: NaiveDate, min_days: i32) -> Option<BackOrderReason> {
    if lot.expiry <= today {
        Some(BackOrderReason::Expired)
    } else if lot.held {
        Some(BackOrderReason::Held)
    } else if (lot.expiry - today).num_days() < i64::from(min_days) {
        Some(BackOrderReason::ShortDated)
    } else {
        None
    }
}

/// The order in which lines are served: urgent first, then by order time, then order and line.
fn priority(w: &Want) -> (bool, DateTime<Utc>, i64, i64) {
    (!w.urgent, w.ordered_at, w.order, w.line)
}

/// Why a product's lines fall short when its fit lots are used up (or there were none): stock
/// that was there but went to lines served earlier, else the reason most of the unfit packs
/// cannot go (held before short-dated before expired when they tie), else none at all.
fn reason_for(lots: &[&Lot], today: NaiveDate, min_days: i32) -> BackOrderReason {
    let mut unfit_packs: HashMap<BackOrderReason, i64> = HashMap::new();
    let mut fit = 0;
    for l in lots.iter().filter(|l| l.packs > 0) {
        match unfit(l, today, min_days) {
            None => fit += l.packs,
            Some(r) => *unfit_packs.entry(r).or_default() += l.packs,
        }
    }
    if fit > 0 {
        return BackOrderReason::NotEnough;
    }
    [BackOrderReason::Held, BackOrderReason::ShortDated, BackOrderReason::Expired]
        .into_iter()
        .filter(|r| unfit_packs.get(r).copied().unwrap_or(0) > 0)
        .max_by_key(|r| (unfit_packs[r], std::cmp::Reverse(*r as u8)))
        .unwrap_or(BackOrderReason::NoStock)
}

/// Allocate (D2). Answers the takes (one per line and lot) and the shortfalls.
pub fn allocate(wants: &[Want], lots: &[Lot], today: NaiveDate, min_days: i32) -> (Vec<Take>, Vec<Short>) {
    let mut by_entry: HashMap<i64, Vec<&Lot>> = HashMap::new();
    for l in lots {
        by_entry.entry(l.entry).or_default().push(l);
    }
    // Per product: its fit lots in FEFO order with what each has left, a cursor past the used
    // ones, and the reason a line falls short once they are used up.
    struct Shelf {
        fit: Vec<(i64, i64)>,
        next: usize,
        reason: BackOrderReason,
    }
    let mut shelves: HashMap<i64, Shelf> = HashMap::with_capacity(by_entry.len());
    for (entry, mut ls) in by_entry {
        let reason = reason_for(&ls, today, min_days);
        ls.sort_by_key(|l| (l.expiry, l.lot));
        let fit = ls.iter().filter(|l| l.packs > 0 && unfit(l, today, min_days).is_none()).map(|l| (l.lot, l.packs)).collect();
        shelves.insert(entry, Shelf { fit, next: 0, reason });
    }
    let mut order: Vec<&Want> = wants.iter().filter(|w| w.packs > 0).collect();
    order.sort_by_key(|w| priority(w));
    let mut takes = Vec::new();
    let mut shorts = Vec::new();
    for w in order {
        let mut need = w.packs;
        match shelves.get_mut(&w.entry) {
            None => shorts.push(Short { line: w.line, packs: need, reason: BackOrderReason::NoStock }),
            Some(shelf) => {
                while need > 0 && shelf.next < shelf.fit.len() {
                    let (lot, left) = &mut shelf.fit[shelf.next];
                    let n = need.min(*left);
                    takes.push(Take { line: w.line, lot: *lot, packs: n });
                    *left -= n;
                    need -= n;
                    if *left == 0 {
                        shelf.next += 1;
                    }
                }
                if need > 0 {
                    shorts.push(Short { line: w.line, packs: need, reason: shelf.reason });
                }
            }
        }
    }
    (takes, shorts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn at(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap() + Duration::days(day)
    }
    fn want(line: i64, entry: i64, urgent: bool, day: i64, packs: i64) -> Want {
        Want { line, order: line, entry, urgent, ordered_at: at(day), packs }
    }
    fn lot(lot: i64, entry: i64, expiry: &str, packs: i64, held: bool) -> Lot {
        Lot { lot, entry, expiry: d(expiry), packs, held }
    }

    #[test]
    fn d2_serves_urgent_then_earlier_orders_from_the_first_expiring_fit_lot() {
        let today = d("2026-12-01");
        let lots = [
            lot(1, 7, "2028-01-01", 10, false),
            lot(2, 7, "2027-06-01", 5, false),
            lot(3, 7, "2027-01-01", 50, true),      // held
            lot(4, 7, "2026-12-20", 50, false),     // short-dated
            lot(5, 7, "2026-11-30", 50, false),     // expired
        ];
        let wants = [want(10, 7, false, 1, 8), want(11, 7, true, 5, 4), want(12, 7, false, 0, 6)];
        let (takes, shorts) = allocate(&wants, &lots, today, 90);
        // Urgent 11 first (lot 2, the first fit expiry), then 12 (ordered earlier), then 10.
        assert_eq!(
            takes,
            vec![
                Take { line: 11, lot: 2, packs: 4 },
                Take { line: 12, lot: 2, packs: 1 },
                Take { line: 12, lot: 1, packs: 5 },
                Take { line: 10, lot: 1, packs: 5 },
            ]
        );
        assert_eq!(shorts, vec![Short { line: 10, packs: 3, reason: BackOrderReason::NotEnough }]);
    }

    #[test]
    fn d2_says_why_a_line_falls_short() {
        let today = d("2026-12-01");
        let w = [want(1, 1, false, 0, 2)];
        let reason = |lots: &[Lot]| allocate(&w, lots, today, 90).1[0].reason;
        assert_eq!(reason(&[]), BackOrderReason::NoStock);
        assert_eq!(reason(&[lot(1, 1, "2028-01-01", 0, false)]), BackOrderReason::NoStock);
        assert_eq!(reason(&[lot(1, 1, "2028-01-01", 1, true)]), BackOrderReason::Held);
        assert_eq!(reason(&[lot(1, 1, "2027-01-01", 9, false), lot(2, 1, "2028-01-01", 1, true)]), BackOrderReason::ShortDated);
        assert_eq!(reason(&[lot(1, 1, "2026-12-01", 9, false)]), BackOrderReason::Expired);
        // Some fit stock, not enough of it.
        assert_eq!(reason(&[lot(1, 1, "2028-01-01", 1, false)]), BackOrderReason::NotEnough);
        // A product nobody stocks.
        assert_eq!(allocate(&w, &[lot(1, 2, "2028-01-01", 9, false)], today, 90).1[0].reason, BackOrderReason::NoStock);
    }

    #[test]
    fn d2_a_minimum_of_zero_days_still_refuses_expired_lots() {
        let today = d("2026-12-01");
        let (takes, shorts) = allocate(&[want(1, 1, false, 0, 3)], &[lot(1, 1, "2026-12-01", 5, false), lot(2, 1, "2026-12-02", 1, false)], today, 0);
        assert_eq!(takes, vec![Take { line: 1, lot: 2, packs: 1 }]);
        assert_eq!(shorts[0].packs, 2);
    }

    /// The allocator written the slow, obvious way: serve lines one pack at a time, each pack
    /// from the fit lot of the product with the earliest expiry (lowest id on a tie) that has
    /// any left, scanning every lot every time.
    fn brute_force(wants: &[Want], lots: &[Lot], today: NaiveDate, min_days: i32) -> (BTreeMap<(i64, i64), i64>, BTreeMap<i64, i64>) {
        let mut left: Vec<i64> = lots.iter().map(|l| l.packs).collect();
        let mut ws: Vec<&Want> = wants.iter().collect();
        // Bubble sort by the D2 order, spelled out.
        for i in 0..ws.len() {
            for j in 0..ws.len() - 1 - i {
                let (a, b) = (ws[j], ws[j + 1]);
                let later = if a.urgent != b.urgent {
                    !a.urgent
                } else if a.ordered_at != b.ordered_at {
                    a.ordered_at > b.ordered_at
                } else {
                    (a.order, a.line) > (b.order, b.line)
                };
                if later {
                    ws.swap(j, j + 1);
                }
            }
        }
        let mut takes = BTreeMap::new();
        let mut shorts = BTreeMap::new();
        for w in ws {
            for _ in 0..w.packs.max(0) {
                let mut best: Option<usize> = None;
                for (i, l) in lots.iter().enumerate() {
                    let fit = l.entry == w.entry
                        && left[i] > 0
                        && !l.held
                        && l.expiry > today
                        && (l.expiry - today).num_days() >= i64::from(min_days);
                    if fit && best.is_none_or(|b| (l.expiry, l.lot) < (lots[b].expiry, lots[b].lot)) {
                        best = Some(i);
                    }
                }
                match best {
                    Some(i) => {
                        left[i] -= 1;
                        *takes.entry((w.line, lots[i].lot)).or_insert(0) += 1;
                    }
                    None => *shorts.entry(w.line).or_insert(0) += 1,
                }
            }
        }
        (takes, shorts)
    }

    fn arb_case() -> impl Strategy<Value = (Vec<Want>, Vec<Lot>, i32)> {
        let wants = prop::collection::vec((1..4i64, any::<bool>(), 0..4i64, 0..12i64), 0..14);
        let lots = prop::collection::vec((1..4i64, 0..400i64, 0..9i64, prop::bool::weighted(0.15)), 0..14);
        (wants, lots, 0..120i32).prop_map(|(ws, ls, min_days)| {
            let wants = ws
                .into_iter()
                .enumerate()
                .map(|(i, (entry, urgent, day, packs))| Want { line: i as i64 + 1, order: (i as i64) / 2, entry, urgent, ordered_at: at(day), packs })
                .collect();
            let start = d("2026-11-01");
            let lots = ls
                .into_iter()
                .enumerate()
                .map(|(i, (entry, days, packs, held))| Lot { lot: 100 + i as i64, entry, expiry: start + Duration::days(days), packs, held })
                .collect();
            (wants, lots, min_days)
        })
    }

    proptest! {
        /// D2: the allocator gives exactly what the brute-force one gives, line by line and lot
        /// by lot, and nothing is lost: every pack wanted is taken or back-ordered, no lot gives
        /// more than it has.
        #[test]
        fn d2_fefo_matches_the_brute_force_allocator((wants, lots, min_days) in arb_case()) {
            let today = d("2026-12-01");
            let (takes, shorts) = allocate(&wants, &lots, today, min_days);
            let (want_takes, want_shorts) = brute_force(&wants, &lots, today, min_days);
            let mut got: BTreeMap<(i64, i64), i64> = BTreeMap::new();
            for t in &takes {
                prop_assert!(t.packs > 0);
                *got.entry((t.line, t.lot)).or_insert(0) += t.packs;
            }
            prop_assert_eq!(got, want_takes);
            let got_shorts: BTreeMap<i64, i64> = shorts.iter().map(|s| (s.line, s.packs)).collect();
            prop_assert_eq!(got_shorts, want_shorts);
            for w in &wants {
                let taken: i64 = takes.iter().filter(|t| t.line == w.line).map(|t| t.packs).sum();
                let short: i64 = shorts.iter().filter(|s| s.line == w.line).map(|s| s.packs).sum();
                prop_assert_eq!(taken + short, w.packs);
            }
            for l in &lots {
                let given: i64 = takes.iter().filter(|t| t.lot == l.lot).map(|t| t.packs).sum();
                prop_assert!(given <= l.packs);
                if given > 0 {
                    prop_assert!(unfit(l, today, min_days).is_none());
                }
            }
        }
    }
}
