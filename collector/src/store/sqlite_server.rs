//! `ServerStore` on SQLite.

use super::server_store::ServerStore;
use super::{SqliteStore, StoreResult};
use crate::clock::Millis;
use async_trait::async_trait;

#[async_trait]
impl ServerStore for SqliteStore {
    async fn server_secret(&self, name: &str, candidate: &str, now: Millis) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = ?1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn has_users(&self) -> StoreResult<bool> {
        Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn create_setup_token(
        &self,
        token_hash: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?1, ?2, ?3)",
        )
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn use_setup_token(&self, token_hash: &str, now: Millis) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE setup_tokens SET used_at = ?2
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_first_user(
        &self,
        email: &str,
        password_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, created_at)
             SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id",
        )
        .bind(email)
        .bind(password_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        sqlx::query(
            "INSERT INTO memberships (user_id, site_id, role, created_at)
             SELECT ?1, id, 'owner', ?2 FROM sites",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}
