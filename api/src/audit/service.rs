//! Reading the audit trail.
use entity::audit_log;
use entity::user::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::handlers::{AuditEntry, AuditPage, AuditQuery};
use crate::error::AppResult;
use crate::kernel::paging::{Direction, Page};
use crate::kernel::{Actor, Ctx};

pub async fn list(ctx: &Ctx, actor: &Actor, q: &AuditQuery) -> AppResult<AuditPage> {
    let page: Page<i64> = Page::parse(q.cursor.as_deref(), q.limit)?;
    let mut sel = audit_log::Entity::find();
    if actor.has(Role::SystemAdmin) && actor.consortium_id.is_none() {
        if let Some(c) = q.consortium_id {
            sel = sel.filter(audit_log::Column::ConsortiumId.eq(c));
        }
    } else {
        sel = sel.filter(audit_log::Column::ConsortiumId.eq(actor.scope(q.consortium_id)?));
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
    let (rows, next_cursor) = page
        .by_id(&ctx.db, sel, audit_log::Column::Id, Direction::Down, |r| r.id)
        .await?;
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
    Ok(AuditPage { items, next_cursor })
}
