use sea_orm::DatabaseConnection;
pub async fn load_demo(_db: &DatabaseConnection, _c: i64) -> anyhow::Result<usize> { Ok(0) }
pub async fn load_demo_small(_db: &DatabaseConnection, _c: i64) -> anyhow::Result<usize> { Ok(0) }
pub async fn generate(_db: &DatabaseConnection, _c: i64, _n: usize) -> anyhow::Result<usize> { Ok(0) }
