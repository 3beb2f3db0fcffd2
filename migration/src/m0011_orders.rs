use sea_orm_migration::prelude::*;

// One purchase (issue 10), second part: the consortium's procurement settings (O3: the
// consumption lookback and the months of cover per level), members' orders and their lines (a
// quantity typed by the orderer, or none to follow the suggestion), and the idempotency keys of
// order submissions (O7).
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
CREATE TABLE procurement_settings (
  consortium_id BIGINT PRIMARY KEY REFERENCES consortia(id),
  lookback_months INTEGER NOT NULL CHECK (lookback_months BETWEEN 1 AND 12),
  cover_secondary INTEGER NOT NULL CHECK (cover_secondary BETWEEN 1 AND 12),
  cover_township INTEGER NOT NULL CHECK (cover_township BETWEEN 1 AND 12),
  cover_village INTEGER NOT NULL CHECK (cover_village BETWEEN 1 AND 12),
  version INTEGER NOT NULL
)
--;
CREATE TABLE member_orders (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  cycle_id BIGINT REFERENCES procurement_cycles(id),
  urgent BOOLEAN NOT NULL,
  urgent_reason TEXT,
  status TEXT NOT NULL,
  note TEXT,
  created_by BIGINT REFERENCES users(id),
  created_at {TS} NOT NULL,
  updated_at {TS} NOT NULL,
  submitted_by BIGINT REFERENCES users(id),
  submitted_at {TS},
  version INTEGER NOT NULL
)
--;
CREATE INDEX member_orders_institution ON member_orders (consortium_id, institution_id, id)
--;
CREATE INDEX member_orders_status ON member_orders (consortium_id, status, id)
--;
CREATE TABLE member_order_lines (
  id {ID},
  order_id BIGINT NOT NULL REFERENCES member_orders(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  quantity BIGINT CHECK (quantity >= 0),
  typed BOOLEAN NOT NULL,
  UNIQUE (order_id, entry_id)
)
--;
CREATE TABLE idempotency_keys (
  user_id BIGINT NOT NULL REFERENCES users(id),
  idem_key TEXT NOT NULL,
  operation TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  object_id BIGINT NOT NULL,
  created_at {TS} NOT NULL,
  PRIMARY KEY (user_id, idem_key)
)
"#;

const DOWN: &str = r#"
DROP TABLE idempotency_keys
--;
DROP TABLE member_order_lines
--;
DROP TABLE member_orders
--;
DROP TABLE procurement_settings
"#;
