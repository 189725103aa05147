//! A site's place on the web, at the HTTP boundary, on SQLite and PostgreSQL: a signed-in owner
//! creates a site (its owner then, with a template's survey in place of the default one, audited),
//! others are refused, bad fields are named each by its path; the config route records where the
//! snippet was seen at most once a minute by the injected clock, only for allowed origins; the
//! allowed origins are changed, and settings refusals name their fields.

#[path = "support/app.rs"]
mod app;
#[path = "support/members.rs"]
mod members;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{Harness, SHOP};
use collector::access::Role;
use collector::clock::Clock as _;
use members::{postgres_harness, App, Who};
use reqwest::header::ORIGIN;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const MINUTE: i64 = 60 * 1000;

/// What only these tests ask of the site.
impl App {
    /// The site's config as a page at `origin` fetches it.
    async fn config_from(&self, origin: &str) -> StatusCode {
        self.served
            .client
            .get(format!(
                "{}/api/v1/sites/{}/config",
                self.served.base, self.site.key
            ))
            .header(ORIGIN, origin)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn sightings(&self, who: &Who) -> Value {
        let r = self
            .call(Method::GET, &self.site_path("sightings"), None, who)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }
}

/// A template-like survey: one CSAT question, shown on page view.
fn csat_survey() -> Value {
    json!({
        "id": "csat", "name": "Customer satisfaction",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [{"id": "q1", "type": "csat", "prompt": "How satisfied are you?"}]
    })
}

async fn an_owner_creates_a_site_with_a_first_survey_and_owns_it(harness: Harness) {
    let app = App::start(harness).await;
    let owner = app.signed_in("ann@shop.test", Role::Owner).await;

    let r = app
        .call(
            Method::POST,
            "/api/v1/admin/sites",
            Some(json!({
                "name": "  Northwind Blog ",
                "origins": ["https://Blog.Example/", "", "https://blog.example", "http://localhost:8000"],
                "survey": csat_survey(),
                "survey_status": "paused",
            })),
            &owner,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["site_name"], "Northwind Blog");
    assert_eq!(created["role"], "owner");
    // Normalized, each once, in the store's order.
    assert_eq!(
        created["origins"],
        json!(["http://localhost:8000", "https://blog.example"])
    );
    assert_eq!(created["survey"], "csat");
    let key = created["site_key"].as_str().unwrap().to_owned();

    // The creator is its owner: `me` lists it, and its routes answer them.
    let me: Value = app
        .call(Method::GET, "/api/v1/admin/me", None, &owner)
        .await
        .json()
        .await
        .unwrap();
    let sites: Vec<&str> = me["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site_key"].as_str().unwrap())
        .collect();
    assert_eq!(sites, [app.site.key.as_str(), key.as_str()]);
    assert!(me["sites"][1]["role"] == "owner");

    // The template's survey took the default's place: paused as chosen, the NPS archived.
    let surveys: Value = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/sites/{key}/surveys"),
            None,
            &owner,
        )
        .await
        .json()
        .await
        .unwrap();
    let listed: Vec<(String, String)> = surveys["surveys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("nps".to_owned(), "archived".to_owned()),
            ("csat".to_owned(), "paused".to_owned())
        ]
    );

    // Audited on the new site, by its creator.
    let audit: Value = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/sites/{key}/audit"),
            None,
            &owner,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["entries"][0]["action"], "site.create");
    assert_eq!(audit["entries"][0]["actor"], "ann@shop.test");
    assert_eq!(
        audit["entries"][0]["detail"],
        "origins=http://localhost:8000,https://blog.example survey=csat status=paused"
    );

    // Without a survey, a site starts with the default one, active, as `hark site create`'s.
    let r = app
        .call(
            Method::POST,
            "/api/v1/admin/sites",
            Some(json!({ "name": "Shop Two", "origins": ["https://two.example"] })),
            &owner,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let two: Value = r.json().await.unwrap();
    assert_eq!(two["survey"], Value::Null);
    let surveys: Value = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/admin/sites/{}/surveys",
                two["site_key"].as_str().unwrap()
            ),
            None,
            &owner,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(surveys["surveys"][0]["id"], "nps");
    assert_eq!(surveys["surveys"][0]["status"], "active");

    // A template with the default's id replaces it, active by default.
    let mut nps = csat_survey();
    nps["id"] = json!("nps");
    let r = app
        .call(
            Method::POST,
            "/api/v1/admin/sites",
            Some(json!({ "name": "Shop Three", "origins": ["https://three.example"], "survey": nps })),
            &owner,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let three: Value = r.json().await.unwrap();
    let surveys: Value = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/admin/sites/{}/surveys",
                three["site_key"].as_str().unwrap()
            ),
            None,
            &owner,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(surveys["surveys"].as_array().unwrap().len(), 1);
    assert_eq!(surveys["surveys"][0]["status"], "active");
    assert_eq!(surveys["surveys"][0]["questions"][0]["type"], "csat");
}

