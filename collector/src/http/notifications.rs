//! The caller's own notification preferences on a site, under
//! `/api/v1/admin/sites/{site_key}/notifications`: which events reach them by e-mail, in which
//! language. Any role may read and set its own; an API token, which is nobody's, has none.

use super::admin::Caller;
use super::{ApiError, AppState};
use crate::access::Role;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use shared::notify::NotificationPreferences;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preferences, set_preferences))
}

/// The signed-in user, a member of the site.
fn member(caller: &Caller, site_key: &str) -> Result<(shared::SiteKey, i64), ApiError> {
    let site = caller.on_site(site_key, Role::Viewer)?.site.key.clone();
    let user = caller.user_id().ok_or_else(|| {
        ApiError::Forbidden(
            "an API token has no notification preferences: sign in as the user whose they are"
                .to_owned(),
        )
    })?;
    Ok((site, user))
}

/// The caller's notification preferences on the site (any role, signed in): the events mailed
/// to them and the e-mails' language. Until set, every event, in English.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/notifications",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("session" = [])),
    responses(
        (status = 200, description = "`shared::notify::NotificationPreferences`: `{language, email: [event types]}`", body = NotificationPreferences),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site, or an API token", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn preferences(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<NotificationPreferences>, ApiError> {
    let (site, user) = member(&caller, &site_key)?;
    state
        .store
        .notification_preferences(&site, user)
        .await?
        .map(Json)
        .ok_or(ApiError::UnknownSite)
}

/// Replaces the caller's notification preferences on the site (any role, signed in).
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/notifications",
    tag = super::openapi::ADMIN,
    request_body(content = NotificationPreferences, description = "`shared::notify::NotificationPreferences`: `{\"language\": \"de\", \"email\": [\"complaint.hot_stove\", \"sla.breached\"]}`; the events are `complaint.hot_stove`, `sla.warning`, `sla.breached`, `escalation.raised`, `webhook.disabled`, `goal.at_risk` and `insight.digest` (the weekly digest, to admins and owners; the one event a user without preferences does not take); the languages the widget's"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The new `shared::notify::NotificationPreferences`", body = NotificationPreferences),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site, or an API token", body = super::openapi::ErrorDoc),
        (status = 422, description = "An unknown language or event, each named by its field", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_preferences(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<NotificationPreferences>, JsonRejection>,
) -> Result<Json<NotificationPreferences>, ApiError> {
    let (site, user) = member(&caller, &site_key)?;
    let mut wanted = request?.0;
    let problems = wanted.problems();
    if !problems.is_empty() {
        let all: Vec<String> = problems
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect();
        return Err(ApiError::Invalid(all.join("; ")));
    }
    wanted.email.sort_by_key(|e| {
        shared::notify::EMAIL_EVENTS
            .iter()
            .position(|known| known == e)
    });
    wanted.email.dedup();
    if state
        .store
        .set_notification_preferences(&site, user, &wanted)
        .await?
    {
        if wanted.wants(crate::insight::digest::EVENT) {
            // The site's weekly digest runs while anyone takes it.
            crate::insight::digest::schedule(state.store.as_ref(), &site, state.clock.now_ms())
                .await?;
        }
        Ok(Json(wanted))
    } else {
        Err(ApiError::UnknownSite)
    }
}
