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
    notices: &[],
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

#[cfg(test)]
mod tests {
    //! The audit log speaks in words: every action and object type the code records has a name
    //! in both of the web app's languages (i18n `audit.action.<group>.<name>`,
    //! `audit.object.<type>`). A new capability's events fail this test until they are named.
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("source folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// (action, object type) of every `Event::new("…", "…"` in the api crate.
    fn recorded() -> Vec<(String, String)> {
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("source");
            for part in text.split("Event::new(\"").skip(1) {
                let mut q = part.split('"');
                let action = q.next().unwrap_or_default().to_string();
                let object = q.nth(1).unwrap_or_default().to_string();
                if !action.is_empty() && action.contains('.') {
                    out.push((action, object));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The lines of the block that opens with `open` (at its indentation) in `text`.
    fn block<'a>(text: &'a str, open: &str) -> Option<&'a str> {
        let start = text.find(open)?;
        let line = open.trim_start_matches('\n');
        let indent = line.len() - line.trim_start().len();
        let close = format!("\n{}}}", " ".repeat(indent));
        let end = text[start..].find(&close)? + start;
        Some(&text[start..end])
    }

    #[test]
    fn every_audited_action_and_object_has_words_in_both_languages() {
        let recorded = recorded();
        assert!(recorded.len() >= 10, "found {recorded:?}");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/src/i18n");
        for lang in ["zh-CN.ts", "en.ts"] {
            let text = std::fs::read_to_string(root.join(lang)).expect("i18n file");
            let audit = block(&text, "\n  audit: {").expect("an audit section");
            let actions = block(audit, "\n    action: {").expect("audit.action");
            let objects = block(audit, "\n    object: {").expect("audit.object");
            for (action, object) in &recorded {
                let (group, name) = action.split_once('.').expect("group.name");
                let g = block(actions, &format!("\n      {group}: {{"))
                    .unwrap_or_else(|| panic!("{lang}: no audit.action.{group}"));
                assert!(
                    g.contains(&format!("\n        {name}: ")),
                    "{lang}: audit.action.{action} has no words"
                );
                assert!(
                    objects.contains(&format!("\n      {object}: ")),
                    "{lang}: audit.object.{object} has no words"
                );
            }
        }
    }
}
