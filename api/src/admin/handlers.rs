use crate::i18n::tr;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use entity::{consortium, institution, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

use super::views::*;
use crate::audit::{self, Actor, Event};
use crate::auth::roles::{format_roles, parse_roles};
use crate::auth::{Can, CurrentUser, Role, can, password, session};
use crate::db::begin_write;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::org::Level;
use crate::state::AppState;

/// A new consortium's row, with the default essential-medicine targets of F3 (90 / 80 / 60 %).
pub fn new_consortium(name: &str, code: &str, region: &str) -> consortium::ActiveModel {
    consortium::ActiveModel {
        name: Set(name.to_string()),
        code: Set(code.to_string()),
        region: Set(region.to_string()),
        target_primary_pm: Set(900),
        target_secondary_pm: Set(800),
        target_tertiary_pm: Set(600),
        formulary_rev: Set(0),
        version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

fn consortium_view(c: consortium::Model) -> Consortium {
    Consortium {
        id: c.id,
        name: c.name,
        code: c.code,
        region: c.region,
        created_at: c.created_at,
    }
}

/// All consortia of this deployment.
#[utoipa::path(get, path = "/api/v1/consortia", tag = "admin", operation_id = "list_consortia",
    responses((status = 200, body = ConsortiumPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_consortia(
    State(state): State<AppState>,
    _: Can<can::ManageConsortia>,
) -> AppResult<Json<ConsortiumPage>> {
    let items = consortium::Entity::find()
        .order_by_asc(consortium::Column::Id)
        .all(&state.db)
        .await?;
    Ok(Json(ConsortiumPage {
        items: items.into_iter().map(consortium_view).collect(),
        next_cursor: None,
    }))
}

/// Create a consortium.
#[utoipa::path(post, path = "/api/v1/consortia", tag = "admin", operation_id = "create_consortium",
    request_body = CreateConsortiumRequest,
    responses((status = 201, body = Consortium), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_consortium(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ManageConsortia>,
    ApiJson(req): ApiJson<CreateConsortiumRequest>,
) -> AppResult<(StatusCode, Json<Consortium>)> {
    let tx = begin_write(&state.db).await?;
    if consortium::Entity::find()
        .filter(consortium::Column::Code.eq(&req.code))
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(tr(
            format!("编码为 {} 的医共体已存在", req.code),
            format!("a consortium with code {} already exists", req.code),
        )));
    }
    let c = new_consortium(req.name.trim(), &req.code, &req.region)
        .insert(&tx)
        .await?;
    let view = consortium_view(c);
    audit::record(
        &tx,
        &Actor::from(&user),
        Event::new("consortium.created", "consortium", view.id)
            .after(&view)
            .in_consortium(Some(view.id)),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

fn institution_view(i: institution::Model) -> Institution {
    Institution {
        id: i.id,
        consortium_id: i.consortium_id,
        level: Level::parse(&i.level).unwrap_or(Level::Village),
        contact_emails: serde_json::from_str(&i.contact_emails).unwrap_or_default(),
        name: i.name,
        code: i.code,
        parent_id: i.parent_id,
        active: i.active,
        version: i.version,
    }
}

/// Institutions of a consortium.
#[utoipa::path(get, path = "/api/v1/institutions", tag = "admin", operation_id = "list_institutions",
    params(ScopeQuery),
    responses((status = 200, body = InstitutionPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_institutions(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadOrganisation>,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> AppResult<Json<InstitutionPage>> {
    let c = user.scope(q.consortium_id)?;
    let rows = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .order_by_asc(institution::Column::Id)
        .all(&state.db)
        .await?;
    Ok(Json(InstitutionPage {
        items: rows.into_iter().map(institution_view).collect(),
        next_cursor: None,
    }))
}

async fn institution_in(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> AppResult<institution::Model> {
    institution::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|i| user.sees(i.consortium_id))
        .ok_or(AppError::NotFound)
}

/// A parent must be an institution of the same consortium at a higher level (a village clinic's
/// township centre), and not the institution itself.
async fn check_parent(
    conn: &impl ConnectionTrait,
    consortium_id: i64,
    self_id: Option<i64>,
    level: Level,
    parent_id: Option<i64>,
) -> AppResult<()> {
    let Some(pid) = parent_id else { return Ok(()) };
    if Some(pid) == self_id {
        return Err(AppError::field(
            "parent_id",
            tr(
                "机构不能是自己的上级",
                "an institution cannot be its own parent",
            ),
        ));
    }
    let parent = institution::Entity::find_by_id(pid)
        .one(conn)
        .await?
        .filter(|p| p.consortium_id == consortium_id)
        .ok_or_else(|| {
            AppError::field(
                "parent_id",
                tr(
                    "本医共体没有这个机构",
                    "no such institution in this consortium",
                ),
            )
        })?;
    let plevel = Level::parse(&parent.level).unwrap_or(Level::Village);
    if plevel.rank() <= level.rank() {
        return Err(AppError::field(
            "parent_id",
            tr(
                "上级机构的层级必须更高",
                "the parent must be of a higher level",
            ),
        ));
    }
    Ok(())
}

/// Add an institution to a consortium.
#[utoipa::path(post, path = "/api/v1/institutions", tag = "admin", operation_id = "create_institution",
    request_body = CreateInstitutionRequest,
    responses((status = 201, body = Institution), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_institution(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ManageOrganisation>,
    ApiJson(req): ApiJson<CreateInstitutionRequest>,
) -> AppResult<(StatusCode, Json<Institution>)> {
    let c = user.scope(req.consortium_id)?;
    let tx = begin_write(&state.db).await?;
    if consortium::Entity::find_by_id(c).one(&tx).await?.is_none() {
        return Err(AppError::NotFound);
    }
    check_parent(&tx, c, None, req.level, req.parent_id).await?;
    let dup = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .filter(institution::Column::Code.eq(&req.code))
        .one(&tx)
        .await?;
    if dup.is_some() {
        return Err(AppError::Conflict(tr(
            format!("编码 {} 在本医共体已被使用", req.code),
            format!("code {} is already used in this consortium", req.code),
        )));
    }
    let i = institution::ActiveModel {
        consortium_id: Set(c),
        name: Set(req.name.trim().to_string()),
        code: Set(req.code),
        level: Set(req.level.as_str().to_string()),
        parent_id: Set(req.parent_id),
        contact_emails: Set(
            serde_json::to_string(&req.contact_emails).unwrap_or_else(|_| "[]".into())
        ),
        active: Set(true),
        version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let view = institution_view(i);
    audit::record(
        &tx,
        &Actor::from(&user),
        Event::new("institution.created", "institution", view.id)
            .after(&view)
            .in_consortium(Some(c)),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Change an institution (optimistic locking by `version`).
#[utoipa::path(patch, path = "/api/v1/institutions/{id}", tag = "admin", operation_id = "update_institution",
    params(("id" = i64, Path)), request_body = UpdateInstitutionRequest,
    responses((status = 200, body = Institution), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_institution(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ManageOrganisation>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateInstitutionRequest>,
) -> AppResult<Json<Institution>> {
    let tx = begin_write(&state.db).await?;
    let current = institution_in(&tx, &user, id).await?;
    if current.version != req.version {
        return Err(AppError::Conflict(
            tr(
                "该机构已被他人修改，请刷新后重试",
                "someone else changed this institution; reload and try again",
            )
            .into(),
        ));
    }
    let before = institution_view(current.clone());
    let level = req.level.unwrap_or(before.level);
    let parent = match req.parent_id {
        Some(0) => None,
        Some(p) => Some(p),
        None => current.parent_id,
    };
    check_parent(&tx, current.consortium_id, Some(id), level, parent).await?;
    let mut am = current.into_active_model();
    if let Some(n) = req.name {
        am.name = Set(n.trim().to_string());
    }
    am.level = Set(level.as_str().to_string());
    am.parent_id = Set(parent);
    if let Some(e) = &req.contact_emails {
        am.contact_emails = Set(serde_json::to_string(e).unwrap_or_else(|_| "[]".into()));
    }
    if let Some(a) = req.active {
        am.active = Set(a);
    }
    am.version = Set(req.version + 1);
    // Guarded update: zero rows means someone else won the race.
    let res = institution::Entity::update_many()
        .set(am)
        .filter(institution::Column::Id.eq(id))
        .filter(institution::Column::Version.eq(req.version))
        .exec(&tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::Conflict(
            tr(
                "该机构已被他人修改，请刷新后重试",
                "someone else changed this institution; reload and try again",
            )
            .into(),
        ));
    }
    let after = institution_view(institution_in(&tx, &user, id).await?);
    audit::record(
        &tx,
        &Actor::from(&user),
        Event::new("institution.updated", "institution", id)
            .before(&before)
            .after(&after)
            .in_consortium(Some(after.consortium_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}

async fn user_view(conn: &impl ConnectionTrait, u: user::Model) -> AppResult<User> {
    let institution_name = match u.institution_id {
        Some(i) => institution::Entity::find_by_id(i)
            .one(conn)
            .await?
            .map(|i| i.name),
        None => None,
    };
    Ok(User {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        institution_id: u.institution_id,
        institution_name,
        consortium_id: u.consortium_id,
        roles: parse_roles(&u.roles),
        active: u.active,
        locked_until: u.locked_until,
        version: u.version,
    })
}

/// Users of a consortium.
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", operation_id = "list_users",
    params(ScopeQuery),
    responses((status = 200, body = UserPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadOrganisation>,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> AppResult<Json<UserPage>> {
    let c = user.scope(q.consortium_id)?;
    let rows = user::Entity::find()
        .filter(user::Column::ConsortiumId.eq(c))
        .order_by_asc(user::Column::Id)
        .all(&state.db)
        .await?;
    let names: std::collections::HashMap<i64, String> = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|u| User {
            institution_name: u.institution_id.and_then(|i| names.get(&i).cloned()),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            institution_id: u.institution_id,
            consortium_id: u.consortium_id,
            roles: parse_roles(&u.roles),
            active: u.active,
            locked_until: u.locked_until,
            version: u.version,
        })
        .collect();
    Ok(Json(UserPage {
        items,
        next_cursor: None,
    }))
}

/// Consortium administrators cannot make system administrators.
fn check_roles(actor: &CurrentUser, roles: &[Role]) -> AppResult<()> {
    if roles.contains(&Role::SystemAdmin) && !actor.has(Role::SystemAdmin) {
        return Err(AppError::Forbidden(
            tr(
                "只有系统管理员可以授予系统管理员角色",
                "only a system administrator can grant system_admin",
            )
            .into(),
        ));
    }
    Ok(())
}

/// Create a user at an institution.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", operation_id = "create_user",
    request_body = CreateUserRequest,
    responses((status = 201, body = User), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    Can(actor, ..): Can<can::ManageOrganisation>,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    check_roles(&actor, &req.roles)?;
    password::check_strength(&req.password, &req.username)
        .map_err(|m| AppError::field("password", m))?;
    let hash = password::hash(req.password.clone()).await?;
    let tx = begin_write(&state.db).await?;
    let inst = institution::Entity::find_by_id(req.institution_id)
        .one(&tx)
        .await?
        .filter(|i| actor.sees(i.consortium_id))
        .ok_or_else(|| {
            AppError::field(
                "institution_id",
                tr(
                    "您的医共体没有这个机构",
                    "no such institution in your consortium",
                ),
            )
        })?;
    if user::Entity::find()
        .filter(user::Column::Username.eq(&req.username))
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(tr(
            format!("用户名 {} 已被占用", req.username),
            format!("username {} is taken", req.username),
        )));
    }
    let now = Utc::now();
    let u = user::ActiveModel {
        consortium_id: Set(Some(inst.consortium_id)),
        institution_id: Set(Some(inst.id)),
        username: Set(req.username),
        display_name: Set(req.display_name.trim().to_string()),
        password_hash: Set(hash),
        roles: Set(format_roles(&req.roles)),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        version: Set(1),
        created_at: Set(now),
        password_changed_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let view = user_view(&tx, u).await?;
    audit::record(
        &tx,
        &Actor::from(&actor),
        Event::new("user.created", "user", view.id)
            .after(&view)
            .in_consortium(view.consortium_id),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Change a user: name, roles, active, password reset, unlock.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "admin", operation_id = "update_user",
    params(("id" = i64, Path)), request_body = UpdateUserRequest,
    responses((status = 200, body = User), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    Can(actor, ..): Can<can::ManageOrganisation>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> AppResult<Json<User>> {
    if let Some(r) = &req.roles {
        check_roles(&actor, r)?;
    }
    let new_hash = match &req.password {
        Some(p) => Some(password::hash(p.clone()).await?),
        None => None,
    };
    let tx = begin_write(&state.db).await?;
    let current = user::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .filter(|u| u.consortium_id.is_some_and(|c| actor.sees(c)) || actor.has(Role::SystemAdmin))
        .ok_or(AppError::NotFound)?;
    if parse_roles(&current.roles).contains(&Role::SystemAdmin) && !actor.has(Role::SystemAdmin) {
        return Err(AppError::Forbidden(
            tr(
                "只有系统管理员可以修改系统管理员",
                "only a system administrator can change a system administrator",
            )
            .into(),
        ));
    }
    if current.version != req.version {
        return Err(AppError::Conflict(
            tr(
                "该用户已被他人修改，请刷新后重试",
                "someone else changed this user; reload and try again",
            )
            .into(),
        ));
    }
    if let Some(p) = &req.password {
        password::check_strength(p, &current.username)
            .map_err(|m| AppError::field("password", m))?;
    }
    let before = user_view(&tx, current.clone()).await?;
    let revoke = new_hash.is_some() || req.active == Some(false) || req.roles.is_some();
    let mut am = current.into_active_model();
    if let Some(n) = req.display_name {
        am.display_name = Set(n.trim().to_string());
    }
    if let Some(r) = &req.roles {
        am.roles = Set(format_roles(r));
    }
    if let Some(a) = req.active {
        am.active = Set(a);
    }
    if let Some(h) = new_hash {
        am.password_hash = Set(h);
        am.password_changed_at = Set(Utc::now());
    }
    if req.unlock == Some(true) {
        am.locked_until = Set(None);
        am.failed_logins = Set(0);
    }
    am.version = Set(req.version + 1);
    let res = user::Entity::update_many()
        .set(am)
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(req.version))
        .exec(&tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::Conflict(
            tr(
                "该用户已被他人修改，请刷新后重试",
                "someone else changed this user; reload and try again",
            )
            .into(),
        ));
    }
    if revoke {
        session::revoke_all_for_user(&tx, id, None).await?;
    }
    let after = user_view(
        &tx,
        user::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    audit::record(
        &tx,
        &Actor::from(&actor),
        Event::new("user.updated", "user", id)
            .before(&before)
            .after(&after)
            .in_consortium(after.consortium_id),
    )
    .await?;
    tx.commit().await?;
    state.sessions.evict_user(id);
    Ok(Json(after))
}
