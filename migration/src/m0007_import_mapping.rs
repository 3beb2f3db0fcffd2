use sea_orm_migration::prelude::*;

/// The column mapping a consortium chose for lists written by others (file header → formulary
/// field, JSON), remembered for its next import of such a file.
const UP: &str = r#"
ALTER TABLE formulary_settings ADD COLUMN import_mapping TEXT
"#;

const DOWN: &str = r#"
ALTER TABLE formulary_settings DROP COLUMN import_mapping
"#;

crate::script_migration!(UP, DOWN);
