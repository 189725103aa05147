//! The HTTP surface: one module per resource, merged here.

mod admin;
mod assets;
mod cors;
mod error;
mod health;
mod ingest;
mod site_config;

pub use error::ApiError;

use crate::assets::Assets;
use crate::clock::{Clock, SystemClock};
use crate::store::Store;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted anywhere.
pub const MAX_BODY: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub assets: Arc<Assets>,
}

impl AppState {
    /// A state with the real clock and the assets built into this binary.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            assets: Arc::new(Assets::embedded()),
        }
    }
}

/// The whole application, ready to serve or to call in-process.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(site_config::router())
        .merge(ingest::router())
        .merge(admin::router())
        .merge(health::router())
        // Assets are compressed ahead of time; this compresses the JSON answers.
        .layer(CompressionLayer::new().compress_when(
            SizeAbove::new(1024).and(NotForContentType::const_new("application/wasm")),
        ));
    Router::new()
        .merge(api)
        .merge(assets::router())
        .fallback(|| async { ApiError::NotFound("no such route") })
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Whether the client's `If-None-Match` names `etag`: its copy is current.
pub(crate) fn client_has(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Serves on an already-bound listener until `shutdown` completes, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
