//! The installation's own state, beside sites and answers: secrets shared by every collector
//! process on the database, and the first start's one-time setup links. A supertrait of `Store`, implemented for each engine in
//! `sqlite_server.rs` and `postgres_server.rs`.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;

#[async_trait]
pub trait ServerStore: Send + Sync + 'static {
    /// The secret stored under `name`; if there is none yet, `candidate` is stored and returned.
    /// Processes racing to create it all get the one value that was stored first.
    async fn server_secret(&self, name: &str, candidate: &str, now: Millis) -> StoreResult<String>;

    /// Whether anybody can sign in to the dashboard yet.
    async fn has_users(&self) -> StoreResult<bool>;

    /// Stores a setup link's token (its hash), valid until `expires_at`.
    async fn create_setup_token(
        &self,
        token_hash: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<()>;

    /// Marks a setup token used, if it is unused and not expired at `now`: `true` then, once.
    async fn use_setup_token(&self, token_hash: &str, now: Millis) -> StoreResult<bool>;

    /// Creates the first user, the owner of every site, in one transaction; `None` if a user
    /// exists already (whoever came first is the first user).
    async fn create_first_user(
        &self,
        email: &str,
        password_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<i64>>;
}
