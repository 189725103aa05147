//! `GET /healthz`: the process serves and the database answers.

use super::{ApiError, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.store.ping().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}
