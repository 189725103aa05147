//! `GET /metrics`: counters and the ingest latency in the Prometheus (OpenMetrics) text format.
//!
//! Each `AppState` has its own registry, so that servers in one process (tests) count apart.
//! Labels are route templates, statuses and drop reasons only: never a site key, a path with
//! ids in it, or anything about the client.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Why an answer was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// The honeypot field, which people never see, was filled in.
    Honeypot,
    /// Sent sooner after the survey was shown than a person can answer.
    TooFast,
    UnknownSite,
    Origin,
    Invalid,
    Conflict,
    TooLarge,
    Malformed,
    RateLimited,
}

impl DropReason {
    const ALL: [DropReason; 9] = [
        DropReason::Honeypot,
        DropReason::TooFast,
        DropReason::UnknownSite,
        DropReason::Origin,
        DropReason::Invalid,
        DropReason::Conflict,
        DropReason::TooLarge,
        DropReason::Malformed,
        DropReason::RateLimited,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DropReason::Honeypot => "honeypot",
            DropReason::TooFast => "too_fast",
            DropReason::UnknownSite => "unknown_site",
            DropReason::Origin => "origin",
            DropReason::Invalid => "invalid",
            DropReason::Conflict => "conflict",
            DropReason::TooLarge => "too_large",
            DropReason::Malformed => "malformed",
            DropReason::RateLimited => "rate_limited",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DropLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct MailLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: &'static str,
}

/// The collector's metrics and the registry that renders them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    accepted: Counter,
    dropped: Family<DropLabels, Counter>,
    ingest_seconds: Histogram,
    batch_size: Histogram,
    jobs: Family<JobLabels, Counter>,
    job_lateness: Histogram,
    mail: Family<MailLabels, Counter>,
    event_streams: Gauge,
    refused_unreachable: Counter,
    database_down: Gauge,
}

/// One open live event stream, counted while it lives.
pub(crate) struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        // Counters are rendered with the `_total` suffix added to their names.
        registry.register(
            "hark_http_requests",
            "HTTP requests answered, by route template and status",
            requests.clone(),
        );
        let refused_unreachable = Counter::default();
        registry.register(
            "hark_database_refused",
            "Requests answered 503 at once because the database was out of reach (the breaker)",
            refused_unreachable.clone(),
        );
        let database_down = Gauge::default();
        registry.register(
            "hark_database_down",
            "1 while the breaker takes the database to be out of reach, else 0",
            database_down.clone(),
        );
        let accepted = Counter::default();
        registry.register(
            "hark_ingest_accepted",
            "Answers acknowledged as stored (replays of a stored id included)",
            accepted.clone(),
        );
        let dropped = Family::<DropLabels, Counter>::default();
        registry.register(
            "hark_ingest_dropped",
            "Answers not stored, by reason",
            dropped.clone(),
        );
        // Every reason is shown from the start, at zero, so that rates can be taken at once.
        for reason in DropReason::ALL {
            let _ = dropped.get_or_create(&DropLabels {
                reason: reason.as_str(),
            });
        }
        // 0.5 ms to about 4 s: the budget's p99 of 25 ms falls well inside.
        let ingest_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "hark_ingest_seconds",
            "Time to answer POST /api/v1/responses, whatever the outcome",
            ingest_seconds.clone(),
        );
        // 1 to 256 (the largest batch), by powers of two.
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 9));
        registry.register(
            "hark_ingest_batch_size",
            "Answers committed together in one transaction (group commit)",
            batch_size.clone(),
        );
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register(
            "hark_jobs_run",
            "Timer jobs this collector ran, by kind and outcome (done, failed, dropped)",
            jobs.clone(),
        );
        // 1 ms to about 16 s: the budget of 1 s falls well inside.
        let job_lateness = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "hark_job_lateness_seconds",
            "How long after its due time a timer job started to run",
            job_lateness.clone(),
        );
        let mail = Family::<MailLabels, Counter>::default();
        registry.register(
            "hark_mail_received",
            "Messages and recipients the SMTP listener took or refused, by outcome",
            mail.clone(),
        );
        for outcome in crate::mail_in::intake::OUTCOMES {
            let _ = mail.get_or_create(&MailLabels { outcome });
        }
        let event_streams = Gauge::default();
        registry.register(
            "hark_event_streams",
            "Live event streams open now (dashboards and other readers of /api/v1/admin/events)",
            event_streams.clone(),
        );
        Self {
            registry,
            requests,
            accepted,
            dropped,
            ingest_seconds,
            batch_size,
            jobs,
            job_lateness,
            mail,
            event_streams,
            refused_unreachable,
            database_down,
        }
    }
}

impl Metrics {
    pub(crate) fn refused_unreachable(&self) {
        self.refused_unreachable.inc();
    }

    fn database_down(&self, down: bool) {
        self.database_down.set(i64::from(down));
    }

    pub(crate) fn accepted(&self) {
        self.accepted.inc();
    }

    pub(crate) fn dropped(&self, reason: DropReason) {
        self.dropped
            .get_or_create(&DropLabels {
                reason: reason.as_str(),
            })
            .inc();
    }

    pub(crate) fn ingest_took(&self, elapsed: Duration) {
        self.ingest_seconds.observe(elapsed.as_secs_f64());
    }

    pub(crate) fn batch_committed(&self, size: usize) {
        self.batch_size.observe(size as f64);
    }

    /// A timer job ran `late_ms` after its due time, with `outcome`.
    pub(crate) fn job_ran(&self, kind: &str, outcome: &'static str, late_ms: i64) {
        self.jobs
            .get_or_create(&JobLabels {
                kind: kind.to_owned(),
                outcome,
            })
            .inc();
        self.job_lateness.observe(late_ms.max(0) as f64 / 1000.0);
    }

    /// A message (or, refused at RCPT, a recipient) of the SMTP listener, by its outcome
    /// (`mail_in::intake::OUTCOMES`).
    pub(crate) fn mail_received(&self, outcome: &'static str) {
        self.mail.get_or_create(&MailLabels { outcome }).inc();
    }

    /// A live event stream opened; it is counted until the guard is dropped.
    pub(crate) fn stream_opened(&self) -> OpenStream {
        self.event_streams.inc();
        OpenStream(self.event_streams.clone())
    }

    fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Counters and the ingest latency, for Prometheus.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = super::openapi::OPERATIONS,
    responses((status = 200, description = "OpenMetrics text", body = String, content_type = "application/openmetrics-text"))
)]
async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.database_down(state.reach.is_down());
    match state.metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            super::ApiError::Internal(anyhow::anyhow!("cannot render metrics: {e}")).into_response()
        }
    }
}

/// The route template a request matched, or `unmatched`: what it is counted under.
pub(crate) fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned()
}

impl Metrics {
    /// Counts a request by its route template and the status it was answered with.
    pub(crate) fn request_done(&self, route: String, status: axum::http::StatusCode) {
        self.requests
            .get_or_create(&RequestLabels {
                route,
                status: status.as_u16(),
            })
            .inc();
    }
}
