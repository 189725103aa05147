//! What happens to answers after ingest: a site's retention window, erasure of one respondent's
//! answers (a data-subject request) and export. Every change is audited.

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
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The longest retention window accepted: a hundred years.
const MAX_RETENTION_DAYS: u32 = 36_500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/sites/{site_key}", patch(update_site))
        .route("/api/v1/admin/sites/{site_key}/erasure", post(erase))
        .route("/api/v1/admin/sites/{site_key}/export", get(export))
}

/// `PATCH /api/v1/admin/sites/{site_key}`: `{"retention_days": N | null}`.
#[derive(Debug, Deserialize)]
struct SiteUpdate {
    /// Absent leaves the window as it is; `null` keeps answers forever.
    #[serde(default, deserialize_with = "present")]
    retention_days: Option<Option<u32>>,
}

/// Tells an absent field (`None`, by `default`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// Sets a site's retention window: admins and owners.
#[tracing::instrument(skip(state, caller, body))]
async fn update_site(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    body: Result<Json<SiteUpdate>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let Json(update) = body?;
    let key = grant.site.key.clone();
    if let Some(days) = update.retention_days {
        if days.is_some_and(|d| d == 0 || d > MAX_RETENTION_DAYS) {
            return Err(ApiError::Invalid(format!(
                "retention_days is 1 to {MAX_RETENTION_DAYS}, or null to keep answers forever"
            )));
        }
        if !state.store.set_retention_days(&key, days).await? {
            return Err(ApiError::UnknownSite);
        }
        let detail = match days {
            Some(d) => format!("retention_days={d}"),
            None => "retention_days=forever".to_owned(),
        };
        audit_change(&state, &caller, &key, "site.retention", detail).await?;
    }
    let days = state.store.retention_days(&key).await?;
    Ok(Json(json!({ "site_key": key, "retention_days": days })))
}

/// `POST /api/v1/admin/sites/{site_key}/erasure`: exactly one of the three.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureRequest {
    email: Option<String>,
    user_id: Option<String>,
    visitor: Option<String>,
}

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
    let format: Format = q
        .format
        .as_deref()
        .unwrap_or("csv")
        .parse()
        .map_err(ApiError::Invalid)?;
    let key = grant.site.key.clone();
    let filename = format!("hark-{key}.{}", format.extension());
    let store = state.store.clone();
    // The header first, then a page per poll: the body holds one page at a time.
    let header_chunk = futures_util::stream::once(async move {
        Ok::<_, crate::store::StoreError>(Bytes::from(format.header()))
    });
    let pages = futures_util::stream::try_unfold(None, move |mut after| {
        let store = store.clone();
        let key = key.clone();
        async move {
            let page = next_page(store.as_ref(), &key, &mut after).await?;
            Ok(page.map(|rows| (Bytes::from(format.encode(&rows)), after)))
        }
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
