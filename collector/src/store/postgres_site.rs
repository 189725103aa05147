//! `SiteStore` on PostgreSQL: `SqliteStore`'s behaviour, statement by statement.

use super::site_store::{
    encode, kind_name, read_settings, read_survey, ComplaintRow, NewComplaint, SiteStore,
    StoredComplaint, SurveyRecord, SurveyStatus,
};
use super::{After, PostgresStore, StoreError, StoreResult, Stored};
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

    async fn insert_complaint(&self, n: &NewComplaint) -> StoreResult<Stored> {
        let (c, e) = (&n.complaint, &n.enrichment);
        let id = c.id.to_string();
        let mut conn = self.pool.acquire().await?;
        // Concurrent inserts of one id wait for the first one's commit, then do nothing, so the
        // lookup below always finds the row that won.
        let inserted = sqlx::query(
            "INSERT INTO complaints (id, site_id, kind, category, description, impact, email,
                 contact_consent, page_url, page_path, device, browser, locale, visitor, user_id,
                 attributes, received_at)
             SELECT $1::uuid, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                 $15::jsonb, $16
             FROM sites WHERE key = $17
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(kind_name(c.kind))
        .bind(c.category.as_deref())
        .bind(&c.description)
        .bind(c.impact.map(i16::from))
        .bind(c.email.as_deref())
        .bind(c.contact_consent)
        .bind(c.page_url.as_deref())
        .bind(e.page_path.as_deref())
        .bind(e.device.as_deref())
        .bind(e.browser.as_deref())
        .bind(e.locale.as_deref())
        .bind(e.visitor.as_deref())
        .bind(e.user_id.as_deref())
        .bind(encode(&e.attributes)?)
        .bind(n.received_at)
        .bind(c.site_key.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Stored::Created);
        }
        let owner: Option<String> = sqlx::query_scalar(
            "SELECT t.key FROM complaints c JOIN sites t ON t.id = c.site_id WHERE c.id = $1::uuid",
        )
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
        match owner {
            Some(key) if key == c.site_key.as_str() => Ok(Stored::Replayed),
            Some(_) => Err(StoreError::Conflict("complaints.id")),
            None => Err(StoreError::Other(anyhow::anyhow!(
                "no site has the key {}",
                c.site_key
            ))),
        }
    }

    async fn complaints(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredComplaint>> {
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints c JOIN sites t ON t.id = c.site_id
             WHERE t.key = $1 ORDER BY c.received_at DESC, c.id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(site.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(read_complaint).collect()
    }

    async fn complaints_page(
        &self,
        site: &SiteKey,
        after: After,
        limit: u32,
    ) -> StoreResult<Vec<StoredComplaint>> {
        // The first page starts before any time, where the id does not matter.
        let (at, id) = after.map_or((Millis::MIN, uuid::Uuid::nil().to_string()), |(at, id)| {
            (at, id.to_string())
        });
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints c JOIN sites t ON t.id = c.site_id
             WHERE t.key = $1
               AND (c.received_at > $2 OR (c.received_at = $3 AND c.id > $4::uuid))
             ORDER BY c.received_at, c.id LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(site.as_str())
            .bind(at)
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(read_complaint).collect()
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

/// The columns `read_complaint` reads, in its order.
const COMPLAINT_COLUMNS: &str = "c.id::text, c.status, c.kind, c.category, c.description, c.impact,
    c.email, c.contact_consent, c.page_url, c.received_at, c.page_path, c.device, c.browser,
    c.locale, c.visitor, c.user_id, c.attributes::text";

fn read_complaint(r: sqlx::postgres::PgRow) -> StoreResult<StoredComplaint> {
    ComplaintRow {
        id: r.get(0),
        status: r.get(1),
        kind: r.get(2),
        category: r.get(3),
        description: r.get(4),
        impact: r.get::<Option<i16>, _>(5).map(i64::from),
        email: r.get(6),
        contact_consent: r.get(7),
        page_url: r.get(8),
        received_at: r.get(9),
        page_path: r.get(10),
        device: r.get(11),
        browser: r.get(12),
        locale: r.get(13),
        visitor: r.get(14),
        user_id: r.get(15),
        attributes: r.get(16),
    }
    .read()
}
