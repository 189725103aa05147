//! `/api/v1/admin/*`: what admins and agents read and change. Every route checks the caller's
//! role on the site it names.

use super::session::{session_cookie, site_roles};
use super::{ApiError, AppState};
use crate::access::{ApiToken, Role};
use crate::accounts::same_secret;
use crate::clock::rfc3339;
use crate::store::{AuditEntry, AuditQuery, Grant, DAY_MS};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::api::{
    Account, AuditLine, AuditList, CreatedToken, Me, NewToken, TokenInfo, TokenList,
};
use shared::SiteKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit))
}

/// The authenticated caller: a Bearer API token (one site, one role) or a dashboard session
/// (a role on each of the user's sites).
pub(crate) enum Caller {
    Token {
        id: i64,
        grant: Grant,
    },
    Session {
        user_id: i64,
        email: String,
        grants: Vec<Grant>,
        /// The stored form of the session token, to end the session.
        token_hash: String,
        csrf_token: String,
    },
}

impl Caller {
    /// The caller's grant on `site`, if the caller has at least `role` there. A site the caller
    /// has no role on is refused the same whether it exists or not.
    pub(crate) fn on_site(&self, site: &str, role: Role) -> Result<&Grant, ApiError> {
        let grant = match self {
            Caller::Token { grant, .. } => Some(grant).filter(|g| g.site.key.as_str() == site),
            Caller::Session { grants, .. } => grants.iter().find(|g| g.site.key.as_str() == site),
        };
        let Some(grant) = grant else {
            return Err(ApiError::Forbidden(format!(
                "you have no access to site {site}"
            )));
        };
        if !grant.role.at_least(role) {
            return Err(ApiError::Forbidden(format!(
                "this needs the {role} role or higher"
            )));
        }
        Ok(grant)
    }

    /// Who the audit log says did it: a user's e-mail address or `token:<id>`.
    pub(crate) fn actor(&self) -> String {
        match self {
            Caller::Token { id, .. } => format!("token:{id}"),
            Caller::Session { email, .. } => email.clone(),
        }
    }

    /// Who the case timeline says did it.
    pub(crate) fn timeline_actor(&self) -> shared::case::Actor {
        match self {
            Caller::Token { id, .. } => shared::case::Actor::Token { id: *id },
            Caller::Session { user_id, email, .. } => shared::case::Actor::User {
                id: *user_id,
                email: email.clone(),
            },
        }
    }

    /// The dashboard user behind a session; `None` for an API token.
    pub(crate) fn user_id(&self) -> Option<i64> {
        match self {
            Caller::Token { .. } => None,
            Caller::Session { user_id, .. } => Some(*user_id),
        }
    }

    /// The sites the caller has a role on.
    pub(crate) fn sites(&self) -> impl Iterator<Item = &SiteKey> {
        let grants = match self {
            Caller::Token { grant, .. } => std::slice::from_ref(grant),
            Caller::Session { grants, .. } => grants.as_slice(),
        };
        grants.iter().map(|g| &g.site.key)
    }

    /// The caller's role on each of their sites.
    pub(crate) fn grants(&self) -> &[Grant] {
        match self {
            Caller::Token { grant, .. } => std::slice::from_ref(grant),
            Caller::Session { grants, .. } => grants,
        }
    }

