use sea_orm_migration::prelude::*;

// Stock operations (issue 9): the consortium's stock settings (the near-expiry window), the
// business day of a movement (consumption is recorded by day), stocktakes whose count sheet
// freezes the book at its start, and disposals waiting for a second person.
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
CREATE TABLE stock_settings (
  consortium_id BIGINT PRIMARY KEY REFERENCES consortia(id),
  near_expiry_days INTEGER NOT NULL CHECK (near_expiry_days BETWEEN 1 AND 1095),
  version INTEGER NOT NULL
)
--;
ALTER TABLE stock_movements ADD COLUMN occurred_on {DATE}
--;
CREATE INDEX stock_movements_by_day ON stock_movements (institution_id, kind, occurred_on)
--;
CREATE TABLE stocktakes (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  status TEXT NOT NULL,
  note TEXT,
  started_by BIGINT REFERENCES users(id),
  started_at {TS} NOT NULL,
  submitted_by BIGINT REFERENCES users(id),
  submitted_at {TS},
  decided_by BIGINT REFERENCES users(id),
  decided_at {TS},
  decision_note TEXT,
  version INTEGER NOT NULL
)
--;
CREATE INDEX stocktakes_institution ON stocktakes (consortium_id, institution_id, id)
--;
CREATE UNIQUE INDEX stocktakes_one_open ON stocktakes (institution_id) WHERE status IN ('counting', 'submitted')
--;
CREATE TABLE stocktake_lines (
  id {ID},
  stocktake_id BIGINT NOT NULL REFERENCES stocktakes(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  book_quantity BIGINT NOT NULL,
  counted BIGINT CHECK (counted >= 0),
  book_at_count BIGINT,
  reason TEXT,
  counted_by BIGINT REFERENCES users(id),
  counted_at {TS},
  UNIQUE (stocktake_id, lot_id)
)
--;
CREATE TABLE stock_disposals (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  note TEXT,
  requested_by BIGINT REFERENCES users(id),
  requested_at {TS} NOT NULL,
  decided_by BIGINT REFERENCES users(id),
  decided_at {TS},
  decision_note TEXT,
  version INTEGER NOT NULL
)
--;
CREATE INDEX stock_disposals_institution ON stock_disposals (consortium_id, institution_id, id)
--;
CREATE TABLE stock_disposal_lines (
  id {ID},
  disposal_id BIGINT NOT NULL REFERENCES stock_disposals(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  quantity BIGINT NOT NULL CHECK (quantity > 0)
)
"#;

const DOWN: &str = r#"
DROP TABLE stock_disposal_lines
--;
DROP TABLE stock_disposals
--;
DROP TABLE stocktake_lines
--;
DROP TABLE stocktakes
--;
DROP INDEX stock_movements_by_day
--;
ALTER TABLE stock_movements DROP COLUMN occurred_on
--;
DROP TABLE stock_settings
"#;
