//! `GET /s/{survey_id}?site=KEY[&lang=xx]`: the hosted page. The same widget, full page, on
//! the collector's own origin: where a host page's CSP forbids WebAssembly (the loader falls back
//! to it, in an iframe) and as a link in an e-mail. The page is only the loader's script tag;
//! the loader (`data-hosted`) does the rest, and its answers come from the collector's own
//! origin, which ingest and the config accept for every site (`cors::is_own_origin`).

use super::pages::Framing;
use super::site_config::choose_lang;
use super::AppState;
use crate::html::escape;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::{i18n, SiteKey, SurveyId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Only the collector's own scripts and wasm, its own API, and any page may frame it.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; \
    form-action 'none'; frame-ancestors *";

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(page))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    site: Option<String>,
    lang: Option<String>,
}

/// The hosted page: the widget, full page, on the collector's origin.
#[utoipa::path(
    get,
    path = "/s/{survey_id}",
    operation_id = "survey_page",
    tag = super::openapi::PUBLIC,
    params(
        ("survey_id" = String, Path, description = "The survey's id"),
        ("site" = String, Query, description = "The site's key"),
        ("lang" = Option<String>, Query, description = "The visitor's language"),
    ),
    responses(
        (status = 200, description = "The page: the loader's script tag, under a strict CSP", body = String, content_type = "text/html"),
        (status = 404, description = "A page saying the survey is not found", body = String, content_type = "text/html"),
    )
)]
#[tracing::instrument(skip(state))]
async fn page(
    State(state): State<AppState>,
    Path(survey_id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    // A query that cannot be read names no survey this page can show.
    let query = query.ok().map(|Query(q)| q);
    let (site, lang) = query.map_or((None, None), |q| (q.site, q.lang));
    match find(&state, &survey_id, site, lang).await {
        Ok(Some(html)) => html_response(StatusCode::OK, html),
        Ok(None) => not_found(),
        Err(e) => e.into_response(),
    }
}

/// The page for an active survey of a known site, `None` for anything else.
async fn find(
    state: &AppState,
    survey_id: &str,
    site: Option<String>,
    lang: Option<String>,
) -> Result<Option<String>, super::ApiError> {
    let (Some(site), Ok(survey_id)) = (site, SurveyId::parse(survey_id)) else {
        return Ok(None);
    };
    let Ok(key) = SiteKey::parse(site) else {
        return Ok(None);
    };
    if state.store.site(&key).await?.is_none() {
        return Ok(None);
    }
    let mut surveys = state.store.active_surveys(&key).await?;
    surveys.retain(shared::Survey::on_pages);
    // `data-lang` passes the visitor's choice on to the loader, when it is a language tag.
    let requested = lang
        .map(|l| l.replace('_', "-").to_ascii_lowercase())
        .filter(|l| i18n::is_lang(l));
    let (chosen, title) = match surveys.iter().find(|s| s.id == survey_id) {
        Some(survey) => (
            choose_lang(requested.as_deref(), std::slice::from_ref(survey)),
            survey.name.clone(),
        ),
        // The launcher's views, for the loader's fallback where the page forbids wasm.
        None => {
            let lang = choose_lang(requested.as_deref(), &[]);
            let words = i18n::strings(&lang);
            let title = match survey_id.as_str() {
                "menu" => words.launcher,
                "complaint" => words.report,
                "suggestion" => words.suggest,
                _ => return Ok(None),
            };
            (lang, title.into_owned())
        }
    };
    let dir = if i18n::is_rtl(&chosen) { "rtl" } else { "ltr" };
    let data_lang = requested
        .map(|l| format!(" data-lang=\"{}\"", escape(&l)))
        .unwrap_or_default();
    // Keys, ids and language tags are tokens (no markup characters), escaped all the same.
    Ok(Some(format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n<body>\n\
         <script src=\"/widget.js\" data-site=\"{site}\" data-survey=\"{survey}\"{data_lang} data-hosted async></script>\n\
         </body>\n</html>\n",
        lang = escape(&chosen),
        title = escape(&title),
        site = escape(key.as_str()),
        survey = escape(survey_id.as_str()),
    )))
}

fn not_found() -> Response {
    html_response(
        StatusCode::NOT_FOUND,
        "<!doctype html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Survey not found</title>\n</head>\n<body>\n\
         <h1>Survey not found</h1>\n<p>This survey does not exist or is not running any more.</p>\n\
         </body>\n</html>\n"
            .to_owned(),
    )
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    super::pages::secure(h, HeaderValue::from_static(CSP), Framing::Anyone);
    response
}
