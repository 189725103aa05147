//! The responses explorer (viewer and up): a site's responses newest first, filtered by period,
//! survey, segment, words and topic, a page at a time; the same view as a download; and the
//! topics of a period's written answers (`insight::topics`).

use super::admin::Caller;
use super::insight::PeriodQuery;
use super::{ApiError, AppState};
use crate::access::Role;
use crate::clock::{rfc3339, Millis};
use crate::insight::overview::{self, Period};
use crate::insight::{read, rollup, topics};
use crate::store::insight_store::ResponseFilter;
use crate::store::StoredResponse;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use shared::api::StoredResponse as ApiResponse;
use shared::{Answer, SiteKey, SurveyId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(responses))
        .routes(routes!(export))
        .routes(routes!(topics_route))
        .routes(routes!(share_topic))
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The most written answers `GET …/insight/topics` reads: the newest of the period.
const TOPIC_TEXTS: u32 = 5000;

/// How many rows one explorer page reads at most to find its matches (`next` then continues
/// where it stopped).
const SCAN: usize = 20_000;

/// The explorer's filters. Without `from`, `to` and `days`, every response.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExploreQuery {
    /// The first day, `YYYY-MM-DD` (UTC).
    #[param(format = Date)]
    from: Option<String>,
    /// Without `from`: this many days (1 to 3660) ending with `to`.
    #[param(minimum = 1, maximum = 3660)]
    days: Option<i64>,
    /// The last day, `YYYY-MM-DD` (UTC); by default today.
    #[param(format = Date)]
    to: Option<String>,
    /// `dimension:value`, as `GET …/insight/segments` lists them.
    #[param(
        pattern = r"^(page|device|browser|locale|version|attr\.[A-Za-z0-9_-]{1,64}):[^\u0000]+$"
    )]
    segment: Option<String>,
    /// Only this survey's responses.
    survey: Option<String>,
    /// Only responses whose written answers contain this, in any case (1 to 200 characters).
    #[param(max_length = 200)]
    q: Option<String>,
    /// Only responses whose written answers mention this topic's word (`GET …/insight/topics`).
    #[param(max_length = 200)]
    topic: Option<String>,
    /// Only responses with a written answer.
    written: Option<bool>,
    /// The `next` of the page before.
    #[param(
        pattern = r"^-?[0-9]{1,19}:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    before: Option<String>,
    /// 1 to 1000, 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// For the export: `csv` (the default) or `ndjson`.
    #[param(pattern = "^(csv|ndjson)$")]
    format: Option<String>,
}

/// An explorer query, checked.
#[derive(Debug, Clone)]
struct Explore {
    period: Option<Period>,
    survey: Option<String>,
    segment: Option<(String, String)>,
    q: Option<String>,
    /// `q` in lower case, for the database to look for; `None` when only Rust can match it
    /// exactly (the stored JSON escapes quotes, backslashes and control characters, and the
    /// databases lower-case ASCII only).
    like: Option<String>,
    topic: Option<String>,
    written: bool,
    before: Option<(Millis, String)>,
}

impl ExploreQuery {
    fn checked(&self, today: i64) -> Result<Explore, ApiError> {
        if self.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
            return Err(ApiError::Invalid("limit is 1 to 1000".into()));
        }
        if let Some(format) = self.format.as_deref() {
            super::lifecycle::export_format(Some(format))?;
        }
        let bounded = self.from.is_some() || self.to.is_some() || self.days.is_some();
        let as_period = PeriodQuery::new(
            self.from.clone(),
            self.days,
            self.to.clone(),
            self.segment.clone(),
        );
        let period = bounded.then(|| as_period.period(today)).transpose()?;
        let segment = as_period.segment()?.map(|s| (s.dimension, s.value));
        // The length as sent (as the document's `maxLength` counts it), then trimmed.
        let text = |what: &str, s: &Option<String>| -> Result<Option<String>, ApiError> {
            match s.as_deref() {
                Some(s) if s.chars().count() > 200 => Err(ApiError::Invalid(format!(
                    "{what} is at most 200 characters"
                ))),
                None => Ok(None),
                Some(s) => Ok(Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)),
            }
        };
        let before = match self.before.as_deref() {
            None => None,
            Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
                ApiError::Invalid("before is the `next` of a page before".into())
            })?),
        };
        let q = text("q", &self.q)?;
        let like = q
            .as_deref()
            .filter(|q| {
                q.chars()
                    .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\')
            })
            .map(str::to_ascii_lowercase);
        Ok(Explore {
            period,
            survey: self.survey.clone(),
            segment,
            q,
            like,
            topic: text("topic", &self.topic)?,
            written: self.written.unwrap_or(false),
            before,
        })
    }
}

