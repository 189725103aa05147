//! E-mail in's storage: each site's intake address, and the files that came with a customer's
//! e-mail, kept with their case (`complaint_attachments`, migration 0029). A supertrait of
//! `Store`; its SQL is written once for both engines (`mail_sql.rs`). Attachments are written
//! with the change that records them (`CaseChange::attachments`, in `case_sql.rs`).

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use shared::{ResponseId, SiteKey};

/// A file to keep with a case, checked already (`mail_in::attachment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub filename: String,
    pub declared_type: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A kept file, as listed: everything but its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub id: i64,
    pub filename: String,
    pub declared_type: String,
    pub content_type: String,
    pub size: u64,
    pub received_at: Millis,
}

#[async_trait]
pub trait MailStore: Send + Sync + 'static {
    /// The site's intake address; `None` until set. `Err` only for a failing database; an
    /// unknown site is `Ok(None)` too.
    async fn mail_intake(&self, site: &SiteKey) -> StoreResult<Option<String>>;

    /// Sets (or, with `None`, clears) the site's intake address, lower case;
    /// `Conflict("sites.mail_intake")` when another site has it; false for an unknown site.
    async fn set_mail_intake(&self, site: &SiteKey, address: Option<&str>) -> StoreResult<bool>;

    /// The site whose intake address `address` (lower case) is.
    async fn site_by_intake(&self, address: &str) -> StoreResult<Option<SiteKey>>;

    /// The site of the complaint `id`, if it exists.
    async fn complaint_site(&self, id: &ResponseId) -> StoreResult<Option<SiteKey>>;

    /// The case's kept files, oldest first.
    async fn attachments(&self, id: &ResponseId) -> StoreResult<Vec<AttachmentRecord>>;

    /// One kept file of a case of `site`, with its content.
    async fn attachment(
        &self,
        site: &SiteKey,
        id: &ResponseId,
        attachment: i64,
    ) -> StoreResult<Option<(AttachmentRecord, Vec<u8>)>>;
}
