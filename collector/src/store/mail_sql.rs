//! `MailStore`'s SQL, written once for both engines as `case_sql.rs` is.

use super::mail_store::AttachmentRecord;
use super::StoreResult;

pub(super) const ATTACHMENT_COLUMNS: &str =
    "id, filename, declared_type, content_type, size, received_at";

pub(super) fn read_attachment<R>(r: &R) -> StoreResult<AttachmentRecord>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AttachmentRecord {
        id: r.try_get(0)?,
        filename: r.try_get(1)?,
        declared_type: r.try_get(2)?,
        content_type: r.try_get(3)?,
        size: u64::try_from(r.try_get::<i64, _>(4)?).unwrap_or_default(),
        received_at: r.try_get(5)?,
    })
}

/// Inserts a change's attachments inside its transaction; a file the case has already (the
/// same content, a message delivered again) is kept once.
macro_rules! insert_attachments {
    ($conn:expr, $bind_id:expr, $id:expr, $at:expr, $attachments:expr) => {
        for a in $attachments {
            use sha2::Digest as _;
            sqlx::query(
                "INSERT INTO complaint_attachments
                     (complaint_id, filename, declared_type, content_type, size, sha256, content, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (complaint_id, sha256) DO NOTHING",
            )
            .bind(($bind_id)($id))
            .bind(&a.filename)
            .bind(&a.declared_type)
            .bind(&a.content_type)
            .bind(i64::try_from(a.content.len()).unwrap_or(i64::MAX))
            .bind(hex::encode(sha2::Sha256::digest(&a.content)))
            .bind(&a.content)
            .bind($at)
            .execute(&mut *$conn)
            .await?;
        }
    };
}
pub(super) use insert_attachments;

/// Implements `MailStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`.
macro_rules! mail_store {
    ($store:ty, $db:ty, bind_id: $bind_id:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::mail_store::MailStore for $store {
            async fn mail_intake(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar::<_, Option<String>>(
                    "SELECT mail_intake FROM sites WHERE key = $1",
                )
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?
                .flatten())
            }

            async fn set_mail_intake(
                &self,
                site: &shared::SiteKey,
                address: Option<&str>,
            ) -> $crate::store::StoreResult<bool> {
                match sqlx::query("UPDATE sites SET mail_intake = $1 WHERE key = $2")
                    .bind(address)
                    .bind(site.as_str())
                    .execute(&self.pool)
                    .await
                {
                    Ok(done) => Ok(done.rows_affected() == 1),
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(
                        $crate::store::StoreError::Conflict("sites.mail_intake"),
                    ),
                    Err(e) => Err(e.into()),
                }
            }

            async fn site_by_intake(
                &self,
                address: &str,
            ) -> $crate::store::StoreResult<Option<shared::SiteKey>> {
                let key: Option<String> =
                    sqlx::query_scalar("SELECT key FROM sites WHERE mail_intake = $1")
                        .bind(address)
                        .fetch_optional(&self.pool)
                        .await?;
                key.map(|k| shared::SiteKey::parse(&k))
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("a stored site key is invalid: {e:?}").into())
            }

            async fn complaint_site(
                &self,
                id: &shared::ResponseId,
            ) -> $crate::store::StoreResult<Option<shared::SiteKey>> {
                let key: Option<String> = sqlx::query_scalar(
                    "SELECT s.key FROM complaints c JOIN sites s ON s.id = c.site_id WHERE c.id = $1",
                )
                .bind(($bind_id)(id))
                .fetch_optional(&self.pool)
                .await?;
                key.map(|k| shared::SiteKey::parse(&k))
                    .transpose()
                    .map_err(|e| anyhow::anyhow!("a stored site key is invalid: {e:?}").into())
            }

            async fn attachments(
                &self,
                id: &shared::ResponseId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::mail_store::AttachmentRecord>> {
                let sql = format!(
                    "SELECT {} FROM complaint_attachments WHERE complaint_id = $1 ORDER BY id",
                    $crate::store::mail_sql::ATTACHMENT_COLUMNS
                );
                sqlx::query(&sql)
                    .bind(($bind_id)(id))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map($crate::store::mail_sql::read_attachment)
                    .collect()
            }

            async fn attachment(
                &self,
                site: &shared::SiteKey,
                id: &shared::ResponseId,
                attachment: i64,
            ) -> $crate::store::StoreResult<
                Option<($crate::store::mail_store::AttachmentRecord, Vec<u8>)>,
            > {
                use sqlx::Row as _;
                let sql = format!(
                    "SELECT {}, a.content FROM complaint_attachments a
                     JOIN complaints c ON c.id = a.complaint_id
                     JOIN sites s ON s.id = c.site_id
                     WHERE a.id = $1 AND a.complaint_id = $2 AND s.key = $3",
                    $crate::store::mail_sql::ATTACHMENT_COLUMNS
                        .split(", ")
                        .map(|c| format!("a.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let Some(row) = sqlx::query(&sql)
                    .bind(attachment)
                    .bind(($bind_id)(id))
                    .bind(site.as_str())
                    .fetch_optional(&self.pool)
                    .await?
                else {
                    return Ok(None);
                };
                let record = $crate::store::mail_sql::read_attachment(&row)?;
                let content: Vec<u8> = row.try_get(6)?;
                Ok(Some((record, content)))
            }
        }
    };
}
pub(super) use mail_store;
