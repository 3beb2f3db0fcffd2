use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, Statement, TransactionTrait, Value,
};

/// Names in the order a Chinese reader expects: the stored sort key becomes pinyin syllable by
/// syllable (阿卡波糖 "a ka bo tang" before 艾司奥美拉唑 "ai si …"), where it was the syllables
/// run together ("akabotang" after "aisi…"). Every version's key is recomputed from its name,
/// in batches, in one transaction. Down leaves the new keys: they are an order, not data, and
/// the earlier code reads any key.
#[derive(DeriveMigrationName)]
pub struct Migration;

const BATCH: i64 = 1000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        crate::IN_TRANSACTION
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // Positional parameters: $n on PostgreSQL, ? on SQLite.
        let sql = |s: &str| match backend {
            DatabaseBackend::Postgres => s.to_string(),
            _ => s.replace("$1", "?").replace("$2", "?"),
        };
        let tx = manager.get_connection().begin().await?;
        let mut after: i64 = 0;
        loop {
            let rows = tx
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    sql("SELECT id, generic_name_zh FROM formulary_versions WHERE id > $1 ORDER BY id LIMIT $2"),
                    [Value::from(after), Value::from(BATCH)],
                ))
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get::<i64>("", "id")?;
            for r in &rows {
                let id: i64 = r.try_get("", "id")?;
                let name: String = r.try_get("", "generic_name_zh")?;
                tx.execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql("UPDATE formulary_versions SET sort_key = $1 WHERE id = $2"),
                    [
                        Value::from(tongyao_search::sort_key(&name)),
                        Value::from(id),
                    ],
                ))
                .await?;
            }
        }
        tx.commit().await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
