//! Ingest at its boundary: rate limits, spam drops, metrics, replays under concurrency and the
//! absence of client addresses from the database. A real server on a free port, a fresh SQLite
//! file and a `ManualClock` per test.

#[path = "support/app.rs"]
mod app;

use app::{ingest_request, submission, Harness, SHOP};
use collector::clock::ManualClock;
use collector::http::{Limits, Rate};
use collector::store::{Site, Store};
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Row};
use std::sync::Arc;

/// Limits that no test reaches unless it means to.
const UNLIMITED: Rate = Rate {
    per_minute: 1_000_000,
    burst: 1_000_000,
};

struct TestApp {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    clock: ManualClock,
    site: Site,
    database_url: String,
    dir: tempfile::TempDir,
}

impl TestApp {
    async fn spawn(limits: Limits) -> Self {
        let harness = Harness::new().await.limits(limits);
        let site = harness.site("Test Shop", &[SHOP]).await;
        let served = harness.serve().await;
        Self {
            base: served.base,
            client: served.client,
            store: served.store,
            clock: served.clock,
            site,
            database_url: served.database_url,
            dir: served.dir,
        }
    }

    fn submission(&self) -> Value {
        submission(&self.site, 8, "http://shop.test/cart")
    }

    async fn post(&self, body: &Value) -> reqwest::Response {
        ingest_request(&self.client, &self.base, body.to_string(), Some(SHOP))
            .send()
            .await
            .unwrap()
    }

    async fn stored_ids(&self) -> Vec<String> {
        self.store
            .responses(&self.site.key, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id.to_string())
            .collect()
    }

    async fn metrics(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        response.text().await.unwrap()
    }
}

fn limits(per_client: Rate, per_site: Rate) -> Limits {
    Limits {
        per_client,
        per_site,
    }
}

/// The value of one series (`name{labels}` exactly as rendered), if it is there.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        line.strip_prefix(series)?
            .strip_prefix(' ')?
            .parse::<f64>()
            .ok()
    })
}

fn dropped(metrics: &str, reason: &str) -> Option<f64> {
    sample(
        metrics,
        &format!("hark_ingest_dropped_total{{reason=\"{reason}\"}}"),
    )
}

/// Status, `Retry-After` and error code of a refusal.
async fn refusal(response: reqwest::Response) -> (StatusCode, Option<String>, String, String) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.expect("errors are JSON");
    let code = body["error"]["code"].as_str().unwrap().to_owned();
    let message = body["error"]["message"].as_str().unwrap().to_owned();
    (status, retry_after, code, message)
}

