//! Calls to the collector's admin API, on the dashboard's own origin.

use shared::api::{ErrorBody, Me, ResponseList};
use shared::SiteKey;
use std::fmt;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCache, RequestInit, Response};

/// Why an API call gave no data, in words to show the admin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 401 or 403: the token is unknown, revoked or not allowed here. Holds the server's message.
    Denied(String),
    /// Anything else: the network, another status, or a body that does not parse.
    Failed(String),
}

impl ApiError {
    pub(crate) fn message(&self) -> &str {
        match self {
            ApiError::Denied(m) | ApiError::Failed(m) => m,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ApiError {}

/// The admin behind `token`.
pub(crate) async fn me(token: &str) -> Result<Me, ApiError> {
    let body = get(token, "/api/v1/admin/me").await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// The site's responses, newest first.
pub(crate) async fn responses(token: &str, site: &SiteKey) -> Result<ResponseList, ApiError> {
    // A site key is a URL-safe token by construction, so it needs no escaping.
    let body = get(token, &format!("/api/v1/admin/sites/{site}/responses")).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

fn unreadable(e: serde_json::Error) -> ApiError {
    ApiError::Failed(format!(
        "the collector sent data the dashboard cannot read: {e}"
    ))
}

/// `GET path` with the token as a Bearer credential; the body on a 2xx, an [`ApiError`] otherwise.
async fn get(token: &str, path: &str) -> Result<String, ApiError> {
    let unreachable =
        |_| ApiError::Failed("the collector could not be reached; try again".to_owned());
    let window =
        web_sys::window().ok_or_else(|| ApiError::Failed("no browser window".to_owned()))?;

    let headers = Headers::new().map_err(unreachable)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(unreachable)?;
    headers
        .set("Accept", "application/json")
        .map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    // Admin data must be current after "Refresh", so no HTTP cache may answer for the server.
    init.set_cache(RequestCache::NoStore);
    let request = Request::new_with_str_and_init(path, &init).map_err(unreachable)?;

    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into())
        .map_err(unreachable)?;
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|b| b.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();

    let status = response.status();
    if response.ok() {
        return Ok(body);
    }
    let message = serde_json::from_str::<ErrorBody>(&body)
        .map(|e| e.error.message)
        .unwrap_or_else(|_| format!("the collector answered {status}"));
    Err(match status {
        401 | 403 => ApiError::Denied(message),
        _ => ApiError::Failed(message),
    })
}
