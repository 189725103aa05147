//! The whole system for a browser test: a collector with the real bundles, a shop page on another
//! origin, and headless Chromium driven through ChromeDriver.

#![allow(dead_code, unreachable_pub)]

use anyhow::{bail, Context as _, Result};
use collector::access::{ApiToken, Role};
use collector::assets::Assets;
use collector::store::{self, Site};
use collector::AppState;
use fantoccini::elements::{Element, ElementRef};
use fantoccini::Client;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// CSS a careless or hostile host page might have.
pub const HOSTILE_CSS: &str =
    "* { all: unset !important; font-size: 40px !important } button { display: none !important }";

pub struct System {
    pub collector: String,
    pub shop: String,
    pub site: Site,
    pub token: String,
    /// An owner's API token, for setting the site up.
    pub owner: String,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

impl System {
    pub async fn start() -> Result<Self> {
        let assets = Assets::embedded();
        if !assets.has_widget() || !assets.has_dashboard() {
            bail!("the collector was built without the wasm bundles: run these tests with `cargo xtask test`");
        }
        let dir = tempfile::tempdir()?;
        let store = store::open(&format!(
            "sqlite://{}",
            dir.path().join("hark.db").display()
        ))
        .await?;

        let shop_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let shop = format!("http://{}", shop_listener.local_addr()?);
        let site = store
            .create_site("Northwind Coffee", std::slice::from_ref(&shop), 0)
            .await?;
        let token = ApiToken::generate();
        store
            .create_token(&site.key, Role::Viewer, &ApiToken::hash(token.expose()), 0)
            .await?;
        let owner = ApiToken::generate();
        store
            .create_token(&site.key, Role::Owner, &ApiToken::hash(owner.expose()), 0)
            .await?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let collector = format!("http://{}", listener.local_addr()?);
        let state = AppState::new(store).with_assets(assets);
        tokio::spawn(collector::serve(listener, state, std::future::pending()));
        tokio::spawn(serve_shop(
            shop_listener,
            collector.clone(),
            site.key.to_string(),
        ));
        Ok(Self {
            collector,
            shop,
            site,
            token: token.expose().to_owned(),
            owner: owner.expose().to_owned(),
            http: reqwest::Client::new(),
            _dir: dir,
        })
    }

    /// The responses the admin API lists for the site.
    pub async fn stored(&self) -> Result<Vec<Value>> {
        let list: Value = self
            .http
            .get(format!(
                "{}/api/v1/admin/sites/{}/responses",
                self.collector, self.site.key
            ))
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(list["responses"].as_array().context("a list")?.clone())
    }
}

/// The example shop page as a site owner would serve it, on its own origin. `?hostile` adds
/// hostile CSS; `?bare` leaves the snippet out (to compare the page with and without the widget).
async fn serve_shop(listener: tokio::net::TcpListener, collector: String, site_key: String) {
    use axum::extract::Query;
    use axum::response::Html;
    use axum::routing::get;
    use std::collections::HashMap;
    let dir = repo().join("examples").join("shop");
    let page = std::fs::read_to_string(dir.join("index.html")).expect("the example page");
    let css = std::fs::read_to_string(dir.join("style.css")).expect("the example CSS");
    let app = axum::Router::new()
        .route(
            "/",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let mut page = page
                    .replace("http://127.0.0.1:8080", &collector)
                    .replace("SITE_KEY", &site_key);
                if q.contains_key("hostile") {
                    page = page.replace("</head>", &format!("<style>{HOSTILE_CSS}</style></head>"));
                }
                if q.contains_key("bare") {
                    let start = page.find("<script src=").expect("the snippet");
                    let end = start + page[start..].find("</script>").unwrap() + "</script>".len();
                    page.replace_range(start..end, "");
                }
                async move { Html(page) }
            }),
        )
        .route(
            "/style.css",
            get(move || {
                let css = css.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, "text/css")], css) }
            }),
        );
    axum::serve(listener, app).await.unwrap();
}

/// Headless Chromium with a fresh profile, through its own ChromeDriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        let chromedriver =
            std::env::var("HARK_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium =
            std::env::var("HARK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {chromedriver}; run `cargo xtask setup`"))?;
        let profile = tempfile::tempdir()?;
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let caps = caps.as_object().unwrap().clone().into_iter().collect();
        let mut builder = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        );
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match builder.connect(&url).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() > Duration::from_secs(30) => {
                    bail!("ChromeDriver did not answer: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Ok(Self {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Runs a script and turns the element it returns into a clickable element.
    pub async fn element(&self, script: &str) -> Result<Option<Element>> {
        let value = self.client.execute(script, vec![]).await?;
        let Some(id) = value
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
        else {
            return Ok(None);
        };
        Ok(Some(Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id.to_owned()),
        )))
    }

    /// Waits until the script returns an element (the page works asynchronously), then returns it.
    pub async fn wait_element(&self, what: &str, script: &str) -> Result<Element> {
        let started = Instant::now();
        loop {
            if let Some(e) = self.element(script).await? {
                return Ok(e);
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("gave up waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the script returns `true`.
    pub async fn wait_true(&self, what: &str, script: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            if self.client.execute(script, vec![]).await? == Value::Bool(true) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("gave up waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// JavaScript that finds something inside the widget's shadow root.
pub fn in_widget(selector_js: &str) -> String {
    format!(
        "const host = document.querySelector('hark-widget'); \
         const root = host && host.shadowRoot; if (!root) return null; {selector_js}"
    )
}
