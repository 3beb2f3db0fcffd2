//! 统一配送 — one delivery (DOMAIN.md §2.4, rules D1–D5, T1). This part: goods received at the
//! central warehouse against purchase orders, in parts, with lots, expiry, damage and trace codes
//! (`receipts`), closing what will not come, quality holds on lots (`holds`) and the settings
//! receipt and delivery read (`settings`), first-expiry-first-out allocation to approved member
//! orders with back orders (`fefo` decides, `allocation` reads and writes). Routes, dispatch,
//! notices and proof of delivery build on these.
pub mod allocation;
pub mod demo;
pub mod fefo;
pub mod handlers;
pub mod holds;
pub mod receipts;
pub mod rules;
pub mod settings;
pub mod views;

use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use entity::user::Role::*;

/// See receipts, holds and the distribution settings.
pub const READ: Action = Action("read_distribution");
/// Receive goods at the central warehouse and close what will not come.
pub const RECEIVE: Action = Action("receive_goods");
/// Put lots on quality hold and release them.
pub const HOLD: Action = Action("hold_lots");
/// Run allocation (D2) for every product.
pub const ALLOCATE: Action = Action("allocate_stock");
/// See allocations and back orders: the warehouse and the lead hospital all, a member's
/// pharmacist their own institution's.
pub const READ_ALLOCATIONS: Action = Action("read_allocations");
/// End a back order with a reason (a member's pharmacist: their own institution's).
pub const CLOSE_BACK_ORDER: Action = Action("close_back_orders");
/// Change the distribution settings.
pub const SETTINGS: Action = Action("set_distribution_settings");

pub const CAPABILITY: Capability = Capability {
    name: "distribution",
    description: "统一配送: goods receipt at the central warehouse with lots, expiry and trace codes, quality holds, first-expiry-first-out allocation and back orders",
    policy: &[
        (READ, &[Distribution, Procurement, ConsortiumAdmin, Auditor]),
        (RECEIVE, &[Distribution]),
        (HOLD, &[Distribution]),
        (SETTINGS, &[ConsortiumAdmin, Distribution]),
        (ALLOCATE, &[Distribution]),
        (READ_ALLOCATIONS, &[Distribution, Procurement, ConsortiumAdmin, Auditor, Pharmacist]),
        (CLOSE_BACK_ORDER, &[Distribution, Procurement, Pharmacist]),
    ],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(list_receipts), READ)
            .op(routes!(create_receipt), RECEIVE)
            .op(routes!(get_receipt), READ)
            .op(routes!(close_purchase_order), RECEIVE)
            .op(routes!(list_lot_holds), READ)
            .op(routes!(hold_lot), HOLD)
            .op(routes!(release_lot), HOLD)
            .op(routes!(get_distribution_settings), READ)
            .op(routes!(put_distribution_settings), SETTINGS)
            .op(routes!(run_allocation), ALLOCATE)
            .op(routes!(list_allocations), READ_ALLOCATIONS)
            .op(routes!(list_back_orders), READ_ALLOCATIONS)
            .op(routes!(close_back_order), CLOSE_BACK_ORDER)
    },
    init: |ctx, _| ctx,
    messages: &[
        ("len_1_40", "1 到 40 个字符", "1 to 40 characters"),
        ("packs", "0 到 10000000 之间的包装数", "a number of packs from 0 to 10,000,000"),
        ("shelf_days", "0 到 1825 天", "0 to 1825 days"),
        ("confirm_days", "1 到 60 天", "1 to 60 days"),
    ],
    notices: &[],
    demo: Some(demo::demo),
};
