//! Coded enums: one definition per enum, which the table column (sea-orm `DeriveActiveEnum`),
//! the API types (serde), the OpenAPI document (utoipa) and, through it, the web app's generated
//! types all follow. A code read from the database that this program does not know is an error
//! (sea-orm refuses to decode the row), never a silent default.
//!
//! ```text
//! coded_enum!(
//!     /// Route of administration.
//!     Route { Oral = "oral" / "口服", Injection = "injection" / "注射" | "针剂" });
//! ```
//! Each variant has its code (stored and sent), its Chinese label (shown, exported) and any
//! other Chinese spellings an import accepts. Variant names are chosen so that snake_case gives
//! the code (a test checks it), because utoipa does not see per-variant renames made inside a
//! macro.

/// Implemented by every coded enum.
pub trait Coded: Sized + Copy + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The code stored in the database and sent over the API.
    fn code(self) -> &'static str;
    /// The Chinese label.
    fn zh(self) -> &'static str;
    /// The code or any Chinese spelling.
    fn parse(s: &str) -> Option<Self>;
    /// "口服/oral, 注射/injection, …" for messages that list the choices.
    fn choices() -> String {
        Self::ALL
            .iter()
            .map(|v| format!("{}/{}", v.zh(), v.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[macro_export]
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $code:tt / $zh:tt $(| $alt:tt)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        #[serde(rename_all = "snake_case")]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $(#[sea_orm(string_value = $code)] $var),+
        }

        impl $crate::codes::Coded for $name {
            const ALL: &'static [$name] = &[$($name::$var),+];
            fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            fn zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($code) || s == $zh $(|| s == $alt)* { return Some($name::$var); })+
                None
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::codes::Coded::code(*self))
            }
        }
    };
}

/// Checks every variant's wire form is its code and both spellings parse back (for tests).
pub fn check_round_trip<T: Coded + serde::Serialize + std::fmt::Debug + PartialEq>() {
    for v in T::ALL {
        let wire = serde_json::to_value(v).expect("serialises");
        assert_eq!(
            wire.as_str(),
            Some(v.code()),
            "{v:?}: snake_case must give the code"
        );
        assert_eq!(T::parse(v.code()), Some(*v));
        assert_eq!(T::parse(v.zh()), Some(*v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formulary_proposal::{ProposalKind, ProposalStatus};
    use crate::formulary_version::{
        AntimicrobialTier, EntryStatus, InsuranceClass, Route, SpecialClass, Storage,
    };
    use crate::institution::Level;
    use crate::user::Role;

    #[test]
    fn wire_form_is_the_code_and_both_labels_parse() {
        check_round_trip::<Route>();
        check_round_trip::<InsuranceClass>();
        check_round_trip::<SpecialClass>();
        check_round_trip::<AntimicrobialTier>();
        check_round_trip::<Storage>();
        check_round_trip::<EntryStatus>();
        check_round_trip::<ProposalKind>();
        check_round_trip::<ProposalStatus>();
        check_round_trip::<Level>();
        check_round_trip::<Role>();
        assert_eq!(Level::parse("社区卫生服务中心"), Some(Level::Township));
        assert!(Level::Lead.may_use(Level::Village));
        assert!(!Level::Village.may_use(Level::Township));
    }

    #[test]
    fn the_database_form_is_the_code() {
        use sea_orm::ActiveEnum;
        assert_eq!(SpecialClass::Psychotropic_1.to_value(), "psychotropic_1");
        assert_eq!(
            Storage::try_from_value(&"cold_chain".to_string()),
            Ok(Storage::ColdChain)
        );
        assert!(Storage::try_from_value(&"frozen".to_string()).is_err());
    }
}
