//! The audit trail: append-only rows (the database refuses UPDATE and DELETE), written in the
//! same transaction as the change they describe.
pub mod handlers;

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use crate::auth::CurrentUser;
use crate::error::AppResult;

/// Who did it, for the audit row.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub id: Option<i64>,
    pub username: Option<String>,
    pub consortium_id: Option<i64>,
    pub request_id: Option<String>,
}

impl From<&CurrentUser> for Actor {
    fn from(u: &CurrentUser) -> Self {
        Actor {
            id: Some(u.session.user_id),
            username: Some(u.session.username.clone()),
            consortium_id: u.session.consortium_id,
            request_id: u.request_id.clone(),
        }
    }
}

/// One event to record.
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
    /// Overrides the actor's consortium (e.g. a system administrator acting in one).
    pub consortium_id: Option<i64>,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        Event {
            action,
            object_type,
            object_id: Some(object_id.to_string()),
            before: None,
            after: None,
            reason: None,
            consortium_id: None,
        }
    }

    pub fn before(mut self, v: impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }

    pub fn reason(mut self, r: impl Into<String>) -> Self {
        self.reason = Some(r.into());
        self
    }

    pub fn in_consortium(mut self, c: Option<i64>) -> Self {
        self.consortium_id = c;
        self
    }
}

pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, e: Event<'_>) -> AppResult<()> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor_id: Set(actor.id),
        actor_username: Set(actor.username.clone()),
        consortium_id: Set(e.consortium_id.or(actor.consortium_id)),
        action: Set(e.action.to_string()),
        object_type: Set(e.object_type.to_string()),
        object_id: Set(e.object_id),
        before_json: Set(e.before.map(|v| v.to_string())),
        after_json: Set(e.after.map(|v| v.to_string())),
        request_id: Set(actor.request_id.clone()),
        reason: Set(e.reason),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
