//! Imports over HTTP, for integrations: `POST /api/v1/admin/sites/{site_key}/responses/import`
//! and `…/complaints/import` take the CSV that `hark import answers` and `hark import
//! complaints` read, as the body, and answer the same report. Thin: the rules are in
//! `import.rs` and `import_complaints.rs`.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::import::Report;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest file an import takes over HTTP (the CLI takes any).
const MAX_FILE: usize = 64 * 1024 * 1024;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(answers))
        .routes(routes!(complaints))
        .layer(DefaultBodyLimit::max(MAX_FILE))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// Check every row and report, storing nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The body, as CSV text, or the refusal: `415` for another media type, `413` over the limit.
fn csv_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, Box<Response>> {
    let refuse = |status: StatusCode, code: &str, message: String| {
        let body = serde_json::json!({"error": {"code": code, "message": message}});
        Box::new((status, Json(body)).into_response())
    };
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media.starts_with("text/csv") {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as text/csv".into(),
        ));
    }
    body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a file is at most {} MiB", MAX_FILE / 1024 / 1024),
        ),
        _ => refuse(StatusCode::BAD_REQUEST, "malformed", e.body_text()),
    })
}

/// The report: `200` when every row could be imported (or was checked, in a dry run), `422`
/// with the bad rows by line when any was not, and nothing was imported.
fn answer(report: Report) -> Response {
    if report.bad.is_empty() {
        return (StatusCode::OK, Json(report)).into_response();
    }
    let message = format!(
        "{} of {} rows are bad: nothing was imported",
        report.bad.len(),
        report.rows
    );
    let body = serde_json::json!({
        "error": {"code": "invalid", "message": message},
        "report": report,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// A file's error (a bad header, too many rows) is the request's.
fn file_error(e: anyhow::Error) -> ApiError {
    match e.downcast::<crate::store::StoreError>() {
        Ok(store) => store.into(),
        Err(e) => ApiError::Invalid(e.to_string()),
    }
}

/// Answers gathered elsewhere, as `hark import answers` reads them (admin and up): one response
/// per row, each checked against its survey and stored with its own time and channel; one bad
/// row imports nothing; an `external_id` seen before is skipped.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/responses/import",
    tag = super::openapi::ADMIN,
    request_body(content = String, content_type = "text/csv", description = "The CSV of `hark import answers`, at most 64 MiB"),
    params(("site_key" = String, Path, description = "The site's key"), ImportQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"rows\", \"imported\", \"already\", \"dry_run\", \"bad\": []}`", body = crate::import::Report),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 413, description = "Over 64 MiB", body = super::openapi::ErrorDoc),
        (status = 415, description = "Not text/csv", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad header (the error), or bad rows: `{\"error\", \"report\"}` with each by line", body = super::openapi::ImportRefusal),
    )
)]
#[tracing::instrument(skip(state, caller, headers, body))]
async fn answers(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    import(
        &state,
        &caller,
        &site_key,
        What::Answers,
        query,
        &headers,
        body,
    )
    .await
}

/// Complaints from another system's history, as `hark import complaints` reads them (agent and
/// up): each through the intake rules at its own time, with nothing sent for the past; one bad
/// row imports nothing; an `external_id` seen before is skipped.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints/import",
    tag = super::openapi::ADMIN,
    request_body(content = String, content_type = "text/csv", description = "The CSV of `hark import complaints`, at most 64 MiB"),
    params(("site_key" = String, Path, description = "The site's key"), ImportQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"rows\", \"imported\", \"already\", \"dry_run\", \"bad\": []}`", body = crate::import::Report),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 413, description = "Over 64 MiB", body = super::openapi::ErrorDoc),
        (status = 415, description = "Not text/csv", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad header (the error), or bad rows: `{\"error\", \"report\"}` with each by line", body = super::openapi::ImportRefusal),
    )
)]
#[tracing::instrument(skip(state, caller, headers, body))]
async fn complaints(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    import(
        &state,
        &caller,
        &site_key,
        What::Complaints,
        query,
        &headers,
        body,
    )
    .await
}

/// What an import brings in.
#[derive(Debug, Clone, Copy)]
enum What {
    Answers,
    Complaints,
}

/// Either import: the caller's role, the body, the report; an import that stored rows is
/// audited.
async fn import(
    state: &AppState,
    caller: &Caller,
    site_key: &str,
    what: What,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let role = match what {
        What::Answers => Role::Admin,
        What::Complaints => Role::Agent,
    };
    let site = caller.on_site(site_key, role)?.site.key.clone();
    let Query(q) = query?;
    let body = match csv_body(headers, body) {
        Ok(body) => body,
        Err(refused) => return Ok(*refused),
    };
    let (store, now) = (state.store.as_ref(), state.clock.now_ms());
    let report = match what {
        What::Answers => {
            crate::import::import_answers(store, &site, &body[..], q.dry_run, now, &mut |_| {})
                .await
        }
        What::Complaints => {
            crate::import_complaints::import_complaints(
                store,
                &site,
                &body[..],
                q.dry_run,
                now,
                &mut |_| {},
            )
            .await
        }
    }
    .map_err(file_error)?;
    if !q.dry_run && report.imported > 0 {
        let (action, noun) = match what {
            What::Answers => ("responses.import", "answers"),
            What::Complaints => ("complaints.import", "complaints"),
        };
        let detail = format!("{noun}={}", report.imported);
        audit_change(state, caller, &site, action, detail).await?;
    }
    Ok(answer(report))
}
