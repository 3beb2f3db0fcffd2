use sea_orm_migration::prelude::*;

/// The formulary is temporal: an entry is a stable identity, each approved change writes a new
/// version valid from its effective date, and the version it replaces gets `valid_to` set.
/// "As of day d" is `valid_from <= d AND (valid_to IS NULL OR valid_to > d)` (F2).
const UP: &str = r#"
CREATE TABLE formulary_entries (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  created_at {TS} NOT NULL
)
--;
CREATE TABLE formulary_proposals (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  effective_date {DATE} NOT NULL,
  justification TEXT,
  proposer_id BIGINT NOT NULL REFERENCES users(id),
  created_at {TS} NOT NULL,
  decided_by BIGINT REFERENCES users(id),
  decided_at {TS},
  decision_reason TEXT,
  item_count INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
)
--;
CREATE INDEX formulary_proposals_status ON formulary_proposals (consortium_id, status, id)
--;
CREATE TABLE formulary_proposal_items (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  proposal_id BIGINT NOT NULL REFERENCES formulary_proposals(id),
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  entry_id BIGINT REFERENCES formulary_entries(id),
  generic_name_zh TEXT NOT NULL,
  fields_json TEXT NOT NULL,
  changes_json TEXT
)
--;
CREATE INDEX formulary_proposal_items_proposal ON formulary_proposal_items (proposal_id, seq)
--;
CREATE INDEX formulary_proposal_items_entry ON formulary_proposal_items (entry_id)
--;
CREATE TABLE formulary_versions (
  id {ID},
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  proposal_id BIGINT NOT NULL REFERENCES formulary_proposals(id),
  valid_from {DATE} NOT NULL,
  valid_to {DATE},
  generic_name_zh TEXT NOT NULL,
  generic_name_en TEXT NOT NULL,
  dosage_form TEXT NOT NULL,
  route TEXT NOT NULL,
  strength TEXT NOT NULL,
  base_unit TEXT NOT NULL,
  pack_size INTEGER NOT NULL,
  pack_unit TEXT NOT NULL,
  manufacturer TEXT NOT NULL,
  approval_number TEXT NOT NULL,
  nhsa_code TEXT,
  atc_code TEXT,
  unit_price_e4 BIGINT NOT NULL,
  essential_national BOOLEAN NOT NULL,
  essential_provincial BOOLEAN NOT NULL,
  vbp BOOLEAN NOT NULL,
  insurance_class TEXT NOT NULL,
  special_class TEXT NOT NULL,
  antimicrobial_tier TEXT NOT NULL,
  storage TEXT NOT NULL,
  level_scope TEXT NOT NULL,
  long_rx_eligible BOOLEAN NOT NULL,
  extended_rx_eligible BOOLEAN NOT NULL,
  status TEXT NOT NULL,
  pinyin TEXT NOT NULL DEFAULT '',
  sort_key TEXT{BYTES} NOT NULL DEFAULT ''
)
--;
CREATE INDEX formulary_versions_from ON formulary_versions (consortium_id, valid_from)
--;
CREATE INDEX formulary_versions_sort ON formulary_versions (consortium_id, sort_key, entry_id)
--;
CREATE INDEX formulary_versions_entry ON formulary_versions (entry_id, valid_from)
"#;

const DOWN: &str = r#"
DROP TABLE formulary_versions
--;
DROP TABLE formulary_proposal_items
--;
DROP TABLE formulary_proposals
--;
DROP TABLE formulary_entries
"#;

crate::script_migration!(UP, DOWN);
