//! What the store keeps of who may do what: API tokens, users and their memberships, sign-in
//! sessions, and the audit log. Written once for both engines in `account_sql.rs`.

use super::{AuditEntry, AuditQuery, Grant, SessionUser, StoreResult, TokenRecord, User};
use crate::access::Role;
use crate::clock::Millis;
use async_trait::async_trait;
use shared::SiteKey;

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Stores a token's hash and returns the token's id.
    async fn create_token(
        &self,
        site: &SiteKey,
        role: Role,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<i64>;

    /// The grant of an unrevoked token, by its hash.
    async fn grant(&self, token_hash: &str) -> StoreResult<Option<Grant>> {
        Ok(self.token_grant(token_hash).await?.map(|(_, grant)| grant))
    }

    /// The id and grant of an unrevoked token, by its hash.
    async fn token_grant(&self, token_hash: &str) -> StoreResult<Option<(i64, Grant)>>;

    /// A token of `site` by its id, revoked or not.
    async fn site_token(&self, site: &SiteKey, id: i64) -> StoreResult<Option<TokenRecord>>;

    /// The unrevoked tokens of `site`, newest first.
    async fn site_tokens(&self, site: &SiteKey) -> StoreResult<Vec<TokenRecord>>;

    /// Revokes a token of `site`; false when `site` has no unrevoked token with this id.
    async fn revoke_token(&self, site: &SiteKey, id: i64, now: Millis) -> StoreResult<bool>;

    /// Creates a user; `Conflict("users.email")` when the address is taken. `email` is
    /// normalized by the caller (`accounts::Email`).
    async fn create_user(&self, email: &str, password_hash: &str, now: Millis) -> StoreResult<i64>;

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;

    /// Gives a user a role on a site, replacing the role they had there.
    async fn set_membership(
        &self,
        user_id: i64,
        site: &SiteKey,
        role: Role,
        now: Millis,
    ) -> StoreResult<()>;

    /// A user's role on each of their sites, in the sites' creation order.
    async fn memberships(&self, user_id: i64) -> StoreResult<Vec<Grant>>;

    /// Stores a new session by its token's hash. Expired sessions are swept out on the way.
    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<()>;

    /// The user of a session that has not expired at `now`, whose expiry then moves to
    /// `expires_at`.
    async fn touch_session(
        &self,
        token_hash: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<Option<SessionUser>>;

    /// Ends a session; false when there was none.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool>;

    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()>;

    /// A site's audit log, newest first.
    async fn audit_log(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.audit_search(site, &AuditQuery::default(), limit).await
    }

    /// A site's audit log entries that `query` keeps, newest first.
    async fn audit_search(
        &self,
        site: &SiteKey,
        query: &AuditQuery,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>>;
}
