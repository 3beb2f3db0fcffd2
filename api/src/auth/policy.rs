//! Who may do what: the one place where roles meet actions. Handlers ask for `Can<Action>`;
//! the OpenAPI document's `security` requirement of every operation is filled from
//! [`OPERATIONS`], and the route-walk test proves the running service agrees with it.
use serde::Serialize;
use utoipa::ToSchema;

use super::roles::Role;
use Role::*;

/// What an operation does, as far as permission goes. The web app shows a page when the
/// signed-in user's `actions` (`GET /api/v1/me`) contain the page's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// No session needed.
    Public,
    /// Any signed-in user.
    Authenticated,
    ManageConsortia,
    ManageOrganisation,
    ReadOrganisation,
    ReadAudit,
    ReadFormulary,
    ProposeFormulary,
    DecideFormulary,
    SetFormularyTargets,
}

/// The roles allowed to perform an action (empty for Public/Authenticated: no role needed).
pub fn roles_for(action: Action) -> &'static [Role] {
    match action {
        Action::Public | Action::Authenticated => &[],
        Action::ManageConsortia => &[SystemAdmin],
        Action::ManageOrganisation => &[SystemAdmin, ConsortiumAdmin],
        Action::ReadOrganisation => &[SystemAdmin, ConsortiumAdmin, Auditor],
        Action::ReadAudit => &[SystemAdmin, Auditor],
        Action::ReadFormulary => &[
            ConsortiumAdmin,
            Committee,
            Pharmacist,
            Prescriber,
            Procurement,
            Distribution,
            Auditor,
        ],
        Action::ProposeFormulary | Action::DecideFormulary => &[Committee],
        Action::SetFormularyTargets => &[Committee, ConsortiumAdmin],
    }
}

/// Every action that needs a role, in declaration order.
pub const GUARDED: &[Action] = &[
    Action::ManageConsortia,
    Action::ManageOrganisation,
    Action::ReadOrganisation,
    Action::ReadAudit,
    Action::ReadFormulary,
    Action::ProposeFormulary,
    Action::DecideFormulary,
    Action::SetFormularyTargets,
];

/// The role-guarded actions these roles allow.
pub fn actions_of(roles: &[Role]) -> Vec<Action> {
    GUARDED
        .iter()
        .copied()
        .filter(|a| allows(roles, *a))
        .collect()
}

pub fn allows(roles: &[Role], action: Action) -> bool {
    match action {
        Action::Public | Action::Authenticated => true,
        _ => roles_for(action).iter().any(|r| roles.contains(r)),
    }
}

/// Every operation of the API (by its OpenAPI operation id) and the action it performs.
pub const OPERATIONS: &[(&str, Action)] = &[
    ("healthz", Action::Public),
    ("readyz", Action::Public),
    ("sign_in", Action::Public),
    ("sign_out", Action::Authenticated),
    ("get_me", Action::Authenticated),
    ("change_password", Action::Authenticated),
    ("list_consortia", Action::ManageConsortia),
    ("create_consortium", Action::ManageConsortia),
    ("list_institutions", Action::ReadOrganisation),
    ("create_institution", Action::ManageOrganisation),
    ("update_institution", Action::ManageOrganisation),
    ("list_users", Action::ReadOrganisation),
    ("create_user", Action::ManageOrganisation),
    ("update_user", Action::ManageOrganisation),
    ("list_audit", Action::ReadAudit),
    ("list_entries", Action::ReadFormulary),
    ("get_entry", Action::ReadFormulary),
    ("get_entry_timeline", Action::ReadFormulary),
    ("search_entries", Action::ReadFormulary),
    ("diff_formulary", Action::ReadFormulary),
    ("essential_share", Action::ReadFormulary),
    ("get_formulary_settings", Action::ReadFormulary),
    ("put_formulary_settings", Action::SetFormularyTargets),
    ("list_proposals", Action::ReadFormulary),
    ("get_proposal", Action::ReadFormulary),
    ("create_proposal", Action::ProposeFormulary),
    ("check_proposal", Action::ProposeFormulary),
    ("approve_proposal", Action::DecideFormulary),
    ("reject_proposal", Action::DecideFormulary),
    ("withdraw_proposal", Action::ProposeFormulary),
    ("import_template", Action::ReadFormulary),
    ("import_formulary", Action::ProposeFormulary),
    ("export_formulary", Action::ReadFormulary),
];

pub fn action_of(operation_id: &str) -> Option<Action> {
    OPERATIONS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_eyes_roles_and_readers() {
        assert!(allows(&[Committee], Action::DecideFormulary));
        assert!(!allows(&[Pharmacist], Action::ProposeFormulary));
        assert!(allows(&[Auditor], Action::ReadAudit));
        assert!(!allows(&[Auditor], Action::ManageOrganisation));
        // a system administrator sees no consortium data by default
        assert!(!allows(&[SystemAdmin], Action::ReadFormulary));
        assert!(allows(&[], Action::Authenticated));
    }

    #[test]
    fn operation_ids_unique() {
        let mut ids: Vec<_> = OPERATIONS.iter().map(|(id, _)| *id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
    }
}
