//! What a site is configured with and what its visitors report, beside the answers: the widget's
//! settings, the surveys and their versions (complaints are `CaseStore`'s). A supertrait of `Store`, so that
//! every `Arc<dyn Store>` has it; implemented for each engine in `sqlite_site.rs` and
//! `postgres_site.rs`.

use super::StoreResult;
use crate::clock::Millis;
use async_trait::async_trait;
use shared::{ComplaintKind, SiteKey, SiteSettings, Survey, SurveyId};

/// Where a survey is in its life: only `active` ones are shown to visitors.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    Active,
    Paused,
    Archived,
}

impl SurveyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Active => "active",
            SurveyStatus::Paused => "paused",
            SurveyStatus::Archived => "archived",
        }
    }

    pub(super) fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "active" => Ok(SurveyStatus::Active),
            "paused" => Ok(SurveyStatus::Paused),
            "archived" => Ok(SurveyStatus::Archived),
            other => Err(anyhow::anyhow!("a stored survey status {other:?} is unknown").into()),
        }
    }
}

/// A survey as admins manage it: its current version and its status.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRecord {
    /// The current version (`survey.version`).
    pub survey: Survey,
    pub status: SurveyStatus,
}

/// One kept version of a survey, with how many responses answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyVersion {
    pub version: u32,
    pub created_at: Millis,
    pub name: String,
    pub questions: u32,
    pub answers: u64,
}

/// A `survey_versions` row as `SurveyVersion`: the definition as it was written (a version
/// stored under an older check still lists).
pub(super) fn read_version(
    version: i64,
    created_at: Millis,
    definition: &str,
    answers: i64,
) -> StoreResult<SurveyVersion> {
    use anyhow::Context as _;
    let survey = serde_json::from_str::<shared::SurveyDraft>(definition)
        .context("a stored survey version is unreadable")?
        .unchecked();
    Ok(SurveyVersion {
        version: u32::try_from(version).context("a stored version is out of range")?,
        created_at,
        name: survey.name,
        questions: u32::try_from(survey.questions.len()).unwrap_or(u32::MAX),
        answers: u64::try_from(answers).unwrap_or(0),
    })
}

pub(super) fn read_survey(definition: &str, status: &str) -> StoreResult<SurveyRecord> {
    use anyhow::Context as _;
    Ok(SurveyRecord {
        survey: serde_json::from_str(definition).context("a stored survey is invalid")?,
        status: SurveyStatus::parse(status)?,
    })
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

    /// Every survey of a site, in creation order, whatever its status.
    async fn surveys(&self, site: &SiteKey) -> StoreResult<Vec<SurveyRecord>>;

    async fn survey(&self, site: &SiteKey, id: &SurveyId) -> StoreResult<Option<SurveyRecord>>;

    /// Adds a survey as version 1 with `status`; `Conflict("surveys.key")` when the site has a
    /// survey with its id. Returns the survey as stored.
    async fn create_survey(
        &self,
        site: &SiteKey,
        survey: &Survey,
        status: SurveyStatus,
        now: Millis,
    ) -> StoreResult<Survey>;

    /// Replaces a survey's questions and settings as a new version (the current one + 1),
    /// keeping the earlier versions; `None` when the site has no such survey.
    async fn update_survey(
        &self,
        site: &SiteKey,
        survey: &Survey,
        now: Millis,
    ) -> StoreResult<Option<Survey>>;

    /// false when the site has no such survey.
    async fn set_survey_status(
        &self,
        site: &SiteKey,
        id: &SurveyId,
        status: SurveyStatus,
    ) -> StoreResult<bool>;

    /// Every kept version of a survey, oldest first, with how many responses answered each
    /// (from the insight rollups' count of responses by version, not by reading the answers);
    /// `None` when the site has no such survey.
    async fn survey_versions(
        &self,
        site: &SiteKey,
        id: &SurveyId,
    ) -> StoreResult<Option<Vec<SurveyVersion>>>;

    /// One version of a survey, if it was kept.
    async fn survey_version(
        &self,
        site: &SiteKey,
        id: &SurveyId,
        version: u32,
    ) -> StoreResult<Option<Survey>>;
}

pub(super) fn kind_name(kind: ComplaintKind) -> &'static str {
    match kind {
        ComplaintKind::Problem => "problem",
        ComplaintKind::Suggestion => "suggestion",
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

/// A response's attributes as stored: NULL when there are none.
pub(super) fn attributes_json(
    attributes: &std::collections::BTreeMap<String, String>,
) -> StoreResult<Option<String>> {
    if attributes.is_empty() {
        Ok(None)
    } else {
        encode(attributes).map(Some)
    }
}

pub(super) fn read_attributes(
    json: Option<String>,
) -> StoreResult<std::collections::BTreeMap<String, String>> {
    use anyhow::Context as _;
    match json {
        None => Ok(Default::default()),
        Some(j) => Ok(serde_json::from_str(&j).context("stored attributes are invalid")?),
    }
}
