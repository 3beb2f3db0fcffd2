use sea_orm_migration::prelude::*;

/// Per-capability settings live in the capability's own table: the formulary's essential-
/// medicine targets (F3, per mille) and its revision counter (which tells each instance when
/// its search index is stale) move off `consortia`. A consortium without a row has the default
/// targets and revision 0.
const UP: &str = r#"
CREATE TABLE formulary_settings (
  consortium_id BIGINT PRIMARY KEY REFERENCES consortia(id),
  target_primary_pm INTEGER NOT NULL DEFAULT 900,
  target_secondary_pm INTEGER NOT NULL DEFAULT 800,
  target_tertiary_pm INTEGER NOT NULL DEFAULT 600,
  rev BIGINT NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1
)
--;
INSERT INTO formulary_settings (consortium_id, target_primary_pm, target_secondary_pm, target_tertiary_pm, rev)
SELECT id, target_primary_pm, target_secondary_pm, target_tertiary_pm, formulary_rev FROM consortia
--;
ALTER TABLE consortia DROP COLUMN target_primary_pm
--;
ALTER TABLE consortia DROP COLUMN target_secondary_pm
--;
ALTER TABLE consortia DROP COLUMN target_tertiary_pm
--;
ALTER TABLE consortia DROP COLUMN formulary_rev
"#;

const DOWN: &str = r#"
ALTER TABLE consortia ADD COLUMN target_primary_pm INTEGER NOT NULL DEFAULT 900
--;
ALTER TABLE consortia ADD COLUMN target_secondary_pm INTEGER NOT NULL DEFAULT 800
--;
ALTER TABLE consortia ADD COLUMN target_tertiary_pm INTEGER NOT NULL DEFAULT 600
--;
ALTER TABLE consortia ADD COLUMN formulary_rev BIGINT NOT NULL DEFAULT 0
--;
UPDATE consortia SET
  target_primary_pm = (SELECT s.target_primary_pm FROM formulary_settings s WHERE s.consortium_id = consortia.id),
  target_secondary_pm = (SELECT s.target_secondary_pm FROM formulary_settings s WHERE s.consortium_id = consortia.id),
  target_tertiary_pm = (SELECT s.target_tertiary_pm FROM formulary_settings s WHERE s.consortium_id = consortia.id),
  formulary_rev = (SELECT s.rev FROM formulary_settings s WHERE s.consortium_id = consortia.id)
WHERE EXISTS (SELECT 1 FROM formulary_settings s WHERE s.consortium_id = consortia.id)
--;
DROP TABLE formulary_settings
"#;

crate::script_migration!(UP, DOWN);
