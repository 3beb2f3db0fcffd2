use sea_orm_migration::prelude::*;

/// The pack as people write it, `7片×4/盒`: base units per inner pack (板, 小盒), beside the
/// total per pack. Empty where the pack has no inner division.
const UP: &str = r#"
ALTER TABLE formulary_versions ADD COLUMN inner_pack_size INTEGER
"#;

const DOWN: &str = r#"
ALTER TABLE formulary_versions DROP COLUMN inner_pack_size
"#;

crate::script_migration!(UP, DOWN);
