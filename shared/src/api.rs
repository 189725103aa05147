//! Shapes of the HTTP API that are not domain values: errors, acknowledgements, admin listings.

use crate::answer::Answer;
use crate::ids::{ResponseId, SiteKey, SurveyId};
use serde::{Deserialize, Serialize};

/// Every error the collector returns: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable, machine-readable code such as `invalid` or `unknown_site`.
    pub code: String,
    /// A sentence for the developer reading it.
    pub message: String,
    /// For `invalid_transition`: the statuses the case may go to instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// For `invalid`, where the check knows it: the refused field's path in the body
    /// (`questions[2].branches[0].goto`), as [`crate::Invalid::field`] names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The answer to an accepted `POST /api/v1/responses`: the row is committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    pub id: ResponseId,
}

/// One stored response, as admins list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredResponse {
    pub id: ResponseId,
    pub survey_id: SurveyId,
    pub answers: Vec<Answer>,
    pub page_url: Option<String>,
    /// When the collector committed it, RFC 3339 in UTC.
    pub received_at: String,
    /// The path of `page_url`, without query or fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_path: Option<String>,
    /// `desktop`, `mobile`, `tablet`, `bot` or `other`, from the `User-Agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The browser family, from the `User-Agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// The first tag of the visitor's `Accept-Language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A salted hash that is the same for one visitor on one site for one UTC day only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<String>,
    /// Who the site said the respondent is, if it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `GET /api/v1/admin/sites/{site_key}/responses`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseList {
    pub site_key: SiteKey,
    pub responses: Vec<StoredResponse>,
}

/// `GET /api/v1/admin/me`: who the caller is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub site_key: SiteKey,
    pub site_name: String,
    pub role: String,
}

/// A caller's role on one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteRole {
    pub site_key: SiteKey,
    pub site_name: String,
    /// `owner`, `admin`, `agent` or `viewer`.
    pub role: String,
}

/// A dashboard session: the answer to `POST /api/v1/admin/session` and, for a session's caller,
/// to `GET /api/v1/admin/me` (an API token's caller gets `Me`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub email: String,
    /// Send it as `X-CSRF-Token` with every change made with the session cookie.
    pub csrf_token: String,
    pub sites: Vec<SiteRole>,
}

/// The body of `POST /api/v1/admin/sites/{site_key}/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewToken {
    #[cfg_attr(feature = "openapi", schema(pattern = "^(owner|admin|agent|viewer)$"))]
    pub role: String,
}

/// A new API token, shown this once: only its hash is stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub id: i64,
    pub site_key: SiteKey,
    pub role: String,
    pub token: String,
}

impl core::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("site_key", &self.site_key)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// One of a site's API tokens, as `GET /api/v1/admin/sites/{site_key}/tokens` lists it: never
/// its secret, which only the answer that made it showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    pub id: i64,
    pub role: String,
    /// RFC 3339 in UTC.
    pub created_at: String,
}

/// `GET /api/v1/admin/sites/{site_key}/tokens`: the site's unrevoked tokens, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenList {
    pub site_key: SiteKey,
    pub tokens: Vec<TokenInfo>,
}

/// One line of a site's audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLine {
    /// RFC 3339 in UTC.
    pub at: String,
    /// A user's e-mail address, or `token:<id>`.
    pub actor: String,
    /// What happened, like `token.create`.
    pub action: String,
    pub detail: String,
}

/// `GET /api/v1/admin/sites/{site_key}/audit`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditList {
    pub site_key: SiteKey,
    pub entries: Vec<AuditLine>,
}

/// The label of a text's sentiment (its score −1 to 1 beside it): `negative`, `neutral` or
/// `positive`. Where the text's language has no lexicon, both are `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

/// One kept version of a survey, as
/// `GET /api/v1/admin/sites/{site_key}/surveys/{survey_id}/versions` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyVersionInfo {
    pub version: u32,
    /// When this version was saved, RFC 3339 in UTC.
    pub created_at: String,
    /// The survey's name in this version.
    pub name: String,
    /// How many questions this version has.
    pub questions: u32,
    /// How many responses answered this version (each answer keeps the version it answered).
    pub answers: u64,
}

/// `GET /api/v1/admin/sites/{site_key}/surveys/{survey_id}/versions`: every kept version,
/// oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyVersionList {
    pub survey_id: SurveyId,
    pub versions: Vec<SurveyVersionInfo>,
}