/// `received_at:id`, where the next page starts.
fn cursor(r: &StoredResponse) -> String {
    format!("{}:{}", r.received_at, r.id)
}

fn parse_cursor(s: &str) -> Option<(Millis, String)> {
    let (at, id) = s.split_once(':')?;
    let id = shared::ResponseId::parse(id).ok()?;
    Some((at.parse().ok()?, id.to_string()))
}

/// The written parts of a response: text answers and a choice's "other".
fn written(r: &StoredResponse) -> impl Iterator<Item = &str> {
    r.answers.iter().filter_map(|a| match a {
        Answer::Text { text, .. } => Some(text.as_str()),
        Answer::Choice { other: Some(o), .. } => Some(o.as_str()),
        _ => None,
    })
}

impl Explore {
    fn filter(&self) -> ResponseFilter<'_> {
        ResponseFilter {
            from: self.period.map(|p| p.from * DAY_MS),
            until: self.period.map(|p| (p.to + 1) * DAY_MS),
            survey: self.survey.as_deref(),
            segment: self.segment.as_ref().map(|(d, v)| (d.as_str(), v.as_str())),
            like: self.like.as_deref(),
            written: self.written || self.q.is_some() || self.topic.is_some(),
            before: self.before.as_ref().map(|(at, id)| (*at, id.as_str())),
        }
    }

    fn passes(&self, r: &StoredResponse) -> bool {
        let q = self.q.as_deref();
        let topic = self.topic.as_deref();
        (q.is_none() || written(r).any(|t| q.is_some_and(|q| topics::contains(t, q))))
            && (topic.is_none()
                || written(r).any(|t| topic.is_some_and(|w| topics::mentions(t, w))))
            && (!self.written || written(r).next().is_some())
            && self.segment.as_ref().is_none_or(|(d, v)| {
                // The database's `LIKE` found the pair, in any case in SQLite: exactly here.
                d.strip_prefix(rollup::ATTRIBUTE).is_none_or(|key| {
                    r.enrichment.attributes.get(key).map(|a| rollup::cut(a)) == Some(v.as_str())
                })
            })
    }

    /// Up to `limit` matching responses after the cursor, and the cursor of the next page when
    /// there may be more.
    async fn page(
        &mut self,
        state: &AppState,
        site: &SiteKey,
        limit: usize,
    ) -> crate::store::StoreResult<(Vec<StoredResponse>, Option<String>)> {
        let mut out = Vec::new();
        let batch = (limit * 2).clamp(100, 1000);
        let mut scanned = 0;
        loop {
            let rows = state
                .store
                .explore(site, &self.filter(), batch as u32)
                .await?;
            let exhausted = rows.len() < batch;
            for r in rows {
                scanned += 1;
                self.before = Some((r.received_at, r.id.to_string()));
                if self.passes(&r) {
                    out.push(r);
                    if out.len() == limit {
                        let next = out.last().map(cursor);
                        return Ok((out, next));
                    }
                }
            }
            if exhausted {
                return Ok((out, None));
            }
            if scanned >= SCAN {
                let next = self.before.as_ref().map(|(at, id)| format!("{at}:{id}"));
                return Ok((out, next));
            }
        }
    }
}

