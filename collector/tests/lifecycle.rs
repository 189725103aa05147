//! An answer's life after the widget sent it: what ingest learns about it (page, device,
//! browser, locale, a visitor hash that changes every UTC day), how long a site keeps it, its
//! erasure on a data-subject request and its export. A real server on a free port, a fresh
//! SQLite file and a `ManualClock` per test.

#[path = "support/app.rs"]
mod app;

use app::{create_token, ingest_request, submission, Harness, SHOP};
use collector::access::Role;
use collector::clock::ManualClock;
use collector::store::{self, Site, Store, DAY_MS};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_DISPOSITION, CONTENT_TYPE, USER_AGENT};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
/// 2026-11-18T11:06:40Z: the middle of a UTC day.
const NOON: i64 = 1_795_000_000_000;

struct TestApp {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    clock: ManualClock,
    site: Site,
    other: Site,
    /// Tokens on `site`.
    admin: String,
    viewer: String,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn spawn() -> Self {
        let harness = Harness::new().await.clock_at(NOON);
        let site = harness.site("Test Shop", &[SHOP]).await;
        let other = harness.site("Other Shop", &[SHOP]).await;
        let served = harness.serve().await;
        let admin = create_token(&served.store, &site, Role::Admin).await.0;
        let viewer = create_token(&served.store, &site, Role::Viewer).await.0;
        Self {
            base: served.base,
            client: served.client,
            store: served.store,
            clock: served.clock,
            site,
            other,
            admin,
            viewer,
            _dir: served.dir,
        }
    }

    fn submission(&self, site: &Site, page_url: &str) -> Value {
        submission(site, 9, page_url)
    }

    /// Posts an answer as a browser with `user_agent` would; returns its status.
    async fn post(&self, body: &Value, user_agent: &str) -> StatusCode {
        ingest_request(&self.client, &self.base, body.to_string(), Some(SHOP))
            .header(USER_AGENT, user_agent)
            .header(ACCEPT_LANGUAGE, "de-CH, de;q=0.9, en;q=0.8")
            .send()
            .await
            .unwrap()
            .status()
    }

    /// Posts an answer to `site` and says it was stored.
    async fn answer(&self, site: &Site, extra: Value, user_agent: &str) {
        let mut body = self.submission(site, "http://shop.test/cart/pay?step=2#card");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        assert_eq!(self.post(&body, user_agent).await, StatusCode::CREATED);
    }

    /// `site`'s answers as the admin listing has them, newest first.
    async fn listed(&self, site: &Site) -> Vec<Value> {
        let response = self
            .client
            .get(format!(
                "{}/api/v1/admin/sites/{}/responses",
                self.base, site.key
            ))
            .bearer_auth(&self.admin_of(site).await)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let list: Value = response.json().await.unwrap();
        list["responses"].as_array().unwrap().clone()
    }

    async fn admin_of(&self, site: &Site) -> String {
        if site.key == self.site.key {
            return self.admin.clone();
        }
        create_token(&self.store, site, Role::Admin).await.0
    }

    async fn erase(&self, token: &str, site: &Site, who: Value) -> reqwest::Response {
        self.client
            .post(format!(
                "{}/api/v1/admin/sites/{}/erasure",
                self.base, site.key
            ))
            .bearer_auth(token)
            .json(&who)
            .send()
            .await
            .unwrap()
    }

