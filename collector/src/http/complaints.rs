//! `POST /api/v1/complaints`: what a visitor reports from the widget (a problem or a
//! suggestion), through the same pipeline as answers: limit the client → parse (size, media
//! type, JSON) → site and origin → limit the site → spam signs → identity (`user_id`,
//! `attributes`) → validate with `shared` and against the site's categories → drop (spam,
//! acknowledged but not stored) or enrich and commit → 201 (200 for a replayed id). Every
//! refusal and drop is counted by reason, with the answers'.
//!
//! And `GET /api/v1/admin/sites/{site_key}/complaints`: a site's complaints, newest first, and
//! `…/complaints/export`: all of them, oldest first, as CSV or NDJSON; `POST` there: a complaint
//! the team logged (a call, a chat, a letter) or an integration sent, through the same workflow.

use super::admin::Caller;
use super::ingest::{
    enrich, limit_client, limit_site, read_body, respond, site_key, spam_signs, submission,
    take_apart, Extras, Outcome,
};
use super::{cors, identity, ApiError, AppState, MAX_BODY};
use crate::access::Role;
use crate::complaints::cases;
use crate::complaints::reference::reference;
use crate::enrich::Enrichment;
use crate::store::case_store::{AssigneeFilter, CaseFilter, Cursor, Sort};
use crate::store::NewComplaint;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::case::{CaseList, Priority, Status};
use shared::sla::SlaState;
use shared::ComplaintSubmission;
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
        .routes(routes!(list, log))
        .routes(routes!(export))
}

/// A problem report or a suggestion (`shared::ComplaintSubmission`, plus optional `user_id`,
/// `attributes`, and the widget's spam signs `hp` and `dwell_ms`).
#[utoipa::path(
    post,
    path = "/api/v1/complaints",
    operation_id = "submit_complaint",
    tag = super::openapi::PUBLIC,
    request_body(content((super::openapi::Submission<shared::ComplaintSubmission> = "application/json"), (super::openapi::Submission<shared::ComplaintSubmission> = "text/plain")), description = "`shared::ComplaintSubmission` as JSON, at most 64 KiB"),
    responses(
        (status = 201, description = "Committed as a new case: `{\"id\", \"reference\", \"status_url\"}`, the reference a short code such as `HK-7QF3`, the status URL the customer's page `PUBLIC_URL/c/{token}` (the token a capability: 256 random bits, stored only hashed)", body = super::openapi::FiledComplaint),
        (status = 200, description = "A replayed id, stored before: `{\"id\", \"reference\", \"status_url\"}`, with a new token for the same case", body = super::openapi::FiledComplaint),
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
    let (outcome, filed) = match outcome {
        Ok((outcome, number, token)) => (Ok(outcome), Some((number, token))),
        Err(e) => (Err(e), None),
    };
    let id = match &outcome {
        Ok(Outcome::Stored(_, id) | Outcome::Dropped(_, id)) => Some(*id),
        Err(_) => None,
    };
    let response = respond(&state, outcome, allowed_origin.as_ref());
    match (id, filed) {
        // The acknowledgement names the case and its status page: `{"id", "reference",
        // "status_url"}`.
        (Some(id), Some((number, token))) => {
            let (parts, _) = response.into_parts();
            let base = match &state.public_url {
                Some(url) => url.clone(),
                None => own_url(&headers),
            };
            let body = serde_json::json!({
                "id": id,
                "reference": reference(number),
                "status_url": crate::closing::token::status_url(&base, &token),
            });
            Response::from_parts(parts, axum::body::Body::from(body.to_string()))
        }
        _ => response,
    }
}

