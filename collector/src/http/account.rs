//! `/api/v1/admin/account/*`: the signed-in user's own account. Changing the password (with the
//! current one; every other session ends), signing out everywhere, and two-factor sign-in:
//! enrolment (the password, then a first code confirms it and gives ten recovery codes, shown
//! once), new recovery codes and turning it off (each with the password or a code). A session's
//! routes only: an API token belongs to a site, not to a person.
//!
//! Every wrong password or code counts toward the sign-in limit (`session::Attempt`), as at
//! sign-in, so that a stolen session cannot be used to guess them.

use super::admin::Caller;
use super::session::{peer_address, verify_password, Attempt};
use super::{ApiError, AppState};
use crate::accounts::Password;
use crate::clock::Millis;
use crate::store::AuditEntry;
use crate::two_factor::{self, Presented};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use shared::team::{
    PasswordChange, RecoveryCodes, TwoFactorCode, TwoFactorEnrolment, TwoFactorProof,
    TwoFactorStart, TwoFactorStatus,
};
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(two_factor_status, start_two_factor))
        .routes(routes!(confirm_two_factor))
        .routes(routes!(disable_two_factor))
        .routes(routes!(new_recovery_codes))
}

type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// The signed-in user behind a session: id, address and the session's stored hash.
struct Me<'a> {
    user_id: i64,
    email: &'a str,
    session_hash: &'a str,
}

fn me(caller: &Caller) -> Result<Me<'_>, ApiError> {
    match caller {
        Caller::Session {
            user_id,
            email,
            token_hash,
            ..
        } => Ok(Me {
            user_id: *user_id,
            email,
            session_hash: token_hash,
        }),
        Caller::Token { .. } => Err(ApiError::Forbidden(
            "an API token has no account: sign in to the dashboard as the user".into(),
        )),
    }
}

/// Records a change to one's own account in the log of each of the user's sites (as a sign-in
/// is), so that each site's admins see it.
async fn audit_account(
    state: &AppState,
    caller: &Caller,
    action: &str,
    detail: String,
) -> Result<(), ApiError> {
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
                action: action.into(),
                detail: detail.clone(),
            })
            .await?;
    }
    Ok(())
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const WRONG_PASSWORD: ApiError = ApiError::WrongProof {
    code: "wrong_password",
    message: "the password is wrong",
};
const WRONG_CODE: ApiError = ApiError::WrongProof {
    code: "wrong_code",
    message: "the code is wrong or was used already",
};

/// The user's password, checked as a re-entered proof: a wrong one counts toward the limit.
async fn check_password(
    state: &AppState,
    attempt: &Attempt,
    user_id: i64,
    password: String,
) -> Result<(), ApiError> {
    let stored = state
        .store
        .user_by_id(user_id)
        .await?
        .map(|u| u.password_hash);
    if verify_password(password, stored).await? {
        Ok(())
    } else {
        attempt.failed(state);
        Err(WRONG_PASSWORD)
    }
}

/// What a presented second factor is worth.
pub(crate) enum CodeCheck {
    /// The user has no confirmed second factor.
    NotEnrolled,
    /// They have one, and no code was given.
    Missing,
    /// A right code, now spent: an app's code's step, or a recovery code.
    Passed,
    Wrong,
}

/// Checks (and spends) a second factor's code of `user_id` at `now`: six digits from the app,
/// once per 30-second step, or a recovery code, once each.
pub(crate) async fn check_code(
    state: &AppState,
    user_id: i64,
    code: Option<&str>,
    now: Millis,
) -> Result<CodeCheck, ApiError> {
    let Some(record) = state
        .store
        .two_factor(user_id)
        .await?
        .filter(|r| r.confirmed)
    else {
        return Ok(CodeCheck::NotEnrolled);
    };
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Ok(CodeCheck::Missing);
    };
    let passed = match Presented::read(code) {
        None => false,
        Some(Presented::Recovery(plain)) => {
            state
                .store
                .use_recovery_code(user_id, &two_factor::recovery_hash(user_id, &plain), now)
                .await?
        }
        Some(Presented::App(digits)) => {
            let Some(secret) = open_secret(state, user_id, &record.sealed_secret) else {
                return Ok(CodeCheck::Wrong);
            };
            match two_factor::matching_step(&secret, &digits, now, record.last_step) {
                Some(step) => state.store.use_code_step(user_id, step).await?,
                None => false,
            }
        }
    };
    Ok(if passed {
        CodeCheck::Passed
    } else {
        CodeCheck::Wrong
    })
}

