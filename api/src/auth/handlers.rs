//! Sign in, sign out, who am I, change my password.
use crate::i18n::tr;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use entity::{consortium, institution, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::roles::{Role, parse_roles};
use super::{CurrentUser, password, session};
use crate::audit::{self, Actor, Event};
use crate::error::{AppError, AppResult, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "demo-committee-1", "password": "tongyao-demo"}))]
pub struct SignInRequest {
    #[validate(length(min = 1, max = 64, message = "1 to 64 characters"))]
    pub username: String,
    #[validate(length(min = 1, max = 256, message = "1 to 256 characters"))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionRef {
    pub id: i64,
    pub name: String,
    pub level: String,
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
    pub actions: Vec<super::Action>,
}

pub async fn me_of(conn: &impl ConnectionTrait, u: &user::Model) -> AppResult<Me> {
    let institution = match u.institution_id {
        Some(id) => institution::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|i| InstitutionRef {
                id: i.id,
                name: i.name,
                level: i.level,
            }),
        None => None,
    };
    let consortium = match u.consortium_id {
        Some(id) => consortium::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| ConsortiumRef {
                id: c.id,
                name: c.name,
            }),
        None => None,
    };
    Ok(Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        actions: super::policy::actions_of(&parse_roles(&u.roles)),
        roles: parse_roles(&u.roles),
        institution,
        consortium,
    })
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Sign in with username and password. Repeated failures slow the answer down and then lock the
/// account for a while; every sign-in, failure and lock is in the audit trail.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", operation_id = "sign_in",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Me),
        (status = 401, description = "Wrong username or password", body = Problem),
        (status = 423, description = "Account locked for a while", body = Problem)))]
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> AppResult<Response> {
    let auth = &state.settings.auth;
    let rid = request_id(&headers);
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(req.username.trim()))
        .one(&state.db)
        .await?;
    let anonymous = Actor {
        username: Some(req.username.clone()),
        request_id: rid.clone(),
        ..Default::default()
    };
    let Some(u) = found.filter(|u| u.active) else {
        password::verify_dummy(req.password).await;
        audit::record(
            &state.db,
            &anonymous,
            Event {
                action: "auth.sign_in_failed",
                object_type: "user",
                object_id: None,
                before: None,
                after: None,
                reason: Some("unknown or inactive user".into()),
                consortium_id: None,
            },
        )
        .await?;
        return Err(AppError::BadCredentials);
    };
    let actor = Actor {
        id: Some(u.id),
        username: Some(u.username.clone()),
        consortium_id: u.consortium_id,
        request_id: rid,
    };
    let now = Utc::now();
    if let Some(until) = u.locked_until.filter(|t| *t > now) {
        audit::record(
            &state.db,
            &actor,
            Event::new("auth.sign_in_refused", "user", u.id).reason("account locked"),
        )
        .await?;
        return Err(locked(until));
    }
    if !password::verify(req.password, u.password_hash.clone()).await {
        // Count the failure atomically so parallel guesses cannot slip past the limit.
        let tx = crate::db::begin_write(&state.db).await?;
        let fresh = user::Entity::find_by_id(u.id)
            .one(&tx)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let failures = fresh.failed_logins + 1;
        let mut am = fresh.into_active_model();
        am.failed_logins = Set(failures);
        let lock = failures >= auth.lockout_after_failures;
        let until = now + chrono::Duration::minutes(auth.lockout_minutes);
        if lock {
            am.locked_until = Set(Some(until));
            am.failed_logins = Set(0);
        }
        am.update(&tx).await?;
        audit::record(
            &tx,
            &actor,
            Event::new("auth.sign_in_failed", "user", u.id)
                .reason(format!("wrong password ({failures} in a row)")),
        )
        .await?;
        if lock {
            audit::record(
                &tx,
                &actor,
                Event::new("auth.locked", "user", u.id)
                    .reason(format!("{failures} failed sign-ins; locked until {until}")),
            )
            .await?;
        }
        tx.commit().await?;
        let beyond = (failures - auth.slowdown_after_failures).max(0) as u64;
        if beyond > 0 {
            tokio::time::sleep(Duration::from_millis(auth.slowdown_step_ms * beyond)).await;
        }
        return Err(if lock {
            locked(until)
        } else {
            AppError::BadCredentials
        });
    }
    let tx = crate::db::begin_write(&state.db).await?;
    let mut am = u.clone().into_active_model();
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    let u = am.update(&tx).await?;
    let token = session::create(&tx, u.id, auth).await?;
    audit::record(&tx, &actor, Event::new("auth.sign_in", "user", u.id)).await?;
    let me = me_of(&tx, &u).await?;
    tx.commit().await?;
    Ok((
        [(header::SET_COOKIE, session::set_cookie(&token, auth))],
        Json(me),
    )
        .into_response())
}

fn locked(until: chrono::DateTime<Utc>) -> AppError {
    // Users read times in China time (UTC+8).
    let local = (until + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M");
    let utc = until.format("%Y-%m-%d %H:%M");
    AppError::Locked(tr(
        format!("登录失败次数过多，账户已锁定至 {local}（北京时间）；请稍后再试或联系管理员"),
        format!(
            "too many failed sign-ins: the account is locked until {utc} UTC; try again later or ask an administrator"
        ),
    ))
}

/// Sign out: the session is revoked and the cookie cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", operation_id = "sign_out",
    responses((status = 204, description = "Signed out"), (status = 401, body = Problem)))]
pub async fn sign_out(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let tx = crate::db::begin_write(&state.db).await?;
    session::revoke(&tx, user.session.session_id).await?;
    audit::record(
        &tx,
        &Actor::from(&user),
        Event::new("auth.sign_out", "user", user.id()),
    )
    .await?;
    tx.commit().await?;
    state.sessions.evict(&user.session.token_hash);
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            session::clear_cookie(&state.settings.auth),
        )],
    )
        .into_response())
}

/// The signed-in user with institution, level, consortium and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", operation_id = "get_me",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn get_me(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Me>> {
    let u = user::Entity::find_by_id(user.id())
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Json(me_of(&state.db, &u).await?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "tongyao-demo", "new_password": "a-much-longer-passphrase"}))]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 256, message = "1 to 256 characters"))]
    pub current_password: String,
    #[validate(length(min = 10, max = 256, message = "10 to 256 characters"))]
    pub new_password: String,
}

/// Change my password. Other sessions of this user are signed out.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", operation_id = "change_password",
    request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed"), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> AppResult<StatusCode> {
    let u = user::Entity::find_by_id(user.id())
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(req.current_password, u.password_hash.clone()).await {
        return Err(AppError::field(
            "current_password",
            tr("当前密码不正确", "the current password is not right"),
        ));
    }
    password::check_strength(&req.new_password, &u.username)
        .map_err(|m| AppError::field("new_password", m))?;
    let hash = password::hash(req.new_password).await?;
    let tx = crate::db::begin_write(&state.db).await?;
    let mut am = u.into_active_model();
    am.password_hash = Set(hash);
    am.password_changed_at = Set(Utc::now());
    am.update(&tx).await?;
    session::revoke_all_for_user(&tx, user.id(), Some(user.session.session_id)).await?;
    audit::record(
        &tx,
        &Actor::from(&user),
        Event::new("auth.password_changed", "user", user.id()),
    )
    .await?;
    tx.commit().await?;
    state.sessions.evict_user(user.id());
    Ok(StatusCode::NO_CONTENT)
}
