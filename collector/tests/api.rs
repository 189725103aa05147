//! The HTTP API at its boundary: a real server on a free port, a fresh SQLite file per test.

#[path = "support/app.rs"]
mod app;

use app::{error_of, ingest_request, submission, Harness, SHOP};
use collector::access::Role;
use collector::assets::Assets;
use collector::store::{Site, Store};
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, ETAG, IF_NONE_MATCH, ORIGIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

struct TestApp {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    site: Site,
    token: String,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn spawn() -> Self {
        Self::spawn_with(Assets::from_files(&[], &[])).await
    }

    async fn spawn_with(assets: Assets) -> Self {
        let harness = Harness::new().await.assets(assets);
        let site = harness.site("Test Shop", &[SHOP]).await;
        let token = harness.token(&site, Role::Viewer).await;
        let served = harness.serve().await;
        Self {
            base: served.base,
            client: served.client,
            store: served.store,
            site,
            token,
            _dir: served.dir,
        }
    }

    fn submission(&self, score: i64) -> Value {
        submission(&self.site, score, "http://shop.test/cart")
    }

    async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        origin: Option<&str>,
    ) -> reqwest::Response {
        ingest_request(&self.client, &self.base, body, origin)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, body: &Value) -> reqwest::Response {
        self.post_raw(body.to_string(), Some(SHOP)).await
    }

    async fn stored(&self) -> Vec<Value> {
        let list: Value = self
            .client
            .get(format!(
                "{}/api/v1/admin/sites/{}/responses",
                self.base, self.site.key
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["responses"].as_array().unwrap().clone()
    }

    async fn healthy(&self) -> bool {
        self.client
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK
    }
}

#[tokio::test]
async fn an_answer_is_stored_once_and_listed_for_admins() {
    let app = TestApp::spawn().await;
    let body = app.submission(9);

    let first = app.post(&body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
    let ack: Value = first.json().await.unwrap();
    assert_eq!(ack["id"], body["id"]);

    // A replay (the widget retrying after a lost acknowledgement) is acknowledged, not duplicated.
    let again = app.post(&body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], body["id"]);

    let stored = app.stored().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], body["id"]);
    assert_eq!(stored[0]["survey_id"], "nps");
    assert_eq!(stored[0]["answers"][0]["score"], 9);
    assert_eq!(stored[0]["page_url"], "http://shop.test/cart");
    assert_eq!(stored[0]["received_at"], "2026-11-18T11:06:40.000Z");
}

#[tokio::test]
async fn json_bodies_are_accepted_too() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/api/v1/responses", app.base))
        .header(ORIGIN, SHOP)
        .json(&app.submission(0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.stored().await.len(), 1);
}

#[tokio::test]
async fn bad_submissions_get_a_json_error_and_store_nothing() {
    let app = TestApp::spawn().await;
    let mut unknown_site = app.submission(9);
    unknown_site["site_key"] = json!("nosuchsite");
    let mut eleven = app.submission(9);
    eleven["answers"][0]["score"] = json!(11);
    let mut huge = app.submission(9);
    huge["padding"] = json!("x".repeat(64 * 1024));
    let mut wrong_survey = app.submission(9);
    wrong_survey["survey_id"] = json!("csat");

    let cases: Vec<(&str, String, Option<&str>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            "{\"id\": ".into(),
            Some(SHOP),
            StatusCode::BAD_REQUEST,
            "malformed",
        ),
        (
            "JSON, but not an object",
            "[\"nps\", 9]".into(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "unknown site",
            unknown_site.to_string(),
            Some(SHOP),
            StatusCode::NOT_FOUND,
            "unknown_site",
        ),
        (
            "foreign origin",
            app.submission(9).to_string(),
            Some("http://evil.test"),
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
        ),
        (
            "no origin",
            app.submission(9).to_string(),
            None,
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
        ),
        (
            "over 64 KiB",
            huge.to_string(),
            Some(SHOP),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "NPS of 11",
            eleven.to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "unknown survey",
            wrong_survey.to_string(),
            Some(SHOP),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
    ];
    for (what, body, origin, status, code) in cases {
        let (got_status, got_code, message) = error_of(app.post_raw(body, origin).await).await;
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "{what}: {message}"
        );
        assert!(
            !message.is_empty() && !message.ends_with('.'),
            "{what}: {message:?}"
        );
        assert!(app.healthy().await, "the server still serves after {what}");
    }
    assert_eq!(app.stored().await.len(), 0, "nothing was stored");

    // The message says what was wrong.
    let (_, _, message) = error_of(app.post(&eleven).await).await;
    assert!(message.contains("0 to 10, not 11"), "{message}");
}

#[tokio::test]
async fn other_media_types_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/api/v1/responses", app.base))
        .header(ORIGIN, SHOP)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(app.submission(3).to_string())
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
}

