//! 库存 — stock at every institution (DOMAIN.md §2.3, rule D6): a ledger of movements per
//! formulary entry and lot, a running balance per institution and lot that never goes below
//! zero, `tongyao stock verify`, and the operations to read stock and record movements. Pages,
//! opening-stock import, stocktake, consumption and expiry follow (issue 9).
pub mod handlers;
pub mod rules;
pub mod service;
pub mod views;

use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use entity::user::Role::*;

/// Read stock on hand and the ledger (a member its own institution's; the lead hospital's
/// procurement and distribution staff, the administrator and the auditor every institution's).
pub const READ: Action = Action("read_stock");
/// Record movements (a member pharmacist at their own institution; distribution staff at any).
pub const RECORD: Action = Action("record_stock");

pub const CAPABILITY: Capability = Capability {
    name: "stock",
    description: "库存: stock at every institution",
    policy: &[
        (
            READ,
            &[Pharmacist, Procurement, Distribution, ConsortiumAdmin, Auditor],
        ),
        (RECORD, &[Pharmacist, Distribution]),
    ],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(list_stock), READ)
            .op(routes!(list_stock_movements), READ)
            .op(routes!(record_stock_movements), RECORD)
    },
    init: |ctx, _| ctx,
    messages: &[],
    demo: None,
};
