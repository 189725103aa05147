//! What admins configure, at the HTTP boundary: a site's widget settings, its surveys and their
//! versions, and how the public config and the hosted page follow. A real server on a free port,
//! a fresh SQLite file per test.

#[path = "support/app.rs"]
mod app;

use app::{error_of, Harness, SHOP};
use collector::access::Role;
use collector::store::{Site, Store};
use reqwest::header::{CACHE_CONTROL, ETAG, ORIGIN};
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

    // The launcher's "Rate us" opens one of the site's surveys.
    let rate_us: Value = app
        .call(
            Method::PATCH,
            "/settings",
            &app.admin,
            Some(json!({"launcher": {"label": "Tell us", "survey": "nps"}})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rate_us["launcher"],
        json!({"label": "Tell us", "survey": "nps"})
    );

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
            == 3
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
        (
            json!({"launcher": {"survey": "nope"}}),
            422,
            "not a survey of this site",
        ),
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

fn exit_survey(name: &str) -> Value {
    json!({
        "id": "exit", "name": name,
        "trigger": {"type": "exit_intent"}, "frequency": {"type": "until_answered"},
        "questions": [
            {"id": "why", "type": "choice", "prompt": "Why leave?", "options": ["Price", "Time"]},
            {"id": "more", "type": "text", "prompt": "Anything else?", "optional": true}
        ]
    })
}

#[tokio::test]
async fn surveys_are_created_edited_as_new_versions_and_switched_on_and_off() {
    let app = TestApp::spawn().await;
    let created = app
        .call(
            Method::POST,
            "/surveys",
            &app.admin,
            Some(exit_survey("Exit")),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (&created["id"], &created["version"], &created["status"]),
        (&json!("exit"), &json!(1), &json!("paused"))
    );
    let again = app
        .call(
            Method::POST,
            "/surveys",
            &app.admin,
            Some(exit_survey("Exit")),
        )
        .await;
    assert_eq!(error_of(again).await.1, "conflict");

    let list: Value = app
        .call(Method::GET, "/surveys", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    let listed: Vec<(Value, Value, Value)> = list["surveys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].clone(), s["status"].clone(), s["version"].clone()))
        .collect();
    assert_eq!(
        listed,
        [
            (json!("nps"), json!("active"), json!(1)),
            (json!("exit"), json!("paused"), json!(1))
        ]
    );

    // A paused survey is not in the config; activating it puts it there.
    let ids = |config: &Value| -> Vec<String> {
        config["surveys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = app.config("").await;
    assert_eq!(before.headers()[CACHE_CONTROL], "public, max-age=60");
    let etag_before = before.headers()[ETAG].clone();
    assert_eq!(ids(&before.json().await.unwrap()), ["nps"]);
    let activated = app
        .call(
            Method::POST,
            "/surveys/exit/status",
            &app.admin,
            Some(json!({"status": "active"})),
        )
        .await;
    assert_eq!(activated.status(), StatusCode::OK);
    let active = app.config("").await;
    let etag_active = active.headers()[ETAG].clone();
    assert_ne!(etag_active, etag_before);
    assert_eq!(ids(&active.json().await.unwrap()), ["nps", "exit"]);

    // An edit is the next version, in the admin API and, at the next fetch, in the config.
    let edited = app
        .call(
            Method::PUT,
            "/surveys/exit",
            &app.admin,
            Some(exit_survey("Exit, reworded")),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        (&edited["version"], &edited["status"], &edited["name"]),
        (&json!(2), &json!("active"), &json!("Exit, reworded"))
    );
    let read: Value = app
        .call(Method::GET, "/surveys/exit", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, edited);
    let after_edit = app.config("").await;
    assert_eq!(after_edit.headers()[CACHE_CONTROL], "public, max-age=60");
    assert_ne!(after_edit.headers()[ETAG], etag_active);
    let config: Value = after_edit.json().await.unwrap();
    assert_eq!(config["surveys"][1]["name"], "Exit, reworded");
    assert_eq!(config["surveys"][1]["version"], 2);

    for (status, expected) in [("archived", vec!["nps"]), ("paused", vec!["nps"])] {
        let response = app
            .call(
                Method::POST,
                "/surveys/exit/status",
                &app.admin,
                Some(json!({ "status": status })),
            )
            .await;
        assert_eq!(response.json::<Value>().await.unwrap()["status"], status);
        assert_eq!(ids(&app.config("").await.json().await.unwrap()), expected);
    }
    let audit = app.audit_actions().await;
    for action in ["survey.create", "survey.status", "survey.update"] {
        assert!(audit.contains(&action.to_owned()), "{action}: {audit:?}");
    }
    assert_eq!(audit.iter().filter(|a| *a == "survey.status").count(), 3);
}

#[tokio::test]
async fn bad_surveys_and_unknown_ones_get_the_right_error() {
    let app = TestApp::spawn().await;
    let mut bad = exit_survey("Exit");
    bad["questions"][0]["options"] = json!(["only one"]);
    let mut no_questions = exit_survey("Exit");
    no_questions["questions"] = json!([]);
    for (method, path, body, status, code, message) in [
        (
            Method::POST,
            "/surveys",
            bad.clone(),
            422,
            "invalid",
            "2 to 20 options",
        ),
        (
            Method::POST,
            "/surveys",
            no_questions,
            422,
            "invalid",
            "1 to 30 questions",
        ),
        (
            Method::POST,
            "/surveys",
            json!({"id": "x"}),
            422,
            "invalid",
            "missing field",
        ),
        (
            Method::PUT,
            "/surveys/exit",
            exit_survey("Exit"),
            404,
            "not_found",
            "no survey",
        ),
        (
            Method::PUT,
            "/surveys/nps",
            exit_survey("Exit"),
            422,
            "invalid",
            "the path names nps",
        ),
        (
            Method::PUT,
            "/surveys/nps",
            bad,
            422,
            "invalid",
            "2 to 20 options",
        ),
        (
            Method::POST,
            "/surveys/nps/status",
            json!({"status": "live"}),
            422,
            "invalid",
            "unknown variant",
        ),
        (
            Method::POST,
            "/surveys/nope/status",
            json!({"status": "active"}),
            404,
            "not_found",
            "no survey",
        ),
    ] {
        let response = app.call(method.clone(), path, &app.admin, Some(body)).await;
        let (got, got_code, got_message) = error_of(response).await;
        assert_eq!(got.as_u16(), status, "{method} {path}: {got_message}");
        assert_eq!(got_code, code, "{method} {path}");
        assert!(
            got_message.contains(message),
            "{method} {path}: {got_message}"
        );
    }
    let missing = app
        .call(Method::GET, "/surveys/nope", &app.viewer, None)
        .await;
    assert_eq!(error_of(missing).await.1, "not_found");
    let survey = app
        .store
        .survey(&app.site.key, &shared::SurveyId::parse("nps").unwrap())
        .await;
    assert_eq!(
        survey.unwrap().unwrap().survey.version,
        1,
        "nothing changed"
    );
}

#[tokio::test]
async fn an_answer_records_and_is_checked_against_the_version_it_answered() {
    let app = TestApp::spawn().await;
    app.call(
        Method::POST,
        "/surveys",
        &app.admin,
        Some(exit_survey("Exit")),
    )
    .await;
    app.call(
        Method::POST,
        "/surveys/exit/status",
        &app.admin,
        Some(json!({"status": "active"})),
    )
    .await;
    // Version 2 drops the text question and adds an option.
    let mut v2 = exit_survey("Exit");
    v2["questions"] = json!([
        {"id": "why", "type": "choice", "prompt": "Why leave?", "options": ["Price", "Time", "Other"]}
    ]);
    let edited = app
        .call(Method::PUT, "/surveys/exit", &app.admin, Some(v2))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);

    let post = |version: Option<u32>, answers: Value| {
        let mut body = json!({
            "id": app::uuid(), "site_key": app.site.key, "survey_id": "exit", "answers": answers,
        });
        if let Some(v) = version {
            body["survey_version"] = json!(v);
        }
        app::ingest_request(&app.client, &app.base, body.to_string(), Some(SHOP)).send()
    };
    let text = json!([{"type": "text", "question_id": "more", "text": "Too slow"}]);
    let third = json!([{"type": "choice", "question_id": "why", "selected": [2]}]);
    // Version 1's question, answered as version 1: fits.
    assert_eq!(
        post(Some(1), text.clone()).await.unwrap().status(),
        StatusCode::CREATED
    );
    // The same as the current version (2), which has no such question: refused.
    let refused = post(None, text.clone()).await.unwrap();
    assert_eq!(error_of(refused).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // Version 2's third option, fine now; and under version 1 (two options) refused.
    assert_eq!(
        post(None, third.clone()).await.unwrap().status(),
        StatusCode::CREATED
    );
    let refused = post(Some(1), third.clone()).await.unwrap();
    assert_eq!(error_of(refused).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // An unknown version is checked against the current one.
    assert_eq!(
        post(Some(9), third).await.unwrap().status(),
        StatusCode::CREATED
    );

    let list: Value = app
        .call(Method::GET, "/responses", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    let mut versions: Vec<Value> = list["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["survey_version"].clone())
        .collect();
    versions.sort_by_key(|v| v.as_u64());
    assert_eq!(versions, [json!(1), json!(2), json!(2)]);

    // The versions route lists both, with what each had and the answers it received.
    let listed: Value = app
        .call(Method::GET, "/surveys/exit/versions", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["survey_id"], "exit");
    let versions = listed["versions"].as_array().unwrap();
    let summary: Vec<(u64, &str, u64, u64)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["name"].as_str().unwrap(),
                v["questions"].as_u64().unwrap(),
                v["answers"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [(1, "Exit", 2, 1), (2, "Exit", 1, 2)]);
    assert!(versions[0]["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn the_versions_of_a_survey_list_each_edit_and_an_unknown_survey_is_404() {
    let app = TestApp::spawn().await;
    app.call(
        Method::POST,
        "/surveys",
        &app.admin,
        Some(exit_survey("Exit")),
    )
    .await;
    for name in ["Exit, second", "Exit, third"] {
        let edited = app
            .call(
                Method::PUT,
                "/surveys/exit",
                &app.admin,
                Some(exit_survey(name)),
            )
            .await;
        assert_eq!(edited.status(), StatusCode::OK);
    }
    let listed: Value = app
        .call(Method::GET, "/surveys/exit/versions", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<(u64, &str, u64)> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["name"].as_str().unwrap(),
                v["answers"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (1, "Exit", 0),
            (2, "Exit, second", 0),
            (3, "Exit, third", 0)
        ]
    );
    let missing = app
        .call(Method::GET, "/surveys/nope/versions", &app.viewer, None)
        .await;
    let (status, code, _) = error_of(missing).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

/// The invalid surveys the dashboard's builder test reads too (`shared/tests/`): the collector
/// refuses each, on creation and on an edit, with `Survey::check`'s own message and field.
#[tokio::test]
async fn each_invalid_survey_is_refused_with_the_checks_message_and_field() {
    let app = TestApp::spawn().await;
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("../../shared/tests/invalid_surveys.json")).unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let survey = case["survey"].clone();
        let draft: shared::SurveyDraft = serde_json::from_value(survey.clone()).unwrap();
        let invalid = draft.unchecked().check().unwrap_err();
        let mut edit = survey.clone();
        edit["id"] = json!("nps");
        for (method, path, body) in [
            (Method::POST, "/surveys", survey.clone()),
            (Method::PUT, "/surveys/nps", edit),
        ] {
            let response = app.call(method.clone(), path, &app.admin, Some(body)).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{case}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "invalid");
            assert_eq!(
                body["error"]["message"],
                invalid.message(),
                "{method} {case}"
            );
            assert_eq!(
                body["error"]["field"],
                json!(invalid.field()),
                "{method} {case}"
            );
            assert_eq!(body["error"]["field"], case["field"], "{method} {case}");
        }
    }
    // A body of the wrong shape is refused in serde's words, with no field.
    let response = app
        .call(
            Method::POST,
            "/surveys",
            &app.admin,
            Some(json!({"id": "x"})),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("missing field"));
    assert!(body["error"].get("field").is_none(), "{body}");
    assert_eq!(app.store.surveys(&app.site.key).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_answer_carries_the_visitors_attributes_and_bad_ones_are_refused() {
    let app = TestApp::spawn().await;
    let mut answer = app::submission(&app.site, 9, "http://shop.test/");
    answer["user_id"] = json!("cust-7");
    answer["attributes"] = json!({"plan": "pro", "signup_year": "2024"});
    let response = app::ingest_request(&app.client, &app.base, answer.to_string(), Some(SHOP))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let many: serde_json::Map<String, Value> =
        (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
    for bad in [
        json!({"bad key": "x"}),
        json!({"plan": 1}),
        json!({"plan": "x".repeat(201)}),
        json!(["plan"]),
        Value::Object(many),
    ] {
        let mut body = app::submission(&app.site, 9, "http://shop.test/");
        body["attributes"] = bad.clone();
        let response = app::ingest_request(&app.client, &app.base, body.to_string(), Some(SHOP))
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{bad}"
        );
    }
    let list: Value = app
        .call(Method::GET, "/responses", &app.viewer, None)
        .await
        .json()
        .await
        .unwrap();
    let listed = list["responses"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["user_id"], "cust-7");
    assert_eq!(
        listed[0]["attributes"],
        json!({"plan": "pro", "signup_year": "2024"})
    );
}
