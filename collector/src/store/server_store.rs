//! The installation's own state, beside sites and answers: secrets shared by every collector
//! process on the database. A supertrait of `Store`, implemented for each engine in
//! `sqlite_server.rs` and `postgres_server.rs`.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;

#[async_trait]
pub trait ServerStore: Send + Sync + 'static {
    /// The secret stored under `name`; if there is none yet, `candidate` is stored and returned.
    /// Processes racing to create it all get the one value that was stored first.
    async fn server_secret(&self, name: &str, candidate: &str, now: Millis) -> StoreResult<String>;
}
