//! Administration: consortia (system administrators), institutions and users (consortium
//! administrators, within their own consortium).
pub mod handlers;
pub mod service;
pub mod views;

use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use entity::user::Role::*;

pub const MANAGE_CONSORTIA: Action = Action("manage_consortia");
pub const MANAGE_ORGANISATION: Action = Action("manage_organisation");
pub const READ_ORGANISATION: Action = Action("read_organisation");

pub const CAPABILITY: Capability = Capability {
    name: "admin",
    description: "Consortia, institutions, users",
    policy: &[
        (MANAGE_CONSORTIA, &[SystemAdmin]),
        (MANAGE_ORGANISATION, &[SystemAdmin, ConsortiumAdmin]),
        (READ_ORGANISATION, &[SystemAdmin, ConsortiumAdmin, Auditor]),
    ],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(list_consortia), MANAGE_CONSORTIA)
            .op(routes!(create_consortium), MANAGE_CONSORTIA)
            .op(routes!(list_institutions), READ_ORGANISATION)
            .op(routes!(create_institution), MANAGE_ORGANISATION)
            .op(routes!(update_institution), MANAGE_ORGANISATION)
            .op(routes!(list_users), READ_ORGANISATION)
            .op(routes!(create_user), MANAGE_ORGANISATION)
            .op(routes!(update_user), MANAGE_ORGANISATION)
    },
    init: crate::capability::no_state,
    messages: &[],
    notices: &[],
    demo: None,
};
