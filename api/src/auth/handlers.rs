//! Sign in, sign out, who am I, change my password: thin handlers over `auth::service`.
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::institution::Level;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{Action, CurrentUser, Role, service, session};
use crate::error::{AppResult, Problem};
use crate::extract::ApiJson;
use crate::kernel::Actor;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "demo-committee-1", "password": "tongyao-demo"}))]
pub struct SignInRequest {
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[validate(length(min = 1, max = 256, message = "len_1_256"))]
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionRef {
    pub id: i64,
    pub name: String,
    pub level: Level,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsortiumRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub institution: Option<InstitutionRef>,
    pub consortium: Option<ConsortiumRef>,
    /// What this user may do (from the policy table); the web app shows pages by it.
    pub actions: Vec<Action>,
    /// The consortium's calendar day (China) by the server's clock, which outside production
    /// may be set to a fixed day (`clock.today`): the web app counts "today" from it.
    pub today: chrono::NaiveDate,
}

/// Sign in with username and password. Repeated failures slow the answer down and then lock the
/// account for a while; every sign-in, failure and lock is in the audit trail.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", operation_id = "sign_in",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me,
            headers(("Set-Cookie" = String, description = "The session cookie (HttpOnly, SameSite=Lax)"))),
        (status = 401, description = "Wrong username or password", body = Problem),
        (status = 423, description = "Account locked for a while after repeated failures", body = Problem)))]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> AppResult<Response> {
    let done = service::sign_in(
        &state.ctx,
        &req.username,
        req.password,
        super::request_id(&headers),
    )
    .await?;
    Ok((
        [(
            header::SET_COOKIE,
            session::set_cookie(&done.token, &state.settings.auth),
        )],
        Json(done.me),
    )
        .into_response())
}

/// Sign out: the session is revoked and the cookie cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", operation_id = "sign_out",
    responses((status = 204, description = "Signed out",
        headers(("Set-Cookie" = String, description = "Clears the session cookie")))))]
pub async fn sign_out(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    service::sign_out(&state.ctx, &user.actor(), &user.session).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            session::clear_cookie(&state.settings.auth),
        )],
    )
        .into_response())
}

/// The signed-in user with institution, level, consortium, roles and the actions they allow.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", operation_id = "get_me",
    responses((status = 200, description = "The signed-in user", body = Me)))]
pub async fn get_me(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Me>> {
    Ok(Json(service::me(&state.ctx, &actor).await?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "tongyao-demo", "new_password": "a-much-longer-passphrase"}))]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 256, message = "len_1_256"))]
    #[schema(min_length = 1, max_length = 256)]
    pub current_password: String,
    /// At least 10 characters, not the username.
    #[validate(length(min = 10, max = 256, message = "len_10_256"))]
    #[schema(min_length = 10, max_length = 256)]
    pub new_password: String,
}

/// Change my password. Other sessions of this user are signed out.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", operation_id = "change_password",
    request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed"),
        (status = 422, description = "The current password is not right, or the new one is the username", body = Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> AppResult<StatusCode> {
    service::change_password(
        &state.ctx,
        &user.actor(),
        &user.session,
        req.current_password,
        req.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
