//! Authentication and authorization: sessions, passwords, the `CurrentUser` extractor, and
//! `Can<A>` which refuses with 403 before the handler (and its body) is looked at.
pub mod handlers;
pub mod password;
pub mod policy;
pub mod roles;
pub mod session;

use crate::i18n::tr;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::{Method, header, request::Parts};

pub use policy::Action;
pub use roles::Role;
use session::SessionUser;

use crate::error::AppError;
use crate::state::AppState;

/// The signed-in user of this request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub session: SessionUser,
    pub request_id: Option<String>,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.session.user_id
    }

    pub fn has(&self, role: Role) -> bool {
        self.session.roles.contains(&role)
    }

    pub fn can(&self, action: Action) -> bool {
        policy::allows(&self.session.roles, action)
    }

    /// The consortium this request acts in. Consortium users act in their own (asking for
    /// another one answers 404, as if it did not exist); a system administrator names one.
    pub fn scope(&self, requested: Option<i64>) -> Result<i64, AppError> {
        match (self.session.consortium_id, requested) {
            (Some(own), None) => Ok(own),
            (Some(own), Some(r)) if r == own => Ok(own),
            (Some(_), Some(_)) => Err(AppError::NotFound),
            (None, Some(r)) if self.has(Role::SystemAdmin) => Ok(r),
            (None, _) => Err(AppError::field(
                "consortium_id",
                tr("请指定要操作的医共体", "name the consortium to act in"),
            )),
        }
    }

    /// True when the user may see objects of consortium `c`.
    pub fn sees(&self, c: i64) -> bool {
        self.session.consortium_id == Some(c)
            || (self.session.consortium_id.is_none() && self.has(Role::SystemAdmin))
    }

    /// The consortium of a consortium-bound user (formulary and other consortium data).
    pub fn consortium(&self) -> Result<i64, AppError> {
        self.session.consortium_id.ok_or(AppError::NotFound)
    }
}

pub fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
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
        let session = match state.sessions.get(&hash, auth) {
            Some(s) => s,
            None => {
                let s = session::resolve(&state.db, &token, auth)
                    .await?
                    .ok_or(AppError::Unauthorized)?;
                state.sessions.put(&s);
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
            request_id: request_id(parts),
        };
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// An action a handler performs; see [`policy::roles_for`].
pub trait Policy {
    const ACTION: Action;
}

/// The current user, proven allowed to perform `P::ACTION` (else 401 or 403).
pub struct Can<P: Policy>(pub CurrentUser, pub PhantomData<P>);

impl<P: Policy> FromRequestParts<AppState> for Can<P> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !user.can(P::ACTION) {
            return Err(AppError::Forbidden(
                tr("您的角色无权执行此操作", "your role may not do this").into(),
            ));
        }
        Ok(Can(user, PhantomData))
    }
}

macro_rules! policies {
    ($($name:ident),* $(,)?) => {
        /// Marker types for `Can<…>`, one per [`Action`].
        pub mod can {
            $(
                pub struct $name;
                impl super::Policy for $name {
                    const ACTION: super::Action = super::Action::$name;
                }
            )*
        }
    };
}

policies!(
    ManageConsortia,
    ManageOrganisation,
    ReadOrganisation,
    ReadAudit,
    ReadFormulary,
    ProposeFormulary,
    DecideFormulary,
    SetFormularyTargets,
);

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
