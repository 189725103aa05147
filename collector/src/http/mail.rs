//! E-mail in's admin routes under `/api/v1/admin/sites/{site_key}/`: the site's intake address
//! (viewers read it, admins set it, audited), and the files that came with a case's e-mails,
//! downloaded by agents and above of that site only, always as an attachment in a sandbox,
//! never shown inline.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mail_intake, set_mail_intake))
        .routes(routes!(attachment))
}

/// A site's intake address.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Intake {
    /// `support@feedback.example`; `null`: the site takes no e-mail.
    #[schema(
        max_length = 254,
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]+@([^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*|[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt])\s*$"
    )]
    address: Option<String>,
}

/// The address at which the site takes complaints by e-mail (viewer and up); `null` until an
/// admin sets one.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/mail-intake",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"address\": \"support@feedback.example\" | null}`", body = Intake),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn mail_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<Intake>, ApiError> {
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    Ok(Json(Intake {
        address: state.store.mail_intake(&site).await?,
    }))
}

/// Sets (or, with `null`, clears) the address at which the site takes complaints by e-mail
/// (admin and up, audited). No two sites have the same.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/mail-intake",
    tag = super::openapi::ADMIN,
    request_body(content = Intake, description = "`{\"address\": \"support@feedback.example\"}`, or `null` to stop taking e-mail; an address on a domain whose MX points at the collector's SMTP listener, not a case's reply address (`c+…@mail_domain`)"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The address as kept (lower case)", body = Intake),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 409, description = "Another site takes e-mail at this address", body = super::openapi::ErrorDoc),
        (status = 422, description = "Not an address", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_mail_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<Intake>, JsonRejection>,
) -> Result<Json<Intake>, ApiError> {
    let site = caller.on_site(&site_key, Role::Admin)?.site.key.clone();
    let Json(Intake { address }) = request?;
    let address = address
        .map(|a| crate::mail_in::intake::intake_address(&a, state.mail_domain.as_deref()))
        .transpose()
        .map_err(ApiError::Invalid)?;
    if !state
        .store
        .set_mail_intake(&site, address.as_deref())
        .await?
    {
        return Err(ApiError::UnknownSite);
    }
    audit_change(
        &state,
        &caller,
        &site,
        "mail_intake.update",
        address.clone().unwrap_or_else(|| "none".to_owned()),
    )
    .await?;
    Ok(Json(Intake { address }))
}

/// A file that came with the case's e-mails (agent and up on the case's site), always as a
/// download: `Content-Disposition: attachment`, its checked type, `nosniff`, and a sandboxing
/// CSP, so that a browser never runs or renders it as the collector's page.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/attachments/{attachment_id}",
    tag = super::openapi::ADMIN,
    params(
        ("site_key" = String, Path, description = "The site's key"),
        ("id" = String, Path, description = "The complaint's id"),
        ("attachment_id" = i64, Path, description = "The file's id, as the case lists it"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The case has no such file", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id, attachment_id)): Path<(String, String, i64)>,
) -> Result<Response, ApiError> {
    let site = caller.on_site(&site_key, Role::Agent)?.site.key.clone();
    let missing = || ApiError::NotFound("the case has no such file");
    let id = shared::ResponseId::parse(&id).map_err(|_| missing())?;
    let (record, content) = state
        .store
        .attachment(&site, &id, attachment_id)
        .await?
        .ok_or_else(missing)?;
    let content_type = HeaderValue::from_str(&record.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(&record.filename))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("sandbox; default-src 'none'"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        content,
    )
        .into_response())
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII name for old clients,
/// the whole name percent-encoded for the rest.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_download_is_named_safely_in_both_forms() {
        assert_eq!(
            super::content_disposition("Beleg März.pdf"),
            "attachment; filename=\"Beleg M_rz.pdf\"; filename*=UTF-8''Beleg%20M%C3%A4rz.pdf"
        );
        assert_eq!(
            super::content_disposition("a\"b.png"),
            "attachment; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png"
        );
    }
}
