//! The customer's status page: `GET /c/{token}` (HTML without script, forms that post back to
//! `/c/{token}/reply` and `/c/{token}/rating` and answer `303` to the page) and the same as JSON
//! for the widget and API users (`GET /api/v1/c/{token}`, `POST …/replies`, `POST …/rating`).
//! The token is the capability: a wrong, expired or erased one gets the same 404. Each request
//! is limited per client address and per token. What the customer sees and what a rating does
//! are decided in `closing/` and `complaints::cases`; this module only reads and answers.

use super::ingest::{limit_client, read_body, take_apart};
use super::{cors, ApiError, AppState};
use crate::closing::page::{self, Flash};
use crate::closing::{survey, token, view};
use crate::complaints::cases::{self, CaseError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::case::PublicCase;
use shared::{ResponseId, SiteKey};
use std::net::IpAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(page_reply))
        .routes(routes!(page_rating))
        .routes(routes!(case_json))
        .routes(routes!(reply_json))
        .routes(routes!(rating_json))
}

/// The one answer for a token that opens nothing, whatever the reason.
const NO_CASE: ApiError = ApiError::NotFound("no case has this link, or the link expired");

/// The case a request's token opens.
struct Opened {
    site: SiteKey,
    id: ResponseId,
}

/// Limits the client and the token, then finds the token's case.
async fn open(state: &AppState, peer: Option<IpAddr>, token: &str) -> Result<Opened, ApiError> {
    limit_client(state, peer)?;
    let hash = token::hash(token).ok_or(NO_CASE)?;
    state
        .limiter
        .check_token(&hash, state.clock.as_ref())
        .map_err(|retry| ApiError::RateLimited {
            what: "for this case",
            retry_after: retry.0,
        })?;
    let (site, id) = state
        .store
        .case_of_token(&hash, state.clock.now_ms())
        .await?
        .ok_or(NO_CASE)?;
    Ok(Opened { site, id })
}

/// What the customer sees of the opened case, in the language `requested`, else the one they
/// filed it in, else their browser's.
async fn public_view(
    state: &AppState,
    opened: &Opened,
    requested: Option<&str>,
    headers: &HeaderMap,
) -> Result<PublicCase, ApiError> {
    let store = state.store.as_ref();
    let case = store.case(&opened.site, &opened.id).await?.ok_or(NO_CASE)?;
    let timeline = store.timeline(&opened.id).await?;
    let ratings = store.case_ratings(&opened.id).await?;
    let survey = survey::pick(store.active_surveys(&opened.site).await?);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = view::language(requested, case.enrichment.locale.as_deref(), accept);
    Ok(view::public_case(&case, &timeline, &ratings, survey, lang))
}

/// `?lang=` and `?sent=` (what the last form did), both optional; anything else is ignored.
#[derive(Debug, Default)]
struct PageQuery {
    lang: Option<String>,
    sent: Option<String>,
}

/// Reads `lang` and `sent` from the query string; anything else in it is ignored.
fn page_query(uri: &axum::http::Uri) -> PageQuery {
    let mut q = PageQuery::default();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match &*k {
            "lang" => q.lang = Some(v.into_owned()),
            "sent" => q.sent = Some(v.into_owned()),
            _ => {}
        }
    }
    q
}

/// The case's status page.
#[utoipa::path(
    get,
    path = "/c/{token}",
    operation_id = "status_page",
    tag = super::openapi::PUBLIC,
    params(
        ("token" = String, Path, description = "The case's token, from the acknowledgement or an e-mail"),
        ("lang" = Option<String>, Query, description = "The page's language, one of the widget's seven"),
    ),
    responses(
        (status = 200, description = "The page: no script, a strict CSP, `Referrer-Policy: no-referrer`", body = String, content_type = "text/html"),
        (status = 404, description = "The same page for a wrong, expired or erased token", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from this client or for this token; see Retry-After", body = String, content_type = "text/html"),
    )
)]
#[tracing::instrument(skip_all)]
async fn page(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let query = page_query(request.uri());
    let (peer, headers, _) = take_apart(&state, request).await;
    let shown = async {
        let opened = open(&state, peer, &token).await?;
        public_view(&state, &opened, query.lang.as_deref(), &headers).await
    }
    .await;
    let flash = match query.sent.as_deref() {
        Some("reply") => Some(Flash::ReplyAdded),
        Some("thanks") => Some(Flash::Thanks),
        Some("sorry") => Some(Flash::Sorry),
        _ => None,
    };
    match shown {
        Ok(case) => html(
            StatusCode::OK,
            page::render(&case, &token, flash.as_ref(), "", &[]),
        ),
        Err(e) => html_error(e, query.lang.as_deref(), &headers),
    }
}

