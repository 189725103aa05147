//! What a site is configured with and what its visitors report, beside the answers: the widget's
//! settings, the surveys and their versions, and complaints. A supertrait of `Store`, so that
//! every `Arc<dyn Store>` has it; implemented for each engine in `sqlite_site.rs` and
//! `postgres_site.rs`.

use super::StoreResult;
use async_trait::async_trait;
use shared::{SiteKey, SiteSettings};

#[async_trait]
pub trait SiteStore: Send + Sync + 'static {
    /// A site's widget settings (`SiteSettings::default()` until an admin changes them); `None`
    /// when no site has the key.
    async fn site_settings(&self, site: &SiteKey) -> StoreResult<Option<SiteSettings>>;

    /// Replaces a site's widget settings; false when no site has the key. The caller has checked
    /// them (`SiteSettings::check`).
    async fn set_site_settings(&self, site: &SiteKey, settings: &SiteSettings)
        -> StoreResult<bool>;
}

/// Reads a stored settings column: NULL is the defaults.
pub(super) fn read_settings(json: Option<String>) -> StoreResult<SiteSettings> {
    use anyhow::Context as _;
    match json {
        None => Ok(SiteSettings::default()),
        Some(j) => Ok(serde_json::from_str(&j).context("stored site settings are invalid")?),
    }
}

pub(super) fn encode<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    use anyhow::Context as _;
    Ok(serde_json::to_string(value).context("cannot encode a value as JSON")?)
}
