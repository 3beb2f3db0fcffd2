use sea_orm::entity::prelude::*;

crate::coded_enum!(
    /// Where a notice in the outbox is.
    OutboxStatus { Pending = "pending" / "待发送", Sent = "sent" / "已发送", Failed = "failed" / "发送失败" });

/// A notice to send (an e-mail), written in the same transaction as the change that causes it
/// and delivered once by whichever instance claims it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: Option<i64>,
    /// What the notice is about, e.g. `purchase_order`; with `object_id` it names the attachment.
    pub kind: String,
    pub object_id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
