//! `/api/v1/admin/*`: what admins and agents read and change. Every route checks the caller's
//! role on the site it names.

use super::{ApiError, AppState};
use crate::access::{ApiToken, Role};
use crate::clock::rfc3339;
use crate::store::Grant;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::api::{Me, ResponseList, StoredResponse};
use shared::{SiteKey, SurveyId};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/me", get(me))
        .route("/api/v1/admin/sites/{site_key}/responses", get(responses))
}

/// The authenticated caller: a Bearer API token.
pub(crate) struct Caller(Grant);

impl Caller {
    /// The caller's grant on `site`, if it is that site's and at least `role`.
    fn on_site(&self, site: &str, role: Role) -> Result<&Grant, ApiError> {
        if self.0.site.key.as_str() != site {
            return Err(ApiError::Forbidden(format!(
                "this token has no access to site {site}"
            )));
        }
        if !self.0.role.at_least(role) {
            return Err(ApiError::Forbidden(format!(
                "this needs the {role} role or higher"
            )));
        }
        Ok(&self.0)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        let grant = state
            .store
            .grant(&ApiToken::hash(token))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Caller(grant))
    }
}

async fn me(caller: Caller) -> Json<Me> {
    let g = caller.0;
    Json(Me {
        site_key: g.site.key,
        site_name: g.site.name,
        role: g.role.to_string(),
    })
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<u32>,
}

#[tracing::instrument(skip(state, caller))]
async fn responses(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ResponseList>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::Malformed(e.body_text()))?;
    let grant = caller.on_site(&site_key, Role::Viewer)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let key: SiteKey = grant.site.key.clone();
    let rows = state.store.responses(&key, limit).await?;
    let responses = rows
        .into_iter()
        .map(|r| {
            Ok(StoredResponse {
                id: r.id,
                survey_id: SurveyId::parse(r.survey_key)
                    .map_err(|e| ApiError::Internal(e.into()))?,
                answers: r.answers,
                page_url: r.page_url,
                received_at: rfc3339(r.received_at),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(ResponseList {
        site_key: key,
        responses,
    }))
}
