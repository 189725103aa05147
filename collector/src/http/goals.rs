//! SMART service goals, under `/api/v1/admin/sites/{site_key}/goals`: viewers read them with
//! their progress and forecast (`insight::goal_progress`); admins set and delete them (audited).

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::insight::{goal_progress, goals};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use shared::insight::{Goal, NewGoal};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(remove))
}

/// A site has at most this many goals.
const MAX_GOALS: usize = 50;

/// A site's goals, each with its weeks, baseline, current value, progress, forecast and status
/// (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/goals",
    operation_id = "list_goals",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The goals, oldest first", body = Vec<Goal>),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<Vec<Goal>>, ApiError> {
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let now = state.clock.now_ms();
    let mut out = Vec::new();
    for stored in state.store.goals(&site).await? {
        out.push(
            goal_progress::read(state.store.as_ref(), &site, &stored.spec, now)
                .await
                .map_err(ApiError::Internal)?,
        );
    }
    Ok(Json(out))
}

/// Sets a goal (admin and up, audited); it is checked every morning, and `goal.at_risk` goes out
/// when its forecast slips off track.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/goals",
    operation_id = "create_goal",
    tag = super::openapi::ADMIN,
    request_body = NewGoal,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "The goal with its progress", body = Goal),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad field (the message names it), or 50 goals already", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<NewGoal>, JsonRejection>,
) -> Result<(StatusCode, Json<Goal>), ApiError> {
    let site = caller.on_site(&site_key, Role::Admin)?.site.key.clone();
    let new = request?.0;
    let mut spec = goals::check(&new).map_err(|problems| {
        let text: Vec<String> = problems
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect();
        ApiError::Invalid(text.join("; "))
    })?;
    if let Some(segment) = &spec.segment {
        let valid = segment
            .split_once(':')
            .is_some_and(|(d, v)| crate::insight::rollup::is_dimension(d) && !v.is_empty());
        if !valid {
            return Err(ApiError::Invalid(format!(
                "segment: {}",
                crate::insight::rollup::SEGMENT_FORMAT
            )));
        }
    }
    if state.store.goals(&site).await?.len() >= MAX_GOALS {
        return Err(ApiError::Invalid(format!(
            "a site has at most {MAX_GOALS} goals"
        )));
    }
    let now = state.clock.now_ms();
    spec.id = state
        .store
        .create_goal(&site, &spec, now, goal_progress::next_check(now))
        .await?;
    state.jobs.notify_one();
    audit_change(&state, &caller, &site, "goal.create", spec.name.clone()).await?;
    let goal = goal_progress::read(state.store.as_ref(), &site, &spec, now)
        .await
        .map_err(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(goal)))
}

/// Deletes a goal (admin and up, audited).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/sites/{site_key}/goals/{id}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("id" = i64, Path, description = "The goal's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A malformed id", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such goal", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let site = caller.on_site(&site_key, Role::Admin)?.site.key.clone();
    if !state.store.delete_goal(&site, id).await? {
        return Err(ApiError::NotFound("no such goal"));
    }
    audit_change(&state, &caller, &site, "goal.delete", id.to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}
