//! `SiteStore` on SQLite.

use super::site_store::{
    encode, kind_name, read_settings, read_survey, ComplaintRow, NewComplaint, SiteStore,
    StoredComplaint, SurveyRecord, SurveyStatus,
};
use super::{After, SqliteStore, StoreError, StoreResult, Stored};
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

    async fn insert_complaint(&self, n: &NewComplaint) -> StoreResult<Stored> {
        let (c, e) = (&n.complaint, &n.enrichment);
        let id = c.id.to_string();
        let mut conn = self.pool.acquire().await?;
        let inserted = sqlx::query(
            "INSERT INTO complaints (id, site_id, kind, category, description, impact, email,
                 contact_consent, page_url, page_path, device, browser, locale, visitor, user_id,
                 attributes, received_at)
             SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM sites WHERE key = ?
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(kind_name(c.kind))
        .bind(c.category.as_deref())
        .bind(&c.description)
        .bind(c.impact.map(i64::from))
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
            "SELECT t.key FROM complaints c JOIN sites t ON t.id = c.site_id WHERE c.id = ?",
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
             WHERE t.key = ? ORDER BY c.received_at DESC, c.id DESC LIMIT ?"
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
             WHERE t.key = ?
               AND (c.received_at > ? OR (c.received_at = ? AND c.id > ?))
             ORDER BY c.received_at, c.id LIMIT ?"
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
        let mut tx = self.pool.begin().await?;
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
        let mut tx = self.pool.begin().await?;
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

/// The columns `read_complaint` reads, in its order.
const COMPLAINT_COLUMNS: &str = "c.id, c.status, c.kind, c.category, c.description, c.impact,
    c.email, c.contact_consent, c.page_url, c.received_at, c.page_path, c.device, c.browser,
    c.locale, c.visitor, c.user_id, c.attributes";

fn read_complaint(r: sqlx::sqlite::SqliteRow) -> StoreResult<StoredComplaint> {
    ComplaintRow {
        id: r.get(0),
        status: r.get(1),
        kind: r.get(2),
        category: r.get(3),
        description: r.get(4),
        impact: r.get(5),
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
