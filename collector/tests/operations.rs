//! Running the collector: several processes on one database, and the first start.
//! Real servers on free ports over SQLite files (the harness in `support/app.rs`).

#[path = "support/app.rs"]
mod app;
#[path = "support/process.rs"]
mod process;

use app::{error_of, ingest_request, submission, Harness, Served, SHOP, START_MS};
use collector::http::{issue_setup_token, Limits, Rate, SETUP_LINK_MS};
use collector::store;
use collector::AppState;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[tokio::test]
async fn two_states_on_one_database_hash_a_visitor_alike() {
    let harness = Harness::new().await;
    // Two processes: two pools on the same file, each with its own state.
    let other_store = store::open(&harness.database_url).await.unwrap();
    let a = AppState::new(harness.store.clone())
        .with_stored_visitor_salt()
        .await
        .unwrap();
    let b = AppState::new(other_store)
        .with_stored_visitor_salt()
        .await
        .unwrap();
    let hash = |s: &AppState, at| s.visitor_hash(at, "site", Some("203.0.113.7"), CHROME);
    assert_eq!(hash(&a, START_MS), hash(&b, START_MS + 60_000));
    // A new day, a new salt: the same visitor is not linked across days.
    let next_day = START_MS + 24 * 60 * 60 * 1000;
    assert_eq!(hash(&a, next_day), hash(&b, next_day));
    assert_ne!(hash(&a, START_MS), hash(&a, next_day));
    // Without the stored secret, a state has its own.
    let alone = AppState::new(harness.store.clone());
    assert_ne!(hash(&alone, START_MS), hash(&a, START_MS));
}

