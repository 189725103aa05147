//! `GET /api/openapi.json`: the OpenAPI document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` annotations. Every module's router is a `utoipa_axum` `OpenApiRouter`, so a
//! route and its documentation are registered by the same `routes!` call; `api_router` is the
//! one list of them, which `app` serves and this document describes.

use super::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Tags group the operations: what the widget and visitors use, and what admins use.
pub(crate) const PUBLIC: &str = "public";
pub(crate) const ADMIN: &str = "admin";
pub(crate) const OPERATIONS: &str = "operations";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hark collector",
        description = "The collector's HTTP API: the widget's config and answers, complaints, the hosted survey page, and the admin API (a Bearer API token, or the dashboard's session cookie with `X-CSRF-Token` on changes). Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    components(schemas(ErrorDoc, ErrorDetailDoc)),
    modifiers(&Security)
)]
struct ApiDoc;

/// `{"error": {"code", "message"}}`: every error (`shared::api::ErrorBody`).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorDoc {
    error: ErrorDetailDoc,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ErrorDetail)]
pub(crate) struct ErrorDetailDoc {
    /// A stable, machine-readable code such as `invalid` or `unknown_site`.
    code: String,
    /// A sentence for the developer reading it.
    message: String,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("hark_session"))),
        );
    }
}

/// Every documented route of the application, with its documentation.
pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    let (submissions, rest) = api_routers();
    rest.merge(submissions)
}

/// The API in two parts: the routes that take submissions from pages (answers and complaints,
/// whose answers are a few bytes, never worth compressing), and the rest.
pub(crate) fn api_routers() -> (OpenApiRouter<AppState>, OpenApiRouter<AppState>) {
    let submissions = OpenApiRouter::new()
        .merge(super::ingest::router())
        .merge(super::complaints::router())
        .merge(super::funnel::router());
    let rest = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(super::site_config::router())
        .merge(super::admin::router())
        .merge(super::events::router())
        .merge(super::lifecycle::router())
        .merge(super::sites::router())
        .merge(super::session::router())
        .merge(super::account::router())
        .merge(super::team::router())
        .merge(super::setup::router())
        .merge(super::settings::router())
        .merge(super::cases::router())
        .merge(super::service_levels::router())
        .merge(super::mail::router())
        .merge(super::insight::router())
        .merge(super::explorer::router())
        .merge(super::goals::router())
        .merge(super::imports::router())
        .merge(super::notifications::router())
        .merge(super::webhooks::router())
        .merge(super::surveys::router())
        .merge(super::hosted::router())
        .merge(super::status::router())
        .merge(super::health::router())
        .merge(super::metrics::router())
        .routes(routes!(openapi_json));
    (submissions, rest)
}

/// The document, built once per process (every app has the same routes).
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        api_router()
            .merge(super::assets::documented())
            .into_openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes")
    })
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = OPERATIONS,
    responses((status = 200, description = "The OpenAPI document of this API", body = Object))
)]
async fn openapi_json() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        document(),
    )
        .into_response()
}
