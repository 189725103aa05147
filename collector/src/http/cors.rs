//! Cross-origin rules for the public API: a site's answers come only from the site's origins.
//!
//! The widget posts as `text/plain`, a "simple" request without a preflight, so the check that
//! matters happens on the request itself, per site. Preflights (from clients that send JSON) carry
//! no site key, so they pass for any origin that some site allows.

use super::{ApiError, AppState};
use crate::store::Site;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The `Origin` a browser sent, if any.
pub(crate) fn request_origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// Lets the browser hand the response to a script of `origin`, `Retry-After` included (it is
/// not one of the headers a cross-origin script may read unless told).
pub(crate) fn allow(response: &mut Response, origin: Option<&HeaderValue>) {
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    if let Some(value) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value.clone());
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
}

/// Answers a CORS preflight.
pub(crate) async fn preflight(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(origin) = request_origin(&headers) else {
        return Err(ApiError::Malformed(
            "a preflight needs an Origin header".into(),
        ));
    };
    if !state.store.any_site_allows(origin).await? {
        return Err(ApiError::OriginNotAllowed(format!(
            "no site allows the origin {origin}"
        )));
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    allow(&mut response, headers.get(header::ORIGIN));
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    Ok(response)
}

/// The origin a public write or read for `site` comes from, if it may: one of the site's
/// origins, or the collector's own (the hosted page), as the request's header says it (for
/// `allow`). Requests without an `Origin` are refused (the widget's browser always sends one).
pub(crate) fn check_origin(site: &Site, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    match request_origin(headers) {
        Some(o) if site.allows_origin(o) || is_own_origin(headers, o) => {
            Ok(headers[header::ORIGIN].clone())
        }
        Some(o) => Err(ApiError::OriginNotAllowed(format!(
            "site {} does not allow the origin {o}",
            site.key
        ))),
        None => Err(ApiError::OriginNotAllowed(
            "answers must come with an Origin header".into(),
        )),
    }
}

/// Whether `origin` is the collector's own: the scheme (`http` or `https`, which the server
/// behind a proxy cannot tell) and the `Host` the request was sent to. Pages served from there,
/// like the hosted survey page `/s/{survey}`, may send answers and complaints for any site.
pub(crate) fn is_own_origin(headers: &HeaderMap, origin: &str) -> bool {
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
    else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    let (authority, default_port) = if let Some(a) = origin.strip_prefix("https://") {
        (a, ":443")
    } else if let Some(a) = origin.strip_prefix("http://") {
        (a, ":80")
    } else {
        return false;
    };
    !authority.is_empty()
        && (host == authority || host.strip_suffix(default_port) == Some(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_origin_is_the_host_the_request_was_sent_to() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("Hark.Example:8080"));
        assert!(is_own_origin(&headers, "http://hark.example:8080"));
        assert!(is_own_origin(&headers, "https://hark.example:8080"));
        assert!(!is_own_origin(&headers, "http://hark.example"));
        assert!(!is_own_origin(&headers, "http://evil.example:8080"));
        assert!(!is_own_origin(&headers, "hark.example:8080"));
        headers.insert(header::HOST, HeaderValue::from_static("hark.example:443"));
        assert!(is_own_origin(&headers, "https://hark.example"));
        assert!(!is_own_origin(&headers, "http://hark.example"));
        assert!(!is_own_origin(&HeaderMap::new(), "http://hark.example"));
    }
}
