//! Calls to the collector's admin API, on the dashboard's own origin.
//!
//! A signed-in admin holds either an API token, sent as a Bearer credential, or a session: the
//! `hark_session` cookie (HttpOnly, so only the browser sends it) with the session's CSRF token,
//! which every change (`POST`, `DELETE`, …) carries as `X-CSRF-Token`.

use shared::api::{Account, ErrorBody, Me, ResponseList};
use shared::SiteKey;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCache, RequestCredentials, RequestInit, Response};

/// How a signed-in admin proves who they are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Auth {
    /// An API token (`hark token create`), kept in `sessionStorage`.
    Token(String),
    /// The session cookie, which the browser keeps; this is its CSRF token.
    Cookie { csrf_token: String },
}

/// Why an API call gave no data, in words to show the admin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 401 or 403: the token is unknown, revoked or not allowed here, or the e-mail address or
    /// password is wrong. Holds the server's message.
    Denied(String),
    /// 429: too many attempts; try again after this many seconds.
    TooMany { message: String, retry_after: u64 },
    /// Anything else: the network, another status, or a body that does not parse.
    Failed(String),
}

impl ApiError {
    pub(crate) fn message(&self) -> &str {
        match self {
            ApiError::Denied(m) | ApiError::Failed(m) | ApiError::TooMany { message: m, .. } => m,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ApiError {}

/// The admin behind an API token.
pub(crate) async fn me(token: &str) -> Result<Me, ApiError> {
    let auth = Auth::Token(token.to_owned());
    let body = call("GET", "/api/v1/admin/me", Some(&auth), None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// The account whose session cookie this browser holds, if it holds a live one.
pub(crate) async fn session() -> Result<Account, ApiError> {
    let body = call("GET", "/api/v1/admin/me", None, None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Signs in with an e-mail address and a password: the browser keeps the session cookie.
pub(crate) async fn log_in(email: &str, password: &str) -> Result<Account, ApiError> {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let body = call("POST", "/api/v1/admin/session", None, Some(body)).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Ends the session (a token has none to end).
pub(crate) async fn log_out(auth: &Auth) -> Result<(), ApiError> {
    match auth {
        Auth::Token(_) => Ok(()),
        Auth::Cookie { .. } => call("DELETE", "/api/v1/admin/session", Some(auth), None)
            .await
            .map(drop),
    }
}

/// Whether the collector still needs its first user, and whether it has no site.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct SetupStatus {
    pub(crate) needed: bool,
    pub(crate) needs_site: bool,
}

pub(crate) async fn setup_status() -> Result<SetupStatus, ApiError> {
    let body = call("GET", "/api/v1/setup", None, None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Creates the first user with the setup link's token, and signs them in.
pub(crate) async fn set_up(request: &serde_json::Value) -> Result<Account, ApiError> {
    let body = call("POST", "/api/v1/setup", None, Some(request.to_string())).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// The site's responses, newest first.
pub(crate) async fn responses(auth: &Auth, site: &SiteKey) -> Result<ResponseList, ApiError> {
    // A site key is a URL-safe token by construction, so it needs no escaping.
    let path = format!("/api/v1/admin/sites/{site}/responses");
    let body = call("GET", &path, Some(auth), None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

fn unreadable(e: serde_json::Error) -> ApiError {
    ApiError::Failed(format!(
        "the collector sent data the dashboard cannot read: {e}"
    ))
}

/// `METHOD path` with `auth` and a JSON `body`; the body of a 2xx, an [`ApiError`] otherwise.
async fn call(
    method: &str,
    path: &str,
    auth: Option<&Auth>,
    body: Option<String>,
) -> Result<String, ApiError> {
    let unreachable =
        |_| ApiError::Failed("the collector could not be reached; try again".to_owned());
    let window =
        web_sys::window().ok_or_else(|| ApiError::Failed("no browser window".to_owned()))?;

    let headers = Headers::new().map_err(unreachable)?;
    match auth {
        Some(Auth::Token(token)) => headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(unreachable)?,
        Some(Auth::Cookie { csrf_token }) if method != "GET" => headers
            .set("X-CSRF-Token", csrf_token)
            .map_err(unreachable)?,
        _ => {}
    }
    headers
        .set("Accept", "application/json")
        .map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(unreachable)?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    // The session cookie goes to this origin only.
    init.set_credentials(RequestCredentials::SameOrigin);
    // Admin data must be current after "Refresh", so no HTTP cache may answer for the server.
    init.set_cache(RequestCache::NoStore);
    let request = Request::new_with_str_and_init(path, &init).map_err(unreachable)?;

    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into())
        .map_err(unreachable)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|b| b.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();

    let status = response.status();
    if response.ok() {
        return Ok(text);
    }
    let message = serde_json::from_str::<ErrorBody>(&text)
        .map(|e| e.error.message)
        .unwrap_or_else(|_| format!("the collector answered {status}"));
    Err(match status {
        401 | 403 => ApiError::Denied(message),
        429 => {
            let retry_after = response
                .headers()
                .get("Retry-After")
                .ok()
                .flatten()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(60);
            ApiError::TooMany {
                message: too_many(retry_after),
                retry_after,
            }
        }
        _ => ApiError::Failed(message),
    })
}

/// What a 429 says to the admin.
pub(crate) fn too_many(retry_after: u64) -> String {
    format!("too many attempts, try again in {retry_after} s")
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_rate_limit_says_when_to_try_again() {
        assert_eq!(super::too_many(42), "too many attempts, try again in 42 s");
    }
}
