//! 统一目录 — the consortium formulary (DOMAIN.md §2.1, rules F1–F5).
pub mod handlers;
pub mod import;
pub mod io;
pub mod rules;
pub mod search_cache;
pub mod seed;
pub mod service;
pub mod views;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Formulary routes except the upload (which gets its own body limit in `openapi::api_router`).
pub fn router() -> OpenApiRouter<AppState> {
    use handlers::*;
    OpenApiRouter::new()
        .routes(routes!(list_entries))
        .routes(routes!(search_entries))
        .routes(routes!(diff_formulary))
        .routes(routes!(essential_share))
        .routes(routes!(get_formulary_settings, put_formulary_settings))
        .routes(routes!(list_proposals, create_proposal))
        .routes(routes!(check_proposal))
        .routes(routes!(get_proposal))
        .routes(routes!(approve_proposal))
        .routes(routes!(reject_proposal))
        .routes(routes!(withdraw_proposal))
        .routes(routes!(import_template))
        .routes(routes!(export_formulary))
        .routes(routes!(get_entry))
        .routes(routes!(get_entry_timeline))
}
