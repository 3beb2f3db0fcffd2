use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::session::SessionCache;
use crate::config::Settings;
use crate::formulary::search_cache::SearchCache;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub sessions: Arc<SessionCache>,
    pub search: Arc<SearchCache>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let cache_ms = settings.auth.session_cache_ms;
        Self {
            db,
            settings: Arc::new(settings),
            sessions: Arc::new(SessionCache::new(cache_ms)),
            search: Arc::new(SearchCache::default()),
        }
    }
}
