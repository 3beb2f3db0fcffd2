use sea_orm_migration::prelude::*;

// The durable outbox: a notice (a purchase order to its supplier now; dispatch notices later) is
// written in the same transaction as the business change that causes it, and a sender claims
// it with a lease, delivers it and marks it sent — so it is neither lost nor sent twice by two
// instances.
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
CREATE TABLE outbox (
  id {ID},
  consortium_id BIGINT REFERENCES consortia(id),
  kind TEXT NOT NULL,
  object_id BIGINT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at {TS} NOT NULL,
  lease_owner TEXT,
  lease_until {TS},
  sent_at {TS},
  last_error TEXT,
  created_at {TS} NOT NULL
)
--;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at)
--;
CREATE INDEX outbox_object ON outbox (kind, object_id)
"#;

const DOWN: &str = r#"
DROP TABLE outbox
"#;
