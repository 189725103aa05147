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
        // Not the answers' route: ingest reads its bodies once (`ingest::submission`).
        .merge(super::complaints::router().layer(axum::middleware::from_fn(
            super::json_numbers::whole_numbers,
        )))
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
        .routes(routes!(openapi_json))
        .layer(axum::middleware::from_fn(
            super::json_numbers::whole_numbers,
        ));
    (submissions, rest)
}

/// The document, built once per process (every app has the same routes).
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut openapi = api_router()
            .merge(super::assets::documented())
            .into_openapi();
        common_responses(&mut openapi);
        let mut document = serde_json::to_value(&openapi).expect("the OpenAPI document serializes");
        no_nul_in_strings(&mut document);
        serde_json::to_string_pretty(&document).expect("the OpenAPI document serializes")
    })
}

/// No text the API takes may hold a NUL character (PostgreSQL cannot keep one; `edge.rs` and
/// `json_numbers.rs` refuse it): every string the document describes without a pattern or a
/// list of values says so, in the schemas, the parameters and the JSON bodies.
fn no_nul_in_strings(document: &mut serde_json::Value) {
    fn walk(schema: &mut serde_json::Value) {
        match schema {
            serde_json::Value::Object(fields) => {
                let string = match fields.get("type") {
                    Some(serde_json::Value::String(t)) => t == "string",
                    Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "string"),
                    _ => false,
                };
                if string
                    && !["pattern", "enum", "const"]
                        .iter()
                        .any(|k| fields.contains_key(*k))
                {
                    fields.insert("pattern".into(), NO_NUL.into());
                }
                fields.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if let Some(schemas) = document.pointer_mut("/components/schemas") {
        walk(schemas);
    }
    let Some(serde_json::Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
    {
        if let Some(parameters) = operation.get_mut("parameters") {
            walk(parameters);
        }
        for media in ["application/json", "text/plain"] {
            if let Some(schema) = operation.pointer_mut(&format!(
                "/requestBody/content/{}/schema",
                media.replace('/', "~1")
            )) {
                walk(schema);
            }
        }
    }
}

/// Any text without a NUL character, as an ECMA-262 pattern.
const NO_NUL: &str = "^[^\\u0000]*$";

/// The answers every route of a kind can give, added where its annotation leaves them out:
/// `503` wherever storage is read (a database that is down), `400` everywhere (a NUL character
/// in the URL), and `413` and `422` wherever a JSON body is read (`json_numbers` reads at most
/// 2 MiB, and refuses a NUL character in a string).
fn common_responses(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Error")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in openapi.paths.paths.iter_mut() {
        // Static files and the document need no storage; the HTML pages say their errors in HTML.
        let storage = !matches!(
            path.as_str(),
            "/api/openapi.json" | "/widget.js" | "/assets/{version}/{file}" | "/metrics"
        ) && !path.starts_with("/s/")
            && !path.starts_with("/c/");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let json_body = operation
                .request_body
                .as_ref()
                .is_some_and(|body| match body {
                    RefOr::T(body) => body
                        .content
                        .keys()
                        .any(|media| media == "application/json" || media == "text/plain"),
                    RefOr::Ref(_) => false,
                });
            let responses = &mut operation.responses.responses;
            if storage {
                responses
                    .entry("503".into())
                    .or_insert_with(|| error("Storage unavailable; see Retry-After"));
            }
            // `edge.rs` refuses a NUL character in any URL.
            responses.entry("400".into()).or_insert_with(|| {
                error("A malformed request: a NUL character (%00) in the URL, or malformed JSON")
            });
            if json_body {
                responses
                    .entry("413".into())
                    .or_insert_with(|| error("A body too large"));
                // `json_numbers.rs` refuses a NUL character in any string of a JSON body.
                responses
                    .entry("422".into())
                    .or_insert_with(|| error("Invalid, with the reason"));
            }
        }
    }
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

// The shapes of answers that handlers write as JSON values, for the document only. Each is
// checked against what the server really sends by the schemathesis test
// (`tests/schemathesis.rs`, `response_schema_conformance`).

/// `GET /api/v1/admin/me`: an API token's caller gets `Me`, a session's `Account`.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum MeDoc {
    Token(shared::api::Me),
    Session(shared::api::Account),
}

/// A 201 to a complaint: the case's id, its reference and the customer's status page.
#[derive(Serialize, ToSchema)]
pub(crate) struct FiledComplaint {
    id: shared::ResponseId,
    /// A short code such as `HK-7QF3`.
    #[schema(pattern = "^HK-[0-9A-Z]+$")]
    reference: String,
    /// `PUBLIC_URL/c/{token}`, the customer's status page.
    #[schema(format = "uri")]
    status_url: String,
}

/// Each case's outcome of a bulk change.
#[derive(Serialize, ToSchema)]
pub(crate) struct BulkResults {
    results: Vec<BulkResult>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct BulkResult {
    /// The id as sent.
    id: String,
    ok: bool,
    /// Why this case was not changed, when `ok` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorDetailDoc>,
}

/// One event of the live stream, as a reader parses it: `case` (its data a
/// `shared::case::CaseEvent`, its id the timeline entry's number) or `answers` (a
/// `shared::insight::AnswersEvent`, no id of its own).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct StreamEvent {
    #[schema(pattern = "^(case|answers)$")]
    event: String,
    /// The event's JSON.
    #[schema(content_media_type = "application/json")]
    data: String,
    #[schema(pattern = "^[0-9]+$")]
    id: Option<String>,
}

/// A new problem record: a title, and what else is known.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct NewProblem {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    title: String,
    category: Option<String>,
    status: Option<shared::case::ProblemStatus>,
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    root_cause: Option<String>,
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    workaround: Option<String>,
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    fix: Option<String>,
}

