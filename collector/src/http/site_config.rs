//! `GET /api/v1/sites/{site_key}/config`: what the loader needs to decide whether a survey is due.

use super::{cors, ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::{SiteConfig, SiteKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Debug, Deserialize)]
struct ConfigQuery {
    /// The visitor's language (`data-lang` or the browser's), e.g. `de-AT`.
    #[serde(default)]
    lang: Option<String>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, method) = routes!(config);
    OpenApiRouter::new().routes((schemas, paths, method.options(cors::preflight)))
}

/// What the loader needs: the site's settings, the built-in words in the visitor's language and
/// the active surveys (`shared::SiteConfig`).
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site_key}/config",
    tag = super::openapi::PUBLIC,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("lang" = Option<String>, Query, description = "The visitor's language, e.g. `de-AT`"),
    ),
    responses(
        (status = 200, description = "`shared::SiteConfig`; `ETag`, `Cache-Control: public, max-age=60`", body = shared::SiteConfig),
        (status = 304, description = "The client's copy (`If-None-Match`) is current"),
        (status = 403, description = "The `Origin` is not one of the site's (nor the collector's own)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No site has this key", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(level = "debug", skip(state, headers))]
async fn config(
    State(state): State<AppState>,
    Path(site_key): Path<String>,
    Query(query): Query<ConfigQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = SiteKey::parse(site_key).map_err(|_| ApiError::UnknownSite)?;
    let site = state.store.site(&key).await?.ok_or(ApiError::UnknownSite)?;
    let origin = cors::request_origin(&headers);
    if let Some(o) = origin {
        if !site.allows_origin(o) && !cors::is_own_origin(&headers, o) {
            return Err(ApiError::OriginNotAllowed(format!(
                "site {key} does not allow the origin {o}"
            )));
        }
        if site.allows_origin(o) {
            record_sighting(&state, &key, o).await;
        }
    }
    // The loader never shows the resolution survey: it is asked on a case's status page.
    let mut surveys = state.store.active_surveys(&key).await?;
    surveys.retain(shared::Survey::on_pages);
    let settings = state
        .store
        .site_settings(&key)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    let config = SiteConfig::for_visitor(key, settings, surveys, query.lang.as_deref());
    let body = serde_json::to_vec(&config).map_err(|e| ApiError::Internal(e.into()))?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);

    let not_modified = super::client_has(&headers, &etag);
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Widgets see a change within a minute; revalidation is cheap thanks to the ETag.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    cors::allow(&mut response, origin.and(headers.get(header::ORIGIN)));
    Ok(response)
}

/// Records that a page at `origin` (one the site allows) fetched the config, at most once a
/// minute per site and origin (`sightings.rs`). A failure is logged, never the visitor's
/// problem: the config is served all the same.
async fn record_sighting(state: &AppState, key: &SiteKey, origin: &str) {
    let now = state.clock.now_ms();
    if !state.sightings.due(key, origin, now) {
        return;
    }
    if let Err(e) = state.store.record_sighting(key, origin, now).await {
        state.sightings.failed(key, origin);
        tracing::warn!(error = %e, site = %key, "cannot record where the snippet was seen");
    }
}

/// The language to speak to a visitor who asked for `requested`: `shared::site::choose_lang`,
/// which the dashboard's preview shares.
pub(super) use shared::site::choose_lang;
