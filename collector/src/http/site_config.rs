//! `GET /api/v1/sites/{site_key}/config`: what the loader needs to decide whether a survey is due.

use super::{cors, ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use shared::{SiteConfig, SiteKey};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/sites/{site_key}/config",
        get(config).options(cors::preflight),
    )
}

#[tracing::instrument(skip(state, headers))]
async fn config(
    State(state): State<AppState>,
    Path(site_key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = SiteKey::parse(site_key).map_err(|_| ApiError::UnknownSite)?;
    let site = state.store.site(&key).await?.ok_or(ApiError::UnknownSite)?;
    let origin = cors::request_origin(&headers);
    if let Some(o) = origin {
        if !site.allows_origin(o) {
            return Err(ApiError::OriginNotAllowed(format!(
                "site {key} does not allow the origin {o}"
            )));
        }
    }
    let config = SiteConfig {
        surveys: state.store.active_surveys(&key).await?,
        site_key: key,
    };
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
    cors::allow(&mut response, origin);
    Ok(response)
}
