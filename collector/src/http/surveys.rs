//! `/api/v1/admin/sites/{site_key}/surveys…`: a site's surveys. Every edit makes a new version
//! (answers record the one they answered); only `active` surveys reach visitors, through the
//! config (whose ETag follows every change) and the hosted page. Read by viewers and up,
//! changed by admins and up, every change audited.
//!
//! Also `answered`, which ingest uses to find the version a submission answered.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::store::{SurveyRecord, SurveyStatus};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::api::{SurveyVersionInfo, SurveyVersionList};
use shared::{ResponseSubmission, SiteKey, Survey, SurveyDraft, SurveyId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update))
        .routes(routes!(set_status))
        .routes(routes!(versions))
}

/// A survey as admins see it: the current version, with its status beside its fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Listed {
    status: SurveyStatus,
    #[serde(flatten)]
    survey: Survey,
}

impl From<SurveyRecord> for Listed {
    fn from(r: SurveyRecord) -> Self {
        Self {
            status: r.status,
            survey: r.survey,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SurveyList {
    site_key: SiteKey,
    surveys: Vec<Listed>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: SurveyStatus,
}

/// A `shared::Survey` from a body: malformed JSON is a 400; a body of the wrong shape a 422 in
/// serde's words; a survey that `Survey::check` refuses a 422 with its reason and the field it
/// names (`error.field`), so that the builder shows it by that field.
fn survey_body(body: Result<Json<Value>, JsonRejection>) -> Result<Survey, ApiError> {
    let Json(value) = body?;
    let draft: SurveyDraft =
        serde_json::from_value(value).map_err(|e| ApiError::Invalid(e.to_string()))?;
    Survey::try_from(draft).map_err(ApiError::Refused)
}

fn survey_id(id: String) -> Result<SurveyId, ApiError> {
    SurveyId::parse(id).map_err(|_| ApiError::NotFound("this site has no survey with this id"))
}

/// A site's surveys with their status and current version (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/surveys",
    operation_id = "list_surveys",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, surveys: [...]}`", body = SurveyList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<SurveyList>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let key = grant.site.key.clone();
    let surveys = state.store.surveys(&key).await?;
    Ok(Json(SurveyList {
        site_key: key,
        surveys: surveys.into_iter().map(Listed::from).collect(),
    }))
}

/// Adds a survey as version 1, paused (admin and up, audited).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/surveys",
    operation_id = "create_survey",
    tag = super::openapi::ADMIN,
    request_body(content = shared::Survey, description = "`shared::Survey`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "The survey with its status", body = Listed),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 409, description = "Already exists", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
/// Adds a survey as version 1, `paused` until an admin activates it.
#[tracing::instrument(skip(state, caller, body))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let key = grant.site.key.clone();
    let survey = survey_body(body)?;
    let survey = state
        .store
        .create_survey(&key, &survey, SurveyStatus::Paused, state.clock.now_ms())
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => {
                ApiError::Conflict(format!("site {key} already has a survey {}", survey.id))
            }
            other => other.into(),
        })?;
    // This process answers with the change at once; others within the cache's TTL.
    state.site_cache.forget(&key);
    audit_change(
        &state,
        &caller,
        &key,
        "survey.create",
        format!("survey={} version={}", survey.id, survey.version),
    )
    .await?;
    let listed = Listed {
        status: SurveyStatus::Paused,
        survey,
    };
    Ok((StatusCode::CREATED, Json(listed)).into_response())
}

/// One survey with its status (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/surveys/{survey_id}",
    operation_id = "read_survey",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("survey_id" = String, Path, description = "The survey's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The survey with its status", body = Listed),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such site or item", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
) -> Result<Json<Listed>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    listed(&state, &grant.site.key, &survey_id(id)?).await
}

/// Replaces a survey as its next version (admin and up, audited).
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/surveys/{survey_id}",
    tag = super::openapi::ADMIN,
    request_body(content = shared::Survey, description = "`shared::Survey`"),
    params(("site_key" = String, Path, description = "The site's key"), ("survey_id" = String, Path, description = "The survey's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new version with its status", body = Listed),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such site or item", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
/// Replaces a survey as its next version; the status stays.
#[tracing::instrument(skip(state, caller, body))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Listed>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let key = grant.site.key.clone();
    let id = survey_id(id)?;
    let survey = survey_body(body)?;
    if survey.id != id {
        return Err(ApiError::Invalid(format!(
            "the body is survey {}, the path names {id}",
            survey.id
        )));
    }
    let survey = state
        .store
        .update_survey(&key, &survey, state.clock.now_ms())
        .await?
        .ok_or(ApiError::NotFound("this site has no survey with this id"))?;
    state.site_cache.forget(&key);
    audit_change(
        &state,
        &caller,
        &key,
        "survey.update",
        format!("survey={id} version={}", survey.version),
    )
    .await?;
    listed(&state, &key, &id).await
}

/// Activates, pauses or archives a survey (admin and up, audited).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/surveys/{survey_id}/status",
    operation_id = "set_survey_status",
    tag = super::openapi::ADMIN,
    request_body(content = StatusChange, description = "`{\"status\": \"active\" | \"paused\" | \"archived\"}`"),
    params(("site_key" = String, Path, description = "The site's key"), ("survey_id" = String, Path, description = "The survey's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The survey with its new status", body = Listed),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such site or item", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
/// `{"status": "active" | "paused" | "archived"}`.
#[tracing::instrument(skip(state, caller, body))]
async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Listed>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let key = grant.site.key.clone();
    let id = survey_id(id)?;
    let Json(value) = body?;
    let StatusChange { status } = serde_json::from_value(value).map_err(|e| {
        ApiError::Invalid(format!(
            "the body is {{\"status\": \"active\" | \"paused\" | \"archived\"}}: {e}"
        ))
    })?;
    if !state.store.set_survey_status(&key, &id, status).await? {
        return Err(ApiError::NotFound("this site has no survey with this id"));
    }
    state.site_cache.forget(&key);
    audit_change(
        &state,
        &caller,
        &key,
        "survey.status",
        format!("survey={id} status={}", status.as_str()),
    )
    .await?;
    listed(&state, &key, &id).await
}

/// Every kept version of a survey, oldest first: when it was saved, its name, how many
/// questions it had and how many responses answered it (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/surveys/{survey_id}/versions",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("survey_id" = String, Path, description = "The survey's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{survey_id, versions: [{version, created_at, name, questions, answers}]}`, oldest first", body = shared::api::SurveyVersionList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such site or item", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
) -> Result<Json<SurveyVersionList>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let id = survey_id(id)?;
    let versions = state
        .store
        .survey_versions(&grant.site.key, &id)
        .await?
        .ok_or(ApiError::NotFound("this site has no survey with this id"))?;
    Ok(Json(SurveyVersionList {
        survey_id: id,
        versions: versions
            .into_iter()
            .map(|v| SurveyVersionInfo {
                version: v.version,
                created_at: crate::clock::rfc3339(v.created_at),
                name: v.name,
                questions: v.questions,
                answers: v.answers,
            })
            .collect(),
    }))
}

/// The definition a submission is checked against, `current` being the survey's active
/// version: the version the submission names when that version was kept, otherwise the current
/// one. Records the version used in the submission, which stores it with the answer.
pub(crate) async fn answered<'a>(
    state: &AppState,
    submission: &mut ResponseSubmission,
    current: &'a Survey,
) -> Result<std::borrow::Cow<'a, Survey>, ApiError> {
    use std::borrow::Cow;
    let survey = match submission.survey_version {
        Some(v) if v != current.version => state
            .store
            .survey_version(&submission.site_key, &submission.survey_id, v)
            .await?
            .map_or(Cow::Borrowed(current), Cow::Owned),
        _ => Cow::Borrowed(current),
    };
    submission.survey_version = Some(survey.version);
    Ok(survey)
}

/// Survey `id` of site `key` as admins see it (with its status and version), or 404.
async fn listed(state: &AppState, key: &SiteKey, id: &SurveyId) -> Result<Json<Listed>, ApiError> {
    let record = state
        .store
        .survey(key, id)
        .await?
        .ok_or(ApiError::NotFound("this site has no survey with this id"))?;
    Ok(Json(record.into()))
}
