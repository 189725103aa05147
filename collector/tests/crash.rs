//! `kill -9` loses no queued notification: complaints filed while the webhook receiver is down,
//! the collector killed the moment the last is acknowledged, and every event reaches the
//! receiver, each with its `webhook-id`, once a restarted collector finds it up. The real `hark`
//! binary on a SQLite file, on the real clock.

use axum::http::HeaderMap;
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SHOP: &str = "http://shop.test";
const COMPLAINTS: usize = 20;

/// A `hark serve` process, killed when dropped.
struct Collector {
    child: Child,
    base: String,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hark_json(database_url: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(args)
        .env("HARK_DATABASE_URL", database_url)
        .env("HARK_LOG", "warn")
        .env_remove("HARK_CONFIG")
        .output()
        .expect("cannot run hark");
    assert!(
        out.status.success(),
        "hark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("hark printed one JSON object")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn serve(database_url: &str, port: u16) -> Collector {
    let child = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--webhook-allow", "127.0.0.0/8"])
        .env("HARK_DATABASE_URL", database_url)
        .env("HARK_LOG", "warn")
        .env_remove("HARK_CONFIG")
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("cannot start hark serve");
    let mut collector = Collector {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = collector.child.try_wait().unwrap() {
            panic!("hark serve exited before it served ({status})");
        }
        let health = client
            .get(format!("{}/healthz", collector.base))
            .send()
            .await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return collector;
        }
        assert!(
            Instant::now() < deadline,
            "hark serve did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The complaint id of each delivery received, with its `webhook-id`s.
type Received = Arc<Mutex<HashMap<String, Vec<String>>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_webhooks_survive_kill_9_and_go_out_with_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("hark.db").display());
    let site = hark_json(
        &database_url,
        &[
            "site", "create", "--name", "Shop", "--origin", SHOP, "--json",
        ],
    );
    let key = site["key"].as_str().unwrap().to_owned();
    let token = hark_json(
        &database_url,
        &[
            "token", "create", "--site", &key, "--role", "admin", "--json",
        ],
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let port = free_port();
    let collector = serve(&database_url, port).await;
    let client = reqwest::Client::new();
    // The receiver's port: nobody listens there yet, so every delivery fails and waits.
    let hook_port = free_port();
    let created = client
        .post(format!("{}/api/v1/admin/sites/{key}/webhooks", collector.base))
        .bearer_auth(&token)
        .json(&json!({"url": format!("http://127.0.0.1:{hook_port}/hook"), "events": ["complaint.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let mut filed = Vec::new();
    for i in 0..COMPLAINTS {
        let id = uuid::Uuid::new_v4().to_string();
        let response = client
            .post(format!("{}/api/v1/complaints", collector.base))
            .header(ORIGIN, SHOP)
            .json(&json!({
                "id": id, "site_key": key, "kind": "problem",
                "description": format!("The parcel {i} never came"), "impact": 2, "dwell_ms": 5000,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        filed.push(id);
    }
    // At once, whatever the notifier was doing: some events not fanned out, some deliveries
    // being tried, the rest waiting for their retry.
    drop(collector);

    let received: Received = Arc::default();
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let v: Value = serde_json::from_str(&body).unwrap();
                let id = v["data"]["complaint"]["id"].as_str().unwrap().to_owned();
                let msg = headers["webhook-id"].to_str().unwrap().to_owned();
                seen.lock().unwrap().entry(id).or_default().push(msg);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", hook_port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let _again = serve(&database_url, free_port()).await;
    // The first retry comes about 5 s (±20 %) after a failed try.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got = received.lock().unwrap().clone();
        if filed.iter().all(|id| got.contains_key(id)) {
            for (id, msgs) in &got {
                assert!(filed.contains(id), "an event nobody filed: {id}");
                assert!(msgs[0].starts_with("msg_"), "{msgs:?}");
                assert!(
                    msgs.iter().all(|m| m == &msgs[0]),
                    "a retry keeps its webhook-id: {msgs:?}"
                );
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {COMPLAINTS} events arrived within 40 s",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
