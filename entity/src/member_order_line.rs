use sea_orm::entity::prelude::*;

/// One product of a member's order, in packs: the quantity the orderer typed, or none while the
/// line follows the suggested quantity (O3: a typed quantity is never overwritten). Submitting
/// fixes the suggestion into the line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub entry_id: i64,
    pub quantity: Option<i64>,
    /// The orderer typed the quantity (else it is the suggestion, fixed at submission).
    pub typed: bool,
    /// The quantity the lead hospital approved when it differs from the one ordered (O4), with
    /// the reason shown to the member.
    pub approved_quantity: Option<i64>,
    pub adjust_reason: Option<String>,
    /// No valid contract covered the product when its order was aggregated: reported, and taken
    /// by a later aggregation once a contract covers it.
    pub uncovered: bool,
    /// The later aggregation that took an uncovered line (else its order's aggregation).
    pub aggregation_id: Option<i64>,
    /// Packs of a back order closed (they will not come), with the reason.
    pub closed_quantity: i64,
    pub close_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
