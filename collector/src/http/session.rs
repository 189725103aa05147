//! `/api/v1/admin/session`: dashboard logins and logouts, with the session cookie.
//!
//! The cookie `hark_session` holds a random token whose SHA-256 hash is stored; the session's
//! CSRF token is derived from it (`SessionToken::csrf_token`). A session ends after
//! `Sessions::idle_ms` without use, judged by the injected clock.

use super::admin::Caller;
use super::{ApiError, AppState};
use crate::accounts::{Email, LoginLimiter, Password, SessionToken};
use crate::clock::Millis;
use crate::store::{AuditEntry, Grant};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use serde::Deserialize;
use shared::api::{Account, SiteRole};
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "hark_session";

/// How sessions are kept: cookie flags, idle timeout, login rate limit.
#[derive(Debug)]
pub(crate) struct Sessions {
    secure_cookies: bool,
    pub(crate) idle_ms: Millis,
    /// Failed sign-ins, wrong second-factor codes, wrong passwords re-entered and unknown
    /// invitation links, counted together.
    pub(crate) logins: LoginLimiter,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Sessions {
    pub(crate) fn new(secure_cookies: bool) -> Self {
        Self {
            secure_cookies,
            idle_ms: 12 * 60 * 60 * 1000,
            logins: LoginLimiter::default(),
        }
    }

    /// Whether the collector is served over HTTPS (its cookies then carry `Secure`).
    pub(crate) fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    pub(crate) fn cookie(&self, value: &str, max_age_s: i64) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}"
        ))
        .expect("a cookie of hex digits is a valid header")
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login, logout))
}

/// The session token in the request's cookies, if any.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<SessionToken> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| SessionToken::from_cookie(value.trim()))
}

pub(crate) fn site_roles(grants: &[Grant]) -> Vec<SiteRole> {
    grants
        .iter()
        .map(|g| SiteRole {
            site_key: g.site.key.clone(),
            site_name: g.site.name.clone(),
            role: g.role.to_string(),
        })
        .collect()
}

/// An attempt to prove who one is (a sign-in, a password or code re-entered, an invitation's
/// link), counted by the sign-in limiter under the e-mail address (if any) and the client's
/// address: `start` refuses it while either has used up its failures.
pub(crate) struct Attempt {
    keys: Vec<String>,
    now: Millis,
}

impl Attempt {
    pub(crate) fn start(
        state: &AppState,
        email: Option<&str>,
        peer: Option<SocketAddr>,
    ) -> Result<Self, ApiError> {
        let now = state.clock.now_ms();
        let mut keys = Vec::with_capacity(2);
        if let Some(email) = email {
            // An address that cannot be an e-mail is just a wrong one, counted under its own text.
            let key = match Email::parse(email) {
                Ok(e) => e.to_string(),
                Err(_) => email.trim().to_lowercase(),
            };
            keys.push(format!(
                "email:{}",
                key.chars().take(254).collect::<String>()
            ));
        }
        keys.extend(peer.map(|addr| format!("ip:{}", addr.ip())));
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        state
            .sessions
            .logins
            .check(&refs, now)
            .map_err(|retry_after| ApiError::TooManyLogins { retry_after })?;
        Ok(Self { keys, now })
    }

    /// Counts a failure toward the limit.
    pub(crate) fn failed(&self, state: &AppState) {
        let refs: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        state.sessions.logins.record_failure(&refs, self.now);
    }
}

/// The client's address, where the server knows it (not in-process).
pub(crate) fn peer_address(peer: Option<Extension<ConnectInfo<SocketAddr>>>) -> Option<SocketAddr> {
    peer.map(|Extension(ConnectInfo(addr))| addr)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Login {
    email: String,
    password: String,
    /// The second factor, for an account that has one: six digits from the authenticator app,
    /// or a recovery code.
    #[serde(default)]
    code: Option<String>,
}

/// Dashboard login, `{"email", "password"}` and, for an account with two-factor sign-in,
/// `"code"`: sets the `hark_session` cookie.
#[utoipa::path(
    post,
    path = "/api/v1/admin/session",
    tag = super::openapi::ADMIN,
    request_body(content = Login, description = "`{\"email\", \"password\"}`, and `\"code\"` (six digits from the authenticator app, or a recovery code) for an account with two-factor sign-in: without it, such an account is answered `401 two_factor_required`, and the client asks for the code and sends all three again"),
    responses(
        (status = 200, description = "Signed in: `{email, csrf_token, sites}` (`shared::api::Account`)", body = shared::api::Account),
        (status = 401, description = "Wrong e-mail address or password (`wrong_credentials`); the password was right but the account needs a second factor (`two_factor_required`) or the code is wrong or used (`wrong_code`)", body = super::openapi::ErrorDoc),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 429, description = "Rate-limited; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Json<Login>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(Login {
        email,
        password,
        code,
    }) = body?;
    let now = state.clock.now_ms();
    let attempt = Attempt::start(&state, Some(&email), peer_address(peer))?;

    let user = match Email::parse(&email) {
        Ok(e) => state.store.user_by_email(e.as_str()).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = verify_password(password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        attempt.failed(&state);
        tracing::info!("a login was refused");
        return Err(ApiError::WrongCredentials);
    };
    second_factor_at_sign_in(&state, &attempt, user.id, code.as_deref(), now).await?;
    open_session(&state, user.id, user.email, now).await
}

