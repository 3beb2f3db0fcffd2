pub mod handlers;
pub mod search_cache;
pub mod seed;
use utoipa_axum::router::OpenApiRouter;
use crate::state::AppState;
pub fn router() -> OpenApiRouter<AppState> { OpenApiRouter::new() }
