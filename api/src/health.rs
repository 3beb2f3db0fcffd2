//! `/healthz`: the process answers. `/readyz`: the database answers and migrations are current.
use crate::i18n::tr;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::capability::{Action, Capability, Routes};
use crate::error::AppError;
use crate::state::AppState;

pub const CAPABILITY: Capability = Capability {
    name: "operations",
    description: "Health and readiness",
    policy: &[],
    routes: || {
        Routes::new()
            .op(utoipa_axum::routes!(healthz), Action::PUBLIC)
            .op(utoipa_axum::routes!(readyz), Action::PUBLIC)
    },
    init: crate::capability::no_state,
    messages: &[],
    notices: &[],
    demo: None,
};

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Ready: database reachable and no migration pending.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses((status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database is unreachable or a migration is pending", body = crate::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> axum::response::Response {
    if let Err(e) = crate::db::ping(&state.ctx.db).await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return unavailable(&tr("无法连接数据库", "the database is unreachable"));
    }
    match crate::db::pending_migrations(&state.ctx.db).await {
        Ok(p) if p.is_empty() => Json(Health { status: "ready" }).into_response(),
        Ok(p) => unavailable(&tr(
            format!("数据库迁移尚未执行：{}", p.join(", ")),
            format!("migrations pending: {}", p.join(", ")),
        )),
        Err(_) => unavailable(&tr(
            "无法读取数据库迁移状态",
            "cannot read the migration state",
        )),
    }
}

fn unavailable(why: &str) -> axum::response::Response {
    let e = AppError::BadRequest(why.to_string());
    let mut p = e.to_problem();
    p.status = 503;
    p.title = "Service Unavailable".into();
    p.type_ = "/problems/503".into();
    crate::error::problem_response(StatusCode::SERVICE_UNAVAILABLE, &p)
}
