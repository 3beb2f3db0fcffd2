use sea_orm_migration::prelude::*;

/// A proposal to change an existing entry records the version it was written against, so that
/// approving it after the entry changed is refused instead of silently applying a patch to a
/// product the approver has not seen (no lost update between two pending proposals). No foreign
/// key: SQLite cannot drop a column that has one, and the migration must go down as well as up.
const UP: &str = r#"
ALTER TABLE formulary_proposal_items ADD COLUMN base_version_id BIGINT
--;
CREATE INDEX formulary_proposal_items_entry_proposal ON formulary_proposal_items (entry_id, proposal_id)
"#;

const DOWN: &str = r#"
DROP INDEX formulary_proposal_items_entry_proposal
--;
ALTER TABLE formulary_proposal_items DROP COLUMN base_version_id
"#;

crate::script_migration!(UP, DOWN);
