use sea_orm_migration::prelude::*;

// One purchase (issue 10): the approved, not yet aggregated demand per product, kept as running
// totals (packs and member lines) the way a purchase order line keeps what it received. An
// approval adds its order's lines, an aggregation takes what it buys; so aggregating a whole
// cycle reads one row per product instead of summing every member line again (the GROUP BY
// over a million lines was most of its time). Approvals and aggregations of a consortium take
// turns (its row is locked on PostgreSQL), so the totals always equal the lines' sum — a test
// compares them after every step. Filled here from the orders approved before it existed.
crate::script_migration!(UP, DOWN);

const UP: &str = r#"
CREATE TABLE approved_demand (
  consortium_id BIGINT NOT NULL REFERENCES consortia(id),
  entry_id BIGINT NOT NULL REFERENCES formulary_entries(id),
  packs BIGINT NOT NULL,
  lines BIGINT NOT NULL,
  PRIMARY KEY (consortium_id, entry_id)
)
--;
INSERT INTO approved_demand (consortium_id, entry_id, packs, lines)
SELECT o.consortium_id, l.entry_id, CAST(SUM(COALESCE(l.approved_quantity, l.quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT)
FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id
WHERE o.status = 'approved' AND COALESCE(l.approved_quantity, l.quantity) > 0
GROUP BY o.consortium_id, l.entry_id
"#;

const DOWN: &str = r#"
DROP TABLE approved_demand
"#;
