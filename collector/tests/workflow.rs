//! The complaint workflow at its HTTP boundary, on SQLite and on PostgreSQL: complaints filed
//! from the shop's origin are categorized and prioritized by the site's rules, assigned (by
//! routing, by load, by hand), answered, noted, waited on, reopened by the customer's reply,
//! resolved, closed by the timer on the injected clock, merged, linked to a problem that is
//! resolved with its complaints; every timeline entry in order with its actor; bad input refused
//! with nothing changed.

#[path = "support/app.rs"]
mod app;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{error_of, uuid, Harness, Served, SHOP};
use collector::access::Role;
use collector::accounts::Password;
use collector::store::{Site, DAY_MS};
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_workflow_on_sqlite() {
    the_whole_workflow(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_workflow_on_postgres() {
    let url = postgres_server::shared().fresh_database().await;
    let store = collector::store::open(&url).await.unwrap();
    the_whole_workflow(Harness::on(store, url)).await;
}

/// How a request authenticates.
#[derive(Clone)]
enum As {
    Token(String),
    Session { cookie: String, csrf: String },
}

struct App {
    served: Served,
    site: Site,
}

impl App {
    async fn call(
        &self,
        who: &As,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let url = format!(
            "{}/api/v1/admin/sites/{}{path}",
            self.served.base, self.site.key
        );
        let mut req = self.served.client.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req = match who {
            As::Token(t) => req.bearer_auth(t),
            As::Session { cookie, csrf } => req.header(COOKIE, cookie).header("X-CSRF-Token", csrf),
        };
        req.send().await.unwrap()
    }

    /// A call that must succeed with `status`; its JSON body.
    async fn ok(
        &self,
        who: &As,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let response = self.call(who, method.clone(), path, body).await;
        let got = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{method} {path}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    async fn get(&self, who: &As, path: &str) -> Value {
        self.ok(who, Method::GET, path, None, StatusCode::OK).await
    }

    async fn login(&self, email: &str) -> As {
        let response = self
            .served
            .client
            .post(format!("{}/api/v1/admin/session", self.served.base))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        As::Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Files a complaint from the shop's page, as the widget does; its id and reference.
    async fn file(
        &self,
        category: Option<&str>,
        description: &str,
        impact: u8,
    ) -> (String, String) {
        let mut body = json!({
            "id": uuid(), "site_key": self.site.key, "kind": "problem",
            "description": description, "impact": impact, "dwell_ms": 5000,
        });
        if let Some(c) = category {
            body["category"] = c.into();
        }
        let response = self
            .served
            .client
            .post(format!("{}/api/v1/complaints", self.served.base))
            .header(ORIGIN, SHOP)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let filed: Value = response.json().await.unwrap();
        // The next complaint comes a second later, so that "newest first" is one order.
        self.served.clock.advance(1000);
        (
            filed["id"].as_str().unwrap().to_owned(),
            filed["reference"].as_str().unwrap().to_owned(),
        )
    }
}

/// The timeline as `(kind, actor type, detail)`.
fn timeline(view: &Value) -> Vec<(String, String, String)> {
    view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let actor = match e["actor"]["type"].as_str().unwrap() {
                "user" => format!("user:{}", e["actor"]["email"].as_str().unwrap()),
                "rule" => format!("rule:{}", e["actor"]["name"].as_str().unwrap()),
                other => other.to_owned(),
            };
            (
                e["kind"].as_str().unwrap().to_owned(),
                actor,
                e["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn t(kind: &str, actor: &str, detail: &str) -> (String, String, String) {
    (kind.into(), actor.into(), detail.into())
}

async fn the_whole_workflow(harness: Harness) {
    let site = harness.site("Shop", &[SHOP]).await;
    let other = harness.site("Other", &["http://other.test"]).await;
    let hash = Password::new(PASSWORD.into()).unwrap().hash().unwrap();
    let mut ids = Vec::new();
    for (email, role) in [
        ("ann@example.com", Role::Agent),
        ("bob@example.com", Role::Agent),
    ] {
        let id = harness.store.create_user(email, &hash, 0).await.unwrap();
        harness
            .store
            .set_membership(id, &site.key, role, 0)
            .await
            .unwrap();
        ids.push(id);
    }
    let (ann_id, bob_id) = (ids[0], ids[1]);
    let admin = As::Token(harness.token(&site, Role::Admin).await);
    let viewer = As::Token(harness.token(&site, Role::Viewer).await);
    let other_admin = As::Token(harness.token(&other, Role::Admin).await);
    let app = App {
        served: harness.serve().await,
        site,
    };
    let clock = app.served.clock.clone();
    let ann = app.login("ann@example.com").await;
    let bob = app.login("bob@example.com").await;

    // The site's rules: billing words, urgent ones; delivery goes to Bob; assign on intake.
    let workflow = json!({
        "rules": [{"category": "Billing", "keywords": ["refund", "charged twice"], "urgency": "high"}],
        "routing": {"Delivery": bob_id},
        "auto_assign": true,
        "auto_close_days": 14,
    });
    // A malformed rule is refused and nothing changes.
    let bad = json!({"rules": [{"category": "Nope", "keywords": ["x"]}]});
    let response = app.call(&admin, Method::PUT, "/workflow", Some(bad)).await;
    let (status, code, message) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert_eq!(message, "rule 1: the site has no category \"Nope\"");
    let bad = json!({"routing": {"Billing": 999}});
    let response = app.call(&admin, Method::PUT, "/workflow", Some(bad)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(&viewer, "/workflow").await["auto_assign"], false);
    let response = app
        .call(&ann, Method::PUT, "/workflow", Some(workflow.clone()))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "agents do not configure"
    );
    app.ok(
        &admin,
        Method::PUT,
        "/workflow",
        Some(workflow),
        StatusCode::OK,
    )
    .await;

    // This site has no hot-stove rules: its cases are prioritized by the matrix alone (the
    // default rules, which would make "charged twice" P1, are tested in `tests/sla.rs`).
    app.ok(
        &admin,
        Method::PUT,
        "/hot-stove",
        Some(json!({"rules": []})),
        StatusCode::OK,
    )
    .await;

    // 1: no category; the rules file it under Billing, urgency high → P2, round-robin → Ann.
    let (c1, _) = app
        .file(None, "I was charged twice, I want a refund", 3)
        .await;
    let v = app.get(&viewer, &format!("/complaints/{c1}")).await;
    let case = &v["complaint"];
    assert_eq!(case["category"], "Billing");
    assert_eq!(
        (case["urgency"].as_str(), case["priority"].as_str()),
        (Some("high"), Some("P2"))
    );
    assert_eq!(case["assignee"]["email"], "ann@example.com");
    assert_eq!(case["status"], "open");
    assert_eq!(
        timeline(&v),
        [
            t("received", "customer", "filed from the widget"),
            t(
                "categorized",
                "rule:keyword rule",
                "→ Billing: matched 'refund', 'charged twice'"
            ),
            t(
                "prioritized",
                "rule:priority matrix",
                "impact 3 × urgency high → P2 (matched 'refund', 'charged twice')"
            ),
            t(
                "assigned",
                "rule:round-robin",
                "→ ann@example.com (round-robin: fewest active cases)"
            ),
            t("status_changed", "system", "new → open"),
        ]
    );
    // 2: Delivery is routed to Bob. 3: a tie of load goes to Ann (the longest-standing agent);
    // 4: Ann has two, Bob one: Bob.
    let (c2, _) = app.file(Some("Delivery"), "The parcel never came", 2).await;
    let (c3, r3) = app
        .file(Some("Website"), "Checkout button does nothing", 4)
        .await;
    let (c4, _) = app
        .file(Some("Website"), "Checkout button is dead", 1)
        .await;
    let assignee = |view: Value| {
        view["complaint"]["assignee"]["email"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        assignee(app.get(&viewer, &format!("/complaints/{c2}")).await),
        "bob@example.com"
    );
    let v2 = app.get(&viewer, &format!("/complaints/{c2}")).await;
    assert_eq!(
        timeline(&v2)[2],
        t(
            "assigned",
            "rule:routing",
            "→ bob@example.com (routing for \"Delivery\")"
        )
    );
    assert_eq!(
        assignee(app.get(&viewer, &format!("/complaints/{c3}")).await),
        "ann@example.com"
    );
    assert_eq!(
        assignee(app.get(&viewer, &format!("/complaints/{c4}")).await),
        "bob@example.com"
    );
    let v4 = app.get(&viewer, &format!("/complaints/{c4}")).await;
    assert_eq!(
        v4["similar"][0]["id"],
        c3.as_str(),
        "same category, words in common"
    );

    // Manual assignment: an admin gives case 1 to Bob; Ann takes case 2 for herself but may not
    // give case 3 to Bob.
    app.ok(
        &admin,
        Method::PUT,
        &format!("/complaints/{c1}/assignee"),
        Some(json!({"user_id": bob_id})),
        StatusCode::OK,
    )
    .await;
    let v = app
        .ok(
            &ann,
            Method::PUT,
            &format!("/complaints/{c2}/assignee"),
            Some(json!({"user_id": ann_id})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        timeline(&v).last().unwrap(),
        &t(
            "assigned",
            "user:ann@example.com",
            "bob@example.com → ann@example.com (took it)"
        )
    );
    let response = app
        .call(
            &ann,
            Method::PUT,
            &format!("/complaints/{c3}/assignee"),
            Some(json!({"user_id": bob_id})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .call(
            &viewer,
            Method::POST,
            &format!("/complaints/{c1}/status"),
            Some(json!({"status": "in_progress"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Bob works case 1: a reply, a note, in progress, waiting on the customer.
    let path = |what: &str| format!("/complaints/{c1}{what}");
    app.ok(
        &bob,
        Method::POST,
        &path("/replies"),
        Some(json!({"body": "Sorry! Checking <b>now</b>."})),
        StatusCode::CREATED,
    )
    .await;
    app.ok(
        &bob,
        Method::POST,
        &path("/replies"),
        Some(json!({"body": "PSP log shows two captures", "internal": true})),
        StatusCode::CREATED,
    )
    .await;
    let before = app.get(&viewer, &path("")).await;
    let response = app
        .call(
            &bob,
            Method::POST,
            &path("/replies"),
            Some(json!({"body": "x".repeat(10_001)})),
        )
        .await;
    let (status, _, message) = error_of(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        message,
        "a reply is 10001 characters; at most 10000 are kept"
    );
    assert_eq!(app.get(&viewer, &path("")).await, before, "nothing changed");
    for to in ["in_progress", "waiting_on_customer"] {
        app.ok(
            &bob,
            Method::POST,
            &path("/status"),
            Some(json!({"status": to})),
            StatusCode::OK,
        )
        .await;
    }
    // Waiting → closed is no transition: 409 with where it may go, and nothing changes.
    let response = app
        .call(
            &bob,
            Method::POST,
            &path("/status"),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_transition");
    assert_eq!(
        error["error"]["allowed"],
        json!(["open", "in_progress", "resolved", "merged", "spam"])
    );
    assert_eq!(
        app.get(&viewer, &path("")).await["complaint"]["status"],
        "waiting_on_customer"
    );

    // The customer answers (by phone, taken by Bob): open again. Resolved; the customer
    // writes again: reopened. Bob takes it up and resolves it again.
    clock.advance(60_000);
    app.ok(
        &bob,
        Method::POST,
        &path("/replies"),
        Some(json!({"body": "It was the Visa card", "customer": true})),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        app.get(&viewer, &path("")).await["complaint"]["status"],
        "open"
    );
    app.ok(
        &bob,
        Method::POST,
        &path("/status"),
        Some(json!({"status": "resolved"})),
        StatusCode::OK,
    )
    .await;
    clock.advance(DAY_MS);
    // Sessions end when idle: sign in again after a day.
    let bob = app.login("bob@example.com").await;
    app.ok(
        &bob,
        Method::POST,
        &path("/replies"),
        Some(json!({"body": "Still charged twice!", "customer": true})),
        StatusCode::CREATED,
    )
    .await;
    let v = app.get(&viewer, &path("")).await;
    assert_eq!(v["complaint"]["status"], "reopened");
    assert_eq!(v["complaint"]["resolved_at"], Value::Null);
    app.ok(
        &bob,
        Method::POST,
        &path("/status"),
        Some(json!({"status": "open"})),
        StatusCode::OK,
    )
    .await;
    app.ok(
        &bob,
        Method::POST,
        &path("/status"),
        Some(json!({"status": "resolved", "reason": "refund issued"})),
        StatusCode::OK,
    )
    .await;

    // 14 days later less a millisecond nothing happens; at 14 days the timer closes it, once
    // (the first resolution's timer finds it was resolved again since).
    clock.advance(14 * DAY_MS - 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.get(&viewer, &path("")).await["complaint"]["status"],
        "resolved"
    );
    clock.advance(1);
    let mut closed = Value::Null;
    for _ in 0..100 {
        closed = app.get(&viewer, &path("")).await;
        if closed["complaint"]["status"] == "closed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(closed["complaint"]["status"], "closed", "the timer ran");
    assert_eq!(
        closed["allowed_transitions"],
        json!([]),
        "a viewer may do nothing"
    );
    assert_eq!(
        timeline(&closed),
        [
            t("received", "customer", "filed from the widget"),
            t(
                "categorized",
                "rule:keyword rule",
                "→ Billing: matched 'refund', 'charged twice'"
            ),
            t(
                "prioritized",
                "rule:priority matrix",
                "impact 3 × urgency high → P2 (matched 'refund', 'charged twice')"
            ),
            t(
                "assigned",
                "rule:round-robin",
                "→ ann@example.com (round-robin: fewest active cases)"
            ),
            t("status_changed", "system", "new → open"),
            t(
                "assigned",
                "token",
                "ann@example.com → bob@example.com (manual)"
            ),
            t("public_reply", "user:bob@example.com", ""),
            t("internal_note", "user:bob@example.com", ""),
            t(
                "status_changed",
                "user:bob@example.com",
                "open → in_progress"
            ),
            t(
                "status_changed",
                "user:bob@example.com",
                "in_progress → waiting_on_customer"
            ),
            t("customer_reply", "customer", "recorded by bob@example.com"),
            t("status_changed", "customer", "waiting_on_customer → open"),
            t("status_changed", "user:bob@example.com", "open → resolved"),
            t("customer_reply", "customer", "recorded by bob@example.com"),
            t("status_changed", "customer", "resolved → reopened"),
            t("status_changed", "user:bob@example.com", "reopened → open"),
            t("status_changed", "user:bob@example.com", "open → resolved"),
            t(
                "status_changed",
                "system",
                "resolved → closed (14 days after it was resolved)"
            ),
        ]
    );
    let entries = closed["timeline"].as_array().unwrap();
    assert_eq!(
        entries[6]["body"], "Sorry! Checking <b>now</b>.",
        "text, as written"
    );
    assert_eq!(entries[16]["body"], "refund issued");
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "in order: {times:?}"
    );

    let (ann, bob) = (
        app.login("ann@example.com").await,
        app.login("bob@example.com").await,
    );

    // Category and priority by hand: the change and its reason go on the timeline.
    let p3 = |what: &str| format!("/complaints/{c3}{what}");
    app.ok(
        &ann,
        Method::PUT,
        &p3("/category"),
        Some(json!({"category": "Product defect"})),
        StatusCode::OK,
    )
    .await;
    let response = app
        .call(
            &ann,
            Method::PUT,
            &p3("/category"),
            Some(json!({"category": "Nope"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .call(
            &ann,
            Method::PUT,
            &p3("/priority"),
            Some(json!({"priority": "P1"})),
        )
        .await;
    assert_eq!(
        error_of(response).await.2,
        "overriding the priority needs a reason"
    );
    let v = app
        .ok(
            &ann,
            Method::PUT,
            &p3("/priority"),
            Some(json!({"priority": "P1", "reason": "every checkout fails"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (
            v["complaint"]["priority"].as_str(),
            v["complaint"]["priority_overridden"].as_bool()
        ),
        (Some("P1"), Some(true))
    );
    let v = app
        .ok(
            &ann,
            Method::PUT,
            &p3("/priority"),
            Some(json!({"urgency": "low"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        v["complaint"]["priority"], "P3",
        "impact 4 × low, by the matrix again"
    );
    let tail: Vec<_> = timeline(&v).into_iter().rev().take(3).collect();
    assert_eq!(
        tail,
        [
            t(
                "prioritized",
                "user:ann@example.com",
                "P1 → P3: impact 4 × urgency low → P3"
            ),
            t(
                "prioritized",
                "user:ann@example.com",
                "P2 → P1 (overridden)"
            ),
            t(
                "categorized",
                "user:ann@example.com",
                "Website → Product defect"
            ),
        ]
    );

    // Merge case 4 (a duplicate) into case 3 by its reference.
    let v = app
        .ok(
            &bob,
            Method::POST,
            &format!("/complaints/{c4}/merge"),
            Some(json!({"into": r3})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(v["complaint"]["status"], "merged");
    assert_eq!(v["complaint"]["merged_into"], c3.as_str());
    assert_eq!(
        timeline(&v).last().unwrap(),
        &t(
            "merged",
            "user:bob@example.com",
            &format!("merged into {r3}")
        )
    );
    let response = app
        .call(
            &bob,
            Method::POST,
            &format!("/complaints/{c3}/merge"),
            Some(json!({"into": c4})),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not into a merged case"
    );

    // A problem: cases 2 and 3 are linked; resolving it resolves both with one public reply.
    let problem = app
        .ok(
            &ann,
            Method::POST,
            "/problems",
            Some(json!({"title": "Payment provider outage", "category": "Website"})),
            StatusCode::CREATED,
        )
        .await;
    let pid = problem["id"].as_i64().unwrap();
    for c in [&c2, &c3] {
        let v = app
            .ok(
                &ann,
                Method::PUT,
                &format!("/complaints/{c}/problem"),
                Some(json!({"problem_id": pid})),
                StatusCode::OK,
            )
            .await;
        assert_eq!(timeline(&v).last().unwrap().0, "linked_problem");
        assert_eq!(
            v["complaint"]["problem"]["title"],
            "Payment provider outage"
        );
    }
    let listed = app.get(&viewer, "/problems").await;
    assert_eq!(
        (
            listed["problems"][0]["linked"].as_u64(),
            listed["problems"][0]["linked_active"].as_u64()
        ),
        (Some(2), Some(2))
    );
    let filtered = app
        .get(&viewer, &format!("/complaints?problem={pid}"))
        .await;
    assert_eq!(filtered["complaints"].as_array().unwrap().len(), 2);
    let done = app
        .ok(
            &ann,
            Method::POST,
            &format!("/problems/{pid}/resolve"),
            Some(json!({"reply": "Fixed with our provider; sorry!"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(done["resolved"], 2);
    assert_eq!(done["problem"]["status"], "fixed");
    assert_eq!(done["problem"]["linked_active"], 0);
    for c in [&c2, &c3] {
        let v = app.get(&viewer, &format!("/complaints/{c}")).await;
        assert_eq!(v["complaint"]["status"], "resolved");
        let tail: Vec<_> = timeline(&v).into_iter().rev().take(2).collect();
        assert_eq!(
            tail[1],
            t(
                "public_reply",
                "user:ann@example.com",
                &format!("problem #{pid} fixed")
            )
        );
        assert_eq!(tail[0].0, "status_changed");
    }

    // The inbox: filters, counts, paging, search by reference.
    let all = app.get(&ann, "/complaints?limit=2").await;
    assert_eq!(all["complaints"].as_array().unwrap().len(), 2);
    let next = all["next"].as_str().unwrap();
    let rest = app
        .get(&ann, &format!("/complaints?limit=2&after={next}"))
        .await;
    assert_eq!(rest["complaints"].as_array().unwrap().len(), 2);
    assert_eq!(rest["next"], Value::Null, "4 cases, 2 a page");
    assert_eq!(
        all["counts"]["by_status"],
        json!({"closed": 1, "merged": 1, "resolved": 2})
    );
    assert_eq!(all["counts"]["active"], 0);
    let found = app.get(&viewer, &format!("/complaints?q={r3}")).await;
    assert_eq!(found["complaints"][0]["id"], c3.as_str());
    let mine = app
        .get(&ann, "/complaints?assignee=me&status=resolved")
        .await;
    let mine: Vec<&str> = mine["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(mine, [c3.as_str(), c2.as_str()]);
    for bad in ["status=nope", "priority=P9", "sort=random", "after=garbage"] {
        let response = app
            .call(&viewer, Method::GET, &format!("/complaints?{bad}"), None)
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // Unknown and foreign ids: 404, and another site's admin cannot reach these cases at all.
    let unknown = uuid();
    let response = app
        .call(&ann, Method::GET, &format!("/complaints/{unknown}"), None)
        .await;
    assert_eq!(error_of(response).await.1, "not_found");
    let response = app
        .call(
            &ann,
            Method::POST,
            &format!("/complaints/{unknown}/status"),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .call(
            &other_admin,
            Method::GET,
            &format!("/complaints/{c1}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .call(
            &ann,
            Method::POST,
            &path("/status"),
            Some(json!({"status": "sideways"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Bulk: one change for several cases, each with its own outcome.
    let r = app
        .ok(
            &bob,
            Method::POST,
            "/complaints/bulk",
            Some(json!({"ids": [c2, c3, c1], "status": "closed"})),
            StatusCode::OK,
        )
        .await;
    let oks: Vec<bool> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ok"].as_bool().unwrap())
        .collect();
    assert_eq!(oks, [true, true, false], "{r}");
    assert_eq!(r["results"][2]["error"]["code"], "invalid_transition");

    // An admin deletes a case, and its timeline with it.
    app.ok(
        &admin,
        Method::DELETE,
        &format!("/complaints/{c4}"),
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let response = app
        .call(&admin, Method::GET, &format!("/complaints/{c4}"), None)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// A timer that fell due while no collector ran fires once when one starts again: a case
/// resolved before a stop of fifteen days is closed by the next collector, with one entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_due_while_the_collector_was_down_fires_once_on_restart() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let agent = harness.token(&site, Role::Agent).await;
    let url = harness.database_url.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (served, server) = harness
        .serve_until(async {
            let _ = stopped.await;
        })
        .await;
    let filed: Value = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem",
            "description": "The lid was cracked", "impact": 2, "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = format!(
        "{}/api/v1/admin/sites/{}/complaints/{}",
        served.base,
        site.key,
        filed["id"].as_str().unwrap()
    );
    let resolved = served
        .client
        .post(format!("{case}/status"))
        .bearer_auth(&agent)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resolved.status(), StatusCode::OK);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let resolved_at = collector::clock::Clock::now_ms(&served.clock);
    // The first collector is gone, and with it all it held open on the file (its pool's
    // connections, one of which a round cut short may have left inside a transaction until the
    // connection closes, as a stopped process's do), but not the file.
    let Served {
        dir: _dir,
        store,
        ingest,
        client,
        ..
    } = served;
    drop((store, ingest, client));

    // Fifteen days later (the site closes after fourteen), on the same database file.
    let store = collector::store::open(&url).await.unwrap();
    let served = Harness::on(store, url)
        .clock_at(resolved_at + 15 * DAY_MS)
        .serve()
        .await;
    let case = case.replace(&case[..case.find("/api/").unwrap()], &served.base);
    let mut view = Value::Null;
    for _ in 0..100 {
        view = served
            .client
            .get(&case)
            .bearer_auth(&agent)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if view["complaint"]["status"] == "closed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(view["complaint"]["status"], "closed", "{view}");
    let closings = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .is_some_and(|d| d.ends_with("→ closed (14 days after it was resolved)"))
        })
        .count();
    assert_eq!(closings, 1, "{view}");
    // The runner counts the job once its change is committed: a moment after the case reads
    // closed.
    let counted = "hark_jobs_run_total{kind=\"complaint.auto_close\",outcome=\"done\"} 1\n";
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics = served
            .client
            .get(format!("{}/metrics", served.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if metrics.contains(counted) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(metrics.contains(counted), "{metrics}");
}