/// The customer's reply from the status page's form.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct ReplyForm {
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    body: String,
}

/// A resolved problem and how many of its cases were resolved with it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResolvedProblem {
    problem: shared::case::Problem,
    resolved: u64,
}

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    #[schema(pattern = "^ok$")]
    status: String,
}

/// A refused import: the error, and each bad row by line.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportRefusal {
    error: ErrorDetailDoc,
    /// The rows' problems; absent when the file as a whole is refused (its header).
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<crate::import::Report>,
}

/// A site's name, allowed origins and retention window.
#[derive(Serialize, ToSchema)]
pub(crate) struct SiteInfo {
    site_key: shared::SiteKey,
    name: String,
    origins: Vec<String>,
    /// Answers older than this many days are deleted; `null` keeps them.
    retention_days: Option<u32>,
}

/// Whom an erasure names: exactly one of `email`, `user_id` and `visitor`, the others absent,
/// `null` or blank.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum Erasure {
    Email(ErasureByEmail),
    UserId(ErasureByUserId),
    Visitor(ErasureByVisitor),
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct ErasureByEmail {
    #[schema(pattern = r"\S")]
    email: String,
    #[schema(pattern = r"^\s*$")]
    user_id: Option<String>,
    #[schema(pattern = r"^\s*$")]
    visitor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct ErasureByUserId {
    #[schema(pattern = r"^\s*$")]
    email: Option<String>,
    #[schema(pattern = r"\S")]
    user_id: String,
    #[schema(pattern = r"^\s*$")]
    visitor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct ErasureByVisitor {
    #[schema(pattern = r"^\s*$")]
    email: Option<String>,
    #[schema(pattern = r"^\s*$")]
    user_id: Option<String>,
    #[schema(pattern = r"\S")]
    visitor: String,
}

/// What an erasure deleted.
#[derive(Serialize, ToSchema)]
pub(crate) struct Erased {
    site_key: shared::SiteKey,
    /// How many answers and complaints were deleted.
    erased: u64,
}

/// A new site, whose owner the caller is, and its first survey's id.
#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedSite {
    site_key: shared::SiteKey,
    site_name: String,
    /// Always `owner`.
    role: String,
    origins: Vec<String>,
    survey: Option<shared::SurveyId>,
}

/// Where a site's snippet was seen, the latest first, and the collector's time.
#[derive(Serialize, ToSchema)]
pub(crate) struct Sightings {
    site_key: shared::SiteKey,
    origins: Vec<String>,
    sightings: Vec<Sighting>,
    /// RFC 3339 in UTC.
    now: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Sighting {
    origin: String,
    /// RFC 3339 in UTC.
    last_seen: String,
    /// The site allows this origin.
    allowed: bool,
}

/// A JSON merge patch (RFC 7396) of `SiteSettings`: the fields sent replace theirs, objects
/// merge, `null` restores a default.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct SettingsPatch {
    /// The fields sent replace theirs; `null` restores a field's default.
    theme: Option<ThemePatch>,
    /// The fields sent replace theirs; `null` restores the default launcher.
    launcher: Option<shared::Launcher>,
    #[schema(max_items = 30, inline, value_type = Option<Vec<Category>>)]
    categories: Option<Vec<String>>,
    #[schema(minimum = 0, maximum = 365)]
    cooldown_days: Option<u16>,
    #[schema(max_items = 3, inline, value_type = Option<std::collections::BTreeSet<AttributeKey>>)]
    segment_attributes: Option<Vec<String>>,
}

/// A merge patch of `shared::Theme`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct ThemePatch {
    #[schema(pattern = "^#[0-9A-Fa-f]{6}$")]
    brand: Option<String>,
    mode: Option<shared::ThemeMode>,
    position: Option<shared::Position>,
    #[schema(minimum = 0, maximum = 24)]
    radius: Option<u8>,
}

