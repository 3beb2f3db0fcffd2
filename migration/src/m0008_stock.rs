use sea_orm_migration::prelude::*;

use crate::{per_backend, run_script};

/// Stock at every institution (D6): lots (批号 and expiry) of formulary entries, an append-only
/// ledger of movements in base units, and a running balance per institution and lot that the
/// same transaction moves with each movement and that never goes below zero.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &str = r#"
CREATE TABLE stock_lots (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  lot_no TEXT{BYTES} NOT NULL,
  expiry {DATE} NOT NULL,
  created_at {TS} NOT NULL,
  UNIQUE (entry_id, lot_no, expiry)
)
--;
CREATE TABLE stock_movements (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  kind TEXT NOT NULL,
  quantity BIGINT NOT NULL CHECK (quantity <> 0),
  reason TEXT,
  document TEXT,
  reverses_id BIGINT REFERENCES stock_movements(id),
  actor_id BIGINT REFERENCES users(id),
  created_at {TS} NOT NULL
)
--;
CREATE INDEX stock_movements_card ON stock_movements (institution_id, entry_id, id)
--;
CREATE INDEX stock_movements_lot ON stock_movements (institution_id, lot_id, id)
--;
CREATE UNIQUE INDEX stock_movements_reversed_once ON stock_movements (reverses_id)
--;
CREATE TABLE stock_balances (
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  quantity BIGINT NOT NULL CHECK (quantity >= 0),
  updated_at {TS} NOT NULL,
  PRIMARY KEY (institution_id, lot_id)
)
--;
CREATE INDEX stock_balances_entry ON stock_balances (institution_id, entry_id)
"#;

const SQLITE_TRIGGERS: &str = r#"
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN
  SELECT RAISE(ABORT, 'stock_movements is append-only: correct a movement by reversing it');
END
--;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
  SELECT RAISE(ABORT, 'stock_movements is append-only: correct a movement by reversing it');
END
"#;

const POSTGRES_TRIGGERS: &str = r#"
CREATE OR REPLACE FUNCTION stock_movements_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'stock_movements is append-only: correct a movement by reversing it';
END
$$ LANGUAGE plpgsql
--;
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE OR DELETE ON stock_movements
FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only()
--;
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
FOR EACH STATEMENT EXECUTE FUNCTION stock_movements_append_only()
"#;

const DOWN: &str = r#"
DROP TABLE stock_balances
--;
DROP TABLE stock_movements
--;
DROP TABLE stock_lots
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
                "DROP FUNCTION IF EXISTS stock_movements_append_only()",
            ),
        )
        .await
    }
}
