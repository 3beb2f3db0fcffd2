use sea_orm_migration::prelude::*;

// One purchase (issue 10), third part: the lead hospital's review of members' orders (O4:
// approved as ordered, adjusted line by line with a reason shown to the member, or returned with
// a reason) and the aggregation of approved orders into one purchase order per supplier at the
// contracted price.
//
// A purchase order line remembers the member order lines it came from without a row per member
// line: an aggregation stamps the orders it takes (`member_orders.aggregation_id`), and a PO line
// is (aggregation, product), so its member lines are that aggregation's orders' lines of that
// product. A line whose product had no valid contract is marked `uncovered` and reported; a later
// aggregation that finds a contract takes it over (`member_order_lines.aggregation_id`). This
// keeps aggregating a cycle of a million lines about as cheap as one GROUP BY over them.
//
// A PO line's keys are checked in pairs: (purchase order, aggregation) against the purchase order,
// so a line cannot name an aggregation its order is not of, and (contract, product) against the
// contract's lines, so a line can only buy a product its contract covers at all. Two checks per
// line instead of four single-column ones: a large aggregation writes thousands of lines, and on
// PostgreSQL each check is a trigger run per row.
//
// Columns added to existing tables carry no REFERENCES: SQLite cannot drop a column that is part
// of a foreign key, and the migration must go down and up again; the service writes them.
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
CREATE TABLE aggregations (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  priced_on {DATE} NOT NULL,
  order_count INTEGER NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at {TS} NOT NULL
)
--;
CREATE INDEX aggregations_consortium ON aggregations (consortium_id, id)
--;
ALTER TABLE member_orders ADD COLUMN reviewed_by BIGINT
--;
ALTER TABLE member_orders ADD COLUMN reviewed_at {TS}
--;
ALTER TABLE member_orders ADD COLUMN review_note TEXT
--;
ALTER TABLE member_orders ADD COLUMN aggregation_id BIGINT
--;
CREATE INDEX member_orders_aggregation ON member_orders (aggregation_id)
--;
ALTER TABLE member_order_lines ADD COLUMN approved_quantity BIGINT CHECK (approved_quantity >= 0)
--;
ALTER TABLE member_order_lines ADD COLUMN adjust_reason TEXT
--;
ALTER TABLE member_order_lines ADD COLUMN uncovered BOOLEAN NOT NULL DEFAULT FALSE
--;
ALTER TABLE member_order_lines ADD COLUMN aggregation_id BIGINT
--;
CREATE INDEX member_order_lines_uncovered ON member_order_lines (entry_id) WHERE uncovered
--;
CREATE INDEX member_order_lines_carried ON member_order_lines (aggregation_id, entry_id)
--;
CREATE TABLE purchase_orders (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  aggregation_id BIGINT NOT NULL REFERENCES aggregations(id),
  supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
  po_no TEXT NOT NULL,
  status TEXT NOT NULL,
  line_count INTEGER NOT NULL,
  total BIGINT NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at {TS} NOT NULL,
  version INTEGER NOT NULL,
  UNIQUE (consortium_id, po_no),
  UNIQUE (aggregation_id, supplier_id),
  UNIQUE (id, aggregation_id)
)
--;
CREATE INDEX purchase_orders_consortium ON purchase_orders (consortium_id, id)
--;
CREATE TABLE purchase_order_lines (
  id {ID},
  purchase_order_id BIGINT NOT NULL,
  aggregation_id BIGINT NOT NULL,
  entry_id BIGINT NOT NULL,
  contract_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL CHECK (quantity > 0),
  price BIGINT NOT NULL CHECK (price > 0),
  amount BIGINT NOT NULL,
  UNIQUE (aggregation_id, entry_id),
  FOREIGN KEY (purchase_order_id, aggregation_id) REFERENCES purchase_orders (id, aggregation_id),
  FOREIGN KEY (contract_id, entry_id) REFERENCES contract_lines (contract_id, entry_id)
)
--;
CREATE INDEX purchase_order_lines_po ON purchase_order_lines (purchase_order_id, id)
--;
CREATE INDEX purchase_order_lines_contract ON purchase_order_lines (contract_id, entry_id)
"#;

const DOWN: &str = r#"
DROP TABLE purchase_order_lines
--;
DROP TABLE purchase_orders
--;
DROP INDEX member_order_lines_carried
--;
DROP INDEX member_order_lines_uncovered
--;
ALTER TABLE member_order_lines DROP COLUMN aggregation_id
--;
ALTER TABLE member_order_lines DROP COLUMN uncovered
--;
ALTER TABLE member_order_lines DROP COLUMN adjust_reason
--;
ALTER TABLE member_order_lines DROP COLUMN approved_quantity
--;
DROP INDEX member_orders_aggregation
--;
ALTER TABLE member_orders DROP COLUMN aggregation_id
--;
ALTER TABLE member_orders DROP COLUMN review_note
--;
ALTER TABLE member_orders DROP COLUMN reviewed_at
--;
ALTER TABLE member_orders DROP COLUMN reviewed_by
--;
DROP TABLE aggregations
"#;