    async fn export(&self, token: &str, site: &Site, format: &str) -> reqwest::Response {
        self.client
            .get(format!(
                "{}/api/v1/admin/sites/{}/export?format={format}",
                self.base, site.key
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn audit(&self) -> Vec<Value> {
        let list: Value = self
            .client
            .get(format!(
                "{}/api/v1/admin/sites/{}/audit",
                self.base, self.site.key
            ))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["entries"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn an_answer_is_stored_with_its_page_device_browser_and_locale() {
    let app = TestApp::spawn().await;
    app.answer(&app.site, json!({}), CHROME).await;
    app.clock.advance(1);
    app.answer(
        &app.site,
        json!({ "user_id": "cust-42", "email": "ann@example.com" }),
        IPHONE,
    )
    .await;

    let listed = app.listed(&app.site).await;
    let (iphone, chrome) = (&listed[0], &listed[1]);
    assert_eq!(chrome["page_path"], "/cart/pay");
    assert_eq!(chrome["device"], "desktop");
    assert_eq!(chrome["browser"], "Chrome");
    assert_eq!(chrome["locale"], "de-CH");
    assert!(chrome.get("user_id").is_none() && chrome.get("email").is_none());
    assert_eq!(iphone["device"], "mobile");
    assert_eq!(iphone["browser"], "Safari");
    assert_eq!(iphone["user_id"], "cust-42");
    assert_eq!(iphone["email"], "ann@example.com");
    let visitor = chrome["visitor"].as_str().unwrap();
    assert_eq!(visitor.len(), 16);
    assert!(visitor.chars().all(|c| c.is_ascii_hexdigit()));
    // Another browser on the same address is another visitor.
    assert_ne!(chrome["visitor"], iphone["visitor"]);
    // The address itself is in no answer (the whole database is searched in tests/ingest.rs).
    assert!(!Value::Array(listed.clone())
        .to_string()
        .contains("127.0.0.1"));
}

#[tokio::test]
async fn implausible_identities_are_refused() {
    let app = TestApp::spawn().await;
    for extra in [
        json!({ "email": "not-an-address" }),
        json!({ "email": format!("{}@example.com", "a".repeat(320)) }),
        json!({ "user_id": "u".repeat(201) }),
        json!({ "user_id": 42 }),
    ] {
        let mut body = app.submission(&app.site, "http://shop.test/");
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        assert_eq!(
            app.post(&body, CHROME).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{extra}"
        );
    }
    assert!(app.listed(&app.site).await.is_empty());
}

#[tokio::test]
async fn the_visitor_hash_is_the_same_all_day_and_new_the_next() {
    let app = TestApp::spawn().await;
    app.answer(&app.site, json!({}), CHROME).await;
    // Still the same UTC day, eleven hours later.
    app.clock.advance(11 * 60 * 60 * 1000);
    app.answer(&app.site, json!({}), CHROME).await;
    // Past midnight UTC.
    app.clock.advance(2 * 60 * 60 * 1000);
    app.answer(&app.site, json!({}), CHROME).await;
    // The same visitor on another site is another hash.
    app.answer(&app.other, json!({}), CHROME).await;

    let listed = app.listed(&app.site).await;
    let visitors: Vec<&str> = listed
        .iter()
        .map(|r| r["visitor"].as_str().unwrap())
        .collect();
    let [next_day, later, first] = visitors[..] else {
        panic!("{visitors:?}")
    };
    assert_eq!(first, later);
    assert_ne!(first, next_day);
    let elsewhere = app.listed(&app.other).await;
    assert_ne!(elsewhere[0]["visitor"].as_str().unwrap(), next_day);
}

#[tokio::test]
async fn answers_older_than_the_retention_window_are_purged() {
    let app = TestApp::spawn().await;
    let patch = |token: String, body: Value| {
        let request = app
            .client
            .patch(format!("{}/api/v1/admin/sites/{}", app.base, app.site.key))
            .bearer_auth(token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let refused = patch(app.admin.clone(), json!({ "retention_days": 0 })).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let set = patch(app.admin.clone(), json!({ "retention_days": 30 })).await;
    assert_eq!(set.status(), StatusCode::OK);
    let set: Value = set.json().await.unwrap();
    assert_eq!(set["retention_days"], 30);

    app.answer(&app.site, json!({ "user_id": "old" }), CHROME)
        .await;
    app.answer(&app.other, json!({ "user_id": "kept" }), CHROME)
        .await;
    app.clock.advance(20 * DAY_MS);
    app.answer(&app.site, json!({ "user_id": "new" }), CHROME)
        .await;
    app.clock.advance(10 * DAY_MS + 1);

    assert_eq!(app.store.purge_expired(app.clock_now()).await.unwrap(), 1);
    let left: Vec<Value> = app
        .listed(&app.site)
        .await
        .into_iter()
        .map(|r| r["user_id"].clone())
        .collect();
    assert_eq!(left, [json!("new")]);
    // The other site has no window: it keeps everything.
    assert_eq!(app.listed(&app.other).await.len(), 1);

    let audit = app.audit().await;
    assert_eq!(audit[0]["action"], "site.retention");
    assert_eq!(audit[0]["detail"], "retention_days=30");

    // Back to keeping everything.
    let forever = patch(app.admin.clone(), json!({ "retention_days": null })).await;
    let forever: Value = forever.json().await.unwrap();
    assert_eq!(forever["retention_days"], Value::Null);
}

impl TestApp {
    fn clock_now(&self) -> i64 {
        use collector::clock::Clock as _;
        self.clock.now_ms()
    }
}

#[tokio::test]
async fn erasure_by_each_key_removes_exactly_that_respondent_and_is_audited() {
    let app = TestApp::spawn().await;
    let ann = json!({ "user_id": "u-ann", "email": "ann@example.com" });
    let bob = json!({ "user_id": "u-bob", "email": "bob@example.com" });
    // A millisecond apart, so that "newest first" is one order.
    for _ in 0..2 {
        app.answer(&app.site, ann.clone(), CHROME).await;
        app.clock.advance(1);
        app.answer(&app.site, bob.clone(), IPHONE).await;
        app.clock.advance(1);
    }
    app.answer(&app.other, ann.clone(), CHROME).await;
    app.clock.advance(1);
    // Carol: known only by her visitor hash (another browser on the same address).
    let carol_ua = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    app.answer(&app.site, json!({}), carol_ua).await;
    let carol = app.listed(&app.site).await[0]["visitor"].clone();

    let users = |listed: Vec<Value>| -> Vec<Value> {
        listed.into_iter().map(|r| r["user_id"].clone()).collect()
    };

    let erased = app
        .erase(&app.admin, &app.site, json!({ "email": "ann@example.com" }))
        .await;
    assert_eq!(erased.status(), StatusCode::OK);
    assert_eq!(erased.json::<Value>().await.unwrap()["erased"], 2);
    assert_eq!(
        users(app.listed(&app.site).await),
        [Value::Null, json!("u-bob"), json!("u-bob")]
    );
    // Only on the site named.
    assert_eq!(app.listed(&app.other).await.len(), 1);

    let erased = app
        .erase(&app.admin, &app.site, json!({ "user_id": "u-bob" }))
        .await;
    assert_eq!(erased.json::<Value>().await.unwrap()["erased"], 2);
    assert_eq!(users(app.listed(&app.site).await), [Value::Null]);

    let erased = app
        .erase(&app.admin, &app.site, json!({ "visitor": carol }))
        .await;
    assert_eq!(erased.json::<Value>().await.unwrap()["erased"], 1);
    assert!(app.listed(&app.site).await.is_empty());

    // Exactly one key is needed.
    for body in [
        json!({}),
        json!({ "email": "a@b.c", "user_id": "x" }),
        json!({ "name": "Ann" }),
    ] {
        let status = app
            .erase(&app.admin, &app.site, body.clone())
            .await
            .status();
        assert!(status.is_client_error(), "{body}: {status}");
    }

    let audit = app.audit().await;
    let erasures: Vec<&str> = audit
        .iter()
        .filter(|e| e["action"] == "responses.erase")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(erasures.len(), 3, "{audit:?}");
    assert!(erasures[2].starts_with("email:") && erasures[2].ends_with("erased=2"));
    assert!(
        !Value::Array(audit.clone()).to_string().contains("ann@"),
        "{audit:?}"
    );
    assert_eq!(erasures[1], "user_id:u-bob erased=2");
}

#[tokio::test]
async fn a_viewer_exports_but_does_not_erase_and_nobody_reaches_another_site() {
    let app = TestApp::spawn().await;
    app.answer(&app.site, json!({ "email": "ann@example.com" }), CHROME)
        .await;
    let erase = app
        .erase(
            &app.viewer,
            &app.site,
            json!({ "email": "ann@example.com" }),
        )
        .await;
    assert_eq!(erase.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.listed(&app.site).await.len(), 1);
    assert_eq!(
        app.export(&app.viewer, &app.site, "csv").await.status(),
        StatusCode::OK
    );
    for token in [&app.viewer, &app.admin] {
        assert_eq!(
            app.export(token, &app.other, "csv").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.erase(token, &app.other, json!({ "user_id": "x" }))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.export(&app.viewer, &app.site, "xml").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn an_export_is_csv_or_ndjson_with_every_answer_oldest_first() {
    let app = TestApp::spawn().await;
    let tricky = "http://shop.test/search?q=a,b&t=\"quoted\"";
    let mut first = app.submission(&app.site, tricky);
    first["user_id"] = json!("cust, \"the first\"");
    first["attributes"] = json!({"plan": "pro"});
    assert_eq!(app.post(&first, CHROME).await, StatusCode::CREATED);
    app.clock.advance(1000);
    let second = app.submission(&app.site, "http://shop.test/");
    assert_eq!(app.post(&second, IPHONE).await, StatusCode::CREATED);

    let csv = app.export(&app.viewer, &app.site, "csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = csv.headers()[CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains(".csv"), "{disposition}");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,received_at,survey_id,question_id,type,score,answer,page_url,page_path,device,browser,locale,user_id,survey_version,attributes,sentiment,sentiment_label,channel"
    );
    assert_eq!(
        lines[1],
        format!(
            "{},2026-11-18T11:06:40.000Z,nps,q1,nps,9,,\"http://shop.test/search?q=a,b&t=\"\"quoted\"\"\",/search,desktop,Chrome,de-CH,\"cust, \"\"the first\"\"\",1,\"{{\"\"plan\"\":\"\"pro\"\"}}\",,,widget",
            first["id"].as_str().unwrap()
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "{},2026-11-18T11:06:41.000Z,nps,q1,nps,9,,http://shop.test/,/,mobile,Safari,de-CH,,1,,,,widget",
            second["id"].as_str().unwrap()
        )
    );
    assert_eq!(lines.len(), 3);

    let ndjson = app.export(&app.viewer, &app.site, "ndjson").await;
    assert_eq!(ndjson.status(), StatusCode::OK);
    assert!(ndjson.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(".ndjson"));
    let text = ndjson.text().await.unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], first["id"]);
    assert_eq!(rows[0]["page_url"], tricky);
    assert_eq!(rows[0]["user_id"], "cust, \"the first\"");
    assert_eq!(rows[0]["answers"][0]["score"], 9);
    assert_eq!(rows[0]["survey_version"], 1);
    assert_eq!(rows[0]["attributes"], json!({"plan": "pro"}));
    assert_eq!(rows[1]["id"], second["id"]);
    assert_eq!(rows[1]["device"], "mobile");
    assert_eq!(rows[1]["channel"], "widget");
    // An export names no e-mail address and no visitor hash.
    assert!(rows[0].get("email").is_none() && rows[0].get("visitor").is_none());
}

#[tokio::test]
async fn an_export_walks_every_page() {
    let app = TestApp::spawn().await;
    // More than one page of the store's keyset walk, straight into the store.
    let total = collector::export::PAGE as usize + 5;
    for i in 0..total {
        let answer =
            serde_json::from_value(app.submission(&app.site, "http://shop.test/")).unwrap();
        app.store
            .insert_response(&answer, NOON + (i as i64 / 3))
            .await
            .unwrap();
    }
    let text = app
        .export(&app.viewer, &app.site, "ndjson")
        .await
        .text()
        .await
        .unwrap();
    let ids: std::collections::HashSet<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids.len(), total);
}

#[tokio::test]
async fn the_command_line_sets_retention_exports_and_erases() {
    use clap::Parser as _;
    use collector::cli::{run, Cli};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hark.db").display());
    let hark = |args: &[&str]| {
        let mut argv = vec!["hark", "--database-url", url.as_str()];
        argv.extend_from_slice(args);
        run(Cli::try_parse_from(argv).unwrap())
    };
    hark(&[
        "site",
        "create",
        "--name",
        "Shop",
        "--origin",
        SHOP,
        "--retention-days",
        "90",
    ])
    .await
    .unwrap();
    assert!(Cli::try_parse_from([
        "hark",
        "site",
        "create",
        "--name",
        "S",
        "--origin",
        SHOP,
        "--retention-days",
        "0"
    ])
    .is_err());

    let store = store::open(&url).await.unwrap();
    let site = store.sites().await.unwrap().remove(0);
    assert_eq!(store.retention_days(&site.key).await.unwrap(), Some(90));
    for email in ["ann@example.com", "bob@example.com"] {
        let answer: shared::ResponseSubmission = serde_json::from_value(json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "site_key": site.key,
            "survey_id": "nps",
            "answers": [{"type": "nps", "question_id": "q1", "score": 7}],
        }))
        .unwrap();
        let learned = collector::enrich::Enrichment {
            email: Some(email.into()),
            user_id: Some(email.replace("@example.com", "")),
            ..Default::default()
        };
        store
            .insert_enriched(&answer, &learned, NOON)
            .await
            .unwrap();
    }

    let output = dir.path().join("export.csv");
    let output_arg = output.display().to_string();
    let key = site.key.to_string();
    hark(&[
        "export",
        "--site",
        &key,
        "--format",
        "csv",
        "--output",
        &output_arg,
    ])
    .await
    .unwrap();
    let csv = std::fs::read_to_string(&output).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    // user_id, then no survey version (stored behind ingest's back), no attributes and, for
    // a score, no sentiment; from the widget.
    assert!(
        csv.contains(",ann,,,,,widget\n") || csv.contains(",ann,,,,,widget\r\n"),
        "{csv}"
    );

    hark(&["erase", "--site", &key, "--email", "ann@example.com"])
        .await
        .unwrap();
    let left = store.responses(&site.key, 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].enrichment.user_id.as_deref(), Some("bob"));
    let audit = store.audit_log(&site.key, 10).await.unwrap();
    assert_eq!(audit[0].action, "responses.erase");
    assert!(!audit[0].detail.contains("ann"), "{}", audit[0].detail);
    assert!(Cli::try_parse_from(["hark", "erase", "--site", &key]).is_err());
}
