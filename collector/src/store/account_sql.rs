//! `AccountStore`'s SQL, written once for both engines as `team_sql.rs` is: `$N` placeholders and
//! `RETURNING`; the engine's own way to begin a transaction that writes, and the audit search,
//! whose optional filters PostgreSQL must be told the types of.

/// Implements `AccountStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>` and
/// which has `site_by_id`.
macro_rules! account_store {
    ($store:ty, begin: $begin:literal, audit_search: $audit_search:literal) => {
        const _: () = {
            use $crate::access::Role;
            use $crate::clock::Millis;
            use $crate::store::{
                AuditEntry, AuditQuery, Grant, SessionUser, StoreError, StoreResult, TokenRecord,
                User,
            };
            use shared::SiteKey;
            use sqlx::Row as _;

            #[async_trait::async_trait]
            impl $crate::store::account_store::AccountStore for $store {
                async fn create_token(
                    &self,
                    site: &SiteKey,
                    role: Role,
                    token_hash: &str,
                    now: Millis,
                ) -> StoreResult<i64> {
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO api_tokens (site_id, role, token_hash, created_at)
                         SELECT id, $1, $2, $3 FROM sites WHERE key = $4 RETURNING id",
                    )
                    .bind(role.as_str())
                    .bind(token_hash)
                    .bind(now)
                    .bind(site.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    id.ok_or_else(|| StoreError::Other(anyhow::anyhow!("no site has the key {site}")))
                }

                async fn token_grant(&self, token_hash: &str) -> StoreResult<Option<(i64, Grant)>> {
                    let row = sqlx::query(
                        "SELECT t.role, s.id, s.key, s.name, t.id FROM api_tokens t JOIN sites s ON s.id = t.site_id
                         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
                    )
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    Ok(Some((
                        r.get(4),
                        Grant {
                            role: $crate::store::team_sql::role(r.get(0))?,
                            site: self.site_by_id(r.get(1), r.get(2), r.get(3)).await?,
                        },
                    )))
                }

                async fn site_token(&self, site: &SiteKey, id: i64) -> StoreResult<Option<TokenRecord>> {
                    let row = sqlx::query(
                        "SELECT t.id, t.role, t.created_at, t.revoked_at FROM api_tokens t JOIN sites s ON s.id = t.site_id
                         WHERE t.id = $1 AND s.key = $2",
                    )
                    .bind(id)
                    .bind(site.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    Ok(Some(TokenRecord {
                        id: r.get(0),
                        role: $crate::store::team_sql::role(r.get(1))?,
                        created_at: r.get(2),
                        revoked_at: r.get(3),
                    }))
                }

                async fn site_tokens(&self, site: &SiteKey) -> StoreResult<Vec<TokenRecord>> {
                    let rows = sqlx::query(
                        "SELECT t.id, t.role, t.created_at FROM api_tokens t JOIN sites s ON s.id = t.site_id
                         WHERE s.key = $1 AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id DESC",
                    )
                    .bind(site.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.into_iter()
                        .map(|r| {
                            Ok(TokenRecord {
                                id: r.get(0),
                                role: $crate::store::team_sql::role(r.get(1))?,
                                created_at: r.get(2),
                                revoked_at: None,
                            })
                        })
                        .collect()
                }

                async fn revoke_token(&self, site: &SiteKey, id: i64, now: Millis) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "UPDATE api_tokens SET revoked_at = $1
                         WHERE id = $2 AND revoked_at IS NULL AND site_id = (SELECT id FROM sites WHERE key = $3)",
                    )
                    .bind(now)
                    .bind(id)
                    .bind(site.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn create_user(&self, email: &str, password_hash: &str, now: Millis) -> StoreResult<i64> {
                    sqlx::query_scalar(
                        "INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(email)
                    .bind(password_hash)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|e| match e {
                        sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                            StoreError::Conflict("users.email")
                        }
                        other => other.into(),
                    })
                }

                async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
                    let row = sqlx::query("SELECT id, email, password_hash FROM users WHERE email = $1")
                        .bind(email)
                        .fetch_optional(&self.pool)
                        .await?;
                    Ok(row.map(|r| User {
                        id: r.get(0),
                        email: r.get(1),
                        password_hash: r.get(2),
                    }))
                }

                async fn set_membership(
                    &self,
                    user_id: i64,
                    site: &SiteKey,
                    role: Role,
                    now: Millis,
                ) -> StoreResult<()> {
                    let done = sqlx::query(
                        "INSERT INTO memberships (user_id, site_id, role, created_at)
                         SELECT $1, id, $2, $3 FROM sites WHERE key = $4
                         ON CONFLICT (user_id, site_id) DO UPDATE SET role = excluded.role",
                    )
                    .bind(user_id)
                    .bind(role.as_str())
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

                async fn memberships(&self, user_id: i64) -> StoreResult<Vec<Grant>> {
                    let rows = sqlx::query(
                        "SELECT m.role, s.id, s.key, s.name FROM memberships m JOIN sites s ON s.id = m.site_id
                         WHERE m.user_id = $1 ORDER BY s.id",
                    )
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut grants = Vec::with_capacity(rows.len());
                    for r in rows {
                        grants.push(Grant {
                            role: $crate::store::team_sql::role(r.get(0))?,
                            site: self.site_by_id(r.get(1), r.get(2), r.get(3)).await?,
                        });
                    }
                    Ok(grants)
                }

                async fn create_session(
                    &self,
                    user_id: i64,
                    token_hash: &str,
                    now: Millis,
                    expires_at: Millis,
                ) -> StoreResult<()> {
                    let mut tx = self.pool.begin_with($begin).await?;
                    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(user_id)
                    .bind(token_hash)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn touch_session(
                    &self,
                    token_hash: &str,
                    now: Millis,
                    expires_at: Millis,
                ) -> StoreResult<Option<SessionUser>> {
                    let row = sqlx::query(
                        "UPDATE sessions SET expires_at = $1 WHERE token_hash = $2 AND expires_at > $3
                         RETURNING user_id, (SELECT email FROM users WHERE users.id = sessions.user_id)",
                    )
                    .bind(expires_at)
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.map(|r| SessionUser {
                        user_id: r.get(0),
                        email: r.get(1),
                    }))
                }

                async fn delete_session(&self, token_hash: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO audit_log (at, actor, action, detail, site_id)
                         VALUES ($1, $2, $3, $4, (SELECT id FROM sites WHERE key = $5))",
                    )
                    .bind(entry.at)
                    .bind(&entry.actor)
                    .bind(&entry.action)
                    .bind(&entry.detail)
                    .bind(entry.site.as_ref().map(SiteKey::as_str))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn audit_search(
                    &self,
                    site: &SiteKey,
                    query: &AuditQuery,
                    limit: u32,
                ) -> StoreResult<Vec<AuditEntry>> {
                    let rows = sqlx::query(
                        $audit_search,
                    )
                    .bind(site.as_str())
                    .bind(query.action.as_deref())
                    .bind(query.actor_pattern())
                    .bind(query.since)
                    .bind(query.until)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .map(|r| AuditEntry {
                            at: r.get(0),
                            actor: r.get(1),
                            site: Some(site.clone()),
                            action: r.get(2),
                            detail: r.get(3),
                        })
                        .collect())
                }
            }
        };
    };
}

pub(super) use account_store;
