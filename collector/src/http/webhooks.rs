//! A site's webhook endpoints under `/api/v1/admin/sites/{site_key}/webhooks` (admin and up,
//! audited): made with a URL the SSRF guard allows and shown their `whsec_` secret once; listed
//! without it; switched off and on; deleted; and their delivery log, each attempt with its
//! status and latency, with redelivery.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::clock::rfc3339;
use crate::notify::{ssrf, webhook};
use crate::store::notify_store::WebhookEndpoint;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::SiteKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(change, delete))
        .routes(routes!(deliveries))
        .routes(routes!(redeliver))
}

/// The most endpoints a site may have.
const MAX_ENDPOINTS: usize = 20;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewEndpoint {
    url: String,
    /// Event types; all when absent.
    #[serde(default)]
    events: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EndpointChange {
    enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Endpoint {
    id: i64,
    url: String,
    events: Option<Vec<String>>,
    enabled: bool,
    disabled_reason: Option<String>,
    /// Deliveries that failed in a row.
    failures: i64,
    created_at: String,
    /// Only in the answer that made the endpoint: it is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// `{"webhooks": [...]}`, for the document (the handler writes it as a value).
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct WebhookList {
    webhooks: Vec<Endpoint>,
}

/// `{"deliveries": [...]}`, newest first, for the document.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct DeliveryList {
    deliveries: Vec<DeliveryDoc>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct DeliveryDoc {
    id: i64,
    event_id: String,
    /// The event type, such as `complaint.created`.
    #[serde(rename = "type")]
    kind: String,
    /// `pending`, `delivered` or `failed`.
    status: String,
    /// RFC 3339 in UTC: the next attempt, if one is due.
    next_at: Option<String>,
    created_at: String,
    attempts: Vec<AttemptDoc>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct AttemptDoc {
    at: String,
    /// The receiver's HTTP status, if it answered.
    status: Option<u16>,
    latency_ms: i64,
    error: Option<String>,
}

fn wire(e: WebhookEndpoint, secret: Option<String>) -> Endpoint {
    Endpoint {
        id: e.id,
        url: e.url,
        events: e.events,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        failures: e.failures,
        created_at: rfc3339(e.created_at),
        secret,
    }
}

fn site(caller: &Caller, site_key: &str) -> Result<SiteKey, ApiError> {
    Ok(caller.on_site(site_key, Role::Admin)?.site.key.clone())
}

/// The site's webhook endpoints, oldest first, without their secrets (admin and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/webhooks",
    operation_id = "list_webhooks",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{webhooks: [{id, url, events, enabled, disabled_reason, failures, created_at}]}`", body = WebhookList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let site = site(&caller, &site_key)?;
    let all: Vec<Endpoint> = state
        .store
        .webhooks(&site)
        .await?
        .into_iter()
        .map(|e| wire(e, None))
        .collect();
    Ok(Json(serde_json::json!({ "webhooks": all })))
}

/// Adds an endpoint (admin and up, audited). The answer holds its `whsec_` secret, once. A URL
/// to a loopback, private or link-local address is refused unless the operator allows its
/// network (`webhook_allow`).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/webhooks",
    operation_id = "create_webhook",
    tag = super::openapi::ADMIN,
    request_body(content = NewEndpoint, description = "`{url, events?: [\"complaint.hot_stove\", …]}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "The endpoint, with its `secret` (shown once)", body = Endpoint),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A URL that is not http(s), has credentials or points inward; an unknown event type; too many endpoints", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<NewEndpoint>, JsonRejection>,
) -> Result<Response, ApiError> {
    let site = site(&caller, &site_key)?;
    let new = request?.0;
    let url = ssrf::check_url(new.url.trim(), &state.webhook_allow).map_err(ApiError::Invalid)?;
    if let Some(events) = &new.events {
        if events.is_empty() {
            return Err(ApiError::Invalid(
                "events: leave it out for every type, or name at least one".into(),
            ));
        }
        if let Some(bad) = events
            .iter()
            .find(|e| !webhook::EVENT_TYPES.contains(&e.as_str()))
        {
            return Err(ApiError::Invalid(format!(
                "events: no event type is called {bad:?}; the types are {}",
                webhook::EVENT_TYPES.join(", ")
            )));
        }
    }
    if state.store.webhooks(&site).await?.len() >= MAX_ENDPOINTS {
        return Err(ApiError::Invalid(format!(
            "a site has at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let secret = webhook::WebhookSecret::generate();
    let endpoint = state
        .store
        .create_webhook(
            &site,
            url.as_str(),
            new.events.as_deref(),
            secret.expose(),
            state.clock.now_ms(),
        )
        .await?
        .ok_or(ApiError::UnknownSite)?;
    audit_change(
        &state,
        &caller,
        &site,
        "webhook.create",
        endpoint.url.clone(),
    )
    .await?;
    let body = wire(endpoint, Some(secret.expose().to_owned()));
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Switches an endpoint off or on (admin and up, audited); on again, its failures are forgotten.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/sites/{site_key}/webhooks/{id}",
    operation_id = "change_webhook",
    tag = super::openapi::ADMIN,
    request_body(content = EndpointChange, description = "`{enabled: bool}`"),
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("id" = i64, Path, description = "The endpoint's id"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such endpoint", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
    request: Result<Json<EndpointChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let site = site(&caller, &site_key)?;
    let enabled = request?.0.enabled;
    if !state.store.set_webhook_enabled(&site, id, enabled).await? {
        return Err(ApiError::NotFound("the site has no such webhook endpoint"));
    }
    let what = if enabled {
        "webhook.enable"
    } else {
        "webhook.disable"
    };
    audit_change(&state, &caller, &site, what, id.to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an endpoint and its delivery log (admin and up, audited).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/sites/{site_key}/webhooks/{id}",
    operation_id = "delete_webhook",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("id" = i64, Path, description = "The endpoint's id"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such endpoint", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let site = site(&caller, &site_key)?;
    if !state.store.delete_webhook(&site, id).await? {
        return Err(ApiError::NotFound("the site has no such webhook endpoint"));
    }
    audit_change(&state, &caller, &site, "webhook.delete", id.to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An endpoint's last 100 deliveries, newest first, each with its attempts: when, the status
/// the receiver answered (or the error), and how long it took (admin and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/webhooks/{id}/deliveries",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("id" = i64, Path, description = "The endpoint's id"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{deliveries: [{id, event_id, type, status, next_at, created_at, attempts: [{at, status, latency_ms, error}]}]}`", body = DeliveryList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such endpoint", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let site = site(&caller, &site_key)?;
    let list = state
        .store
        .deliveries(&site, id, 100)
        .await?
        .ok_or(ApiError::NotFound("the site has no such webhook endpoint"))?;
    let list: Vec<serde_json::Value> = list
        .into_iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id, "event_id": d.event_id, "type": d.kind, "status": d.status,
                "next_at": d.next_at.map(rfc3339), "created_at": rfc3339(d.created_at),
                "attempts": d.attempts.iter().map(|a| serde_json::json!({
                    "at": rfc3339(a.at), "status": a.status, "latency_ms": a.latency_ms,
                    "error": a.error,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "deliveries": list })))
}

/// Sends a delivery again now, with the same `webhook-id`, its retries started afresh (admin
/// and up, audited).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/webhooks/{id}/deliveries/{delivery}/redeliver",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("id" = i64, Path, description = "The endpoint's id"),
        ("delivery" = i64, Path, description = "The delivery's id"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The endpoint has no such delivery", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id, delivery)): Path<(String, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let site = site(&caller, &site_key)?;
    let now = state.clock.now_ms();
    if !state.store.redeliver(&site, id, delivery, now).await? {
        return Err(ApiError::NotFound("the endpoint has no such delivery"));
    }
    state.outbox.notify_one();
    audit_change(
        &state,
        &caller,
        &site,
        "webhook.redeliver",
        delivery.to_string(),
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}
