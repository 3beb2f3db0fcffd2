//! The audit trail: append-only rows (the database refuses UPDATE and DELETE), written in the
//! same transaction as the change they describe.
pub mod handlers;
pub mod service;

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;
use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use crate::error::AppResult;
use crate::kernel::Actor;
use entity::user::Role::*;

pub const READ_AUDIT: Action = Action("read_audit");

pub const CAPABILITY: Capability = Capability {
    name: "audit",
    description: "Audit trail",
    policy: &[(READ_AUDIT, &[SystemAdmin, Auditor])],
    routes: || Routes::new().op(routes!(handlers::list_audit), READ_AUDIT),
    init: crate::capability::no_state,
    messages: &[],
    demo: None,
};

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
            object_id: Some(object_id.to_string()),
            ..Event::anonymous(action, object_type)
        }
    }

    /// An event about no particular object (e.g. a failed sign-in by an unknown name).
    pub fn anonymous(action: &'a str, object_type: &'a str) -> Self {
        Event {
            action,
            object_type,
            object_id: None,
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

/// Record an event inside the caller's transaction. Audit rows carry the real time, whatever
/// day the clock is fixed to.
pub async fn record(conn: &impl ConnectionTrait, actor: &Actor, e: Event<'_>) -> AppResult<()> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor_id: Set(actor.user_id),
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
