//! A site's service levels under `/api/v1/admin/sites/{site_key}/`: its business hours, its SLA
//! policies and its hot-stove rules (viewers read them, admins replace them, audited). What is wrong with a setting
//! is a 422 naming each field, and nothing is stored.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::complaints::cases::{self, CaseError};
use crate::complaints::hot_stove;
use crate::complaints::share::Destinations;
use crate::sla::{policy, Calendar, Problem};
use crate::store::case_store::SiteDocument;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use shared::case::HotStoveRules;
use shared::sla::{BusinessHours, SlaPolicies};
use shared::SiteKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(business_hours, set_business_hours))
        .routes(routes!(sla_policies, set_sla_policies))
        .routes(routes!(hot_stove, set_hot_stove))
        .routes(routes!(share_destinations, set_share_destinations))
}

fn site(caller: &Caller, site_key: &str, role: Role) -> Result<SiteKey, ApiError> {
    Ok(caller.on_site(site_key, role)?.site.key.clone())
}

fn invalid(problems: Vec<Problem>) -> ApiError {
    let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
    ApiError::Invalid(all.join("; "))
}

async fn read<T: serde::de::DeserializeOwned + Default>(
    state: &AppState,
    site: &SiteKey,
    doc: SiteDocument,
) -> Result<T, ApiError> {
    Ok(cases::document(state.store.as_ref(), site, doc)
        .await
        .map_err(|e| match e {
            CaseError::NotFound(_) => ApiError::UnknownSite,
            other => other.into(),
        })?
        .unwrap_or_default())
}

async fn write<T: serde::Serialize>(
    state: &AppState,
    site: &SiteKey,
    doc: SiteDocument,
    value: &T,
) -> Result<(), ApiError> {
    let json = serde_json::to_string(value).map_err(|e| ApiError::Internal(e.into()))?;
    if state.store.set_site_document(site, doc, &json).await? {
        Ok(())
    } else {
        Err(ApiError::UnknownSite)
    }
}

/// The site's business hours: time zone, working intervals per weekday, holidays, or 24×7
/// (viewer and up). Until set, Monday to Friday 09:00–17:00 UTC.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/business-hours",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::sla::BusinessHours`", body = BusinessHours),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn business_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<BusinessHours>, ApiError> {
    let site = site(&caller, &site_key, Role::Viewer)?;
    Ok(Json(
        read(&state, &site, SiteDocument::BusinessHours).await?,
    ))
}

/// Replaces the site's business hours (admin and up, audited). Running SLA timers count in the
/// new hours from their next change.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/business-hours",
    tag = super::openapi::ADMIN,
    request_body(content = BusinessHours, description = "`shared::sla::BusinessHours`: `{time_zone: \"Europe/Berlin\", always_open: false, week: [{day: \"mon\", start: \"09:00\", end: \"17:00\"}], holidays: [\"2026-12-25\"]}`; an end at or before its start runs overnight"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new `shared::sla::BusinessHours`", body = BusinessHours),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "An unknown time zone, a bad time or date, overlapping intervals: each named by its field", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_business_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<BusinessHours>, JsonRejection>,
) -> Result<Json<BusinessHours>, ApiError> {
    let site = site(&caller, &site_key, Role::Admin)?;
    let hours = request?.0;
    Calendar::parse(&hours).map_err(invalid)?;
    write(&state, &site, SiteDocument::BusinessHours, &hours).await?;
    let summary = if hours.always_open {
        format!("{}, 24×7", hours.time_zone)
    } else {
        format!("{}, {} intervals", hours.time_zone, hours.week.len())
    };
    audit_change(&state, &caller, &site, "business_hours.update", summary).await?;
    Ok(Json(hours))
}

/// The site's SLA policies: per priority, the first-response, next-response and resolution
/// targets in business minutes, the warning share and the escalation ladder (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/sla-policies",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::sla::SlaPolicies`", body = SlaPolicies),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn sla_policies(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<SlaPolicies>, ApiError> {
    let site = site(&caller, &site_key, Role::Viewer)?;
    Ok(Json(read(&state, &site, SiteDocument::SlaPolicies).await?))
}

