use sea_orm::entity::prelude::*;

/// An `Idempotency-Key` a user sent with a request that creates or changes something (O7): the
/// same key with the same request answers the first result; with another request it is refused.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub idem_key: String,
    pub operation: String,
    /// SHA-256 of the request (operation, path and body), hex.
    pub request_hash: String,
    /// What the first request made or changed.
    pub object_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
