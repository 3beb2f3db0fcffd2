//! Authentication and authorization: sessions, passwords, and the guard every operation passes
//! through. Each operation is declared with its action (`capability::Routes::op`); the guard
//! resolves the session (401), asks the policy table (403) — before the handler or its body is
//! looked at — and hands the handler an [`Actor`].
pub mod handlers;
pub mod password;
pub mod policy;
pub mod service;
pub mod session;

use crate::i18n::tr;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa_axum::routes;

pub use crate::capability::Action;
pub use entity::user::Role;
use session::SessionUser;

use crate::capability::{Capability, Routes};
use crate::error::AppError;
use crate::kernel::Actor;
use crate::state::AppState;

pub const CAPABILITY: Capability = Capability {
    name: "session",
    description: "Sign-in and the current user",
    policy: &[],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(sign_in), Action::PUBLIC)
            .op(routes!(sign_out), Action::SIGNED_IN)
            .op(routes!(get_me), Action::SIGNED_IN)
            .op(routes!(change_password), Action::SIGNED_IN)
    },
    init: |ctx, settings| {
        ctx.with_part(session::SessionCache::new(
            settings.auth.session_cache_ms,
        ))
    },
    messages: &[],
    notices: &[],
    demo: None,
};

/// The signed-in user of this request, with the session behind it.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub session: SessionUser,
    pub request_id: Option<String>,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.session.user_id
    }

    /// The user as services see it.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.session.user_id),
            username: Some(self.session.username.clone()),
            display_name: Some(self.session.display_name.clone()),
            institution_id: self.session.institution_id,
            consortium_id: self.session.consortium_id,
            roles: self.session.roles.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

pub fn request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(session::token_from_cookies)
            .ok_or(AppError::Unauthorized)?
            .to_string();
        let auth = &state.settings.auth;
        let hash = session::token_hash(&token);
        let cache = state.ctx.part::<session::SessionCache>();
        let session = match cache.get(&hash, auth) {
            Some(s) => s,
            None => {
                let s = session::resolve(&state.ctx.db, &token, auth)
                    .await?
                    .ok_or(AppError::Unauthorized)?;
                cache.put(&s);
                s
            }
        };
        let span = tracing::Span::current();
        span.record("user", session.username.as_str());
        if let Some(c) = session.consortium_id {
            span.record("consortium", c);
        }
        let user = CurrentUser {
            session,
            request_id: request_id(&parts.headers),
        };
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// The guard around every operation: public ones pass; others need a session (401) whose roles
/// the policy table allows for the operation's action (403). The handler then finds the
/// [`Actor`] (and the [`CurrentUser`]) in the request.
pub async fn guard(
    State((state, action)): State<(AppState, Action)>,
    req: Request,
    next: Next,
) -> Response {
    if action == Action::PUBLIC {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    if !policy::allows(&user.session.roles, action) {
        return AppError::Forbidden(tr("您的角色无权执行此操作", "your role may not do this"))
            .into_response();
    }
    parts.extensions.insert(user.actor());
    next.run(Request::from_parts(parts, body)).await
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = AppError;

    /// Set by [`guard`]; an operation declared public has no actor.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .ok_or(AppError::Unauthorized)
    }
}

/// CSRF defence for cookie-authenticated browsers, on top of SameSite=Lax: every mutating
/// request must carry `X-Tongyao-Csrf: 1` (a custom header a cross-site form or simple request
/// cannot send without a CORS preflight, which this service never grants), and an `Origin`
/// header, when present, must be this host or a configured origin.
pub fn csrf_ok(
    method: &Method,
    headers: &axum::http::HeaderMap,
    allowed_origins: &[String],
) -> Result<(), &'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if headers.get("x-tongyao-csrf").and_then(|v| v.to_str().ok()) != Some("1") {
        return Err("missing X-Tongyao-Csrf: 1 header on a state-changing request");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        let same = !host.is_empty() && origin_host == host;
        if !same && !allowed_origins.iter().any(|o| o == origin) {
            return Err("cross-origin request refused");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn csrf_rules() {
        let mut h = HeaderMap::new();
        assert!(csrf_ok(&Method::GET, &h, &[]).is_ok());
        assert!(csrf_ok(&Method::POST, &h, &[]).is_err());
        h.insert("x-tongyao-csrf", HeaderValue::from_static("1"));
        assert!(csrf_ok(&Method::POST, &h, &[]).is_ok());
        h.insert(
            header::HOST,
            HeaderValue::from_static("hospital.local:8080"),
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://hospital.local:8080"),
        );
        assert!(csrf_ok(&Method::DELETE, &h, &[]).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(csrf_ok(&Method::POST, &h, &[]).is_err());
        assert!(csrf_ok(&Method::POST, &h, &["http://evil.example".to_string()]).is_ok());
    }
}