#[tokio::test]
async fn an_owner_creates_a_site_with_a_first_survey_and_owns_it_on_sqlite() {
    an_owner_creates_a_site_with_a_first_survey_and_owns_it(Harness::new().await).await;
}

#[tokio::test]
async fn an_owner_creates_a_site_with_a_first_survey_and_owns_it_on_postgres() {
    an_owner_creates_a_site_with_a_first_survey_and_owns_it(postgres_harness().await).await;
}

async fn only_owners_sessions_create_sites_and_bad_fields_are_named(harness: Harness) {
    let app = App::start(harness).await;
    let body = json!({ "name": "Blog", "origins": ["https://blog.example"] });
    let (token, _) = app::create_token(&app.served.store, &app.site, Role::Owner).await;
    for (who, expected) in [
        (Who::Nobody, StatusCode::UNAUTHORIZED),
        (Who::Token(token), StatusCode::FORBIDDEN),
        (
            app.signed_in("viewer@shop.test", Role::Viewer).await,
            StatusCode::FORBIDDEN,
        ),
        (
            app.signed_in("agent@shop.test", Role::Agent).await,
            StatusCode::FORBIDDEN,
        ),
        (
            app.signed_in("admin@shop.test", Role::Admin).await,
            StatusCode::FORBIDDEN,
        ),
    ] {
        let r = app
            .call(
                Method::POST,
                "/api/v1/admin/sites",
                Some(body.clone()),
                &who,
            )
            .await;
        assert_eq!(r.status(), expected);
    }
    assert_eq!(app.served.store.sites().await.unwrap().len(), 1);

    // Everything wrong at once, each by its field; nothing made.
    let owner = app.signed_in("ann@shop.test", Role::Owner).await;
    let mut survey = csat_survey();
    survey["questions"] = json!([]);
    let r = app
        .call(
            Method::POST,
            "/api/v1/admin/sites",
            Some(json!({
                "name": " ",
                "origins": ["https://blog.example", "blog.example/path"],
                "survey": survey,
                "survey_status": "archived",
            })),
            &owner,
        )
        .await;
    let (status, code, message) = app::error_of(r).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    let paths: Vec<&str> = message
        .split("; ")
        .filter_map(|p| p.split_once(": ").map(|(path, _)| path))
        .collect();
    assert_eq!(
        paths,
        ["name", "origins[1]", "survey", "survey_status"],
        "{message}"
    );
    let r = app
        .call(
            Method::POST,
            "/api/v1/admin/sites",
            Some(json!({ "name": "Blog", "origins": [] })),
            &owner,
        )
        .await;
    let (status, _, message) = app::error_of(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        message.starts_with("origins: at least one origin"),
        "{message}"
    );
    assert_eq!(app.served.store.sites().await.unwrap().len(), 1);
}

#[tokio::test]
async fn only_owners_sessions_create_sites_and_bad_fields_are_named_on_sqlite() {
    only_owners_sessions_create_sites_and_bad_fields_are_named(Harness::new().await).await;
}

#[tokio::test]
async fn only_owners_sessions_create_sites_and_bad_fields_are_named_on_postgres() {
    only_owners_sessions_create_sites_and_bad_fields_are_named(postgres_harness().await).await;
}