/// A site's responses, newest first, each with its survey version, attributes, and each written
/// answer's sentiment and key phrases; filtered (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/responses",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ExploreQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{site_key, responses: [...], next}` (`shared::api::ResponseList` and more); `next` is the `before` of the next page, `null` on the last", body = ListedResponses),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date, period, segment, cursor or search", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn responses(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ExploreQuery>, QueryRejection>,
) -> Result<Json<ListedResponses>, ApiError> {
    let Query(q) = query?;
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let key: SiteKey = grant.site.key.clone();
    let mut explore = q.checked(rollup::day(state.clock.now_ms()))?;
    let (rows, next) = explore.page(&state, &key, limit as usize).await?;
    let responses = rows
        .into_iter()
        .map(listed)
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(ListedResponses {
        site_key: key,
        responses,
        next,
    }))
}

/// A response as the explorer lists it.
fn listed(mut r: StoredResponse) -> Result<ListedResponse, ApiError> {
    let survey_version = r.survey_version;
    let locale = r.enrichment.locale.clone();
    // Each free-text answer with its sentiment (`insight::sentiment`) and key phrases.
    let mut answers = crate::insight::sentiment::annotated(&r.answers, locale.as_deref());
    if let Some(list) = answers.as_array_mut() {
        for (value, answer) in list.iter_mut().zip(&r.answers) {
            if let (Some(fields), Answer::Text { text, .. }) = (value.as_object_mut(), answer) {
                let phrases = topics::key_phrases(text, locale.as_deref());
                fields.insert("key_phrases".into(), phrases.into());
            }
        }
    }
    let attributes = std::mem::take(&mut r.enrichment.attributes);
    let response = ApiResponse {
        id: r.id,
        survey_id: SurveyId::parse(r.survey_key).map_err(|e| ApiError::Internal(e.into()))?,
        answers: r.answers,
        page_url: r.page_url,
        received_at: rfc3339(r.received_at),
        page_path: r.enrichment.page_path,
        device: r.enrichment.device,
        browser: r.enrichment.browser,
        locale: r.enrichment.locale,
        visitor: r.enrichment.visitor,
        user_id: r.enrichment.user_id,
        email: r.enrichment.email,
    };
    let mut response = serde_json::to_value(response).map_err(|e| ApiError::Internal(e.into()))?;
    if let Some(fields) = response.as_object_mut() {
        fields.insert("answers".into(), answers);
        let channel = r.enrichment.channel.as_deref().unwrap_or("widget");
        fields.insert("channel".into(), channel.into());
    }
    Ok(ListedResponse {
        response,
        survey_version,
        attributes,
    })
}

/// `shared::api::ResponseList`, each response with what the collector added since: the survey
/// version it answered and the respondent's attributes; and where the next page starts.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ListedResponses {
    site_key: SiteKey,
    responses: Vec<ListedResponse>,
    next: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct ListedResponse {
    /// `shared::api::StoredResponse`, its text answers with `sentiment`, `sentiment_label` and
    /// `key_phrases`.
    #[serde(flatten)]
    #[schema(value_type = shared::api::StoredResponse)]
    response: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    survey_version: Option<u32>,
    /// What the site said about the respondent (`hark('identify', id, attrs)`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    attributes: std::collections::BTreeMap<String, String>,
}

/// The explorer's view as a download (viewer and up): every response that passes the filters,
/// newest first, in the site export's columns (`csv`, the default, or `ndjson`). `limit` and
/// `before` are ignored.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/responses/export",
    operation_id = "export_responses",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ExploreQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "CSV (a row per answer) or NDJSON (a line per response)", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date, period, segment, search or format", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ExploreQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(mut q) = query?;
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let format = super::lifecycle::export_format(q.format.as_deref())?;
    let today = rollup::day(state.clock.now_ms());
    // Every filter is checked as the list checks it; the export then starts at the newest.
    q.checked(today)?;
    q.before = None;
    let explore = q.checked(today)?;
    let key = grant.site.key.clone();
    let filename = format!("hark-{key}-responses.{}", format.extension());
    let pages = futures_util::stream::try_unfold(Some(explore), move |explore| {
        let state = state.clone();
        let key = key.clone();
        async move {
            let Some(mut explore) = explore else {
                return Ok(None);
            };
            let (rows, next) = explore
                .page(&state, &key, crate::export::PAGE as usize)
                .await?;
            let more = next.is_some().then_some(explore);
            Ok(Some((Bytes::from(format.encode(&rows)), more)))
        }
    });
    super::lifecycle::attachment(format, &filename, format.header(), pages)
}

