//! A site's place on the web: its allowed origins (changed by admins after the site was made)
//! and where its snippet was seen (`origin_sightings`, migration 0031). A supertrait of
//! `Store`; its SQL is written once for both engines (`origin_sql.rs`).

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use shared::SiteKey;

/// An origin whose pages fetched the site's config, and when one last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub origin: String,
    pub last_seen_at: Millis,
}

#[async_trait]
pub trait OriginStore: Send + Sync + 'static {
    /// Replaces the site's allowed origins (normalized by the caller) in one transaction; false
    /// for an unknown site.
    async fn set_origins(&self, site: &SiteKey, origins: &[String]) -> StoreResult<bool>;

    /// Records that a page at `origin` fetched the site's config at `at`; an earlier time never
    /// replaces a later one (several collectors write). Nothing for an unknown site.
    async fn record_sighting(&self, site: &SiteKey, origin: &str, at: Millis) -> StoreResult<()>;

    /// Where the site's snippet was seen, the latest first.
    async fn sightings(&self, site: &SiteKey) -> StoreResult<Vec<Sighting>>;
}
