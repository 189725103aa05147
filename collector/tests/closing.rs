//! Closing the loop at the HTTP boundary, on SQLite and PostgreSQL: the acknowledgement's
//! `status_url` opens the customer's status page (HTML without script, under a strict CSP, and
//! the same as JSON); the page shows the team's public replies but never an internal note or an
//! agent's address; the customer replies there (a case waiting on them is open again), and rates
//! the resolution with the resolution survey (a real survey response linked to the case; an
//! unhappy rating reopens it); bad input is refused with the documented error and changes
//! nothing; a wrong, expired or erased token gets the same 404; no token is stored in clear; the
//! customer's e-mails arrive in their language, and a plain GET of the rating link records
//! nothing.

#[path = "support/app.rs"]
mod app;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{error_of, uuid, Harness, Served, SHOP};
use collector::access::Role;
use collector::accounts::Password;
use collector::http::{Limits, Rate};
use collector::store::{Respondent, Site, DAY_MS};
use reqwest::header::{
    ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN,
    REFERRER_POLICY, RETRY_AFTER, SET_COOKIE,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";
const AGENT: &str = "ann@shop.example";

/// A client that does not follow redirects, so that a form's `303` can be read.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Case {
    served: Served,
    site: Site,
    client: reqwest::Client,
    /// The agent's session: cookie and CSRF token.
    agent: (String, String),
    /// An admin's API token.
    admin: String,
    id: String,
    reference: String,
    token: String,
}