/// The form's fields, in order, repeated names kept (a multiple choice sends one per option).
fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// What a form's answer is: back to the page (`303`) with what it did, or the page again with
/// the problem and what was typed.
enum FormOutcome {
    Done(&'static str),
    Problem(StatusCode, String),
}

/// The customer's reply from the page's form (`body`).
#[utoipa::path(
    post,
    path = "/c/{token}/reply",
    tag = super::openapi::PUBLIC,
    params(("token" = String, Path, description = "The case's token")),
    request_body(content = super::openapi::ReplyForm, content_type = "application/x-www-form-urlencoded", description = "`body`: the reply, 1 to 10,000 characters"),
    responses(
        (status = 303, description = "Added: back to the page, which says so"),
        (status = 404, description = "No case has this token", body = String, content_type = "text/html"),
        (status = 422, description = "The page again, with the problem and the draft", body = String, content_type = "text/html"),
        (status = 429, description = "Rate-limited; see Retry-After", body = String, content_type = "text/html"),
    )
)]
#[tracing::instrument(skip_all)]
async fn page_reply(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (peer, headers, body) = take_apart(&state, request).await;
    let fields = body.as_ref().map(form_fields).unwrap_or_default();
    let draft = fields
        .iter()
        .find(|(k, _)| k == "body")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let done = async {
        let opened = open(&state, peer, &token).await?;
        let outcome = match cases::customer_reply(
            state.store.as_ref(),
            &opened.site,
            &opened.id,
            None,
            draft.clone(),
            state.clock.now_ms(),
        )
        .await
        {
            Ok(_) => FormOutcome::Done("reply"),
            Err(CaseError::Invalid(why)) => {
                FormOutcome::Problem(StatusCode::UNPROCESSABLE_ENTITY, why)
            }
            Err(e) => return Err(ApiError::from(e)),
        };
        Ok((opened, outcome))
    }
    .await;
    answer_form(&state, &token, &headers, done, &draft, &[]).await
}

/// The resolution survey's answers from the page's form (`q.ID` per question).
#[utoipa::path(
    post,
    path = "/c/{token}/rating",
    tag = super::openapi::PUBLIC,
    params(("token" = String, Path, description = "The case's token")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`q.ID` for each question of the resolution survey (once per chosen option of a multiple choice), `q.ID.other` for a choice's other text"),
    responses(
        (status = 303, description = "Recorded: back to the page, which thanks the customer (or says the case was reopened)"),
        (status = 404, description = "No case has this token", body = String, content_type = "text/html"),
        (status = 409, description = "The case is not resolved, or this resolution was rated already: the page again, saying so", body = String, content_type = "text/html"),
        (status = 422, description = "An answer that does not fit its question: the page again, with the answers", body = String, content_type = "text/html"),
        (status = 429, description = "Rate-limited; see Retry-After", body = String, content_type = "text/html"),
    )
)]
#[tracing::instrument(skip_all)]
async fn page_rating(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (peer, headers, body) = take_apart(&state, request).await;
    let fields = body.as_ref().map(form_fields).unwrap_or_default();
    let done = async {
        let opened = open(&state, peer, &token).await?;
        let survey = survey::pick(state.store.active_surveys(&opened.site).await?);
        let answers = survey::from_form(&survey, &fields)
            .and_then(|a| survey::check(&survey, &opened.site, a));
        let outcome = match answers {
            Err(why) => FormOutcome::Problem(StatusCode::UNPROCESSABLE_ENTITY, why),
            Ok(answers) => match rate(&state, &opened, &survey, answers).await {
                Ok(reopened) => FormOutcome::Done(if reopened { "sorry" } else { "thanks" }),
                Err(CaseError::Conflict(why)) => FormOutcome::Problem(StatusCode::CONFLICT, why),
                Err(CaseError::Invalid(why)) => {
                    FormOutcome::Problem(StatusCode::UNPROCESSABLE_ENTITY, why)
                }
                Err(e) => return Err(ApiError::from(e)),
            },
        };
        Ok((opened, outcome))
    }
    .await;
    answer_form(&state, &token, &headers, done, "", &fields).await
}

/// Records a rating; whether it reopened the case.
async fn rate(
    state: &AppState,
    opened: &Opened,
    survey: &shared::Survey,
    answers: Vec<shared::Answer>,
) -> Result<bool, CaseError> {
    let rated = cases::rate(
        state.store.as_ref(),
        &opened.site,
        &opened.id,
        survey,
        answers,
        state.clock.now_ms(),
    )
    .await?;
    state.outbox.notify_one();
    Ok(rated.reopens)
}

