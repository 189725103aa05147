//! `POST /api/v1/admin/sites`: a new site, made from the dashboard (who may: `sites.rs`), and
//! `GET /api/v1/admin/sites/{site_key}/sightings`: where the site's snippet was seen.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::clock::rfc3339;
use crate::sites::{self, FirstSurvey};
use crate::store::SurveyStatus;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::Survey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(sightings))
}

/// `POST /api/v1/admin/sites`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSite {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    name: String,
    /// `scheme://host[:port]` each (blank entries are left out), 1 to 50.
    #[schema(min_items = 1, max_items = 50, inline, value_type = Vec<super::openapi::Origin>)]
    origins: Vec<String>,
    /// A `shared::Survey` to start with instead of the default NPS survey.
    #[serde(default)]
    #[schema(value_type = Option<shared::Survey>)]
    survey: Option<Value>,
    /// `active` (the default) or `paused`.
    #[serde(default)]
    survey_status: Option<SurveyStatus>,
}

/// Creates a site, its creator its owner (a signed-in owner of a site, audited on the new site).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites",
    operation_id = "create_site",
    tag = super::openapi::ADMIN,
    request_body(content = NewSite, description = "`{\"name\", \"origins\": [...], \"survey\"?: shared::Survey, \"survey_status\"?: \"active\" | \"paused\"}`"),
    security(("session" = [])),
    responses(
        (status = 201, description = "`{site_key, site_name, role, origins, survey}`: the new site, whose owner the caller is, and its first survey's id", body = super::openapi::CreatedSite),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "An API token, or a user who owns no site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, naming each bad field (`name`, `origins[1]`, `survey`)", body = super::openapi::ErrorDoc),
    )
)]
/// Creates a site with its allowed origins and, optionally, its first survey in place of the
/// default NPS one. Everything is checked before anything is made.
#[tracing::instrument(skip(state, caller, body))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewSite>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Some(user_id) = caller.user_id() else {
        return Err(ApiError::Forbidden(
            "an API token belongs to one site: sign in to create a site".into(),
        ));
    };
    if !sites::may_create_site(caller.grants()) {
        return Err(ApiError::Forbidden(
            "creating a site needs the owner role on a site".into(),
        ));
    }
    let Json(request) = body?;
    let mut problems = Vec::new();
    let name = sites::site_name(&request.name)
        .map_err(|e| problems.push(("name".to_owned(), e)))
        .ok();
    let origins = sites::origins(&request.origins)
        .map_err(|e| problems.extend(e))
        .ok();
    let first = match request.survey {
        None => None,
        Some(value) => match serde_json::from_value::<Survey>(value) {
            Ok(survey) => match survey.check() {
                Ok(()) => Some(FirstSurvey {
                    survey,
                    status: request.survey_status.unwrap_or(SurveyStatus::Active),
                }),
                Err(e) => {
                    problems.push(("survey".to_owned(), e.message().to_owned()));
                    None
                }
            },
            Err(e) => {
                problems.push(("survey".to_owned(), e.to_string()));
                None
            }
        },
    };
    if request.survey_status == Some(SurveyStatus::Archived) {
        problems.push((
            "survey_status".to_owned(),
            "a first survey starts active or paused".to_owned(),
        ));
    }
    let (Some(name), Some(origins), true) = (name, origins, problems.is_empty()) else {
        return Err(ApiError::Invalid(sites::say(&problems)));
    };
    let now = state.clock.now_ms();
    let site = sites::create(
        state.store.as_ref(),
        &name,
        &origins,
        first.as_ref(),
        user_id,
        now,
    )
    .await?;
    let survey = first.as_ref().map(|f| f.survey.id.to_string());
    audit_change(
        &state,
        &caller,
        &site.key,
        "site.create",
        format!(
            "origins={}{}",
            site.origins.join(","),
            first
                .as_ref()
                .map(|f| format!(" survey={} status={}", f.survey.id, f.status.as_str()))
                .unwrap_or_default()
        ),
    )
    .await?;
    let created = json!({
        "site_key": site.key, "site_name": site.name, "role": Role::Owner.to_string(),
        "origins": site.origins, "survey": survey,
    });
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Where the site's snippet was seen: each origin whose pages fetched its config, when one
/// last did, and whether the site still allows it (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/sightings",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, origins, sightings: [{origin, last_seen, allowed}], now}`: the latest first, and the collector's time (to say how long ago)", body = super::openapi::Sightings),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn sightings(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let key = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let site = state.store.site(&key).await?.ok_or(ApiError::UnknownSite)?;
    let seen: Vec<Value> = state
        .store
        .sightings(&key)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "allowed": site.allows_origin(&s.origin),
                "origin": s.origin,
                "last_seen": rfc3339(s.last_seen_at),
            })
        })
        .collect();
    Ok(Json(json!({
        "site_key": key, "origins": site.origins, "sightings": seen, "now": rfc3339(state.clock.now_ms()),
    })))
}
