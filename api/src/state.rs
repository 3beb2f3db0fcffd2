//! The state every request handler sees: the service context (database, clock, capability
//! state) and the settings.
//! (`AppState::new`, which asks every registered capability for its state, is in `lib.rs`
//! beside the registry, so this module depends on the kernel alone.)
use std::sync::Arc;

use crate::config::Settings;
use crate::kernel::Ctx;

#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub settings: Arc<Settings>,
}
