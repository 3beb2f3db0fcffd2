use sea_orm_migration::prelude::*;

// One delivery (issue 11), second part: FEFO allocation (D2). An allocation reserves packs of
// one lot at the central warehouse for one approved member order line until it is picked and
// dispatched (the ledger moves stock only at dispatch, so what a lot can still give is its
// balance less its open allocations). An order is marked once every line is allocated (or its
// back order ended), so a run reads only the orders still waiting; a line keeps the packs of a
// back order ended with a reason. What cannot be filled is a back order with its reason,
// rewritten by every allocation run (the day it first fell short is kept). Lots allocated to
// members keep at least the consortium's minimum days of shelf life (a setting, default 90).
//
// `allocations` and `back_orders` carry no REFERENCES, on purpose: one allocation run writes
// a row per order line and lot — 180,000 for 100,000 lines in the benchmark — and PostgreSQL
// checks a foreign key row by row (measured on 100,000 rows: 0.74 s with none, 2.34 s with two,
// 3.25 s with five), which alone would take the run past its target (docs/BENCHMARKS.md). Their
// only writer is the allocation run, which writes ids it read in the same transaction from rows
// that are never deleted (approved order lines, lots, institutions, products); the API tests
// check that every allocation names an existing line and lot.
//
// Columns added to existing tables carry no REFERENCES (see m0012).
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
ALTER TABLE member_orders ADD COLUMN allocated_in_full BOOLEAN NOT NULL DEFAULT FALSE
--;
ALTER TABLE member_order_lines ADD COLUMN closed_quantity BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE member_order_lines ADD COLUMN close_reason TEXT
--;
ALTER TABLE distribution_settings ADD COLUMN min_allocate_days INTEGER NOT NULL DEFAULT 90
--;
CREATE TABLE allocations (
  id {ID},
  consortium_id BIGINT NOT NULL,
  order_line_id BIGINT NOT NULL,
  institution_id BIGINT NOT NULL,
  entry_id BIGINT NOT NULL,
  lot_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL CHECK (quantity > 0),
  status TEXT NOT NULL,
  note TEXT,
  created_at {TS} NOT NULL,
  updated_at {TS} NOT NULL
)
--;
CREATE INDEX allocations_open ON allocations (consortium_id, status, lot_id)
--;
CREATE INDEX allocations_member ON allocations (consortium_id, institution_id, id)
--;
CREATE INDEX allocations_line ON allocations (order_line_id)
--;
CREATE TABLE back_orders (
  order_line_id BIGINT PRIMARY KEY,
  consortium_id BIGINT NOT NULL,
  institution_id BIGINT NOT NULL,
  entry_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL CHECK (quantity > 0),
  reason TEXT NOT NULL,
  since {DATE} NOT NULL
)
--;
CREATE INDEX back_orders_member ON back_orders (consortium_id, institution_id, order_line_id)
--;
CREATE INDEX back_orders_entry ON back_orders (consortium_id, entry_id)
"#;

const DOWN: &str = r#"
DROP TABLE back_orders
--;
DROP TABLE allocations
--;
ALTER TABLE distribution_settings DROP COLUMN min_allocate_days
--;
ALTER TABLE member_order_lines DROP COLUMN close_reason
--;
ALTER TABLE member_order_lines DROP COLUMN closed_quantity
--;
ALTER TABLE member_orders DROP COLUMN allocated_in_full
"#;
