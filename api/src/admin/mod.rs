//! Administration: consortia (system administrators), institutions and users (consortium
//! administrators, within their own consortium).
pub mod handlers;
pub mod views;