/// The `hark_session` cookie's value in a response.
fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("hark_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn post_setup(served: &Served, body: Value) -> reqwest::Response {
    served
        .client
        .post(format!("{}/api/v1/setup", served.base))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn setup_status(served: &Served) -> Value {
    served
        .client
        .get(format!("{}/api/v1/setup", served.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_setup_link_makes_the_first_user_owner_of_every_site_once() {
    let harness = Harness::new().await;
    let shop = harness.site("Shop", &[SHOP]).await;
    let blog = harness.site("Blog", &["http://blog.test"]).await;
    let token = issue_setup_token(harness.store.as_ref(), START_MS)
        .await
        .unwrap()
        .expect("a database without users gets a setup token");
    let served = harness.serve().await;
    assert_eq!(
        setup_status(&served).await,
        json!({"needed": true, "needs_site": false})
    );

    // A typo costs nothing: the link still works after it.
    let short = post_setup(
        &served,
        json!({"token": token, "email": "ann@shop.test", "password": "short"}),
    )
    .await;
    let (status, code, message) = error_of(short).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert!(message.contains("at least 10"), "{message}");

    let done = post_setup(
        &served,
        json!({"token": token, "email": " Ann@Shop.test", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let cookie = session_cookie(&done);
    let account: Value = done.json().await.unwrap();
    assert_eq!(account["email"], "ann@shop.test");
    let sites: Vec<(String, String)> = account["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["site_key"].as_str().unwrap().to_owned(),
                s["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        sites,
        [
            (shop.key.to_string(), "owner".to_owned()),
            (blog.key.to_string(), "owner".to_owned())
        ]
    );
    // The session works like a login's.
    let me = served
        .client
        .get(format!("{}/api/v1/admin/me", served.base))
        .header(COOKIE, format!("hark_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["csrf_token"], account["csrf_token"]);
    // And the password works for a login.
    let login = served
        .client
        .post(format!("{}/api/v1/admin/session", served.base))
        .json(&json!({"email": "ann@shop.test", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    // Once a user exists, setup is over, whatever the token.
    let again = post_setup(
        &served,
        json!({"token": token, "email": "eve@shop.test", "password": "correct horse battery"}),
    )
    .await;
    let (status, code, _) = error_of(again).await;
    assert_eq!((status, code.as_str()), (StatusCode::GONE, "gone"));
    assert_eq!(
        setup_status(&served).await,
        json!({"needed": false, "needs_site": false})
    );
    assert_eq!(
        issue_setup_token(served.store.as_ref(), START_MS)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_wrong_used_or_expired_setup_token_is_refused() {
    let harness = Harness::new().await;
    harness.site("Shop", &[SHOP]).await;
    let token = issue_setup_token(harness.store.as_ref(), START_MS)
        .await
        .unwrap()
        .unwrap();
    let served = harness.serve().await;
    let ann = |token: &str| json!({"token": token, "email": "ann@shop.test", "password": "correct horse battery"});

    let (status, code, message) = error_of(post_setup(&served, ann("not-the-token")).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    assert!(message.contains("wrong, used or expired"), "{message}");

    // One millisecond short of 24 hours it still works; at 24 hours it no longer does.
    served.clock.advance(SETUP_LINK_MS);
    let (status, _, _) = error_of(post_setup(&served, ann(&token)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        served.store.user_by_email("ann@shop.test").await.unwrap(),
        None
    );

    // A fresh token (a restart) works, once; a used one does not come back to life.
    let fresh = issue_setup_token(served.store.as_ref(), START_MS + SETUP_LINK_MS)
        .await
        .unwrap()
        .unwrap();
    assert!(!served
        .store
        .use_setup_token("unknown", START_MS + SETUP_LINK_MS)
        .await
        .unwrap());
    served.clock.advance(-1);
    assert_eq!(
        post_setup(&served, ann(&fresh)).await.status(),
        StatusCode::CREATED
    );
    assert!(!served
        .store
        .use_setup_token(&hex_sha256(&fresh), START_MS + SETUP_LINK_MS)
        .await
        .unwrap());
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn setup_on_a_collector_without_sites_creates_one() {
    let harness = Harness::new().await;
    let token = issue_setup_token(harness.store.as_ref(), START_MS)
        .await
        .unwrap()
        .unwrap();
    let served = harness.serve().await;
    assert_eq!(
        setup_status(&served).await,
        json!({"needed": true, "needs_site": true})
    );
    let without = post_setup(
        &served,
        json!({"token": token, "email": "ann@shop.test", "password": "correct horse battery"}),
    )
    .await;
    let (status, _, message) = error_of(without).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("site_name"), "{message}");

    let done = post_setup(
        &served,
        json!({"token": token, "email": "ann@shop.test", "password": "correct horse battery",
               "site_name": "Northwind", "origin": "https://shop.example/"}),
    )
    .await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let account: Value = done.json().await.unwrap();
    assert_eq!(account["sites"][0]["site_name"], "Northwind");
    assert_eq!(account["sites"][0]["role"], "owner");
    let sites = served.store.sites().await.unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].origins, ["https://shop.example"]);
}

/// `hark serve` itself: a link on a database without users, none once a user exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_a_setup_link_only_while_there_is_no_user() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("hark.db").display());
    let (link, _) = run_serve(&database_url, Some("https://feedback.example/")).await;
    let link = link.expect("a setup link on stdout");
    let token = link
        .strip_prefix("https://feedback.example/dashboard/setup#")
        .unwrap_or_else(|| panic!("{link}"));
    assert_eq!(token.len(), 64);

    let store = store::open(&database_url).await.unwrap();
    assert!(store
        .use_setup_token(
            &hex_sha256(token),
            collector::clock::Clock::now_ms(&collector::clock::SystemClock)
        )
        .await
        .unwrap());
    store.create_user("ann@shop.test", "h", 0).await.unwrap();
    let (link, stdout) = run_serve(&database_url, None).await;
    assert_eq!(link, None, "{stdout}");
}

/// Starts `hark serve`, waits for it to answer, stops it; the setup link it printed, and its stdout.
async fn run_serve(database_url: &str, public_url: Option<&str>) -> (Option<String>, String) {
    let mut cmd = process::hark(database_url);
    cmd.arg("serve")
        .env_remove("HARK_PUBLIC_URL")
        .stdout(std::process::Stdio::piped());
    if let Some(url) = public_url {
        cmd.env("HARK_PUBLIC_URL", url);
    }
    let mut collector = process::start(cmd).await;
    collector.child.kill().unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(
        &mut collector.child.stdout.take().expect("piped"),
        &mut stdout,
    )
    .unwrap();
    let link = stdout
        .split_whitespace()
        .find(|w| w.contains("/dashboard/setup#"))
        .map(str::to_owned);
    (link, stdout)
}

/// A server on `harness`'s database that trusts `proxies`, with one answer a minute per client.
async fn serve_behind(harness: &Harness, proxies: &[&str]) -> String {
    let state = AppState::new(harness.store.clone())
        .with_clock(std::sync::Arc::new(collector::clock::ManualClock::at(
            START_MS,
        )))
        .with_assets(collector::assets::Assets::from_files(&[], &[]))
        .with_limits(Limits {
            per_client: Rate {
                per_minute: 1,
                burst: 1,
            },
            per_site: Rate {
                per_minute: 6000,
                burst: 1000,
            },
        })
        .with_trusted_proxies(proxies.iter().map(|p| p.parse().unwrap()).collect());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(collector::serve(listener, state, std::future::pending()));
    base
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget_and_hash() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let client = reqwest::Client::new();
    let post = |base: String, forwarded: &'static str| {
        let req = ingest_request(
            &client,
            &base,
            submission(&site, 9, "http://shop.test/").to_string(),
            Some(SHOP),
        )
        .header("X-Forwarded-For", forwarded)
        .header(reqwest::header::USER_AGENT, CHROME);
        async move { req.send().await.unwrap().status() }
    };

    let trusting = serve_behind(&harness, &["127.0.0.0/8"]).await;
    assert_eq!(
        post(trusting.clone(), "198.51.100.1").await,
        StatusCode::CREATED
    );
    assert_eq!(
        post(trusting.clone(), "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged entry left of the proxy's does not buy a new budget.
    assert_eq!(
        post(trusting.clone(), "203.0.113.5, 198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        post(trusting.clone(), "198.51.100.2").await,
        StatusCode::CREATED
    );
    let visitors: Vec<String> = harness
        .store
        .responses(&site.key, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.enrichment.visitor.unwrap())
        .collect();
    assert_eq!(visitors.len(), 2);
    assert_ne!(visitors[0], visitors[1]);

    // Without trusted proxies, the header is the client's own say-so and changes nothing.
    let direct = serve_behind(&harness, &[]).await;
    assert_eq!(
        post(direct.clone(), "198.51.100.3").await,
        StatusCode::CREATED
    );
    assert_eq!(
        post(direct.clone(), "198.51.100.4").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
