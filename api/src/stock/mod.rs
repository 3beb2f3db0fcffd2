//! 库存 — stock at every institution (DOMAIN.md §2.3, rule D6): a ledger of movements per
//! formulary entry and lot, a running balance per institution and lot that never goes below
//! zero, and `tongyao stock verify`. This first step is the ledger that procurement,
//! distribution and dispensing will move stock through; its pages and operations follow.
pub mod rules;
pub mod service;

use crate::capability::{Capability, Routes};

pub const CAPABILITY: Capability = Capability {
    name: "stock",
    description: "库存: stock at every institution",
    policy: &[],
    routes: Routes::new,
    init: |ctx, _| ctx,
    messages: &[],
    demo: None,
};
