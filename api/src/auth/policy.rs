//! Who may do what. Each capability declares its part of the policy table (its actions and the
//! roles allowed) once, in its `CAPABILITY`; this module answers from the union of them and is
//! the only place roles meet actions: handlers do not check roles, operations get their action
//! where they are declared, the OpenAPI document's `security` scopes and the web app's pages
//! (through `actions` in `/api/v1/me`) follow from it.
use std::collections::HashMap;

use entity::user::Role;

use crate::CAPABILITIES;
pub use crate::capability::Action;

/// The roles allowed to perform an action (empty for public and signed-in actions).
pub fn roles_for(action: Action) -> &'static [Role] {
    CAPABILITIES
        .iter()
        .flat_map(|c| c.policy.iter())
        .find(|(a, _)| *a == action)
        .map(|(_, roles)| *roles)
        .unwrap_or(&[])
}

pub fn allows(roles: &[Role], action: Action) -> bool {
    !action.is_guarded() || roles_for(action).iter().any(|r| roles.contains(r))
}

/// Every role-guarded action, in declaration order.
pub fn all_actions() -> Vec<Action> {
    CAPABILITIES
        .iter()
        .flat_map(|c| c.policy.iter().map(|(a, _)| *a))
        .collect()
}

/// The role-guarded actions these roles allow.
pub fn actions_of(roles: &[Role]) -> Vec<Action> {
    all_actions()
        .into_iter()
        .filter(|a| allows(roles, *a))
        .collect()
}

/// Start-up check: every operation performs a declared action, every action is declared once
/// and has at least one role, and every declared action is used by some operation.
pub fn check(operations: &HashMap<String, Action>) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for a in all_actions() {
        if !a.is_guarded() {
            return Err(format!("{} cannot be in a policy table", a.id()));
        }
        if !seen.insert(a) {
            return Err(format!("action {} is declared in two policies", a.id()));
        }
        if roles_for(a).is_empty() {
            return Err(format!("action {} allows no role", a.id()));
        }
    }
    for (op, a) in operations {
        if a.is_guarded() && !seen.contains(a) {
            return Err(format!(
                "operation {op} performs {}, which no capability's policy declares",
                a.id()
            ));
        }
    }
    for a in &seen {
        if !operations.values().any(|x| x == a) {
            return Err(format!("action {} is declared but no operation performs it", a.id()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{admin, audit, distribution, formulary, procurement, stock};
    use Role::*;

    #[test]
    fn four_eyes_roles_and_readers() {
        assert!(allows(&[Committee], formulary::DECIDE));
        assert!(!allows(&[Pharmacist], formulary::PROPOSE));
        assert!(allows(&[Auditor], audit::READ_AUDIT));
        assert!(!allows(&[Auditor], admin::MANAGE_ORGANISATION));
        // a system administrator sees no consortium data by default
        assert!(!allows(&[SystemAdmin], formulary::READ));
        assert!(allows(&[], Action::SIGNED_IN));
        assert_eq!(
            actions_of(&[Pharmacist]),
            vec![
                formulary::READ,
                stock::READ,
                stock::RECORD,
                stock::APPROVE,
                procurement::READ,
                procurement::ORDER,
                distribution::READ_ALLOCATIONS,
                distribution::CLOSE_BACK_ORDER
            ],
            "a pharmacist reads the formulary, reads and records their institution's stock, approves a colleague's stocktake or disposal, reads contracts and cycles, places their institution's orders, and sees and ends their institution's back orders"
        );
        assert!(!allows(&[Pharmacist], distribution::ALLOCATE));
        assert!(!allows(&[Committee], stock::READ));
        assert!(allows(&[Distribution], stock::RECORD));
        assert!(!allows(&[Procurement], stock::RECORD));
        assert!(!allows(&[Auditor], stock::APPROVE));
        assert!(allows(&[ConsortiumAdmin], stock::SETTINGS));
        assert!(allows(&[Procurement], procurement::MANAGE));
        assert!(!allows(&[Pharmacist], procurement::MANAGE));
        assert!(!allows(&[ConsortiumAdmin], procurement::MANAGE));
    }
}
