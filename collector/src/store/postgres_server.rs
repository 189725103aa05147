//! `ServerStore` on PostgreSQL.

use super::server_store::ServerStore;
use super::{PostgresStore, StoreResult};
use crate::clock::Millis;
use async_trait::async_trait;

#[async_trait]
impl ServerStore for PostgresStore {
    async fn server_secret(&self, name: &str, candidate: &str, now: Millis) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
