//! `POST /api/v1/responses`: the ingest pipeline for survey answers.
//!
//! limit the client → parse (size, media type, JSON: the page's extras, then the domain type,
//! each straight from the bytes) → identify the site, check the origin and
//! limit the site → read the spam signs → validate with `shared`, against the survey → drop
//! (spam) or enrich (page path, device, browser, locale, salted visitor hash) and store through
//! the group commit (`store::GroupCommit`). The 2xx goes out only after the row's batch is
//! committed; a dropped answer gets the same 201 as a stored
//! one, so that a bot cannot tell. Every refusal and drop is counted by reason.

use super::metrics::DropReason;
use super::{cors, ApiError, AppState, MAX_BODY};
use crate::enrich::{self, Enrichment};
use crate::store::{NewResponse, Stored};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest as _, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::{ResponseId, ResponseSubmission, SiteKey};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The fewest milliseconds between showing a survey and sending it that a person could take.
const MIN_DWELL_MS: f64 = 800.0;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, method) = routes!(submit);
    OpenApiRouter::new()
        .routes((schemas, paths, method.options(cors::preflight)))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// What became of a submission that was not refused.
pub(super) enum Outcome {
    Stored(Stored, ResponseId),
    Dropped(DropReason, ResponseId),
}

/// An answer to a survey (`shared::ResponseSubmission`, plus optional `user_id`, `email`,
/// `attributes`, and the widget's spam signs `hp` and `dwell_ms`).
#[utoipa::path(
    post,
    path = "/api/v1/responses",
    operation_id = "submit_response",
    tag = super::openapi::PUBLIC,
    request_body(content((super::openapi::Submission<shared::ResponseSubmission> = "application/json"), (super::openapi::Submission<shared::ResponseSubmission> = "text/plain")), description = "`shared::ResponseSubmission` as JSON, at most 64 KiB"),
    responses(
        (status = 201, description = "Committed: `{\"id\"}`", body = shared::api::Accepted),
        (status = 200, description = "A replayed id, stored before: `{\"id\"}`", body = shared::api::Accepted),
        (status = 403, description = "No `Origin`, or not one of the site's (nor the collector's own)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No site has this key", body = super::openapi::ErrorDoc),
        (status = 409, description = "The id belongs to another site's answer", body = super::openapi::ErrorDoc),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 413, description = "Body over 64 KiB", body = super::openapi::ErrorDoc),
        (status = 415, description = "Not JSON or text/plain", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
        (status = 429, description = "Rate-limited; see Retry-After", body = super::openapi::ErrorDoc),
        (status = 503, description = "Storage unavailable; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
async fn submit(State(state): State<AppState>, request: Request) -> Response {
    // Latency is measured on the monotonic clock: the injected `Clock` is for timestamps.
    let started = Instant::now();
    let (peer, headers, body) = take_apart(&state, request).await;
    // Errors found after the origin is known to be allowed are readable by the widget too.
    let mut allowed_origin = None;
    let outcome = accept(&state, peer, &headers, body, &mut allowed_origin).await;
    let response = respond(&state, outcome, allowed_origin.as_ref());
    state.metrics.ingest_took(started.elapsed());
    response
}

/// A submission's client address, headers and body (at most `MAX_BODY`), each taken out of the
/// request rather than copied, as extractors would.
pub(super) async fn take_apart(
    state: &AppState,
    request: Request,
) -> (Option<IpAddr>, HeaderMap, Result<Bytes, BytesRejection>) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let (mut parts, body) = request.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let body = Bytes::from_request(Request::from_parts(parts, body), state).await;
    (peer, headers, body)
}

/// `{"id":"…"}`, as `shared::api::Accepted` serializes (a test holds them alike), written
/// straight into its buffer.
fn accepted(status: StatusCode, id: ResponseId) -> Response {
    let mut uuid = [0; uuid::fmt::Hyphenated::LENGTH];
    let uuid = id.as_uuid().hyphenated().encode_lower(&mut uuid);
    let mut body = Vec::with_capacity(uuid.len() + 10);
    body.extend_from_slice(b"{\"id\":\"");
    body.extend_from_slice(uuid.as_bytes());
    body.extend_from_slice(b"\"}");
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The drop reason a refusal is counted under; failures of the server itself are not drops.
pub(super) fn refusal_reason(e: &ApiError) -> Option<DropReason> {
    Some(match e {
        ApiError::Malformed(_) | ApiError::UnsupportedMediaType => DropReason::Malformed,
        ApiError::UnknownSite => DropReason::UnknownSite,
        ApiError::OriginNotAllowed(_) => DropReason::Origin,
        ApiError::Invalid(_) => DropReason::Invalid,
        ApiError::Conflict(_) => DropReason::Conflict,
        ApiError::TooLarge => DropReason::TooLarge,
        ApiError::RateLimited { .. } => DropReason::RateLimited,
        // The storage being down or a bug: the client retries, and the answer is not lost.
        ApiError::Unavailable(_) | ApiError::Unreachable | ApiError::Internal(_) => return None,
        // Errors of other routes (authentication, logins) never come out of ingest.
        _ => return None,
    })
}

/// What a page sends beside the domain type (`shared::ResponseSubmission` or
/// `ComplaintSubmission`): the site key, the widget's spam signs and who the host page says the
/// visitor is. Read in a pass of its own over the body, which skips everything else; each field
/// is checked by the step that uses it.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Extras {
    #[serde(default)]
    site_key: Option<serde_json::Value>,
    #[serde(default)]
    hp: Option<serde_json::Value>,
    #[serde(default)]
    dwell_ms: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) user_id: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) email: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) attributes: Option<serde_json::Value>,
}

