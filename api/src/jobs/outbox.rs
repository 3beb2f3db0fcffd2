//! The durable outbox: notices by e-mail (a purchase order to its supplier now, dispatch notices
//! later), neither lost nor sent twice by two instances.
//!
//! **Writing.** Business code calls [`enqueue`] inside its own transaction, so the notice exists
//! exactly when the change that causes it was committed: a rolled-back change leaves no notice.
//! The row carries the recipient, subject and body; an attachment (the purchase order as PDF) is
//! not stored but rendered when the notice is sent, by the [`Render`] function the capability
//! registered for the notice's kind (`Capability::notices`).
//!
//! **Sending.** Every instance runs a [`Sender`] (started by `lib.rs::run`, stopped on
//! shutdown; tests call [`send_due`]). It claims one due row at a time with a conditional
//! `UPDATE … SET lease_owner = <token>, lease_until = now + lease, attempts = attempts + 1
//! WHERE id = ? AND status = 'pending' AND <due> AND (lease_until IS NULL OR lease_until <= now)`
//! and owns the row only if that changed exactly one row — on SQLite (writers take turns) and on
//! PostgreSQL (a second UPDATE of the row waits for the first and re-checks the condition on the
//! row it left, then changes nothing) alike; no advisory locks, no reliance on `SKIP LOCKED`.
//! It renders the attachment, delivers the message, and marks the row sent
//! (`WHERE id = ? AND lease_owner = <token>`: the token, unique per claim, fences off a claim
//! that has lost its lease). A transient failure (4xx, no connection, timeout) sets the next try
//! after an exponential backoff ([`backoff`]); a permanent one (5xx, an address that is not one),
//! or the last of `mail.max_attempts` tries, marks it failed with the error kept.
//!
//! **The guarantee, honestly.** Between instances a notice is sent once: only the holder of the
//! current lease sends, and it starts a delivery only while the lease has longer to run than a
//! whole delivery may take (`mail.lease_secs` ≥ 3 × `mail.timeout_secs` + 10, checked at
//! start-up; instances' clocks are assumed to agree within a few seconds). What no outbox can
//! rule out: an instance that dies (or loses the database) after the mail server accepted the
//! message and before the row is marked. Its lease then expires and the notice is sent again —
//! with the same Message-ID (`<outbox id>.<created>.outbox@domain`), so the copy is recognisable
//! and mail systems that deduplicate by Message-ID drop it. At least once, and exactly once
//! unless an instance dies in that window. Each try counts at its claim, so a notice whose tries
//! keep dying (say, a renderer that crashes the process) also ends failed after
//! `mail.max_attempts`.
//!
//! Times come from `ctx.clock` (the real clock in production). A new notice is due at once
//! whatever time its writer stamped; `next_attempt_at` only delays retries.
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox::{self, OutboxStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use tokio::sync::watch;
use tracing::Instrument;

use crate::config::MailSettings;
use crate::error::AppResult;
use crate::kernel::Ctx;
pub use crate::mail::Attachment;
use crate::mail::{Letter, MailError, Mailer};

/// A notice to send, written by business code in its own transaction ([`enqueue`]).
#[derive(Clone, Debug)]
pub struct Notice {
    pub consortium_id: Option<i64>,
    /// What it is about, e.g. `purchase_order`; with `object_id` it is what the renderer of
    /// that kind receives.
    pub kind: &'static str,
    pub object_id: i64,
    /// One address or several separated by commas, each may carry a name:
    /// `供应商 <orders@supplier.example.cn>`.
    pub recipient: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// Renders the attachment of a notice of one kind from its object id, when the notice is
/// sent; `Ok(None)`: no attachment. An error is a failed try (tried again later).
///
/// ```text
/// fn render_purchase_order<'a>(ctx: &'a Ctx, id: i64) -> RenderFuture<'a> {
///     Box::pin(async move { Ok(Some(Attachment { filename, content_type, bytes })) })
/// }
/// // in the capability: notices: &[("purchase_order", render_purchase_order)],
/// ```
pub type Render = for<'a> fn(&'a Ctx, i64) -> RenderFuture<'a>;

/// What a [`Render`] returns.
pub type RenderFuture<'a> =
    Pin<Box<dyn Future<Output = AppResult<Option<Attachment>>> + Send + 'a>>;

/// Write a notice in the caller's transaction; it is sent once that transaction commits (and
/// never if it rolls back). `now` is the writer's time (`ctx.clock.now()`), kept as
/// `created_at`. Returns the outbox id.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    n: Notice,
) -> Result<i64, DbErr> {
    let row = outbox::ActiveModel {
        consortium_id: Set(n.consortium_id),
        kind: Set(n.kind.to_owned()),
        object_id: Set(n.object_id),
        recipient: Set(n.recipient),
        subject: Set(n.subject),
        body: Set(n.body),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_owner: Set(None),
        lease_until: Set(None),
        sent_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// The latest notice of an object (e.g. `("purchase_order", id)`): its status, tries, last
/// error and when it was sent. `None`: no notice was written for it.
pub async fn status_of(
    conn: &impl ConnectionTrait,
    kind: &str,
    object_id: i64,
) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .filter(outbox::Column::ObjectId.eq(object_id))
        .order_by_desc(outbox::Column::Id)
        .one(conn)
        .await
}

/// The renderers the registered capabilities declare, by notice kind.
pub fn registered() -> Vec<(&'static str, Render)> {
    crate::CAPABILITIES
        .iter()
        .flat_map(|c| c.notices.iter().copied())
        .collect()
}

/// The wait before try `attempts + 1` after `attempts` failed ones: `base`, doubled after each
/// further failure, at most `max`.
pub fn backoff(attempts: i32, base: Duration, max: Duration) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
    let ms = base.as_millis().saturating_mul(1u128 << doublings);
    Duration::from_millis(u64::try_from(ms.min(max.as_millis())).unwrap_or(u64::MAX))
}

