//! The HTTP surface: one module per resource, merged here.

mod account;
mod admin;
mod assets;
mod cases;
mod complaints;
mod cors;
mod edge;
mod error;
mod events;
mod explorer;
mod funnel;
mod goals;
mod health;
mod hosted;
mod identity;
mod imports;
mod ingest;
mod insight;
mod json_numbers;
mod lifecycle;
mod limits;
mod mail;
mod metrics;
mod notifications;
mod openapi;
mod pages;
mod proxy;
mod reach;
mod service_levels;
mod session;
mod settings;
mod setup;
mod site_config;
mod sites;
mod status;
mod surveys;
mod team;
mod webhooks;

pub use error::ApiError;
pub use limits::{Limits, Rate, RateLimiter};
pub use metrics::Metrics;
pub use openapi::document as openapi_document;
pub use proxy::IpNet;
pub use setup::{issue_setup_token, SETUP_LINK_MS};

use crate::assets::Assets;
use crate::clock::{Clock, SystemClock};
use crate::store::{GroupCommit, Store};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted anywhere.
pub const MAX_BODY: usize = 64 * 1024;

/// What every handler can reach. Built with `new` and the `with_*` methods; the rate limiter
/// and the metrics registry belong to one state (one server), so tests do not share them.
/// One `Arc`: each request's handler and middleware clone it, once each.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of an `AppState`.
#[derive(Clone)]
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub assets: Arc<Assets>,
    pub limiter: Arc<RateLimiter>,
    pub metrics: Arc<Metrics>,
    /// Ingest's writer: concurrent answers share one transaction.
    pub ingest: GroupCommit,
    /// Wakes this process's job runner when a change sets a timer (`jobs::run`).
    pub jobs: Arc<tokio::sync::Notify>,
    /// Wakes this process's notifier (`notify::run`) for a redelivery.
    pub outbox: Arc<tokio::sync::Notify>,
    pub(crate) sessions: Arc<session::Sessions>,
    /// The salt of visitor hashes: each day's is derived from a secret, random per state until
    /// `with_stored_visitor_salt` (which `serve` calls) replaces it with the database's.
    pub(crate) visitor_salt: Arc<crate::enrich::DailySalt>,
    /// Whether the database answers, as requests found it: the breaker (`reach.rs`).
    pub(crate) reach: Arc<crate::store::reach::Reach>,
    /// Ingest's copy of each site's origins and active surveys, read again after a TTL.
    pub site_cache: Arc<crate::site_cache::SiteCache>,
    /// When this process last recorded where each site's snippet was seen (`sightings.rs`).
    pub sightings: Arc<crate::sightings::Sightings>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`proxy.rs`); none by default.
    pub(crate) trusted_proxies: Arc<[IpNet]>,
    /// Internal networks webhooks may reach all the same (`notify::ssrf`); none by default.
    pub webhook_allow: Arc<Vec<IpNet>>,
    /// The SMTP server e-mail notifications go through, if any, and where people reach the
    /// collector (for links in them).
    pub mailer: Option<crate::notify::email::Mailer>,
    pub public_url: Option<String>,
    /// The live event stream's hub (`live.rs`), started by the first stream.
    pub live: Arc<crate::live::Live>,
    /// The domain of cases' reply addresses when e-mail comes in (`mail_in`); `None`: it does not.
    pub mail_domain: Option<String>,
    /// The key that seals second-factor secrets; `None`: nobody can turn two-factor sign-in on.
    pub(crate) two_factor_key: Option<Arc<crate::two_factor::TwoFactorKey>>,
}

