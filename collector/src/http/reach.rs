//! The breaker (`store::reach`) as a tower layer around each route that needs the database:
//! while the database is out of reach, a request is answered 503 with `Retry-After` at once,
//! instead of after the pool's acquire timeout, except for one probe at a time. What each
//! request that went found is read from its response: `ApiError::Unreachable` marks it
//! (`Unreached`).
//!
//! `/metrics` and the OpenAPI document need no database and always go.

use super::{ApiError, AppState};
use crate::store::reach::Admit;
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse as _, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Routes that never touch the database.
const EXEMPT: [&str; 2] = ["/metrics", "/api/openapi.json"];

/// Put on a response whose request found the database out of reach.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unreached;

#[derive(Clone)]
pub(super) struct ReachLayer(pub(super) AppState);

impl<S> tower::Layer<S> for ReachLayer {
    type Service = Gated<S>;

    fn layer(&self, inner: S) -> Gated<S> {
        Gated {
            inner,
            state: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub(super) struct Gated<S> {
    inner: S,
    state: AppState,
}

impl<S> tower::Service<Request> for Gated<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Watched<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let exempt = || {
            request
                .extensions()
                .get::<MatchedPath>()
                .is_some_and(|path| EXEMPT.contains(&path.as_str()))
        };
        let admitted = match self.state.reach.admit(|| self.state.clock.now_ms()) {
            Admit::Go => Admit::Go,
            // Its answer would say nothing of the database: not a probe.
            admitted if exempt() => {
                if admitted == Admit::Probe {
                    self.state.reach.abandoned();
                }
                Admit::Go
            }
            Admit::Refuse => {
                self.state.metrics.refused_unreachable();
                return Watched::Refused {
                    response: Some(ApiError::Unreachable.into_response()),
                };
            }
            Admit::Probe => Admit::Probe,
        };
        Watched::Went {
            inner: self.inner.call(request),
            watch: Watch(Some((
                self.state.clone(),
                admitted,
                self.state.reach.generation(),
            ))),
        }
    }
}

/// A request that went: what it found is told to the breaker when it is answered, and a probe
/// dropped unanswered (its client went away) gives its turn back.
pub(super) struct Watch(Option<(AppState, Admit, u64)>);

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some((state, Admit::Probe, _)) = self.0.take() {
            state.reach.abandoned();
        }
    }
}

pin_project_lite::pin_project! {
    #[project = WatchedProj]
    pub(super) enum Watched<F> {
        Refused { response: Option<Response> },
        Went {
            #[pin]
            inner: F,
            watch: Watch,
        },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            WatchedProj::Refused { response } => {
                Poll::Ready(Ok(response.take().expect("polled after it was ready")))
            }
            WatchedProj::Went { inner, watch } => {
                let result = ready!(inner.poll(cx));
                if let (Ok(response), Some((state, admitted, generation))) =
                    (&result, watch.0.take())
                {
                    let unreachable = response.extensions().get::<Unreached>().is_some();
                    if unreachable || admitted == Admit::Probe {
                        let now = state.clock.now_ms();
                        state.reach.found(admitted, generation, unreachable, now);
                    }
                }
                Poll::Ready(result)
            }
        }
    }
}
