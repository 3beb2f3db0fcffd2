use crate::i18n::tr;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Can, Role, can};
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::paging::{Cursor, clamp_limit};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Only events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// System administrators: the consortium to read (default: all).
    pub consortium_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub consortium_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// The audit trail, newest first. Auditors read their own consortium; system administrators
/// read all or one.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", operation_id = "list_audit",
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadAudit>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<AuditPage>> {
    let limit = clamp_limit(q.limit);
    let mut sel = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit + 1);
    if user.has(Role::SystemAdmin) && user.session.consortium_id.is_none() {
        if let Some(c) = q.consortium_id {
            sel = sel.filter(audit_log::Column::ConsortiumId.eq(c));
        }
    } else {
        sel = sel.filter(audit_log::Column::ConsortiumId.eq(user.scope(q.consortium_id)?));
    }
    if let Some(a) = &q.action {
        sel = sel.filter(audit_log::Column::Action.starts_with(a.as_str()));
    }
    if let Some(a) = q.actor_id {
        sel = sel.filter(audit_log::Column::ActorId.eq(a));
    }
    if let Some(t) = &q.object_type {
        sel = sel.filter(audit_log::Column::ObjectType.eq(t.as_str()));
    }
    if let Some(o) = &q.object_id {
        sel = sel.filter(audit_log::Column::ObjectId.eq(o.as_str()));
    }
    if let Some(f) = q.from {
        sel = sel.filter(audit_log::Column::At.gte(f));
    }
    if let Some(t) = q.to {
        sel = sel.filter(audit_log::Column::At.lt(t));
    }
    if let Some(c) = &q.cursor {
        let before: i64 = Cursor::decode(c)
            .ok_or_else(|| AppError::field("cursor", tr("翻页游标无效", "invalid cursor")))?;
        sel = sel.filter(audit_log::Column::Id.lt(before));
    }
    let mut rows = sel.all(&state.db).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor::encode(&r.id))
    } else {
        None
    };
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_username: r.actor_username,
            consortium_id: r.consortium_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: parse(r.before_json),
            after: parse(r.after_json),
            request_id: r.request_id,
            reason: r.reason,
        })
        .collect();
    Ok(Json(AuditPage { items, next_cursor }))
}
