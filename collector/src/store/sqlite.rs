//! SQLite, the default engine: one file, WAL, and `synchronous = FULL` so that a committed
//! answer survives a crash of the process or the machine.

use super::insight_sql::{apply_rows, FOLD_COLUMNS};
use super::sqlite_writer::Writer;
use super::{
    default_survey, After, Enrichment, NewResponse, Respondent, Site, Store, StoreError,
    StoreResult, Stored, StoredResponse, ThreadWriter,
};
use crate::access::{new_site_key, Role};
use crate::clock::Millis;
use anyhow::Context as _;
use async_trait::async_trait;
use shared::{ResponseId, ResponseSubmission, SiteKey, Survey};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    /// Where answers are written: a connection of its own, kept, so that the group commit's
    /// batches find their pages in its cache (`sqlite_writer.rs`).
    writer: Arc<Mutex<Writer>>,
    /// Whether the writer owes the rollups counts (`settle_rollups`).
    owes: Arc<std::sync::atomic::AtomicBool>,
    /// Told after a commit that set timer jobs or wrote outbox events: one process uses a
    /// SQLite file, so its runner and notifier hear of them here (`Store::watch_jobs`).
    pub(super) jobs_set: Arc<tokio::sync::Notify>,
    pub(super) events_written: Arc<tokio::sync::Notify>,
    pub(super) entries_appended: Arc<tokio::sync::Notify>,
}

/// The writer, even when a batch panicked while holding it: it reopens its connection after any
/// failure.
fn lock(writer: &Mutex<Writer>) -> std::sync::MutexGuard<'_, Writer> {
    writer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ThreadWriter for Arc<Mutex<Writer>> {
    fn insert_batch(&mut self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>> {
        lock(self).insert_batch(items)
    }

    fn after_batch(&mut self) {
        lock(self).checkpoint_if_due(std::time::Instant::now());
    }
}

impl SqliteStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("bad SQLite URL {url:?}"))?;
        let path = options.get_filename().to_owned();
        if path.as_os_str() == ":memory:" {
            anyhow::bail!(
                "{url:?} is an in-memory database, which the collector's connections cannot \
                 share: give a file, e.g. sqlite://hark.db"
            );
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            // A connection still inside a transaction is closed, not handed out. SQLite rolls
            // a transaction back by itself on some errors (a full disk, an I/O error); sqlx's
            // own `ROLLBACK` then fails and leaves the connection counted one transaction
            // deep, so that every later `BEGIN IMMEDIATE` on it failed ("begin_with at
            // non-zero transaction depth") long after the disk had room again. The pool pings
            // an idle connection before this runs, and the ping comes after any rollback that
            // a dropped transaction queued: the depth read here is the connection's own.
            .before_acquire(|conn, _| {
                Box::pin(async move {
                    use sqlx::TransactionManager as _;
                    let depth =
                        <sqlx::Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(
                            conn,
                        );
                    if depth > 0 {
                        tracing::warn!(depth, "closing a connection left inside a transaction");
                    }
                    Ok(depth == 0)
                })
            })
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open {url}"))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        let writer = Writer::new(path);
        let owes = writer.owes();
        Ok(Self {
            pool,
            writer: Arc::new(Mutex::new(writer)),
            owes,
            jobs_set: Arc::default(),
            events_written: Arc::default(),
            entries_appended: Arc::default(),
        })
    }

    async fn origins(&self, site_id: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT origin FROM site_origins WHERE site_id = ? ORDER BY origin")
            .bind(site_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }

    /// A site with its default survey and, given an owner, its owner's membership: one
    /// transaction (`Store::create_site`, `Store::create_owned_site`).
    async fn insert_site(
        &self,
        name: &str,
        origins: &[String],
        owner: Option<i64>,
        now: Millis,
    ) -> StoreResult<Site> {
        let key = new_site_key();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
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
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, definition, created_at)
             SELECT id, version, definition, created_at FROM surveys WHERE site_id = ?",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(owner) = owner {
            sqlx::query(
                "INSERT INTO memberships (user_id, site_id, role, created_at) VALUES (?, ?, ?, ?)",
            )
            .bind(owner)
            .bind(id)
            .bind(Role::Owner.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.site_by_id(id, key, name.to_owned()).await
    }

    async fn site_by_id(&self, id: i64, key: String, name: String) -> StoreResult<Site> {
        Ok(Site {
            key: SiteKey::parse(key).context("a stored site key is invalid")?,
            name,
            origins: self.origins(id).await?,
        })
    }

    /// Erases a visitor's answers. Answers have no visitor index (migration 0011): their ids
    /// are found by reading the site's answers, which does not hold up the ingest writer as a
    /// scanning `DELETE` would, then deleted by id. Until a read finds none, so that an answer
    /// the visitor sent meanwhile goes too.
    async fn erase_visitor_answers(&self, site: &SiteKey, visitor: &str) -> StoreResult<u64> {
        let mut erased = 0;
        loop {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM responses WHERE visitor = ?
                 AND site_id = (SELECT id FROM sites WHERE key = ?)",
            )
            .bind(visitor)
            .bind(site.as_str())
            .fetch_all(&self.pool)
            .await?;
            if ids.is_empty() {
                return Ok(erased);
            }
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
            let sql = format!(
                "DELETE FROM responses WHERE id = ? AND visitor = ? RETURNING {FOLD_COLUMNS}"
            );
            let mut gone = Vec::new();
            for id in &ids {
                gone.extend(
                    sqlx::query(&sql)
                        .bind(id)
                        .bind(visitor)
                        .fetch_optional(&mut *tx)
                        .await?,
                );
            }
            erased += apply_rows::<sqlx::Sqlite>(&mut *tx, &gone, -1).await?;
            tx.commit().await?;
        }
    }
}

