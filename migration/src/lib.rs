//! Schema migrations. Each migration is plain SQL written once with a few type placeholders
//! that differ between SQLite and PostgreSQL, so both databases get the same schema, the same
//! indexes and the same append-only triggers on the audit trail.
pub use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// A migration that is one SQL script up and one down (see [`run_script`]).
macro_rules! script_migration {
    ($up:expr, $down:expr) => {
        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            fn use_transaction(&self) -> Option<bool> {
                $crate::IN_TRANSACTION
            }

            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                $crate::run_script(manager, $up).await
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                $crate::run_script(manager, $down).await
            }
        }
    };
}
pub(crate) use script_migration;

mod m0001_foundation;
mod m0002_formulary;
mod m0003_formulary_settings;
mod m0004_proposal_base;
mod m0005_inner_pack;
mod m0006_sort_by_syllable;
mod m0007_import_mapping;
mod m0008_stock;
mod m0009_stock_operations;
mod m0010_procurement;
mod m0011_orders;
mod m0012_purchase_orders;
mod m0013_outbox;
mod m0014_receipts;
mod m0015_allocations;
mod m0016_approved_demand;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_formulary::Migration),
            Box::new(m0003_formulary_settings::Migration),
            Box::new(m0004_proposal_base::Migration),
            Box::new(m0005_inner_pack::Migration),
            Box::new(m0006_sort_by_syllable::Migration),
            Box::new(m0007_import_mapping::Migration),
            Box::new(m0008_stock::Migration),
            Box::new(m0009_stock_operations::Migration),
            Box::new(m0010_procurement::Migration),
            Box::new(m0011_orders::Migration),
            Box::new(m0012_purchase_orders::Migration),
            Box::new(m0013_outbox::Migration),
            Box::new(m0014_receipts::Migration),
            Box::new(m0015_allocations::Migration),
            Box::new(m0016_approved_demand::Migration),
        ]
    }
}

/// Every migration runs in one transaction, on SQLite too (sea-orm's default there is none): a
/// migration that fails halfway leaves nothing behind, and all its statements run on one pooled
/// connection rather than on whichever connection the pool hands out next.
pub(crate) const IN_TRANSACTION: Option<bool> = Some(true);

/// Replace the type placeholders of a schema script for the given backend and run each
/// statement. Statements are separated by a line holding only `--;` so that trigger bodies
/// (which contain semicolons) stay whole.
pub(crate) async fn run_script(manager: &SchemaManager<'_>, script: &str) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let conn = manager.get_connection();
    for stmt in script.split("\n--;\n") {
        let stmt = stmt.trim();
        if stmt.is_empty() {
            continue;
        }
        conn.execute_unprepared(&render(stmt, backend)).await?;
    }
    Ok(())
}

fn render(stmt: &str, backend: DatabaseBackend) -> String {
    // {BYTES}: compare text byte by byte (SQLite's default), so both databases sort alike.
    let (id, ts, date, bytes) = match backend {
        DatabaseBackend::Postgres => (
            "BIGSERIAL PRIMARY KEY",
            "TIMESTAMPTZ",
            "DATE",
            " COLLATE \"C\"",
        ),
        _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT", ""),
    };
    stmt.replace("{ID}", id)
        .replace("{TS}", ts)
        .replace("{DATE}", date)
        .replace("{BYTES}", bytes)
}

/// Pick the statement for the running backend.
pub(crate) fn per_backend<'a>(
    manager: &SchemaManager<'_>,
    sqlite: &'a str,
    postgres: &'a str,
) -> &'a str {
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => postgres,
        _ => sqlite,
    }
}