/// The collector as the request reached it, where no `public_url` is configured.
pub(crate) fn own_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[tracing::instrument(skip_all, fields(site, outcome))]
async fn accept(
    state: &AppState,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    allowed_origin: &mut Option<axum::http::HeaderValue>,
) -> Result<(Outcome, u64, String), ApiError> {
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
        // A bot is answered as a person is, with a reference and a link that name no case.
        let number = rand::random_range(1..1_000_000);
        let (token, _) = crate::closing::token::mint(0);
        return Ok((Outcome::Dropped(reason, complaint.id), number, token));
    }
    let now = state.clock.now_ms();
    let intake = cases::intake(
        state.store.as_ref(),
        &key,
        &complaint.id,
        complaint.category.as_deref(),
        &complaint.description,
        complaint.impact,
        now,
    )
    .await?;
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
    // Every acknowledgement carries a token of its own: only its hash is kept, so a replay's
    // first token cannot be given again.
    let (token, stored_token) = crate::closing::token::mint(now);
    let (stored, number) = state
        .store
        .insert_complaint(&NewComplaint {
            complaint,
            enrichment,
            received_at: now,
            intake,
            token: Some(stored_token),
            channel: "widget",
            source_url: None,
            resolved_at: None,
        })
        .await?;
    tracing::Span::current().record("outcome", format!("{stored:?}"));
    Ok((Outcome::Stored(stored, id), number, token))
}

/// A complaint the team logged, or an integration sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LoggedComplaint {
    /// `phone`, `chat`, `email`, `in_person`, `social`, `review` or `other`.
    #[schema(pattern = "^(phone|chat|email|in_person|social|review|other)$")]
    channel: String,
    #[schema(min_length = 1, max_length = 5000, pattern = r"\S")]
    description: String,
    #[serde(default)]
    kind: shared::ComplaintKind,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    category: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 4)]
    impact: Option<u8>,
    /// The customer's address; kept only with `contact_consent`. The pattern is what
    /// `shared::complaint::is_email` accepts.
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@.\s\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@.\s\x00-\x1f\x7f-\x9f]$"
    )]
    email: Option<String>,
    #[serde(default)]
    contact_consent: bool,
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"\S")]
    user_id: Option<String>,
    /// The customer's language (`de-CH`): their status page's and e-mails' language.
    #[serde(default)]
    #[schema(max_length = 35, pattern = "^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$")]
    locale: Option<String>,
    /// The integration's own id of it: the same id again stores nothing new.
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"\S")]
    external_id: Option<String>,
    /// Where it came from (the chat's transcript, the review).
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9][^\s]*$"
    )]
    source_url: Option<String>,
}

/// Logs a complaint on the customer's behalf (agent and up, or an API token with that role): a
/// call, a chat, a letter, a review. It goes through the same workflow as one from the widget
/// (categories, priority, routing, SLA timers, hot-stove rules), and its timeline says who
/// logged it and from which channel. With `external_id`, a retry stores nothing new.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints",
    tag = super::openapi::ADMIN,
    request_body(content = LoggedComplaint, description = "`{\"channel\": \"phone\", \"description\": \"…\", \"kind\", \"category\", \"impact\": 1-4, \"email\", \"contact_consent\", \"user_id\", \"locale\", \"external_id\", \"source_url\"}`: the channel one of `phone`, `chat`, `email`, `in_person`, `social`, `review`, `other`; the description 1 to 5000 characters; the category one of the site's; `external_id` 1 to 200 characters; `source_url` an http(s) URL"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "A new case: `{\"id\", \"reference\", \"status_url\"}` (the customer's status page, to pass on)", body = super::openapi::FiledComplaint),
        (status = 200, description = "The same `external_id` again: the case stored before, with a new status link", body = super::openapi::FiledComplaint),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, headers, request))]
