use sea_orm::entity::prelude::*;

/// One lot of one purchase order line in a receipt: packs put into stock and packs that arrived
/// damaged (recorded, not put into stock).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub receipt_id: i64,
    pub po_line_id: i64,
    pub entry_id: i64,
    pub lot_id: i64,
    /// Packs put into stock.
    pub quantity: i64,
    /// Packs damaged.
    pub damaged: i64,
    pub damage_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
