use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The roles of DOMAIN.md §1.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    ConsortiumAdmin,
    Committee,
    Pharmacist,
    Prescriber,
    Procurement,
    Distribution,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::SystemAdmin,
        Role::ConsortiumAdmin,
        Role::Committee,
        Role::Pharmacist,
        Role::Prescriber,
        Role::Procurement,
        Role::Distribution,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::ConsortiumAdmin => "consortium_admin",
            Role::Committee => "committee",
            Role::Pharmacist => "pharmacist",
            Role::Prescriber => "prescriber",
            Role::Procurement => "procurement",
            Role::Distribution => "distribution",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Roles are stored as a comma-separated list.
pub fn parse_roles(s: &str) -> Vec<Role> {
    let mut v: Vec<Role> = s.split(',').filter_map(|r| Role::parse(r.trim())).collect();
    v.sort();
    v.dedup();
    v
}

pub fn format_roles(roles: &[Role]) -> String {
    let mut v = roles.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        let s = format_roles(&[Role::Auditor, Role::Committee, Role::Committee]);
        assert_eq!(s, "committee,auditor");
        assert_eq!(parse_roles(&s), vec![Role::Committee, Role::Auditor]);
        assert_eq!(parse_roles("bogus, committee"), vec![Role::Committee]);
    }
}
