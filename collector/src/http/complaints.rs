//! `POST /api/v1/complaints`: what a visitor reports from the widget (a problem or a
//! suggestion), through the same pipeline as answers: limit the client → parse (size, media
//! type, JSON) → site and origin → limit the site → spam signs → identity (`user_id`,
//! `attributes`) → validate with `shared` and against the site's categories → drop (spam,
//! acknowledged but not stored) or enrich and commit → 201 (200 for a replayed id). Every
//! refusal and drop is counted by reason, with the answers'.
//!
//! And `GET /api/v1/admin/sites/{site_key}/complaints`: a site's complaints, newest first, and
//! `…/complaints/export`: all of them, oldest first, as CSV or NDJSON.

use super::admin::Caller;
use super::ingest::{
    enrich, limit_client, limit_site, read_body, respond, site_key, spam_signs, submission,
    take_apart, Extras, Outcome,
};
use super::{cors, identity, ApiError, AppState, MAX_BODY};
use crate::access::Role;
use crate::clock::rfc3339;
use crate::enrich::Enrichment;
use crate::store::{NewComplaint, StoredComplaint};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::{ComplaintKind, ComplaintSubmission, ResponseId, SiteKey};
use std::collections::BTreeMap;
use std::net::IpAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, method) = routes!(submit);
    let method = method
        .options(cors::preflight)
        .layer(DefaultBodyLimit::max(MAX_BODY));
    OpenApiRouter::new()
        .routes((schemas, paths, method))
        .routes(routes!(list))
        .routes(routes!(export))
}

/// A problem report or a suggestion (`shared::ComplaintSubmission`, plus optional `user_id`,
/// `attributes`, and the widget's spam signs `hp` and `dwell_ms`).
#[utoipa::path(
    post,
    path = "/api/v1/complaints",
    tag = super::openapi::PUBLIC,
    request_body(content(("application/json"), ("text/plain")), description = "`shared::ComplaintSubmission` as JSON, at most 64 KiB"),
    responses(
        (status = 201, description = "Committed, `open`: `{\"id\"}`", body = Object),
        (status = 200, description = "A replayed id, stored before: `{\"id\"}`", body = Object),
        (status = 403, description = "No `Origin`, or not one of the site's (nor the collector's own)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No site has this key", body = super::openapi::ErrorDoc),
        (status = 409, description = "The id belongs to another site's complaint", body = super::openapi::ErrorDoc),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 413, description = "Body over 64 KiB", body = super::openapi::ErrorDoc),
        (status = 415, description = "Not JSON or text/plain", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
        (status = 429, description = "Rate-limited; see Retry-After", body = super::openapi::ErrorDoc),
        (status = 503, description = "Storage unavailable; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
async fn submit(State(state): State<AppState>, request: Request) -> Response {
    let (peer, headers, body) = take_apart(&state, request).await;
    let mut allowed_origin = None;
    let outcome = accept(&state, peer, &headers, body, &mut allowed_origin).await;
    respond(&state, outcome, allowed_origin.as_ref())
}

#[tracing::instrument(skip_all, fields(site, outcome))]
async fn accept(
    state: &AppState,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    allowed_origin: &mut Option<axum::http::HeaderValue>,
) -> Result<Outcome, ApiError> {
    limit_client(state, peer)?;
    let body = read_body(headers, body)?;
    let extras = Extras::read(&body)?;
    let key = site_key(&extras)?;
    let site = state.store.site(&key).await?.ok_or(ApiError::UnknownSite)?;
    *allowed_origin = Some(cors::check_origin(&site, headers)?);
    limit_site(state, &key)?;

    let spam = spam_signs(&extras);
    let user_id = identity::user_id(extras.user_id)?;
    let attributes = identity::attributes(extras.attributes)?;
    let complaint: ComplaintSubmission = submission(&body)?;
    let settings = state
        .store
        .site_settings(&key)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    complaint
        .check_category(&settings.categories)
        .map_err(|e| ApiError::Invalid(e.message().to_owned()))?;

    if let Some(reason) = spam {
        tracing::Span::current().record("outcome", reason.as_str());
        return Ok(Outcome::Dropped(reason, complaint.id));
    }
    let now = state.clock.now_ms();
    let enrichment = Enrichment {
        user_id,
        // A complaint's e-mail address is part of the complaint, kept only with consent.
        email: None,
        attributes,
        ..enrich(
            state,
            &key,
            complaint.page_url.as_deref(),
            peer,
            headers,
            now,
        )
    };
    let id = complaint.id;
    let stored = state
        .store
        .insert_complaint(&NewComplaint {
            complaint,
            enrichment,
            received_at: now,
        })
        .await?;
    tracing::Span::current().record("outcome", format!("{stored:?}"));
    Ok(Outcome::Stored(stored, id))
}

/// One complaint as admins list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ListedComplaint {
    pub(crate) id: ResponseId,
    /// `open` until the workflow moves it on.
    pub(crate) status: String,
    pub(crate) kind: ComplaintKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) category: Option<String>,
    pub(crate) description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) impact: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    pub(crate) contact_consent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) page_url: Option<String>,
    /// RFC 3339 in UTC.
    pub(crate) received_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) page_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) browser: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) visitor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) user_id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) attributes: BTreeMap<String, String>,
}

