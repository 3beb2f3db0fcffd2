//! Thin administration handlers over `admin::service`.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::service;
use super::views::*;
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kernel::Actor;
use crate::state::AppState;

/// All consortia of this deployment.
#[utoipa::path(get, path = "/api/v1/consortia", tag = "admin", operation_id = "list_consortia",
    params(PageQuery),
    responses((status = 200, description = "A page of consortia", body = ConsortiumPage)))]
pub async fn list_consortia(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<ConsortiumPage>> {
    Ok(Json(service::list_consortia(&state.ctx, &q).await?))
}

/// Create a consortium.
#[utoipa::path(post, path = "/api/v1/consortia", tag = "admin", operation_id = "create_consortium",
    request_body = CreateConsortiumRequest,
    responses((status = 201, description = "Created", body = Consortium),
        (status = 409, description = "The code is taken", body = Problem)))]
pub async fn create_consortium(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<CreateConsortiumRequest>,
) -> AppResult<(StatusCode, Json<Consortium>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_consortium(&state.ctx, &actor, req).await?),
    ))
}

/// Institutions of a consortium.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "admin", operation_id = "list_institutions",
    params(ScopeQuery),
    responses((status = 200, description = "A page of institutions", body = InstitutionPage),
        (status = 404, description = "Another consortium than yours", body = Problem),
        (status = 422, description = "A system administrator must name the consortium (`consortium_id`)", body = Problem)))]
pub async fn list_institutions(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> AppResult<Json<InstitutionPage>> {
    Ok(Json(service::list_institutions(&state.ctx, &actor, &q).await?))
}

/// Add an institution to a consortium.
#[utoipa::path(post, path = "/api/v1/institutions", tag = "admin", operation_id = "create_institution",
    request_body = CreateInstitutionRequest,
    responses((status = 201, description = "Created", body = Institution),
        (status = 404, description = "Another consortium than yours, or no such consortium", body = Problem),
        (status = 409, description = "The code is taken in the consortium", body = Problem),
        (status = 422, description = "A system administrator must name the consortium; the parent must be an institution of the consortium at a higher level", body = Problem)))]
pub async fn create_institution(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<CreateInstitutionRequest>,
) -> AppResult<(StatusCode, Json<Institution>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_institution(&state.ctx, &actor, req).await?),
    ))
}

/// Change an institution (optimistic locking by `version`).
#[utoipa::path(patch, path = "/api/v1/institutions/{id}", tag = "admin", operation_id = "update_institution",
    params(("id" = i64, Path)), request_body = UpdateInstitutionRequest,
    responses((status = 200, description = "Changed", body = Institution),
        (status = 409, description = "A stale `version`", body = Problem),
        (status = 422, description = "The parent must be another institution of the consortium at a higher level", body = Problem)))]
pub async fn update_institution(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateInstitutionRequest>,
) -> AppResult<Json<Institution>> {
    Ok(Json(service::update_institution(&state.ctx, &actor, id, req).await?))
}

/// Users of a consortium.
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", operation_id = "list_users",
    params(ScopeQuery),
    responses((status = 200, description = "A page of users", body = UserPage),
        (status = 404, description = "Another consortium than yours", body = Problem),
        (status = 422, description = "A system administrator must name the consortium (`consortium_id`)", body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> AppResult<Json<UserPage>> {
    Ok(Json(service::list_users(&state.ctx, &actor, &q).await?))
}

/// Create a user at an institution.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", operation_id = "create_user",
    request_body = CreateUserRequest,
    responses((status = 201, description = "Created", body = User),
        (status = 403, description = "Only a system administrator may grant `system_admin`", body = Problem),
        (status = 409, description = "The username is taken", body = Problem),
        (status = 422, description = "The institution must be one of your consortium; the password must not be the username", body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create_user(&state.ctx, &actor, req).await?),
    ))
}

/// Change a user: name, roles, active, password reset, unlock.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "admin", operation_id = "update_user",
    params(("id" = i64, Path)), request_body = UpdateUserRequest,
    responses((status = 200, description = "Changed", body = User),
        (status = 403, description = "Only a system administrator may grant `system_admin` or change a system administrator", body = Problem),
        (status = 409, description = "A stale `version`", body = Problem),
        (status = 422, description = "The password must not be the username", body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> AppResult<Json<User>> {
    Ok(Json(service::update_user(&state.ctx, &actor, id, req).await?))
}
