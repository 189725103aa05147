//! Ingest's in-memory copy of what it reads about a site for every answer: the site with its
//! allowed origins, and its active surveys. Without it, each answer cost three queries before
//! its insert.
//!
//! An entry is used for `TTL_MS` by the injected clock, then read again from the database, so a
//! change made anywhere (another `hark serve` on the same PostgreSQL, the CLI, SQL by hand) is
//! seen within that time: DESIGN.md allows "config changes seen within a minute". A change made
//! through this process can call `forget` to be seen at once. Only sites that exist are
//! cached: an unknown key is looked up every time, so a site created a moment ago works at
//! once and a flood of made-up keys cannot fill the memory.

use crate::clock::Millis;
use crate::store::{Site, Store, StoreResult};
use shared::{SiteKey, Survey};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// How long a site's origins and surveys are used before they are read again.
pub const TTL_MS: Millis = 30_000;
/// The most sites kept; past it, expired entries go, and if that is not enough, all of them.
const MAX_SITES: usize = 10_000;

/// What ingest needs to know about a site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub site: Site,
    /// Its active surveys, in creation order.
    pub surveys: Vec<Survey>,
    /// The `identify` attributes its answers are segmented by (`SiteSettings`).
    pub segment_attributes: Vec<String>,
}

/// Sites by key, each with when it was read.
#[derive(Debug)]
pub struct SiteCache {
    ttl_ms: Millis,
    entries: RwLock<HashMap<SiteKey, (Millis, Arc<SiteConfig>)>>,
}

impl Default for SiteCache {
    fn default() -> Self {
        Self::with_ttl(TTL_MS)
    }
}

impl SiteCache {
    pub fn with_ttl(ttl_ms: Millis) -> Self {
        Self {
            ttl_ms,
            entries: RwLock::default(),
        }
    }

    /// The site `key` names and its active surveys, as of at most the TTL before `now`; `None`
    /// when no site has the key.
    pub async fn get(
        &self,
        store: &dyn Store,
        now: Millis,
        key: &SiteKey,
    ) -> StoreResult<Option<Arc<SiteConfig>>> {
        if let Some(config) = self.fresh(now, key) {
            return Ok(Some(config));
        }
        let Some(site) = store.site(key).await? else {
            self.forget(key);
            return Ok(None);
        };
        // The resolution survey is answered about a case, on its status page, never here.
        let mut surveys = store.active_surveys(key).await?;
        surveys.retain(shared::Survey::on_pages);
        let segment_attributes = store
            .site_settings(key)
            .await?
            .map(|s| s.segment_attributes)
            .unwrap_or_default();
        let config = Arc::new(SiteConfig {
            site,
            surveys,
            segment_attributes,
        });
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_SITES && !entries.contains_key(key) {
            entries.retain(|_, (read_at, _)| self.is_fresh(*read_at, now));
            if entries.len() >= MAX_SITES {
                entries.clear();
            }
        }
        entries.insert(key.clone(), (now, config.clone()));
        Ok(Some(config))
    }

    /// Drops what is known about a site, so that the next answer reads it again.
    pub fn forget(&self, key: &SiteKey) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    fn fresh(&self, now: Millis, key: &SiteKey) -> Option<Arc<SiteConfig>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (read_at, config) = entries.get(key)?;
        self.is_fresh(*read_at, now).then(|| config.clone())
    }

    /// Read at `read_at`, still good at `now`; a clock that went back counts as expired.
    fn is_fresh(&self, read_at: Millis, now: Millis) -> bool {
        now >= read_at && now - read_at < self.ttl_ms
    }
}