async fn answer_form(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
    done: Result<(Opened, FormOutcome), ApiError>,
    draft: &str,
    answers: &[(String, String)],
) -> Response {
    let (opened, outcome) = match done {
        Ok(d) => d,
        Err(e) => return html_error(e, None, headers),
    };
    match outcome {
        FormOutcome::Done(what) => {
            state.outbox.notify_one();
            let mut response = StatusCode::SEE_OTHER.into_response();
            let location = format!("/c/{token}?sent={what}");
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            secure_headers(response.headers_mut());
            response
        }
        FormOutcome::Problem(status, why) => match public_view(state, &opened, None, headers).await
        {
            Ok(case) => html(
                status,
                page::render(&case, token, Some(&Flash::Problem(why)), draft, answers),
            ),
            Err(e) => html_error(e, None, headers),
        },
    }
}

/// `{"body"}`: a reply from the widget or an API client.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    body: String,
}

/// `{"answers"}`: the resolution survey's answers (`shared::Answer`, as the widget posts them).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    #[schema(min_items = 1)]
    answers: Vec<shared::Answer>,
}

/// The case as its customer sees it (`shared::case::PublicCase`).
#[utoipa::path(
    get,
    path = "/api/v1/c/{token}",
    tag = super::openapi::PUBLIC,
    params(
        ("token" = String, Path, description = "The case's token"),
        ("lang" = Option<String>, Query, description = "The language of `state` and the survey"),
    ),
    responses(
        (status = 200, description = "`{\"reference\", \"status\", \"state\", \"lang\", \"timeline\": [{\"at\", \"kind\", \"body\", \"status\", \"state\", \"detail\"}], \"can_reply\", \"rating\"}`: `rating` is the resolution survey while the resolution waits for one, else null", body = shared::case::PublicCase),
        (status = 404, description = "No case has this token (wrong, expired or erased alike)", body = super::openapi::ErrorDoc),
        (status = 429, description = "Rate-limited; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn case_json(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let query = page_query(request.uri());
    let (peer, headers, _) = take_apart(&state, request).await;
    let shown = async {
        let opened = open(&state, peer, &token).await?;
        let origin = allowed_origin(&state, &opened, &headers, false).await?;
        let case = public_view(&state, &opened, query.lang.as_deref(), &headers).await?;
        Ok::<_, ApiError>((origin, case))
    }
    .await;
    json_answer(StatusCode::OK, shown, &headers)
}

/// A reply from the customer: on the timeline, and a case that waited on them is open again.
#[utoipa::path(
    post,
    path = "/api/v1/c/{token}/replies",
    tag = super::openapi::PUBLIC,
    params(("token" = String, Path, description = "The case's token")),
    request_body(content((ReplyBody = "application/json"), (ReplyBody = "text/plain")), description = "`{\"body\"}`: 1 to 10,000 characters"),
    responses(
        (status = 201, description = "Added: the case as the customer now sees it", body = shared::case::PublicCase),
        (status = 415, description = "Not JSON or text/plain", body = super::openapi::ErrorDoc),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 403, description = "A browser's `Origin` that is neither the site's nor the collector's", body = super::openapi::ErrorDoc),
        (status = 404, description = "No case has this token", body = super::openapi::ErrorDoc),
        (status = 413, description = "Body over 64 KiB", body = super::openapi::ErrorDoc),
        (status = 422, description = "Empty, or over 10,000 characters, or the case is closed", body = super::openapi::ErrorDoc),
        (status = 429, description = "Rate-limited; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn reply_json(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (peer, headers, body) = take_apart(&state, request).await;
    let done = async {
        let opened = open(&state, peer, &token).await?;
        let origin = allowed_origin(&state, &opened, &headers, true).await?;
        let reply: ReplyBody = parse(&headers, body)?;
        cases::customer_reply(
            state.store.as_ref(),
            &opened.site,
            &opened.id,
            None,
            reply.body,
            state.clock.now_ms(),
        )
        .await?;
        state.outbox.notify_one();
        let case = public_view(&state, &opened, None, &headers).await?;
        Ok((origin, case))
    }
    .await;
    json_answer(StatusCode::CREATED, done, &headers)
}

/// The customer's rating of the resolution: the resolution survey's answers, stored as a survey
/// response linked to the case, on its timeline, sent as `resolution.rated`; an unhappy one
/// (CSAT at or below the site's `reopen_at_or_below`, 2 by default) reopens the case.
#[utoipa::path(
    post,
    path = "/api/v1/c/{token}/rating",
    tag = super::openapi::PUBLIC,
    params(("token" = String, Path, description = "The case's token")),
    request_body(content((RatingBody = "application/json"), (RatingBody = "text/plain")), description = "`{\"answers\": [shared::Answer]}`, as a survey response's answers"),
    responses(
        (status = 201, description = "Recorded: the case as the customer now sees it (reopened after an unhappy rating)", body = shared::case::PublicCase),
        (status = 415, description = "Not JSON or text/plain", body = super::openapi::ErrorDoc),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 403, description = "A browser's `Origin` that is neither the site's nor the collector's", body = super::openapi::ErrorDoc),
        (status = 404, description = "No case has this token", body = super::openapi::ErrorDoc),
        (status = 409, description = "The case is not resolved, or this resolution was rated already", body = super::openapi::ErrorDoc),
        (status = 413, description = "Body over 64 KiB", body = super::openapi::ErrorDoc),
        (status = 422, description = "An answer out of range, to no question of the survey, twice, or a required one missing", body = super::openapi::ErrorDoc),
        (status = 429, description = "Rate-limited; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn rating_json(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (peer, headers, body) = take_apart(&state, request).await;
    let done = async {
        let opened = open(&state, peer, &token).await?;
        let origin = allowed_origin(&state, &opened, &headers, true).await?;
        let rating: RatingBody = parse(&headers, body)?;
        let survey = survey::pick(state.store.active_surveys(&opened.site).await?);
        let answers =
            survey::check(&survey, &opened.site, rating.answers).map_err(ApiError::Invalid)?;
        rate(&state, &opened, &survey, answers).await?;
        let case = public_view(&state, &opened, None, &headers).await?;
        Ok((origin, case))
    }
    .await;
    json_answer(StatusCode::CREATED, done, &headers)
}

fn parse<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = read_body(headers, body)?;
    serde_json::from_slice(&body).map_err(|e| ApiError::Malformed(format!("the body: {e}")))
}

