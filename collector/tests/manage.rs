//! What admins configure, at the HTTP boundary: a site's widget settings, its surveys and their
//! versions, and how the public config and the hosted page follow. A real server on a free port,
//! a fresh SQLite file per test.

#[path = "support/app.rs"]
mod app;

use app::{error_of, Harness, SHOP};
use collector::access::Role;
use collector::store::{Site, Store};
use reqwest::header::ORIGIN;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

struct TestApp {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    site: Site,
    viewer: String,
    admin: String,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn spawn() -> Self {
        let harness = Harness::new().await;
        let site = harness.site("Test Shop", &[SHOP]).await;
        let viewer = harness.token(&site, Role::Viewer).await;
        let admin = harness.token(&site, Role::Admin).await;
        let served = harness.serve().await;
        Self {
            base: served.base,
            client: served.client,
            store: served.store,
            site,
            viewer,
            admin,
            _dir: served.dir,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let url = format!("{}/api/v1/admin/sites/{}{path}", self.base, self.site.key);
        let mut req = self.client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    async fn config(&self, query: &str) -> reqwest::Response {
        self.client
            .get(format!(
                "{}/api/v1/sites/{}/config{query}",
                self.base, self.site.key
            ))
            .header(ORIGIN, SHOP)
            .send()
            .await
            .unwrap()
    }

    async fn audit_actions(&self) -> Vec<String> {
        let list: Value = self
            .call(Method::GET, "/audit", &self.admin, None)
            .await
            .json()
            .await
            .unwrap();
        list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn settings_start_as_the_defaults_and_a_change_reaches_the_config() {
    let app = TestApp::spawn().await;
    let defaults = serde_json::to_value(shared::SiteSettings::default()).unwrap();
    let read = app.call(Method::GET, "/settings", &app.viewer, None).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap(), defaults);
    let config: Value = app.config("").await.json().await.unwrap();
    assert_eq!(config["theme"], defaults["theme"]);
    assert_eq!(config["categories"], defaults["categories"]);

    let changed = app
        .call(
            Method::PATCH,
            "/settings",
            &app.admin,
            Some(json!({
                "theme": {"brand": "#ff8800", "mode": "dark"},
                "categories": ["Shipping", "Billing"],
                "cooldown_days": 7
            })),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["theme"]["brand"], "#ff8800");
    assert_eq!(changed["theme"]["mode"], "dark");
    assert_eq!(changed["theme"]["radius"], 12, "what was not sent stays");
    assert_eq!(changed["categories"], json!(["Shipping", "Billing"]));
    let read: Value = app
        .call(Method::GET, "/settings", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, changed);
    let config: Value = app.config("").await.json().await.unwrap();
    assert_eq!(config["theme"]["brand"], "#ff8800");
    assert_eq!(config["categories"], json!(["Shipping", "Billing"]));
    assert_eq!(config["cooldown_days"], 7);

    // `null` removes the launcher.
    let no_launcher: Value = app
        .call(
            Method::PATCH,
            "/settings",
            &app.admin,
            Some(json!({"launcher": null})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(no_launcher.get("launcher").is_none(), "{no_launcher}");
    assert!(
        app.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "site.settings")
            .count()
            == 2
    );
}

#[tokio::test]
async fn bad_settings_are_refused_with_the_reason_and_change_nothing() {
    let app = TestApp::spawn().await;
    for (patch, status, expected) in [
        (json!({"theme": {"brand": "red"}}), 422, "#rrggbb"),
        (json!({"theme": {"radius": 30}}), 422, "0 to 24"),
        (json!({"categories": [" "]}), 422, "categories"),
        (json!({"cooldown_days": 400}), 422, "0 to 365"),
        (json!({"theme": {"mode": "neon"}}), 422, "unknown variant"),
        (json!(["not", "an", "object"]), 422, "object"),
    ] {
        let response = app
            .call(Method::PATCH, "/settings", &app.admin, Some(patch.clone()))
            .await;
        let (got, code, message) = error_of(response).await;
        assert_eq!(got.as_u16(), status, "{patch}");
        assert_eq!(code, "invalid", "{patch}");
        assert!(message.contains(expected), "{patch}: {message}");
    }
    let malformed = app
        .client
        .patch(format!(
            "{}/api/v1/admin/sites/{}/settings",
            app.base, app.site.key
        ))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(malformed).await.0, StatusCode::BAD_REQUEST);
    let read: Value = app
        .call(Method::GET, "/settings", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read,
        serde_json::to_value(shared::SiteSettings::default()).unwrap()
    );
    assert!(!app.audit_actions().await.contains(&"site.settings".into()));
}
