//! `POST /api/v1/complaints` at its boundary, and the admin listing: the same pipeline as
//! answers (limits, size, origin, spam, validation), categories from the site's settings,
//! identity, replays, erasure and retention. A real server on a free port, a fresh SQLite file
//! and a `ManualClock` per test.

#[path = "support/app.rs"]
mod app;

use app::{error_of, uuid, Harness, Served, SHOP};
use collector::access::Role;
use collector::clock::Clock as _;
use collector::http::{Limits, Rate};
use collector::store::{Site, Store, DAY_MS};
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, ORIGIN, RETRY_AFTER, USER_AGENT};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

struct TestApp {
    served: Served,
    site: Site,
    other: Site,
    admin: String,
}

impl TestApp {
    async fn spawn() -> Self {
        Self::spawn_with(Limits::default()).await
    }

    async fn spawn_with(limits: Limits) -> Self {
        let harness = Harness::new().await.limits(limits);
        let site = harness.site("Test Shop", &[SHOP]).await;
        let other = harness.site("Other Shop", &["http://other.test"]).await;
        let admin = harness.token(&site, Role::Admin).await;
        Self {
            served: harness.serve().await,
            site,
            other,
            admin,
        }
    }

    fn store(&self) -> &Arc<dyn Store> {
        &self.served.store
    }

