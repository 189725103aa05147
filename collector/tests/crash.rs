//! `kill -9` loses no queued notification: complaints filed while the webhook receiver is down,
//! the collector killed the moment the last is acknowledged, and every event reaches the
//! receiver, each with its `webhook-id`, once a restarted collector finds it up. Nor does it
//! make a timer fire twice or not at all: a collector killed while it fires SLA alarms leaves
//! the rest to the next, and each alarm is on its case's timeline once and reaches the receiver
//! under one `webhook-id`. Nor does it lose the rollups' counts that SQLite's writer still owed
//! for acknowledged answers. The real `hark` binary on a SQLite file, on the real clock, or on one
//! that runs hours ahead (`HARK_TEST_CLOCK_AHEAD_MS`) so that timers fall due without waiting.

#[path = "support/process.rs"]
mod process;

use axum::http::HeaderMap;
use process::{create_site, free_port, hark_json, serve_with, Collector};
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SHOP: &str = "http://shop.test";
const COMPLAINTS: usize = 20;

async fn serve(database_url: &str) -> Collector {
    serve_ahead(database_url, 0).await
}

/// `serve` on a clock `ahead_ms` ahead of the system's.
async fn serve_ahead(database_url: &str, ahead_ms: i64) -> Collector {
    serve_with(
        database_url,
        &["--webhook-allow", "127.0.0.0/8"],
        &[("HARK_TEST_CLOCK_AHEAD_MS", ahead_ms.to_string())],
    )
    .await
}

