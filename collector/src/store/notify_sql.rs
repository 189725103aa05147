//! `NotifyStore`'s SQL, written once for both engines as `case_sql.rs` is: `$N` placeholders,
//! `RETURNING`, and the engine's lock clause for taking deliveries.

use super::notify_store::{Attempt, WebhookEndpoint};
use super::StoreResult;
use anyhow::Context as _;

pub(super) const ENDPOINT_COLUMNS: &str =
    "id, url, events, enabled, disabled_reason, failures, created_at";

pub(super) fn read_endpoint<R>(r: &R) -> StoreResult<WebhookEndpoint>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let events: Option<String> = r.try_get(2)?;
    Ok(WebhookEndpoint {
        id: r.try_get(0)?,
        url: r.try_get(1)?,
        events: events
            .map(|e| serde_json::from_str(&e))
            .transpose()
            .context("a stored endpoint's events are invalid")?,
        enabled: r.try_get(3)?,
        disabled_reason: r.try_get(4)?,
        failures: r.try_get(5)?,
        created_at: r.try_get(6)?,
    })
}

pub(super) fn read_attempt<R>(r: &R) -> StoreResult<Attempt>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Attempt {
        at: r.try_get(0)?,
        status: r
            .try_get::<Option<i64>, _>(1)?
            .and_then(|s| u16::try_from(s).ok()),
        latency_ms: r.try_get(2)?,
        error: r.try_get(3)?,
    })
}

/// Stored preferences, or the defaults where there is no row.
pub(super) fn read_preferences(
    language: Option<String>,
    events: Option<String>,
) -> StoreResult<shared::notify::NotificationPreferences> {
    Ok(match (language, events) {
        (Some(language), Some(events)) => shared::notify::NotificationPreferences {
            language,
            email: serde_json::from_str(&events)
                .context("a user's stored notification preferences are invalid")?,
        },
        _ => shared::notify::NotificationPreferences::default(),
    })
}

