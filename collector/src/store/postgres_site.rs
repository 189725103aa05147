//! `SiteStore` on PostgreSQL: `SqliteStore`'s behaviour, statement by statement.

use super::site_store::{encode, read_settings, SiteStore};
use super::{PostgresStore, StoreResult};
use async_trait::async_trait;
use shared::{SiteKey, SiteSettings};

#[async_trait]
impl SiteStore for PostgresStore {
    async fn site_settings(&self, site: &SiteKey) -> StoreResult<Option<SiteSettings>> {
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT settings::text FROM sites WHERE key = $1")
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(read_settings).transpose()
    }

    async fn set_site_settings(
        &self,
        site: &SiteKey,
        settings: &SiteSettings,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE sites SET settings = $1::jsonb WHERE key = $2")
            .bind(encode(settings)?)
            .bind(site.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
