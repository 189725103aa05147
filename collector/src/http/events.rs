//! `GET /api/v1/admin/events`: the live event stream, as server-sent events. One stream per
//! signed-in session (or API token), of the cases of the sites it has a role on: each change a
//! case's timeline records, as a `case` event whose id is the entry's number. A reconnect that
//! sends `Last-Event-ID` gets every entry after that one, so it misses nothing. What a stream
//! reads is in `live.rs`; this checks who asks, and ends the stream once they may no longer see
//! it (signed out, the role removed, the token revoked), checked every minute.

use super::admin::Caller;
use super::{ApiError, AppState};
use crate::access::Role;
use crate::store::Grant;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::Deserialize;
use shared::SiteKey;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// How often a stream checks that its caller may still see it.
const RECHECK: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventsQuery {
    /// Only this site's cases (one the caller has a role on); every such site's when absent.
    site: Option<String>,
    /// Resume after this event id, as `Last-Event-ID` does (the header wins).
    #[param(minimum = 0)]
    after: Option<i64>,
}

/// The live stream of the caller's cases (any role): `case` events, each
/// `shared::case::CaseEvent` (`{site_key, case, reference, kind, status, priority, hot}`, no
/// text), with the timeline entry's number as its id; and, without an id, `answers` events
/// (`shared::insight::AnswersEvent`, `{site_key, newest}`) when a site has new answers, looked
/// for every 15 seconds. Send `Last-Event-ID` (or `?after=`) to
/// resume after an event; without it the stream starts now, and its first frame is an `id`
/// alone: where it started, to resume from. A comment every 15 seconds keeps the connection open.
#[utoipa::path(
    get,
    path = "/api/v1/admin/events",
    tag = super::openapi::ADMIN,
    params(EventsQuery, ("Last-Event-ID" = Option<i64>, Header, minimum = 0, description = "Resume after this event id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`text/event-stream` of `case` and `answers` events", content_type = "text/event-stream", body = super::openapi::StreamEvent),
        (status = 400, description = "Malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on the site named", body = super::openapi::ErrorDoc),
        (status = 422, description = "A `Last-Event-ID` or `after` that is not an event id", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, headers))]
async fn events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let sites: Vec<SiteKey> = match &q.site {
        Some(site) => vec![caller.on_site(site, Role::Viewer)?.site.key.clone()],
        None => grants(&caller).map(|g| g.site.key.clone()).collect(),
    };
    let after = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| invalid("Last-Event-ID"))?,
        ),
        None => q.after,
    };
    // The query's `after` is checked even where the header wins over it.
    if after.is_some_and(|n| n < 0) || q.after.is_some_and(|n| n < 0) {
        return Err(invalid("after"));
    }
    let (start, cases) = state
        .live
        .stream(&state.store, sites.clone(), after)
        .await?;
    // A stream that starts now says where: an `id` alone, which sets the reader's last event id
    // (as the SSE standard has it), so that a reader that drops before any case event resumes
    // from here, missing nothing.
    let start = after
        .is_none()
        .then(|| Ok(Event::default().id(start.to_string())));
    let cases = futures_util::stream::iter(start).chain(cases.map(|row| {
        Event::default()
            .id(row.id.to_string())
            .event("case")
            .json_data(&row.event)
    }));
    let answers = crate::live::answers(state.store.clone(), state.clock.clone(), sites.clone())
        .await
        .map(|(site, newest)| {
            Event::default()
                .event("answers")
                .json_data(shared::insight::AnswersEvent {
                    site_key: site,
                    newest: crate::clock::rfc3339(newest),
                })
        });
    let open = state.metrics.stream_opened();
    let stream = futures_util::stream::select(cases, answers)
        .take_until(access_ends(state.clone(), caller, sites))
        // Counted for as long as the response's body lives.
        .map(move |event| {
            let _counted = &open;
            event
        });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A proxy must pass each event on as it comes (nginx buffers otherwise).
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

fn invalid(what: &str) -> ApiError {
    ApiError::Invalid(format!("{what}: not an event id"))
}

fn grants(caller: &Caller) -> impl Iterator<Item = &Grant> {
    let grants = match caller {
        Caller::Token { grant, .. } => std::slice::from_ref(grant),
        Caller::Session { grants, .. } => grants.as_slice(),
    };
    grants.iter()
}

/// Completes once `caller` may no longer see every one of `sites`: its session ended, its token
/// was revoked, or its role on one of them was removed. Checked every minute; a failed check
/// ends the stream too (its reader resumes).
async fn access_ends(state: AppState, caller: Caller, sites: Vec<SiteKey>) {
    loop {
        tokio::time::sleep(RECHECK).await;
        let now = state.clock.now_ms();
        let still: Option<Vec<SiteKey>> = match &caller {
            Caller::Token { id, grant } => match state.store.site_token(&grant.site.key, *id).await
            {
                Ok(Some(t)) if t.revoked_at.is_none() => Some(vec![grant.site.key.clone()]),
                _ => None,
            },
            Caller::Session {
                user_id,
                token_hash,
                ..
            } => match state
                .store
                .touch_session(token_hash, now, now + state.sessions.idle_ms)
                .await
            {
                Ok(Some(_)) => state
                    .store
                    .memberships(*user_id)
                    .await
                    .ok()
                    .map(|g| g.into_iter().map(|g| g.site.key).collect()),
                _ => None,
            },
        };
        match still {
            Some(keys) if sites.iter().all(|s| keys.contains(s)) => {}
            _ => return,
        }
    }
}
