use sea_orm_migration::prelude::*;

// One delivery (issue 11), first part: goods received at the central warehouse against purchase
// orders (D1), in one or several parts, each line with its lot, expiry, the packs put into stock
// and the packs damaged (recorded, not put into stock), trace codes where scanned (T1), and the
// supplier's invoice number when it came with the goods (货到票到; none: 货到票未到). A purchase
// order line keeps running totals (received, damaged, closed) so that what is outstanding is
// read without summing receipts; "close remaining" ends what will not come, with a reason.
// Quality holds stop a lot from being allocated (D2) until released. The consortium's minimum
// shelf life at receipt and the days a member has to confirm a delivery are settings.
//
// Columns added to existing tables carry no REFERENCES (see m0012).
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
ALTER TABLE purchase_order_lines ADD COLUMN received BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE purchase_order_lines ADD COLUMN damaged BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE purchase_order_lines ADD COLUMN closed BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE purchase_orders ADD COLUMN close_reason TEXT
--;
ALTER TABLE purchase_orders ADD COLUMN closed_by BIGINT
--;
ALTER TABLE purchase_orders ADD COLUMN closed_at {TS}
--;
CREATE TABLE receipts (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id),
  receipt_no TEXT NOT NULL,
  received_on {DATE} NOT NULL,
  invoice_no TEXT,
  note TEXT,
  created_by BIGINT REFERENCES users(id),
  created_at {TS} NOT NULL,
  UNIQUE (consortium_id, receipt_no)
)
--;
CREATE INDEX receipts_po ON receipts (purchase_order_id, id)
--;
CREATE INDEX receipts_consortium ON receipts (consortium_id, id)
--;
CREATE TABLE receipt_lines (
  id {ID},
  receipt_id BIGINT NOT NULL REFERENCES receipts(id),
  po_line_id BIGINT NOT NULL REFERENCES purchase_order_lines(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  quantity BIGINT NOT NULL CHECK (quantity >= 0),
  damaged BIGINT NOT NULL CHECK (damaged >= 0),
  damage_note TEXT,
  CHECK (quantity + damaged > 0)
)
--;
CREATE INDEX receipt_lines_receipt ON receipt_lines (receipt_id, id)
--;
CREATE INDEX receipt_lines_po_line ON receipt_lines (po_line_id)
--;
CREATE TABLE trace_codes (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  code TEXT NOT NULL,
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  receipt_line_id BIGINT REFERENCES receipt_lines(id),
  created_at {TS} NOT NULL,
  UNIQUE (consortium_id, code)
)
--;
CREATE INDEX trace_codes_lot ON trace_codes (lot_id)
--;
CREATE TABLE lot_holds (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  lot_id BIGINT NOT NULL REFERENCES stock_lots(id),
  reason TEXT NOT NULL,
  held_by BIGINT REFERENCES users(id),
  held_at {TS} NOT NULL,
  release_note TEXT,
  released_by BIGINT REFERENCES users(id),
  released_at {TS}
)
--;
CREATE INDEX lot_holds_lot ON lot_holds (lot_id, id)
--;
CREATE UNIQUE INDEX lot_holds_open ON lot_holds (lot_id) WHERE released_at IS NULL
--;
CREATE TABLE distribution_settings (
  consortium_id BIGINT PRIMARY KEY REFERENCES consortia(id),
  min_shelf_days INTEGER NOT NULL CHECK (min_shelf_days BETWEEN 0 AND 1825),
  confirm_within_days INTEGER NOT NULL CHECK (confirm_within_days BETWEEN 1 AND 60),
  version INTEGER NOT NULL
)
"#;

const DOWN: &str = r#"
DROP TABLE distribution_settings
--;
DROP TABLE lot_holds
--;
DROP TABLE trace_codes
--;
DROP TABLE receipt_lines
--;
DROP TABLE receipts
--;
ALTER TABLE purchase_orders DROP COLUMN closed_at
--;
ALTER TABLE purchase_orders DROP COLUMN closed_by
--;
ALTER TABLE purchase_orders DROP COLUMN close_reason
--;
ALTER TABLE purchase_order_lines DROP COLUMN closed
--;
ALTER TABLE purchase_order_lines DROP COLUMN damaged
--;
ALTER TABLE purchase_order_lines DROP COLUMN received
"#;