impl AppState {
    /// A state with the real clock, the assets built into this binary and the default limits.
    /// Starts ingest's group-commit writer, so it must be called inside a tokio runtime; the
    /// writer stores what is queued and ends when the last clone of the state is dropped.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let metrics = Arc::new(Metrics::default());
        let observed = metrics.clone();
        let ingest = GroupCommit::new(
            store.clone(),
            Some(Arc::new(move |size| observed.batch_committed(size))),
        );
        Self(Arc::new(Shared {
            store,
            clock: Arc::new(SystemClock),
            assets: Assets::embedded(),
            limiter: Arc::new(RateLimiter::new(Limits::default())),
            metrics,
            ingest,
            sessions: Arc::new(session::Sessions::default()),
            visitor_salt: Arc::new(crate::enrich::DailySalt::default()),
            site_cache: Arc::new(crate::site_cache::SiteCache::default()),
            reach: Arc::default(),
            sightings: Arc::default(),
            trusted_proxies: Arc::from([]),
            webhook_allow: Arc::default(),
            mailer: None,
            public_url: None,
            mail_domain: None,
            two_factor_key: None,
            jobs: Arc::default(),
            outbox: Arc::default(),
            live: Arc::default(),
        }))
    }

    /// The parts, to change while the state is being built (copied first if it is shared).
    fn parts(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }

    /// Whether session cookies carry `Secure` (browsers then send them only over HTTPS).
    /// Off by default so that `http://localhost` works; turn it on behind TLS.
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.parts().sessions = Arc::new(session::Sessions::new(secure));
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.parts().clock = clock;
        self
    }

    pub fn with_assets(mut self, assets: impl Into<Arc<Assets>>) -> Self {
        self.parts().assets = assets.into();
        self
    }

    /// Uses the visitor-hash secret stored in the database (created by the first process that
    /// asks), so that every collector on the database hashes one visitor alike.
    pub async fn with_stored_visitor_salt(mut self) -> anyhow::Result<Self> {
        let salt =
            crate::enrich::DailySalt::stored(self.store.as_ref(), self.clock.now_ms()).await?;
        self.parts().visitor_salt = Arc::new(salt);
        Ok(self)
    }

    /// The visitor hash this state gives a client (`client`, the address) of `site` at `now`.
    pub fn visitor_hash(
        &self,
        now: crate::clock::Millis,
        site: &str,
        client: Option<&str>,
        ua: &str,
    ) -> String {
        self.visitor_salt.visitor(now, site, client, ua)
    }

    /// Sends e-mail notifications through this SMTP server; links in them start with
    /// `public_url`.
    pub fn with_mail(
        mut self,
        mailer: Option<crate::notify::email::Mailer>,
        public_url: Option<String>,
    ) -> Self {
        let parts = self.parts();
        parts.mailer = mailer;
        parts.public_url = public_url;
        self
    }

    /// Takes e-mail in at `domain` (`mail_in`): customers' notifications then carry their
    /// case's reply address.
    pub fn with_mail_domain(mut self, domain: Option<String>) -> Self {
        self.parts().mail_domain = domain;
        self
    }

    /// Seals users' second-factor secrets with `key`; without one, two-factor sign-in cannot be
    /// turned on (those who have it keep being asked for codes, which then fail).
    pub fn with_two_factor_key(mut self, key: Option<crate::two_factor::TwoFactorKey>) -> Self {
        self.parts().two_factor_key = key.map(Arc::new);
        self
    }

    /// Lets webhooks reach these internal networks (a receiver on the operator's own network).
    pub fn with_webhook_allow(mut self, allow: Vec<IpNet>) -> Self {
        self.parts().webhook_allow = Arc::new(allow);
        self
    }

    /// Takes the client's address from `X-Forwarded-For` when the TCP peer is one of `proxies`.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpNet>) -> Self {
        self.parts().trusted_proxies = Arc::from(proxies);
        self
    }

    /// Replaces the rate limits, with empty buckets.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.parts().limiter = Arc::new(RateLimiter::new(limits));
        self
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The whole application, ready to serve or to call in-process.
pub fn app(state: AppState) -> Router {
    // The routes and their OpenAPI document come from the same `routes!` calls.
    let (submissions, api) = openapi::api_routers();
    let (submissions, _) = submissions.split_for_parts();
    let (api, _) = api.split_for_parts();
    // Every route that reads or writes the database goes through the breaker; the assets,
    // served from memory, do not.
    let submissions = submissions.layer(reach::ReachLayer(state.clone()));
    let api = api
        .layer(reach::ReachLayer(state.clone()))
        // Assets are compressed ahead of time; this compresses the JSON answers.
        .layer(
            CompressionLayer::new().compress_when(
                SizeAbove::new(1024)
                    .and(NotForContentType::const_new("application/wasm"))
                    // The live stream: each event must leave as it comes.
                    .and(NotForContentType::const_new("text/event-stream")),
            ),
        );
    let app = Router::new()
        .merge(submissions)
        .merge(api)
        .merge(assets::router())
        .fallback(|| async { ApiError::NotFound("no such route") })
        // After every route is in: axum adds the `Allow` header to this answer too.
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(edge::EdgeLayer(state.clone()));
    // Request spans only when the log asks for them (`tower_http=debug`, at start): when not,
    // the layer would still cost every request timer reads and a wrapped body.
    // Over HTTPS (which `secure_cookies` says), browsers are told to come back only that way.
    let app = if state.sessions.secure_cookies() {
        app.layer(SetResponseHeaderLayer::overriding(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            pages::HSTS,
        ))
    } else {
        app
    };
    let app = if tracing::enabled!(target: "tower_http::trace", tracing::Level::DEBUG) {
        app.layer(TraceLayer::new_for_http())
    } else {
        app
    };
    app.with_state(state)
}