/// Files `n` complaints on the site `key` through the widget's route, each described by
/// `text` with its number for `{}`; their ids.
async fn file(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    n: usize,
    text: &str,
) -> Vec<String> {
    let mut filed = Vec::new();
    for i in 0..n {
        let id = uuid::Uuid::new_v4().to_string();
        let response = client
            .post(format!("{base}/api/v1/complaints"))
            .header(ORIGIN, SHOP)
            .json(&json!({
                "id": id, "site_key": key, "kind": "problem",
                "description": text.replace("{}", &i.to_string()), "impact": 2, "dwell_ms": 5000,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        filed.push(id);
    }
    filed
}

/// The complaint id of each delivery received, with its `webhook-id`s.
type Received = Arc<Mutex<HashMap<String, Vec<String>>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_webhooks_survive_kill_9_and_go_out_with_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("hark.db").display());
    let key = create_site(&database_url, SHOP);
    let token = hark_json(
        &database_url,
        &[
            "token", "create", "--site", &key, "--role", "admin", "--json",
        ],
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let collector = serve(&database_url).await;
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

    let filed = file(
        &client,
        &collector.base,
        &key,
        COMPLAINTS,
        "The parcel {} never came",
    )
    .await;
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

    let _again = serve(&database_url).await;
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

const HOUR: i64 = 3_600_000;
const CASES: usize = 30;
/// What each case fires once two hours have passed: the first response's warning (at 50 % of
/// 60 minutes), its breach, and the escalation ladder's two levels (at the breach and 30
/// minutes after). The resolution's warning (at 300 minutes) is not due.
const ALARMS: [&str; 4] = [
    "sla.warning",
    "sla.breached",
    "escalation.raised",
    "escalation.raised",
];

/// A delivery received: its event type and case, by `webhook-id`.
type Deliveries = Arc<Mutex<Vec<(String, String, String)>>>;

/// How many of the database's outbox events are SLA alarms (read beside the running collector).
async fn alarms_in_outbox(database_url: &str) -> i64 {
    use sqlx::Connection as _;
    let mut db = sqlx::SqliteConnection::connect(&format!("{database_url}?mode=ro"))
        .await
        .unwrap();
    sqlx::query_scalar("SELECT count(*) FROM outbox_events WHERE type <> 'complaint.created'")
        .fetch_one(&mut db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_alarms_fire_once_across_kill_9_and_their_webhooks_go_out_under_one_id() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("hark.db").display());
    let key = create_site(&database_url, SHOP);
    let token = hark_json(
        &database_url,
        &[
            "token", "create", "--site", &key, "--role", "admin", "--json",
        ],
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let first = serve(&database_url).await;
    let client = reqwest::Client::new();
    let admin = |base: &str, path: &str| format!("{base}/api/v1/admin/sites/{key}{path}");
    let put = |path: &str, body: Value| {
        client
            .put(admin(&first.base, path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let hours = put(
        "/business-hours",
        json!({"time_zone": "UTC", "always_open": true}),
    )
    .await
    .unwrap();
    assert_eq!(hours.status(), StatusCode::OK);
    // Whatever priority a case gets, the same targets and ladder.
    let policies: Vec<Value> = ["P1", "P2", "P3", "P4"]
        .iter()
        .map(|p| {
            json!({
                "priority": p, "first_response": 60, "next_response": null, "resolution": 600,
                "warn_at_percent": 50,
                "escalation": [
                    {"after_minutes": 0, "actions": [{"action": "notify", "to": "admins"}]},
                    {"after_minutes": 30, "actions": [{"action": "raise_priority"}]}
                ]
            })
        })
        .collect();
    let set = put("/sla-policies", json!({ "policies": policies }))
        .await
        .unwrap();
    assert_eq!(
        set.status(),
        StatusCode::OK,
        "{}",
        set.text().await.unwrap()
    );
    // Nobody listens at the receiver's port yet: the complaints' events wait in the outbox.
    let hook_port = free_port();
    let created = client
        .post(admin(&first.base, "/webhooks"))
        .bearer_auth(&token)
        .json(&json!({
            "url": format!("http://127.0.0.1:{hook_port}/hook"),
            "events": ["complaint.created", "sla.warning", "sla.breached", "escalation.raised"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let filed = file(&client, &first.base, &key, CASES, "My order {} is late").await;
    drop(first);

    let received: Deliveries = Arc::default();
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let v: Value = serde_json::from_str(&body).unwrap();
                seen.lock().unwrap().push((
                    headers["webhook-id"].to_str().unwrap().to_owned(),
                    v["type"].as_str().unwrap().to_owned(),
                    v["data"]["complaint"]["id"].as_str().unwrap().to_owned(),
                ));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", hook_port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Two hours later, every case's first-response alarms are due at once. The collector is
    // killed as soon as the first of them is committed, while it fires the others and
    // delivers the complaints' events.
    let all = (CASES * ALARMS.len()) as i64;
    let second = serve_ahead(&database_url, 2 * HOUR).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while alarms_in_outbox(&database_url).await == 0 {
        assert!(Instant::now() < deadline, "no alarm fired within 30 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(second);
    let fired_before = alarms_in_outbox(&database_url).await;
    let delivered_before = received.lock().unwrap().len();
    eprintln!(
        "killed with {fired_before} of {all} alarms fired and {delivered_before} deliveries made"
    );

    let third = serve_ahead(&database_url, 2 * HOUR).await;
    let expected = |types: &mut Vec<String>| {
        types.sort();
        let mut want: Vec<String> = ALARMS.iter().map(|t| (*t).to_owned()).collect();
        want.push("complaint.created".into());
        want.sort();
        *types == want
    };
    // Each case's distinct events received, by type.
    let per_case = |got: &[(String, String, String)]| {
        let mut events: HashMap<&str, HashMap<&str, &str>> = HashMap::new();
        for (msg, kind, case) in got {
            events.entry(case).or_default().insert(msg, kind);
        }
        events
            .into_iter()
            .map(|(case, msgs)| {
                let kinds: Vec<String> = msgs.values().map(|k| (*k).to_owned()).collect();
                (case.to_owned(), kinds)
            })
            .collect::<HashMap<String, Vec<String>>>()
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let got = received.lock().unwrap().clone();
        let mut cases = per_case(&got);
        if cases.len() == CASES && cases.values_mut().all(expected) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 40 s, {} deliveries: {cases:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Each event went out under one `webhook-id`, each id named one event.
    let got = received.lock().unwrap().clone();
    let mut ids: HashMap<&str, (&str, &str)> = HashMap::new();
    for (msg, kind, case) in &got {
        assert!(
            filed.contains(case),
            "an event of a case nobody filed: {case}"
        );
        let first = *ids.entry(msg).or_insert((kind, case));
        assert_eq!(
            first,
            (kind.as_str(), case.as_str()),
            "{msg} named two events"
        );
    }
    // The timeline says the same: every alarm once, none lost.
    for id in &filed {
        let view: Value = client
            .get(admin(&third.base, &format!("/complaints/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut alarms: Vec<&str> = view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .filter(|k| k.starts_with("sla_") || *k == "escalated")
            .collect();
        alarms.sort();
        assert_eq!(
            alarms,
            ["escalated", "escalated", "sla_breached", "sla_warning"],
            "case {id}"
        );
    }
    assert_eq!(alarms_in_outbox(&database_url).await, all);
    let repeated = got.len() - ids.len();
    eprintln!(
        "{} events, {} deliveries ({repeated} repeated under their id), in {:.1} s",
        ids.len(),
        got.len(),
        started.elapsed().as_secs_f64()
    );
}

/// The rollups' rows as stored (read beside the collector, nothing paid first), and how many
/// sites and days are marked as owed.
async fn rollups_as_stored(
    database_url: &str,
) -> (Vec<(String, String, String, i64, i64, i64)>, i64) {
    use sqlx::Connection as _;
    let mut db = sqlx::SqliteConnection::connect(&format!("{database_url}?mode=ro"))
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "SELECT question_id, dimension, value, day, bucket, n FROM insight_rollups
         ORDER BY survey_key, question_id, dimension, value, day, bucket",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let owed = sqlx::query_scalar("SELECT count(*) FROM insight_rollups_owed")
        .fetch_one(&mut db)
        .await
        .unwrap();
    (rows, owed)
}

/// Whole responses counted in `rows`.
fn responses_counted(rows: &[(String, String, String, i64, i64, i64)]) -> i64 {
    rows.iter()
        .filter(|(q, d, ..)| q.is_empty() && d.is_empty())
        .map(|r| r.5)
        .sum()
}

/// On SQLite the writer adds the rollups' counts between batches, and marks what it owes in
/// each batch's transaction: a collector killed while it owes counts for acknowledged answers
/// leaves them to the next, which recomputes them as it starts. The rollups then count every
/// answer once, and equal what `hark insight rebuild` folds from the answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_owed_at_kill_9_are_recomputed_when_the_collector_starts() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("hark.db").display());
    let key = create_site(&database_url, SHOP);
    let unlimited = [
        "--rate-limit-per-client",
        "1000000",
        "--rate-limit-per-site",
        "1000000",
    ];
    let collector = serve_with(&database_url, &unlimited, &[]).await;
    let client = reqwest::Client::new();
    let mut sent: i64 = 0;
    // Bursts of answers until some are owed when the burst ends: the writer pays at most every
    // quarter of a second, after a batch, so the last batches of a short burst usually owe.
    for _ in 0..20 {
        let burst = (0..40).map(|n| {
            client
                .post(format!("{}/api/v1/responses", collector.base))
                .header(ORIGIN, SHOP)
                .json(&json!({
                    "id": uuid::Uuid::new_v4(), "site_key": key, "survey_id": "nps",
                    "answers": [{"type": "nps", "question_id": "q1", "score": n % 11}],
                    "page_url": "http://shop.test/cart", "dwell_ms": 5000,
                }))
                .send()
        });
        for response in futures_util::future::join_all(burst).await {
            assert_eq!(response.unwrap().status(), StatusCode::CREATED);
            sent += 1;
        }
        if rollups_as_stored(&database_url).await.1 > 0 {
            break;
        }
    }
    let (before, owed) = rollups_as_stored(&database_url).await;
    assert!(owed > 0, "no burst of {sent} answers left counts owed");
    assert!(responses_counted(&before) < sent, "{before:?}");
    // Idle, the collector pays nothing more before it dies.
    drop(collector);

    let _again = serve_with(&database_url, &unlimited, &[]).await;
    let (after, owed) = rollups_as_stored(&database_url).await;
    assert_eq!(owed, 0);
    assert_eq!(responses_counted(&after), sent, "every answer counted once");
    let rebuilt = hark_json(
        &database_url,
        &["insight", "rebuild", "--site", &key, "--json"],
    );
    assert_eq!(rebuilt["answers"], sent);
    assert_eq!(
        rollups_as_stored(&database_url).await.0,
        after,
        "recomputed as rebuilt"
    );
}
