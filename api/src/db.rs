//! Database connection and transactions. SQLite gets WAL, a busy timeout and foreign keys, and
//! every write transaction begins IMMEDIATE so that it waits for the writer lock instead of
//! failing with "database is locked" when it upgrades from a read.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::config::DatabaseSettings;

pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file(&settings.url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut opts = ConnectOptions::new(loopback_without_tls(&settings.url));
    let busy = Duration::from_millis(settings.busy_timeout_ms);
    opts.max_connections(settings.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
                .foreign_keys(true)
                .create_if_missing(true)
        });
    Database::connect(opts).await
}

/// A PostgreSQL URL to this machine (127.0.0.1, localhost, ::1) that names no `sslmode` gets
/// `sslmode=disable`. Over TLS, sqlx (which leaves Nagle's algorithm on) sends a large statement
/// in several writes, and the last waits for the server's delayed acknowledgement: ~40 ms per
/// statement with a long IN list, measured (docs/BENCHMARKS.md, stock on hand on PostgreSQL 53 ms
/// with TLS, 10 ms without). Traffic that never leaves the machine gains nothing from TLS; a URL
/// that says `sslmode` is taken as it is.
pub fn loopback_without_tls(url: &str) -> String {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return url.to_owned();
    };
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let host_port = authority.split('/').next().unwrap_or("");
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "::1");
    if !loopback || query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("sslmode="))) {
        return url.to_owned();
    }
    match query {
        Some(q) if !q.is_empty() => format!("{url}&sslmode=disable"),
        Some(_) => format!("{url}sslmode=disable"),
        None => format!("{url}?sslmode=disable"),
    }
}

/// The file behind a `sqlite:` URL, if it is a file (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path.contains(":memory:") {
        None
    } else {
        Some(path.to_string())
    }
}

/// Begin a transaction that will write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Names of migrations not yet applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    Ok(Migrator::get_pending_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_string())
        .collect())
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(backend, "SELECT 1"))
        .await
        .map(|_| ())
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Make the consortium's writers that must not interleave (allocation runs; approvals and
/// aggregations, which keep the approved demand's running totals) take turns until the
/// transaction ends: on PostgreSQL the consortium's row is locked `FOR NO KEY UPDATE` (rows that
/// reference it are still written meanwhile); SQLite's write transactions are one at a time
/// already.
pub async fn take_turn(conn: &impl ConnectionTrait, consortium: i64) -> Result<(), DbErr> {
    if is_postgres(conn) {
        conn.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM consortia WHERE id = $1 FOR NO KEY UPDATE",
            vec![consortium.into()],
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_postgres_goes_without_tls_unless_told() {
        assert_eq!(
            loopback_without_tls("postgres://postgres@127.0.0.1:5432/t"),
            "postgres://postgres@127.0.0.1:5432/t?sslmode=disable"
        );
        assert_eq!(
            loopback_without_tls("postgresql://u:p@localhost/t?application_name=x"),
            "postgresql://u:p@localhost/t?application_name=x&sslmode=disable"
        );
        assert_eq!(
            loopback_without_tls("postgres://[::1]:5432/t"),
            "postgres://[::1]:5432/t?sslmode=disable"
        );
        for kept in [
            "postgres://127.0.0.1/t?sslmode=require",
            "postgres://db.example.org:5432/t",
            "postgres://u@10.0.0.5/t",
            "sqlite://data/tongyao.db?mode=rwc",
        ] {
            assert_eq!(loopback_without_tls(kept), kept);
        }
    }
}
