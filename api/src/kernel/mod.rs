//! What every capability shares and no capability owns: the service context (database, clock,
//! capability state), the actor, exact money, coded enums, cursor paging, versioned (409)
//! updates and rule ids. Nothing here imports a capability.
pub mod actor;
pub mod clock;
pub mod ctx;
pub mod download;
pub mod memory;
pub mod money;
pub mod paging;
pub mod rules;
pub mod table;
pub mod versioned;

pub use actor::Actor;
pub use clock::Clock;
pub use ctx::Ctx;
pub use download::{Download, FileBytes};
pub use entity::codes::Coded;
pub use money::Money;
pub use rules::{Refusal, RuleId};
