//! `POST /api/v1/responses`: the ingest pipeline for survey answers.
//!
//! parse (size, media type, JSON) → identify the site and check the origin → validate with
//! `shared`, against the survey → store. The 2xx goes out only after the row is committed.

use super::{cors, ApiError, AppState, MAX_BODY};
use crate::store::Stored;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use shared::api::Accepted;
use shared::{ResponseSubmission, SiteKey};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/responses", post(submit).options(cors::preflight))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // Errors found after the origin is known to be allowed are readable by the widget too.
    let mut allowed_origin = None;
    let mut response = match accept(&state, &headers, body, &mut allowed_origin).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    cors::allow(&mut response, allowed_origin.as_deref());
    response
}

#[tracing::instrument(skip_all, fields(site, outcome))]
async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    allowed_origin: &mut Option<String>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::Malformed(r.body_text())
        }
    })?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(
        media_type.as_deref(),
        Some("application/json" | "text/plain")
    ) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Malformed(format!("the body is not valid JSON: {e}")))?;

    let key = value
        .get("site_key")
        .and_then(|k| k.as_str())
        .ok_or_else(|| ApiError::Invalid("site_key is missing or not a string".into()))?;
    let key = SiteKey::parse(key).map_err(|e| ApiError::Invalid(e.to_string()))?;
    tracing::Span::current().record("site", key.as_str());
    let site = state.store.site(&key).await?.ok_or(ApiError::UnknownSite)?;
    match cors::request_origin(headers) {
        Some(o) if site.allows_origin(o) => *allowed_origin = Some(o.to_owned()),
        Some(o) => {
            return Err(ApiError::OriginNotAllowed(format!(
                "site {key} does not allow the origin {o}"
            )))
        }
        None => {
            return Err(ApiError::OriginNotAllowed(
                "answers must come with an Origin header".into(),
            ))
        }
    }

    let submission: ResponseSubmission =
        serde_json::from_value(value).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let survey = state
        .store
        .active_surveys(&key)
        .await?
        .into_iter()
        .find(|s| s.id == submission.survey_id)
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "site {key} has no active survey {}",
                submission.survey_id
            ))
        })?;
    submission
        .check_against(&survey)
        .map_err(|e| ApiError::Invalid(e.to_string()))?;

    let stored = state
        .store
        .insert_response(&submission, state.clock.now_ms())
        .await?;
    tracing::Span::current().record("outcome", format!("{stored:?}"));
    let status = match stored {
        Stored::Created => StatusCode::CREATED,
        Stored::Replayed => StatusCode::OK,
    };
    Ok((status, Json(Accepted { id: submission.id })).into_response())
}
