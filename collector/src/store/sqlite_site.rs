//! `SiteStore` on SQLite, and `CaseStore` (whose SQL is written once, in `case_sql.rs`).

use super::site_store::{
    encode, read_settings, read_survey, read_version, SiteStore, SurveyRecord, SurveyStatus,
    SurveyVersion,
};
use super::{SqliteStore, StoreError, StoreResult};
use crate::clock::Millis;
use async_trait::async_trait;
use shared::{SiteKey, SiteSettings, Survey, SurveyId};
use sqlx::Row;

#[async_trait]
impl SiteStore for SqliteStore {
    async fn site_settings(&self, site: &SiteKey) -> StoreResult<Option<SiteSettings>> {
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT settings FROM sites WHERE key = ?")
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
        let done = sqlx::query("UPDATE sites SET settings = ? WHERE key = ?")
            .bind(encode(settings)?)
            .bind(site.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn surveys(&self, site: &SiteKey) -> StoreResult<Vec<SurveyRecord>> {
        let rows = sqlx::query(
            "SELECT s.definition, s.status FROM surveys s JOIN sites t ON t.id = s.site_id
             WHERE t.key = ? ORDER BY s.id",
        )
        .bind(site.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| read_survey(r.get::<&str, _>(0), r.get::<&str, _>(1)))
            .collect()
    }

    async fn survey(&self, site: &SiteKey, id: &SurveyId) -> StoreResult<Option<SurveyRecord>> {
        let row = sqlx::query(
            "SELECT s.definition, s.status FROM surveys s JOIN sites t ON t.id = s.site_id
             WHERE t.key = ? AND s.key = ?",
        )
        .bind(site.as_str())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| read_survey(r.get::<&str, _>(0), r.get::<&str, _>(1)))
            .transpose()
    }

    async fn create_survey(
        &self,
        site: &SiteKey,
        survey: &Survey,
        status: SurveyStatus,
        now: Millis,
    ) -> StoreResult<Survey> {
        let mut survey = survey.clone();
        survey.version = 1;
        let definition = encode(&survey)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO surveys (site_id, key, status, definition, created_at, version)
             SELECT id, ?, ?, ?, ?, 1 FROM sites WHERE key = ?
             ON CONFLICT (site_id, key) DO NOTHING RETURNING id",
        )
        .bind(survey.id.as_str())
        .bind(status.as_str())
        .bind(&definition)
        .bind(now)
        .bind(site.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(StoreError::Conflict("surveys.key"));
        };
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, definition, created_at)
             VALUES (?, 1, ?, ?)",
        )
        .bind(id)
        .bind(&definition)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(survey)
    }

    async fn update_survey(
        &self,
        site: &SiteKey,
        survey: &Survey,
        now: Millis,
    ) -> StoreResult<Option<Survey>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Taking the row first (for update on PostgreSQL) makes concurrent edits take turns, so
        // each gets its own version.
        let row = sqlx::query(
            "UPDATE surveys SET version = version + 1
             WHERE key = ? AND site_id = (SELECT id FROM sites WHERE key = ?)
             RETURNING id, version",
        )
        .bind(survey.id.as_str())
        .bind(site.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (id, version): (i64, i64) = (row.get(0), row.get(1));
        let mut survey = survey.clone();
        survey.version = u32::try_from(version).map_err(|e| StoreError::Other(e.into()))?;
        let definition = encode(&survey)?;
        sqlx::query("UPDATE surveys SET definition = ? WHERE id = ?")
            .bind(&definition)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, definition, created_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(version)
        .bind(&definition)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(survey))
    }

    async fn set_survey_status(
        &self,
        site: &SiteKey,
        id: &SurveyId,
        status: SurveyStatus,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE surveys SET status = ?
             WHERE key = ? AND site_id = (SELECT id FROM sites WHERE key = ?)",
        )
        .bind(status.as_str())
        .bind(id.as_str())
        .bind(site.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn survey_versions(
        &self,
        site: &SiteKey,
        id: &SurveyId,
    ) -> StoreResult<Option<Vec<SurveyVersion>>> {
        // The responses by version are the rollups' rows of whole responses (question '') in
        // the `version` dimension: a few rows a day, read by their primary key's prefix.
        self.settle_rollups().await;
        let rows = sqlx::query(
            "SELECT v.version, v.created_at, v.definition,
                 (SELECT COALESCE(SUM(r.n), 0) FROM insight_rollups r
                  WHERE r.site_id = t.id AND r.survey_key = s.key AND r.question_id = ''
                    AND r.dimension = 'version' AND r.value = CAST(v.version AS TEXT))
             FROM survey_versions v
             JOIN surveys s ON s.id = v.survey_id JOIN sites t ON t.id = s.site_id
             WHERE t.key = ? AND s.key = ? ORDER BY v.version",
        )
        .bind(site.as_str())
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        rows.iter()
            .map(|r| read_version(r.get(0), r.get(1), r.get::<&str, _>(2), r.get(3)))
            .collect::<StoreResult<Vec<_>>>()
            .map(Some)
    }

    async fn survey_version(
        &self,
        site: &SiteKey,
        id: &SurveyId,
        version: u32,
    ) -> StoreResult<Option<Survey>> {
        let definition: Option<String> = sqlx::query_scalar(
            "SELECT v.definition FROM survey_versions v
             JOIN surveys s ON s.id = v.survey_id JOIN sites t ON t.id = s.site_id
             WHERE t.key = ? AND s.key = ? AND v.version = ?",
        )
        .bind(site.as_str())
        .bind(id.as_str())
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await?;
        definition
            .map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Other(e.into())))
            .transpose()
    }
}