async fn log(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    headers: HeaderMap,
    request: Result<Json<LoggedComplaint>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let grant = caller.on_site(&site_key, Role::Agent)?;
    let key = grant.site.key.clone();
    let Json(b) = request?;
    if b.channel == "widget" || !crate::complaints::CHANNELS.contains(&b.channel.as_str()) {
        return Err(ApiError::Invalid(format!(
            "channel is one of {}",
            crate::complaints::CHANNELS[1..].join(", ")
        )));
    }
    let channel = crate::complaints::CHANNELS
        .iter()
        .copied()
        .find(|c| *c == b.channel)
        .unwrap_or("other");
    let id = match b.external_id.as_deref().map(str::trim) {
        Some(ext) if ext.is_empty() || ext.chars().count() > 200 => {
            return Err(ApiError::Invalid(
                "external_id is 1 to 200 characters".into(),
            ))
        }
        Some(ext) => crate::import::response_id(&key, &format!("complaint:{ext}")),
        None => shared::ResponseId::from_uuid(
            uuid::Builder::from_random_bytes(rand::random()).into_uuid(),
        ),
    };
    if let Some(url) = &b.source_url {
        let fine = url.chars().count() <= shared::MAX_PAGE_URL
            && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !fine {
            return Err(ApiError::Invalid(format!(
                "source_url is an http(s) URL of at most {} characters",
                shared::MAX_PAGE_URL
            )));
        }
    }
    let locale = match b.locale.as_deref() {
        None => None,
        Some(l) => Some(
            crate::enrich::locale(l)
                .filter(|t| t == l)
                .ok_or_else(|| ApiError::Invalid(format!("locale {l:?} is not a language tag")))?,
        ),
    };
    let user_id = identity::user_id(b.user_id.map(serde_json::Value::String))?;
    // The domain type's own checks, as for the widget's reports.
    let complaint: ComplaintSubmission = serde_json::from_value(serde_json::json!({
        "id": id, "site_key": key, "kind": b.kind, "category": b.category,
        "description": b.description, "impact": b.impact, "email": b.email,
        "contact_consent": b.contact_consent,
    }))
    .map_err(|e| ApiError::Invalid(e.to_string()))?;
    let settings = state
        .store
        .site_settings(&key)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    complaint
        .check_category(&settings.categories)
        .map_err(|e| ApiError::Invalid(e.message().to_owned()))?;
    let now = state.clock.now_ms();
    let mut intake = cases::intake(
        state.store.as_ref(),
        &key,
        &complaint.id,
        complaint.category.as_deref(),
        &complaint.description,
        complaint.impact,
        now,
    )
    .await?;
    crate::complaints::logged_by(&mut intake, caller.timeline_actor(), channel);
    let (token, stored_token) = crate::closing::token::mint(now);
    let (stored, number) = state
        .store
        .insert_complaint(&NewComplaint {
            complaint,
            enrichment: Enrichment {
                user_id,
                locale,
                ..Enrichment::default()
            },
            received_at: now,
            intake,
            token: Some(stored_token),
            channel,
            source_url: b.source_url,
            resolved_at: None,
        })
        .await?;
    let base = match &state.public_url {
        Some(url) => url.clone(),
        None => own_url(&headers),
    };
    let status = match stored {
        crate::store::Stored::Created => axum::http::StatusCode::CREATED,
        crate::store::Stored::Replayed => axum::http::StatusCode::OK,
    };
    Ok((
        status,
        Json(serde_json::json!({
            "id": id,
            "reference": reference(number),
            "status_url": crate::closing::token::status_url(&base, &token),
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u32>,
    status: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    assignee: Option<String>,
    problem: Option<i64>,
    q: Option<String>,
    sla: Option<String>,
    sort: Option<String>,
    after: Option<String>,
}

/// No user has this id (ids count up from 1): what `assignee=me` names for an API token.
const NO_USER: i64 = -1;

/// Reads a comma-separated list with `parse`, naming what is wrong.
fn list_of<T>(
    raw: &Option<String>,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ApiError> {
    let Some(raw) = raw.as_deref().filter(|r| !r.is_empty()) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|v| {
            parse(v.trim()).ok_or_else(|| ApiError::Invalid(format!("no {what} is called {v:?}")))
        })
        .collect()
}

impl ListQuery {
    fn filter(&self, me: Option<i64>) -> Result<CaseFilter, ApiError> {
        let statuses = if self.status.as_deref() == Some("active") {
            Status::ALL.into_iter().filter(|s| s.is_active()).collect()
        } else {
            list_of(&self.status, "status", Status::parse)?
        };
        let assignee = match self.assignee.as_deref() {
            None | Some("") => None,
            Some("none") => Some(AssigneeFilter::Nobody),
            // An API token is nobody: its "mine" queue is empty, as its count says (0).
            Some("me") => Some(AssigneeFilter::User(me.unwrap_or(NO_USER))),
            Some(id) => Some(AssigneeFilter::User(id.parse().map_err(|_| {
                ApiError::Invalid("assignee is a user id, none or me".into())
            })?)),
        };
        let sort = match self.sort.as_deref() {
            None | Some("newest") => Sort::Newest,
            Some("oldest") => Sort::Oldest,
            Some("priority") => Sort::Priority,
            Some(_) => {
                return Err(ApiError::Invalid(
                    "sort is newest, oldest or priority".into(),
                ))
            }
        };
        let after = match self.after.as_deref() {
            None | Some("") => None,
            Some(a) => Some(
                Cursor::parse(a)
                    .ok_or_else(|| ApiError::Invalid("after is not a cursor from next".into()))?,
            ),
        };
        Ok(CaseFilter {
            statuses,
            priorities: list_of(&self.priority, "priority", Priority::parse)?,
            category: self.category.clone().filter(|c| !c.is_empty()),
            assignee,
            problem: self.problem,
            text: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            sla: list_of(&self.sla, "sla", sla_state)?,
            sort,
            after,
        })
    }
}

fn sla_state(s: &str) -> Option<SlaState> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

/// A site's cases, filtered and sorted, a page at a time, with the inbox's queue counts
/// (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/complaints",
    operation_id = "list_complaints",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "1 to 1000, 100 by default"),
        ("status" = Option<String>, Query, pattern = r"^(|active|(new|open|in_progress|waiting_on_customer|reopened|resolved|closed|merged|spam)(,(new|open|in_progress|waiting_on_customer|reopened|resolved|closed|merged|spam))*)$", description = "Comma-separated statuses, or `active` (new, open, in_progress, waiting_on_customer, reopened)"),
        ("priority" = Option<String>, Query, pattern = r"^(|P[1-4](,P[1-4])*)$", description = "Comma-separated priorities, `P1` to `P4`"),
        ("category" = Option<String>, Query, description = "One category"),
        ("assignee" = Option<String>, Query, pattern = r"^(|none|me|[0-9]{1,18})$", description = "A user id, `none` (the unassigned queue) or `me` (the caller's: none for an API token)"),
        ("sla" = Option<String>, Query, pattern = r"^(|(on_track|at_risk|breached|met|paused)(,(on_track|at_risk|breached|met|paused))*)$", description = "Comma-separated SLA states, the worst of a case's clocks: `on_track`, `at_risk`, `breached`, `met`, `paused`"),
        ("problem" = Option<i64>, Query, description = "A problem record's id"),
        ("q" = Option<String>, Query, description = "Words of the description, or a reference (`HK-7QF3`)"),
        ("sort" = Option<String>, Query, pattern = r"^(newest|oldest|priority)$", description = "`newest` (default), `oldest` or `priority`"),
        ("after" = Option<String>, Query, pattern = r"^(|[1-4]\.-?[0-9]{1,19}\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$", description = "The `next` of the page before"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::CaseList`: `{site_key, complaints, next, counts}`", body = shared::case::CaseList),
        (status = 400, description = "Malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "An unknown status, priority, sort or cursor", body = super::openapi::ErrorDoc),
    )
)]
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
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Invalid("limit is 1 to 1000".into()));
    }
    let filter = q.filter(caller.user_id())?;
    // One more than asked for tells whether there is a next page.
    let mut rows = state.store.cases(&key, &filter, limit + 1).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|c| Cursor::of(c).encode())
    } else {
        None
    };
    let counts = state.store.queue_counts(&key, caller.user_id()).await?;
    let levels = cases::service_levels(state.store.as_ref(), &key).await?;
    let now = state.clock.now_ms();
    Ok(Json(CaseList {
        site_key: key,
        complaints: rows
            .into_iter()
            .map(|c| {
                let sla = c.sla.clocks(&levels.calendar, now);
                super::cases::wire(c, sla)
            })
            .collect(),
        next,
        counts,
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
    operation_id = "export_complaints",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("format" = Option<String>, Query, pattern = "^(csv|ndjson)$", description = "`csv` (default) or `ndjson`"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "CSV or NDJSON, without e-mail addresses or visitor hashes", content((String = "text/csv"), (String = "application/x-ndjson"))),
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
