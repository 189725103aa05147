//! The baseline of `cargo xtask bench`: an axum server, on the collector's own axum, tokio and
//! allocator (same versions, same features, same runtime as `hark`), whose `POST /noop` reads the request
//! body and answers `201` with nothing else done. Ingest is measured against it.
//!
//! `cargo run -p collector --example noop -- 127.0.0.1:9000`

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".to_owned());
    let app = Router::new().route(
        "/noop",
        post(|body: Bytes| async move {
            // Reading the body is part of what ingest does too; nothing else is.
            std::hint::black_box(body);
            StatusCode::CREATED
        }),
    );
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await
}