impl From<StoredComplaint> for ListedComplaint {
    fn from(c: StoredComplaint) -> Self {
        let e = c.enrichment;
        Self {
            id: c.id,
            status: c.status,
            kind: c.kind,
            category: c.category,
            description: c.description,
            impact: c.impact,
            email: c.email,
            contact_consent: c.contact_consent,
            page_url: c.page_url,
            received_at: rfc3339(c.received_at),
            page_path: e.page_path,
            device: e.device,
            browser: e.browser,
            locale: e.locale,
            visitor: e.visitor,
            user_id: e.user_id,
            attributes: e.attributes,
        }
    }
}

#[derive(Debug, Serialize)]
struct ComplaintList {
    site_key: SiteKey,
    complaints: Vec<ListedComplaint>,
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<u32>,
}

/// A site's complaints, newest first (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/complaints",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("limit" = Option<u32>, Query, description = "1 to 1000, 100 by default")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, complaints: [...]}`", body = Object),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
    )
)]
/// A site's complaints, newest first: viewers and up (agents work them; everyone who may read
/// a site's answers may read its complaints).
#[tracing::instrument(skip(state, caller))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let key = grant.site.key.clone();
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let complaints = state
        .store
        .complaints(&key, limit)
        .await?
        .into_iter()
        .map(ListedComplaint::from)
        .collect();
    Ok(Json(ComplaintList {
        site_key: key,
        complaints,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// Streams a site's complaints as CSV or NDJSON, oldest first, a page at a time (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/complaints/export",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("format" = Option<String>, Query, description = "`csv` (default) or `ndjson`"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "CSV or NDJSON, without e-mail addresses or visitor hashes", body = String, content_type = "text/csv"),
        (status = 400, description = "Malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "Unknown format", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    use super::lifecycle::{attachment, export_format};
    use crate::export::next_complaint_page;
    let Query(q) = query?;
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let format = export_format(q.format.as_deref())?;
    let key = grant.site.key.clone();
    let filename = format!("hark-{key}-complaints.{}", format.extension());
    let store = state.store.clone();
    let pages = futures_util::stream::try_unfold(None, move |mut after| {
        let store = store.clone();
        let key = key.clone();
        async move {
            let page = next_complaint_page(store.as_ref(), &key, &mut after).await?;
            Ok(page.map(|rows| (Bytes::from(format.encode_complaints(&rows)), after)))
        }
    });
    attachment(format, &filename, format.complaint_header(), pages)
}
