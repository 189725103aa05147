//! The survey funnel: `POST /api/v1/funnel`, where the widget says a card was shown, completed or
//! dismissed (with the questions it showed), and `GET …/insight/funnel` (viewer and up), each
//! survey's shown → started → completed → dismissed and its drop-off per question
//! (`insight::funnel`).

use super::admin::Caller;
use super::ingest::{limit_client, limit_site, read_body, take_apart};
use super::insight::PeriodQuery;
use super::{cors, ApiError, AppState, MAX_BODY};
use crate::access::Role;
use crate::insight::{funnel, overview, rollup};
use crate::store::insight_store::FunnelRecord;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::insight::Funnels;
use shared::{QuestionId, ResponseId, SiteKey, SurveyId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, method) = routes!(submit);
    let method = method
        .options(cors::preflight)
        .layer(DefaultBodyLimit::max(MAX_BODY));
    OpenApiRouter::new()
        .routes((schemas, paths, method))
        .routes(routes!(funnels))
}

/// The most questions a card can have shown.
const MAX_SEEN: usize = 100;

/// A funnel event as the widget sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FunnelEvent {
    /// A UUID the widget made for this event: a retry of it counts once.
    #[schema(
        pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$"
    )]
    id: String,
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    site_key: String,
    /// The survey's id (not `survey_id`: the loader marks a survey answered when a body with
    /// that field is acknowledged).
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    survey: String,
    /// `shown`, `completed` or `dismissed`.
    #[schema(pattern = "^(shown|completed|dismissed)$")]
    event: String,
    /// The questions the card showed, in order (empty when shown; at most 100).
    #[serde(default)]
    #[schema(max_items = 100, value_type = Vec<shared::QuestionId>)]
    seen: Vec<String>,
    /// Added by the loader to everything it sends; not stored with funnel events.
    #[serde(default)]
    #[allow(dead_code)]
    user_id: Option<serde_json::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    attributes: Option<serde_json::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    dwell_ms: Option<serde_json::Value>,
}

/// A funnel event from the widget: a survey's card was shown, completed or dismissed.
#[utoipa::path(
    post,
    path = "/api/v1/funnel",
    operation_id = "submit_funnel_event",
    tag = super::openapi::PUBLIC,
    request_body(content((FunnelEvent = "application/json"), (FunnelEvent = "text/plain")), description = "`{id, site_key, survey, event, seen}`, at most 64 KiB"),
    responses(
        (status = 201, description = "Recorded: `{\"id\"}`", body = shared::api::Accepted),
        (status = 200, description = "A replayed id, recorded before: `{\"id\"}`", body = shared::api::Accepted),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 403, description = "No `Origin`, or not one of the site's (nor the collector's own)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No site has this key", body = super::openapi::ErrorDoc),
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
    let outcome = async {
        limit_client(&state, peer)?;
        let body = read_body(&headers, body)?;
        let event: FunnelEvent = serde_json::from_slice(&body)
            .map_err(|e| ApiError::Malformed(format!("the body is not a funnel event: {e}")))?;
        let site_key =
            SiteKey::parse(&event.site_key).map_err(|e| ApiError::Invalid(e.to_string()))?;
        let id =
            ResponseId::parse(&event.id).map_err(|_| ApiError::Invalid("id is a UUID".into()))?;
        let survey = SurveyId::parse(event.survey).map_err(|e| ApiError::Invalid(e.to_string()))?;
        if !funnel::KINDS.contains(&event.event.as_str()) {
            return Err(ApiError::Invalid(format!(
                "event is one of {}",
                funnel::KINDS.join(", ")
            )));
        }
        if event.seen.len() > MAX_SEEN {
            return Err(ApiError::Invalid(format!(
                "seen lists at most {MAX_SEEN} questions"
            )));
        }
        for q in &event.seen {
            QuestionId::parse(q.clone()).map_err(|e| ApiError::Invalid(e.to_string()))?;
        }
        if event.event != "shown" && event.seen.is_empty() {
            return Err(ApiError::Invalid(
                "seen names the questions a completed or dismissed card showed".into(),
            ));
        }
        let site = state
            .store
            .site(&site_key)
            .await?
            .ok_or(ApiError::UnknownSite)?;
        allowed_origin = Some(cors::check_origin(&site, &headers)?);
        limit_site(&state, &site_key)?;
        let id = id.to_string();
        let seen = event.seen.join(",");
        let recorded = state
            .store
            .record_funnel(
                &site_key,
                &FunnelRecord {
                    id: &id,
                    survey: survey.as_str(),
                    kind: &event.event,
                    seen: &seen,
                },
                state.clock.now_ms(),
            )
            .await?;
        Ok((recorded, id))
    }
    .await;
    let mut response = match outcome {
        Ok((recorded, id)) => {
            let status = if recorded {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (
                status,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                serde_json::json!({ "id": id }).to_string(),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    };
    cors::allow(&mut response, allowed_origin.as_ref());
    response
}

/// Every survey's funnel over the period (viewer and up): cards shown, started (the first
/// question answered), completed and dismissed, and each question's views and drop-offs, from
/// the widget's events. Dismissals are never counted as answers.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/funnel",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The funnels", body = Funnels),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date or period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn funnels(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Funnels>, ApiError> {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let period = q.period(rollup::day(state.clock.now_ms()))?;
    let paths = state
        .store
        .funnel_paths(&site, period.from * DAY_MS, (period.to + 1) * DAY_MS)
        .await?;
    let mut surveys = Vec::new();
    for record in state.store.surveys(&site).await? {
        let s = &record.survey;
        if q.survey().is_some_and(|id| id != s.id.as_str()) {
            continue;
        }
        let questions: Vec<(&str, &str)> = s
            .questions
            .iter()
            .map(|q| (q.id.as_str(), q.prompt.as_str()))
            .collect();
        let mine: Vec<funnel::PathCount> = paths
            .iter()
            .filter(|(survey, _)| survey == s.id.as_str())
            .map(|(_, p)| p.clone())
            .collect();
        surveys.push(funnel::funnel(
            (s.id.as_str(), s.name.as_str()),
            &questions,
            &mine,
        ));
    }
    Ok(Json(Funnels {
        from: overview::date(period.from),
        to: overview::date(period.to),
        surveys,
    }))
}