    /// The stored form of the session token, for a session's caller.
    pub(crate) fn session_hash(&self) -> Option<&str> {
        match self {
            Caller::Token { .. } => None,
            Caller::Session { token_hash, .. } => Some(token_hash),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Caller::from_headers(&parts.headers, &parts.method, state).await
    }
}

impl Caller {
    /// The caller a request's headers authenticate, as the extractor finds it: for a route that
    /// takes a caller only sometimes (accepting an invitation while signed in).
    pub(crate) async fn from_headers(
        headers: &HeaderMap,
        method: &Method,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        if let Some(authorization) = headers.get(header::AUTHORIZATION) {
            // A Bearer token is sent on purpose by a script, never by the browser on its own:
            // it needs no CSRF token.
            let token = authorization
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(ApiError::Unauthorized)?;
            let (id, grant) = state
                .store
                .token_grant(&ApiToken::hash(token))
                .await?
                .ok_or(ApiError::Unauthorized)?;
            return Ok(Caller::Token { id, grant });
        }
        let token = session_cookie(headers).ok_or(ApiError::Unauthorized)?;
        let now = state.clock.now_ms();
        let token_hash = token.hash();
        let user = state
            .store
            .touch_session(&token_hash, now, now + state.sessions.idle_ms)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let csrf_token = token.csrf_token();
        // The browser sends the cookie with any request to this origin, whoever's page made it:
        // a change must also prove that it comes from a page that could read the CSRF token.
        if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let presented = headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !same_secret(presented, &csrf_token) {
                return Err(ApiError::Forbidden(format!(
                    "a change made with the session cookie needs the {CSRF_HEADER} header"
                )));
            }
        }
        let grants = state.store.memberships(user.user_id).await?;
        Ok(Caller::Session {
            user_id: user.user_id,
            email: user.email,
            grants,
            token_hash,
            csrf_token,
        })
    }
}

/// The header that carries a session's CSRF token.
const CSRF_HEADER: &str = "x-csrf-token";

/// Who the caller is: a token's `{site_key, site_name, role}`, a session's
/// `{email, csrf_token, sites}`.
#[utoipa::path(
    get,
    path = "/api/v1/admin/me",
    tag = super::openapi::ADMIN,
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::api::Me` or `shared::api::Account`", body = super::openapi::MeDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
    )
)]
/// A token's caller gets `Me` (its one site); a session's gets `Account` (every site).
async fn me(caller: Caller) -> Response {
    match caller {
        Caller::Token { grant, .. } => Json(Me {
            site_key: grant.site.key,
            site_name: grant.site.name,
            role: grant.role.to_string(),
        })
        .into_response(),
        Caller::Session {
            email,
            grants,
            csrf_token,
            ..
        } => Json(Account {
            email,
            csrf_token,
            sites: site_roles(&grants),
        })
        .into_response(),
    }
}

/// Records a change in the audit log.
pub(crate) async fn audit_change(
    state: &AppState,
    caller: &Caller,
    site: &SiteKey,
    action: &str,
    detail: String,
) -> Result<(), ApiError> {
    state
        .store
        .record_audit(&AuditEntry {
            at: state.clock.now_ms(),
            actor: caller.actor(),
            site: Some(site.clone()),
            action: action.into(),
            detail,
        })
        .await?;
    Ok(())
}

/// A site's unrevoked API tokens, newest first, without their secrets (admin and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/tokens",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::api::TokenList`: each token's id, role and creation time", body = shared::api::TokenList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<TokenList>, ApiError> {
    let key = caller.on_site(&site_key, Role::Admin)?.site.key.clone();
    let tokens = state
        .store
        .site_tokens(&key)
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            id: t.id,
            role: t.role.to_string(),
            created_at: rfc3339(t.created_at),
        })
        .collect();
    Ok(Json(TokenList {
        site_key: key,
        tokens,
    }))
}