impl Extras {
    /// Reads them from a body: 400 when it is not JSON, 422 when it is not an object of them.
    pub(super) fn read(body: &[u8]) -> Result<Self, ApiError> {
        // A struct reads from an array too, by position: only an object is a submission.
        if body.trim_ascii_start().first() != Some(&b'{') {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                    Ok(_) => ApiError::Invalid("the body must be a JSON object".into()),
                    Err(e) => ApiError::Malformed(format!("the body is not valid JSON: {e}")),
                },
            );
        }
        serde_json::from_slice(body).map_err(|e| {
            if e.is_data() {
                ApiError::Invalid(format!("the body is not a submission: {e}"))
            } else {
                ApiError::Malformed(format!("the body is not valid JSON: {e}"))
            }
        })
    }
}

/// The domain type `T` from the body, once `Extras::read` found it well-formed: 422 when it
/// is not a valid `T`.
pub(super) fn submission<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .or_else(|e| {
            // `9.0` is the integer 9 to JSON Schema, and so to the API's document: read it so
            // too. Only after a refusal, so that what the widget sends is read once.
            super::json_numbers::rewrite(body)
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or(e)
        })
        .map_err(|e| ApiError::Invalid(e.to_string()))
}

/// Reads the widget's spam signs and says whether they give a bot away: a filled-in honeypot
/// field, which people never see, or an answer sent sooner than a person could read the
/// survey. Clients that send neither (the hosted page, API clients, older widgets) are not
/// judged.
pub(super) fn spam_signs(extras: &Extras) -> Option<DropReason> {
    let honeypot_filled = match &extras.hp {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    if honeypot_filled {
        return Some(DropReason::Honeypot);
    }
    match &extras.dwell_ms {
        None | Some(serde_json::Value::Null) => None,
        // Anything but a number of milliseconds did not come from the widget either.
        Some(ms) => match ms.as_f64() {
            Some(ms) if ms >= MIN_DWELL_MS => None,
            _ => Some(DropReason::TooFast),
        },
    }
}

/// The enrich step: what is stored with an answer or a complaint sent for `site` from the page
/// `page_url`. The client's address only goes into the visitor hash.
pub(super) fn enrich(
    state: &AppState,
    site: &SiteKey,
    page_url: Option<&str>,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    now: crate::clock::Millis,
) -> Enrichment {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let ua = header(header::USER_AGENT).unwrap_or_default();
    let client = peer.map(|ip| ip.to_string());
    Enrichment {
        page_path: page_url.and_then(enrich::page_path),
        device: Some(enrich::device_class(ua).to_owned()),
        browser: Some(enrich::browser_family(ua).to_owned()),
        locale: header(header::ACCEPT_LANGUAGE).and_then(enrich::locale),
        visitor: Some(
            state
                .visitor_salt
                .visitor(now, site.as_str(), client.as_deref(), ua),
        ),
        user_id: None,
        email: None,
        attributes: Default::default(),
        segments: Vec::new(),
        channel: None,
    }
}

/// The per-client rate limit: the cheapest check, made first, so that a flood costs no parsing
/// and no database reads.
pub(super) fn limit_client(state: &AppState, peer: Option<IpAddr>) -> Result<(), ApiError> {
    if let Some(ip) = peer {
        state
            .limiter
            .check_client(ip, state.clock.as_ref())
            .map_err(|retry| ApiError::RateLimited {
                what: "from this client",
                retry_after: retry.0,
            })?;
    }
    Ok(())
}

pub(super) fn limit_site(state: &AppState, key: &SiteKey) -> Result<(), ApiError> {
    state
        .limiter
        .check_site(key.as_str(), state.clock.as_ref())
        .map_err(|retry| ApiError::RateLimited {
            what: "for this site",
            retry_after: retry.0,
        })
}

/// The body: at most 64 KiB (413), sent as `application/json` or `text/plain` (the widget's
/// CORS-simple form; 415 otherwise), with no NUL character in its strings (422).
pub(super) fn read_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, ApiError> {
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
        .map(str::trim);
    match media_type {
        Some(t) if t.eq_ignore_ascii_case("application/json") => {}
        Some(t) if t.eq_ignore_ascii_case("text/plain") => {}
        _ => return Err(ApiError::UnsupportedMediaType),
    }
    if super::json_numbers::spells_nul(&body) {
        return Err(ApiError::Invalid(super::json_numbers::NUL.into()));
    }
    Ok(body)
}

/// The body's `site_key`, recorded in the request's span.
pub(super) fn site_key(extras: &Extras) -> Result<SiteKey, ApiError> {
    let key = extras
        .site_key
        .as_ref()
        .and_then(|k| k.as_str())
        .ok_or_else(|| ApiError::Invalid("site_key is missing or not a string".into()))?;
    let key = SiteKey::parse(key).map_err(|e| ApiError::Invalid(e.to_string()))?;
    tracing::Span::current().record("site", key.as_str());
    Ok(key)
}

/// The response to a submission, whatever became of it, counted in the metrics; readable by
/// the page when its origin was found allowed.
pub(super) fn respond(
    state: &AppState,
    outcome: Result<Outcome, ApiError>,
    allowed_origin: Option<&HeaderValue>,
) -> Response {
    let mut response = match outcome {
        Ok(Outcome::Stored(stored, id)) => {
            state.metrics.accepted();
            let status = match stored {
                Stored::Created => StatusCode::CREATED,
                Stored::Replayed => StatusCode::OK,
            };
            accepted(status, id)
        }
        Ok(Outcome::Dropped(reason, id)) => {
            state.metrics.dropped(reason);
            accepted(StatusCode::CREATED, id)
        }
        Err(e) => {
            if let Some(reason) = refusal_reason(&e) {
                state.metrics.dropped(reason);
            }
            e.into_response()
        }
    };
    cors::allow(&mut response, allowed_origin);
    response
}

// A span per answer at `debug` only: at the default `info` it cost ~1.8 µs of the collector's
// ~21 µs of CPU per answer (`cargo xtask bench`).
#[tracing::instrument(level = "debug", skip_all, fields(site, outcome))]
async fn accept(
    state: &AppState,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    allowed_origin: &mut Option<HeaderValue>,
) -> Result<Outcome, ApiError> {
    limit_client(state, peer)?;
    let body = read_body(headers, body)?;
    let extras = Extras::read(&body)?;
    let key = site_key(&extras)?;
    // The site, its origins and its surveys as of at most `site_cache::TTL_MS` ago.
    let config = state
        .site_cache
        .get(state.store.as_ref(), state.clock.now_ms(), &key)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    *allowed_origin = Some(cors::check_origin(&config.site, headers)?);
    limit_site(state, &key)?;

    let spam = spam_signs(&extras);
    // Who the site says answered (not part of the domain type, which the widget builds).
    let user_id = super::identity::user_id(extras.user_id)?;
    let email = super::identity::email(extras.email)?;
    let attributes = super::identity::attributes(extras.attributes)?;
    let mut submission: ResponseSubmission = submission(&body)?;
    let survey = config
        .surveys
        .iter()
        .find(|s| s.id == submission.survey_id)
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "site {key} has no active survey {}",
                submission.survey_id
            ))
        })?;
    let survey = super::surveys::answered(state, &mut submission, survey).await?;
    submission
        .check_against(&survey)
        .map_err(|e| ApiError::Invalid(e.to_string()))?;

    // Dropped only now, so that a bot's answer gets exactly what a person's would have: the
    // same refusal when it is invalid, the same acknowledgement when it is not.
    if let Some(reason) = spam {
        tracing::Span::current().record("outcome", reason.as_str());
        return Ok(Outcome::Dropped(reason, submission.id));
    }
    let now = state.clock.now_ms();
    let mut enrichment = Enrichment {
        user_id,
        email,
        attributes,
        ..enrich(
            state,
            &key,
            submission.page_url.as_deref(),
            peer,
            headers,
            now,
        )
    };
    enrichment.pick_segments(&config.segment_attributes);
    let id = submission.id;
    let stored = state
        .ingest
        .insert(NewResponse {
            submission,
            enrichment,
            received_at: now,
        })
        .await?;
    tracing::Span::current().record("outcome", tracing::field::debug(stored));
    Ok(Outcome::Stored(stored, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_acknowledgement_is_what_accepted_serializes_to() {
        let id = ResponseId::parse("0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b").unwrap();
        let response = accepted(StatusCode::CREATED, id);
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            HeaderValue::from_static("application/json")
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            body,
            serde_json::to_vec(&shared::api::Accepted { id }).unwrap()
        );
    }
}
