//! Consortia, institutions and users. Each function owns its transaction; changes are audited
//! in the same transaction; institutions and users are updated under optimistic locking.
use std::collections::HashMap;

use chrono::Utc;
use entity::institution::Level;
use entity::user::{Role, format_roles};
use entity::{consortium, institution, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

use super::views::*;
use crate::audit::{self, Event};
use crate::auth::password;
use crate::auth::session::{self, SessionCache};
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::versioned::{expect_version, guarded_update};
use crate::kernel::{Actor, Ctx};

/// A new consortium's row. Capability settings (e.g. the formulary's targets) live in each
/// capability's own table, with defaults until someone changes them.
pub fn new_consortium(name: &str, code: &str, region: &str) -> consortium::ActiveModel {
    consortium::ActiveModel {
        name: Set(name.to_string()),
        code: Set(code.to_string()),
        region: Set(region.to_string()),
        version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// A new active user's row at an institution (or none: a system administrator).
pub fn new_user(
    institution: Option<&institution::Model>,
    username: &str,
    display_name: &str,
    roles: &[Role],
    password_hash: String,
) -> user::ActiveModel {
    let now = Utc::now();
    user::ActiveModel {
        consortium_id: Set(institution.map(|i| i.consortium_id)),
        institution_id: Set(institution.map(|i| i.id)),
        username: Set(username.to_string()),
        display_name: Set(display_name.to_string()),
        password_hash: Set(password_hash),
        roles: Set(format_roles(roles)),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        version: Set(1),
        created_at: Set(now),
        password_changed_at: Set(now),
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

pub async fn list_consortia(ctx: &Ctx, q: &PageQuery) -> AppResult<ConsortiumPage> {
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let (rows, next_cursor) = page
        .by_id(
            &ctx.db,
            consortium::Entity::find(),
            consortium::Column::Id,
            Direction::Up,
            |c| c.id,
        )
        .await?;
    Ok(ConsortiumPage {
        items: rows.into_iter().map(consortium_view).collect(),
        next_cursor,
    })
}

pub async fn create_consortium(
    ctx: &Ctx,
    actor: &Actor,
    req: CreateConsortiumRequest,
) -> AppResult<Consortium> {
    let tx = ctx.write().await?;
    if consortium::Entity::find()
        .filter(consortium::Column::Code.eq(&req.code))
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(AppError::taken(
            "code",
            tr(
                format!("编码为 {} 的医共体已存在，请换一个编码", req.code),
                format!("a consortium with code {} already exists; choose another code", req.code),
            ),
        ));
    }
    let c = new_consortium(req.name.trim(), &req.code, &req.region)
        .insert(&tx)
        .await?;
    let view = consortium_view(c);
    audit::record(
        &tx,
        actor,
        Event::new("consortium.created", "consortium", view.id)
            .after(&view)
            .in_consortium(Some(view.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

fn institution_view(i: institution::Model) -> AppResult<Institution> {
    Ok(Institution {
        id: i.id,
        consortium_id: i.consortium_id,
        level: i.level,
        contact_emails: serde_json::from_str(&i.contact_emails)
            .map_err(|e| AppError::Internal(e.into()))?,
        name: i.name,
        code: i.code,
        parent_id: i.parent_id,
        active: i.active,
        version: i.version,
    })
}

pub async fn list_institutions(
    ctx: &Ctx,
    actor: &Actor,
    q: &ScopeQuery,
) -> AppResult<InstitutionPage> {
    let c = actor.scope(q.consortium_id)?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let (rows, next_cursor) = page
        .by_id(
            &ctx.db,
            institution::Entity::find().filter(institution::Column::ConsortiumId.eq(c)),
            institution::Column::Id,
            Direction::Up,
            |i| i.id,
        )
        .await?;
    Ok(InstitutionPage {
        items: rows
            .into_iter()
            .map(institution_view)
            .collect::<AppResult<_>>()?,
        next_cursor,
    })
}

async fn institution_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> AppResult<institution::Model> {
    institution::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|i| actor.sees(i.consortium_id))
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
    if parent.level.rank() <= level.rank() {
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

pub async fn create_institution(
    ctx: &Ctx,
    actor: &Actor,
    req: CreateInstitutionRequest,
) -> AppResult<Institution> {
    let c = actor.scope(req.consortium_id)?;
    let tx = ctx.write().await?;
    if consortium::Entity::find_by_id(c).one(&tx).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let dup = institution::Entity::find()
        .filter(institution::Column::ConsortiumId.eq(c))
        .filter(institution::Column::Code.eq(&req.code))
        .one(&tx)
        .await?;
    if dup.is_some() {
        return Err(AppError::taken(
            "code",
            tr(
                format!("编码 {} 在本医共体已被其他机构使用，请换一个编码", req.code),
                format!("code {} is already used by another institution of this consortium; choose another code", req.code),
            ),
        ));
    }
    check_parent(&tx, c, None, req.level, req.parent_id).await?;
    let i = institution::ActiveModel {
        consortium_id: Set(c),
        name: Set(req.name.trim().to_string()),
        code: Set(req.code),
        level: Set(req.level),
        parent_id: Set(req.parent_id),
        contact_emails: Set(
            serde_json::to_string(&req.contact_emails).map_err(|e| AppError::Internal(e.into()))?
        ),
        active: Set(true),
        version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let view = institution_view(i)?;
    audit::record(
        &tx,
        actor,
        Event::new("institution.created", "institution", view.id)
            .after(&view)
            .in_consortium(Some(c)),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn update_institution(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    req: UpdateInstitutionRequest,
) -> AppResult<Institution> {
    let tx = ctx.write().await?;
    let current = institution_in(&tx, actor, id).await?;
    expect_version(current.version, req.version)?;
    let before = institution_view(current.clone())?;
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
    am.level = Set(level);
    am.parent_id = Set(parent);
    if let Some(e) = &req.contact_emails {
        am.contact_emails = Set(serde_json::to_string(e).map_err(|e| AppError::Internal(e.into()))?);
    }
    if let Some(a) = req.active {
        am.active = Set(a);
    }
    guarded_update(
        &tx,
        institution::Entity::update_many()
            .set(am)
            .filter(institution::Column::Id.eq(id)),
        institution::Column::Version,
        req.version,
    )
    .await?;
    let after = institution_view(institution_in(&tx, actor, id).await?)?;
    audit::record(
        &tx,
        actor,
        Event::new("institution.updated", "institution", id)
            .before(&before)
            .after(&after)
            .in_consortium(Some(after.consortium_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn user_view(u: user::Model, institution_name: Option<String>) -> AppResult<User> {
    Ok(User {
        roles: u.role_list()?,
        institution_name,
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        institution_id: u.institution_id,
        consortium_id: u.consortium_id,
        active: u.active,
        locked_until: u.locked_until,
        version: u.version,
    })
}

async fn user_view_one(conn: &impl ConnectionTrait, u: user::Model) -> AppResult<User> {
    let name = match u.institution_id {
        Some(i) => institution::Entity::find_by_id(i)
            .one(conn)
            .await?
            .map(|i| i.name),
        None => None,
    };
    user_view(u, name)
}

/// A page of users with their institutions' names: two queries whatever the page size.
pub async fn list_users(ctx: &Ctx, actor: &Actor, q: &ScopeQuery) -> AppResult<UserPage> {
    let c = actor.scope(q.consortium_id)?;
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let (rows, next_cursor) = page
        .by_id(
            &ctx.db,
            user::Entity::find().filter(user::Column::ConsortiumId.eq(c)),
            user::Column::Id,
            Direction::Up,
            |u| u.id,
        )
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|u| u.institution_id).collect();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        institution::Entity::find()
            .filter(institution::Column::Id.is_in(ids))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|i| (i.id, i.name))
            .collect()
    };
    let items = rows
        .into_iter()
        .map(|u| {
            let name = u.institution_id.and_then(|i| names.get(&i).cloned());
            user_view(u, name)
        })
        .collect::<AppResult<_>>()?;
    Ok(UserPage { items, next_cursor })
}

/// Consortium administrators cannot make system administrators.
fn check_roles(actor: &Actor, roles: &[Role]) -> AppResult<()> {
    if roles.contains(&Role::SystemAdmin) && !actor.has(Role::SystemAdmin) {
        return Err(AppError::Forbidden(tr(
            "只有系统管理员可以授予系统管理员角色",
            "only a system administrator can grant system_admin",
        )));
    }
    Ok(())
}

pub async fn create_user(ctx: &Ctx, actor: &Actor, req: CreateUserRequest) -> AppResult<User> {
    check_roles(actor, &req.roles)?;
    password::check_strength(&req.password, &req.username)
        .map_err(|m| AppError::field("password", m))?;
    let hash = password::hash(req.password.clone()).await?;
    let tx = ctx.write().await?;
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
        return Err(AppError::taken(
            "username",
            tr(
                format!("用户名 {} 已被占用，请换一个用户名", req.username),
                format!("username {} is taken; choose another", req.username),
            ),
        ));
    }
    let u = new_user(
        Some(&inst),
        &req.username,
        req.display_name.trim(),
        &req.roles,
        hash,
    )
    .insert(&tx)
    .await?;
    let view = user_view(u, Some(inst.name))?;
    audit::record(
        &tx,
        actor,
        Event::new("user.created", "user", view.id)
            .after(&view)
            .in_consortium(view.consortium_id),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// Name, roles, active, password reset, unlock. A password reset, deactivation or role change
/// signs the user out everywhere.
pub async fn update_user(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    req: UpdateUserRequest,
) -> AppResult<User> {
    if let Some(r) = &req.roles {
        check_roles(actor, r)?;
    }
    let new_hash = match &req.password {
        Some(p) => Some(password::hash(p.clone()).await?),
        None => None,
    };
    let tx = ctx.write().await?;
    let current = user::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .filter(|u| u.consortium_id.is_some_and(|c| actor.sees(c)) || actor.has(Role::SystemAdmin))
        .ok_or(AppError::NotFound)?;
    if current.role_list()?.contains(&Role::SystemAdmin) && !actor.has(Role::SystemAdmin) {
        return Err(AppError::Forbidden(tr(
            "只有系统管理员可以修改系统管理员",
            "only a system administrator can change a system administrator",
        )));
    }
    expect_version(current.version, req.version)?;
    if let Some(p) = &req.password {
        password::check_strength(p, &current.username)
            .map_err(|m| AppError::field("password", m))?;
    }
    let before = user_view_one(&tx, current.clone()).await?;
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
    guarded_update(
        &tx,
        user::Entity::update_many()
            .set(am)
            .filter(user::Column::Id.eq(id)),
        user::Column::Version,
        req.version,
    )
    .await?;
    if revoke {
        session::revoke_all_for_user(&tx, id, None).await?;
    }
    let after = user_view_one(
        &tx,
        user::Entity::find_by_id(id)
            .one(&tx)
            .await?
            .ok_or(AppError::NotFound)?,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        Event::new("user.updated", "user", id)
            .before(&before)
            .after(&after)
            .in_consortium(after.consortium_id),
    )
    .await?;
    tx.commit().await?;
    ctx.part::<SessionCache>().evict_user(id);
    Ok(after)
}
