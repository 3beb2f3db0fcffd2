//! The state every request handler sees: the service context (database, clock, capability
//! state) and the settings.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::kernel::Ctx;

#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Each registered capability adds its per-instance state to the context.
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let settings = Arc::new(settings);
        let mut ctx = Ctx::new(db, settings.clone());
        for cap in crate::CAPABILITIES {
            ctx = (cap.init)(ctx, &settings);
        }
        AppState { ctx, settings }
    }
}
