//! The whole system for a browser test: a collector with the real bundles, a shop page on another
//! origin, and headless Chromium driven through ChromeDriver.

#![allow(dead_code, unreachable_pub)]

use anyhow::{bail, Context as _, Result};
use collector::access::{ApiToken, Role};
use collector::assets::Assets;
use collector::store::{self, Site};
use collector::AppState;
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::Client;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// CSS a careless or hostile host page might have.
pub const HOSTILE_CSS: &str =
    "* { all: unset !important; font-size: 40px !important } button { display: none !important }";

/// The key the collector seals second factors' secrets with (`two_factor_key`).
pub const TWO_FACTOR_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub struct System {
    pub collector: String,
    pub shop: String,
    pub site: Site,
    pub token: String,
    /// An owner's API token, for setting the site up.
    pub owner: String,
    pub http: reqwest::Client,
    /// The collector's store, to set up what no API makes (users).
    pub store: std::sync::Arc<dyn store::Store>,
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
        Self::start_with_mail(None).await
    }

    /// `start`, mailing through the SMTP server at `smtp_url` (from `hark@shop.test`) when given.
    /// Webhooks may reach loopback, where the tests' receivers listen.
    pub async fn start_with_mail(smtp_url: Option<&str>) -> Result<Self> {
        Self::start_with(smtp_url, None).await
    }

    /// `start_with_mail`, on `clock` (the system's when `None`). The collector keeps second
    /// factors with [`TWO_FACTOR_KEY`].
    pub async fn start_with(
        smtp_url: Option<&str>,
        clock: Option<std::sync::Arc<dyn collector::clock::Clock>>,
    ) -> Result<Self> {
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
        let mut state = AppState::new(store.clone())
            .with_assets(assets)
            .with_webhook_allow(vec!["127.0.0.0/8".parse().map_err(anyhow::Error::msg)?])
            .with_two_factor_key(Some(
                collector::two_factor::TwoFactorKey::parse(TWO_FACTOR_KEY)
                    .map_err(anyhow::Error::msg)?,
            ));
        if let Some(clock) = clock {
            state = state.with_clock(clock);
        }
        if let Some(url) = smtp_url {
            let mailer =
                collector::notify::email::Mailer::new(&collector::notify::email::SmtpSettings {
                    url: url.to_owned(),
                    from: "Hark <hark@shop.test>".to_owned(),
                })
                .map_err(anyhow::Error::msg)?;
            state = state.with_mail(Some(mailer), Some(collector.clone()));
        }
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
            store,
            _dir: dir,
        })
    }

    /// What `cargo xtask demo` imports: an NPS-and-why survey (`experience`, active) with four
    /// months of sample answers up to `now`; how many were imported.
    #[allow(dead_code)]
    pub async fn seed_demo_answers(&self, now: i64) -> Result<u64> {
        let survey: shared::Survey = serde_json::from_value(json!({
            "id": "experience", "name": "How are we doing?",
            "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
            "questions": [
                {"id": "score", "type": "nps", "prompt": "How likely are you to recommend us?"},
                {"id": "why", "type": "text", "prompt": "What is the main reason for your score?", "optional": true}
            ]
        }))?;
        self.store
            .create_survey(
                &self.site.key,
                &survey,
                collector::store::SurveyStatus::Active,
                1,
            )
            .await?;
        let sample = collector::import::sample_answers("experience", 120, now, 7, true);
        let report = collector::import::import_answers(
            self.store.as_ref(),
            &self.site.key,
            sample.as_bytes(),
            false,
            now,
            &mut |_| {},
        )
        .await?;
        anyhow::ensure!(report.bad.is_empty(), "{report:?}");
        Ok(report.imported)
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

/// The port in ChromeDriver's `ChromeDriver was started successfully on port 41235.`
fn driver_port(line: &str) -> Option<u16> {
    line.split_once("started successfully on port ")?
        .1
        .trim_end_matches('.')
        .trim()
        .parse()
        .ok()
}

/// Headless Chromium with a fresh profile, through its own ChromeDriver.
pub struct Browser {
    pub client: Client,
    /// ChromeDriver's own URL, for the commands fantoccini does not have.
    pub driver_url: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        let chromedriver =
            std::env::var("HARK_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium =
            std::env::var("HARK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        // ChromeDriver binds a port of its own choosing and says which: a port found free here
        // and handed to it could be taken first by another test's process.
        let mut driver = Command::new(&chromedriver)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {chromedriver}; run `cargo xtask setup`"))?;
        let (tell, told) = tokio::sync::oneshot::channel();
        let stdout = driver.stdout.take().context("ChromeDriver's output")?;
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            let mut tell = Some(tell);
            // Read to the end, so that ChromeDriver never blocks on a full pipe.
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(port) = driver_port(&line) {
                    if let Some(tell) = tell.take() {
                        let _ = tell.send(port);
                    }
                }
            }
        });
        let port = match tokio::time::timeout(Duration::from_secs(30), told).await {
            Ok(Ok(port)) => port,
            Ok(Err(_)) => bail!("ChromeDriver ended without saying its port"),
            Err(_) => {
                let _ = driver.kill();
                bail!("ChromeDriver did not say its port within 30 s")
            }
        };
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
                    let _ = driver.kill();
                    bail!("ChromeDriver did not answer: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let browser = Self {
            client,
            driver_url: url,
            driver,
            _profile: profile,
        };
        // Every document notes what its Content-Security-Policy refused, for `axe` to check.
        browser.cdp("Page.enable", json!({})).await?;
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": "document.addEventListener('securitypolicyviolation', e => \
                    (window.__hark_csp ||= []).push(e.effectiveDirective + ' refused ' + \
                    (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));" }),
            )
            .await?;
        Ok(browser)
    }

    /// Runs a Chrome DevTools Protocol command through ChromeDriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        let session = self.client.session_id().await?.context("no session")?;
        let response: Value = reqwest::Client::new()
            .post(format!(
                "{}/session/{session}/goog/cdp/execute",
                self.driver_url
            ))
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await?
            .json()
            .await?;
        Ok(response)
    }

    /// Takes the browser offline or back online (ChromeDriver's network emulation).
    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.cdp("Network.enable", json!({})).await?;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
        Ok(())
    }

    /// Runs a script and returns its value.
    pub async fn js(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
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

    /// Runs axe-core (WCAG 2.0/2.1 A and AA) on what `context_js` names (`document`, or an
    /// element) as it is now, and fails on any violation.
    pub async fn axe(&self, context_js: &str, what: &str) -> Result<()> {
        let loaded = self.js("return typeof axe !== 'undefined'").await?;
        if loaded != Value::Bool(true) {
            let path = std::env::var("HARK_AXE").unwrap_or_else(|_| {
                let home = std::env::var("HOME").unwrap_or_default();
                format!("{home}/.cache/hark/tools/node_modules/axe-core/axe.min.js")
            });
            let source = std::fs::read_to_string(&path)
                .with_context(|| format!("no axe-core at {path}: run `cargo xtask setup`"))?;
            self.client.execute(&source, vec![]).await?;
        }
        let result = self
            .client
            .execute_async(
                &format!(
                    "const done = arguments[arguments.length - 1];
                     axe.run({context_js}, {{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                        .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' @ ' +
                                         v.nodes.map(n => n.html).join(' | '))))
                        .catch(e => done(['axe failed: ' + e]));"
                ),
                vec![],
            )
            .await?;
        let violations = result.as_array().context("axe's violations")?;
        if !violations.is_empty() {
            bail!("axe found violations on {what}: {violations:#?}");
        }
        self.assert_no_csp_violation(what).await
    }

    /// Fails if the collector's page now shown (the dashboard, a status page, a hosted page)
    /// had anything refused by its Content-Security-Policy. Test shops' pages are not checked:
    /// some forbid wasm on purpose.
    pub async fn assert_no_csp_violation(&self, what: &str) -> Result<()> {
        let refused = self
            .js("return /^\\/(dashboard|c|s)\\//.test(location.pathname) ? (window.__hark_csp || []) : []")
            .await?;
        let refused = refused.as_array().context("the CSP violations")?;
        if !refused.is_empty() {
            bail!("the Content-Security-Policy refused on {what}: {refused:#?}");
        }
        Ok(())
    }

    /// The text of the first element `selector` finds in the page, once it has some.
    pub async fn text(&self, selector: &str) -> Result<String> {
        let script = format!(
            "const e = document.querySelector({}); return e && e.textContent ? e.textContent : null",
            json!(selector)
        );
        self.wait_true(
            selector,
            &format!("return (() => {{ {script} }})() !== null"),
        )
        .await?;
        Ok(self
            .js(&script)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Screenshots the page and keeps it as `name` in `e2e-artifacts/` beside the build, where
    /// CI keeps its artifacts; fails on an image too small to be a real page.
    pub async fn keep_screenshot(&self, name: &str) -> Result<()> {
        let png = self.client.screenshot().await?;
        let target = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
        let artifacts = std::path::Path::new(&target).join("e2e-artifacts");
        std::fs::create_dir_all(&artifacts)?;
        let shot = artifacts.join(name);
        std::fs::write(&shot, &png)?;
        println!("screenshot: {}", shot.display());
        anyhow::ensure!(
            png.len() > 1000,
            "not a real screenshot: {} bytes",
            png.len()
        );
        Ok(())
    }

    /// Opens the dashboard of the collector at `collector` and signs in with an API token, as
    /// a person typing it into the sign-in form does.
    pub async fn sign_in(&self, collector: &str, token: &str) -> Result<()> {
        self.client.goto(&format!("{collector}/dashboard/")).await?;
        self.wait_element("the token field", "return document.querySelector('#token')")
            .await?
            .send_keys(token)
            .await?;
        self.click("button[type=submit]").await
    }

    /// Clicks the first element `selector` finds in the page, once it is there.
    pub async fn click(&self, selector: &str) -> Result<()> {
        self.wait_element(
            selector,
            &format!("return document.querySelector({})", json!(selector)),
        )
        .await?
        .click()
        .await?;
        Ok(())
    }

    /// Presses `keys` one after the other on whatever has the focus, as a person would.
    pub async fn press(&self, keys: &[char]) -> Result<()> {
        let mut actions = KeyActions::new("keyboard".into());
        for &key in keys {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await?;
        Ok(())
    }

    /// Holds the keyboard still for a second, as the pause of a person reading.
    pub async fn human_pause(&self) -> Result<()> {
        let pause = KeyActions::new("keyboard".into()).then(KeyAction::Pause {
            duration: Duration::from_secs(1),
        });
        self.client.perform_actions(pause).await?;
        Ok(())
    }

    /// Waits until what `selector` finds says `text` (among the rest).
    pub async fn wait_text(&self, selector: &str, text: &str) -> Result<()> {
        self.wait_true(
            &format!("{selector} to say {text:?}"),
            &format!(
                "const e = document.querySelector({}); return !!e && e.textContent.includes({});",
                json!(selector),
                json!(text)
            ),
        )
        .await
    }

    /// Picks the option `value` of the `<select>` `selector`, once it has it, as a person does.
    pub async fn choose(&self, selector: &str, value: &str) -> Result<()> {
        self.wait_true(
            &format!("the option {value} of {selector}"),
            &format!(
                "const s = document.querySelector({}); if (!s || ![...s.options].some(o => o.value === {v})) return false;
                 s.focus(); s.value = {v}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;",
                json!(selector),
                v = json!(value)
            ),
        )
        .await
    }

    /// Types `text` into the field `selector` in place of what it held.
    pub async fn type_into(&self, selector: &str, text: &str) -> Result<()> {
        let field = self
            .wait_element(
                selector,
                &format!("return document.querySelector({})", json!(selector)),
            )
            .await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
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

/// The widget bundle a [`Lab`] serves: the real one `cargo xtask dist` built, or the stand-in
/// `support/stub_widget.js` (same interface and DOM) that tests the loader on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    Real,
    Stub,
}

/// The smallest valid wasm module: what the stub's `init` downloads and compiles.
const EMPTY_WASM: &[u8] = &[0, 97, 115, 109, 1, 0, 0, 0];

/// What the front (the collector as the browser sees it) does, changed by the test as it goes.
#[derive(Default)]
pub struct Front {
    /// The site config the front serves instead of the collector's.
    pub config: std::sync::Mutex<Value>,
    /// How many of the next POSTs get a 503 instead of reaching the collector.
    pub fail_next: std::sync::atomic::AtomicUsize,
    /// How many POSTs reached the front (delivered or not).
    pub posts: std::sync::atomic::AtomicUsize,
}

/// A loader's world: a collector (real storage, real ingest, real hosted page), in front of it a
/// small proxy on the collector's public origin (serving a config the test chooses, failing POSTs
/// on demand, passing everything else on), and a shop on a third origin whose every path is a page
/// with the snippet (`?csp` adds `Content-Security-Policy: script-src 'self' FRONT`).
pub struct Lab {
    pub collector: String,
    /// The collector's public origin (the proxy): what the snippet points at.
    pub front: String,
    pub shop: String,
    pub site: Site,
    pub token: String,
    pub http: reqwest::Client,
    pub state: std::sync::Arc<Front>,
    _dir: tempfile::TempDir,
}

impl Lab {
    pub async fn start(widget: Widget) -> Result<Self> {
        Self::start_on(widget, None).await
    }

    /// `start`, with the collector's store on the database at `database_url` (a PostgreSQL
    /// server the test stops and starts, say) rather than a fresh SQLite file.
    pub async fn start_on(widget: Widget, database_url: Option<&str>) -> Result<Self> {
        let assets = match widget {
            Widget::Real => {
                let assets = Assets::embedded();
                if !assets.has_widget() {
                    bail!("the collector was built without the widget: run these tests with `cargo xtask test`");
                }
                assets
            }
            Widget::Stub => std::sync::Arc::new(Assets::from_files(
                &[
                    ("widget.js", include_bytes!("stub_widget.js")),
                    ("widget_bg.wasm", EMPTY_WASM),
                ],
                &[],
            )),
        };
        let dir = tempfile::tempdir()?;
        let sqlite = format!("sqlite://{}", dir.path().join("hark.db").display());
        let store = store::open(database_url.unwrap_or(&sqlite)).await?;
        let shop_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let shop = format!("http://{}", shop_listener.local_addr()?);
        let front_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let front = format!("http://{}", front_listener.local_addr()?);
        // The hosted page answers from the collector's own origin.
        let site = store
            .create_site("Northwind Coffee", &[shop.clone(), front.clone()], 0)
            .await?;
        let token = ApiToken::generate();
        store
            .create_token(&site.key, Role::Viewer, &ApiToken::hash(token.expose()), 0)
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let collector = format!("http://{}", listener.local_addr()?);
        let state = AppState::new(store).with_assets(assets);
        tokio::spawn(collector::serve(listener, state, std::future::pending()));

        let http = reqwest::Client::new();
        let config: Value = http
            .get(format!(
                "{collector}/api/v1/sites/{}/config?lang=en",
                site.key
            ))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let state = std::sync::Arc::new(Front {
            config: std::sync::Mutex::new(config),
            ..Front::default()
        });
        tokio::spawn(serve_front(
            front_listener,
            collector.clone(),
            state.clone(),
        ));
        tokio::spawn(serve_test_shop(
            shop_listener,
            front.clone(),
            site.key.to_string(),
        ));
        Ok(Self {
            collector,
            front,
            shop,
            site,
            token: token.expose().to_owned(),
            http,
            state,
            _dir: dir,
        })
    }

    /// Serves the collector's config with these surveys and settings merged in
    /// (e.g. `json!({"launcher": null, "cooldown_days": 0})`).
    pub fn configure(&self, surveys: Value, settings: Value) {
        let mut config = self.state.config.lock().unwrap();
        config["surveys"] = surveys;
        for (k, v) in settings.as_object().into_iter().flatten() {
            config[k] = v.clone();
        }
    }

    pub fn fail_next(&self, n: usize) {
        self.state
            .fail_next
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn posts(&self) -> usize {
        self.state.posts.load(std::sync::atomic::Ordering::SeqCst)
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

/// A survey for a [`Lab`] config: one NPS question `q1` (answers to the survey `nps` are stored,
/// since every new site has it), with this trigger and frequency.
pub fn survey(id: &str, trigger: Value, frequency: Value) -> Value {
    json!({
        "id": id, "version": 1, "name": id, "trigger": trigger, "frequency": frequency,
        "questions": [{"id": "q1", "type": "nps", "prompt": format!("Question of {id}?")}],
    })
}

async fn serve_front(
    listener: tokio::net::TcpListener,
    collector: String,
    state: std::sync::Arc<Front>,
) {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::{header, HeaderValue, Method, StatusCode};
    use axum::response::{IntoResponse, Response};
    use std::sync::atomic::Ordering;
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request| {
        let (http, collector, state) = (http.clone(), collector.clone(), state.clone());
        async move {
            let path = req.uri().path().to_owned();
            let origin = req.headers().get(header::ORIGIN).cloned();
            let cors = |mut r: Response| {
                let h = r.headers_mut();
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    origin.clone().unwrap_or(HeaderValue::from_static("*")),
                );
                h.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static("retry-after"),
                );
                r
            };
            if req.method() == Method::GET && path.ends_with("/config") {
                let config = state.config.lock().unwrap().to_string();
                return cors(
                    ([(header::CONTENT_TYPE, "application/json")], config).into_response(),
                );
            }
            // Answers and complaints are counted and failed on request; the widget's funnel
            // events (`/api/v1/funnel`, through the same outbox) pass through untouched.
            if req.method() == Method::POST && !path.ends_with("/funnel") {
                state.posts.fetch_add(1, Ordering::SeqCst);
                if state
                    .fail_next
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    return cors(
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            [(header::RETRY_AFTER, "1")],
                            "{\"error\":{\"code\":\"unavailable\",\"message\":\"try again\"}}",
                        )
                            .into_response(),
                    );
                }
            }
            // Everything else goes to the collector as it came.
            let url = format!(
                "{collector}{}",
                req.uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/")
            );
            let mut forward = http.request(req.method().clone(), url);
            for (name, value) in req.headers() {
                if name != header::HOST && name != header::CONTENT_LENGTH {
                    forward = forward.header(name, value);
                }
            }
            let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let Ok(answer) = forward.body(body).send().await else {
                return StatusCode::BAD_GATEWAY.into_response();
            };
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING {
                    response = response.header(name, value);
                }
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            response.body(Body::from(bytes)).unwrap()
        }
    });
    axum::serve(listener, app).await.unwrap();
}

/// Instruments a test page before the snippet: uncaught errors in `harkErrors`, and when
/// `<hark-widget>` first appeared (`performance.now()`) in `harkShownAt`.
const PROBE: &str = "window.harkErrors = [];
addEventListener('error', e => harkErrors.push(String(e.message)));
addEventListener('unhandledrejection', e => harkErrors.push('unhandled rejection: ' + e.reason));
new MutationObserver(() => {
  if (!window.harkShownAt && document.querySelector('hark-widget')) window.harkShownAt = performance.now();
}).observe(document.documentElement, { childList: true, subtree: true });";

async fn serve_test_shop(listener: tokio::net::TcpListener, front: String, site_key: String) {
    use axum::extract::Request;
    use axum::http::header;
    use axum::response::IntoResponse;
    let app = axum::Router::new().fallback(move |req: Request| {
        let (front, site_key) = (front.clone(), site_key.clone());
        async move {
            if req.uri().path() == "/probe.js" {
                return ([(header::CONTENT_TYPE, "text/javascript")], PROBE).into_response();
            }
            let query = req.uri().query().unwrap_or("");
            let page = format!(
                "<!DOCTYPE html><html><head><meta charset=utf-8><title>Shop</title>\
                 <script src=\"/probe.js\"></script></head><body>\
                 <h1>Shop</h1><button id=buy type=button>Buy</button><div id=tall></div>\
                 <script src=\"{front}/widget.js\" data-site=\"{site_key}\" async></script>\
                 </body></html>"
            );
            let mut response = axum::response::Html(page).into_response();
            if query.contains("csp") {
                response.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    format!("script-src 'self' {front}").parse().unwrap(),
                );
            }
            response
        }
    });
    axum::serve(listener, app).await.unwrap();
}
