//! 库存 — stock at every institution (DOMAIN.md §2.3, rule D6): a ledger of movements per
//! formulary entry and lot, a running balance per institution and lot that never goes below
//! zero, `tongyao stock verify`; stock on hand with expiry flags and the stock card (`reads`),
//! opening stock from a file (`opening`), consumption by day (`consumption`), stocktakes
//! (`stocktake`) and disposals (`disposal`), the last two approved by a second person.
pub mod consumption;
pub mod demo;
pub mod disposal;
pub mod handlers;
pub mod opening;
pub mod reads;
pub mod rules;
pub mod service;
pub mod stocktake;
pub mod views;

use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use entity::user::Role::*;

/// Read stock on hand and the ledger (a member its own institution's; the lead hospital's
/// procurement and distribution staff, the administrator and the auditor every institution's).
pub const READ: Action = Action("read_stock");
/// Record movements (a member pharmacist at their own institution; distribution staff at any):
/// opening stock, consumption, counts, disposal requests, reversals.
pub const RECORD: Action = Action("record_stock");
/// Approve what moves stock on a second person's word: stocktake differences and disposals.
pub const APPROVE: Action = Action("approve_stock");
/// Change the consortium's stock settings (the near-expiry window).
pub const SETTINGS: Action = Action("set_stock_settings");

pub const CAPABILITY: Capability = Capability {
    name: "stock",
    description: "库存: stock at every institution",
    policy: &[
        (
            READ,
            &[Pharmacist, Procurement, Distribution, ConsortiumAdmin, Auditor],
        ),
        (RECORD, &[Pharmacist, Distribution]),
        (APPROVE, &[Pharmacist, Distribution]),
        (SETTINGS, &[ConsortiumAdmin]),
    ],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(list_stock), READ)
            .op(routes!(export_stock), READ)
            .op(routes!(list_stock_institutions), READ)
            .op(routes!(list_stock_movements), READ)
            .op(routes!(record_stock_movements), RECORD)
            .op(routes!(export_stock_movements), READ)
            .op(routes!(reverse_stock_movement), RECORD)
            .op(routes!(get_stock_settings), READ)
            .op(routes!(put_stock_settings), SETTINGS)
            .op(routes!(opening_stock_template), RECORD)
            .op(routes!(import_opening_stock), RECORD)
            .op(routes!(record_consumption), RECORD)
            .op(routes!(list_consumption), READ)
            .op(routes!(export_consumption), READ)
            .op(routes!(consumption_totals), READ)
            .op(routes!(start_stocktake), RECORD)
            .op(routes!(list_stocktakes), READ)
            .op(routes!(get_stocktake), READ)
            .op(routes!(enter_stocktake_counts), RECORD)
            .op(routes!(import_stocktake_counts), RECORD)
            .op(routes!(stocktake_sheet), READ)
            .op(routes!(submit_stocktake), RECORD)
            .op(routes!(approve_stocktake), APPROVE)
            .op(routes!(return_stocktake), APPROVE)
            .op(routes!(cancel_stocktake), RECORD)
            .op(routes!(request_disposal), RECORD)
            .op(routes!(list_disposals), READ)
            .op(routes!(get_disposal), READ)
            .op(routes!(approve_disposal), APPROVE)
            .op(routes!(reject_disposal), APPROVE)
    },
    init: |ctx, _| ctx,
    messages: &[],
    notices: &[],
    demo: Some(demo::demo),
};
