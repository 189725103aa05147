//! Shapes of the HTTP API that are not domain values: errors, acknowledgements, admin listings.

use crate::ids::{ResponseId, SiteKey, SurveyId};
use crate::survey::Answer;
use serde::{Deserialize, Serialize};

/// Every error the collector returns: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable, machine-readable code such as `invalid` or `unknown_site`.
    pub code: String,
    /// A sentence for the developer reading it.
    pub message: String,
}

/// The answer to an accepted `POST /api/v1/responses`: the row is committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub id: ResponseId,
}

/// One stored response, as admins list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub id: ResponseId,
    pub survey_id: SurveyId,
    pub answers: Vec<Answer>,
    pub page_url: Option<String>,
    /// When the collector committed it, RFC 3339 in UTC.
    pub received_at: String,
}

/// `GET /api/v1/admin/sites/{site_key}/responses`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseList {
    pub site_key: SiteKey,
    pub responses: Vec<StoredResponse>,
}

/// `GET /api/v1/admin/me`: who the caller is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub site_key: SiteKey,
    pub site_name: String,
    pub role: String,
}