/// The user's secret; `None` (logged) when it cannot be opened: without the key it was sealed
/// with, only recovery codes still work.
fn open_secret(state: &AppState, user_id: i64, sealed: &str) -> Option<Vec<u8>> {
    let Some(key) = &state.two_factor_key else {
        tracing::error!(
            "a user with two-factor sign-in sent an app's code, but two_factor_key is not set: only their recovery codes work"
        );
        return None;
    };
    match key.open(user_id, sealed) {
        Ok(secret) => Some(secret),
        Err(e) => {
            tracing::error!(error = %e, "a two-factor secret cannot be opened");
            None
        }
    }
}

/// Changes the caller's password, given the current one; every other session of theirs ends.
#[utoipa::path(
    put,
    path = "/api/v1/admin/account/password",
    tag = super::openapi::ADMIN,
    request_body = PasswordChange,
    security(("session" = [])),
    responses(
        (status = 204, description = "Changed; the caller's other sessions have ended, this one goes on"),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "The current password is wrong (`wrong_password`), an API token, or a missing CSRF token", body = super::openapi::ErrorDoc),
        (status = 422, description = "The new password is too short or too long", body = super::openapi::ErrorDoc),
        (status = 429, description = "Too many wrong passwords; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    peer: Peer,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let me = me(&caller)?;
    let Json(PasswordChange {
        current_password,
        new_password,
    }) = body?;
    let new_password = Password::new(new_password).map_err(ApiError::Invalid)?;
    let attempt = Attempt::start(&state, Some(me.email), peer_address(peer))?;
    check_password(&state, &attempt, me.user_id, current_password).await?;
    let hash = tokio::task::spawn_blocking(move || new_password.hash())
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)?;
    let ended = state
        .store
        .set_password(me.user_id, &hash, Some(me.session_hash))
        .await?;
    audit_account(
        &state,
        &caller,
        "account.password",
        format!("{ended} other sessions ended"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the caller, this one included, in every browser.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/account/sessions",
    tag = super::openapi::ADMIN,
    security(("session" = [])),
    responses(
        (status = 204, description = "Signed out everywhere; the cookie is cleared. API tokens are the sites', and stay"),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "An API token, or a missing CSRF token", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let me = me(&caller)?;
    let ended = state.store.end_sessions(me.user_id).await?;
    audit_account(
        &state,
        &caller,
        "session.delete_all",
        format!("{ended} sessions ended"),
    )
    .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.sessions.cookie("", 0));
    Ok(response)
}

/// The caller's second factor: whether it is on, waiting for its first code, and how many
/// recovery codes are left; and whether this collector can keep one at all.
#[utoipa::path(
    get,
    path = "/api/v1/admin/account/two-factor",
    tag = super::openapi::ADMIN,
    security(("session" = [])),
    responses(
        (status = 200, description = "The caller's second factor", body = TwoFactorStatus),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "An API token", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn two_factor_status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TwoFactorStatus>, ApiError> {
    let me = me(&caller)?;
    let record = state.store.two_factor(me.user_id).await?;
    Ok(Json(TwoFactorStatus {
        available: state.two_factor_key.is_some(),
        enabled: record.as_ref().is_some_and(|r| r.confirmed),
        pending: record.as_ref().is_some_and(|r| !r.confirmed),
        recovery_codes_left: record
            .as_ref()
            .filter(|r| r.confirmed)
            .map_or(0, |r| r.recovery_codes_left),
    }))
}

/// Starts enrolment, given the password: a new secret for the authenticator app. Nothing changes
/// at sign-in until a code from the app confirms it; starting again replaces the secret.
#[utoipa::path(
    post,
    path = "/api/v1/admin/account/two-factor",
    tag = super::openapi::ADMIN,
    request_body = TwoFactorStart,
    security(("session" = [])),
    responses(
        (status = 200, description = "The secret as an otpauth:// URI (for a QR code) and in base32", body = TwoFactorEnrolment),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "The password is wrong (`wrong_password`), an API token, or a missing CSRF token", body = super::openapi::ErrorDoc),
        (status = 409, description = "Two-factor sign-in is on already, or this collector has no `two_factor_key`", body = super::openapi::ErrorDoc),
        (status = 429, description = "Too many wrong passwords; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn start_two_factor(
    State(state): State<AppState>,
    caller: Caller,
    peer: Peer,
    body: Result<Json<TwoFactorStart>, JsonRejection>,
) -> Result<Response, ApiError> {
    let me = me(&caller)?;
    let Json(TwoFactorStart { password }) = body?;
    let Some(key) = state.two_factor_key.clone() else {
        return Err(ApiError::Conflict(
            "two-factor sign-in is off on this collector: its operator sets `two_factor_key` to turn it on"
                .into(),
        ));
    };
    let attempt = Attempt::start(&state, Some(me.email), peer_address(peer))?;
    check_password(&state, &attempt, me.user_id, password).await?;
    let secret = two_factor::new_secret();
    if !state
        .store
        .start_two_factor(
            me.user_id,
            &key.seal(me.user_id, &secret),
            state.clock.now_ms(),
        )
        .await?
    {
        return Err(on_already());
    }
    let (otpauth_uri, secret) = two_factor::enrolment(&secret, me.email);
    Ok(no_store(
        Json(TwoFactorEnrolment {
            secret,
            otpauth_uri,
        })
        .into_response(),
    ))
}

fn on_already() -> ApiError {
    ApiError::Conflict("two-factor sign-in is on already: turn it off first to enrol again".into())
}

/// Confirms enrolment with a code from the app: from now on sign-in asks for a code. Answers the
/// ten recovery codes, shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/admin/account/two-factor/confirm",
    tag = super::openapi::ADMIN,
    request_body = TwoFactorCode,
    security(("session" = [])),
    responses(
        (status = 200, description = "On; the recovery codes, shown this once", body = RecoveryCodes),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "An API token, or a missing CSRF token", body = super::openapi::ErrorDoc),
        (status = 409, description = "No enrolment waits for a code (none started, or it is on already)", body = super::openapi::ErrorDoc),
        (status = 422, description = "The code does not match the secret now", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn confirm_two_factor(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<TwoFactorCode>, JsonRejection>,
) -> Result<Response, ApiError> {
    let me = me(&caller)?;
    let Json(TwoFactorCode { code }) = body?;
    let now = state.clock.now_ms();
    let record = state.store.two_factor(me.user_id).await?;
    let Some(record) = record.filter(|r| !r.confirmed) else {
        return Err(ApiError::Conflict(
            "no enrolment waits for a code: start one first (or two-factor sign-in is on already)"
                .into(),
        ));
    };
    let secret = open_secret(&state, me.user_id, &record.sealed_secret).ok_or_else(|| {
        ApiError::Conflict("this enrolment's secret cannot be read any more: start again".into())
    })?;
    let Some(step) = two_factor::matching_step(&secret, &code, now, 0) else {
        return Err(ApiError::Invalid(
            "the code does not match: check that the app's clock is right, and type the code it shows now"
                .into(),
        ));
    };
    let (codes, hashes) = two_factor::new_recovery_codes(me.user_id);
    if !state
        .store
        .confirm_two_factor(me.user_id, step, &hashes, now)
        .await?
    {
        return Err(on_already());
    }
    audit_account(&state, &caller, "two_factor.enable", String::new()).await?;
    Ok(no_store(
        Json(RecoveryCodes {
            recovery_codes: codes,
        })
        .into_response(),
    ))
}

/// The proof that a change to a confirmed second factor needs: the password, or a code (the
/// app's or a recovery code, which is then spent). Wrong ones count toward the sign-in limit.
async fn prove(
    state: &AppState,
    me: &Me<'_>,
    peer: Option<SocketAddr>,
    proof: TwoFactorProof,
) -> Result<(), ApiError> {
    let attempt = Attempt::start(state, Some(me.email), peer)?;
    match proof {
        TwoFactorProof {
            password: Some(password),
            ..
        } => check_password(state, &attempt, me.user_id, password).await,
        TwoFactorProof {
            code: Some(code), ..
        } => match check_code(state, me.user_id, Some(&code), state.clock.now_ms()).await? {
            CodeCheck::Passed => Ok(()),
            CodeCheck::NotEnrolled => Err(not_on()),
            CodeCheck::Missing | CodeCheck::Wrong => {
                attempt.failed(state);
                Err(WRONG_CODE)
            }
        },
        _ => Err(ApiError::Invalid(
            "send `password`, or `code` (from the app, or a recovery code)".into(),
        )),
    }
}

fn not_on() -> ApiError {
    ApiError::Conflict("two-factor sign-in is not on".into())
}

/// Turns two-factor sign-in off, with the password or a code; the recovery codes go with it.
#[utoipa::path(
    post,
    path = "/api/v1/admin/account/two-factor/disable",
    tag = super::openapi::ADMIN,
    request_body = TwoFactorProof,
    security(("session" = [])),
    responses(
        (status = 204, description = "Off: sign-in asks for the password only"),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "A wrong password (`wrong_password`) or code (`wrong_code`), an API token, or a missing CSRF token", body = super::openapi::ErrorDoc),
        (status = 409, description = "Two-factor sign-in is not on", body = super::openapi::ErrorDoc),
        (status = 422, description = "Neither password nor code", body = super::openapi::ErrorDoc),
        (status = 429, description = "Too many wrong passwords or codes; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn disable_two_factor(
    State(state): State<AppState>,
    caller: Caller,
    peer: Peer,
    body: Result<Json<TwoFactorProof>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let me = me(&caller)?;
    let Json(proof) = body?;
    if state.store.two_factor(me.user_id).await?.is_none() {
        return Err(not_on());
    }
    prove(&state, &me, peer_address(peer), proof).await?;
    state.store.disable_two_factor(me.user_id).await?;
    audit_account(&state, &caller, "two_factor.disable", String::new()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ten new recovery codes, with the password or a code; the old ones stop working.
#[utoipa::path(
    post,
    path = "/api/v1/admin/account/two-factor/recovery-codes",
    tag = super::openapi::ADMIN,
    request_body = TwoFactorProof,
    security(("session" = [])),
    responses(
        (status = 200, description = "The new recovery codes, shown this once", body = RecoveryCodes),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid session", body = super::openapi::ErrorDoc),
        (status = 403, description = "A wrong password (`wrong_password`) or code (`wrong_code`), an API token, or a missing CSRF token", body = super::openapi::ErrorDoc),
        (status = 409, description = "Two-factor sign-in is not on", body = super::openapi::ErrorDoc),
        (status = 422, description = "Neither password nor code", body = super::openapi::ErrorDoc),
        (status = 429, description = "Too many wrong passwords or codes; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn new_recovery_codes(
    State(state): State<AppState>,
    caller: Caller,
    peer: Peer,
    body: Result<Json<TwoFactorProof>, JsonRejection>,
) -> Result<Response, ApiError> {
    let me = me(&caller)?;
    let Json(proof) = body?;
    if !state
        .store
        .two_factor(me.user_id)
        .await?
        .is_some_and(|r| r.confirmed)
    {
        return Err(not_on());
    }
    prove(&state, &me, peer_address(peer), proof).await?;
    let (codes, hashes) = two_factor::new_recovery_codes(me.user_id);
    state
        .store
        .replace_recovery_codes(me.user_id, &hashes)
        .await?;
    audit_account(&state, &caller, "two_factor.recovery_codes", String::new()).await?;
    Ok(no_store(
        Json(RecoveryCodes {
            recovery_codes: codes,
        })
        .into_response(),
    ))
}
