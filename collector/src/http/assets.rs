//! The loader, the versioned widget bundle and the dashboard, from memory.

use super::{ApiError, AppState};
use crate::assets::{Asset, Encoding};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The loader changes with each release of the collector, so it is cached briefly.
const LOADER_CACHE: &str = "public, max-age=300";
/// A versioned bundle never changes under its URL.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Revalidate every time (cheap, thanks to the ETag).
const REVALIDATE: &str = "no-cache";

/// The loader and the widget's bundle, with their OpenAPI documentation.
pub(crate) fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(loader))
        .routes(routes!(widget_file))
}

/// Those, and the dashboard's pages (a UI, not part of the API document).
pub(crate) fn router() -> Router<AppState> {
    let (documented, _) = documented().split_for_parts();
    documented
        .route("/", get(|| async { Redirect::to("/dashboard/") }))
        .route(
            "/dashboard",
            get(|| async { Redirect::permanent("/dashboard/") }),
        )
        .route("/dashboard/", get(dashboard_index))
        // The setup page is the dashboard's own screen (the token is in the fragment).
        .route("/dashboard/setup", get(dashboard_index))
        .route("/dashboard/{file}", get(dashboard_file))
        // The JavaScript snippets the dashboard's glue imports (the builder's preview).
        .route("/dashboard/snippets/{*rest}", get(dashboard_snippet))
}

/// The loader: the only script a host page includes.
#[utoipa::path(
    get,
    path = "/widget.js",
    tag = super::openapi::PUBLIC,
    responses((status = 200, description = "The loader (JavaScript), cached 5 minutes", body = String, content_type = "text/javascript"))
)]
async fn loader(State(state): State<AppState>, headers: HeaderMap) -> Response {
    public(send(&state.assets.loader, &headers, LOADER_CACHE))
}

/// A file of the widget's bundle, under its version.
#[utoipa::path(
    get,
    path = "/assets/{version}/{file}",
    tag = super::openapi::PUBLIC,
    params(
        ("version" = String, Path, description = "The bundle's version"),
        ("file" = String, Path, description = "`widget.js` or `widget_bg.wasm`"),
    ),
    responses(
        (status = 200, description = "The file, immutable, cached a year"),
        (status = 404, description = "No such file or version", body = super::openapi::ErrorDoc),
        (status = 503, description = "This binary was built without the widget", body = super::openapi::ErrorDoc),
    )
)]
async fn widget_file(
    State(state): State<AppState>,
    Path((version, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !state.assets.has_widget() {
        return Err(unbuilt("widget"));
    }
    let asset = state
        .assets
        .widget
        .get(file.as_str())
        .ok_or(ApiError::NotFound("no such file"))?;
    // A loader cached from before an upgrade asks for the old version: it gets the current
    // bundle (glue and wasm always match each other), just not cached for long.
    let cache = if version == state.assets.version {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    Ok(public(send(asset, &headers, cache)))
}

async fn dashboard_index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    dashboard_file(State(state), Path("index.html".to_owned()), headers).await
}

async fn dashboard_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !state.assets.has_dashboard() {
        return Err(unbuilt("dashboard"));
    }
    let asset = state
        .assets
        .dashboard
        .get(file.as_str())
        .ok_or(ApiError::NotFound("no such file"))?;
    let mut response = send(asset, &headers, REVALIDATE);
    if file == "index.html" {
        if let Ok(csp) = HeaderValue::from_str(&state.assets.dashboard_csp) {
            super::pages::secure(response.headers_mut(), csp, super::pages::Framing::Nobody);
        }
    }
    Ok(response)
}

async fn dashboard_snippet(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    dashboard_file(State(state), Path(format!("snippets/{rest}")), headers).await
}

fn unbuilt(what: &str) -> ApiError {
    ApiError::Unavailable(format!(
        "this hark binary was built without the {what}; build it with `cargo xtask dist`"
    ))
}

/// Sends an asset in the best encoding the client takes, or 304 when its copy is current.
fn send(asset: &Asset, headers: &HeaderMap, cache: &'static str) -> Response {
    let mut response = if super::client_has(headers, &asset.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let accept = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok());
        let (body, encoding) = asset.body(Encoding::negotiate(accept));
        let mut r = body.into_response();
        if let Some(e) = encoding.header_value() {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        r
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&asset.etag).expect("hex is a valid header"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The loader and the widget's files are fetched cross-origin by host pages (the widget's module
/// and wasm by the loader's `import()`): readable from any origin. Nothing else is.
fn public(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}
