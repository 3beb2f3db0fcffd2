//! sea-orm entities: one module per table, data shape only (with the coded enums of its
//! columns). Business rules live in `api`.
pub mod audit_log;
pub mod codes;
pub mod consortium;
pub mod contract_line;
pub mod contract_volume;
pub mod formulary_entry;
pub mod formulary_proposal;
pub mod formulary_proposal_item;
pub mod formulary_setting;
pub mod formulary_version;
pub mod institution;
pub mod procurement_cycle;
pub mod session;
pub mod stock_balance;
pub mod stock_disposal;
pub mod stock_disposal_line;
pub mod stock_lot;
pub mod stock_movement;
pub mod stock_setting;
pub mod stocktake;
pub mod stocktake_line;
pub mod supplier;
pub mod supply_contract;
pub mod user;
