//! Rule ids (DOMAIN.md): a typed enum, so a refusal names a rule that exists and a reader who
//! knows a rule id finds its one function by searching for it.
use serde::Serialize;
use utoipa::ToSchema;

/// Every business rule of DOMAIN.md, by its stable id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub enum RuleId {
    F1,
    F2,
    F3,
    F4,
    F5,
    O1,
    O2,
    O3,
    O4,
    O5,
    O6,
    O7,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    T1,
    M1,
    R1,
    R2,
    R3,
    R4,
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
    E1,
    E2,
    E3,
    E4,
    E5,
}

impl RuleId {
    pub fn as_str(self) -> String {
        format!("{self:?}")
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// A refusal by a named rule, as a pure rule function returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub rule: RuleId,
    pub message: String,
}

impl Refusal {
    pub fn new(rule: RuleId, message: impl Into<String>) -> Self {
        Refusal {
            rule,
            message: message.into(),
        }
    }
}

impl From<Refusal> for crate::error::AppError {
    fn from(r: Refusal) -> Self {
        crate::error::AppError::rule(r.rule, r.message)
    }
}
