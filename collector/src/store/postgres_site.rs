//! `SiteStore` on PostgreSQL: `SqliteStore`'s behaviour, statement by statement; and
//! `CaseStore` (whose SQL is written once, in `case_sql.rs`).

use super::site_store::{
    encode, read_settings, read_survey, read_version, SiteStore, SurveyRecord, SurveyStatus,
    SurveyVersion,
};
use super::{PostgresStore, StoreError, StoreResult};
use crate::clock::Millis;
use async_trait::async_trait;
use shared::{SiteKey, SiteSettings, Survey, SurveyId};
use sqlx::Row;

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

    async fn surveys(&self, site: &SiteKey) -> StoreResult<Vec<SurveyRecord>> {
        let rows = sqlx::query(
            "SELECT s.definition::text, s.status FROM surveys s JOIN sites t ON t.id = s.site_id
             WHERE t.key = $1 ORDER BY s.id",
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
            "SELECT s.definition::text, s.status FROM surveys s JOIN sites t ON t.id = s.site_id
             WHERE t.key = $1 AND s.key = $2",
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
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO surveys (site_id, key, status, definition, created_at, version)
             SELECT id, $1, $2, $3::jsonb, $4, 1 FROM sites WHERE key = $5
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
             VALUES ($1, 1, $2::jsonb, $3)",
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
        let mut tx = self.pool.begin().await?;
        // Taking the row first (for update on PostgreSQL) makes concurrent edits take turns, so
        // each gets its own version.
        let row = sqlx::query(
            "UPDATE surveys SET version = version + 1
             WHERE key = $1 AND site_id = (SELECT id FROM sites WHERE key = $2)
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
        sqlx::query("UPDATE surveys SET definition = $1::jsonb WHERE id = $2")
            .bind(&definition)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO survey_versions (survey_id, version, definition, created_at)
             VALUES ($1, $2, $3::jsonb, $4)",
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
            "UPDATE surveys SET status = $1
             WHERE key = $2 AND site_id = (SELECT id FROM sites WHERE key = $3)",
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
        let rows = sqlx::query(
            "SELECT v.version, v.created_at, v.definition::text,
                 (SELECT COALESCE(SUM(r.n), 0)::BIGINT FROM insight_rollups r
                  WHERE r.site_id = t.id AND r.survey_key = s.key AND r.question_id = ''
                    AND r.dimension = 'version' AND r.value = CAST(v.version AS TEXT))
             FROM survey_versions v
             JOIN surveys s ON s.id = v.survey_id JOIN sites t ON t.id = s.site_id
             WHERE t.key = $1 AND s.key = $2 ORDER BY v.version",
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
            "SELECT v.definition::text FROM survey_versions v
             JOIN surveys s ON s.id = v.survey_id JOIN sites t ON t.id = s.site_id
             WHERE t.key = $1 AND s.key = $2 AND v.version = $3",
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

/// Text search on PostgreSQL: `LIKE` on each case, which the planner answers from the
/// `pg_trgm` index on the lowercased description (migration 0014) when few cases match, and by
/// walking the list's order when many do.
async fn text_match(
    _pool: &sqlx::PgPool,
    _site: &shared::SiteKey,
    text: &str,
) -> StoreResult<super::case_sql::TextMatch> {
    Ok(super::case_sql::TextMatch::like(text))
}

impl PostgresStore {
    /// Every collector hears of a change's jobs and events by `NOTIFY`, sent at its commit.
    fn committed(&self, _jobs: bool, _events: bool) {}

    /// Every collector hears of new timeline entries by `NOTIFY hark_live`, sent at commit.
    fn appended(&self) {}
}

super::case_sql::case_store!(PostgresStore, sqlx::Postgres, bind_id: |id: &shared::ResponseId| id.as_uuid(), begin: "BEGIN", lock: " FOR UPDATE SKIP LOCKED", notify: "NOTIFY ", serialize: "SELECT pg_advisory_xact_lock(1751216747)", text: text_match);
super::mail_sql::mail_store!(PostgresStore, sqlx::Postgres, bind_id: |id: &shared::ResponseId| id.as_uuid());
super::notify_sql::notify_store!(PostgresStore, sqlx::Postgres, bind_id: |id: &shared::ResponseId| id.as_uuid(), begin: "BEGIN", lock: " FOR UPDATE SKIP LOCKED");
super::insight_sql::insight_store!(PostgresStore, sqlx::Postgres, super::postgres::read_response, notify: "NOTIFY ");
super::team_sql::team_store!(PostgresStore, sqlx::Postgres, begin: "BEGIN", lock: " FOR UPDATE");
super::origin_sql::origin_store!(PostgresStore, sqlx::Postgres, begin: "BEGIN", lock: " FOR UPDATE");