/// A string schema for the document: its length and pattern.
macro_rules! string_schema {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $pattern:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length($min)
                    .max_length($max)
                    .pattern(Some($pattern))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

string_schema!(
    /// One of a site's complaint categories: 1 to 500 characters, not only spaces.
    Category,
    Some(1),
    Some(shared::survey::MAX_LABEL),
    r"\S"
);
string_schema!(
    /// An allowed origin as typed: `scheme://host[:port]`, or blank (left out).
    Origin,
    None,
    Some(2048),
    r"^\s*([Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]+(\.[A-Za-z0-9]+)*(:[0-9]{1,4})?/?)?\s*$"
);
string_schema!(
    /// An `identify` attribute's key.
    AttributeKey,
    None,
    None,
    "^[A-Za-z0-9_-]{1,64}$"
);

/// What a page sends: the domain type, and beside it the widget's spam signs and who the host
/// page says the visitor is (`ingest::Extras`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub(crate) struct Submission<T: ToSchema> {
    #[serde(flatten)]
    submission: T,
    /// The honeypot field: people never see it, so it stays empty.
    #[schema(max_length = 0)]
    hp: Option<String>,
    /// Milliseconds between showing the survey and sending it.
    #[schema(minimum = 0)]
    dwell_ms: Option<f64>,
    /// Who the host page says the visitor is (`hark('identify', id, …)`): 1 to 200 characters
    /// once trimmed.
    #[schema(max_length = 200, pattern = r"\S")]
    user_id: Option<String>,
    /// Up to 320 characters, with an `@`.
    #[schema(max_length = 320, pattern = "@")]
    email: Option<String>,
    /// `hark('identify', id, attrs)`'s attributes.
    #[schema(schema_with = attributes)]
    attributes: Option<std::collections::BTreeMap<String, String>>,
}

/// Up to 20 attributes, keys of 1 to 64 of `A-Z a-z 0-9 _ -`, values of at most 200 characters.
fn attributes() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Object, Schema};
    let key = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_-]{1,64}$"));
    let value = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(crate::enrich::MAX_ATTRIBUTE_VALUE));
    let object: Object = ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::Object, Type::Null]))
        .property_names(Some(Schema::Object(key.build())))
        .additional_properties(Some(Schema::Object(value.build())))
        .max_properties(Some(super::identity::MAX_ATTRIBUTES))
        .description(Some(
            "Up to 20 attributes: keys of 1 to 64 of `A-Z a-z 0-9 _ -`, values of at most 200 characters",
        ))
        .build();
    object
}