async fn the_snippet_is_seen_by_origin_once_a_minute(harness: Harness) {
    let app = App::start(harness).await;
    let viewer = app.signed_in("viewer@shop.test", Role::Viewer).await;
    let start = app.served.clock.now_ms();
    let seen = app.sightings(&viewer).await;
    assert_eq!(seen["sightings"], json!([]));
    assert_eq!(seen["origins"], json!([SHOP]));

    assert_eq!(app.config_from(SHOP).await, StatusCode::OK);
    let seen = app.sightings(&viewer).await;
    assert_eq!(
        seen["sightings"],
        json!([{ "origin": SHOP, "allowed": true,
            "last_seen": collector::clock::rfc3339(start) }])
    );
    assert_eq!(seen["now"], collector::clock::rfc3339(start));

    // Within the minute, fetches write nothing: the time stays the first one's.
    app.served.clock.advance(MINUTE - 1);
    assert_eq!(app.config_from(SHOP).await, StatusCode::OK);
    let seen = app.sightings(&viewer).await;
    assert_eq!(
        seen["sightings"][0]["last_seen"],
        collector::clock::rfc3339(start)
    );
    // A minute after the last write, the next fetch is written.
    app.served.clock.advance(1);
    assert_eq!(app.config_from(SHOP).await, StatusCode::OK);
    let seen = app.sightings(&viewer).await;
    assert_eq!(
        seen["sightings"][0]["last_seen"],
        collector::clock::rfc3339(start + MINUTE)
    );

    // An origin the site does not allow is refused and not recorded.
    assert_eq!(
        app.config_from("https://elsewhere.example").await,
        StatusCode::FORBIDDEN
    );
    let seen = app.sightings(&viewer).await;
    assert_eq!(seen["sightings"].as_array().unwrap().len(), 1);

    // Once the origin is no longer allowed, its sighting says so.
    let admin = app.signed_in("admin@shop.test", Role::Admin).await;
    let r = app
        .call(
            Method::PATCH,
            &app.site_path(""),
            Some(json!({ "origins": ["https://shop.example"] })),
            &admin,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let seen = app.sightings(&viewer).await;
    assert_eq!(seen["origins"], json!(["https://shop.example"]));
    assert_eq!(seen["sightings"][0]["allowed"], false);

    // Another site's sightings are its own.
    let other = app
        .served
        .store
        .create_site("Other", &[SHOP.to_owned()], 0)
        .await
        .unwrap();
    assert!(app
        .served
        .store
        .sightings(&other.key)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_snippet_is_seen_by_origin_once_a_minute_on_sqlite() {
    the_snippet_is_seen_by_origin_once_a_minute(Harness::new().await).await;
}

#[tokio::test]
async fn the_snippet_is_seen_by_origin_once_a_minute_on_postgres() {
    the_snippet_is_seen_by_origin_once_a_minute(postgres_harness().await).await;
}

async fn origins_and_settings_refusals_name_their_fields(harness: Harness) {
    let app = App::start(harness).await;
    let admin = app.signed_in("admin@shop.test", Role::Admin).await;
    let viewer = app.signed_in("viewer@shop.test", Role::Viewer).await;

    let site: Value = app
        .call(Method::GET, &app.site_path(""), None, &viewer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        site,
        json!({ "site_key": app.site.key, "name": "Ann's Shop", "origins": [SHOP], "retention_days": null })
    );

    // Bad origins and a bad window, each by its field; nothing changes.
    let r = app
        .call(
            Method::PATCH,
            &app.site_path(""),
            Some(json!({ "origins": ["https://shop.example", "not an origin"], "retention_days": 0 })),
            &admin,
        )
        .await;
    let (status, _, message) = app::error_of(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.starts_with("origins[1]: "), "{message}");
    assert!(
        message.contains("; retention_days: 1 to 36500 days"),
        "{message}"
    );
    let r = app
        .call(
            Method::PATCH,
            &app.site_path(""),
            Some(json!({ "origins": ["https://shop.example/", "https://www.shop.example"], "retention_days": 90 })),
            &admin,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let changed: Value = r.json().await.unwrap();
    assert_eq!(
        changed["origins"],
        json!(["https://shop.example", "https://www.shop.example"])
    );
    assert_eq!(changed["retention_days"], 90);
    // Ingest takes answers from the new origins at once, and no longer from the old one.
    assert_eq!(
        app.config_from("https://www.shop.example").await,
        StatusCode::OK
    );
    assert_eq!(app.config_from(SHOP).await, StatusCode::FORBIDDEN);
    let audit: Value = app
        .call(Method::GET, &app.site_path("audit"), None, &admin)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[..2], ["site.retention", "site.origins"]);

    // Settings: every problem at once, each named by its field.
    let r = app
        .call(
            Method::PATCH,
            &app.site_path("settings"),
            Some(
                json!({ "theme": { "brand": "blue", "radius": 30 }, "cooldown_days": 400,
                "launcher": { "label": " ", "survey": "nope" } }),
            ),
            &admin,
        )
        .await;
    let (status, _, message) = app::error_of(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = message
        .split("; ")
        .filter_map(|p| p.split_once(": ").map(|(path, _)| path))
        .collect();
    assert_eq!(
        paths,
        [
            "theme.brand",
            "theme.radius",
            "launcher.label",
            "cooldown_days",
            "launcher.survey"
        ],
        "{message}"
    );
}

#[tokio::test]
async fn origins_and_settings_refusals_name_their_fields_on_sqlite() {
    origins_and_settings_refusals_name_their_fields(Harness::new().await).await;
}

#[tokio::test]
async fn origins_and_settings_refusals_name_their_fields_on_postgres() {
    origins_and_settings_refusals_name_their_fields(postgres_harness().await).await;
}
