//! The service context: what a service function needs besides the actor — the database, the
//! clock, and the per-instance state of capabilities (e.g. the formulary's search index). It is
//! not a web type; the command line, jobs and tests build one too.
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

use super::clock::Clock;
use crate::config::Settings;

#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    parts: Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Ctx {
    /// The clock comes from the settings (`clock.today`).
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> Self {
        Ctx {
            db,
            clock: settings.clock(),
            settings,
            parts: Arc::new(HashMap::new()),
        }
    }

    /// Add a capability's per-instance state (at start-up, before the context is shared).
    pub fn with_part<T: Any + Send + Sync>(mut self, part: T) -> Self {
        Arc::make_mut(&mut self.parts).insert(TypeId::of::<T>(), Arc::new(part));
        self
    }

    /// A capability's per-instance state. Panics if the capability was not registered — a
    /// programming error that every test would show.
    pub fn part<T: Any + Send + Sync>(&self) -> &T {
        self.parts
            .get(&TypeId::of::<T>())
            .and_then(|p| p.downcast_ref::<T>())
            .unwrap_or_else(|| panic!("{} is not registered", std::any::type_name::<T>()))
    }

    /// Begin a transaction that will write: IMMEDIATE on SQLite, so it waits for the writer lock
    /// instead of failing with "database is locked" when it upgrades from a read.
    pub async fn write(&self) -> Result<DatabaseTransaction, DbErr> {
        crate::db::begin_write(&self.db).await
    }

    /// Begin a read transaction (one consistent snapshot for several queries).
    pub async fn read(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db.begin().await
    }
}