impl Case {
    /// Files a complaint from the shop as the widget does, in `lang`, with an address to reach
    /// the customer at; the acknowledgement.
    async fn file(served: &Served, site: &Site, lang: &str, email: &str, text: &str) -> Value {
        let response = served
            .client
            .post(format!("{}/api/v1/complaints", served.base))
            .header(ORIGIN, SHOP)
            .header(ACCEPT_LANGUAGE, lang)
            .json(&json!({
                "id": uuid(), "site_key": site.key, "kind": "problem", "description": text,
                "impact": 2, "dwell_ms": 5000, "email": email, "contact_consent": true,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn open(harness: Harness, lang: &str, email: &str) -> Case {
        let site = harness.site("Shop", &[SHOP]).await;
        let hash = Password::new(PASSWORD.into()).unwrap().hash().unwrap();
        let user = harness.store.create_user(AGENT, &hash, 0).await.unwrap();
        harness
            .store
            .set_membership(user, &site.key, Role::Agent, 0)
            .await
            .unwrap();
        let admin = harness.token(&site, Role::Admin).await;
        let served = harness.serve().await;
        let login = served
            .client
            .post(format!("{}/api/v1/admin/session", served.base))
            .json(&json!({ "email": AGENT, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK);
        let cookie = login.headers()[SET_COOKIE].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let body: Value = login.json().await.unwrap();
        let agent = (cookie, body["csrf_token"].as_str().unwrap().to_owned());
        let filed = Self::file(
            &served,
            &site,
            lang,
            email,
            "The parcel arrived <b>broken</b>",
        )
        .await;
        let status_url = filed["status_url"].as_str().unwrap();
        let token = status_url.rsplit('/').next().unwrap().to_owned();
        Case {
            id: filed["id"].as_str().unwrap().to_owned(),
            reference: filed["reference"].as_str().unwrap().to_owned(),
            token,
            served,
            site,
            client: client(),
            agent,
            admin,
        }
    }

    /// An agent's call on this case's admin routes; its status and JSON.
    async fn agent(&self, method: Method, what: &str, body: Value) -> (StatusCode, Value) {
        self.agent_on(&self.id, method, what, body).await
    }

    /// An agent's call on case `id`'s admin routes.
    async fn agent_on(
        &self,
        id: &str,
        method: Method,
        what: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let url = format!(
            "{}/api/v1/admin/sites/{}/complaints/{id}{what}",
            self.served.base, self.site.key
        );
        let mut req = self
            .client
            .request(method, url)
            .header(COOKIE, &self.agent.0)
            .header("X-CSRF-Token", &self.agent.1);
        if !body.is_null() {
            req = req.json(&body);
        }
        let response = req.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn set_status(&self, to: &str) {
        let (status, body) = self
            .agent(Method::POST, "/status", json!({"status": to}))
            .await;
        assert!(status.is_success(), "{to}: {body}");
    }

    async fn status(&self) -> String {
        let (_, view) = self.agent(Method::GET, "", Value::Null).await;
        view["complaint"]["status"].as_str().unwrap().to_owned()
    }

    async fn timeline_kinds(&self) -> Vec<String> {
        let (_, view) = self.agent(Method::GET, "", Value::Null).await;
        view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect()
    }

    fn page_url(&self, rest: &str) -> String {
        format!("{}/c/{}{rest}", self.served.base, self.token)
    }

    fn api_url(&self, rest: &str) -> String {
        format!("{}/api/v1/c/{}{rest}", self.served.base, self.token)
    }

    async fn public(&self) -> Value {
        let response = self.client.get(self.api_url("")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn form(&self, rest: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.client
            .post(self.page_url(rest))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn post_json(&self, rest: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.api_url(rest))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn ratings(&self) -> usize {
        let id = shared::ResponseId::parse(&self.id).unwrap();
        self.served.store.case_ratings(&id).await.unwrap().len()
    }
}

fn rating(csat: u8, ces: u8) -> Value {
    json!({"answers": [
        {"type": "csat", "question_id": "satisfaction", "score": csat},
        {"type": "ces", "question_id": "effort", "score": ces},
    ]})
}

async fn postgres_harness() -> Harness {
    let url = postgres_server::shared().fresh_database().await;
    let store = collector::store::open(&url).await.unwrap();
    Harness::on(store, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_follows_replies_and_rates_their_case_on_sqlite() {
    the_customer_follows_replies_and_rates_their_case(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_follows_replies_and_rates_their_case_on_postgres() {
    the_customer_follows_replies_and_rates_their_case(postgres_harness().await).await;
}

async fn the_customer_follows_replies_and_rates_their_case(harness: Harness) {
    let case = Case::open(harness, "en-GB,en;q=0.8", "kim@example.org").await;
    assert_eq!(case.token.len(), 43, "256 bits in base64url");

    // The page: the reference, the state and the report, escaped, under a strict CSP.
    let page = case.client.get(case.page_url("")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    for part in [
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(page.headers()[REFERRER_POLICY], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains(&case.reference), "{html}");
    assert!(
        html.contains("The parcel arrived &lt;b&gt;broken&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("<strong>Received</strong>") || html.contains("<strong>"),
        "{html}"
    );

    // The team replies, notes something internal, and waits on the customer.
    let (status, _) = case
        .agent(
            Method::POST,
            "/replies",
            json!({"body": "Sorry! Which colour was it?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = case
        .agent(
            Method::POST,
            "/replies",
            json!({"body": "Courier claim 77, internal only", "internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    case.set_status("in_progress").await;
    case.set_status("waiting_on_customer").await;
    let public = case.public().await;
    assert_eq!(public["reference"], case.reference.as_str());
    assert_eq!(public["status"], "waiting_on_customer");
    assert_eq!(public["can_reply"], true);
    assert_eq!(public["rating"], Value::Null);
    let text = public.to_string();
    assert!(text.contains("Sorry! Which colour was it?"), "{text}");
    for hidden in ["Courier claim", AGENT, "internal_note", "assigned"] {
        assert!(!text.contains(hidden), "{hidden} shows: {text}");
    }
    let html = case
        .client
        .get(case.page_url(""))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Sorry! Which colour was it?"));
    assert!(
        !html.contains("Courier claim") && !html.contains(AGENT),
        "{html}"
    );

    // The customer replies on the page: back to the page, and the case is open again.
    let before = case.timeline_kinds().await.len();
    let sent = case.form("/reply", &[("body", "It was blue")]).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        sent.headers()[LOCATION].to_str().unwrap(),
        format!("/c/{}?sent=reply", case.token)
    );
    assert_eq!(case.status().await, "open");
    let kinds = case.timeline_kinds().await;
    assert_eq!(&kinds[before..], ["customer_reply", "status_changed"]);
    let thanked = case
        .client
        .get(case.page_url("?sent=reply"))
        .send()
        .await
        .unwrap();
    assert!(thanked
        .text()
        .await
        .unwrap()
        .contains("Your reply was added"));

    // Bad input changes nothing, with the documented error.
    let n = case.timeline_kinds().await.len();
    let (status, code, message) = error_of(
        case.post_json("/replies", json!({"body": "x".repeat(10_001)}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        "{message}"
    );
    assert!(message.contains("10000"), "{message}");
    let (status, code, _) = error_of(case.post_json("/replies", json!({"text": "hi"})).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "malformed")
    );
    let too_long = case.form("/reply", &[("body", &"y".repeat(10_001))]).await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = too_long.text().await.unwrap();
    assert!(
        again.contains("role=\"alert\""),
        "the problem is said: {again}"
    );
    let (status, code, message) = error_of(case.post_json("/rating", rating(5, 7)).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
    assert!(message.contains("not resolved"), "{message}");
    assert_eq!(case.timeline_kinds().await.len(), n);
    assert_eq!(case.ratings().await, 0);

    // Resolved: the page asks for the rating. A GET of the rating's address records nothing.
    case.set_status("resolved").await;
    let public = case.public().await;
    let questions: Vec<&str> = public["rating"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["type"].as_str().unwrap())
        .collect();
    assert_eq!(questions, ["csat", "ces", "text"]);
    let html = case
        .client
        .get(case.page_url(""))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("action=\"/c/") && html.contains("/rating\""),
        "{html}"
    );
    for url in [
        case.page_url("/rating"),
        case.page_url("?q.satisfaction=1&q.effort=1"),
    ] {
        let scanned = case.client.get(url).send().await.unwrap();
        assert_ne!(scanned.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(case.ratings().await, 0, "a GET never records a rating");

    for (bad, why) in [
        (rating(6, 3), "does not fit"),
        (json!({"answers": []}), "at least one answer"),
        (
            json!({"answers": [{"type": "ces", "question_id": "effort", "score": 3}]}),
            "needs an answer",
        ),
        (
            json!({"answers": [
                {"type": "csat", "question_id": "satisfaction", "score": 3},
                {"type": "ces", "question_id": "effort", "score": 3},
                {"type": "csat", "question_id": "nope", "score": 3},
            ]}),
            "nope",
        ),
    ] {
        let (status, code, message) = error_of(case.post_json("/rating", bad).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            "{message}"
        );
        assert!(message.contains(why), "{message}");
    }
    let bad = case
        .form("/rating", &[("q.satisfaction", "9"), ("q.effort", "3")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().await.unwrap().contains("value=\"3\" checked"),
        "the answers are kept"
    );
    assert_eq!(case.ratings().await, 0);
    assert_eq!(case.status().await, "resolved");

    // An unhappy rating on the page reopens the case, with the reason on its timeline.
    let rated = case
        .form(
            "/rating",
            &[
                ("q.satisfaction", "2"),
                ("q.effort", "3"),
                ("q.better", "Took too long"),
            ],
        )
        .await;
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    assert!(rated.headers()[LOCATION]
        .to_str()
        .unwrap()
        .ends_with("?sent=sorry"));
    assert_eq!(case.status().await, "reopened");
    let (_, view) = case.agent(Method::GET, "", Value::Null).await;
    let entries = view["timeline"].as_array().unwrap();
    let rated = entries.iter().find(|e| e["kind"] == "rated").unwrap();
    assert_eq!(rated["body"], "Took too long");
    assert_eq!(rated["detail"], "satisfaction 2/5, effort 3/7");
    let reopened = entries.last().unwrap();
    assert_eq!(reopened["kind"], "status_changed");
    assert_eq!(reopened["detail"], "resolved → reopened");
    assert_eq!(reopened["body"], "the customer rated the resolution 2/5");
    assert_eq!(case.ratings().await, 1);
    // The rating is a survey response of the resolution survey, listed with the site's answers.
    let (_, responses) = {
        let url = format!(
            "{}/api/v1/admin/sites/{}/responses",
            case.served.base, case.site.key
        );
        let r = case
            .client
            .get(url)
            .header(COOKIE, &case.agent.0)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert!(
        responses.to_string().contains("\"resolution\""),
        "{responses}"
    );

    // Resolved again an hour later, rated happily through the API; a replay of it is refused.
    case.served.clock.advance(3_600_000);
    case.set_status("resolved").await;
    let happy = case.post_json("/rating", rating(5, 6)).await;
    assert_eq!(happy.status(), StatusCode::CREATED);
    let after: Value = happy.json().await.unwrap();
    assert_eq!(after["status"], "resolved");
    assert_eq!(after["rating"], Value::Null);
    let (status, code, message) = error_of(case.post_json("/rating", rating(5, 6)).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
    assert!(message.contains("rated already"), "{message}");
    let replayed = case
        .form("/rating", &[("q.satisfaction", "1"), ("q.effort", "1")])
        .await;
    assert_eq!(replayed.status(), StatusCode::CONFLICT);
    assert_eq!(case.ratings().await, 2);
    assert_eq!(case.status().await, "resolved");
    let html = case
        .client
        .get(case.page_url("?sent=thanks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Thank you for your rating"), "{html}");
    assert!(
        html.contains("You rated the resolution (satisfaction 5/5, effort 6/7)"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expired_or_erased_link_gets_the_same_404_and_no_token_is_kept_in_clear() {
    let case = Case::open(Harness::new().await, "de", "kim@example.org").await;
    let page = |url: String| {
        let client = case.client.clone();
        async move {
            let r = client.get(url).send().await.unwrap();
            let status = r.status();
            let csp = r.headers()[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .to_owned();
            (status, csp, r.text().await.unwrap())
        }
    };
    let (status, _, html) = page(case.page_url("")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<html lang=\"de\" dir=\"ltr\">"),
        "filed in German: {html}"
    );

    // One character off: another token, which opens nothing.
    let last = if case.token.ends_with('A') { 'B' } else { 'A' };
    let wrong = format!("{}{last}", &case.token[..42]);
    let (status, csp, not_found) = page(format!("{}/c/{wrong}", case.served.base)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(csp.starts_with("default-src 'none'"));
    for shape in ["short", "%3Cscript%3E", &"A".repeat(400)] {
        let (status, _, html) = page(format!("{}/c/{shape}", case.served.base)).await;
        assert_eq!(
            (status, html.as_str()),
            (StatusCode::NOT_FOUND, not_found.as_str())
        );
    }
    let (status, code, _) = error_of(
        case.client
            .get(format!("{}/api/v1/c/{wrong}", case.served.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    // A page of another origin may not write to the case, nor read the answer; the shop may.
    let evil = case
        .client
        .post(case.api_url("/replies"))
        .header(ORIGIN, "http://evil.test")
        .json(&json!({"body": "from elsewhere"}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(evil).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "origin_not_allowed")
    );
    let read = |origin: &'static str| {
        case.client
            .get(case.api_url(""))
            .header(ORIGIN, origin)
            .send()
    };
    let other = read("http://evil.test").await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let shop = read(SHOP).await.unwrap();
    assert_eq!(shop.headers()["access-control-allow-origin"], SHOP);
    let timeline: Value = shop.json().await.unwrap();
    assert!(!timeline.to_string().contains("from elsewhere"));

    // The database holds the token's hash, never the token.
    let path = case.served.dir.path().join("hark.db");
    let mut dump = Vec::new();
    for suffix in ["", "-wal"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        if let Ok(bytes) = std::fs::read(&file) {
            dump.extend(bytes);
        }
    }
    let dump = String::from_utf8_lossy(&dump);
    assert!(
        !dump.contains(&case.token),
        "the token is in the database in clear"
    );
    let hash = collector::closing::token::hash(&case.token).unwrap();
    assert!(dump.contains(&hash), "its hash is kept");

    // Erased: a fresh link of a case whose customer is erased opens nothing.
    let filed = Case::file(
        &case.served,
        &case.site,
        "de",
        "erase@example.org",
        "Erase me",
    )
    .await;
    let url = filed["status_url"].as_str().unwrap().to_owned();
    assert_eq!(page(url.clone()).await.0, StatusCode::OK);
    // Resolved and rated first, so that there is a resolution answer to erase.
    let erase_id = filed["id"].as_str().unwrap().to_owned();
    let resolved = case
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/complaints/{erase_id}/status",
            case.served.base, case.site.key
        ))
        .header(COOKIE, &case.agent.0)
        .header("X-CSRF-Token", &case.agent.1)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert!(resolved.status().is_success());
    let token = url.rsplit('/').next().unwrap();
    let rated = case
        .client
        .post(format!("{}/api/v1/c/{token}/rating", case.served.base))
        .json(&rating(4, 5))
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), StatusCode::CREATED);
    let erase_id = shared::ResponseId::parse(&erase_id).unwrap();
    assert_eq!(
        case.served
            .store
            .case_ratings(&erase_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let erased = case
        .served
        .store
        .erase_respondent(
            &case.site.key,
            &Respondent::Email("erase@example.org".into()),
        )
        .await
        .unwrap();
    assert!(erased >= 1);
    let (status, _, html) = page(url).await;
    assert_eq!(
        (status, html.as_str()),
        (StatusCode::NOT_FOUND, not_found.as_str())
    );
    assert!(
        case.served
            .store
            .case_ratings(&erase_id)
            .await
            .unwrap()
            .is_empty(),
        "the resolution answers are erased with the case"
    );

    // Expired: 180 days later the link opens nothing, with the same page.
    case.served.clock.advance(181 * DAY_MS);
    let (status, _, html) = page(case.page_url("")).await;
    assert_eq!(
        (status, html.as_str()),
        (StatusCode::NOT_FOUND, not_found.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_limited_whoever_asks_and_a_client_whatever_it_asks() {
    let many = Rate {
        per_minute: 10_000,
        burst: 10_000,
    };
    let harness = Harness::new().await.limits(Limits {
        per_client: many,
        per_site: many,
    });
    let case = Case::open(harness, "en", "kim@example.org").await;
    let mut limited = None;
    for i in 0..40 {
        let r = case.client.get(case.api_url("")).send().await.unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, r.headers()[RETRY_AFTER].to_str().unwrap().to_owned()));
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (at, retry) = limited.expect("the token is limited");
    assert_eq!(at, 30, "30 requests a minute per token");
    assert!(retry.parse::<u64>().unwrap() >= 1);
    let page = case.client.get(case.page_url("")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key(RETRY_AFTER));
    // A minute later the customer reads their page again.
    case.served.clock.advance(60_000);
    assert_eq!(case.public().await["reference"], case.reference.as_str());

    // One client guessing tokens is slowed down by its own limit.
    let few = Rate {
        per_minute: 5,
        burst: 5,
    };
    let harness = Harness::new().await.limits(Limits {
        per_client: few,
        per_site: many,
    });
    let served = harness.serve().await;
    let mut statuses = Vec::new();
    for i in 0..7 {
        let guess = format!("{:A>43}", i);
        let r = served
            .client
            .get(format!("{}/c/{guess}", served.base))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 404, 404, 429, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_is_mailed_in_their_language_and_a_scanner_records_no_rating() {
    let Some(smtp) = peers::smtp_server() else {
        return;
    };
    let harness = Harness::new().await.smtp(
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "Shop <care@shop.test>",
    );
    let case = Case::open(harness, "de-DE,de;q=0.9", "kunde@example.de").await;
    // Without an address (given only with consent), nobody is written to; in Arabic, the
    // received mail is Arabic.
    let response = case
        .served
        .client
        .post(format!("{}/api/v1/complaints", case.served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": case.site.key, "kind": "problem",
            "description": "No address given", "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let arabic = Case::file(
        &case.served,
        &case.site,
        "ar",
        "zaid@example.org",
        "الطرد تالف",
    )
    .await;

    peers::wait_for_messages(&smtp, 2).await;
    let mail = |who: &str| -> Vec<String> {
        peers::decoded_messages(&smtp)
            .into_iter()
            .filter(|m| m.contains(&format!("To: {who}")))
            .collect()
    };
    let german = mail("kunde@example.de");
    assert_eq!(german.len(), 1, "{german:?}");
    assert!(
        german[0].contains(&format!(
            "Subject: Wir haben Ihre Meldung {} erhalten",
            case.reference
        )),
        "{}",
        german[0]
    );
    let link = |m: &str, anchor: &str| -> String {
        let start = m
            .find("http://hark.test/c/")
            .expect("a link to the status page");
        let token: String = m[start + 19..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert_eq!(token.len(), 43, "{m}");
        assert!(m[start + 19 + 43..].starts_with(anchor), "{m}");
        token
    };
    link(&german[0], "");
    let zaid = mail("zaid@example.org");
    assert_eq!(zaid.len(), 1);
    assert!(zaid[0].contains("Subject: استلمنا بلاغك"), "{}", zaid[0]);
    assert!(zaid[0].contains("dir=\"rtl\""), "{}", zaid[0]);
    assert!(zaid[0].contains(arabic["reference"].as_str().unwrap()));
    assert_eq!(
        peers::decoded_messages(&smtp).len(),
        2,
        "only the customers who gave an address are mailed"
    );

    // A public reply is mailed (an internal note is not), then the resolution.
    let (status, _) = case
        .agent(
            Method::POST,
            "/replies",
            json!({"body": "Wir senden ein neues Paket."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = case
        .agent(
            Method::POST,
            "/replies",
            json!({"body": "Geheim", "internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    peers::wait_for_messages(&smtp, 3).await;
    let german = mail("kunde@example.de");
    assert_eq!(german.len(), 2, "{german:?}");
    let reply = german.iter().find(|m| m.contains("Neue Antwort")).unwrap();
    assert!(reply.contains("Wir senden ein neues Paket."), "{reply}");
    assert!(!reply.contains("Geheim"));
    let reply_token = link(reply, "");
    case.set_status("resolved").await;
    peers::wait_for_messages(&smtp, 4).await;
    let german = mail("kunde@example.de");
    let resolved = german
        .iter()
        .find(|m| m.contains("ist gelöst"))
        .expect("the resolved mail");
    assert!(resolved.contains("Lösung bewerten"), "{resolved}");
    let token = link(resolved, "#rate");
    assert_ne!(token, reply_token, "each mail has a token of its own");

    // The Arabic customer's reply and resolution mails are Arabic too.
    let zaid_case = arabic["id"].as_str().unwrap();
    let (status, _) = case
        .agent_on(
            zaid_case,
            Method::POST,
            "/replies",
            json!({"body": "نعتذر، سنرسل طردًا جديدًا."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for to in ["in_progress", "resolved"] {
        let (status, body) = case
            .agent_on(zaid_case, Method::POST, "/status", json!({"status": to}))
            .await;
        assert!(status.is_success(), "{to}: {body}");
    }
    peers::wait_for_messages(&smtp, 6).await;
    let zaid = mail("zaid@example.org");
    assert_eq!(zaid.len(), 3, "{zaid:?}");
    let reply = zaid
        .iter()
        .find(|m| m.contains("Subject: رد جديد على بلاغك"))
        .expect("the reply mail");
    assert!(reply.contains("نعتذر، سنرسل طردًا جديدًا."), "{reply}");
    let resolved = zaid
        .iter()
        .find(|m| m.contains("Subject: تم حل بلاغك"))
        .expect("the resolved mail");
    assert!(resolved.contains("تقييم الحل"), "{resolved}");
    link(resolved, "#rate");

    // A scanner fetches the link: the page, in German, with the form; nothing is recorded.
    let scanned = case
        .client
        .get(format!("{}/c/{token}", case.served.base))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), StatusCode::OK);
    let html = scanned.text().await.unwrap();
    assert!(html.contains("lang=\"de\""), "{html}");
    assert!(html.contains("Wie zufrieden sind Sie"), "{html}");
    assert_eq!(case.ratings().await, 0, "a GET records nothing");
    // The customer's click records it.
    let body = "q.satisfaction=4&q.effort=6";
    let clicked = case
        .client
        .post(format!("{}/c/{token}/rating", case.served.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), StatusCode::SEE_OTHER);
    assert_eq!(case.ratings().await, 1);
    assert_eq!(case.status().await, "resolved");
    let thanks = case
        .client
        .get(format!("{}/c/{token}?sent=thanks", case.served.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(thanks.contains("role=\"status\""), "{thanks}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_goes_out_as_a_signed_resolution_rated_webhook() {
    // The real time, so that the reference library's five-minute tolerance holds.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let harness = Harness::new()
        .await
        .clock_at(now)
        .webhook_allow(&["127.0.0.0/8"]);
    let case = Case::open(harness, "en", "kim@example.org").await;
    let got: std::sync::Arc<std::sync::Mutex<Vec<(reqwest::header::HeaderMap, String)>>> =
        Default::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let mut copy = reqwest::header::HeaderMap::new();
                for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
                    if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
                        copy.insert(name, v.parse().unwrap());
                    }
                }
                seen.lock().unwrap().push((copy, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let created: Value = case
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/webhooks",
            case.served.base, case.site.key
        ))
        .bearer_auth(&case.admin)
        .json(&json!({"url": url, "events": ["resolution.rated"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();

    case.set_status("resolved").await;
    let rated = case.post_json("/rating", rating(1, 2)).await;
    assert_eq!(rated.status(), StatusCode::CREATED);
    let mut delivered = None;
    for _ in 0..400 {
        if let Some(d) = got.lock().unwrap().first().cloned() {
            delivered = Some(d);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (headers, body) = delivered.expect("resolution.rated delivered within 10 s");
    let h = |n: &str| headers[n].to_str().unwrap().to_owned();
    peers::verified_by_the_reference_library(
        &secret,
        &h("webhook-id"),
        &h("webhook-timestamp"),
        &h("webhook-signature"),
        &body,
    )
    .unwrap();
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "resolution.rated", "{event}");
    let data = &event["data"];
    assert_eq!(data["complaint"]["reference"], case.reference.as_str());
    assert_eq!(data["complaint"]["status"], "reopened");
    assert_eq!(data["rating"]["csat"], 1);
    assert_eq!(data["rating"]["ces"], 2);
    assert_eq!(data["rating"]["reopened"], true);
    assert_eq!(data["rating"]["survey_id"], "resolution");
    assert_eq!(got.lock().unwrap().len(), 1, "only the event subscribed to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentiment_is_on_every_case_and_free_text_answer_in_listings_and_exports() {
    let case = Case::open(Harness::new().await, "en-GB", "kim@example.org").await;
    let angry = "The parcel arrived broken and I am angry";
    Case::file(&case.served, &case.site, "en-US", "kim@example.org", angry).await;
    Case::file(
        &case.served,
        &case.site,
        "nl-NL",
        "kim@example.org",
        "Kapot aangekomen",
    )
    .await;
    Case::file(
        &case.served,
        &case.site,
        "de-DE",
        "kim@example.org",
        "Die Lieferung war nicht gut",
    )
    .await;
    let admin = |path: &str| {
        case.client
            .get(format!(
                "{}/api/v1/admin/sites/{}/{path}",
                case.served.base, case.site.key
            ))
            .bearer_auth(&case.admin)
            .send()
    };
    // The inbox: VADER's score for English (the reference's -0.7506), German's by its own
    // lexicon (negated), null for Dutch, which has none.
    let list: Value = admin("complaints").await.unwrap().json().await.unwrap();
    let by_text = |text: &str| {
        list["complaints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["description"] == text)
            .cloned()
            .unwrap()
    };
    let english = by_text(angry);
    assert_eq!(english["sentiment"], -0.7506);
    assert_eq!(english["sentiment_label"], "negative");
    let dutch = by_text("Kapot aangekomen");
    assert_eq!(
        (&dutch["sentiment"], &dutch["sentiment_label"]),
        (&Value::Null, &Value::Null)
    );
    assert!(dutch.as_object().unwrap().contains_key("sentiment"));
    let german = by_text("Die Lieferung war nicht gut");
    assert_eq!(german["sentiment_label"], "negative", "{german}");
    assert!(german["sentiment"].as_f64().unwrap() < -0.05);
    let neutral = by_text("The parcel arrived <b>broken</b>");
    assert_eq!(neutral["sentiment_label"], "neutral");
    // The exports say the same.
    let ndjson = admin("complaints/export?format=ndjson")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = ndjson.lines().find(|l| l.contains(angry)).unwrap();
    let row: Value = serde_json::from_str(line).unwrap();
    assert_eq!(
        (&row["sentiment"], &row["sentiment_label"]),
        (&json!(-0.7506), &json!("negative"))
    );
    let csv = admin("complaints/export?format=csv")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",sentiment,sentiment_label,channel,source_url"));
    let row = csv.lines().find(|l| l.contains(angry)).unwrap();
    assert!(row.ends_with(",-0.7506,negative,widget,"), "{row}");

    // A free-text answer: the resolution's comment, in the listing and the export.
    case.set_status("resolved").await;
    let rated = case
        .post_json(
            "/rating",
            json!({"answers": [
                {"type": "csat", "question_id": "satisfaction", "score": 5},
                {"type": "ces", "question_id": "effort", "score": 7},
                {"type": "text", "question_id": "better", "text": "Quick and friendly, thank you."},
            ]}),
        )
        .await;
    assert_eq!(rated.status(), StatusCode::CREATED);
    let listed: Value = admin("responses").await.unwrap().json().await.unwrap();
    let answers = &listed["responses"][0]["answers"];
    assert!(
        answers[0].get("sentiment").is_none(),
        "a score has none: {answers}"
    );
    assert_eq!(answers[2]["sentiment"], 0.6908, "{answers}");
    assert_eq!(answers[2]["sentiment_label"], "positive");
    let ndjson = admin("export?format=ndjson")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row: Value = serde_json::from_str(ndjson.lines().last().unwrap()).unwrap();
    assert_eq!(row["answers"][2]["sentiment_label"], "positive");
    let csv = admin("export?format=csv")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains("Quick and friendly") && l.ends_with(",0.6908,positive,widget")),
        "{csv}"
    );
}