    fn complaint(&self, extra: Value) -> Value {
        let mut body = json!({
            "id": uuid(),
            "site_key": self.site.key,
            "kind": "problem",
            "category": "Billing",
            "description": "The card was charged twice",
            "impact": 3,
            "page_url": "http://shop.test/checkout?step=3",
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    }

    async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .served
            .client
            .post(format!("{}/api/v1/complaints", self.served.base))
            .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
            .header(USER_AGENT, CHROME)
            .header("accept-language", "de-CH,de;q=0.9")
            .body(body);
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send().await.unwrap()
    }

    async fn post(&self, body: &Value) -> reqwest::Response {
        self.post_raw(body.to_string(), Some(SHOP)).await
    }

    async fn listed(&self, token: &str, site: &Site) -> reqwest::Response {
        self.served
            .client
            .get(format!(
                "{}/api/v1/admin/sites/{}/complaints",
                self.served.base, site.key
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn complaints(&self) -> Vec<Value> {
        let list: Value = self
            .listed(&self.admin, &self.site)
            .await
            .json()
            .await
            .unwrap();
        list["complaints"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_complaint_is_stored_once_with_what_ingest_learned_and_listed_for_admins() {
    let app = TestApp::spawn().await;
    let body = app.complaint(json!({
        "email": "ann@example.com",
        "contact_consent": true,
        "user_id": "u-42",
        "attributes": {"plan": "pro", "cart-size": "3"},
    }));
    let first = app.post(&body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
    let filed: Value = first.json().await.unwrap();
    let reference = filed["reference"].as_str().unwrap().to_owned();
    // The customer's status page: a capability of 43 base64url characters, on this collector.
    let status_url = filed["status_url"].as_str().unwrap().to_owned();
    let token = status_url.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        filed,
        json!({"id": body["id"], "reference": reference, "status_url": status_url})
    );
    assert!(status_url.starts_with("http://127.0.0.1:"), "{status_url}");
    assert!(status_url.ends_with(&format!("/c/{token}")), "{status_url}");
    assert_eq!(token.len(), 43);
    assert!(
        reference.len() == 7 && reference.starts_with("HK-"),
        "{reference}"
    );
    let replay = app.post(&body).await;
    assert_eq!(replay.status(), StatusCode::OK);
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(
        (&replayed["id"], &replayed["reference"]),
        (&body["id"], &json!(reference)),
        "a replay names the same case"
    );
    // With a token of its own (the first one's is kept only hashed), to the same page.
    let again = replayed["status_url"].as_str().unwrap();
    assert_ne!(again, status_url);
    for url in [status_url.as_str(), again] {
        let page = reqwest::get(url).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains(&reference));
    }

    let listed = app.complaints().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let c = &listed[0];
    assert_eq!(c["id"], body["id"]);
    assert_eq!(c["reference"], reference.as_str());
    assert_eq!(c["status"], "new");
    // Impact 3 × normal urgency is P3, but the default hot-stove rule matched "charged twice".
    assert_eq!(c["priority"], "P1");
    assert_eq!(c["hot"], true);
    assert_eq!(c["assignee"], Value::Null);
    assert_eq!(c["kind"], "problem");
    assert_eq!(c["category"], "Billing");
    assert_eq!(c["description"], "The card was charged twice");
    assert_eq!(c["impact"], 3);
    assert_eq!(c["email"], "ann@example.com");
    assert_eq!(c["contact_consent"], true);
    assert_eq!(c["page_url"], "http://shop.test/checkout?step=3");
    assert_eq!(c["page_path"], "/checkout");
    assert_eq!(c["device"], "desktop");
    assert_eq!(c["browser"], "Chrome");
    assert_eq!(c["locale"], "de-CH");
    assert_eq!(c["visitor"].as_str().unwrap().len(), 16);
    assert_eq!(c["user_id"], "u-42");
    assert_eq!(c["attributes"], json!({"plan": "pro", "cart-size": "3"}));
    assert_eq!(c["received_at"], "2026-11-18T11:06:40.000Z");

    // A suggestion needs no category or impact; json bodies are accepted too.
    let suggestion = json!({
        "id": uuid(), "site_key": app.site.key, "kind": "suggestion",
        "description": "Dark mode, please",
    });
    let response = app
        .served
        .client
        .post(format!("{}/api/v1/complaints", app.served.base))
        .header(ORIGIN, SHOP)
        .json(&suggestion)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let listed = app.complaints().await;
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed.iter().filter(|c| c["kind"] == "suggestion").count(),
        1
    );
}

#[tokio::test]
async fn the_same_id_from_another_site_is_a_conflict() {
    let app = TestApp::spawn().await;
    let body = app.complaint(json!({}));
    assert_eq!(app.post(&body).await.status(), StatusCode::CREATED);
    let mut stolen = body.clone();
    stolen["site_key"] = json!(app.other.key);
    stolen["category"] = json!("Other");
    let response = app
        .post_raw(stolen.to_string(), Some("http://other.test"))
        .await;
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(app.complaints().await.len(), 1);
}

#[tokio::test]
async fn bad_complaints_get_a_json_error_and_store_nothing() {
    let app = TestApp::spawn().await;
    let cases: Vec<(String, Option<&str>, StatusCode, &str, &str)> = vec![
        (
            "{".into(),
            Some(SHOP),
            StatusCode::BAD_REQUEST,
            "malformed",
            "JSON",
        ),
        (
            app.complaint(json!({"category": "Weather"})).to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "no category \"Weather\"",
        ),
        (
            app.complaint(json!({"description": " "})).to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "1 to 5000",
        ),
        (
            app.complaint(json!({"email": "ann@example.com"}))
                .to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "consent",
        ),
        (
            app.complaint(json!({"attributes": {"bad key": "x"}}))
                .to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "attribute key",
        ),
        (
            app.complaint(json!({"user_id": 7})).to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "user_id",
        ),
        (
            app.complaint(json!({"site_key": "nosuchsite"})).to_string(),
            Some(SHOP),
            StatusCode::NOT_FOUND,
            "unknown_site",
            "no site",
        ),
        (
            app.complaint(json!({})).to_string(),
            Some("http://evil.test"),
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "evil.test",
        ),
        (
            app.complaint(json!({})).to_string(),
            None,
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "Origin",
        ),
        (
            app.complaint(json!({"description": "x".repeat(70_000)}))
                .to_string(),
            Some(SHOP),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "64 KiB",
        ),
    ];
    for (body, origin, status, code, message) in cases {
        let response = app.post_raw(body, origin).await;
        let (got, got_code, got_message) = error_of(response).await;
        assert_eq!((got, got_code.as_str()), (status, code), "{got_message}");
        assert!(
            got_message.contains(message),
            "{got_message} should say {message}"
        );
    }
    let html = app
        .served
        .client
        .post(format!("{}/api/v1/complaints", app.served.base))
        .header(ORIGIN, SHOP)
        .header(CONTENT_TYPE, "text/html")
        .body(app.complaint(json!({})).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(html).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(app.complaints().await.is_empty());
}

#[tokio::test]
async fn categories_are_the_sites_own() {
    let app = TestApp::spawn().await;
    let mut settings = shared::SiteSettings {
        categories: vec!["Shipping".into()],
        ..Default::default()
    };
    app.store()
        .set_site_settings(&app.site.key, &settings)
        .await
        .unwrap();
    let payment = app.post(&app.complaint(json!({}))).await;
    assert_eq!(error_of(payment).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let shipping = app
        .post(&app.complaint(json!({"category": "Shipping"})))
        .await;
    assert_eq!(shipping.status(), StatusCode::CREATED);
    // A site without categories takes any, or none.
    settings.categories.clear();
    app.store()
        .set_site_settings(&app.site.key, &settings)
        .await
        .unwrap();
    for extra in [json!({"category": "Anything"}), json!({"category": null})] {
        assert_eq!(
            app.post(&app.complaint(extra)).await.status(),
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn bots_are_acknowledged_counted_and_not_stored_and_floods_are_limited() {
    let app = TestApp::spawn_with(Limits {
        per_client: Rate {
            per_minute: 60,
            burst: 4,
        },
        per_site: Rate {
            per_minute: 1_000_000,
            burst: 1_000_000,
        },
    })
    .await;
    let honeypot = app.complaint(json!({"hp": "http://cheap.example"}));
    let too_fast = app.complaint(json!({"dwell_ms": 200}));
    let person = app.complaint(json!({"hp": "", "dwell_ms": 4000}));
    for body in [&honeypot, &too_fast, &person] {
        let response = app.post(body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        // A bot is answered as a person is, with a reference.
        let filed: Value = response.json().await.unwrap();
        assert_eq!(filed["id"], body["id"]);
        assert!(filed["reference"].as_str().unwrap().starts_with("HK-"));
    }
    let listed = app.complaints().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], person["id"]);
    let metrics = app
        .served
        .client
        .get(format!("{}/metrics", app.served.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hark_ingest_dropped_total{reason=\"honeypot\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("hark_ingest_dropped_total{reason=\"too_fast\"} 1"),
        "{metrics}"
    );

    // The burst of 4 is spent by a fourth: the fifth waits.
    assert_eq!(
        app.post(&app.complaint(json!({}))).await.status(),
        StatusCode::CREATED
    );
    let response = app.post(&app.complaint(json!({}))).await;
    assert!(response.headers().get(RETRY_AFTER).is_some());
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
}

#[tokio::test]
async fn erasure_and_retention_reach_complaints() {
    let app = TestApp::spawn().await;
    let ann = app.complaint(json!({"email": "ann@example.com", "contact_consent": true}));
    let user = app.complaint(json!({"user_id": "u-7"}));
    let anon = app.complaint(json!({}));
    for body in [&ann, &user, &anon] {
        assert_eq!(app.post(body).await.status(), StatusCode::CREATED);
    }
    let erase = |who: Value| {
        let app = &app;
        async move {
            let response = app
                .served
                .client
                .post(format!(
                    "{}/api/v1/admin/sites/{}/erasure",
                    app.served.base, app.site.key
                ))
                .bearer_auth(&app.admin)
                .json(&who)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()["erased"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(erase(json!({"email": "ann@example.com"})).await, 1);
    assert_eq!(erase(json!({"user_id": "u-7"})).await, 1);
    let left = app.complaints().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], anon["id"]);
    let visitor = left[0]["visitor"].as_str().unwrap().to_owned();
    assert_eq!(erase(json!({"visitor": visitor})).await, 1);
    assert!(app.complaints().await.is_empty());

    // Retention: a complaint older than the window goes with the answers.
    assert_eq!(
        app.post(&app.complaint(json!({}))).await.status(),
        StatusCode::CREATED
    );
    app.store()
        .set_retention_days(&app.site.key, Some(30))
        .await
        .unwrap();
    let now = app.served.clock.now_ms();
    assert_eq!(
        app.store()
            .purge_expired(now + 30 * DAY_MS - 1)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.store()
            .purge_expired(now + 30 * DAY_MS + 1)
            .await
            .unwrap(),
        1
    );
    assert!(app.complaints().await.is_empty());
}

#[tokio::test]
async fn complaints_export_as_csv_or_ndjson_oldest_first_without_emails() {
    let app = TestApp::spawn().await;
    let first = app.complaint(json!({
        "description": "Charged twice, \"again\"",
        "email": "ann@example.com", "contact_consent": true,
        "user_id": "u-1", "attributes": {"plan": "pro"},
    }));
    assert_eq!(app.post(&first).await.status(), StatusCode::CREATED);
    app.served.clock.advance(1000);
    let second = app.complaint(json!({
        "kind": "suggestion", "impact": null, "category": null, "description": "Dark mode",
    }));
    assert_eq!(app.post(&second).await.status(), StatusCode::CREATED);
    let export = |format: &'static str| {
        let app = &app;
        async move {
            app.served
                .client
                .get(format!(
                    "{}/api/v1/admin/sites/{}/complaints/export?format={format}",
                    app.served.base, app.site.key
                ))
                .bearer_auth(&app.admin)
                .send()
                .await
                .unwrap()
        }
    };
    let csv = export("csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("complaints.csv"), "{disposition}");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,reference,received_at,status,priority,kind,category,description,impact,page_url,page_path,device,browser,locale,user_id,attributes,assignee,problem_id,problem,sentiment,sentiment_label,channel,source_url"
    );
    assert_eq!(
        lines[1],
        format!(
            // German (de-CH) is scored by the German lexicon: English words score 0, neutral.
            "{},{},2026-11-18T11:06:40.000Z,new,P1,problem,Billing,\"Charged twice, \"\"again\"\"\",3,http://shop.test/checkout?step=3,/checkout,desktop,Chrome,de-CH,u-1,\"{{\"\"plan\"\":\"\"pro\"\"}}\",,,,0,neutral,widget,",
            first["id"].as_str().unwrap(),
            collector::complaints::reference::reference(1)
        )
    );
    assert!(
        lines[2].starts_with(&format!(
            "{},{},2026-11-18T11:06:41.000Z,new,P3,suggestion,,Dark mode,,",
            second["id"].as_str().unwrap(),
            collector::complaints::reference::reference(2)
        )),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 3);
    assert!(!text.contains("ann@example.com"), "{text}");

    // `hark export --complaints` writes the same bytes as the HTTP export.
    let cli_export = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(["export", "--complaints", "--site", app.site.key.as_str()])
            .args(["--format", format])
            .env("HARK_DATABASE_URL", &app.served.database_url)
            .env("HARK_LOG", "warn")
            .env_remove("HARK_CONFIG")
            .output()
            .expect("cannot run hark");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(cli_export("csv"), text);
    assert_eq!(
        cli_export("ndjson"),
        export("ndjson").await.text().await.unwrap()
    );

    let ndjson = export("ndjson").await.text().await.unwrap();
    let rows: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], first["id"]);
    assert_eq!(rows[0]["attributes"], json!({"plan": "pro"}));
    assert_eq!(rows[1]["kind"], "suggestion");
    assert!(rows[0].get("email").is_none() && rows[0].get("visitor").is_none());

    let (status, code, _) = error_of(export("xml").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
}
