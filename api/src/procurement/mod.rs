//! 统一采购 — one purchase (DOMAIN.md §2.2, rules O1–O7). This part: suppliers (`suppliers`)
//! with their unified social credit code checked, supply contracts with prices per pack and,
//! for volume-based ones, agreed annual volumes split per member (`contracts`), and the
//! procurement cycles members order in (`cycles`). Member orders, approval, aggregation into
//! purchase orders and VBP progress build on these.
pub(crate) mod approved;
pub mod contracts;
pub mod cycles;
pub mod demo;
pub mod handlers;
pub mod import;
pub mod orders;
pub mod order_excel;
pub mod purchase_orders;
pub mod review;
pub mod rules;
pub mod settings;
pub mod suppliers;
pub mod vbp;
pub mod views;

use utoipa_axum::routes;

use crate::capability::{Action, Capability, Routes};
use entity::user::Role::*;

/// See suppliers, contracts and cycles (prices are the consortium's own, shown to its members).
pub const READ: Action = Action("read_procurement");
/// Keep suppliers and contracts, open and close cycles: the lead hospital's procurement officer.
pub const MANAGE: Action = Action("manage_procurement");
/// Build and submit a member's orders (a member's pharmacist, for their own institution).
pub const ORDER: Action = Action("place_orders");
/// See the purchase orders to suppliers and the member lines behind them (distribution receives
/// against them).
pub const PURCHASE_READ: Action = Action("read_purchase_orders");

pub const CAPABILITY: Capability = Capability {
    name: "procurement",
    description: "统一采购: suppliers, contracts, procurement cycles, members' orders and their review, purchase orders, volume-based procurement progress",
    policy: &[
        (
            READ,
            &[Procurement, Pharmacist, Distribution, Committee, ConsortiumAdmin, Auditor],
        ),
        (MANAGE, &[Procurement]),
        (ORDER, &[Pharmacist]),
        (PURCHASE_READ, &[Procurement, Distribution, ConsortiumAdmin, Auditor]),
    ],
    routes: || {
        use handlers::*;
        Routes::new()
            .op(routes!(list_suppliers), READ)
            .op(routes!(create_supplier), MANAGE)
            .op(routes!(get_supplier), READ)
            .op(routes!(update_supplier), MANAGE)
            .op(routes!(list_contracts), READ)
            .op(routes!(create_contract), MANAGE)
            .op(routes!(get_contract), READ)
            .op(routes!(update_contract), MANAGE)
            .op(routes!(contract_template), MANAGE)
            .upload(routes!(import_contracts), MANAGE)
            .op(routes!(list_cycles), READ)
            .op(routes!(open_cycle), MANAGE)
            .op(routes!(get_cycle), READ)
            .op(routes!(close_cycle), MANAGE)
            .op(routes!(list_orders), READ)
            .op(routes!(create_order), ORDER)
            .op(routes!(get_order), READ)
            .op(routes!(put_order_lines), ORDER)
            .op(routes!(load_used_products), ORDER)
            .op(routes!(submit_order), ORDER)
            .op(routes!(export_order), READ)
            .upload(routes!(import_order), ORDER)
            .op(routes!(approve_order), MANAGE)
            .op(routes!(return_order), MANAGE)
            .op(routes!(review_orders), MANAGE)
            .op(routes!(orders_by_product), MANAGE)
            .op(routes!(preview_purchase_orders), MANAGE)
            .op(routes!(generate_purchase_orders), MANAGE)
            .op(routes!(list_purchase_orders), PURCHASE_READ)
            .op(routes!(get_purchase_order), PURCHASE_READ)
            .op(routes!(purchase_line_sources), PURCHASE_READ)
            .op(routes!(print_purchase_order), PURCHASE_READ)
            .op(routes!(export_purchase_order), PURCHASE_READ)
            .op(routes!(vbp_progress), READ)
            .op(routes!(get_procurement_settings), READ)
            .op(routes!(put_procurement_settings), MANAGE)
    },
    init: |ctx, _| ctx,
    messages: &[],
    notices: &[(purchase_orders::NOTICE_KIND, purchase_orders::attachment)],
    demo: Some(demo::demo),
};