/// Text search on SQLite, in the FTS5 trigram index `complaint_text` (migration 0014), whose
/// rowid is the case's `site_id · 2³² + number`: a phrase query there finds every case whose
/// description contains the text, in any case, without reading the cases.
async fn text_match(
    pool: &sqlx::SqlitePool,
    site: &SiteKey,
    text: &str,
) -> StoreResult<super::case_sql::TextMatch> {
    use super::case_sql::{TextMatch, MOST_BY_NUMBER};
    // Trigrams take three characters: shorter text is looked for case by case.
    if text.chars().count() < 3 {
        return Ok(TextMatch::like(text));
    }
    let phrase = format!("\"{}\"", text.replace('"', "\"\""));
    let rowids: Vec<i64> = sqlx::query_scalar(
        "SELECT rowid FROM complaint_text WHERE complaint_text MATCH ?1
         AND rowid BETWEEN (SELECT id FROM sites WHERE key = ?2) * 4294967296
             AND (SELECT id FROM sites WHERE key = ?2) * 4294967296 + 4294967295
         LIMIT ?3",
    )
    .bind(&phrase)
    .bind(site.as_str())
    .bind(i64::try_from(MOST_BY_NUMBER + 1).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    if rowids.len() <= MOST_BY_NUMBER {
        return Ok(TextMatch::Numbers(
            rowids.into_iter().map(|r| r & 0xffff_ffff).collect(),
        ));
    }
    Ok(TextMatch::Walk {
        prefix: "c.site_id * 4294967296 + c.number IN \
                 (SELECT rowid FROM complaint_text WHERE complaint_text MATCH ",
        value: phrase,
        suffix: ")",
    })
}

impl SqliteStore {
    /// A change set jobs or wrote outbox events: this process's runner and notifier hear of it.
    fn committed(&self, jobs: bool, events: bool) {
        if jobs {
            self.jobs_set.notify_one();
        }
        if events {
            self.events_written.notify_one();
        }
    }

    /// A change appended to a case's timeline: this process's live stream hears of it.
    fn appended(&self) {
        self.entries_appended.notify_one();
    }
}

super::case_sql::case_store!(SqliteStore, sqlx::Sqlite, bind_id: |id: &shared::ResponseId| id.to_string(), begin: "BEGIN IMMEDIATE", lock: "", notify: "", serialize: "", text: text_match);
super::mail_sql::mail_store!(SqliteStore, sqlx::Sqlite, bind_id: |id: &shared::ResponseId| id.to_string());
super::notify_sql::notify_store!(SqliteStore, sqlx::Sqlite, bind_id: |id: &shared::ResponseId| id.to_string(), begin: "BEGIN IMMEDIATE", lock: "");
super::insight_sql::insight_store!(SqliteStore, sqlx::Sqlite, super::sqlite::read_response, notify: "");
super::team_sql::team_store!(SqliteStore, sqlx::Sqlite, begin: "BEGIN IMMEDIATE", lock: "");
super::origin_sql::origin_store!(SqliteStore, sqlx::Sqlite, begin: "BEGIN IMMEDIATE", lock: "");
