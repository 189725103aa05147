//! SQLite, the default engine: one file, WAL, and `synchronous = FULL` so that a committed
//! answer survives a crash of the process or the machine.

use super::{default_survey, Grant, Site, Store, StoreError, StoreResult, Stored, StoredResponse};
use crate::access::{new_site_key, Role};
use crate::clock::Millis;
use anyhow::Context as _;
use async_trait::async_trait;
use shared::{ResponseId, ResponseSubmission, SiteKey, Survey};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("bad SQLite URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open {url}"))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        Ok(Self { pool })
    }

    async fn origins(&self, site_id: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT origin FROM site_origins WHERE site_id = ? ORDER BY origin")
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
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_site(&self, name: &str, origins: &[String], now: Millis) -> StoreResult<Site> {
        let key = new_site_key();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sites (key, name, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(&key)
        .bind(name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for origin in origins {
            sqlx::query("INSERT OR IGNORE INTO site_origins (site_id, origin) VALUES (?, ?)")
                .bind(id)
                .bind(origin)
                .execute(&mut *tx)
                .await?;
        }
        let survey = default_survey(name);
        sqlx::query(
            "INSERT INTO surveys (site_id, key, status, definition, created_at) VALUES (?, ?, 'active', ?, ?)",
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
        let row = sqlx::query("SELECT id, key, name FROM sites WHERE key = ?")
            .bind(key.as_str())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.site_by_id(r.get(0), r.get(1), r.get(2)).await?)),
            None => Ok(None),
        }
    }

    async fn any_site_allows(&self, origin: &str) -> StoreResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM site_origins WHERE origin = ? LIMIT 1")
                .bind(origin)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    async fn active_surveys(&self, site: &SiteKey) -> StoreResult<Vec<Survey>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT s.definition FROM surveys s JOIN sites t ON t.id = s.site_id
             WHERE t.key = ? AND s.status = 'active' ORDER BY s.id",
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
        let inserted = sqlx::query(
            "INSERT INTO responses (id, site_id, survey_key, answers, page_url, received_at)
             SELECT ?, id, ?, ?, ?, ? FROM sites WHERE key = ?
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
            "SELECT t.key FROM responses r JOIN sites t ON t.id = r.site_id WHERE r.id = ?",
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
            "SELECT r.id, r.survey_key, r.answers, r.page_url, r.received_at
             FROM responses r JOIN sites t ON t.id = r.site_id
             WHERE t.key = ? ORDER BY r.received_at DESC, r.id DESC LIMIT ?",
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
             SELECT id, ?, ?, ? FROM sites WHERE key = ?",
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
             WHERE t.token_hash = ? AND t.revoked_at IS NULL",
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