/// Implements `NotifyStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`.
macro_rules! notify_store {
    ($store:ty, $db:ty, bind_id: $bind_id:expr, begin: $begin:literal, lock: $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::notify_store::NotifyStore for $store {
            async fn unmailed_events(
                &self,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::notify_store::UnmailedEvent>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT o.id, s.key, o.event_id, o.type, o.payload
                     FROM outbox_events o JOIN sites s ON s.id = o.site_id
                     WHERE o.mailed_at IS NULL ORDER BY o.id LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::store::notify_store::UnmailedEvent {
                            id: r.try_get(0)?,
                            site: shared::SiteKey::parse(r.try_get::<String, _>(1)?)
                                .map_err(|e| $crate::store::StoreError::Other(anyhow::anyhow!("a stored site key is invalid: {e}")))?,
                            event_id: r.try_get(2)?,
                            kind: r.try_get(3)?,
                            payload: r.try_get(4)?,
                        })
                    })
                    .collect()
            }

            async fn queue_emails(
                &self,
                event: &$crate::store::notify_store::UnmailedEvent,
                emails: &[$crate::store::notify_store::NewEmail],
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                for m in emails {
                    sqlx::query(
                        "INSERT INTO email_deliveries (site_id, event_id, recipient, subject,
                             text_body, html_body, status, next_at, created_at, complaint_id)
                         SELECT site_id, event_id, $2, $3, $4, $5, 'pending', $6, $6, $7
                         FROM outbox_events WHERE id = $1
                         ON CONFLICT (event_id, recipient) DO NOTHING",
                    )
                    .bind(event.id)
                    .bind(&m.recipient)
                    .bind(&m.subject)
                    .bind(&m.text)
                    .bind(&m.html)
                    .bind(now)
                    .bind(m.complaint.as_ref().map($bind_id))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE outbox_events SET mailed_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(event.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn skip_mail_through(
                &self,
                last: i64,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE outbox_events SET mailed_at = $1 WHERE mailed_at IS NULL AND id <= $2")
                    .bind(now)
                    .bind(last)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn claim_emails(
                &self,
                now: $crate::clock::Millis,
                lease_until: $crate::clock::Millis,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::notify_store::DueEmail>> {
                use sqlx::Row as _;
                let mut tx = self.pool.begin_with($begin).await?;
                let ids: Vec<i64> = sqlx::query_scalar(concat!(
                    "SELECT id FROM email_deliveries
                     WHERE status = 'pending' AND next_at <= $1
                       AND (locked_until IS NULL OR locked_until <= $1)
                     ORDER BY next_at, id LIMIT $2",
                    $lock
                ))
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
                let mut due = Vec::with_capacity(ids.len());
                for id in ids {
                    let r = sqlx::query(
                        "UPDATE email_deliveries SET locked_until = $1 WHERE id = $2
                         RETURNING id, recipient, subject, text_body, html_body, event_id, attempts,
                             CAST(complaint_id AS TEXT)",
                    )
                    .bind(lease_until)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    due.push($crate::store::notify_store::DueEmail {
                        id: r.try_get(0)?,
                        recipient: r.try_get(1)?,
                        subject: r.try_get(2)?,
                        text: r.try_get(3)?,
                        html: r.try_get(4)?,
                        event_id: r.try_get(5)?,
                        attempts: u32::try_from(r.try_get::<i64, _>(6)?).unwrap_or(u32::MAX),
                        complaint: r
                            .try_get::<Option<String>, _>(7)?
                            .map(|c| $crate::store::case_sql::id(&c))
                            .transpose()?,
                    });
                }
                tx.commit().await?;
                Ok(due)
            }

            async fn record_email(
                &self,
                id: i64,
                error: Option<&str>,
                retry_at: Option<$crate::clock::Millis>,
            ) -> $crate::store::StoreResult<()> {
                let status = match (error, retry_at) {
                    (None, _) => "sent",
                    (Some(_), Some(_)) => "pending",
                    (Some(_), None) => "failed",
                };
                sqlx::query(
                    "UPDATE email_deliveries SET status = $1, next_at = $2, last_error = $3,
                         locked_until = NULL, attempts = attempts + 1
                     WHERE id = $4",
                )
                .bind(status)
                .bind(retry_at)
                .bind(error)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn next_email_due(
                &self,
            ) -> $crate::store::StoreResult<Option<$crate::clock::Millis>> {
                Ok(sqlx::query_scalar(
                    "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > next_at
                                THEN locked_until ELSE next_at END)
                     FROM email_deliveries WHERE status = 'pending'",
                )
                .fetch_one(&self.pool)
                .await?)
            }

            async fn admin_emails(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.site_id = (SELECT id FROM sites WHERE key = $1)
                       AND m.role IN ('admin', 'owner')
                     ORDER BY u.id",
                )
                .bind(site.as_str())
                .fetch_all(&self.pool)
                .await?)
            }

            async fn notification_preferences(
                &self,
                site: &shared::SiteKey,
                user: i64,
            ) -> $crate::store::StoreResult<Option<shared::notify::NotificationPreferences>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT p.language, p.email_events
                     FROM memberships m JOIN sites s ON s.id = m.site_id
                     LEFT JOIN notification_preferences p
                         ON p.user_id = m.user_id AND p.site_id = m.site_id
                     WHERE s.key = $1 AND m.user_id = $2",
                )
                .bind(site.as_str())
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let language: Option<String> = row.try_get(0)?;
                let events: Option<String> = row.try_get(1)?;
                Ok(Some($crate::store::notify_sql::read_preferences(language, events)?))
            }

            async fn set_notification_preferences(
                &self,
                site: &shared::SiteKey,
                user: i64,
                preferences: &shared::notify::NotificationPreferences,
            ) -> $crate::store::StoreResult<bool> {
                let events = $crate::store::site_store::encode(&preferences.email)?;
                let done = sqlx::query(
                    "INSERT INTO notification_preferences (user_id, site_id, language, email_events)
                     SELECT m.user_id, m.site_id, $3, $4
                     FROM memberships m JOIN sites s ON s.id = m.site_id
                     WHERE s.key = $1 AND m.user_id = $2
                     ON CONFLICT (user_id, site_id)
                     DO UPDATE SET language = excluded.language, email_events = excluded.email_events",
                )
                .bind(site.as_str())
                .bind(user)
                .bind(&preferences.language)
                .bind(events)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn site_notification_preferences(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<(String, shared::notify::NotificationPreferences)>>
            {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT u.email, p.language, p.email_events
                     FROM notification_preferences p JOIN users u ON u.id = p.user_id
                     WHERE p.site_id = (SELECT id FROM sites WHERE key = $1)",
                )
                .bind(site.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get(0)?,
                            $crate::store::notify_sql::read_preferences(
                                r.try_get(1)?,
                                r.try_get(2)?,
                            )?,
                        ))
                    })
                    .collect()
            }

            async fn create_webhook(
                &self,
                site: &shared::SiteKey,
                url: &str,
                events: Option<&[String]>,
                secret: &str,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Option<$crate::store::notify_store::WebhookEndpoint>> {
                use $crate::store::notify_sql::{read_endpoint, ENDPOINT_COLUMNS};
                let events = events.map(|e| $crate::store::site_store::encode(&e)).transpose()?;
                let row = sqlx::query(&format!(
                    "INSERT INTO webhook_endpoints (site_id, url, secret, events, created_at)
                     SELECT id, $2, $3, $4, $5 FROM sites WHERE key = $1
                     RETURNING {ENDPOINT_COLUMNS}"
                ))
                .bind(site.as_str())
                .bind(url)
                .bind(secret)
                .bind(events)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(read_endpoint).transpose()
            }

            async fn webhooks(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::notify_store::WebhookEndpoint>> {
                use $crate::store::notify_sql::{read_endpoint, ENDPOINT_COLUMNS};
                let rows = sqlx::query(&format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1) ORDER BY id"
                ))
                .bind(site.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(read_endpoint).collect()
            }

            async fn delete_webhook(
                &self,
                site: &shared::SiteKey,
                id: i64,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "DELETE FROM webhook_endpoints
                     WHERE id = $1 AND site_id = (SELECT id FROM sites WHERE key = $2)",
                )
                .bind(id)
                .bind(site.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_webhook_enabled(
                &self,
                site: &shared::SiteKey,
                id: i64,
                enabled: bool,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET enabled = $1,
                         disabled_reason = CASE WHEN $1 THEN NULL ELSE 'switched off by an admin' END,
                         failures = 0, failing_since = NULL
                     WHERE id = $2 AND site_id = (SELECT id FROM sites WHERE key = $3)",
                )
                .bind(enabled)
                .bind(id)
                .bind(site.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn fan_out(&self, now: $crate::clock::Millis) -> $crate::store::StoreResult<u64> {
                let mut tx = self.pool.begin_with($begin).await?;
                // Up to the newest pending event now: one written meanwhile waits for the next
                // round rather than being marked done without its deliveries.
                let last: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(id) FROM outbox_events WHERE fanned_out_at IS NULL",
                )
                .fetch_one(&mut *tx)
                .await?;
                let Some(last) = last else {
                    return Ok(0);
                };
                sqlx::query(
                    "INSERT INTO webhook_deliveries
                         (endpoint_id, event_id, type, payload, event_at, status, next_at, created_at)
                     SELECT w.id, o.event_id, o.type, o.payload, o.created_at, 'pending', $1, $1
                     FROM outbox_events o JOIN webhook_endpoints w ON w.site_id = o.site_id
                     WHERE o.fanned_out_at IS NULL AND o.id <= $2 AND w.enabled
                       AND (w.events IS NULL OR w.events LIKE '%\"' || o.type || '\"%')
                     ON CONFLICT (endpoint_id, event_id) DO NOTHING",
                )
                .bind(now)
                .bind(last)
                .execute(&mut *tx)
                .await?;
                let done = sqlx::query(
                    "UPDATE outbox_events SET fanned_out_at = $1
                     WHERE fanned_out_at IS NULL AND id <= $2",
                )
                .bind(now)
                .bind(last)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn claim_deliveries(
                &self,
                now: $crate::clock::Millis,
                lease_until: $crate::clock::Millis,
                limit: u32,
                per_endpoint: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::notify_store::DueDelivery>> {
                use sqlx::Row as _;
                let mut tx = self.pool.begin_with($begin).await?;
                // Endpoint by endpoint: how many it holds, then its oldest due ones up to its share.
                let endpoints: Vec<i64> =
                    sqlx::query_scalar("SELECT id FROM webhook_endpoints ORDER BY id")
                        .fetch_all(&mut *tx)
                        .await?;
                let mut ids: Vec<i64> = Vec::new();
                for endpoint in endpoints {
                    let room = i64::from(limit) - ids.len() as i64;
                    if room <= 0 {
                        break;
                    }
                    let held: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM webhook_deliveries
                         WHERE endpoint_id = $1 AND status = 'pending' AND locked_until > $2",
                    )
                    .bind(endpoint)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    let take = (i64::from(per_endpoint) - held).min(room);
                    if take <= 0 {
                        continue;
                    }
                    ids.extend(
                        sqlx::query_scalar::<_, i64>(concat!(
                            "SELECT id FROM webhook_deliveries
                             WHERE endpoint_id = $1 AND status = 'pending' AND next_at <= $2
                               AND (locked_until IS NULL OR locked_until <= $2)
                             ORDER BY next_at, id LIMIT $3",
                            $lock
                        ))
                        .bind(endpoint)
                        .bind(now)
                        .bind(take)
                        .fetch_all(&mut *tx)
                        .await?,
                    );
                }
                let mut due = Vec::with_capacity(ids.len());
                for id in ids {
                    let r = sqlx::query(
                        "UPDATE webhook_deliveries SET locked_until = $1 WHERE id = $2
                         RETURNING id, endpoint_id, event_id, type, payload, event_at, attempts,
                             (SELECT url FROM webhook_endpoints w WHERE w.id = endpoint_id),
                             (SELECT secret FROM webhook_endpoints w WHERE w.id = endpoint_id)",
                    )
                    .bind(lease_until)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    due.push($crate::store::notify_store::DueDelivery {
                        id: r.try_get(0)?,
                        endpoint_id: r.try_get(1)?,
                        event_id: r.try_get(2)?,
                        kind: r.try_get(3)?,
                        payload: r.try_get(4)?,
                        event_at: r.try_get(5)?,
                        attempts: u32::try_from(r.try_get::<i64, _>(6)?).unwrap_or(u32::MAX),
                        url: r.try_get(7)?,
                        secret: r.try_get(8)?,
                    });
                }
                tx.commit().await?;
                Ok(due)
            }

            async fn record_attempt(
                &self,
                d: &$crate::store::notify_store::DueDelivery,
                a: &$crate::store::notify_store::Attempt,
                after: &$crate::store::notify_store::AfterAttempt,
                disable_after: i64,
                disable_after_ms: i64,
            ) -> $crate::store::StoreResult<bool> {
                use $crate::store::notify_store::AfterAttempt;
                let mut tx = self.pool.begin_with($begin).await?;
                // The endpoint may have been deleted, its deliveries with it, while this one was
                // in flight: then there is nothing left to record.
                let recorded = sqlx::query(
                    "INSERT INTO webhook_attempts (delivery_id, at, status_code, latency_ms, error)
                     SELECT id, $2, $3, $4, $5 FROM webhook_deliveries WHERE id = $1",
                )
                .bind(d.id)
                .bind(a.at)
                .bind(a.status.map(i64::from))
                .bind(a.latency_ms)
                .bind(a.error.as_deref())
                .execute(&mut *tx)
                .await?;
                if recorded.rows_affected() == 0 {
                    return Ok(false);
                }
                let (status, next_at) = match after {
                    AfterAttempt::Delivered => ("delivered", None),
                    AfterAttempt::RetryAt(at) => ("pending", Some(*at)),
                    AfterAttempt::Failed => ("failed", None),
                };
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = $1, next_at = $2, locked_until = NULL,
                         attempts = attempts + 1
                     WHERE id = $3",
                )
                .bind(status)
                .bind(next_at)
                .bind(d.id)
                .execute(&mut *tx)
                .await?;
                let disabled = if matches!(after, AfterAttempt::Delivered) {
                    sqlx::query(
                        "UPDATE webhook_endpoints SET failures = 0, failing_since = NULL WHERE id = $1",
                    )
                    .bind(d.endpoint_id)
                    .execute(&mut *tx)
                    .await?;
                    false
                } else {
                    let gone = a.status == Some(410);
                    let done = sqlx::query(
                        "UPDATE webhook_endpoints SET failures = failures + 1,
                             failing_since = COALESCE(failing_since, $1),
                             enabled = CASE WHEN $2 OR (failures + 1 >= $3
                                 AND $1 - COALESCE(failing_since, $1) >= $4) THEN FALSE ELSE enabled END,
                             disabled_reason = CASE WHEN $2 THEN 'the receiver answered 410 Gone'
                                 WHEN failures + 1 >= $3 AND $1 - COALESCE(failing_since, $1) >= $4
                                 THEN 'every delivery failed for a day' ELSE disabled_reason END
                         WHERE id = $5 AND enabled
                         RETURNING enabled, site_id, url, disabled_reason",
                    )
                    .bind(a.at)
                    .bind(gone)
                    .bind(disable_after)
                    .bind(disable_after_ms)
                    .bind(d.endpoint_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match done {
                        Some(r) if !sqlx::Row::try_get::<bool, _>(&r, 0)? => {
                            // The admins are told, by e-mail, through the outbox.
                            let url: String = sqlx::Row::try_get(&r, 2)?;
                            let reason: Option<String> = sqlx::Row::try_get(&r, 3)?;
                            let event = $crate::store::case_store::NewEvent::new(
                                "webhook.disabled",
                                &serde_json::json!({"endpoint": {
                                    "id": d.endpoint_id, "url": url, "reason": reason,
                                }}),
                            );
                            sqlx::query(
                                "INSERT INTO outbox_events (site_id, event_id, type, payload, created_at)
                                 VALUES ($1, $2, $3, $4, $5)",
                            )
                            .bind(sqlx::Row::try_get::<i64, _>(&r, 1)?)
                            .bind(&event.event_id)
                            .bind(&event.kind)
                            .bind(&event.payload)
                            .bind(a.at)
                            .execute(&mut *tx)
                            .await?;
                            true
                        }
                        _ => false,
                    }
                };
                tx.commit().await?;
                Ok(disabled)
            }

            async fn next_delivery_due(
                &self,
                now: $crate::clock::Millis,
                per_endpoint: u32,
            ) -> $crate::store::StoreResult<Option<$crate::clock::Millis>> {
                use sqlx::Row as _;
                // Endpoint by endpoint, on the indexes `claim_deliveries` uses.
                let rows = sqlx::query(
                    "SELECT
                         (SELECT COUNT(*) FROM webhook_deliveries d
                          WHERE d.endpoint_id = w.id AND d.status = 'pending' AND d.locked_until > $1),
                         (SELECT MIN(d.locked_until) FROM webhook_deliveries d
                          WHERE d.endpoint_id = w.id AND d.status = 'pending' AND d.locked_until > $1),
                         (SELECT MIN(d.next_at) FROM webhook_deliveries d
                          WHERE d.endpoint_id = w.id AND d.status = 'pending'
                            AND (d.locked_until IS NULL OR d.locked_until <= $1))
                     FROM webhook_endpoints w",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut next: Option<$crate::clock::Millis> = None;
                for r in rows {
                    let held: i64 = r.try_get(0)?;
                    let lease_ends: Option<i64> = r.try_get(1)?;
                    let due: Option<i64> = r.try_get(2)?;
                    let room = held < i64::from(per_endpoint);
                    for t in [lease_ends, due.filter(|_| room)].into_iter().flatten() {
                        next = Some(next.map_or(t, |n| n.min(t)));
                    }
                }
                Ok(next)
            }

            async fn deliveries(
                &self,
                site: &shared::SiteKey,
                endpoint: i64,
                limit: u32,
            ) -> $crate::store::StoreResult<Option<Vec<$crate::store::notify_store::DeliveryRecord>>>
            {
                use sqlx::Row as _;
                let known: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM webhook_endpoints
                     WHERE id = $1 AND site_id = (SELECT id FROM sites WHERE key = $2)",
                )
                .bind(endpoint)
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
                if known.is_none() {
                    return Ok(None);
                }
                let rows = sqlx::query(
                    "SELECT id, event_id, type, status, next_at, created_at FROM webhook_deliveries
                     WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(endpoint)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let id: i64 = r.try_get(0)?;
                    let attempts = sqlx::query(
                        "SELECT at, status_code, latency_ms, error FROM webhook_attempts
                         WHERE delivery_id = $1 ORDER BY id DESC",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                    out.push($crate::store::notify_store::DeliveryRecord {
                        id,
                        event_id: r.try_get(1)?,
                        kind: r.try_get(2)?,
                        status: r.try_get(3)?,
                        next_at: r.try_get(4)?,
                        created_at: r.try_get(5)?,
                        attempts: attempts
                            .iter()
                            .map($crate::store::notify_sql::read_attempt)
                            .collect::<Result<_, _>>()?,
                    });
                }
                Ok(Some(out))
            }

            async fn redeliver(
                &self,
                site: &shared::SiteKey,
                endpoint: i64,
                delivery: i64,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'pending', next_at = $1,
                         locked_until = NULL, attempts = 0
                     WHERE id = $2 AND endpoint_id = (SELECT id FROM webhook_endpoints
                         WHERE id = $3 AND site_id = (SELECT id FROM sites WHERE key = $4))",
                )
                .bind(now)
                .bind(delivery)
                .bind(endpoint)
                .bind(site.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(super) use notify_store;
