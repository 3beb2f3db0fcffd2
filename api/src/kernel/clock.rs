//! One clock. "Today" is the calendar day in China (Asia/Shanghai: UTC+8 all year, no daylight
//! saving) — effective dates, expiry, cycles and refill windows are all China days. Outside
//! production the clock can be fixed to a day (`clock.today`, e.g.
//! `TONGYAO__CLOCK__TODAY=2027-03-01`) so that users and tests can try things days apart
//! without waiting; production refuses a fixed clock at start-up.
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

/// UTC+8, the offset of Asia/Shanghai.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("8 h is a valid offset"))
}

/// The China calendar day of an instant.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// Shift from the real time, whole days (non-zero only for a fixed day).
    shift_days: i64,
    fixed: Option<NaiveDate>,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock whose day is `day`: time of day runs as usual, the date is pinned.
    pub fn fixed(day: NaiveDate) -> Self {
        Clock {
            shift_days: 0,
            fixed: Some(day),
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    /// Now: real time, or on a fixed day the day's date at the real China time of day (so
    /// timestamps keep their order within a session of trying things out).
    pub fn now(&self) -> DateTime<Utc> {
        let real = Utc::now();
        match self.fixed {
            None => real + Duration::days(self.shift_days),
            Some(day) => real + (day - china_day(real)),
        }
    }

    /// Today in China.
    pub fn today(&self) -> NaiveDate {
        self.fixed.unwrap_or_else(|| china_day(self.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_keeps_its_day_and_the_time_of_day() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let c = Clock::fixed(d);
        assert_eq!(c.today(), d);
        assert_eq!(china_day(c.now()), d);
        assert!(c.is_fixed() && !Clock::system().is_fixed());
    }

    #[test]
    fn china_day_turns_at_16_utc() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            china_day(t("2026-12-01T15:59:59Z")).to_string(),
            "2026-12-01"
        );
        assert_eq!(
            china_day(t("2026-12-01T16:00:00Z")).to_string(),
            "2026-12-02"
        );
    }
}
