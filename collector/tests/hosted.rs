//! The hosted page `/s/{survey}` and the collector's own origin: a real server on a free port,
//! a fresh SQLite file per test.

#[path = "support/app.rs"]
mod app;

use app::{error_of, ingest_request, submission, uuid, Harness, Served};
use collector::access::Role;
use collector::store::{Site, SurveyStatus};
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ORIGIN,
    REFERRER_POLICY,
};
use reqwest::StatusCode;
use serde_json::json;

const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *";

struct TestApp {
    served: Served,
    site: Site,
}

impl TestApp {
    async fn spawn() -> Self {
        let harness = Harness::new().await;
        // The site allows only its shop, not the collector's origin.
        let site = harness.site("Test Shop", &["http://shop.test"]).await;
        let _ = harness.token(&site, Role::Viewer).await;
        Self {
            served: harness.serve().await,
            site,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.served
            .client
            .get(format!("{}{path}", self.served.base))
            .send()
            .await
            .unwrap()
    }
}

fn assert_page_headers(response: &reqwest::Response) {
    let h = response.headers();
    assert_eq!(h[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(h[CONTENT_SECURITY_POLICY], CSP);
    assert_eq!(h[REFERRER_POLICY], "no-referrer");
    assert_eq!(h[CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn the_hosted_page_is_the_loader_for_one_survey() {
    let app = TestApp::spawn().await;
    let key = app.site.key.clone();
    let response = app.get(&format!("/s/nps?site={key}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_page_headers(&response);
    let html = response.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"), "{html}");
    assert!(html.contains("<title>Net Promoter Score</title>"), "{html}");
    assert!(
        html.contains(&format!(
            "<script src=\"/widget.js\" data-site=\"{key}\" data-survey=\"nps\" data-hosted async></script>"
        )),
        "{html}"
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the loader: {html}"
    );
    assert!(!html.contains("style="), "{html}");

    let arabic = app
        .get(&format!("/s/nps?site={key}&lang=ar"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        arabic.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{arabic}"
    );
    assert!(
        arabic.contains(&format!(
            "data-site=\"{key}\" data-survey=\"nps\" data-lang=\"ar\" data-hosted async"
        )),
        "{arabic}"
    );
    let german = app
        .get(&format!("/s/nps?site={key}&lang=de-AT"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        german.contains("<html lang=\"de\" dir=\"ltr\">"),
        "{german}"
    );
    assert!(german.contains("data-lang=\"de-at\""), "{german}");
    // Not a language tag: as if none was given.
    let junk = app
        .get(&format!("/s/nps?site={key}&lang=%22%3E%3Cx"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        junk.contains("<html lang=\"en\"") && !junk.contains("data-lang"),
        "{junk}"
    );
}

#[tokio::test]
async fn the_title_is_the_surveys_name_as_text() {
    let app = TestApp::spawn().await;
    let survey: shared::Survey = serde_json::from_value(json!({
        "id": "post-purchase", "name": "How was <b>your</b> \"order\" & delivery?",
        "trigger": {"type": "event", "name": "purchase"}, "frequency": {"type": "once"},
        "questions": [{"id": "q1", "type": "csat", "prompt": "Happy?"}]
    }))
    .unwrap();
    app.served
        .store
        .create_survey(&app.site.key, &survey, SurveyStatus::Active, 1)
        .await
        .unwrap();
    let html = app
        .get(&format!("/s/post-purchase?site={}", app.site.key))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(
            "<title>How was &lt;b&gt;your&lt;/b&gt; &quot;order&quot; &amp; delivery?</title>"
        ),
        "{html}"
    );
}

#[tokio::test]
async fn unknown_sites_surveys_and_inactive_surveys_get_the_not_found_page() {
    let app = TestApp::spawn().await;
    let key = app.site.key.clone();
    let paused: shared::Survey = serde_json::from_value(json!({
        "id": "paused", "name": "Paused",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [{"id": "q1", "type": "nps", "prompt": "Recommend?"}]
    }))
    .unwrap();
    app.served
        .store
        .create_survey(&key, &paused, SurveyStatus::Paused, 1)
        .await
        .unwrap();
    for path in [
        "/s/nps?site=nosuchsite".to_owned(),
        format!("/s/nope?site={key}"),
        format!("/s/paused?site={key}"),
        "/s/nps".to_owned(),
        format!("/s/a%2Fb?site={key}"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_page_headers(&response);
        let html = response.text().await.unwrap();
        assert!(html.contains("Survey not found"), "{path}: {html}");
    }
}

#[tokio::test]
async fn the_collectors_own_origin_may_answer_for_any_site() {
    let app = TestApp::spawn().await;
    let own = app.served.base.clone();
    let client = &app.served.client;

    let config = client
        .get(format!("{own}/api/v1/sites/{}/config", app.site.key))
        .header(ORIGIN, &own)
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), StatusCode::OK);
    assert_eq!(config.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], own.as_str());

    let answer = submission(&app.site, 10, &format!("{own}/s/nps"));
    let response = ingest_request(client, &own, answer.to_string(), Some(&own))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    let complaint = json!({
        "id": uuid(), "site_key": app.site.key, "category": "Website",
        "description": "The button does nothing",
    });
    let response = client
        .post(format!("{own}/api/v1/complaints"))
        .header(ORIGIN, &own)
        .header(CONTENT_TYPE, "text/plain")
        .body(complaint.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    // Another port of the same host is another origin.
    let port: u16 = own.rsplit(':').next().unwrap().parse().unwrap();
    let elsewhere = format!("http://127.0.0.1:{}", port.wrapping_add(1));
    let answer = submission(&app.site, 10, "http://shop.test/");
    let response = ingest_request(client, &own, answer.to_string(), Some(&elsewhere))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "origin_not_allowed");
    let response = client
        .get(format!("{own}/api/v1/sites/{}/config", app.site.key))
        .header(ORIGIN, &elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "origin_not_allowed");
    let stored = app.served.store.responses(&app.site.key, 10).await.unwrap();
    assert_eq!(stored.len(), 1, "the refused answer is not stored");
}

#[tokio::test]
async fn the_launchers_views_have_hosted_pages_in_the_visitors_language() {
    let app = TestApp::spawn().await;
    let key = app.site.key.clone();
    for (view, lang, title) in [
        ("complaint", "de", "Problem melden"),
        ("suggestion", "en", "Suggest something"),
        ("menu", "ar", "ملاحظات"),
    ] {
        let response = app.get(&format!("/s/{view}?site={key}&lang={lang}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{view}");
        assert_page_headers(&response);
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("<title>{title}</title>")), "{html}");
        assert!(html.contains(&format!("data-survey=\"{view}\"")), "{html}");
        assert!(html.contains(&format!("data-lang=\"{lang}\"")), "{html}");
    }
    let response = app.get("/s/complaint?site=nosuchsite").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