/// An id for this process among the instances: host, process id and a random part.
pub fn instance_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tongyao".to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &random[..6])
}

/// Deliver every notice that is due now, as `owner`, with the configured transport and the
/// registered renderers; returns how many were delivered. (One call of the loop each instance
/// runs; tests call it directly.)
pub async fn send_due(ctx: &Ctx, owner: &str) -> anyhow::Result<usize> {
    let sender = Sender::new(&ctx.settings.mail, owner)?;
    Ok(sender.send_due(ctx).await?)
}

/// How many notices one pass takes at most (a pass ends earlier when nothing is due).
const PASS_LIMIT: usize = 200;
/// How many due rows a pass looks at before claiming one of them.
const CANDIDATES: u64 = 16;
/// Room left in a lease beyond a whole delivery before one is started.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// A row this sender holds.
struct Claim {
    row: outbox::Model,
    token: String,
    until: DateTime<Utc>,
}

enum Outcome {
    Sent,
    Retry,
    Failed,
    Released,
}

/// Claims, renders, delivers and marks notices as one owner (one per instance).
pub struct Sender {
    owner: String,
    mailer: Mailer,
    renderers: Vec<(&'static str, Render)>,
    lease: Duration,
    poll: Duration,
    max_attempts: i32,
    retry_base: Duration,
    retry_max: Duration,
}

impl Sender {
    /// A sender with the configured transport and the registered renderers.
    pub fn new(s: &MailSettings, owner: impl Into<String>) -> Result<Self, MailError> {
        Ok(Sender {
            owner: owner.into(),
            mailer: Mailer::new(s)?,
            renderers: registered(),
            lease: Duration::from_secs(s.lease_secs),
            poll: Duration::from_secs(s.poll_interval_secs),
            max_attempts: s.max_attempts,
            retry_base: Duration::from_secs(s.retry_base_secs),
            retry_max: Duration::from_secs(s.retry_max_secs),
        })
    }

