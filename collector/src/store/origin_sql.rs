//! `OriginStore`'s SQL, written once for both engines as `team_sql.rs` is: `$N` placeholders
//! and `ON CONFLICT … DO UPDATE`, which both accept.

/// Implements `OriginStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`.
macro_rules! origin_store {
    ($store:ty, $db:ty, begin: $begin:literal, lock: $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::origin_store::OriginStore for $store {
            async fn set_origins(
                &self,
                site: &shared::SiteKey,
                origins: &[String],
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let Some(site_id) = sqlx::query_scalar::<_, i64>(concat!(
                    "SELECT id FROM sites WHERE key = $1",
                    $lock
                ))
                .bind(site.as_str())
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Ok(false);
                };
                sqlx::query("DELETE FROM site_origins WHERE site_id = $1")
                    .bind(site_id)
                    .execute(&mut *tx)
                    .await?;
                for origin in origins {
                    sqlx::query(
                        "INSERT INTO site_origins (site_id, origin) VALUES ($1, $2)
                         ON CONFLICT (site_id, origin) DO NOTHING",
                    )
                    .bind(site_id)
                    .bind(origin)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn record_sighting(
                &self,
                site: &shared::SiteKey,
                origin: &str,
                at: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO origin_sightings (site_id, origin, last_seen_at)
                     SELECT id, $2, $3 FROM sites WHERE key = $1
                     ON CONFLICT (site_id, origin) DO UPDATE SET last_seen_at = excluded.last_seen_at
                     WHERE excluded.last_seen_at > origin_sightings.last_seen_at",
                )
                .bind(site.as_str())
                .bind(origin)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn sightings(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::origin_store::Sighting>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT o.origin, o.last_seen_at FROM origin_sightings o
                     JOIN sites s ON s.id = o.site_id
                     WHERE s.key = $1 ORDER BY o.last_seen_at DESC, o.origin",
                )
                .bind(site.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(origin, last_seen_at)| $crate::store::origin_store::Sighting {
                        origin,
                        last_seen_at,
                    })
                    .collect())
            }
        }
    };
}
pub(super) use origin_store;