/// Mints an API token of a role no higher than one's own (admin and up, audited).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/tokens",
    tag = super::openapi::ADMIN,
    request_body(content = shared::api::NewToken, description = "`{\"role\"}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "`shared::api::CreatedToken`: the token, shown this once", body = shared::api::CreatedToken),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, with the reason", body = super::openapi::ErrorDoc),
    )
)]
/// Mints an API token: admins and owners, for a role no higher than their own.
#[tracing::instrument(skip(state, caller, body))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<Response, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let Json(NewToken { role }) = body?;
    let role: Role = role.parse().map_err(ApiError::Invalid)?;
    if !grant.role.at_least(role) {
        return Err(ApiError::Forbidden(format!(
            "a {} cannot create a token with the {role} role",
            grant.role
        )));
    }
    let key = grant.site.key.clone();
    let token = ApiToken::generate();
    let id = state
        .store
        .create_token(
            &key,
            role,
            &ApiToken::hash(token.expose()),
            state.clock.now_ms(),
        )
        .await?;
    audit_change(
        &state,
        &caller,
        &key,
        "token.create",
        format!("token:{id} role={role}"),
    )
    .await?;
    let created = CreatedToken {
        id,
        site_key: key,
        role: role.to_string(),
        token: token.expose().to_owned(),
    };
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Revokes an API token of a role no higher than one's own (admin and up, audited).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/sites/{site_key}/tokens/{token_id}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("token_id" = i64, Path, description = "The token's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such site or item", body = super::openapi::ErrorDoc),
    )
)]
/// Revokes an API token: admins and owners, of a role no higher than their own.
#[tracing::instrument(skip(state, caller))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    // Parsed here rather than by the extractor, so that a bad id gets the JSON error shape.
    let token_id: i64 = token_id
        .parse()
        .map_err(|_| ApiError::NotFound("this site has no active token with this id"))?;
    let key = grant.site.key.clone();
    let token = state
        .store
        .site_token(&key, token_id)
        .await?
        .filter(|t| t.revoked_at.is_none())
        .ok_or(ApiError::NotFound(
            "this site has no active token with this id",
        ))?;
    if !grant.role.at_least(token.role) {
        return Err(ApiError::Forbidden(format!(
            "a {} cannot revoke a token with the {} role",
            grant.role, token.role
        )));
    }
    if !state
        .store
        .revoke_token(&key, token_id, state.clock.now_ms())
        .await?
    {
        return Err(ApiError::NotFound(
            "this site has no active token with this id",
        ));
    }
    audit_change(
        &state,
        &caller,
        &key,
        "token.revoke",
        format!("token:{token_id} role={}", token.role),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A site's audit log, newest first (admin and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/audit",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), AuditQueryParams),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::api::AuditList`", body = shared::api::AuditList),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "A filter out of range (an action or actor too long, a day that is not `YYYY-MM-DD`, `from` after `to`)", body = super::openapi::ErrorDoc),
    )
)]
/// A site's audit log, newest first: admins and owners.
#[tracing::instrument(skip(state, caller))]
async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<AuditQueryParams>, QueryRejection>,
) -> Result<Json<AuditList>, ApiError> {
    let Query(q) = query?;
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let key = grant.site.key.clone();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Invalid("limit is 1 to 1000".into()));
    }
    let search = q.checked()?;
    let entries = state
        .store
        .audit_search(&key, &search, limit)
        .await?
        .into_iter()
        .map(|e| AuditLine {
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            detail: e.detail,
        })
        .collect();
    Ok(Json(AuditList {
        site_key: key,
        entries,
    }))
}

/// The audit log's filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQueryParams {
    /// 1 to 1000, 100 by default.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// Only this action, e.g. `member.remove` (up to 64 characters).
    #[param(max_length = 64)]
    action: Option<String>,
    /// Only actors whose e-mail address (or `token:ID`, `cli`) contains this, in any ASCII case
    /// (up to 320 characters).
    #[param(max_length = 320)]
    actor: Option<String>,
    /// The first day, `YYYY-MM-DD` (UTC).
    #[param(format = Date)]
    from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC), included.
    #[param(format = Date)]
    to: Option<String>,
}

impl AuditQueryParams {
    fn checked(&self) -> Result<AuditQuery, ApiError> {
        // The length as sent (as the document's `maxLength` counts it), then trimmed.
        let text = |what: &str, s: &Option<String>, most: usize| match s.as_deref() {
            Some(s) if s.chars().count() > most => Err(ApiError::Invalid(format!(
                "{what} is at most {most} characters"
            ))),
            None => Ok(None),
            Some(s) => Ok(Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)),
        };
        // A day is a date as written (the dashboard sends none rather than an empty one).
        let day = |what: &str, s: &Option<String>| match s.as_deref() {
            None => Ok(None),
            Some(s) => crate::insight::overview::parse_date(s)
                .map(Some)
                .ok_or_else(|| ApiError::Invalid(format!("{what} must be a day, YYYY-MM-DD"))),
        };
        let (from, to) = (day("from", &self.from)?, day("to", &self.to)?);
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(ApiError::Invalid("from must not come after to".into()));
            }
        }
        Ok(AuditQuery {
            action: text("action", &self.action, 64)?,
            actor: text("actor", &self.actor, 320)?,
            since: from.map(|d| d * DAY_MS),
            until: to.map(|d| (d + 1) * DAY_MS),
        })
    }
}
