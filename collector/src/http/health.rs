//! `GET /healthz`: the process serves and the database answers.

use super::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz))
}

/// The process serves and the database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = super::openapi::OPERATIONS,
    responses(
        (status = 200, description = "`{\"status\": \"ok\"}`", body = super::openapi::Health),
        (status = 503, description = "Storage unavailable; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.store.ping().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}
