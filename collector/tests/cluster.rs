//! Two `hark serve` processes on one PostgreSQL database: answers sent to either are stored
//! once, replays sent to both at the same moment included, and timer jobs fire once in all. The real `hark` binary, a fresh
//! database on a PostgreSQL server this test binary starts from `HARK_POSTGRES_BIN`.

#[path = "support/events.rs"]
mod events;
#[path = "support/postgres.rs"]
mod postgres_server;
#[path = "support/process.rs"]
mod process;

use events::EventStream;
use process::{hark_json, serve_with, Collector};
use reqwest::header::{CONTENT_TYPE, ORIGIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection as _;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const SHOP: &str = "http://shop.test";

/// Starts `hark serve` on a free port and waits until it answers `/healthz`.
async fn serve(database_url: &str) -> Collector {
    serve_with(database_url, &[], &[]).await
}

async fn post(client: &reqwest::Client, collector: &Collector, answer: &Value) -> StatusCode {
    client
        .post(format!("{}/api/v1/responses", collector.base))
        .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
        .header(ORIGIN, SHOP)
        .body(answer.to_string())
        .send()
        .await
        .expect("the collector answers")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_on_one_postgres_store_every_answer_once() {
    let database_url = postgres_server::shared().fresh_database().await;

    let site = hark_json(
        &database_url,
        &[
            "site",
            "create",
            "--name",
            "Cluster Shop",
            "--origin",
            SHOP,
            "--json",
        ],
    );
    let site_key = site["key"].as_str().expect("a site key").to_owned();
    let token = hark_json(
        &database_url,
        &[
            "token", "create", "--site", &site_key, "--role", "viewer", "--json",
        ],
    );
    let token = token["token"].as_str().expect("a token").to_owned();

    let (a, b) = tokio::join!(serve(&database_url), serve(&database_url));
    let collectors = [&a, &b];
    let client = reqwest::Client::new();
    let answer = |id: uuid::Uuid, score: i64| {
        json!({
            "id": id.to_string(),
            "site_key": site_key,
            "survey_id": "nps",
            "answers": [{"type": "nps", "question_id": "q1", "score": score}],
            "page_url": "http://shop.test/cart"
        })
    };

    // Distinct answers, alternately to each collector. Each collector takes fewer than the
    // per-client burst (30) in all, so that no answer is rate-limited.
    let mut sent = Vec::new();
    let mut answered = [0; 2];
    for i in 0..16 {
        let id = uuid::Uuid::new_v4();
        let status = post(&client, collectors[i % 2], &answer(id, (i % 11) as i64)).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "answer {i} to collector {}",
            i % 2
        );
        answered[i % 2] += 1;
        sent.push(id);
    }

    // The same answer to both at once, as a widget retrying through a load balancer would:
    // one stores it (201), the other acknowledges the replay (200).
    for round in 0..8 {
        let id = uuid::Uuid::new_v4();
        let body = answer(id, 10);
        let (sa, sb) = tokio::join!(post(&client, &a, &body), post(&client, &b, &body));
        let mut statuses = [sa, sb];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CREATED],
            "replay round {round}: exactly one collector stores it"
        );
        answered[0] += 1;
        answered[1] += 1;
        sent.push(id);
    }
    assert!(answered.iter().all(|&n| n > 0), "{answered:?}");

    // Either collector lists every answer exactly once.
    for (which, collector) in collectors.iter().enumerate() {
        let list: Value = client
            .get(format!(
                "{}/api/v1/admin/sites/{site_key}/responses?limit=100",
                collector.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for response in list["responses"].as_array().expect("a list of responses") {
            let id = response["id"].as_str().expect("an id").to_owned();
            *seen.entry(id).or_default() += 1;
        }
        assert_eq!(seen.len(), sent.len(), "collector {which} lists {seen:?}");
        for id in &sent {
            assert_eq!(
                seen.get(&id.to_string()),
                Some(&1),
                "collector {which}: answer {id} is listed once"
            );
        }
    }
    // Both collectors are killed when `a` and `b` drop; kill them here to say so.
    drop(a);
    drop(b);
}

/// How many jobs of `kind` a collector says it ran with `outcome` (`/metrics`).
async fn jobs_run(client: &reqwest::Client, collector: &Collector, kind: &str) -> u64 {
    let text = client
        .get(format!("{}/metrics", collector.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("hark_jobs_run_total{{kind=\"{kind}\",outcome=\"done\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// A thousand timers fall due at one moment on a database two collectors share: each fires
/// once in all, and both collectors hear of them though neither set them (`NOTIFY`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_on_one_postgres_fire_each_due_job_once() {
    const JOBS: u64 = 1_000;
    let database_url = postgres_server::shared().fresh_database().await;
    let site = hark_json(
        &database_url,
        &[
            "site", "create", "--name", "Timers", "--origin", SHOP, "--json",
        ],
    );
    let site_key = site["key"].as_str().expect("a site key").to_owned();
    let (a, b) = tokio::join!(serve(&database_url), serve(&database_url));

    // Auto-close timers of cases that are gone by now: each runs and does nothing else, so
    // what is counted is how often each fired. They fall due two seconds from now.
    let mut db = sqlx::PgConnection::connect(&database_url).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    sqlx::query(
        "INSERT INTO jobs (kind, due_at, payload, created_at)
         SELECT 'complaint.auto_close', $1,
                json_build_object('site', $2::text, 'complaint', gen_random_uuid())::text, $3
         FROM generate_series(1, $4)",
    )
    .bind(now + 2_000)
    .bind(&site_key)
    .bind(now)
    .bind(JOBS as i64)
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query("NOTIFY hark_jobs")
        .execute(&mut db)
        .await
        .unwrap();

    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (ran_a, ran_b) = loop {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
            .fetch_one(&mut db)
            .await
            .unwrap();
        if left == 0 {
            break (
                jobs_run(&client, &a, "complaint.auto_close").await,
                jobs_run(&client, &b, "complaint.auto_close").await,
            );
        }
        assert!(
            Instant::now() < deadline,
            "{left} jobs still due after a minute"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        ran_a + ran_b,
        JOBS,
        "collector a ran {ran_a}, b ran {ran_b}"
    );
    assert!(
        ran_a > 0 && ran_b > 0,
        "both took jobs: {ran_a} and {ran_b}"
    );
    drop(a);
    drop(b);
}

async fn log_call(
    client: &reqwest::Client,
    collector: &Collector,
    site: &str,
    token: &str,
    n: usize,
) -> String {
    let response = client
        .post(format!(
            "{}/api/v1/admin/sites/{site}/complaints",
            collector.base
        ))
        .bearer_auth(token)
        .json(
            &json!({"channel": "phone", "description": format!("Call {n}: the parcel never came")}),
        )
        .send()
        .await
        .expect("the collector answers");
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .expect("the case's id")
        .to_owned()
}

/// Issue 16's live dashboard across collectors: a case created through one collector is on a
/// stream of the other at once; a stream dropped and resumed from its last event id gets every
/// entry committed meanwhile, through either collector and concurrently, once and in order;
/// and a viewer of another site hears nothing of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_collector_streams_live_from_the_other() {
    let database_url = postgres_server::shared().fresh_database().await;
    let site = |name: &str| {
        let s = hark_json(
            &database_url,
            &["site", "create", "--name", name, "--origin", SHOP, "--json"],
        );
        s["key"].as_str().expect("a site key").to_owned()
    };
    let token = |site: &str, role: &str| {
        let t = hark_json(
            &database_url,
            &["token", "create", "--site", site, "--role", role, "--json"],
        );
        t["token"].as_str().expect("a token").to_owned()
    };
    let (shop, other) = (site("Live Shop"), site("Other Shop"));
    let (agent, viewer) = (token(&shop, "agent"), token(&shop, "viewer"));
    let (other_agent, other_viewer) = (token(&other, "agent"), token(&other, "viewer"));
    let (a, b) = tokio::join!(serve(&database_url), serve(&database_url));
    let client = reqwest::Client::new();

    let mut live = EventStream::open(&b.base, &viewer, None).await;
    let mut outsider = EventStream::open(&b.base, &other_viewer, None).await;
    let first = log_call(&client, &a, &shop, &agent, 0).await;
    let received = live
        .next(Duration::from_secs(10))
        .await
        .expect("the new case reached the other collector's stream");
    assert_eq!(received.data["case"], first.as_str());
    assert_eq!(received.data["site_key"], shop.as_str());
    assert_eq!(received.data["kind"], "received");
    assert_eq!(received.data["status"], "new");
    assert!(received.data["reference"]
        .as_str()
        .unwrap()
        .starts_with("HK-"));
    assert!(
        received.data.get("description").is_none(),
        "no text travels on the stream: {}",
        received.data
    );
    // The rest of the new case's first entries (categorized, prioritized, …), then quiet.
    let mut last = received.id;
    while let Some(e) = live.next(Duration::from_millis(500)).await {
        assert_eq!(e.data["case"], first.as_str());
        assert!(e.id > last);
        last = e.id;
    }
    drop(live);

    // Dropped. Meanwhile 20 calls are logged through both collectors at once.
    let mut logged = Vec::new();
    for n in 1..=20 {
        let (via, client) = (if n % 2 == 0 { &a } else { &b }, &client);
        let (shop, agent) = (&shop, &agent);
        logged.push(async move { log_call(client, via, shop, agent, n).await });
    }
    let cases: Vec<String> = futures_util::future::join_all(logged).await;
    let mut db = sqlx::PgConnection::connect(&database_url).await.unwrap();
    let committed: Vec<i64> = sqlx::query_scalar(
        "SELECT e.id FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id
         JOIN sites t ON t.id = c.site_id WHERE t.key = $1 AND e.id > $2 ORDER BY e.id",
    )
    .bind(&shop)
    .bind(last)
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(committed.len() >= 20, "each case has its entries");

    // Resumed from the last event id: every entry since, once, in order.
    let mut resumed = EventStream::open(&b.base, &viewer, Some(last)).await;
    let mut got = Vec::new();
    let mut seen_cases = std::collections::HashSet::new();
    while got.len() < committed.len() {
        let e = resumed
            .next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("{} of {} entries came", got.len(), committed.len()));
        seen_cases.insert(e.data["case"].as_str().unwrap().to_owned());
        got.push(e.id);
    }
    assert_eq!(
        got, committed,
        "the entries since the last event id, in order"
    );
    assert!(
        cases.iter().all(|c| seen_cases.contains(c)),
        "every new case"
    );
    assert!(
        resumed.next(Duration::from_millis(500)).await.is_none(),
        "nothing twice"
    );

    // The other site's viewer heard none of it: the first thing on its stream is its own case.
    let own = log_call(&client, &a, &other, &other_agent, 99).await;
    let e = outsider
        .next(Duration::from_secs(10))
        .await
        .expect("the other site's case reached its viewer");
    assert_eq!(e.data["case"], own.as_str(), "{e:?}");
    assert_eq!(e.data["site_key"], other.as_str());
    drop((a, b));
}
