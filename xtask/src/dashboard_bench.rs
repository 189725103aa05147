//! The dashboard's first screen in headless Chromium: how long from navigation until it is
//! interactive, cold (the browser's cache emptied before each load) and warm, on loopback and on
//! a throttled link.
//!
//! A site with four months of sample complaints (`hark import complaints --sample-days 120`);
//! the owner signs in through the form once, then the inbox (the first screen after sign-in) is
//! loaded `LOADS` times per condition. A script that Chromium runs before the page's own
//! (`Page.addScriptToEvaluateOnNewDocument`) notes when the inbox's first row is in the document
//! and every long task (a main-thread task over 50 ms). The first screen is interactive at the
//! later of the two: its data shown, and the last long task that began before then over. The
//! sign-in screen, which a newcomer sees first, is measured the same way on its token field.
//!
//! ChromeDriver is spoken to over plain HTTP, as the ingest load generator speaks to the
//! collector: no WebDriver library between the bench and the browser.

use super::bench::{self, Connection};
use anyhow::{bail, Context as _, Result};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Loads per condition.
const LOADS: usize = 10;
/// The budget for the first screen (the inbox with its data), cold on the throttled link: the
/// wasm (about 0.9 MB gzip) takes most of a second to arrive at 10 Mbit/s; two seconds leave
/// room for compiling it and the inbox's three API reads, and stay under the three seconds
/// after which people start leaving a page.
const BUDGET_THROTTLED: Duration = Duration::from_millis(2000);
/// The budget for the sign-in form and the inbox, cold on loopback (what the server and the
/// browser cost, without the network): one second, the limit for a flow of thought not to break.
const BUDGET_LOOPBACK: Duration = Duration::from_millis(1000);
/// The throttled link: a good home connection (40 ms round trip, 10 Mbit/s down, 5 up).
const LATENCY_MS: u64 = 40;
const DOWN_BYTES_PER_S: u64 = 10_000_000 / 8;
const UP_BYTES_PER_S: u64 = 5_000_000 / 8;

const INBOX_READY: &str = "table.cases tbody tr";
const SIGN_IN_READY: &str = "#token";

