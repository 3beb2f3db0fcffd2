//! tongyao: one formulary, one purchase, one delivery, one payment for a medical consortium.
//!
//! `app(state)` builds the whole HTTP service (tests use it directly); `run(settings)` serves it.
//! A request flows router → middleware (request id, trace span, panic guard, timeout, CSRF) →
//! extractor (session → `CurrentUser`, `Can<Action>`) → handler → service (transaction) →
//! rules (pure) → entity → JSON or problem+json.
pub mod bench;
pub mod capability;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod jobs;
pub mod kernel;
pub mod mail;
pub mod openapi;
pub mod print;
pub mod state;
pub mod telemetry;
pub mod web;

/// Declares each capability's module and registers its [`capability::Capability`]: one line
/// per capability, in the order of the API document.
macro_rules! capabilities {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*
        /// Every registered capability.
        pub const CAPABILITIES: &[capability::Capability] = &[$($name::CAPABILITY),*];
    };
}

capabilities![
    health,       // /healthz, /readyz
    auth,         // sign-in and the current user
    admin,        // consortia, institutions, users
    audit,        // the audit trail
    formulary,    // 统一目录
    stock,        // 库存
    procurement,  // 统一采购
    distribution, // 统一配送
];

use crate::i18n::tr;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::error::{AppError, Problem, problem_response};
use crate::state::AppState;

impl AppState {
    /// The state of a running service: each registered capability adds its per-instance state
    /// to the context.
    pub fn new(db: sea_orm::DatabaseConnection, settings: Settings) -> Self {
        let settings = std::sync::Arc::new(settings);
        let mut ctx = kernel::Ctx::new(db, settings.clone());
        for cap in CAPABILITIES {
            ctx = (cap.init)(ctx, &settings);
        }
        AppState { ctx, settings }
    }
}

/// The whole service: API, OpenAPI document and docs, health checks, and the web app.
pub fn app(state: AppState) -> Router {
    let (api, ops) = openapi::api_router(&state);
    let (api, doc) = api.split_for_parts();
    let doc = openapi::finish(doc, &ops);
    let api = api
        .layer(DefaultBodyLimit::max(
            state.settings.server.body_limit_bytes,
        ))
        .route("/api", axum::routing::any(api_not_found))
        .route("/api/", axum::routing::any(api_not_found))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        .with_state(state.clone());
    let router = Router::new()
        .merge(api)
        .merge(openapi::docs_router(doc, state.ctx.clock))
        .fallback_service(web::service(state.settings.server.static_dir.as_deref()));
    with_middleware(router, state)
}

/// The layers every request passes through, outermost last.
fn with_middleware(router: Router, state: AppState) -> Router {
    router
        .layer(middleware::from_fn(problemize))
        .layer(middleware::from_fn_with_state(state, timeout_guard))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(speak_the_readers_language))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
            let rid = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", request_id = %rid, method = %req.method(), path = %req.uri().path(),
                user = tracing::field::Empty, consortium = tracing::field::Empty)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CompressionLayer::new())
}

/// Messages of this request in the language its `Accept-Language` prefers (see `i18n`).
async fn speak_the_readers_language(req: Request, next: Next) -> Response {
    let lang = i18n::from_headers(req.headers());
    i18n::scope(lang, next.run(req)).await
}

async fn api_not_found() -> AppError {
    AppError::NotFound
}

async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Err(why) = auth::csrf_ok(
        req.method(),
        req.headers(),
        &state.settings.server.allowed_origins,
    ) {
        tracing::warn!(why, "CSRF check refused a request");
        let zh = if why.starts_with("missing") {
            "修改数据的请求缺少 X-Tongyao-Csrf: 1 请求头"
        } else {
            "拒绝跨站请求"
        };
        return axum::response::IntoResponse::into_response(AppError::Forbidden(tr(zh, why)));
    }
    next.run(req).await
}

async fn timeout_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_secs(state.settings.server.request_timeout_secs);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::error!("request timed out");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                &tr(
                    "请求处理时间过长，已被终止",
                    "the request took too long and was stopped",
                ),
            )
        }
    }
}

/// Any error answer under /api that is not yet problem+json (axum's 405, a body-limit 413, …)
/// becomes one, so clients see one error shape everywhere.
async fn problemize(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_api || status.as_u16() < 400 || is_problem {
        return res;
    }
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            tr("此处不允许该请求方法", "this method is not allowed here")
        }
        StatusCode::PAYLOAD_TOO_LARGE => tr("请求体过大", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => tr("不支持的内容类型", "unsupported content type"),
        _ => tr(
            format!("请求未能完成（HTTP {}）", status.as_u16()),
            status.canonical_reason().unwrap_or("error"),
        ),
    };
    let mut out = problem(status, &detail);
    if let Some(allow) = res.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

fn problem(status: StatusCode, detail: &str) -> Response {
    problem_response(
        status,
        &Problem {
            type_: format!("/problems/{}", status.as_u16()),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            rule: None,
            errors: vec![],
            report: None,
        },
    )
}

fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    // Logged inside the request span, so the line carries the request id.
    tracing::error!(panic = msg, "a handler panicked");
    let mut res = problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        &tr(
            "服务器内部错误，已记录日志",
            "an internal error occurred; it has been logged",
        ),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Connect, migrate if configured, and serve until SIGTERM or Ctrl-C, finishing in-flight
/// requests before exiting.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings.database).await?;
    if settings.database.migrate_on_start {
        db::migrate_up(&db).await?;
    } else {
        let pending = db::pending_migrations(&db).await?;
        if !pending.is_empty() {
            tracing::warn!(
                ?pending,
                "migrations pending; /readyz answers 503 until `tongyao migrate up`"
            );
        }
    }
    let addr: SocketAddr = settings.socket_addr();
    let state = AppState::new(db, settings);
    let ctx = state.ctx.clone();
    let app = app(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    // The outbox sender of this instance (notices by mail), stopped after the last request.
    let jobs = jobs::start(&ctx)?;
    tracing::info!(%local, "tongyao listening");
    println!("tongyao is ready at http://{local}/");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    jobs.stop().await;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn state() -> AppState {
        let settings =
            Settings::load_from(std::path::Path::new("/none"), "test", Vec::new()).unwrap();
        // A lazy connection is enough: these routes never touch the database.
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        AppState::new(db, settings)
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_problem_with_the_request_id() {
        let router = Router::new().route(
            "/api/boom",
            axum::routing::get(|| async {
                let v: Vec<String> = Vec::new();
                // An index out of bounds, as a bug in a handler would be.
                v[usize::from(v.is_empty())].clone()
            }),
        );
        let app = with_middleware(router, state().await);
        let res = app
            .oneshot(
                Request::get("/api/boom")
                    .header("x-request-id", "req-42")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers()["x-request-id"], "req-42");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let p: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(p["status"], 500);
        assert!(
            !p["detail"]
                .as_str()
                .unwrap()
                .contains("index out of bounds"),
            "no panic text reaches a client"
        );
    }

    #[tokio::test]
    async fn a_slow_handler_is_stopped_with_503() {
        let router = Router::new().route(
            "/api/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        );
        let mut st = state().await;
        let mut settings = (*st.settings).clone();
        settings.server.request_timeout_secs = 1;
        st.settings = std::sync::Arc::new(settings);
        let res = with_middleware(router, st)
            .oneshot(Request::get("/api/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key("x-request-id"));
    }
}
