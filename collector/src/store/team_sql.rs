//! `TeamStore`'s SQL, written once for both engines as `case_sql.rs` is: `$N` placeholders,
//! `RETURNING`, `ON CONFLICT`, and the engine's lock clause where a change must see the site's
//! whole team.

use super::team_store::{InvitationRecord, MemberRecord};
use super::StoreResult;
use crate::access::Role;
use anyhow::Context as _;

pub(super) const MEMBER_ORDER: &str = "CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 \
     WHEN 'agent' THEN 2 ELSE 3 END, u.email";

pub(super) const MEMBER_COLUMNS: &str =
    "u.id, u.email, m.role, m.created_at, u.last_sign_in_at, t.confirmed_at";

pub(super) const INVITATION_COLUMNS: &str = "i.id, s.key, s.name, i.email, i.role, i.invited_by, \
     i.created_at, i.expires_at, i.accepted_at, i.revoked_at, i.site_id";

pub(super) fn role(text: String) -> StoreResult<Role> {
    Ok(text.parse().map_err(|e: String| anyhow::anyhow!(e))?)
}

pub(super) fn read_member<R>(r: &R) -> StoreResult<MemberRecord>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(MemberRecord {
        user_id: r.try_get(0)?,
        email: r.try_get(1)?,
        role: role(r.try_get(2)?)?,
        since: r.try_get(3)?,
        last_sign_in: r.try_get(4)?,
        two_factor: r.try_get::<Option<i64>, _>(5)?.is_some(),
    })
}

pub(super) fn read_invitation<R>(r: &R) -> StoreResult<InvitationRecord>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let key: String = r.try_get(1)?;
    Ok(InvitationRecord {
        id: r.try_get(0)?,
        site: shared::SiteKey::parse(&key)
            .ok()
            .context("a stored site key is invalid")?,
        site_name: r.try_get(2)?,
        email: r.try_get(3)?,
        role: role(r.try_get(4)?)?,
        invited_by: r.try_get(5)?,
        created_at: r.try_get(6)?,
        expires_at: r.try_get(7)?,
        accepted_at: r.try_get(8)?,
        revoked_at: r.try_get(9)?,
    })
}

