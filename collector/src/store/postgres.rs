//! PostgreSQL, for several collectors sharing one database. A statement returns only after its
//! transaction is committed, and with PostgreSQL's default `synchronous_commit = on` that means
//! flushed to the write-ahead log: an acknowledged answer survives a crash.
//!
//! The behaviour is `SqliteStore`'s, statement by statement; `tests/storage.rs` runs the same
//! suite on both. Ids bind as text and are cast in SQL (`$1::uuid`, `$1::jsonb`, `::text` on the
//! way out), so that sqlx needs neither its `uuid` nor its `json` feature.

use super::{default_survey, Grant, Site, Store, StoreError, StoreResult, Stored, StoredResponse};
use crate::access::{new_site_key, Role};
use crate::clock::Millis;
use anyhow::Context as _;
use async_trait::async_trait;
use shared::{ResponseId, ResponseSubmission, SiteKey, Survey};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to an existing database and migrates it. Unlike a SQLite file, the database is
    /// not created here: on PostgreSQL that takes a role with `CREATEDB`, which the collector's
    /// own role should not need.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .with_context(|| format!("bad PostgreSQL URL {}", redacted(url)))?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to {}", redacted(url)))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        Ok(Self { pool })
    }

    async fn origins(&self, site_id: i64) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT origin FROM site_origins WHERE site_id = $1 ORDER BY origin")
                .bind(site_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    async fn site_by_id(&self, id: i64, key: String, name: String) -> StoreResult<Site> {
        Ok(Site {
            key: SiteKey::parse(key).context("a stored site key is invalid")?,
            name,
            origins: self.origins(id).await?,
        })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_site(&self, name: &str, origins: &[String], now: Millis) -> StoreResult<Site> {
        let key = new_site_key();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sites (key, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(&key)
        .bind(name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for origin in origins {
            sqlx::query(
                "INSERT INTO site_origins (site_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(origin)
            .execute(&mut *tx)
            .await?;
        }
        let survey = default_survey(name);
        sqlx::query(
            "INSERT INTO surveys (site_id, key, status, definition, created_at)
             VALUES ($1, $2, 'active', $3::jsonb, $4)",
        )
        .bind(id)
        .bind(survey.id.as_str())
        .bind(serde_json::to_string(&survey).context("cannot encode a survey")?)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.site_by_id(id, key, name.to_owned()).await
    }

    async fn sites(&self) -> StoreResult<Vec<Site>> {
        let rows = sqlx::query("SELECT id, key, name FROM sites ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut sites = Vec::with_capacity(rows.len());
        for r in rows {
            sites.push(self.site_by_id(r.get(0), r.get(1), r.get(2)).await?);
        }
        Ok(sites)
    }

    async fn site(&self, key: &SiteKey) -> StoreResult<Option<Site>> {
        let row = sqlx::query("SELECT id, key, name FROM sites WHERE key = $1")
            .bind(key.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.site_by_id(r.get(0), r.get(1), r.get(2)).await?)),
            None => Ok(None),
        }
    }

    async fn any_site_allows(&self, origin: &str) -> StoreResult<bool> {
        let found: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM site_origins WHERE origin = $1)")
                .bind(origin)
                .fetch_one(&self.pool)
                .await?;
        Ok(found)
    }

    async fn active_surveys(&self, site: &SiteKey) -> StoreResult<Vec<Survey>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT s.definition::text FROM surveys s JOIN sites t ON t.id = s.site_id
             WHERE t.key = $1 AND s.status = 'active' ORDER BY s.id",
        )
        .bind(site.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|d| {
                serde_json::from_str(d)
                    .context("a stored survey is invalid")
                    .map_err(Into::into)
            })
            .collect()
    }

    async fn insert_response(&self, r: &ResponseSubmission, now: Millis) -> StoreResult<Stored> {
        let answers = serde_json::to_string(&r.answers).context("cannot encode answers")?;
        let id = r.id.to_string();
        // Concurrent inserts of one id wait for the first one's commit, then do nothing, so the
        // lookup below always finds the row that won.
        let inserted = sqlx::query(
            "INSERT INTO responses (id, site_id, survey_key, answers, page_url, received_at)
             SELECT $1::uuid, id, $2, $3::jsonb, $4, $5 FROM sites WHERE key = $6
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(r.survey_id.as_str())
        .bind(&answers)
        .bind(r.page_url.as_deref())
        .bind(now)
        .bind(r.site_key.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Stored::Created);
        }
        let owner: Option<String> = sqlx::query_scalar(
            "SELECT t.key FROM responses r JOIN sites t ON t.id = r.site_id WHERE r.id = $1::uuid",
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?;
        match owner {
            Some(key) if key == r.site_key.as_str() => Ok(Stored::Replayed),
            Some(_) => Err(StoreError::Conflict("responses.id")),
            None => Err(StoreError::Other(anyhow::anyhow!(
                "site {} vanished",
                r.site_key
            ))),
        }
    }

    async fn responses(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredResponse>> {
        let rows = sqlx::query(
            "SELECT r.id::text, r.survey_key, r.answers::text, r.page_url, r.received_at
             FROM responses r JOIN sites t ON t.id = r.site_id
             WHERE t.key = $1 ORDER BY r.received_at DESC, r.id DESC LIMIT $2",
        )
        .bind(site.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let id: String = r.get(0);
                let answers: String = r.get(2);
                Ok(StoredResponse {
                    id: ResponseId::parse(&id).context("a stored response id is invalid")?,
                    survey_key: r.get(1),
                    answers: serde_json::from_str(&answers)
                        .context("stored answers are invalid")?,
                    page_url: r.get(3),
                    received_at: r.get(4),
                })
            })
            .collect()
    }

    async fn create_token(
        &self,
        site: &SiteKey,
        role: Role,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "INSERT INTO api_tokens (site_id, role, token_hash, created_at)
             SELECT id, $1, $2, $3 FROM sites WHERE key = $4",
        )
        .bind(role.as_str())
        .bind(token_hash)
        .bind(now)
        .bind(site.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Other(anyhow::anyhow!(
                "no site has the key {site}"
            )));
        }
        Ok(())
    }

    async fn grant(&self, token_hash: &str) -> StoreResult<Option<Grant>> {
        let row = sqlx::query(
            "SELECT t.role, s.id, s.key, s.name FROM api_tokens t JOIN sites s ON s.id = t.site_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let role: String = r.get(0);
        Ok(Some(Grant {
            role: role.parse().map_err(|e: String| anyhow::anyhow!(e))?,
            site: self.site_by_id(r.get(1), r.get(2), r.get(3)).await?,
        }))
    }
}

/// The URL without its password, for error messages and logs.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}