/// The topics of the period's written answers (viewer and up): each recurring word of their
/// key phrases with its phrases, how many answers mention it, their sentiment, the NPS of the
/// responses that mention it against the others', whether it is emerging in the last seven
/// days, and the newest examples. Reads the newest 5,000 written answers of the period.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/topics",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The topics", body = shared::insight::Topics),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date, period or segment", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn topics_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<shared::insight::Topics>, ApiError> {
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    Ok(Json(read_topics(&state, &site, &q).await?))
}

/// The topics `q` asks for.
async fn read_topics(
    state: &AppState,
    site: &SiteKey,
    q: &PeriodQuery,
) -> Result<shared::insight::Topics, ApiError> {
    let period = q.period(rollup::day(state.clock.now_ms()))?;
    let segment = q.segment()?.map(|s| (s.dimension, s.value));
    // The period and `written` are `read::topics`'s.
    let filter = ResponseFilter {
        survey: q.survey(),
        segment: segment.as_ref().map(|(d, v)| (d.as_str(), v.as_str())),
        ..ResponseFilter::default()
    };
    let (found, texts_read, complete) =
        read::topics(state.store.as_ref(), site, &filter, period, TOPIC_TEXTS).await?;
    Ok(shared::insight::Topics {
        from: overview::date(period.from),
        to: overview::date(period.to),
        texts: texts_read,
        limit: u64::from(TOPIC_TEXTS),
        complete,
        topics: found,
    })
}

/// What to share of a topic, and with whom.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TopicSharing {
    /// The topic's word, as `…/insight/topics` names it.
    term: String,
    destination: String,
    #[serde(default)]
    note: Option<String>,
}

/// Shares a topic of the period's written answers with one of the site's destinations (agent
/// and up): how many answers mention it, their sentiment, its pull on NPS, the newest examples,
/// a link to them and the note, mailed and/or delivered as the `feedback.shared` webhook
/// event; the audit log records it. The query is `…/insight/topics`'s.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/insight/topics/share",
    tag = super::openapi::ADMIN,
    request_body(content = TopicSharing, description = "`{\"term\": \"delivery\", \"destination\": \"Product team\", \"note\": \"…\"}`: a topic of the period, a destination of the site's, a note of at most 2,000 characters"),
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Shared"),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "No such topic in the period, no such destination, too long a note, or a bad period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, headers, request))]
async fn share_topic(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
    headers: axum::http::HeaderMap,
    request: Result<Json<TopicSharing>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::http::StatusCode, ApiError> {
    let Query(q) = query?;
    let (site, who) = super::cases::who(&caller, &site_key, Role::Agent)?;
    let Json(request) = request?;
    let found = read_topics(&state, &site, &q).await?;
    let term = request.term.trim().to_lowercase();
    let Some(topic) = found.topics.iter().find(|t| t.term == term) else {
        return Err(ApiError::Invalid(format!(
            "term: {term:?} is not a topic of the written answers from {} to {}",
            found.from, found.to
        )));
    };
    let encoded: String = url::form_urlencoded::byte_serialize(term.as_bytes()).collect();
    let link =
        super::cases::dashboard_link(&state, &headers, &format!("#/responses?topic={encoded}"));
    let sharing = crate::complaints::share::Sharing {
        destination: request.destination,
        note: request.note,
    };
    let subject = crate::complaints::share::Subject::Topic(topic);
    let now = state.clock.now_ms();
    let to = crate::complaints::cases::share_other(
        state.store.as_ref(),
        &site,
        subject,
        &who,
        &sharing,
        &link,
        now,
    )
    .await?;
    super::admin::audit_change(
        &state,
        &caller,
        &site,
        "topic.share",
        format!("{term:?} with {to}"),
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
