//! The approved, not yet aggregated demand per product as running totals (packs, member lines;
//! see migration m0016): an approval adds its order's lines, an aggregation takes what it buys.
//! Both run with the consortium's turn taken (`db::take_turn`), so the totals always equal the
//! sum of the approved orders' lines.
use sea_orm::{ConnectionTrait, Statement};

use super::purchase_orders::{Demand, rows};
use crate::error::AppResult;

/// Add an order's lines (just approved) to the totals.
pub(crate) async fn add_order(conn: &impl ConnectionTrait, c: i64, order_id: i64) -> AppResult<()> {
    let sql = "INSERT INTO approved_demand (consortium_id, entry_id, packs, lines) \
         SELECT $1, entry_id, CAST(SUM(COALESCE(approved_quantity, quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM member_order_lines WHERE order_id = $2 AND COALESCE(approved_quantity, quantity) > 0 GROUP BY entry_id \
         ON CONFLICT (consortium_id, entry_id) DO UPDATE SET packs = approved_demand.packs + excluded.packs, lines = approved_demand.lines + excluded.lines";
    conn.execute_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, vec![c.into(), order_id.into()])).await?;
    Ok(())
}

/// Every product's approved demand now.
pub(crate) async fn read(conn: &impl ConnectionTrait, c: i64) -> AppResult<Demand> {
    rows(conn, "SELECT entry_id, packs, lines FROM approved_demand WHERE consortium_id = $1 AND lines > 0", vec![c.into()]).await
}

/// Take demand bought by an aggregation out of the totals (all of it: every approved order was
/// aggregated).
pub(crate) async fn take(conn: &impl ConnectionTrait, c: i64, bought: Option<&Demand>) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let run = |sql: String| conn.execute_raw(Statement::from_sql_and_values(backend, sql, vec![c.into()]));
    let Some(bought) = bought else {
        run("DELETE FROM approved_demand WHERE consortium_id = $1".into()).await?;
        return Ok(());
    };
    let items: Vec<_> = bought.iter().collect();
    for chunk in items.chunks(1000) {
        let values = chunk.iter().map(|(e, (q, n))| format!("({e}, {q}, {n})")).collect::<Vec<_>>().join(",");
        // VALUES' columns are column1, column2, … on both databases.
        run(format!(
            "UPDATE approved_demand SET packs = packs - v.column2, lines = lines - v.column3 \
             FROM (VALUES {values}) AS v WHERE approved_demand.consortium_id = $1 AND approved_demand.entry_id = v.column1"
        ))
        .await?;
    }
    run("DELETE FROM approved_demand WHERE consortium_id = $1 AND lines <= 0".into()).await?;
    Ok(())
}
