//! Every migration runs up, down and up again on both databases, leaving the same schema, and
//! `/readyz` tells whether the schema is current.
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use tongyao_tests::*;

/// Migrating up again after a rollback, as `tongyao migrate up` does: on a connection opened
/// for it. (The service's pooled SQLite connections may still hold the schema from before the
/// rollback; in CI one of them once prepared a migration's CREATE INDEX against that copy and
/// failed with "index … already exists".)
async fn fresh_connection(app: &TestApp) -> sea_orm::DatabaseConnection {
    let mut settings = app.settings().database.clone();
    settings.max_connections = 1;
    tongyao::db::connect(&settings).await.expect("a connection of its own")
}

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    let backend = app.db.get_database_backend();
    app.db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|row| {
            row.try_get_by_index::<Option<String>>(0)
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

/// Tables (other than the migration bookkeeping), columns, indexes and triggers.
async fn schema(app: &TestApp) -> Vec<String> {
    match app.kind {
        Db::Sqlite => {
            strings(
                app,
                "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master \
                WHERE name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY type, name",
            )
            .await
        }
        Db::Postgres => {
            let mut out = strings(app, "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
                || ' ' || COALESCE(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' \
                AND table_name <> 'seaql_migrations' ORDER BY table_name, column_name")
                .await;
            out.extend(strings(app, "SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
                AND tablename <> 'seaql_migrations' ORDER BY indexname").await);
            out.extend(strings(app, "SELECT 'trigger ' || trigger_name || ' ' || event_manipulation || ' ' || event_object_table \
                FROM information_schema.triggers WHERE trigger_schema = 'public' ORDER BY 1").await);
            out.extend(strings(app, "SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                WHERE n.nspname = 'public' ORDER BY 1").await);
            out
        }
    }
}

async fn readyz(app: &TestApp) -> Resp {
    app.get("/readyz").await
}

both!(up_down_up_on_an_empty_database, empty, |app| async move {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    assert!(
        schema(&app).await.is_empty(),
        "a fresh database has no tables"
    );
    // nothing applied yet: not ready
    readyz(&app).await.assert_problem(503);

    Migrator::up(&app.db, None).await.expect("up");
    assert!(
        Migrator::get_pending_migrations(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    let r = readyz(&app).await;
    r.assert_status(200);
    assert_eq!(r["status"], "ready");
    let first = schema(&app).await;
    for table in [
        "consortia",
        "institutions",
        "users",
        "sessions",
        "audit_log",
        "formulary_versions",
    ] {
        assert!(
            first.iter().any(|s| s.contains(table)),
            "{table} missing after up: {first:#?}"
        );
    }
    assert_eq!(app.count("users").await, 0);

    Migrator::down(&app.db, None).await.expect("down (all)");
    let left = schema(&app).await;
    assert!(
        left.is_empty(),
        "down left schema objects behind: {left:#?}"
    );
    assert_eq!(
        Migrator::get_pending_migrations(&app.db)
            .await
            .unwrap()
            .len(),
        names.len()
    );
    let r = readyz(&app).await;
    r.assert_problem(503);
    for n in &names {
        assert!(
            r["detail"].as_str().unwrap().contains(n.as_str()),
            "{}",
            r.body
        );
    }

    Migrator::up(&fresh_connection(&app).await, None)
        .await
        .expect("up again");
    assert_eq!(
        schema(&app).await,
        first,
        "up, down, up gives a different schema"
    );
    readyz(&app).await.assert_status(200);
    // the schema works: the demo organisation loads, people sign in, the trail is append-only
    tongyao::demo::load_organisation(&app.db)
        .await
        .expect("demo organisation loads");
    app.login("demo-consortium-admin").await;
    app.get("/api/v1/institutions").await.assert_status(200);
    let e = app
        .db
        .execute_unprepared("UPDATE audit_log SET action = 'x'")
        .await;
    assert!(
        e.is_err(),
        "the append-only trigger is back after up, down, up"
    );
});

both!(readyz_reports_a_rolled_back_migration, |app| async move {
    readyz(&app).await.assert_status(200);
    let last = Migrator::migrations().last().unwrap().name().to_string();
    Migrator::down(&app.db, Some(1))
        .await
        .expect("roll back one migration");
    let r = readyz(&app).await;
    r.assert_problem(503);
    assert_eq!(r["title"], "Service Unavailable");
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains("pending") && detail.contains(&last),
        "{detail}"
    );
    // only the last one is pending
    let pending = Migrator::get_pending_migrations(&app.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].name(), last);
    // health is about the process, not the schema
    app.get("/healthz").await.assert_status(200);

    Migrator::up(&fresh_connection(&app).await, None)
        .await
        .expect("up again");
    readyz(&app).await.assert_status(200);
    app.login("demo-committee-1").await;
});