#[tokio::test]
async fn a_replayed_id_from_another_site_is_a_conflict() {
    let app = TestApp::spawn().await;
    let other = app
        .store
        .create_site("Other", &[SHOP.into()], 0)
        .await
        .unwrap();
    let body = app.submission(5);
    assert_eq!(app.post(&body).await.status(), StatusCode::CREATED);
    let mut stolen = body.clone();
    stolen["site_key"] = json!(other.key);
    let (status, code, _) = error_of(app.post(&stolen).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
}

#[tokio::test]
async fn the_config_lists_the_default_survey_and_is_cacheable() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/v1/sites/{}/config", app.base, app.site.key);
    let response = app
        .client
        .get(&url)
        .header(ORIGIN, SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
    let etag = response.headers()[ETAG].clone();
    let config: Value = response.json().await.unwrap();
    assert_eq!(config["site_key"], json!(app.site.key));
    let survey = &config["surveys"][0];
    assert_eq!(survey["id"], "nps");
    assert_eq!(survey["trigger"]["type"], "page_view");
    assert_eq!(survey["frequency"]["type"], "once");
    assert_eq!(survey["questions"][0]["type"], "nps");
    assert!(survey["questions"][0]["prompt"]
        .as_str()
        .unwrap()
        .contains("Test Shop"));

    let again = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let foreign = app
        .client
        .get(&url)
        .header(ORIGIN, "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(foreign).await.1, "origin_not_allowed");
    let unknown = app
        .client
        .get(format!("{}/api/v1/sites/nope/config", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(unknown).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn preflights_pass_only_for_known_origins() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/v1/responses", app.base),
            )
            .header(ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight(SHOP).await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(ok.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
    let refused = preflight("http://evil.test").await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn admin_routes_need_a_token_for_that_site() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/v1/admin/sites/{}/responses", app.base, app.site.key);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(error_of(none).await.1, "unauthorized");
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("hark_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(wrong).await.0, StatusCode::UNAUTHORIZED);

    let other = app
        .store
        .create_site("Other", &["http://other.test".into()], 0)
        .await
        .unwrap();
    let other_url = format!("{}/api/v1/admin/sites/{}/responses", app.base, other.key);
    let foreign = app
        .client
        .get(&other_url)
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(foreign).await.0, StatusCode::FORBIDDEN);

    let me: Value = app
        .client
        .get(format!("{}/api/v1/admin/me", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        json!({"site_key": app.site.key, "site_name": "Test Shop", "role": "viewer"})
    );

    let bad_limit = app
        .client
        .get(format!("{url}?limit=lots"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(bad_limit).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_routes_and_missing_bundles_answer_in_json() {
    let app = TestApp::spawn().await;
    let (status, code, _) = error_of(
        app.client
            .get(format!("{}/nope", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    // A route asked with a method it does not take: JSON too, and the methods it does take.
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/api/v1/responses", "POST,OPTIONS"),
        (reqwest::Method::POST, "/healthz", "GET,HEAD"),
        (reqwest::Method::PUT, "/widget.js", "GET,HEAD"),
    ] {
        let response = app
            .client
            .request(method.clone(), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        let (status, code, message) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            "{method} {path}"
        );
        assert!(message.contains("Allow"), "{message}");
    }
    // This server was built without bundles: it says so instead of serving a broken widget.
    let wasm = app
        .client
        .get(format!("{}/assets/x/widget_bg.wasm", app.base))
        .send()
        .await
        .unwrap();
    let (status, _, message) = error_of(wasm).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(message.contains("cargo xtask dist"), "{message}");
    // The loader is always there.
    let loader = app
        .client
        .get(format!("{}/widget.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), StatusCode::OK);
}

#[tokio::test]
async fn bundles_are_served_compressed_with_the_right_caching() {
    let glue = "export default function init() {}\n".repeat(200);
    let wasm = [b"\0asm".as_slice(), &[7u8; 4096]].concat();
    let widget: [(&str, &[u8]); 2] = [("widget.js", glue.as_bytes()), ("widget_bg.wasm", &wasm)];
    let app = TestApp::spawn_with(Assets::from_files(&widget, &[])).await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();

    // The loader: short-lived cache, pointing at the versioned bundle.
    let loader = client
        .get(format!("{}/widget.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(loader.headers()["cache-control"], "public, max-age=300");
    assert!(loader.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let loader = loader.text().await.unwrap();
    let start = loader
        .find("/assets/")
        .expect("the loader names the bundle path");
    let version: String = loader[start + 8..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(version.len(), 12, "{loader}");

    // The versioned wasm: brotli when accepted, gzip otherwise, immutable, fetchable cross-origin.
    let url = format!("{}/assets/{version}/widget_bg.wasm", app.base);
    for (accept, encoding) in [
        ("gzip, deflate, br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let r = client
            .get(&url)
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(r.headers()["content-type"], "application/wasm");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let body = r.bytes().await.unwrap();
        if encoding.is_none() {
            assert_eq!(body.as_ref(), wasm.as_slice());
        } else {
            assert!(
                body.len() < wasm.len() / 4,
                "{accept}: {} bytes",
                body.len()
            );
        }
    }

    // Revalidation costs nothing; an old version gets the current bundle, revalidated every time.
    let etag = client.get(&url).send().await.unwrap().headers()["etag"].clone();
    let again = client
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let old = client
        .get(format!("{}/assets/0123456789ab/widget.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(old.headers()["cache-control"], "no-cache");
}