#[tokio::test]
async fn a_client_past_its_burst_waits_until_the_clock_refills_its_bucket() {
    let app = TestApp::spawn(limits(
        Rate {
            per_minute: 60,
            burst: 3,
        },
        UNLIMITED,
    ))
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.post(&app.submission()).await.status(),
            StatusCode::CREATED
        );
    }
    let late = app.submission();
    let (status, retry_after, code, message) = refusal(app.post(&late).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after.as_deref(), Some("1"), "one token a second");
    assert_eq!(code, "rate_limited");
    assert!(
        !message.ends_with('.') && !message.contains("127.0.0.1"),
        "{message}"
    );

    // Half a second refills half a token: still refused.
    app.clock.advance(500);
    assert_eq!(
        app.post(&late).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(500);
    assert_eq!(app.post(&late).await.status(), StatusCode::CREATED);
    assert_eq!(
        app.post(&late).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    assert_eq!(app.stored_ids().await.len(), 4);
    assert_eq!(dropped(&app.metrics().await, "rate_limited"), Some(3.0));
}

#[tokio::test]
async fn a_site_past_its_limit_is_refused_whoever_sends_and_the_widget_can_read_when_to_retry() {
    let app = TestApp::spawn(limits(
        UNLIMITED,
        Rate {
            per_minute: 6,
            burst: 2,
        },
    ))
    .await;
    for _ in 0..2 {
        assert_eq!(
            app.post(&app.submission()).await.status(),
            StatusCode::CREATED
        );
    }
    let response = app.post(&app.submission()).await;
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
    assert_eq!(
        response.headers()["access-control-expose-headers"],
        "retry-after"
    );
    let (status, retry_after, code, _) = refusal(response).await;
    assert_eq!(
        (status, retry_after.as_deref(), code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("10"), "rate_limited")
    );
    app.clock.advance(10_000);
    assert_eq!(
        app.post(&app.submission()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(app.stored_ids().await.len(), 3);
}

#[tokio::test]
async fn bots_get_the_same_acknowledgement_as_people_but_nothing_is_stored() {
    let app = TestApp::spawn(Limits::default()).await;
    let mut honeypot = app.submission();
    honeypot["hp"] = json!("http://cheap-pills.example");
    let mut too_fast = app.submission();
    too_fast["dwell_ms"] = json!(120);
    let mut person = app.submission();
    person["hp"] = json!("");
    person["dwell_ms"] = json!(5200);

    for body in [&honeypot, &too_fast, &person] {
        let response = app.post(body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
        let ack: Value = response.json().await.unwrap();
        assert_eq!(ack, json!({"id": body["id"]}));
    }

    assert_eq!(
        app.stored_ids().await,
        vec![person["id"].as_str().unwrap().to_owned()]
    );
    let metrics = app.metrics().await;
    assert_eq!(dropped(&metrics, "honeypot"), Some(1.0), "{metrics}");
    assert_eq!(dropped(&metrics, "too_fast"), Some(1.0), "{metrics}");
    assert_eq!(sample(&metrics, "hark_ingest_accepted_total"), Some(1.0));
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_answers_and_refusals() {
    let app = TestApp::spawn(Limits::default()).await;
    assert_eq!(
        app.post(&app.submission()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(&app.submission()).await.status(),
        StatusCode::CREATED
    );
    let mut eleven = app.submission();
    eleven["answers"][0]["score"] = json!(11);
    assert_eq!(
        app.post(&eleven).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut unknown = app.submission();
    unknown["site_key"] = json!("nosuchsite");
    assert_eq!(app.post(&unknown).await.status(), StatusCode::NOT_FOUND);
    let config = format!("{}/api/v1/sites/{}/config", app.base, app.site.key);
    let config = app.client.get(config).send().await.unwrap();
    assert_eq!(config.status(), StatusCode::OK);
    let nope = app.client.get(format!("{}/nope", app.base)).send().await;
    assert_eq!(nope.unwrap().status(), StatusCode::NOT_FOUND);

    let metrics = app.metrics().await;
    let requests = |route: &str, status: u16| {
        sample(
            &metrics,
            &format!("hark_http_requests_total{{route=\"{route}\",status=\"{status}\"}}"),
        )
    };
    assert_eq!(requests("/api/v1/responses", 201), Some(2.0), "{metrics}");
    assert_eq!(requests("/api/v1/responses", 422), Some(1.0));
    assert_eq!(requests("/api/v1/responses", 404), Some(1.0));
    assert_eq!(requests("/api/v1/sites/{site_key}/config", 200), Some(1.0));
    assert_eq!(requests("unmatched", 404), Some(1.0));
    assert!(
        !metrics.contains(app.site.key.as_str()) && !metrics.contains("/nope"),
        "labels are route templates, not paths: {metrics}"
    );
    assert_eq!(sample(&metrics, "hark_ingest_accepted_total"), Some(2.0));
    assert_eq!(dropped(&metrics, "invalid"), Some(1.0));
    assert_eq!(dropped(&metrics, "unknown_site"), Some(1.0));
    assert_eq!(
        dropped(&metrics, "honeypot"),
        Some(0.0),
        "shown from the start"
    );
    assert_eq!(sample(&metrics, "hark_ingest_seconds_count"), Some(4.0));
    assert!(metrics.contains("hark_ingest_seconds_bucket{le=\"0.032\"}"));
    // One at a time, each answer is its own batch: group commit waits for no one.
    assert_eq!(sample(&metrics, "hark_ingest_batch_size_count"), Some(2.0));
    assert_eq!(sample(&metrics, "hark_ingest_batch_size_sum"), Some(2.0));

    // This scrape is counted by the next one.
    let again = app.metrics().await;
    assert_eq!(
        sample(
            &again,
            "hark_http_requests_total{route=\"/metrics\",status=\"200\"}"
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_submission_replayed_100_times_at_once_is_stored_once() {
    let app = Arc::new(TestApp::spawn(limits(UNLIMITED, UNLIMITED)).await);
    let body = app.submission();
    let sends: Vec<_> = (0..100)
        .map(|_| {
            let (app, body) = (app.clone(), body.clone());
            tokio::spawn(async move {
                let response = app.post(&body).await;
                let status = response.status();
                let ack: Value = response.json().await.unwrap();
                (status, ack)
            })
        })
        .collect();
    let mut created = 0;
    for send in sends {
        let (status, ack) = send.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{status}: {ack}"
        );
        created += usize::from(status == StatusCode::CREATED);
        assert_eq!(ack, json!({"id": body["id"]}));
    }
    assert_eq!(created, 1, "exactly one request stored the row");
    assert_eq!(
        app.stored_ids().await,
        vec![body["id"].as_str().unwrap().to_owned()]
    );
    let metrics = app.metrics().await;
    assert_eq!(sample(&metrics, "hark_ingest_accepted_total"), Some(100.0));
}

#[tokio::test]
async fn no_client_address_reaches_the_database() {
    let app = TestApp::spawn(limits(
        Rate {
            per_minute: 60,
            burst: 5,
        },
        UNLIMITED,
    ))
    .await;
    let kept = app.submission();
    let mut bot = app.submission();
    bot["hp"] = json!("x");
    let mut invalid = app.submission();
    invalid["answers"][0]["score"] = json!(-1);
    for body in [&kept, &app.submission(), &bot, &invalid] {
        app.post(body).await;
    }
    // Complaints go through the same pipeline, into their own table.
    let complaint = json!({
        "id": app::uuid(), "site_key": app.site.key, "category": "Other",
        "description": "The page froze", "user_id": "u-1", "attributes": {"plan": "pro"},
    });
    let response = app
        .client
        .post(format!("{}/api/v1/complaints", app.base))
        .header(CONTENT_TYPE, "text/plain")
        .header(reqwest::header::ORIGIN, SHOP)
        .body(complaint.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    // Over the limit too, so that the limiter has seen this client.
    for _ in 0..3 {
        let response = app.post(&app.submission()).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(app.stored_ids().await.len(), 2);

    let mut db = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let mut dump = String::new();
    for table in &tables {
        let rows = sqlx::query(&format!("SELECT * FROM \"{table}\""))
            .fetch_all(&mut db)
            .await
            .unwrap();
        for row in rows {
            for i in 0..row.len() {
                // SQLite gives every value as bytes when asked: text as is, numbers as text.
                let cell: Option<Vec<u8>> = row.try_get_unchecked(i).unwrap();
                dump.push_str(&String::from_utf8_lossy(&cell.unwrap_or_default()));
                dump.push('\t');
            }
            dump.push('\n');
        }
    }
    db.close().await.unwrap();
    // The dump sees what was stored, so it would see an address too.
    assert!(tables.iter().any(|t| t == "responses"), "{tables:?}");
    assert!(tables.iter().any(|t| t == "complaints"), "{tables:?}");
    assert!(dump.contains(complaint["id"].as_str().unwrap()), "{dump}");
    assert!(dump.contains(kept["id"].as_str().unwrap()), "{dump}");
    assert!(dump.contains("Test Shop"), "{dump}");
    assert!(!dump.contains("127.0.0.1"), "{dump}");

    // Nor in the files' bytes, free pages and the write-ahead log included.
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"127.0.0.1"),
            "{}",
            path.display()
        );
    }
}
