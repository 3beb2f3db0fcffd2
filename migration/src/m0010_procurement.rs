use sea_orm_migration::prelude::*;

// One purchase (issue 10), its first part: suppliers (配送企业) with their unified social credit
// code, supply contracts tying a supplier to formulary entries at a price per pack for a period
// (a volume-based one, 带量采购, with the agreed annual volume split per member), and the
// procurement cycles the lead hospital opens and closes (O1).
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
CREATE TABLE suppliers (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  name TEXT NOT NULL,
  uscc TEXT NOT NULL,
  order_email TEXT NOT NULL,
  invoice_email TEXT,
  contact TEXT,
  phone TEXT,
  active BOOLEAN NOT NULL,
  created_at {TS} NOT NULL,
  updated_at {TS} NOT NULL,
  version INTEGER NOT NULL,
  UNIQUE (consortium_id, uscc)
)
--;
CREATE TABLE supply_contracts (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
  contract_no TEXT NOT NULL,
  kind TEXT NOT NULL,
  valid_from {DATE} NOT NULL,
  valid_to {DATE} NOT NULL,
  note TEXT,
  created_by BIGINT REFERENCES users(id),
  created_at {TS} NOT NULL,
  updated_at {TS} NOT NULL,
  version INTEGER NOT NULL,
  CHECK (valid_from <= valid_to),
  UNIQUE (consortium_id, contract_no)
)
--;
CREATE INDEX supply_contracts_supplier ON supply_contracts (supplier_id, id)
--;
CREATE TABLE contract_lines (
  id {ID},
  contract_id BIGINT NOT NULL REFERENCES supply_contracts(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  price BIGINT NOT NULL CHECK (price > 0),
  annual_volume BIGINT CHECK (annual_volume >= 0),
  UNIQUE (contract_id, entry_id)
)
--;
CREATE INDEX contract_lines_entry ON contract_lines (entry_id)
--;
CREATE TABLE contract_volumes (
  line_id BIGINT NOT NULL REFERENCES contract_lines(id),
  institution_id BIGINT NOT NULL REFERENCES institutions(id),
  packs BIGINT NOT NULL CHECK (packs >= 0),
  PRIMARY KEY (line_id, institution_id)
)
--;
CREATE TABLE procurement_cycles (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  name TEXT NOT NULL,
  starts_on {DATE} NOT NULL,
  ends_on {DATE} NOT NULL,
  status TEXT NOT NULL,
  opened_by BIGINT REFERENCES users(id),
  opened_at {TS} NOT NULL,
  closed_by BIGINT REFERENCES users(id),
  closed_at {TS},
  version INTEGER NOT NULL,
  CHECK (starts_on <= ends_on)
)
--;
CREATE UNIQUE INDEX procurement_cycles_one_open ON procurement_cycles (consortium_id) WHERE status = 'open'
--;
CREATE INDEX procurement_cycles_consortium ON procurement_cycles (consortium_id, id)
"#;

const DOWN: &str = r#"
DROP TABLE procurement_cycles
--;
DROP TABLE contract_volumes
--;
DROP TABLE contract_lines
--;
DROP TABLE supply_contracts
--;
DROP TABLE suppliers
"#;