/// Runs before each document's own scripts: records long tasks and when `READY` first matches.
const PROBE: &str = r#"(() => {
  const probe = { longTasks: [], ready: null };
  window.__harkProbe = probe;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) probe.longTasks.push([e.startTime, e.startTime + e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const check = () => {
    if (probe.ready === null && document.querySelector(READY)) probe.ready = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  check();
})();"#;

pub(crate) fn measure(hark: &Path, work: &Path) -> Result<()> {
    let database_url = format!("sqlite://{}", work.join("dashboard.db").display());
    let cli = bench::cli(hark, &database_url);
    let (site, token) = bench::site_and_token(&cli, "Dashboard bench", "owner")?;
    super::step("seeding four months of sample complaints");
    cli(&[
        "import",
        "complaints",
        "--site",
        &site,
        "--sample-days",
        "120",
        "--json",
    ])?;
    let (port, _server) = bench::serve_on(hark, &database_url, "hark-dashboard.log")?;
    let dashboard = format!("http://127.0.0.1:{port}/dashboard/");

    super::step("the dashboard's first screen in Chromium");
    let mut browser = Chromium::start(&work.join("chromium-profile"))?;
    // A newcomer's first screen: the sign-in form, nothing cached.
    browser.probe(SIGN_IN_READY)?;
    let mut sign_in = Vec::new();
    for _ in 0..LOADS {
        browser.cdp("Network.clearBrowserCache", json!({}))?;
        sign_in.push(browser.load(&dashboard, SIGN_IN_READY)?);
    }
    browser.script(
        &format!(
            "const t = document.querySelector('#token'); t.value = {}; \
             t.dispatchEvent(new Event('input', {{ bubbles: true }})); \
             document.querySelector('button[type=submit]').click();",
            json!(token)
        ),
        json!([]),
    )?;
    browser.wait_for(INBOX_READY)?;

    browser.probe(INBOX_READY)?;
    let inbox = format!("{dashboard}#/inbox");
    let mut rows = Vec::new();
    for (condition, throttled, cold) in [
        ("loopback, cold cache", false, true),
        ("loopback, warm cache", false, false),
        ("10 Mbit/s, 40 ms, cold cache", true, true),
    ] {
        browser.throttle(throttled)?;
        let mut loads = Vec::new();
        for _ in 0..LOADS {
            if cold {
                browser.cdp("Network.clearBrowserCache", json!({}))?;
            }
            loads.push(browser.load(&inbox, INBOX_READY)?);
        }
        rows.push((condition, loads));
    }
    browser.throttle(false)?;

    println!();
    println!(
        "  {:<46} {:>9} {:>9} {:>9}  budget",
        "dashboard first screen (Chromium)", "p50 ms", "p95 ms", "max ms"
    );
    print_row(
        "sign-in form, loopback, cold cache",
        &sign_in,
        Some(BUDGET_LOOPBACK),
    );
    for (condition, loads) in &rows {
        let budget = match *condition {
            "loopback, cold cache" => Some(BUDGET_LOOPBACK),
            "10 Mbit/s, 40 ms, cold cache" => Some(BUDGET_THROTTLED),
            _ => None,
        };
        print_row(&format!("inbox, {condition}"), loads, budget);
    }
    println!(
        "  interactive: the first row shown and the last long task that began before it over; \
         {LOADS} loads each"
    );
    Ok(())
}

fn print_row(what: &str, loads: &[Duration], budget: Option<Duration>) {
    let mut ms: Vec<f64> = loads.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    let verdict = match budget {
        Some(b) => bench::within(
            at(0.95) <= b.as_secs_f64() * 1000.0,
            &format!("p95 ≤ {} ms", b.as_millis()),
        ),
        None => String::new(),
    };
    println!(
        "  {what:<46} {:>9.0} {:>9.0} {:>9.0}  {verdict}",
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

/// Headless Chromium through its own ChromeDriver, with one WebDriver session.
struct Chromium {
    driver: Child,
    port: u16,
    session: String,
    /// The probe script's identifier, once added.
    probe: Option<String>,
}

impl Chromium {
    fn start(profile: &Path) -> Result<Self> {
        let chromedriver =
            std::env::var("HARK_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium =
            std::env::var("HARK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = bench::free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {chromedriver}; run `cargo xtask setup`"))?;
        let mut browser = Chromium {
            driver,
            port,
            session: String::new(),
            probe: None,
        };
        let _ = std::fs::remove_dir_all(profile);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let started = Instant::now();
        let session = loop {
            match browser.call("POST", "/session", &caps) {
                Ok(v) => break v,
                Err(e) if started.elapsed() > Duration::from_secs(30) => {
                    bail!("ChromeDriver did not answer: {e:#}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        browser.session = session["sessionId"]
            .as_str()
            .context("no WebDriver session")?
            .to_owned();
        Ok(browser)
    }

    /// One WebDriver command; its `value`.
    fn call(&self, method: &str, path: &str, body: &Value) -> Result<Value> {
        let body = body.to_string();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let mut connection = Connection::open(self.port)?;
        let status = connection.exchange(request.as_bytes())?;
        let answer: Value = serde_json::from_slice(connection.body())
            .with_context(|| format!("ChromeDriver's answer to {method} {path}"))?;
        if status != 200 {
            bail!("{method} {path}: {status} {}", answer["value"]);
        }
        Ok(answer["value"].clone())
    }

    fn command(&self, method: &str, what: &str, body: Value) -> Result<Value> {
        self.call(method, &format!("/session/{}/{what}", self.session), &body)
    }

    fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.command(
            "POST",
            "goog/cdp/execute",
            json!({"cmd": cmd, "params": params}),
        )
    }

    fn script(&self, script: &str, args: Value) -> Result<Value> {
        self.command(
            "POST",
            "execute/sync",
            json!({"script": script, "args": args}),
        )
    }

    /// The probe, for every document from now on, watching for `ready` (replacing the last).
    fn probe(&mut self, ready: &str) -> Result<()> {
        self.cdp("Page.enable", json!({}))?;
        if let Some(identifier) = self.probe.take() {
            self.cdp(
                "Page.removeScriptToEvaluateOnNewDocument",
                json!({ "identifier": identifier }),
            )?;
        }
        let source = PROBE.replace("READY", &json!(ready).to_string());
        let added = self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )?;
        self.probe = Some(
            added["identifier"]
                .as_str()
                .context("no script identifier")?
                .to_owned(),
        );
        Ok(())
    }

    /// The throttled link, or none (`-1`: no limit).
    fn throttle(&self, on: bool) -> Result<()> {
        self.cdp("Network.enable", json!({}))?;
        let (latency, down, up) = if on {
            (
                LATENCY_MS as i64,
                DOWN_BYTES_PER_S as i64,
                UP_BYTES_PER_S as i64,
            )
        } else {
            (0, -1, -1)
        };
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": latency, "downloadThroughput": down, "uploadThroughput": up}),
        )?;
        Ok(())
    }

    /// Waits until `selector` matches in the current page.
    fn wait_for(&self, selector: &str) -> Result<()> {
        let started = Instant::now();
        while self.script(
            "return !!document.querySelector(arguments[0])",
            json!([selector]),
        )? != json!(true)
        {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("{selector} did not appear");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Loads `url` afresh and returns when its first screen became interactive, from the
    /// navigation's start (the probe must watch for `ready`).
    fn load(&self, url: &str, ready: &str) -> Result<Duration> {
        // From another document, so that the load is a navigation and not a hash change.
        self.command("POST", "url", json!({"url": "about:blank"}))?;
        self.command("POST", "url", json!({"url": url}))?;
        self.wait_for(ready)?;
        // Long tasks are reported after they end: give the last one a moment to be reported.
        std::thread::sleep(Duration::from_millis(300));
        let probe = self.script("return window.__harkProbe", json!([]))?;
        let ready_ms = probe["ready"]
            .as_f64()
            .context("the probe did not see the first screen")?;
        let interactive = probe["longTasks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| Some((t[0].as_f64()?, t[1].as_f64()?)))
            .filter(|&(start, _)| start <= ready_ms)
            .fold(ready_ms, |at, (_, end)| at.max(end));
        Ok(Duration::from_secs_f64(interactive / 1000.0))
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), &json!({}));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
