//! What a site is configured with and what its visitors report, beside the answers: the widget's
//! settings, the surveys and their versions, and complaints. A supertrait of `Store`, so that
//! every `Arc<dyn Store>` has it; implemented for each engine in `sqlite_site.rs` and
//! `postgres_site.rs`.

use super::{Enrichment, StoreResult, Stored};
use crate::clock::Millis;
use async_trait::async_trait;
use shared::{ComplaintKind, ComplaintSubmission, ResponseId, SiteKey, SiteSettings};

/// A complaint to store, with what ingest learned (its `email` is the complaint's own, so the
/// enrichment's is not used).
#[derive(Debug, Clone, PartialEq)]
pub struct NewComplaint {
    pub complaint: ComplaintSubmission,
    pub enrichment: Enrichment,
    pub received_at: Millis,
}

/// A stored complaint, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredComplaint {
    pub id: ResponseId,
    /// `open` until the workflow moves it on.
    pub status: String,
    pub kind: ComplaintKind,
    pub category: Option<String>,
    pub description: String,
    pub impact: Option<u8>,
    pub email: Option<String>,
    pub contact_consent: bool,
    pub page_url: Option<String>,
    pub received_at: Millis,
    /// What ingest learned (`email` always `None`: see the field above).
    pub enrichment: Enrichment,
}

#[async_trait]
pub trait SiteStore: Send + Sync + 'static {
    /// A site's widget settings (`SiteSettings::default()` until an admin changes them); `None`
    /// when no site has the key.
    async fn site_settings(&self, site: &SiteKey) -> StoreResult<Option<SiteSettings>>;

    /// Replaces a site's widget settings; false when no site has the key. The caller has checked
    /// them (`SiteSettings::check`).
    async fn set_site_settings(&self, site: &SiteKey, settings: &SiteSettings)
        -> StoreResult<bool>;

    /// Commits a complaint durably before returning, `open`. A replayed id for the same site is
    /// stored once; the same id for another site is `Conflict("complaints.id")`.
    async fn insert_complaint(&self, c: &NewComplaint) -> StoreResult<Stored>;

    /// A site's complaints, newest first.
    async fn complaints(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredComplaint>>;
}

pub(super) fn kind_name(kind: ComplaintKind) -> &'static str {
    match kind {
        ComplaintKind::Problem => "problem",
        ComplaintKind::Suggestion => "suggestion",
    }
}

/// The columns of a complaint row in `SELECT` order (`COMPLAINT_COLUMNS`), engine-neutral.
pub(super) struct ComplaintRow {
    pub(super) id: String,
    pub(super) status: String,
    pub(super) kind: String,
    pub(super) category: Option<String>,
    pub(super) description: String,
    pub(super) impact: Option<i64>,
    pub(super) email: Option<String>,
    pub(super) contact_consent: bool,
    pub(super) page_url: Option<String>,
    pub(super) received_at: Millis,
    pub(super) page_path: Option<String>,
    pub(super) device: Option<String>,
    pub(super) browser: Option<String>,
    pub(super) locale: Option<String>,
    pub(super) visitor: Option<String>,
    pub(super) user_id: Option<String>,
    pub(super) attributes: String,
}

impl ComplaintRow {
    pub(super) fn read(self) -> StoreResult<StoredComplaint> {
        use anyhow::Context as _;
        Ok(StoredComplaint {
            id: ResponseId::parse(&self.id).context("a stored complaint id is invalid")?,
            status: self.status,
            kind: match self.kind.as_str() {
                "suggestion" => ComplaintKind::Suggestion,
                _ => ComplaintKind::Problem,
            },
            category: self.category,
            description: self.description,
            impact: self.impact.and_then(|i| u8::try_from(i).ok()),
            email: self.email,
            contact_consent: self.contact_consent,
            page_url: self.page_url,
            received_at: self.received_at,
            enrichment: Enrichment {
                page_path: self.page_path,
                device: self.device,
                browser: self.browser,
                locale: self.locale,
                visitor: self.visitor,
                user_id: self.user_id,
                email: None,
                attributes: serde_json::from_str(&self.attributes)
                    .context("stored attributes are invalid")?,
            },
        })
    }
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
