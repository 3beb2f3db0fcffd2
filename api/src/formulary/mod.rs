//! 统一目录 — the consortium formulary (DOMAIN.md §2.1, rules F1–F5).
pub mod columns;
pub mod handlers;
pub mod import;
pub mod io;
pub mod rules;
pub mod memory;
pub mod seed;
pub mod service;
pub mod store;
pub mod views;

use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use entity::user::Role::*;

/// Read the formulary, its history and its proposals.
pub const READ: Action = Action("read_formulary");
/// Propose a change (F1), import a file as a batch proposal.
pub const PROPOSE: Action = Action("propose_formulary");
/// Approve or reject another member's proposal (F1).
pub const DECIDE: Action = Action("decide_formulary");
/// Change the essential-medicine targets (F3).
pub const SET_TARGETS: Action = Action("set_formulary_targets");

pub const CAPABILITY: Capability = Capability {
    name: "formulary",
    description: "统一目录: the consortium formulary",
    policy: &[
        (
            READ,
            &[
                ConsortiumAdmin,
                Committee,
                Pharmacist,
                Prescriber,
                Procurement,
                Distribution,
                Auditor,
            ],
        ),
        (PROPOSE, &[Committee]),
        (DECIDE, &[Committee]),
        (SET_TARGETS, &[Committee, ConsortiumAdmin]),
    ],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(list_entries), READ)
            .op(routes!(search_entries), READ)
            .op(routes!(diff_formulary), READ)
            .op(routes!(essential_share), READ)
            .op(routes!(get_formulary_settings), READ)
            .op(routes!(put_formulary_settings), SET_TARGETS)
            .op(routes!(list_proposals), READ)
            .op(routes!(create_proposal), PROPOSE)
            .op(routes!(check_proposal), PROPOSE)
            .op(routes!(get_proposal), READ)
            .op(routes!(list_proposal_items), READ)
            .op(routes!(approve_proposal), DECIDE)
            .op(routes!(reject_proposal), DECIDE)
            .op(routes!(withdraw_proposal), PROPOSE)
            .op(routes!(import_template), READ)
            .op(routes!(import_progress), PROPOSE)
            .op(routes!(export_formulary), READ)
            .op(routes!(get_entry), READ)
            .op(routes!(get_entry_timeline), READ)
            .upload(routes!(import_formulary), PROPOSE)
            .upload(routes!(import_rejected_rows), PROPOSE)
            .upload(routes!(import_columns), PROPOSE)
    },
    init: |ctx, _| {
        ctx.with_part(memory::FormularyCache::default())
            .with_part(import::Progresses::default())
    },
    messages: &[],
    notices: &[],
    demo: Some(seed::demo),
};
