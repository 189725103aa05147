//! Service levels at the HTTP boundary, on the injected clock: a site's business hours and SLA
//! policies are set (bad ones refused with 422, nothing stored); a complaint's timers warn at
//! 80 %, breach at 100 % and climb the escalation ladder at its offsets, each once, each on the
//! timeline and in the outbox; a case answered in time fires nothing; due times count business
//! hours only.

#[path = "support/app.rs"]
mod app;

use app::{error_of, uuid, Harness, Served, SHOP};
use collector::access::Role;
use collector::store::Site;
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection as _;
use std::time::Duration;

const MIN: i64 = 60_000;

struct App {
    served: Served,
    site: Site,
    admin: String,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v1/admin/sites/{}{path}",
            self.served.base, self.site.key
        )
    }

    async fn put(&self, path: &str, body: Value) -> reqwest::Response {
        self.served
            .client
            .put(self.url(path))
            .bearer_auth(&self.admin)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .served
            .client
            .get(self.url(path))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) {
        let response = self
            .served
            .client
            .post(self.url(path))
            .bearer_auth(&self.admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "POST {path}: {}",
            response.status()
        );
    }

    /// Files a problem of impact 2 (P3 by the default matrix) from the shop; its id.
    async fn file(&self, description: &str) -> String {
        let response = self
            .served
            .client
            .post(format!("{}/api/v1/complaints", self.served.base))
            .header(ORIGIN, SHOP)
            .json(&json!({
                "id": uuid(), "site_key": self.site.key, "kind": "problem",
                "description": description, "impact": 2, "dwell_ms": 5000,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let filed: Value = response.json().await.unwrap();
        filed["id"].as_str().unwrap().to_owned()
    }

    /// The case's page once its timeline has `entries` entries of `kind` (the job runner works
    /// beside the test), or as it is after a few seconds.
    async fn case_with(&self, id: &str, kind: &str, entries: usize) -> Value {
        let mut view = Value::Null;
        for _ in 0..100 {
            view = self.get(&format!("/complaints/{id}")).await;
            if kinds(&view).iter().filter(|k| *k == kind).count() >= entries {
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        view
    }
}

fn kinds(view: &Value) -> Vec<String> {
    view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn details(view: &Value, kind: &str) -> Vec<String> {
    view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["detail"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The case's clock of `target`: (state, due_at, left_minutes).
fn sla_clock(view: &Value, target: &str) -> (String, Option<i64>, i64) {
    let c = view["complaint"]["sla"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["target"] == target)
        .unwrap_or_else(|| panic!("no {target} clock in {view}"));
    (
        c["state"].as_str().unwrap().to_owned(),
        c["due_at"].as_i64(),
        c["left_minutes"].as_i64().unwrap(),
    )
}

async fn start(at: i64) -> App {
    let harness = Harness::new().await.clock_at(at);
    let site = harness.site("Shop", &[SHOP]).await;
    for email in ["ann@example.com", "bob@example.com"] {
        let id = harness.store.create_user(email, "x", 0).await.unwrap();
        harness
            .store
            .set_membership(id, &site.key, Role::Agent, 0)
            .await
            .unwrap();
    }
    let admin = harness.token(&site, Role::Admin).await;
    App {
        served: harness.serve().await,
        site,
        admin,
    }
}

/// The outbox's event types for the site, oldest first.
async fn outbox(app: &App) -> Vec<String> {
    let mut db = sqlx::SqliteConnection::connect(&app.served.database_url)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT type FROM outbox_events ORDER BY id")
        .fetch_all(&mut db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_warn_breach_and_escalate_on_time_and_a_timely_answer_fires_nothing() {
    let t0 = app::START_MS;
    let app = start(t0).await;
    let clock = app.served.clock.clone();
    let hours = app
        .put(
            "/business-hours",
            json!({"time_zone": "UTC", "always_open": true}),
        )
        .await;
    assert_eq!(hours.status(), StatusCode::OK);
    let policy = json!({"policies": [{
        "priority": "P3", "first_response": 60, "next_response": null, "resolution": 600,
        "warn_at_percent": 80,
        "escalation": [
            {"after_minutes": 0, "actions": [{"action": "notify", "to": "admins"}]},
            {"after_minutes": 30, "actions": [
                {"action": "raise_priority"},
                {"action": "reassign", "to": "round_robin"}
            ]}
        ]
    }]});
    assert_eq!(
        app.put("/sla-policies", policy.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.get("/sla-policies").await, policy);

    let late = app.file("The checkout page is broken").await;
    let timely = app.file("The lid was cracked").await;
    let view = app.get(&format!("/complaints/{late}")).await;
    assert_eq!(
        sla_clock(&view, "first_response"),
        ("on_track".into(), Some(t0 + 60 * MIN), 60)
    );
    assert_eq!(
        sla_clock(&view, "resolution"),
        ("on_track".into(), Some(t0 + 600 * MIN), 600)
    );

    // The team answers the second case after ten minutes: its first response is met.
    clock.advance(10 * MIN);
    app.post(
        &format!("/complaints/{timely}/replies"),
        json!({"body": "Sorry about that: a new one is on its way."}),
    )
    .await;

    // 48 minutes (80 % of 60): a warning, on the late case only.
    clock.advance(38 * MIN - 1);
    let view = app.get(&format!("/complaints/{late}")).await;
    assert!(
        !kinds(&view).contains(&"sla_warning".to_owned()),
        "not before its time"
    );
    clock.advance(1);
    let view = app.case_with(&late, "sla_warning", 1).await;
    assert_eq!(
        details(&view, "sla_warning"),
        ["first response target near: 12 business minutes left"]
    );
    assert_eq!(sla_clock(&view, "first_response").0, "at_risk");

    // 60 minutes: the breach, and the ladder's first level (at the breach) notifies.
    clock.advance(12 * MIN);
    let view = app.case_with(&late, "escalated", 1).await;
    assert_eq!(
        details(&view, "sla_breached"),
        ["first response target missed"]
    );
    assert_eq!(
        details(&view, "escalated"),
        ["first response escalation level 1: notified the admins"]
    );
    assert_eq!(sla_clock(&view, "first_response").0, "breached");

    // 90 minutes: the second level raises the priority and gives the case to an agent.
    clock.advance(30 * MIN);
    let view = app.case_with(&late, "escalated", 2).await;
    let escalations = details(&view, "escalated");
    assert_eq!(escalations.len(), 2, "{view}");
    assert!(
        escalations[1]
            .starts_with("first response escalation level 2: priority P3 → P2, reassigned to "),
        "{escalations:?}"
    );
    assert_eq!(view["complaint"]["priority"], "P2");
    assert!(view["complaint"]["assignee"]["email"].is_string(), "{view}");
    let timeline = kinds(&view);
    let sla: Vec<&String> = timeline
        .iter()
        .filter(|k| k.starts_with("sla_") || *k == "escalated")
        .collect();
    assert_eq!(
        sla,
        ["sla_warning", "sla_breached", "escalated", "escalated"]
    );

    // The answered case fired nothing for its first response, and its resolution runs on.
    let view = app.get(&format!("/complaints/{timely}")).await;
    assert!(
        kinds(&view)
            .iter()
            .all(|k| !k.starts_with("sla_") && k != "escalated"),
        "{view}"
    );
    assert_eq!(sla_clock(&view, "first_response").0, "met");
    assert_eq!(
        sla_clock(&view, "resolution"),
        ("on_track".into(), Some(t0 + 600 * MIN), 510)
    );

    // Each alarm is an event in the outbox, once, after the two complaints' own and the timely
    // answer's public reply.
    assert_eq!(
        outbox(&app).await,
        [
            "complaint.created",
            "complaint.created",
            "complaint.replied",
            "sla.warning",
            "sla.breached",
            "escalation.raised",
            "escalation.raised"
        ]
    );

    // The inbox filters and shows the clocks too.
    let list = app.get("/complaints?sla=breached").await;
    let ids: Vec<&str> = list["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [late.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_times_count_business_hours_and_waiting_on_the_customer_pauses_them() {
    // Friday 2026-11-20, 16:30 in Berlin (15:30 UTC).
    let friday = 1_795_188_600_000;
    let app = start(friday).await;
    let week: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({"day": d, "start": "09:00", "end": "17:00"}))
        .collect();
    let hours =
        json!({"time_zone": "Europe/Berlin", "always_open": false, "week": week, "holidays": []});
    assert_eq!(
        app.put("/business-hours", hours.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.get("/business-hours").await, hours);
    let policy = json!({"policies": [{"priority": "P3", "first_response": 60, "resolution": 960}]});
    assert_eq!(
        app.put("/sla-policies", policy).await.status(),
        StatusCode::OK
    );

    let id = app.file("Parcel never came").await;
    let view = app.get(&format!("/complaints/{id}")).await;
    // 30 minutes on Friday, 30 on Monday: due Monday 09:30 in Berlin, 08:30 UTC.
    let monday_0930 = 1_795_422_600_000;
    assert_eq!(sla_clock(&view, "first_response").1, Some(monday_0930));

    // Waiting on the customer from Friday 16:40 to Monday 10:00 pauses the clocks: 10
    // minutes were used, so 50 are left from Monday 10:00.
    app.served.clock.advance(10 * MIN);
    app.post(
        &format!("/complaints/{id}/status"),
        json!({"status": "in_progress"}),
    )
    .await;
    app.post(
        &format!("/complaints/{id}/status"),
        json!({"status": "waiting_on_customer"}),
    )
    .await;
    let view = app.get(&format!("/complaints/{id}")).await;
    assert_eq!(
        sla_clock(&view, "first_response"),
        ("paused".into(), None, 50)
    );
    let monday_10 = monday_0930 + 30 * MIN;
    app.served.clock.advance(monday_10 - (friday + 10 * MIN));
    app.post(
        &format!("/complaints/{id}/status"),
        json!({"status": "in_progress"}),
    )
    .await;
    let view = app.get(&format!("/complaints/{id}")).await;
    assert_eq!(
        sla_clock(&view, "first_response"),
        ("on_track".into(), Some(monday_10 + 50 * MIN), 50)
    );
    assert!(
        kinds(&view).iter().all(|k| !k.starts_with("sla_")),
        "nothing fired while paused: {view}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_business_hours_and_policies_are_refused_and_not_stored() {
    let app = start(app::START_MS).await;
    let before_hours = app.get("/business-hours").await;
    let before_policies = app.get("/sla-policies").await;
    for (body, says) in [
        (json!({"time_zone": "Mars/Olympus_Mons"}), "time_zone"),
        (
            json!({"time_zone": "UTC", "week": [
                {"day": "mon", "start": "09:00", "end": "13:00"},
                {"day": "mon", "start": "12:00", "end": "17:00"}
            ]}),
            "overlaps",
        ),
        (
            json!({"time_zone": "UTC", "week": [{"day": "mon", "start": "9am", "end": "17:00"}]}),
            "week[0]",
        ),
        (
            json!({"time_zone": "UTC", "holidays": ["2026-02-30"]}),
            "holidays[0]",
        ),
    ] {
        let (status, code, message) =
            error_of(app.put("/business-hours", body.clone()).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{body}"
        );
        assert!(message.contains(says), "{body}: {message}");
    }
    for (body, says) in [
        (
            json!({"policies": [{"priority": "P1", "first_response": 60, "warn_at_percent": 150}]}),
            "warn_at_percent",
        ),
        (
            json!({"policies": [{"priority": "P1", "first_response": 0}]}),
            "first_response",
        ),
        (
            json!({"policies": [{"priority": "P1", "first_response": 60, "escalation": [
                {"after_minutes": 10, "actions": [{"action": "notify", "to": "admins"}]},
                {"after_minutes": 5, "actions": [{"action": "notify", "to": "admins"}]}
            ]}]}),
            "escalation[1]",
        ),
        (
            json!({"policies": [{"priority": "P1", "first_response": 60, "escalation": [
                {"after_minutes": 0, "actions": [{"action": "reassign", "to": {"user": 999}}]}
            ]}]}),
            "not an agent",
        ),
    ] {
        let (status, code, message) = error_of(app.put("/sla-policies", body.clone()).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{body}"
        );
        assert!(message.contains(says), "{body}: {message}");
    }
    assert_eq!(app.get("/business-hours").await, before_hours);
    assert_eq!(app.get("/sla-policies").await, before_policies);
}

/// "I was charged twice" from the widget: P1 and hot at once, the rule on the timeline, and
/// the alert in the outbox in the complaint's own transaction, ahead of any timer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_stove_complaint_is_p1_hot_and_alerted_from_intake() {
    let app = start(app::START_MS).await;
    let id = app.file("Hello, I was charged twice for order 1234").await;
    let view = app.get(&format!("/complaints/{id}")).await;
    assert_eq!(view["complaint"]["priority"], "P1");
    assert_eq!(view["complaint"]["hot"], true);
    let hot: Vec<&Value> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "hot_stove")
        .collect();
    assert_eq!(hot.len(), 1, "{view}");
    assert_eq!(hot[0]["actor"]["name"], "Charged twice or cannot pay");
    assert_eq!(hot[0]["detail"], "matched 'charged twice'; now P1");
    // P1's default first response is an hour.
    assert_eq!(
        sla_clock(&view, "first_response").1,
        Some(app::START_MS + 60 * MIN)
    );
    let cool = app.file("The lid was cracked").await;
    let view = app.get(&format!("/complaints/{cool}")).await;
    assert_eq!(
        (
            view["complaint"]["hot"].clone(),
            view["complaint"]["priority"].clone()
        ),
        (json!(false), json!("P3"))
    );
    assert_eq!(
        outbox(&app).await,
        [
            "complaint.created",
            "complaint.hot_stove",
            "complaint.created"
        ]
    );
    let mut db = sqlx::SqliteConnection::connect(&app.served.database_url)
        .await
        .unwrap();
    let alert: String =
        sqlx::query_scalar("SELECT payload FROM outbox_events WHERE type = 'complaint.hot_stove'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    let alert: Value = serde_json::from_str(&alert).unwrap();
    assert_eq!(alert["complaint"]["id"], id.as_str());
    assert!(alert["complaint"]["reference"]
        .as_str()
        .unwrap()
        .starts_with("HK-"));
    assert_eq!(alert["rule"], "Charged twice or cannot pay");

    // An admin's own rules: a spike of three billing complaints in ten minutes.
    let rules = json!({"rules": [{"name": "Billing spike", "category": "Billing",
        "spike": {"count": 3, "minutes": 10}}]});
    assert_eq!(
        app.put("/hot-stove", rules.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/hot-stove").await["rules"][0]["name"],
        "Billing spike"
    );
    let mut hot = Vec::new();
    for _ in 0..3 {
        let response = app
            .served
            .client
            .post(format!("{}/api/v1/complaints", app.served.base))
            .header(ORIGIN, SHOP)
            .json(&json!({
                "id": uuid(), "site_key": app.site.key, "kind": "problem",
                "category": "Billing", "description": "Wrong amount", "impact": 2,
                "dwell_ms": 5000,
            }))
            .send()
            .await
            .unwrap();
        let filed: Value = response.json().await.unwrap();
        let view = app
            .get(&format!("/complaints/{}", filed["id"].as_str().unwrap()))
            .await;
        hot.push(view["complaint"]["hot"].as_bool().unwrap());
        app.served.clock.advance(MIN);
    }
    assert_eq!(hot, [false, false, true]);
    let (status, _, message) = error_of(
        app.put("/hot-stove", json!({"rules": [{"name": "All"}]}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("rules[0]"), "{message}");
    assert_eq!(
        app.get("/hot-stove").await["rules"][0]["name"],
        "Billing spike",
        "nothing stored"
    );
}
