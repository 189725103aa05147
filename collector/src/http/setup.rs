//! `/api/v1/setup`: the first user, made through a one-time link instead of the command line.
//!
//! When `hark serve` starts on a database without users, it makes a random token, stores its
//! SHA-256 hash with an expiry 24 hours later (by the injected clock) and prints the link
//! `PUBLIC_URL/dashboard/setup#TOKEN` (the token in the fragment, so that it is not sent to the
//! server or put in its access logs by loading the page). `POST /api/v1/setup` with the token
//! creates the first user, the owner of every site, or of a new site when there is none, and
//! signs them in. Once any user exists, setup answers `410 gone` and no link is made.

use super::session::open_session;
use super::{ApiError, AppState};
use crate::accounts::{Email, Password};
use crate::clock::Millis;
use crate::store::{normalize_origin, AuditEntry, Store};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How long a setup link works.
pub const SETUP_LINK_MS: Millis = 24 * 60 * 60 * 1000;

const DONE: &str = "this collector is set up already: sign in, or ask an owner for an account";

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status, set_up))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// A new setup token if the database has no user yet (`None` otherwise), stored as a hash that
/// expires `SETUP_LINK_MS` after `now`. The caller shows it once, in the setup link.
pub async fn issue_setup_token(store: &dyn Store, now: Millis) -> anyhow::Result<Option<String>> {
    if store.has_users().await? {
        return Ok(None);
    }
    let token = hex::encode(rand::rng().random::<[u8; 32]>());
    store
        .create_setup_token(&token_hash(&token), now, now + SETUP_LINK_MS)
        .await?;
    Ok(Some(token))
}

/// Whether setup is still to do, and whether it must create a site.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SetupStatus {
    /// No user exists yet.
    needed: bool,
    /// No site exists yet: setup needs `site_name` and `origin` too.
    needs_site: bool,
}

/// Whether the collector still needs its first user (the dashboard's setup page asks).
#[utoipa::path(
    get,
    path = "/api/v1/setup",
    tag = super::openapi::ADMIN,
    responses(
        (status = 200, description = "`{needed, needs_site}`: whether there is no user yet, and no site", body = SetupStatus),
    )
)]
async fn status(State(state): State<AppState>) -> Result<Response, ApiError> {
    let needed = !state.store.has_users().await?;
    let needs_site = needed && state.store.sites().await?.is_empty();
    let mut response = Json(SetupStatus { needed, needs_site }).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SetUp {
    token: String,
    #[schema(
        max_length = 254,
        pattern = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\s*$"
    )]
    email: String,
    #[schema(min_length = 10, max_length = 1024)]
    password: String,
    /// For the site setup creates when there is none.
    site_name: Option<String>,
    origin: Option<String>,
}

/// Creates the first user with the one-time token from the setup link, and signs them in.
#[utoipa::path(
    post,
    path = "/api/v1/setup",
    tag = super::openapi::ADMIN,
    request_body(content = SetUp, description = "`{\"token\", \"email\", \"password\"}`, and `site_name` and `origin` when the collector has no site yet"),
    responses(
        (status = 201, description = "The first user, owner of every site, signed in: `{email, csrf_token, sites}` and the session cookie", body = shared::api::Account),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 403, description = "The token is unknown, used or expired", body = super::openapi::ErrorDoc),
        (status = 410, description = "A user exists already: setup is done", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid e-mail address, password, site name or origin", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn set_up(
    State(state): State<AppState>,
    body: Result<Json<SetUp>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    let now = state.clock.now_ms();
    if state.store.has_users().await? {
        return Err(ApiError::Gone(DONE.into()));
    }
    // Everything is checked before the token is spent, so that a typo does not cost the link.
    let email = Email::parse(&request.email).map_err(ApiError::Invalid)?;
    let password = Password::new(request.password).map_err(ApiError::Invalid)?;
    let new_site = if state.store.sites().await?.is_empty() {
        let name = request.site_name.as_deref().unwrap_or_default().trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ApiError::Invalid(
                "the collector has no site yet: give `site_name` (1 to 200 characters) and `origin`"
                    .into(),
            ));
        }
        let origin = normalize_origin(request.origin.as_deref().unwrap_or_default())
            .map_err(ApiError::Invalid)?;
        Some((name.to_owned(), origin))
    } else {
        None
    };
    let hash = tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)?;

    if !state
        .store
        .use_setup_token(&token_hash(&request.token), now)
        .await?
    {
        tracing::info!("a setup attempt with a wrong, used or expired token was refused");
        return Err(ApiError::Forbidden(
            "this setup link is wrong, used or expired: restart `hark serve` for a new one".into(),
        ));
    }
    if let Some((name, origin)) = new_site {
        state.store.create_site(&name, &[origin], now).await?;
    }
    let Some(user_id) = state
        .store
        .create_first_user(email.as_str(), &hash, now)
        .await?
    else {
        return Err(ApiError::Gone(DONE.into()));
    };
    for grant in state.store.memberships(user_id).await? {
        state
            .store
            .record_audit(&AuditEntry {
                at: now,
                actor: email.to_string(),
                site: Some(grant.site.key),
                action: "user.setup".into(),
                detail: "first user, owner".into(),
            })
            .await?;
    }
    tracing::info!("the first user was created through the setup link");
    let mut response = open_session(&state, user_id, email.to_string(), now).await?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}