/// The `Origin` a browser's script may read the answer from: the site's origins and the
/// collector's own. A read from another page gets the answer without it (its scripts cannot read
/// it); a `write` from one is refused (403). A client that is not a browser sends no `Origin`.
async fn allowed_origin(
    state: &AppState,
    opened: &Opened,
    headers: &HeaderMap,
    write: bool,
) -> Result<Option<HeaderValue>, ApiError> {
    if cors::request_origin(headers).is_none() {
        return Ok(None);
    }
    let site = state.store.site(&opened.site).await?.ok_or(NO_CASE)?;
    match cors::check_origin(&site, headers) {
        Ok(origin) => Ok(Some(origin)),
        Err(e) if write => Err(e),
        Err(_) => Ok(None),
    }
}

fn json_answer(
    status: StatusCode,
    done: Result<(Option<HeaderValue>, PublicCase), ApiError>,
    headers: &HeaderMap,
) -> Response {
    let (mut response, origin) = match done {
        Ok((origin, case)) => ((status, axum::Json(case)).into_response(), origin),
        // An error is readable by the page that asked, so that the widget can say what it was.
        Err(e) => (e.into_response(), headers.get(header::ORIGIN).cloned()),
    };
    cors::allow(&mut response, origin.as_ref());
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The headers of every status-page answer: a case's page is nobody's to frame, cache or pass
/// on in a `Referer`.
fn secure_headers(h: &mut HeaderMap) {
    if let Ok(csp) = HeaderValue::from_str(&page::CSP) {
        super::pages::secure(h, csp, super::pages::Framing::Nobody);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(h);
    response
}

/// An error as a page: the one "not found" page for every token that opens nothing, and the
/// error's own sentence for the rest (a rate limit keeps its `Retry-After`).
fn html_error(e: ApiError, requested: Option<&str>, headers: &HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = view::language(requested, None, accept);
    let (status, _) = e.status_and_code();
    if status == StatusCode::NOT_FOUND {
        return html(status, page::not_found(lang));
    }
    let retry_after = e
        .into_response()
        .headers()
        .get(header::RETRY_AFTER)
        .cloned();
    let message = match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many requests: please wait a moment and try again.",
        StatusCode::SERVICE_UNAVAILABLE => {
            "This page cannot be shown right now: please try again in a moment."
        }
        _ => "Something went wrong: please try again.",
    };
    let mut response = html(status, page::message(lang, message));
    if let Some(r) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, r);
    }
    response
}
