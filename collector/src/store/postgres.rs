//! PostgreSQL, for several collectors sharing one database. A statement returns only after its
//! transaction is committed, and with PostgreSQL's default `synchronous_commit = on` that means
//! flushed to the write-ahead log: an acknowledged answer survives a crash.
//!
//! The behaviour is `SqliteStore`'s, statement by statement; `tests/storage.rs` runs the same
//! suite on both. Ids bind as text and are cast in SQL (`$1::uuid`, `$1::jsonb`, `::text` on the
//! way out), so that sqlx needs neither its `uuid` nor its `json` feature.

use super::insight_sql::{apply_rows, FOLD_COLUMNS};
use super::{
    default_survey, After, Enrichment, NewResponse, Respondent, Site, Store, StoreError,
    StoreResult, Stored, StoredResponse,
};
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
    pub(super) pool: PgPool,
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
        ensure_text_index(&pool).await?;
        Ok(Self { pool })
    }

    /// Listens on `channel`, which changes notify at commit (`case_sql`), waking `wake` at each
    /// notification. A lost connection is taken up again, and `wake` woken then too, since a
    /// notification may have been missed meanwhile.
    async fn listen(&self, channel: &str, wake: std::sync::Arc<tokio::sync::Notify>) {
        loop {
            let listener = async {
                let mut l = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
                l.listen(channel).await?;
                Ok::<_, sqlx::Error>(l)
            };
            match listener.await {
                Ok(mut l) => {
                    wake.notify_one();
                    loop {
                        match l.try_recv().await {
                            Ok(Some(_)) => wake.notify_one(),
                            // The connection was lost; `try_recv` takes it up again.
                            Ok(None) => wake.notify_one(),
                            Err(e) => {
                                tracing::warn!(error = %e, "lost the database's notifications");
                                break;
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for the database's notifications")
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn origins(&self, site_id: i64) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT origin FROM site_origins WHERE site_id = $1 ORDER BY origin")
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
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, definition, created_at)
             SELECT id, version, definition, created_at FROM surveys WHERE site_id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(owner) = owner {
            sqlx::query(
                "INSERT INTO memberships (user_id, site_id, role, created_at) VALUES ($1, $2, $3, $4)",
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
}

/// Creates the trigram index that text search reads (migration 0014) if `pg_trgm` was installed
/// after the migration ran, and says in the log when it is still missing.
async fn ensure_text_index(pool: &PgPool) -> anyhow::Result<()> {
    let (extension, index): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'),
                to_regclass('complaints_description_trgm') IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    match (extension, index) {
        (_, true) => {}
        (true, false) => {
            sqlx::query(
                "CREATE INDEX IF NOT EXISTS complaints_description_trgm
                 ON complaints USING gin (LOWER(description) gin_trgm_ops) WITH (fastupdate = off)",
            )
            .execute(pool)
            .await
            .context("cannot create the text search index")?;
        }
        (false, false) => tracing::warn!(
            "the pg_trgm extension is not installed, so text search reads every case of a site; \
             as a superuser run `CREATE EXTENSION pg_trgm;` in this database and restart"
        ),
    }
    Ok(())
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Listens on `hark_jobs`, which every change that sets a job notifies at commit, in any
    /// collector on the database.
    async fn watch_jobs(&self, wake: std::sync::Arc<tokio::sync::Notify>) {
        self.listen("hark_jobs", wake).await;
    }

    /// Listens on `hark_outbox`, as `watch_jobs` does.
    async fn watch_outbox(&self, wake: std::sync::Arc<tokio::sync::Notify>) {
        self.listen("hark_outbox", wake).await;
    }

    /// Listens on `hark_live`, as `watch_jobs` does.
    async fn watch_case_events(&self, wake: std::sync::Arc<tokio::sync::Notify>) {
        self.listen("hark_live", wake).await;
    }

    async fn release_leases(&self) -> StoreResult<u64> {
        Ok(0)
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

    async fn insert_enriched(
        &self,
        r: &ResponseSubmission,
        e: &Enrichment,
        now: Millis,
    ) -> StoreResult<Stored> {
        // The answer and its rollup counts commit together.
        let mut tx = self.pool.begin().await?;
        let outcome = insert_one(&mut tx, r, e, now).await?;
        tx.commit().await?;
        outcome
    }

    async fn insert_batch(&self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>> {
        let mut tx = self.pool.begin().await?;
        let outcomes = insert_many(&mut tx, items).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn responses(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredResponse>> {
        let rows = sqlx::query(
            "SELECT r.id::text, r.survey_key, r.answers::text, r.page_url, r.received_at,
                 r.page_path, r.device, r.browser, r.locale, r.visitor, r.user_id, r.email,
                 r.survey_version, r.attributes::text, r.channel
             FROM responses r JOIN sites t ON t.id = r.site_id
             WHERE t.key = $1 ORDER BY r.received_at DESC, r.id DESC LIMIT $2",
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
            "SELECT r.id::text, r.survey_key, r.answers::text, r.page_url, r.received_at,
                 r.page_path, r.device, r.browser, r.locale, r.visitor, r.user_id, r.email,
                 r.survey_version, r.attributes::text, r.channel
             FROM responses r JOIN sites t ON t.id = r.site_id
             WHERE t.key = $1
               AND (r.received_at > $2 OR (r.received_at = $3 AND r.id > $4::uuid))
             ORDER BY r.received_at, r.id LIMIT $5",
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
            sqlx::query_scalar("SELECT retention_days::bigint FROM sites WHERE key = $1")
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(days.flatten().and_then(|d| u32::try_from(d).ok()))
    }

    async fn set_retention_days(&self, site: &SiteKey, days: Option<u32>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE sites SET retention_days = $1 WHERE key = $2")
            .bind(days.map(|d| d as i32))
            .bind(site.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_expired(&self, now: Millis) -> StoreResult<u64> {
        // Site by site, each a range of (site_id, received_at); sites without a window keep
        // everything. Answers and complaints alike, in one transaction.
        let mut tx = self.pool.begin().await?;
        let windows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, retention_days::bigint FROM sites WHERE retention_days IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut purged = 0;
        for (site, days) in windows {
            let before = now.saturating_sub(days.saturating_mul(super::DAY_MS));
            let sql = format!(
                "DELETE FROM responses WHERE site_id = $1 AND received_at < $2
                 RETURNING {FOLD_COLUMNS}"
            );
            let gone = sqlx::query(&sql)
                .bind(site)
                .bind(before)
                .fetch_all(&mut *tx)
                .await?;
            purged += apply_rows::<sqlx::Postgres>(&mut *tx, &gone, -1).await?;
            let done =
                sqlx::query("DELETE FROM complaints WHERE site_id = $1 AND received_at < $2")
                    .bind(site)
                    .bind(before)
                    .execute(&mut *tx)
                    .await?;
            purged += done.rows_affected();
            // The funnel's events go with the answers (they are not counted as purged answers).
            sqlx::query("DELETE FROM funnel_events WHERE site_id = $1 AND received_at < $2")
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
        // `column` and `table` are names above, never input. Answers and complaints alike, in
        // one transaction.
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "DELETE FROM responses WHERE {column} = $1
             AND site_id = (SELECT id FROM sites WHERE key = $2)
             RETURNING {FOLD_COLUMNS}"
        );
        let gone = sqlx::query(&sql)
            .bind(value)
            .bind(site.as_str())
            .fetch_all(&mut *tx)
            .await?;
        let mut erased = apply_rows::<sqlx::Postgres>(&mut *tx, &gone, -1).await?;
        let sql = format!(
            "DELETE FROM complaints WHERE {column} = $1
             AND site_id = (SELECT id FROM sites WHERE key = $2)"
        );
        let done = sqlx::query(&sql)
            .bind(value)
            .bind(site.as_str())
            .execute(&mut *tx)
            .await?;
        erased += done.rows_affected();
        tx.commit().await?;
        Ok(erased)
    }
}

super::account_sql::account_store!(
    PostgresStore,
    begin: "BEGIN",
    audit_search: "SELECT a.at, a.actor, a.action, a.detail FROM audit_log a JOIN sites s ON s.id = a.site_id
             WHERE s.key = $1 AND ($2::text IS NULL OR a.action = $2)
               AND ($3::text IS NULL OR lower(a.actor) LIKE $3 ESCAPE '\\')
               AND ($4::bigint IS NULL OR a.at >= $4) AND ($5::bigint IS NULL OR a.at < $5)
             ORDER BY a.at DESC, a.id DESC LIMIT $6"
);

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

/// A response row as `SELECT`ed by `responses` and `responses_page`.
pub(super) fn read_response(r: sqlx::postgres::PgRow) -> StoreResult<StoredResponse> {
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

impl PostgresStore {
    /// Nothing: every transaction that stores answers adds their counts to the rollups.
    #[allow(clippy::unused_async)]
    pub(super) async fn settle_rollups(&self) {}

    /// Nothing is ever owed (`settle_rollups`).
    #[allow(clippy::unused_async)]
    pub(super) async fn recover_owed(&self) -> StoreResult<u64> {
        Ok(0)
    }

    /// Recomputes one site's rollups (`InsightStore`) in one transaction. It first locks the
    /// rollups against ingest's writes (`SHARE ROW EXCLUSIVE`, which their `ROW EXCLUSIVE`
    /// waits for): an answer committed before the lock is read by the fold, one whose
    /// transaction is still open adds its counts after the rebuild commits. Neither is lost
    /// nor counted twice.
    pub(super) async fn rebuild_site(&self, site: i64) -> StoreResult<u64> {
        use futures_util::TryStreamExt as _;
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE insight_rollups IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM insight_rollups WHERE site_id = $1")
            .bind(site)
            .execute(&mut *tx)
            .await?;
        let mut deltas = crate::insight::rollup::Deltas::default();
        let mut folded = 0;
        {
            let sql = format!("SELECT {FOLD_COLUMNS} FROM responses WHERE site_id = $1");
            let mut rows = sqlx::query(&sql).bind(site).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                super::insight_sql::Folded::read(&row)?.fold_into(&mut deltas, 1);
                folded += 1;
            }
        }
        <sqlx::Postgres as super::insight_sql::Rollups>::apply(&mut *tx, &deltas).await?;
        tx.commit().await?;
        Ok(folded)
    }
}

/// Stores one submission on `conn` (alone, or inside a batch's transaction). The outer `Err` is
/// a failure of the database; the inner one is this submission's own fate (a conflict, an
/// unknown site), which leaves the transaction usable.
async fn insert_one(
    conn: &mut sqlx::PgConnection,
    r: &ResponseSubmission,
    e: &Enrichment,
    now: Millis,
) -> StoreResult<StoreResult<Stored>> {
    let answers = serde_json::to_string(&r.answers).context("cannot encode answers")?;
    let id = r.id.to_string();
    // Concurrent inserts of one id wait for the first one's commit, then do nothing, so the
    // lookup below always finds the row that won.
    let inserted = sqlx::query(
        "INSERT INTO responses (id, site_id, survey_key, answers, page_url, received_at,
             page_path, device, browser, locale, visitor, user_id, email, survey_version,
             attributes, segment_attributes, channel)
         SELECT $1::uuid, id, $2, $3::jsonb, $4, $5, $7, $8, $9, $10, $11, $12, $13, $14,
             $15::jsonb, $16, COALESCE($17, 'widget')
         FROM sites WHERE key = $6
         ON CONFLICT (id) DO NOTHING
         RETURNING site_id, survey_key, answers::text, received_at, page_path, device,
             browser, locale, survey_version, segment_attributes",
    )
    .bind(&id)
    .bind(r.survey_id.as_str())
    .bind(&answers)
    .bind(r.page_url.as_deref())
    .bind(now)
    .bind(r.site_key.as_str())
    .bind(e.page_path.as_deref())
    .bind(e.device.as_deref())
    .bind(e.browser.as_deref())
    .bind(e.locale.as_deref())
    .bind(e.visitor.as_deref())
    .bind(e.user_id.as_deref())
    .bind(e.email.as_deref())
    .bind(r.survey_version.map(i64::from))
    .bind(super::site_store::attributes_json(&e.attributes)?)
    .bind(e.segments_json())
    .bind(e.channel.as_deref())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        apply_rows::<sqlx::Postgres>(&mut *conn, std::slice::from_ref(&row), 1).await?;
        return Ok(Ok(Stored::Created));
    }
    owner_outcome(conn, &id, &r.site_key).await
}

/// The fate of an answer whose insert stored nothing: a replay when its id is stored for its
/// site, a conflict when for another, and an error when its site does not exist.
async fn owner_outcome(
    conn: &mut sqlx::PgConnection,
    id: &str,
    site_key: &SiteKey,
) -> StoreResult<StoreResult<Stored>> {
    let owner: Option<String> = sqlx::query_scalar(
        "SELECT t.key FROM responses r JOIN sites t ON t.id = r.site_id WHERE r.id = $1::uuid",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match owner {
        Some(key) if key == site_key.as_str() => Ok(Ok(Stored::Replayed)),
        Some(_) => Ok(Err(StoreError::Conflict("responses.id"))),
        None => Ok(Err(StoreError::Other(anyhow::anyhow!(
            "site {site_key} vanished"
        )))),
    }
}

/// Stores a batch on `conn`, inside its transaction, with one statement over arrays (`UNNEST`)
/// instead of one statement per answer: each answer gets what `insert_one` would have given it.
/// Rows go in id order, so that two collectors storing overlapping batches take the ids' locks
/// in the same order and do not deadlock.
async fn insert_many(
    conn: &mut sqlx::PgConnection,
    items: &[NewResponse],
) -> StoreResult<Vec<StoreResult<Stored>>> {
    let (mut firsts, repeats) = split_repeats(items);
    let ids: Vec<String> = items.iter().map(|i| i.submission.id.to_string()).collect();
    firsts.sort_by(|a, b| ids[*a].cmp(&ids[*b]));
    let column = |f: &dyn Fn(&NewResponse) -> Option<String>| -> Vec<Option<String>> {
        firsts.iter().map(|&i| f(&items[i])).collect()
    };
    let answers = firsts
        .iter()
        .map(|&i| serde_json::to_string(&items[i].submission.answers))
        .collect::<Result<Vec<_>, _>>()
        .context("cannot encode answers")?;
    let attributes = firsts
        .iter()
        .map(|&i| super::site_store::attributes_json(&items[i].enrichment.attributes))
        .collect::<StoreResult<Vec<_>>>()?;
    let created = sqlx::query(
        "INSERT INTO responses (id, site_id, survey_key, answers, page_url, received_at,
             page_path, device, browser, locale, visitor, user_id, email, survey_version,
             attributes, segment_attributes, channel)
         SELECT v.id::uuid, s.id, v.survey_key, v.answers::jsonb, v.page_url, v.received_at,
             v.page_path, v.device, v.browser, v.locale, v.visitor, v.user_id, v.email,
             v.survey_version, v.attributes::jsonb, v.segment_attributes,
             COALESCE(v.channel, 'widget')
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                     $13::text[], $14::int8[], $15::text[], $16::text[], $17::text[])
             AS v (id, site_key, survey_key, answers, page_url, received_at,
                   page_path, device, browser, locale, visitor, user_id, email,
                   survey_version, attributes, segment_attributes, channel)
         JOIN sites s ON s.key = v.site_key
         ORDER BY v.id
         ON CONFLICT (id) DO NOTHING
         RETURNING site_id, survey_key, answers::text, received_at, page_path, device,
             browser, locale, survey_version, segment_attributes, id::text",
    )
    .bind(firsts.iter().map(|&i| ids[i].as_str()).collect::<Vec<_>>())
    .bind(column(&|i| Some(i.submission.site_key.as_str().to_owned())))
    .bind(column(&|i| {
        Some(i.submission.survey_id.as_str().to_owned())
    }))
    .bind(answers)
    .bind(column(&|i| i.submission.page_url.clone()))
    .bind(
        firsts
            .iter()
            .map(|&i| items[i].received_at)
            .collect::<Vec<_>>(),
    )
    .bind(column(&|i| i.enrichment.page_path.clone()))
    .bind(column(&|i| i.enrichment.device.clone()))
    .bind(column(&|i| i.enrichment.browser.clone()))
    .bind(column(&|i| i.enrichment.locale.clone()))
    .bind(column(&|i| i.enrichment.visitor.clone()))
    .bind(column(&|i| i.enrichment.user_id.clone()))
    .bind(column(&|i| i.enrichment.email.clone()))
    .bind(
        firsts
            .iter()
            .map(|&i| items[i].submission.survey_version.map(i64::from))
            .collect::<Vec<_>>(),
    )
    .bind(attributes)
    .bind(column(&|i| i.enrichment.segments_json()))
    .bind(column(&|i| i.enrichment.channel.clone()))
    .fetch_all(&mut *conn)
    .await?;
    // What the stored answers add to the rollups, in the same transaction.
    apply_rows::<sqlx::Postgres>(&mut *conn, &created, 1).await?;
    let created: std::collections::HashSet<String> = created
        .iter()
        .map(|row| row.try_get::<String, _>(10))
        .collect::<Result<_, _>>()?;
    let mut outcomes: Vec<Option<StoreResult<Stored>>> = items.iter().map(|_| None).collect();
    for &i in &firsts {
        outcomes[i] = Some(if created.contains(&ids[i]) {
            Ok(Stored::Created)
        } else {
            // Already stored before this batch (perhaps by another collector), or for no site.
            owner_outcome(conn, &ids[i], &items[i].submission.site_key).await?
        });
    }
    for &i in &repeats {
        let item = &items[i];
        outcomes[i] =
            Some(insert_one(conn, &item.submission, &item.enrichment, item.received_at).await?);
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.expect("every item has an outcome"))
        .collect())
}

/// A batch split for a multi-row insert: the indexes of the first item with each id, which go
/// into one statement together, and of the items repeating an id seen before in the batch,
/// which are stored one by one after it, in order, so that each gets what it would have got on
/// its own (a replay or a conflict of the earlier one).
fn split_repeats(items: &[NewResponse]) -> (Vec<usize>, Vec<usize>) {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    let (mut firsts, mut repeats) = (Vec::with_capacity(items.len()), Vec::new());
    for (i, item) in items.iter().enumerate() {
        if seen.insert(item.submission.id) {
            firsts.push(i);
        } else {
            repeats.push(i);
        }
    }
    (firsts, repeats)
}