/// Implements `TeamStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`.
macro_rules! team_store {
    // The site's id, its row locked where the engine locks rows (SQLite's writer lock is held
    // from `BEGIN IMMEDIATE` on).
    (@lock_site $tx:ident, $site:expr, $lock:literal) => {
        sqlx::query_scalar::<_, i64>(concat!("SELECT id FROM sites WHERE key = $1", $lock))
            .bind($site.as_str())
            .fetch_optional(&mut *$tx)
            .await?
    };
    // Whether a member whose role was `from` may become `to`: they still are `from`, and the
    // site keeps an owner.
    (@check $tx:ident, $site_id:expr, $user_id:expr, $from:expr, $to:expr) => {{
        let now_role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE user_id = $1 AND site_id = $2",
        )
        .bind($user_id)
        .bind($site_id)
        .fetch_optional(&mut *$tx)
        .await?;
        if now_role.as_deref() != Some($from.as_str()) {
            $crate::store::team_store::TeamChange::Stale
        } else if $from == $crate::access::Role::Owner && $to != $crate::access::Role::Owner {
            let owners: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM memberships WHERE site_id = $1 AND role = 'owner'",
            )
            .bind($site_id)
            .fetch_one(&mut *$tx)
            .await?;
            if owners <= 1 {
                $crate::store::team_store::TeamChange::LastOwner
            } else {
                $crate::store::team_store::TeamChange::Done
            }
        } else {
            $crate::store::team_store::TeamChange::Done
        }
    }};
    (@replace_codes $tx:ident, $user_id:expr, $hashes:expr) => {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind($user_id)
            .execute(&mut *$tx)
            .await?;
        for hash in $hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind($user_id)
                .bind(hash)
                .execute(&mut *$tx)
                .await?;
        }
    };
    ($store:ty, $db:ty, begin: $begin:literal, lock: $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::team_store::TeamStore for $store {
            async fn members(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::team_store::MemberRecord>> {
                use $crate::store::team_sql::{MEMBER_COLUMNS, MEMBER_ORDER};
                let sql = format!(
                    "SELECT {MEMBER_COLUMNS} FROM memberships m
                     JOIN users u ON u.id = m.user_id JOIN sites s ON s.id = m.site_id
                     LEFT JOIN two_factor t ON t.user_id = u.id
                     WHERE s.key = $1 ORDER BY {MEMBER_ORDER}"
                );
                sqlx::query(&sql)
                    .bind(site.as_str())
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map($crate::store::team_sql::read_member)
                    .collect()
            }

            async fn member(
                &self,
                site: &shared::SiteKey,
                user_id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::team_store::MemberRecord>>
            {
                use $crate::store::team_sql::MEMBER_COLUMNS;
                let sql = format!(
                    "SELECT {MEMBER_COLUMNS} FROM memberships m
                     JOIN users u ON u.id = m.user_id JOIN sites s ON s.id = m.site_id
                     LEFT JOIN two_factor t ON t.user_id = u.id
                     WHERE s.key = $1 AND m.user_id = $2"
                );
                sqlx::query(&sql)
                    .bind(site.as_str())
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map($crate::store::team_sql::read_member)
                    .transpose()
            }

            async fn change_role(
                &self,
                site: &shared::SiteKey,
                user_id: i64,
                from: $crate::access::Role,
                to: $crate::access::Role,
            ) -> $crate::store::StoreResult<$crate::store::team_store::TeamChange> {
                use $crate::store::team_store::TeamChange;
                let mut tx = self.pool.begin_with($begin).await?;
                let Some(site_id) = $crate::store::team_sql::team_store!(@lock_site tx, site, $lock) else {
                    return Ok(TeamChange::Stale);
                };
                match $crate::store::team_sql::team_store!(@check tx, site_id, user_id, from, to) {
                    TeamChange::Done => {}
                    other => return Ok(other),
                }
                sqlx::query("UPDATE memberships SET role = $1 WHERE user_id = $2 AND site_id = $3")
                    .bind(to.as_str())
                    .bind(user_id)
                    .bind(site_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(TeamChange::Done)
            }

            async fn remove_member(
                &self,
                site: &shared::SiteKey,
                user_id: i64,
                from: $crate::access::Role,
            ) -> $crate::store::StoreResult<$crate::store::team_store::TeamChange> {
                use $crate::store::team_store::TeamChange;
                let mut tx = self.pool.begin_with($begin).await?;
                let Some(site_id) = $crate::store::team_sql::team_store!(@lock_site tx, site, $lock) else {
                    return Ok(TeamChange::Stale);
                };
                // Leaving is being demoted below every role: the last owner cannot.
                match $crate::store::team_sql::team_store!(@check tx, site_id, user_id, from, $crate::access::Role::Viewer) {
                    TeamChange::Done => {}
                    other => return Ok(other),
                }
                for sql in [
                    "DELETE FROM memberships WHERE user_id = $1 AND site_id = $2",
                    "DELETE FROM notification_preferences WHERE user_id = $1 AND site_id = $2",
                ] {
                    sqlx::query(sql)
                        .bind(user_id)
                        .bind(site_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(TeamChange::Done)
            }

            async fn create_invitation(
                &self,
                site: &shared::SiteKey,
                email: &str,
                role: $crate::access::Role,
                token_hash: &str,
                invited_by: &str,
                now: $crate::clock::Millis,
                expires_at: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Option<(i64, u64)>> {
                let mut tx = self.pool.begin_with($begin).await?;
                let Some(site_id): Option<i64> =
                    sqlx::query_scalar("SELECT id FROM sites WHERE key = $1")
                        .bind(site.as_str())
                        .fetch_optional(&mut *tx)
                        .await?
                else {
                    return Ok(None);
                };
                let withdrawn = sqlx::query(
                    "UPDATE invitations SET revoked_at = $1
                     WHERE site_id = $2 AND email = $3 AND accepted_at IS NULL
                       AND revoked_at IS NULL AND expires_at > $1",
                )
                .bind(now)
                .bind(site_id)
                .bind(email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO invitations
                         (site_id, email, role, token_hash, invited_by, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(site_id)
                .bind(email)
                .bind(role.as_str())
                .bind(token_hash)
                .bind(invited_by)
                .bind(now)
                .bind(expires_at)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some((id, withdrawn)))
            }

            async fn delete_invitation(&self, id: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM invitations WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn pending_invitations(
                &self,
                site: &shared::SiteKey,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Vec<$crate::store::team_store::InvitationRecord>>
            {
                use $crate::store::team_sql::INVITATION_COLUMNS;
                let sql = format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN sites s ON s.id = i.site_id
                     WHERE s.key = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
                       AND i.expires_at > $2
                     ORDER BY i.created_at DESC, i.id DESC"
                );
                sqlx::query(&sql)
                    .bind(site.as_str())
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map($crate::store::team_sql::read_invitation)
                    .collect()
            }

            async fn invitation(
                &self,
                site: &shared::SiteKey,
                id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::team_store::InvitationRecord>>
            {
                use $crate::store::team_sql::INVITATION_COLUMNS;
                let sql = format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN sites s ON s.id = i.site_id
                     WHERE s.key = $1 AND i.id = $2"
                );
                sqlx::query(&sql)
                    .bind(site.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map($crate::store::team_sql::read_invitation)
                    .transpose()
            }

            async fn invitation_by_token(
                &self,
                token_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::team_store::InvitationRecord>>
            {
                use $crate::store::team_sql::INVITATION_COLUMNS;
                let sql = format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN sites s ON s.id = i.site_id
                     WHERE i.token_hash = $1"
                );
                sqlx::query(&sql)
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?
                    .as_ref()
                    .map($crate::store::team_sql::read_invitation)
                    .transpose()
            }

            async fn revoke_invitation(
                &self,
                site: &shared::SiteKey,
                id: i64,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE invitations SET revoked_at = $1
                     WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
                       AND expires_at > $1
                       AND site_id = (SELECT id FROM sites WHERE key = $3)",
                )
                .bind(now)
                .bind(id)
                .bind(site.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn accept_invitation(
                &self,
                token_hash: &str,
                invitee: &$crate::store::team_store::Invitee,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<$crate::store::team_store::Acceptance> {
                use sqlx::Row as _;
                use $crate::store::team_sql::INVITATION_COLUMNS;
                use $crate::store::team_store::{Acceptance, Invitee};
                use $crate::team::InvitationState;
                let mut tx = self.pool.begin_with($begin).await?;
                let sql = format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations i JOIN sites s ON s.id = i.site_id
                     WHERE i.token_hash = $1{}",
                    $lock
                );
                let Some(row) = sqlx::query(&sql)
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    return Ok(Acceptance::Unknown);
                };
                let invitation = $crate::store::team_sql::read_invitation(&row)?;
                let site_id: i64 = row.try_get(10)?;
                let state = InvitationState::of(
                    invitation.accepted_at,
                    invitation.revoked_at,
                    invitation.expires_at,
                    now,
                );
                if state != InvitationState::Pending {
                    return Ok(Acceptance::NotPending(invitation));
                }
                let user_id = match invitee {
                    Invitee::Existing { user_id } => *user_id,
                    Invitee::New { password_hash } => {
                        match sqlx::query_scalar::<_, i64>(
                            "INSERT INTO users (email, password_hash, created_at)
                             VALUES ($1, $2, $3) RETURNING id",
                        )
                        .bind(&invitation.email)
                        .bind(password_hash)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await
                        {
                            Ok(id) => id,
                            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                                return Ok(Acceptance::UserExists);
                            }
                            Err(e) => return Err(e.into()),
                        }
                    }
                };
                let had: Option<String> = sqlx::query_scalar(
                    "SELECT role FROM memberships WHERE user_id = $1 AND site_id = $2",
                )
                .bind(user_id)
                .bind(site_id)
                .fetch_optional(&mut *tx)
                .await?;
                let role = match had {
                    None => {
                        sqlx::query(
                            "INSERT INTO memberships (user_id, site_id, role, created_at)
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(user_id)
                        .bind(site_id)
                        .bind(invitation.role.as_str())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        invitation.role
                    }
                    Some(had) => {
                        let had = $crate::store::team_sql::role(had)?;
                        if invitation.role > had {
                            sqlx::query(
                                "UPDATE memberships SET role = $1 WHERE user_id = $2 AND site_id = $3",
                            )
                            .bind(invitation.role.as_str())
                            .bind(user_id)
                            .bind(site_id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        had.max(invitation.role)
                    }
                };
                sqlx::query("UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3")
                    .bind(now)
                    .bind(user_id)
                    .bind(invitation.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Acceptance::Joined { user_id, role })
            }

            async fn user_by_id(
                &self,
                user_id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::User>> {
                use sqlx::Row as _;
                let row = sqlx::query("SELECT id, email, password_hash FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok($crate::store::User {
                        id: r.try_get(0)?,
                        email: r.try_get(1)?,
                        password_hash: r.try_get(2)?,
                    })
                })
                .transpose()
            }

            async fn record_sign_in(
                &self,
                user_id: i64,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_password(
                &self,
                user_id: i64,
                password_hash: &str,
                keep: Option<&str>,
            ) -> $crate::store::StoreResult<u64> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                // No stored hash is empty: without `keep`, every session ends.
                let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user_id)
                    .bind(keep.unwrap_or_default())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(ended)
            }

            async fn end_sessions(&self, user_id: i64) -> $crate::store::StoreResult<u64> {
                Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn two_factor(
                &self,
                user_id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::team_store::TwoFactorRecord>>
            {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT t.secret, t.confirmed_at, t.last_step,
                         (SELECT COUNT(*) FROM recovery_codes r
                          WHERE r.user_id = t.user_id AND r.used_at IS NULL)
                     FROM two_factor t WHERE t.user_id = $1",
                )
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok($crate::store::team_store::TwoFactorRecord {
                        sealed_secret: r.try_get(0)?,
                        confirmed: r.try_get::<Option<i64>, _>(1)?.is_some(),
                        last_step: r.try_get(2)?,
                        recovery_codes_left: u32::try_from(r.try_get::<i64, _>(3)?)
                            .unwrap_or_default(),
                    })
                })
                .transpose()
            }

            async fn start_two_factor(
                &self,
                user_id: i64,
                sealed_secret: &str,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO two_factor (user_id, secret, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id) DO UPDATE
                         SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
                         WHERE two_factor.confirmed_at IS NULL",
                )
                .bind(user_id)
                .bind(sealed_secret)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn confirm_two_factor(
                &self,
                user_id: i64,
                step: i64,
                recovery_hashes: &[String],
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let confirmed = sqlx::query(
                    "UPDATE two_factor SET confirmed_at = $1, last_step = $2
                     WHERE user_id = $3 AND confirmed_at IS NULL",
                )
                .bind(now)
                .bind(step)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if confirmed != 1 {
                    return Ok(false);
                }
                $crate::store::team_sql::team_store!(@replace_codes tx, user_id, recovery_hashes);
                tx.commit().await?;
                Ok(true)
            }

            async fn use_code_step(
                &self,
                user_id: i64,
                step: i64,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE two_factor SET last_step = $1
                     WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_step < $1",
                )
                .bind(step)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn use_recovery_code(
                &self,
                user_id: i64,
                code_hash: &str,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $1
                     WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL
                       AND EXISTS (SELECT 1 FROM two_factor t
                                   WHERE t.user_id = $2 AND t.confirmed_at IS NOT NULL)",
                )
                .bind(now)
                .bind(user_id)
                .bind(code_hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn replace_recovery_codes(
                &self,
                user_id: i64,
                hashes: &[String],
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                $crate::store::team_sql::team_store!(@replace_codes tx, user_id, hashes);
                tx.commit().await?;
                Ok(())
            }

            async fn disable_two_factor(&self, user_id: i64) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM two_factor WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(super) use team_store;