    /// Use these renderers instead of the registered ones (tests, tools).
    pub fn with_renderers(mut self, renderers: Vec<(&'static str, Render)>) -> Self {
        self.renderers = renderers;
        self
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// One pass: deliver every notice due now; returns how many were delivered.
    pub async fn send_due(&self, ctx: &Ctx) -> Result<usize, DbErr> {
        self.pass(ctx, None).await
    }

    /// Poll every `mail.poll_interval_secs` until `stop` turns true (or its sender is gone);
    /// a notice being delivered is finished first.
    pub async fn run(self, ctx: Ctx, mut stop: watch::Receiver<bool>) {
        tracing::info!(owner = %self.owner, transport = %self.mailer.describe(), "outbox sender started");
        let mut failing: Option<String> = None;
        while !*stop.borrow() {
            match self.pass(&ctx, Some(&stop)).await {
                Ok(_) => {
                    if failing.take().is_some() {
                        tracing::info!("outbox sender reaches the database again");
                    }
                }
                // Said once while it lasts (e.g. migrations not yet applied), not every poll.
                Err(e) => {
                    let e = e.to_string();
                    if failing.as_deref() != Some(e.as_str()) {
                        tracing::warn!(error = %e, "outbox sender cannot read the outbox; trying again");
                        failing = Some(e);
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
        tracing::info!(owner = %self.owner, "outbox sender stopped");
    }

    async fn pass(&self, ctx: &Ctx, stop: Option<&watch::Receiver<bool>>) -> Result<usize, DbErr> {
        let stopping = || stop.is_some_and(|s| *s.borrow());
        let (mut taken, mut sent) = (0, 0);
        'pass: while taken < PASS_LIMIT && !stopping() {
            let now = ctx.clock.now();
            let ids: Vec<i64> = outbox::Entity::find()
                .select_only()
                .column(outbox::Column::Id)
                .filter(due(now))
                .order_by_asc(outbox::Column::NextAttemptAt)
                .order_by_asc(outbox::Column::Id)
                .limit(CANDIDATES)
                .into_tuple()
                .all(&ctx.db)
                .await?;
            let mut claimed_any = false;
            for id in ids {
                if taken >= PASS_LIMIT || stopping() {
                    break 'pass;
                }
                // Another instance may have taken it since: then try the next one.
                let Some(claim) = self.claim(ctx, id).await? else {
                    continue;
                };
                claimed_any = true;
                taken += 1;
                let span = tracing::info_span!("notice", outbox = id, kind = %claim.row.kind,
                    object = claim.row.object_id, attempt = claim.row.attempts, owner = %self.owner);
                if let Outcome::Sent = self.deliver(ctx, claim).instrument(span).await? {
                    sent += 1;
                }
            }
            if !claimed_any {
                break;
            }
        }
        Ok(sent)
    }

    /// Take the row if it is still due and nobody holds it: exactly one changed row.
    async fn claim(&self, ctx: &Ctx, id: i64) -> Result<Option<Claim>, DbErr> {
        let now = ctx.clock.now();
        let until = now + self.lease;
        let token = format!(
            "{}/{}",
            self.owner,
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let txn = ctx.write().await?;
        let claimed = outbox::Entity::update_many()
            .col_expr(outbox::Column::LeaseOwner, Expr::value(Some(token.clone())))
            .col_expr(outbox::Column::LeaseUntil, Expr::value(Some(until)))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.eq(id))
            .filter(due(now))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        let row = outbox::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("outbox {id}")))?;
        txn.commit().await?;
        Ok(Some(Claim { row, token, until }))
    }

    async fn deliver(&self, ctx: &Ctx, c: Claim) -> Result<Outcome, DbErr> {
        let row = &c.row;
        if row.attempts > self.max_attempts {
            // The earlier tries ended without an outcome: the instance stopped in the middle.
            let why = format!(
                "gave up after {} tries; the last ended without an answer{}",
                row.attempts - 1,
                row.last_error
                    .as_deref()
                    .map(|e| format!(" (before it: {e})"))
                    .unwrap_or_default()
            );
            tracing::error!(error = %why, "notice failed");
            self.finish(ctx, &c, Finish::Failed(why)).await?;
            return Ok(Outcome::Failed);
        }
        let attachments = match self.render(ctx, row).await {
            Ok(a) => a,
            Err(e) => return self.failed_try(ctx, &c, e).await,
        };
        // Start a delivery only while the lease outlasts it: past the lease another instance
        // may take the row, and two deliveries would both go.
        if ctx.clock.now() + self.mailer.deadline() + LEASE_MARGIN > c.until {
            tracing::warn!(
                "rendering took most of the lease; the notice is left for the next pass"
            );
            self.finish(ctx, &c, Finish::Release).await?;
            return Ok(Outcome::Released);
        }
        let letter = Letter {
            outbox_id: row.id,
            created_at: row.created_at,
            kind: &row.kind,
            object_id: row.object_id,
            to: &row.recipient,
            subject: &row.subject,
            body: &row.body,
            attachments: &attachments,
        };
        match self.mailer.send(&letter).await {
            Ok(d) => {
                tracing::info!(message_id = %d.message_id, to = %row.recipient, answer = %d.detail, "notice sent");
                self.mark_sent(ctx, &c).await?;
                Ok(Outcome::Sent)
            }
            Err(e) => self.failed_try(ctx, &c, e).await,
        }
    }

    async fn render(&self, ctx: &Ctx, row: &outbox::Model) -> Result<Vec<Attachment>, MailError> {
        let Some((_, render)) = self.renderers.iter().find(|(k, _)| *k == row.kind) else {
            return Ok(Vec::new());
        };
        // A third of the lease: what is left is enough for the delivery.
        match tokio::time::timeout(self.lease / 3, render(ctx, row.object_id)).await {
            Ok(Ok(a)) => Ok(a.into_iter().collect()),
            Ok(Err(e)) => Err(MailError::transient(format!(
                "the attachment could not be made: {e}"
            ))),
            Err(_) => Err(MailError::transient(format!(
                "the attachment took longer than {} s to make",
                (self.lease / 3).as_secs()
            ))),
        }
    }

    async fn failed_try(&self, ctx: &Ctx, c: &Claim, e: MailError) -> Result<Outcome, DbErr> {
        let attempts = c.row.attempts;
        if e.is_permanent() || attempts >= self.max_attempts {
            let why = if e.is_permanent() {
                e.to_string()
            } else {
                format!("{e} (gave up after {attempts} tries)")
            };
            tracing::error!(error = %why, to = %c.row.recipient, "notice failed");
            self.finish(ctx, c, Finish::Failed(why)).await?;
            Ok(Outcome::Failed)
        } else {
            let wait = backoff(attempts, self.retry_base, self.retry_max);
            tracing::warn!(error = %e, retry_in_secs = wait.as_secs(), "notice not delivered; will try again");
            self.finish(ctx, c, Finish::Retry(e.to_string(), wait))
                .await?;
            Ok(Outcome::Retry)
        }
    }

    /// Mark the row sent. The message is out: a database hiccup now would have it sent again
    /// when the lease expires, so the mark is tried a few times while the lease lasts.
    async fn mark_sent(&self, ctx: &Ctx, c: &Claim) -> Result<(), DbErr> {
        let mut wait = Duration::from_millis(500);
        loop {
            match self.finish(ctx, c, Finish::Sent).await {
                Ok(()) => return Ok(()),
                Err(e) if ctx.clock.now() + wait < c.until => {
                    tracing::warn!(error = %e, "notice sent but not yet marked; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(e) => {
                    tracing::error!(error = %e, "notice sent but could not be marked: it will be sent again, with the same Message-ID, when its lease expires");
                    return Err(e);
                }
            }
        }
    }

    /// End the claim (only if it is still ours).
    async fn finish(&self, ctx: &Ctx, c: &Claim, how: Finish) -> Result<(), DbErr> {
        use outbox::Column as C;
        let now = ctx.clock.now();
        let mut q = outbox::Entity::update_many()
            .col_expr(C::LeaseUntil, Expr::value(None::<DateTime<Utc>>));
        q = match how {
            Finish::Sent => q
                .col_expr(C::Status, Expr::value(OutboxStatus::Sent))
                .col_expr(C::SentAt, Expr::value(Some(now)))
                .col_expr(C::LastError, Expr::value(None::<String>)),
            Finish::Retry(why, wait) => q
                .col_expr(C::LeaseOwner, Expr::value(None::<String>))
                .col_expr(C::NextAttemptAt, Expr::value(now + wait))
                .col_expr(C::LastError, Expr::value(Some(clip(&why)))),
            Finish::Failed(why) => q
                .col_expr(C::Status, Expr::value(OutboxStatus::Failed))
                .col_expr(C::LeaseOwner, Expr::value(None::<String>))
                .col_expr(C::LastError, Expr::value(Some(clip(&why)))),
            // Not tried after all: the try is not counted.
            Finish::Release => q
                .col_expr(C::LeaseOwner, Expr::value(None::<String>))
                .col_expr(C::Attempts, Expr::col(C::Attempts).sub(1)),
        };
        let txn = ctx.write().await?;
        let changed = q
            .filter(C::Id.eq(c.row.id))
            .filter(C::LeaseOwner.eq(c.token.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        if changed != 1 {
            tracing::error!(
                "the notice's lease was lost before it was marked; another instance may send it again (same Message-ID)"
            );
        }
        Ok(())
    }
}

enum Finish {
    Sent,
    Retry(String, Duration),
    Failed(String),
    Release,
}

/// Due now: pending, new or past its next try, and nobody's lease running.
fn due(now: DateTime<Utc>) -> Condition {
    use outbox::Column as C;
    Condition::all()
        .add(C::Status.eq(OutboxStatus::Pending))
        .add(
            Condition::any()
                .add(C::Attempts.eq(0))
                .add(C::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::any()
                .add(C::LeaseUntil.is_null())
                .add(C::LeaseUntil.lte(now)),
        )
}

/// An error kept in the row: the first 2,000 characters.
fn clip(s: &str) -> String {
    s.chars().take(2000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let (base, max) = (Duration::from_secs(60), Duration::from_secs(3600));
        let waits: Vec<u64> = (1..=9).map(|n| backoff(n, base, max).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(0, base, max), base);
        assert_eq!(backoff(i32::MAX, base, max), max, "no overflow");
        assert_eq!(
            backoff(3, Duration::from_secs(1), Duration::from_secs(2)).as_secs(),
            2
        );
    }

    fn no_attachment<'a>(_: &'a Ctx, _: i64) -> RenderFuture<'a> {
        Box::pin(async { Ok(None) })
    }

    /// How a capability declares a renderer (a fn item in a const table).
    const DECLARED: &[(&str, Render)] = &[("example", no_attachment)];

    #[test]
    fn renderers_are_declared_once_per_kind() {
        assert_eq!(DECLARED.len(), 1);
        let kinds: Vec<&str> = registered().iter().map(|(k, _)| *k).collect();
        let mut unique = kinds.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            kinds.len(),
            "a notice kind has one renderer: {kinds:?}"
        );
    }

    #[test]
    fn owners_differ_between_instances() {
        let (a, b) = (instance_owner(), instance_owner());
        assert_ne!(a, b);
        assert!(a.contains(&std::process::id().to_string()));
    }
}