/// Whether the client's `If-None-Match` names `etag`: its copy is current.
pub(crate) fn client_has(headers: &axum::http::HeaderMap, etag: &str) -> bool {
    headers
        .get(axum::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Whether `e` is the database being busy (unavailable for now) rather than a real failure.
fn is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<crate::store::StoreError>(),
            Some(crate::store::StoreError::Unavailable(_))
        )
    })
}

/// Serves on an already-bound listener until `shutdown` completes, then drains in-flight requests
/// and returns once every answer queued for the group commit is written, those of requests that
/// were cancelled included. It runs the timer jobs (`jobs::run`) meanwhile. First it takes the visitor-hash secret from the database
/// (`AppState::with_stored_visitor_salt`), so that several collectors on one database hash a
/// visitor alike.
///
/// Handlers learn the TCP peer's address (for the per-client rate limit); `app(state)` called
/// in-process has none, and its requests are limited per site only.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.assets.compress_in_background();
    // The first read of the database is tried again for a few seconds while it is busy: a
    // collector that has just stopped may still be closing the same SQLite file (its last
    // checkpoint locks it, and SQLite answers "locked" at once rather than waiting).
    let mut tries = 0;
    let state = loop {
        match state.clone().with_stored_visitor_salt().await {
            Ok(state) => break state,
            Err(e) if tries < 50 && is_busy(&e) => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(std::io::Error::other(format!("{e:#}"))),
        }
    };
    match state.store.release_leases().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            freed = n,
            "timers and notifications held when the collector last stopped run again now"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot free the leases of the last run"),
    }
    let ingest = state.ingest.clone();
    let runner = tokio::spawn(crate::jobs::run(
        state.store.clone(),
        state.clock.clone(),
        state.jobs.clone(),
        state.metrics.clone(),
    ));
    let notifier = tokio::spawn(crate::notify::run(
        state.store.clone(),
        state.clock.clone(),
        crate::notify::Channels {
            webhook_allow: state.webhook_allow.clone(),
            mailer: state.mailer.clone(),
            public_url: state.public_url.clone(),
            reply_domain: state.mail_domain.clone(),
        },
        state.outbox.clone(),
    ));
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    runner.abort();
    notifier.abort();
    // Stopped means stopped: a round cut short has dropped its transaction (rolled back, to be
    // done again by whichever collector runs next) before `serve` returns, so that nothing of
    // this one still holds the database.
    let _ = runner.await;
    let _ = notifier.await;
    ingest.flush().await;
    served
}
