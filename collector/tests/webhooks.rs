//! Webhooks at the HTTP boundary: a real HTTP receiver on loopback (allowed by the
//! configuration, as an operator would for a receiver on their own network) gets the hot-stove
//! alert of a complaint filed from the shop, signed so that the Standard Webhooks reference
//! library (Python's `standardwebhooks`, installed by `cargo xtask setup`) verifies it; a 500
//! is retried on the injected clock with the same `webhook-id`, each attempt in the delivery
//! log; a redelivery sends it again; internal URLs are refused unless allowed.

#[path = "support/app.rs"]
mod app;
#[path = "support/peers.rs"]
mod peers;

use app::{error_of, uuid, Harness, SHOP};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use collector::access::Role;
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver was sent: headers that matter, and the body.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// A webhook receiver on a free loopback port that answers the statuses in `answers` in turn
/// (the last one from then on).
async fn receiver(answers: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            let answers = answers.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut all = seen.lock().unwrap();
                all.push(Received {
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp"),
                    signature: h("webhook-signature"),
                    body,
                });
                let status = answers[(all.len() - 1).min(answers.len() - 1)];
                AxumStatus::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    for _ in 0..200 {
        let all = got.lock().unwrap().clone();
        if all.len() >= n {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    got.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_stove_alert_is_signed_retried_logged_and_redelivered() {
    // The real time, so that the reference library's five-minute tolerance holds.
    let harness = Harness::new()
        .await
        .clock_at(real_now())
        .webhook_allow(&["127.0.0.0/8"]);
    let site = harness.site("Shop", &[SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let served = harness.serve().await;
    let api = |path: &str| {
        format!(
            "{}/api/v1/admin/sites/{}/webhooks{path}",
            served.base, site.key
        )
    };
    let (url, got) = receiver(vec![500, 200]).await;

    let created = served
        .client
        .post(api(""))
        .bearer_auth(&admin)
        .json(&json!({"url": url, "events": ["complaint.hot_stove"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let endpoint: Value = created.json().await.unwrap();
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed: Value = served
        .client
        .get(api(""))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["webhooks"][0]["url"], url.as_str());
    assert!(listed["webhooks"][0].get("secret").is_none(), "shown once");

    let filed: Value = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem",
            "description": "I was charged twice", "impact": 3, "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // The first try answers 500; the retry comes about five seconds later on the clock.
    let first = wait_for(&got, 1).await;
    assert_eq!(first.len(), 1, "the alert went out at once");
    served.clock.advance(10_000);
    let both = wait_for(&got, 2).await;
    assert_eq!(both.len(), 2, "retried after the 500");
    assert_eq!(both[0].id, both[1].id, "one event, one webhook-id");
    assert!(both[0].id.starts_with("msg_"));
    for r in &both {
        peers::verified_by_the_reference_library(
            &secret,
            &r.id,
            &r.timestamp,
            &r.signature,
            &r.body,
        )
        .unwrap();
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["type"], "complaint.hot_stove");
        assert_eq!(body["data"]["complaint"]["id"], filed["id"]);
        assert_eq!(body["data"]["complaint"]["reference"], filed["reference"]);
        assert_eq!(body["data"]["complaint"]["priority"], "P1");
    }
    let mut tampered = both[1].clone();
    tampered.body = tampered.body.replace("P1", "P4");
    assert!(
        peers::verified_by_the_reference_library(
            &secret,
            &tampered.id,
            &tampered.timestamp,
            &tampered.signature,
            &tampered.body,
        )
        .is_err()
            || std::env::var_os("HARK_PYTHONPATH").is_none(),
        "a changed body fails verification"
    );

    // The log: one delivery, delivered, with both attempts, newest first.
    let id = endpoint["id"].as_i64().unwrap();
    let mut log = Value::Null;
    for _ in 0..100 {
        log = served
            .client
            .get(api(&format!("/{id}/deliveries")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if log["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let delivery = &log["deliveries"][0];
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["type"], "complaint.hot_stove");
    assert_eq!(delivery["event_id"], both[0].id.as_str());
    let statuses: Vec<&Value> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [&json!(200), &json!(500)]);
    assert!(delivery["attempts"][0]["latency_ms"].is_i64());

    // Redelivery: the same event again.
    let again = served
        .client
        .post(api(&format!(
            "/{id}/deliveries/{}/redeliver",
            delivery["id"]
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let three = wait_for(&got, 3).await;
    assert_eq!(three.len(), 3);
    assert_eq!(three[2].id, both[0].id);

    // Inward URLs: 10.0.0.0/8 and the cloud metadata address are not allowed here.
    for inward in [
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest",
        "ftp://example.com/",
    ] {
        let (status, code, _) = error_of(
            served
                .client
                .post(api(""))
                .bearer_auth(&admin)
                .json(&json!({ "url": inward }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{inward}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_and_private_urls_are_refused_unless_the_configuration_allows_them() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let served = harness.serve().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.0.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ] {
        let response = served
            .client
            .post(format!(
                "{}/api/v1/admin/sites/{}/webhooks",
                served.base, site.key
            ))
            .bearer_auth(&admin)
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        let (status, _, message) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(message.contains("internal address"), "{url}: {message}");
    }
    let listed: Value = served
        .client
        .get(format!(
            "{}/api/v1/admin/sites/{}/webhooks",
            served.base, site.key
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["webhooks"], json!([]), "nothing stored");
}
