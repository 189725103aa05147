//! A site as its team places it, and what happens to answers after ingest: the site's allowed
//! origins and retention window, erasure of one respondent's answers (a data-subject request)
//! and export. Every change is audited.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::enrich::email_label;
use crate::export::{next_page, Format};
use crate::store::Respondent;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest retention window accepted: a hundred years.
const MAX_RETENTION_DAYS: u32 = 36_500;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_site, update_site))
        .routes(routes!(erase))
        .routes(routes!(export))
}

/// `PATCH /api/v1/admin/sites/{site_key}`: `{"retention_days": N | null, "origins": [...]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct SiteUpdate {
    /// Absent leaves the window as it is; `null` keeps answers forever.
    #[serde(default, deserialize_with = "present")]
    #[schema(minimum = 1, maximum = 36500)]
    retention_days: Option<Option<u32>>,
    /// Absent leaves them as they are; a list replaces them: `scheme://host[:port]` each (blank
    /// entries are left out), 1 to 50.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 50, inline, value_type = Option<Vec<super::openapi::Origin>>)]
    origins: Option<Vec<String>>,
}

/// Tells an absent field (`None`, by `default`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// The site as its team places it: `{site_key, name, origins, retention_days}`.
async fn site_view(state: &AppState, key: &shared::SiteKey) -> Result<Json<Value>, ApiError> {
    let site = state.store.site(key).await?.ok_or(ApiError::UnknownSite)?;
    let days = state.store.retention_days(key).await?;
    Ok(Json(json!({
        "site_key": site.key, "name": site.name, "origins": site.origins, "retention_days": days,
    })))
}

/// The site's name, allowed origins and retention window (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, name, origins, retention_days}`", body = super::openapi::SiteInfo),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn read_site(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let key = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    site_view(&state, &key).await
}

/// Sets the site's allowed origins and retention window (admin and up, audited).
#[utoipa::path(
    patch,
    path = "/api/v1/admin/sites/{site_key}",
    tag = super::openapi::ADMIN,
    request_body(content = SiteUpdate, description = "`{\"retention_days\": N | null, \"origins\": [\"https://shop.example\"]}`, either or both"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, name, origins, retention_days}`", body = super::openapi::SiteInfo),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, naming each bad field (`origins[1]: …`)", body = super::openapi::ErrorDoc),
    )
)]
/// Sets a site's allowed origins and retention window: admins and owners. Everything is checked
/// before anything changes.
#[tracing::instrument(skip(state, caller, body))]
async fn update_site(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    body: Result<Json<serde_json::Map<String, Value>>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    // Read as an object first: serde reads a struct from an array too, by position.
    let Json(fields) = body?;
    let update: SiteUpdate = serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiError::Invalid(format!("the body is not a site update: {e}")))?;
    let key = grant.site.key.clone();
    let mut problems = Vec::new();
    let origins = match update.origins.as_deref().map(crate::sites::origins) {
        Some(Ok(origins)) => Some(origins),
        Some(Err(refused)) => {
            problems.extend(refused);
            None
        }
        None => None,
    };
    if let Some(Some(d)) = update.retention_days {
        if d == 0 || d > MAX_RETENTION_DAYS {
            problems.push((
                "retention_days".to_owned(),
                format!("1 to {MAX_RETENTION_DAYS} days, or null to keep answers forever"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(crate::sites::say(&problems)));
    }
    if let Some(origins) = origins {
        if !state.store.set_origins(&key, &origins).await? {
            return Err(ApiError::UnknownSite);
        }
        // Ingest checks answers' origins against its cached copy.
        state.site_cache.forget(&key);
        let detail = format!("origins={}", origins.join(","));
        audit_change(&state, &caller, &key, "site.origins", detail).await?;
    }
    if let Some(days) = update.retention_days {
        if !state.store.set_retention_days(&key, days).await? {
            return Err(ApiError::UnknownSite);
        }
        let detail = match days {
            Some(d) => format!("retention_days={d}"),
            None => "retention_days=forever".to_owned(),
        };
        audit_change(&state, &caller, &key, "site.retention", detail).await?;
    }
    site_view(&state, &key).await
}

/// `POST /api/v1/admin/sites/{site_key}/erasure`: exactly one of the three.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ErasureRequest {
    email: Option<String>,
    user_id: Option<String>,
    visitor: Option<String>,
}

/// Erases every answer and complaint of one respondent (admin and up, audited).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/erasure",
    tag = super::openapi::ADMIN,
    request_body(content = super::openapi::Erasure, description = "Exactly one of `{\"email\"}`, `{\"user_id\"}`, `{\"visitor\"}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, erased}`", body = super::openapi::Erased),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
/// Erases every answer of one respondent on a site: admins and owners. The audit log names
/// the respondent without showing an e-mail address.
#[tracing::instrument(skip(state, caller, body))]
async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    body: Result<Json<ErasureRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let Json(request) = body?;
    let key = grant.site.key.clone();
    let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (who, label) = match (
        clean(request.email),
        clean(request.user_id),
        clean(request.visitor),
    ) {
        (Some(e), None, None) => {
            let label = email_label(&e);
            (Respondent::Email(e), label)
        }
        (None, Some(u), None) => {
            let label = format!("user_id:{u}");
            (Respondent::UserId(u), label)
        }
        (None, None, Some(v)) => {
            let label = format!("visitor:{v}");
            (Respondent::Visitor(v), label)
        }
        _ => {
            return Err(ApiError::Invalid(
                "name the respondent by exactly one of email, user_id or visitor".into(),
            ))
        }
    };
    let erased = state.store.erase_respondent(&key, &who).await?;
    audit_change(
        &state,
        &caller,
        &key,
        "responses.erase",
        format!("{label} erased={erased}"),
    )
    .await?;
    Ok(Json(json!({ "site_key": key, "erased": erased })))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// The site's answers, oldest first, as an attachment (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/export",
    operation_id = "export_site",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("format" = Option<String>, Query, pattern = "^(csv|ndjson)$", description = "`csv` (default) or `ndjson`")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "CSV or NDJSON", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
/// Streams a site's responses as CSV or NDJSON, oldest first: viewers and up.
#[tracing::instrument(skip(state, caller))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let format = export_format(q.format.as_deref())?;
    let key = grant.site.key.clone();
    let filename = format!("hark-{key}.{}", format.extension());
    let store = state.store.clone();
    let pages = futures_util::stream::try_unfold(None, move |mut after| {
        let store = store.clone();
        let key = key.clone();
        async move {
            let page = next_page(store.as_ref(), &key, &mut after).await?;
            Ok(page.map(|rows| (Bytes::from(format.encode(&rows)), after)))
        }
    });
    attachment(format, &filename, format.header(), pages)
}

/// The `format` of an export query: `csv` (the default) or `ndjson`.
pub(super) fn export_format(format: Option<&str>) -> Result<Format, ApiError> {
    format.unwrap_or("csv").parse().map_err(ApiError::Invalid)
}

/// `header`, then each page `pages` yields, as a download named `filename`: the body holds one
/// page at a time.
pub(super) fn attachment(
    format: Format,
    filename: &str,
    header: Vec<u8>,
    pages: impl futures_util::Stream<Item = Result<Bytes, crate::store::StoreError>> + Send + 'static,
) -> Result<Response, ApiError> {
    let header_chunk = futures_util::stream::once(async move {
        Ok::<_, crate::store::StoreError>(Bytes::from(header))
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(header_chunk, pages));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
            .map_err(|e| ApiError::Internal(e.into()))?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
