//! `GET`/`PATCH /api/v1/admin/sites/{site_key}/settings`: how a site's widget looks and behaves
//! (`shared::SiteSettings`). Read by viewers and up, changed by admins and up, audited. The
//! public config serves them to the loader.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;
use shared::SiteSettings;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read, change))
}

/// The site's widget settings (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/settings",
    operation_id = "read_settings",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::SiteSettings`", body = shared::SiteSettings),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<SiteSettings>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let settings = state
        .store
        .site_settings(&grant.site.key)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    Ok(Json(settings))
}

/// Changes the widget settings with a JSON merge patch (admin and up, audited).
#[utoipa::path(
    patch,
    path = "/api/v1/admin/sites/{site_key}/settings",
    operation_id = "change_settings",
    tag = super::openapi::ADMIN,
    request_body(content = super::openapi::SettingsPatch, description = "A JSON merge patch of `shared::SiteSettings`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new `shared::SiteSettings`", body = shared::SiteSettings),
        (status = 400, description = "Malformed JSON or query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role, or too low a role, on this site (or a missing CSRF token)", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid, naming each bad field (`theme.brand: …; cooldown_days: …`)", body = super::openapi::ErrorDoc),
    )
)]
/// A JSON merge patch (RFC 7396) onto the current settings: the fields sent replace theirs
/// (objects merge, `null` removes, which restores a default), the rest stay. The result must
/// pass `SiteSettings::check`.
#[tracing::instrument(skip(state, caller, body))]
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<SiteSettings>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let Json(patch) = body?;
    let Value::Object(fields) = &patch else {
        return Err(ApiError::Invalid(
            "the settings patch is a JSON object".into(),
        ));
    };
    // serde reads a struct from an array too, by position: the patch's objects must be objects.
    if let Some(key) = ["theme", "launcher"].into_iter().find(|k| {
        fields
            .get(*k)
            .is_some_and(|v| !v.is_object() && !v.is_null())
    }) {
        return Err(ApiError::Invalid(format!("{key} is an object, or null")));
    }
    let changed: Vec<String> = fields.keys().cloned().collect();
    let key = grant.site.key.clone();
    let current = state
        .store
        .site_settings(&key)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    let mut merged = serde_json::to_value(&current).map_err(|e| ApiError::Internal(e.into()))?;
    merge_patch(&mut merged, &patch);
    let settings: SiteSettings =
        serde_json::from_value(merged).map_err(|e| ApiError::Invalid(e.to_string()))?;
    // Every problem at once, each named by its field (`theme.brand: …; cooldown_days: …`).
    let mut problems: Vec<(String, String)> = settings
        .problems()
        .into_iter()
        .map(|(path, why)| (path.to_owned(), why.to_owned()))
        .collect();
    if let Some(survey) = settings.launcher.as_ref().and_then(|l| l.survey.as_ref()) {
        if state.store.survey(&key, survey).await?.is_none() {
            problems.push((
                "launcher.survey".to_owned(),
                format!("the launcher's survey {survey} is not a survey of this site"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(crate::sites::say(&problems)));
    }
    if !state.store.set_site_settings(&key, &settings).await? {
        return Err(ApiError::UnknownSite);
    }
    // Ingest picks the segment attributes from the settings it caches.
    state.site_cache.forget(&key);
    audit_change(
        &state,
        &caller,
        &key,
        "site.settings",
        format!("changed={}", changed.join(",")),
    )
    .await?;
    Ok(Json(settings))
}

/// RFC 7396: merges `patch` into `target`.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (k, v) in patch {
        if v.is_null() {
            target.remove(k);
        } else {
            merge_patch(target.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_merge_patch_replaces_merges_and_removes() {
        let mut target = json!({"a": 1, "theme": {"brand": "#000000", "radius": 3}, "l": {"x": 1}});
        super::merge_patch(
            &mut target,
            &json!({"theme": {"radius": 8}, "l": null, "c": ["x"]}),
        );
        assert_eq!(
            target,
            json!({"a": 1, "theme": {"brand": "#000000", "radius": 8}, "c": ["x"]})
        );
    }
}
