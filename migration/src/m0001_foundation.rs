use sea_orm_migration::prelude::*;

use crate::{per_backend, run_script};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &str = r#"
CREATE TABLE consortia (
  id {ID},
  name TEXT NOT NULL,
  code TEXT NOT NULL UNIQUE,
  region TEXT NOT NULL DEFAULT '',
  target_primary_pm INTEGER NOT NULL DEFAULT 900,
  target_secondary_pm INTEGER NOT NULL DEFAULT 800,
  target_tertiary_pm INTEGER NOT NULL DEFAULT 600,
  formulary_rev BIGINT NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at {TS} NOT NULL
)
--;
CREATE TABLE institutions (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  name TEXT NOT NULL,
  code TEXT NOT NULL,
  level TEXT NOT NULL,
  parent_id BIGINT REFERENCES institutions(id),
  contact_emails TEXT NOT NULL DEFAULT '[]',
  active BOOLEAN NOT NULL DEFAULT TRUE,
  version INTEGER NOT NULL DEFAULT 1,
  created_at {TS} NOT NULL,
  UNIQUE (consortium_id, code)
)
--;
CREATE INDEX institutions_consortium ON institutions (consortium_id, id)
--;
CREATE TABLE users (
  id {ID},
  consortium_id BIGINT REFERENCES consortia(id),
  institution_id BIGINT REFERENCES institutions(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  roles TEXT NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until {TS},
  version INTEGER NOT NULL DEFAULT 1,
  created_at {TS} NOT NULL,
  password_changed_at {TS} NOT NULL
)
--;
CREATE INDEX users_consortium ON users (consortium_id, id)
--;
CREATE TABLE sessions (
  id {ID},
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at {TS} NOT NULL,
  last_seen_at {TS} NOT NULL,
  expires_at {TS} NOT NULL,
  revoked_at {TS}
)
--;
CREATE INDEX sessions_user ON sessions (user_id)
--;
CREATE TABLE audit_log (
  id {ID},
  at {TS} NOT NULL,
  actor_id BIGINT,
  actor_username TEXT,
  consortium_id BIGINT,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT,
  before_json TEXT,
  after_json TEXT,
  request_id TEXT,
  reason TEXT
)
--;
CREATE INDEX audit_log_consortium ON audit_log (consortium_id, id)
"#;

const SQLITE_TRIGGERS: &str = r#"
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END
--;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END
"#;

const POSTGRES_TRIGGERS: &str = r#"
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$ LANGUAGE plpgsql
--;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
--;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
"#;

const DOWN: &str = r#"
DROP TABLE audit_log
--;
DROP TABLE sessions
--;
DROP TABLE users
--;
DROP TABLE institutions
--;
DROP TABLE consortia
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        crate::IN_TRANSACTION
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, TABLES).await?;
        run_script(
            manager,
            per_backend(manager, SQLITE_TRIGGERS, POSTGRES_TRIGGERS),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, DOWN).await?;
        run_script(
            manager,
            per_backend(
                manager,
                "",
                "DROP FUNCTION IF EXISTS audit_log_append_only()",
            ),
        )
        .await
    }
}