/// Replaces the site's SLA policies (admin and up, audited). A case's timers keep the targets
/// they started with; cases filed from now on get the new ones.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/sla-policies",
    tag = super::openapi::ADMIN,
    request_body(content = SlaPolicies, description = "`shared::sla::SlaPolicies`: `{policies: [{priority: \"P1\", first_response: 60, next_response: 60, resolution: 480, warn_at_percent: 80, escalation: [{after_minutes: 0, actions: [{action: \"notify\", to: \"admins\"}]}]}]}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new `shared::sla::SlaPolicies`", body = SlaPolicies),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad target, warning share or ladder, or a user who is not an agent of the site: each named by its field", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_sla_policies(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<SlaPolicies>, JsonRejection>,
) -> Result<Json<SlaPolicies>, ApiError> {
    let site = site(&caller, &site_key, Role::Admin)?;
    let policies = request?.0;
    policy::check(&policies).map_err(invalid)?;
    let agents = state.store.agents(&site).await?;
    let mut problems = Vec::new();
    for (i, p) in policies.policies.iter().enumerate() {
        for (j, level) in p.escalation.iter().enumerate() {
            for (k, action) in level.actions.iter().enumerate() {
                let users: Vec<i64> = match action {
                    shared::sla::EscalationAction::Notify {
                        to: shared::sla::Recipients::Users(ids),
                    } => ids.clone(),
                    shared::sla::EscalationAction::Reassign {
                        to: shared::sla::Reassignee::User(id),
                    } => vec![*id],
                    _ => Vec::new(),
                };
                for u in users.iter().filter(|u| !agents.iter().any(|a| a.id == **u)) {
                    problems.push(Problem::new(
                        format!("policies[{i}].escalation[{j}].actions[{k}]"),
                        format!("user {u} is not an agent of this site"),
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    write(&state, &site, SiteDocument::SlaPolicies, &policies).await?;
    audit_change(
        &state,
        &caller,
        &site,
        "sla_policies.update",
        format!("{} policies", policies.policies.len()),
    )
    .await?;
    Ok(Json(policies))
}

/// The site's hot-stove rules: complaints that make a case P1 and alert the team at once
/// (viewer and up). Until set, money taken twice and checkouts that fail, in each of the
/// widget's languages.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/hot-stove",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::HotStoveRules`", body = HotStoveRules),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn hot_stove(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<HotStoveRules>, ApiError> {
    let site = site(&caller, &site_key, Role::Viewer)?;
    Ok(Json(read(&state, &site, SiteDocument::HotStove).await?))
}

/// Replaces the site's hot-stove rules (admin and up, audited). A complaint that meets every
/// condition a rule sets (any of its phrases, its category, a minimum impact, a spike of its
/// category) is hot.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/hot-stove",
    tag = super::openapi::ADMIN,
    request_body(content = HotStoveRules, description = "`shared::case::HotStoveRules`: `{rules: [{name, phrases: [\"charged twice\"], category?, min_impact?, spike?: {count, minutes}}]}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new `shared::case::HotStoveRules`", body = HotStoveRules),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A rule with no condition, a bad phrase, impact or spike, or a category the site does not have: each named by its field", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_hot_stove(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<HotStoveRules>, JsonRejection>,
) -> Result<Json<HotStoveRules>, ApiError> {
    let site = site(&caller, &site_key, Role::Admin)?;
    let rules = request?.0;
    let settings = state
        .store
        .site_settings(&site)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    let problems = hot_stove::problems(&rules, &settings.categories);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    write(&state, &site, SiteDocument::HotStove, &rules).await?;
    audit_change(
        &state,
        &caller,
        &site,
        "hot_stove.update",
        format!("{} rules", rules.rules.len()),
    )
    .await?;
    Ok(Json(rules))
}

/// Where the team shares feedback (viewer and up): named destinations, each an e-mail address
/// and/or the `feedback.shared` webhook event. None until an admin sets them.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/share-destinations",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"destinations\": [{name, email?, webhook}]}`", body = Destinations),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn share_destinations(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<Destinations>, ApiError> {
    let site = site(&caller, &site_key, Role::Viewer)?;
    Ok(Json(
        read(&state, &site, SiteDocument::ShareDestinations).await?,
    ))
}

/// Replaces the site's share destinations (admin and up, audited).
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/share-destinations",
    tag = super::openapi::ADMIN,
    request_body(content = Destinations, description = "`{\"destinations\": [{\"name\": \"Product team\", \"email\": \"product@example.com\", \"webhook\": false}]}`: at most 20, names 1 to 60 characters and unique, each with an address, `webhook: true`, or both"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new destinations", body = Destinations),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "Each problem named by its field", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_share_destinations(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<Destinations>, JsonRejection>,
) -> Result<Json<Destinations>, ApiError> {
    let site = site(&caller, &site_key, Role::Admin)?;
    let destinations = request?.0;
    let problems = crate::complaints::share::problems(&destinations);
    if !problems.is_empty() {
        let all: Vec<String> = problems
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect();
        return Err(ApiError::Invalid(all.join("; ")));
    }
    write(
        &state,
        &site,
        SiteDocument::ShareDestinations,
        &destinations,
    )
    .await?;
    audit_change(
        &state,
        &caller,
        &site,
        "share_destinations.update",
        format!("{} destinations", destinations.destinations.len()),
    )
    .await?;
    Ok(Json(destinations))
}
