//! Every request's way in and out, as one tower layer around each route: the client's address
//! behind trusted proxies in (`proxy.rs`), the request counted by route and status out
//! (`metrics.rs`). A URL with a NUL character (`%00`) is refused here, `400`, for every route:
//! no path or query value of the API can hold one, and PostgreSQL cannot compare text with it.
//!
//! Written as a `Service` of its own rather than with `axum::middleware::from_fn`, which boxes
//! every request's future and clones the route's service stack for it (on ingest, ~1 µs of
//! the collector's ~24 µs of CPU per answer in `cargo xtask bench`).

use super::{metrics, proxy, ApiError, AppState};
use axum::extract::Request;
use axum::response::IntoResponse as _;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Wraps each route in `Edge`.
#[derive(Clone)]
pub(super) struct EdgeLayer(pub(super) AppState);

impl<S> tower::Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            state: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub(super) struct Edge<S> {
    inner: S,
    state: AppState,
}

impl<S> tower::Service<Request> for Edge<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let route = metrics::route_of(&request);
        if has_nul(&request) {
            let response = ApiError::Malformed(
                "the URL holds a NUL character (%00), which no path or query value may".into(),
            )
            .into_response();
            self.state.metrics.request_done(route, response.status());
            return Counted::Refused {
                response: Some(response),
            };
        }
        proxy::find_real_client(&self.state, &mut request);
        Counted::Went {
            inner: self.inner.call(request),
            done: Some((self.state.clone(), route)),
        }
    }
}

/// Whether the request's path or query spells a NUL character.
fn has_nul(request: &Request) -> bool {
    request
        .uri()
        .path_and_query()
        .is_some_and(|pq| pq.as_str().contains("%00"))
}

pin_project_lite::pin_project! {
    /// A route's response, counted when it is ready.
    #[project = CountedProj]
    pub(super) enum Counted<F> {
        Refused { response: Option<Response> },
        Went {
            #[pin]
            inner: F,
            done: Option<(AppState, String)>,
        },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CountedProj::Refused { response } => {
                Poll::Ready(Ok(response.take().expect("polled after it was ready")))
            }
            CountedProj::Went { inner, done } => {
                let result = ready!(inner.poll(cx));
                if let (Ok(response), Some((state, route))) = (&result, done.take()) {
                    state.metrics.request_done(route, response.status());
                }
                Poll::Ready(result)
            }
        }
    }
}