/// Whether `password` matches the stored hash (with `None`, the same time spent and false), on
/// a blocking thread: Argon2id is slow on purpose.
pub(crate) async fn verify_password(
    password: String,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    let password = Password::presented(password);
    tokio::task::spawn_blocking(move || password.verify(stored.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(e.into()))
}

/// Past the password, the second factor of a user who has one: `two_factor_required` without a
/// code (not a failure: the password was right), `wrong_code` for a wrong or used one, counted
/// toward the sign-in limit as a wrong password is.
pub(crate) async fn second_factor_at_sign_in(
    state: &AppState,
    attempt: &Attempt,
    user_id: i64,
    code: Option<&str>,
    now: Millis,
) -> Result<(), ApiError> {
    use super::account::{check_code, CodeCheck};
    match check_code(state, user_id, code, now).await? {
        CodeCheck::NotEnrolled | CodeCheck::Passed => Ok(()),
        CodeCheck::Missing => Err(ApiError::TwoFactorRequired),
        CodeCheck::Wrong => {
            attempt.failed(state);
            tracing::info!("a sign-in with a wrong second factor was refused");
            Err(ApiError::WrongCode)
        }
    }
}

/// Starts a session for a user who proved who they are: stores it, records `session.create` in
/// the log of each of the user's sites, and answers `200` with the `Account` and the cookie.
pub(crate) async fn open_session(
    state: &AppState,
    user_id: i64,
    email: String,
    now: Millis,
) -> Result<Response, ApiError> {
    let token = SessionToken::generate();
    state
        .store
        .create_session(user_id, &token.hash(), now, now + state.sessions.idle_ms)
        .await?;
    state.store.record_sign_in(user_id, now).await?;
    let grants = state.store.memberships(user_id).await?;
    // Once in the log of each of the user's sites, so that each site's admins see who came in.
    let mut sites: Vec<_> = grants.iter().map(|g| Some(g.site.key.clone())).collect();
    if sites.is_empty() {
        sites.push(None);
    }
    for site in sites {
        state
            .store
            .record_audit(&AuditEntry {
                at: now,
                actor: email.clone(),
                site,
                action: "session.create".into(),
                detail: String::new(),
            })
            .await?;
    }
    let account = Account {
        email,
        csrf_token: token.csrf_token(),
        sites: site_roles(&grants),
    };
    let max_age = state.sessions.idle_ms / 1000;
    let mut response = (StatusCode::OK, Json(account)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        state.sessions.cookie(token.expose(), max_age),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Logout: ends the session.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/session",
    tag = super::openapi::ADMIN,
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "An API token, which has no session; or a missing CSRF token", body = super::openapi::ErrorDoc),
    )
)]
/// Ends the caller's session. Goes through `Caller`, so it needs the CSRF token like any change.
#[tracing::instrument(skip_all)]
async fn logout(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let Some(token_hash) = caller.session_hash() else {
        // The request is well formed; an API token is just not a caller this route serves.
        return Err(ApiError::Forbidden(
            "an API token has no session to end".into(),
        ));
    };
    state.store.delete_session(token_hash).await?;
    let mut sites: Vec<_> = caller.sites().map(|key| Some(key.clone())).collect();
    if sites.is_empty() {
        sites.push(None);
    }
    for site in sites {
        state
            .store
            .record_audit(&AuditEntry {
                at: state.clock.now_ms(),
                actor: caller.actor(),
                site,
                action: "session.delete".into(),
                detail: String::new(),
            })
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.sessions.cookie("", 0));
    Ok(response)
}