impl SqliteStore {
    /// Pays what the ingest writer owes the rollups (`sqlite_writer.rs`) before they are read,
    /// so that a read sees every answer acknowledged before it began. At once when nothing is
    /// owed; otherwise after the writer's current batch. When the payment fails (the database
    /// is busy), the read goes on without the newest answers, which stay owed: a dashboard is
    /// not refused for it.
    pub(super) async fn settle_rollups(&self) {
        if !self.owes.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        if let Err(e) = self.on_writer(Writer::fold_owed).await {
            tracing::warn!(error = %e, "the rollups are read without the newest answers, which they still owe");
        }
    }

    /// Recomputes from the stored answers the days a writer that stopped before paying left
    /// owed (`Writer::recover`); 0 at once when none is marked.
    pub(super) async fn recover_owed(&self) -> StoreResult<u64> {
        let owed: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM insight_rollups_owed)")
            .fetch_one(&self.pool)
            .await?;
        if !owed {
            return Ok(0);
        }
        self.on_writer(Writer::recover).await
    }

    /// Recomputes one site's rollups on the writer's connection (`InsightStore`), off the
    /// runtime's threads: the fold reads each row where it lies, with no hand-over per row.
    pub(super) async fn rebuild_site(&self, site: i64) -> StoreResult<u64> {
        self.on_writer(move |writer| writer.rebuild_rollups(site))
            .await
    }

    /// Calls the writer off the runtime's threads (its calls block), once it is free.
    async fn on_writer<T: Send + 'static>(
        &self,
        call: impl FnOnce(&mut Writer) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || call(&mut lock(&writer)))
            .await
            .map_err(|e| StoreError::Other(anyhow::anyhow!("the SQLite writer failed: {e}")))?
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn watch_jobs(&self, wake: Arc<tokio::sync::Notify>) {
        loop {
            self.jobs_set.notified().await;
            wake.notify_one();
        }
    }

    async fn watch_outbox(&self, wake: Arc<tokio::sync::Notify>) {
        loop {
            self.events_written.notified().await;
            wake.notify_one();
        }
    }

    async fn watch_case_events(&self, wake: Arc<tokio::sync::Notify>) {
        loop {
            self.entries_appended.notified().await;
            wake.notify_one();
        }
    }

    async fn release_leases(&self) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut freed = 0;
        for table in ["jobs", "webhook_deliveries", "email_deliveries"] {
            freed += sqlx::query(&format!(
                "UPDATE {table} SET locked_until = NULL WHERE locked_until IS NOT NULL"
            ))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(freed)
    }

    async fn create_site(&self, name: &str, origins: &[String], now: Millis) -> StoreResult<Site> {
        self.insert_site(name, origins, None, now).await
    }

    async fn create_owned_site(
        &self,
        name: &str,
        origins: &[String],
        owner: i64,
        now: Millis,
    ) -> StoreResult<Site> {
        self.insert_site(name, origins, Some(owner), now).await
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

    async fn insert_enriched(
        &self,
        r: &ResponseSubmission,
        e: &Enrichment,
        now: Millis,
    ) -> StoreResult<Stored> {
        let item = NewResponse {
            submission: r.clone(),
            enrichment: e.clone(),
            received_at: now,
        };
        let mut outcomes = self.insert_batch(std::slice::from_ref(&item)).await?;
        outcomes.pop().expect("one outcome for one item")
    }

    async fn insert_batch(&self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>> {
        // The writer blocks its thread: off the runtime's. (Ingest does not come this way: the
        // group commit calls the writer on a thread of its own, `thread_writer`.)
        let items = items.to_vec();
        self.on_writer(move |writer| {
            let outcomes = writer.insert_batch(&items)?;
            // Callers here (imports, a case's rating) are few: their counts are paid at once.
            if let Err(e) = writer.fold_owed() {
                tracing::warn!(error = %e, "the rollups could not be brought up to date; trying again later");
            }
            Ok(outcomes)
        })
        .await
    }

    fn thread_writer(&self) -> Option<Box<dyn ThreadWriter>> {
        Some(Box::new(self.writer.clone()))
    }

    async fn responses(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredResponse>> {
        let rows = sqlx::query(
            "SELECT r.id, r.survey_key, r.answers, r.page_url, r.received_at,
                 r.page_path, r.device, r.browser, r.locale, r.visitor, r.user_id, r.email,
                 r.survey_version, r.attributes, r.channel
             FROM responses r JOIN sites t ON t.id = r.site_id
             WHERE t.key = ? ORDER BY r.received_at DESC, r.id DESC LIMIT ?",
        )
        .bind(site.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(read_response).collect()
    }

    async fn responses_page(
        &self,
        site: &SiteKey,
        after: After,
        limit: u32,
    ) -> StoreResult<Vec<StoredResponse>> {
        // The first page starts before any time, where the id does not matter.
        let (at, id) = after.map_or((Millis::MIN, uuid::Uuid::nil().to_string()), |(at, id)| {
            (at, id.to_string())
        });
        let rows = sqlx::query(
            "SELECT r.id, r.survey_key, r.answers, r.page_url, r.received_at,
                 r.page_path, r.device, r.browser, r.locale, r.visitor, r.user_id, r.email,
                 r.survey_version, r.attributes, r.channel
             FROM responses r JOIN sites t ON t.id = r.site_id
             WHERE t.key = ?
               AND (r.received_at > ? OR (r.received_at = ? AND r.id > ?))
             ORDER BY r.received_at, r.id LIMIT ?",
        )
        .bind(site.as_str())
        .bind(at)
        .bind(at)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(read_response).collect()
    }

    async fn retention_days(&self, site: &SiteKey) -> StoreResult<Option<u32>> {
        let days: Option<Option<i64>> =
            sqlx::query_scalar("SELECT retention_days FROM sites WHERE key = ?")
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(days.flatten().and_then(|d| u32::try_from(d).ok()))
    }

    async fn set_retention_days(&self, site: &SiteKey, days: Option<u32>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE sites SET retention_days = ? WHERE key = ?")
            .bind(days.map(|d| d as i32))
            .bind(site.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_expired(&self, now: Millis) -> StoreResult<u64> {
        // Site by site, each a range of (site_id, received_at); sites without a window keep
        // everything. Answers and complaints alike, in one transaction.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let windows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, retention_days FROM sites WHERE retention_days IS NOT NULL")
                .fetch_all(&mut *tx)
                .await?;
        let mut purged = 0;
        for (site, days) in windows {
            let before = now.saturating_sub(days.saturating_mul(super::DAY_MS));
            let sql = format!(
                "DELETE FROM responses WHERE site_id = ? AND received_at < ?
                 RETURNING {FOLD_COLUMNS}"
            );
            let gone = sqlx::query(&sql)
                .bind(site)
                .bind(before)
                .fetch_all(&mut *tx)
                .await?;
            purged += apply_rows::<sqlx::Sqlite>(&mut *tx, &gone, -1).await?;
            let done = sqlx::query("DELETE FROM complaints WHERE site_id = ? AND received_at < ?")
                .bind(site)
                .bind(before)
                .execute(&mut *tx)
                .await?;
            purged += done.rows_affected();
            // The funnel's events go with the answers (they are not counted as purged answers).
            sqlx::query("DELETE FROM funnel_events WHERE site_id = ? AND received_at < ?")
                .bind(site)
                .bind(before)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(purged)
    }

    async fn erase_respondent(&self, site: &SiteKey, who: &Respondent) -> StoreResult<u64> {
        let (column, value) = match who {
            Respondent::Email(e) => ("email", e),
            Respondent::UserId(u) => ("user_id", u),
            Respondent::Visitor(v) => ("visitor", v),
        };
        let (mut erased, tables): (u64, &[&str]) = match who {
            Respondent::Visitor(v) => (self.erase_visitor_answers(site, v).await?, &["complaints"]),
            _ => (0, &["responses", "complaints"]),
        };
        // `column` and `table` are names above, never input. In one transaction.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for table in tables {
            let sql = format!(
                "DELETE FROM {table} WHERE {column} = ?
                 AND site_id = (SELECT id FROM sites WHERE key = ?)"
            );
            if *table == "responses" {
                let gone = sqlx::query(&format!("{sql} RETURNING {FOLD_COLUMNS}"))
                    .bind(value)
                    .bind(site.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                erased += apply_rows::<sqlx::Sqlite>(&mut *tx, &gone, -1).await?;
                continue;
            }
            let done = sqlx::query(&sql)
                .bind(value)
                .bind(site.as_str())
                .execute(&mut *tx)
                .await?;
            erased += done.rows_affected();
        }
        tx.commit().await?;
        Ok(erased)
    }
}

super::account_sql::account_store!(
    SqliteStore,
    begin: "BEGIN IMMEDIATE",
    audit_search: "SELECT a.at, a.actor, a.action, a.detail FROM audit_log a JOIN sites s ON s.id = a.site_id
             WHERE s.key = ?1 AND (?2 IS NULL OR a.action = ?2)
               AND (?3 IS NULL OR lower(a.actor) LIKE ?3 ESCAPE '\\')
               AND (?4 IS NULL OR a.at >= ?4) AND (?5 IS NULL OR a.at < ?5)
             ORDER BY a.at DESC, a.id DESC LIMIT ?6"
);

/// A response row as `SELECT`ed by `responses` and `responses_page`.
pub(super) fn read_response(r: sqlx::sqlite::SqliteRow) -> StoreResult<StoredResponse> {
    let id: String = r.get(0);
    let answers: String = r.get(2);
    Ok(StoredResponse {
        id: ResponseId::parse(&id).context("a stored response id is invalid")?,
        survey_key: r.get(1),
        answers: serde_json::from_str(&answers).context("stored answers are invalid")?,
        page_url: r.get(3),
        received_at: r.get(4),
        enrichment: Enrichment {
            page_path: r.get(5),
            device: r.get(6),
            browser: r.get(7),
            locale: r.get(8),
            visitor: r.get(9),
            user_id: r.get(10),
            email: r.get(11),
            attributes: super::site_store::read_attributes(r.get(13))?,
            // What the rollups folded; listings show all the attributes above.
            segments: Vec::new(),
            channel: Some(r.get::<String, _>(14)).filter(|c| c != "widget"),
        },
        survey_version: r
            .get::<Option<i64>, _>(12)
            .and_then(|v| u32::try_from(v).ok()),
    })
}
