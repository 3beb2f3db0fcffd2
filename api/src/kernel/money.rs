//! Exact money. Amounts are `rust_decimal` in the domain and integer minor units in storage
//! (sea-orm reads SQLite decimals through f64, so no decimal column is used anywhere). Each use
//! states its scale: the formulary's contracted price per pack is kept in ten-thousandths of a
//! yuan (`SCALE_PRICE`), totals and statements in fen (`SCALE_FEN`). A value with more decimals
//! than its scale holds is refused, never rounded or cut.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::i18n::tr;

/// Ten-thousandths of a yuan: unit prices.
pub const SCALE_PRICE: u32 = 4;
/// Fen: amounts owed and paid.
pub const SCALE_FEN: u32 = 2;

/// An amount of yuan (CNY). Travels as a decimal string ("12.50") so no client turns it into
/// a float.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(#[serde(with = "rust_decimal::serde::str")] pub Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("more than {0} decimal places")]
    TooPrecise(u32),
    #[error("too large")]
    Overflow,
}

impl MoneyError {
    /// The message a person reads.
    pub fn message(&self) -> String {
        match self {
            MoneyError::TooPrecise(s) => tr(
                format!("最多 {s} 位小数"),
                format!("at most {s} decimal places"),
            ),
            MoneyError::Overflow => tr("金额过大", "the amount is too large"),
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn new(d: Decimal) -> Self {
        Money(d)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// From integer minor units of `scale` decimals (e.g. 125000 at scale 4 = 12.50), shown
    /// with at least two decimals.
    pub fn from_minor(units: i64, scale: u32) -> Self {
        let mut d = Decimal::new(units, scale).normalize();
        if d.scale() < 2 {
            d.rescale(2);
        }
        Money(d)
    }

    /// Integer minor units of `scale` decimals; refuses a value that does not fit exactly.
    pub fn to_minor(self, scale: u32) -> Result<i64, MoneyError> {
        let d = self.0.normalize();
        if d.scale() > scale {
            return Err(MoneyError::TooPrecise(scale));
        }
        let factor = Decimal::from(10i64.pow(scale));
        let scaled = d.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        i64::try_from(scaled).map_err(|_| MoneyError::Overflow)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]{1,20}(\.[0-9]{1,8})?$"))
            .description(Some("An amount of yuan (CNY) as a decimal string, exact"))
            .examples([serde_json::json!("12.50")])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Amounts survive the trip through integer minor units exactly.
        #[test]
        fn minor_units_round_trip(units in -10_000_000_000i64..10_000_000_000i64) {
            for scale in [SCALE_FEN, SCALE_PRICE] {
                let m = Money::from_minor(units, scale);
                prop_assert_eq!(m.to_minor(scale), Ok(units));
                prop_assert_eq!(Money::from_minor(m.to_minor(scale).unwrap(), scale), m);
            }
        }
    }

    #[test]
    fn too_many_decimals_are_refused_not_cut() {
        let m = Money(Decimal::new(123_456, 5)); // 1.23456
        assert_eq!(m.to_minor(SCALE_PRICE), Err(MoneyError::TooPrecise(4)));
        assert_eq!(Money(Decimal::new(12_500, 3)).to_minor(SCALE_FEN), Ok(1250)); // 12.500
        assert_eq!(Money::from_minor(125_000, 4).to_string(), "12.50");
        assert_eq!(Money::from_minor(125_055, 4).to_string(), "12.5055");
        assert_eq!(Money(Decimal::MAX).to_minor(4), Err(MoneyError::Overflow));
    }
}
