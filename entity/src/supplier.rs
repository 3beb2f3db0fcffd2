use sea_orm::entity::prelude::*;

/// A supplier (配送企业) of one consortium, known by its unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suppliers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consortium_id: i64,
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015), 18 characters, its check character validated.
    pub uscc: String,
    /// Purchase orders are e-mailed here.
    pub order_email: String,
    pub invoice_email: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
