//! The loader (widget/loader.js) in real headless Chromium: triggers, frequency rules, the
//! outbox, no wasm where nothing is due, and the hosted-page fallback under a strict CSP; the
//! outbox across a PostgreSQL outage (a server of the test's own, stopped and started again).
//!
//! Each scenario runs twice: against the stand-in widget (`support/stub_widget.js`: the widget's
//! interface and DOM, without Leptos), which tests the loader alone, and against the real wasm
//! widget (module `real`). The config comes from the test, through a proxy in front of a real collector, which
//! stores the answers. A survey is told apart by its question, `Question of ID?`.

// Only its `Cluster`: a PostgreSQL server of the test's own, which it stops and starts.
#[allow(dead_code)]
#[path = "../../collector/tests/support/postgres.rs"]
mod postgres_server;
mod support;

use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{survey, Browser, Lab, Widget};

const DAY_MS: i64 = 86_400_000;

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn page_view(pages: Value) -> Value {
    json!({"type": "page_view", "pages": pages, "sample_percent": 100})
}

fn once() -> Value {
    json!({"type": "once"})
}

struct T {
    lab: Lab,
    b: Browser,
}

impl T {
    async fn start(widget: Widget) -> Result<Self> {
        Ok(Self {
            lab: Lab::start(widget).await?,
            b: Browser::start().await?,
        })
    }

    /// `start`, the collector on a database of `cluster`.
    async fn start_on(widget: Widget, cluster: &postgres_server::Cluster) -> Result<Self> {
        let database_url = cluster.fresh_database().await;
        Ok(Self {
            lab: Lab::start_on(widget, Some(&database_url)).await?,
            b: Browser::start().await?,
        })
    }

    /// Waits until the outbox holds `n` answers and complaints.
    async fn wait_outbox(&self, n: usize, within: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let now = self.outbox().await?;
            if now == n {
                return Ok(());
            }
            if started.elapsed() > within {
                bail!("the outbox held {now}, not {n}, after {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Shows the survey `nps` again on the next page (a new visitor on this device, as far as
    /// the frequency rule goes), keeping the outbox.
    async fn forget_nps(&self) -> Result<()> {
        self.b
            .js(&format!(
                "localStorage.removeItem('hark:{}:s:nps')",
                self.lab.site.key
            ))
            .await?;
        Ok(())
    }

    /// Opens a shop page and waits until the loader has its config and has evaluated the page
    /// (the real `hark` has replaced the queue stub), then until timers due now have run.
    async fn visit(&self, path: &str) -> Result<()> {
        self.b
            .client
            .goto(&format!("{}{path}", self.lab.shop))
            .await?;
        self.settle().await
    }

    async fn settle(&self) -> Result<()> {
        self.b
            .wait_true(
                "the loader to be ready",
                "return typeof window.hark === 'function' && window.hark.length === 3",
            )
            .await?;
        self.tick().await
    }

    /// Lets timers already due (a delay of 0) and the work they start run.
    async fn tick(&self) -> Result<()> {
        self.b
            .client
            .execute_async("setTimeout(arguments[0], 50)", vec![])
            .await?;
        Ok(())
    }

    /// Whether the widget shows `view`: a survey (by its question) or, for "menu", no survey.
    fn shows(view: &str) -> String {
        let test = if view == "menu" {
            "!/Question of /.test(c.textContent)".to_owned()
        } else {
            format!("c.textContent.includes('Question of {view}?')")
        };
        format!(
            "const h = document.querySelector('hark-widget'); \
             const c = h && h.shadowRoot && h.shadowRoot.querySelector('[role=dialog]'); \
             return !!c && {test}"
        )
    }

    /// What the widget shows, for error messages.
    async fn view(&self) -> Result<Value> {
        self.b.js("const h = document.querySelector('hark-widget'); const c = h && h.shadowRoot && h.shadowRoot.querySelector('[role=dialog]'); return c ? c.textContent : null").await
    }

    async fn wait_view(&self, view: &str) -> Result<()> {
        self.b
            .wait_true(&format!("the widget showing {view}"), &Self::shows(view))
            .await
    }

    async fn none(&self, why: &str) -> Result<()> {
        self.tick().await?;
        let host = self
            .b
            .js("return !!document.querySelector('hark-widget')")
            .await?;
        if host != Value::Bool(false) {
            bail!("a survey was shown: {why} (view {:?})", self.view().await?);
        }
        Ok(())
    }

    async fn close(&self) -> Result<()> {
        self.b
            .js("document.querySelector('hark-widget').shadowRoot.querySelector('.close').click()")
            .await?;
        self.b
            .wait_true(
                "the widget to close",
                "return !document.querySelector('hark-widget')",
            )
            .await
    }

    /// Moves a survey's stored times `days` into the past (days passing on the device).
    async fn age(&self, survey: &str, days: i64) -> Result<()> {
        let key = format!("hark:{}:s:{survey}", self.lab.site.key);
        self.b
            .js(&format!(
                "const k = '{key}'; const s = JSON.parse(localStorage[k]); \
                 for (const f of ['s', 'a', 'd']) if (s[f]) s[f] -= {}; \
                 localStorage[k] = JSON.stringify(s)",
                days * DAY_MS
            ))
            .await?;
        Ok(())
    }

    async fn stored_state(&self, survey: &str) -> Result<Value> {
        let key = format!("hark:{}:s:{survey}", self.lab.site.key);
        let v = self
            .b
            .js(&format!("return localStorage['{key}'] || null"))
            .await?;
        Ok(v.as_str()
            .map(|s| serde_json::from_str(s).unwrap())
            .unwrap_or(Value::Null))
    }

    async fn status(&self) -> Result<String> {
        Ok(self
            .b
            .js("const r = document.querySelector('hark-widget').shadowRoot.querySelector('[role=status]'); return r ? r.textContent : ''")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    async fn wait_status(&self, text: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            if self.status().await?.contains(text) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "the widget never said {text:?} (it says {:?})",
                    self.status().await?
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn string(&self, key: &str) -> String {
        self.lab.state.config.lock().unwrap()["strings"][key]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Picks 9 and sends, once a person could have read the question (the collector drops
    /// answers sent within 800 ms of showing as a bot's).
    async fn answer(&self) -> Result<()> {
        self.b
            .wait_true(
                "a person's reading time",
                "return window.harkShownAt && performance.now() - window.harkShownAt > 900",
            )
            .await?;
        self.b
            .js(
                "const r = document.querySelector('hark-widget').shadowRoot; \
                 [...r.querySelectorAll('[role=radio]')].find(b => b.textContent === '9').click(); \
                 r.querySelector('.send').click()",
            )
            .await?;
        Ok(())
    }

    /// The answers and complaints waiting in the outbox (not the widget's funnel events, which
    /// travel the same way).
    async fn outbox(&self) -> Result<usize> {
        let key = format!("hark:{}:outbox", self.lab.site.key);
        let v = self
            .b
            .js(&format!(
                "return JSON.parse(localStorage['{key}'] || '[]').filter(i => i.path != '/api/v1/funnel').length"
            ))
            .await?;
        Ok(v.as_u64().unwrap_or(0) as usize)
    }

    async fn resources(&self) -> Result<Vec<String>> {
        let v = self
            .b
            .js("return performance.getEntriesByType('resource').map(e => e.name)")
            .await?;
        Ok(v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect())
    }
}

async fn a_page_with_nothing_due_fetches_no_wasm_until_the_launcher_is_clicked(
    widget: Widget,
) -> Result<()> {
    let t = T::start(widget).await?;
    t.lab.configure(
        json!([survey(
            "nps",
            page_view(json!([{"match": "exact", "value": "/elsewhere"}])),
            once()
        )]),
        json!({"launcher": {"label": "Tell us"}}),
    );
    t.visit("/").await?;
    t.none("no page rule matches").await?;
    let resources = t.resources().await?;
    assert!(
        resources.iter().any(|r| r.contains("/config")),
        "{resources:?}"
    );
    assert!(
        !resources
            .iter()
            .any(|r| r.ends_with(".wasm") || r.contains("/assets/")),
        "nothing is due, yet the page fetched {resources:?}"
    );

    // The launcher: its own host, a real button with the configured label.
    let label = t
        .b
        .js("return document.querySelector('hark-launcher').shadowRoot.querySelector('button').textContent")
        .await?;
    assert_eq!(label, "Tell us");
    let inline =
        t.b.js("return document.querySelectorAll('style, [style]').length")
            .await?;
    assert_eq!(inline, 0, "the loader added styles to the page");
    // Keyboard: Enter on the button opens the menu.
    t.b.wait_element(
        "the launcher's button",
        "return document.querySelector('hark-launcher').shadowRoot.querySelector('button')",
    )
    .await?
    .send_keys("\u{E007}")
    .await?;
    t.wait_view("menu").await?;
    let resources = t.resources().await?;
    assert!(
        resources.iter().any(|r| r.ends_with("widget_bg.wasm")),
        "{resources:?}"
    );
    // Closing gives the focus back to the launcher.
    t.close().await?;
    let back =
        t.b.js("return document.activeElement && document.activeElement.tagName")
            .await?;
    assert_eq!(back, "HARK-LAUNCHER");
    t.b.stop().await;
    Ok(())
}

async fn page_rules_match_exact_prefix_and_wildcard_paths_and_spa_routes(
    widget: Widget,
) -> Result<()> {
    let t = T::start(widget).await?;
    t.lab.configure(
        json!([
            survey(
                "a",
                page_view(json!([{"match": "exact", "value": "/a"}])),
                once()
            ),
            survey(
                "shop",
                page_view(json!([{"match": "prefix", "value": "/shop/"}])),
                once()
            ),
            survey(
                "reviews",
                page_view(json!([{"match": "wildcard", "value": "/p/*/reviews"}])),
                once()
            ),
        ]),
        json!({"launcher": null, "cooldown_days": 0}),
    );
    t.visit("/x").await?;
    t.none("/x matches no rule").await?;
    t.visit("/a/b").await?;
    t.none("exact /a is not /a/b").await?;
    t.visit("/shop").await?;
    t.none("prefix /shop/ is not /shop").await?;
    t.visit("/p/42/review").await?;
    t.none("wildcard /p/*/reviews is not /p/42/review").await?;
    t.visit("/shop/beans").await?;
    t.wait_view("shop").await?;
    t.visit("/p/42/x/reviews").await?;
    t.wait_view("reviews").await?;
    // A single-page app's route change shows the survey of the new route.
    t.visit("/x").await?;
    t.none("/x again").await?;
    t.b.js("history.pushState({}, '', '/a')").await?;
    t.wait_view("a").await?;
    t.close().await?;
    // Back (popstate) and forth: /a's survey was shown once, so nothing again.
    t.b.js("history.back()").await?;
    t.none("after popstate to /x").await?;
    t.b.js("history.replaceState({}, '', '/a')").await?;
    t.none("a survey shown once").await?;
    t.b.stop().await;
    Ok(())
}

async fn delay_scroll_event_and_exit_intent_triggers(widget: Widget) -> Result<()> {
    let t = T::start(widget).await?;
    let exact = |p: &str| json!([{"match": "exact", "value": p}]);
    t.lab.configure(
        json!([
            survey("delayed", json!({"type": "page_view", "pages": exact("/delay"), "delay_seconds": 2, "sample_percent": 100}), once()),
            survey("scrolled", json!({"type": "scroll", "percent": 60, "pages": exact("/scroll"), "sample_percent": 100}), once()),
            survey("bought", json!({"type": "event", "name": "purchase", "pages": exact("/event"), "sample_percent": 100}), once()),
            survey("leaving", json!({"type": "exit_intent", "pages": exact("/exit"), "sample_percent": 100}), once()),
        ]),
        json!({"launcher": null, "cooldown_days": 0}),
    );
    t.visit("/delay").await?;
    t.none("before its delay").await?;
    t.wait_view("delayed").await?;
    let at = t.b.js("return window.harkShownAt").await?.as_f64().unwrap();
    assert!(
        at >= 2000.0,
        "shown {at} ms after the page started, before its 2 s delay"
    );

    t.visit("/scroll").await?;
    t.b.js("document.getElementById('tall').style.height = '10000px'; scrollTo(0, 2000)")
        .await?;
    t.none("scrolled to 29 %").await?;
    t.b.js("scrollTo(0, 10000)").await?;
    t.wait_view("scrolled").await?;

    t.visit("/event").await?;
    t.b.js("hark('track', 'viewed_cart')").await?;
    t.none("another event").await?;
    t.b.js("hark('track', 'purchase', {total: 12})").await?;
    t.wait_view("bought").await?;

    t.visit("/exit").await?;
    t.b.js(
        "document.body.dispatchEvent(new MouseEvent('mouseout', {bubbles: true, clientY: 300}))",
    )
    .await?;
    t.none("the pointer left sideways").await?;
    t.b.js("document.body.dispatchEvent(new MouseEvent('mouseout', {bubbles: true, clientY: -2}))")
        .await?;
    t.wait_view("leaving").await?;
    t.b.stop().await;
    Ok(())
}

async fn sampling_and_start_and_end_dates(widget: Widget) -> Result<()> {
    let t = T::start(widget).await?;
    let on = |p: &str, extra: Value| {
        let mut trigger = json!({"type": "page_view", "pages": [{"match": "exact", "value": p}], "sample_percent": 100});
        for (k, v) in extra.as_object().unwrap() {
            trigger[k] = v.clone();
        }
        trigger
    };
    let now = now_s();
    t.lab.configure(
        json!([
            survey("nobody", on("/s0", json!({"sample_percent": 0})), once()),
            survey(
                "everybody",
                on("/s100", json!({"sample_percent": 100})),
                once()
            ),
            survey(
                "future",
                on("/future", json!({"starts_at": now + 3600})),
                once()
            ),
            survey(
                "past",
                on(
                    "/past",
                    json!({"starts_at": now - 7200, "ends_at": now - 3600})
                ),
                once()
            ),
            survey(
                "current",
                on(
                    "/current",
                    json!({"starts_at": now - 3600, "ends_at": now + 3600})
                ),
                once()
            ),
        ]),
        json!({"launcher": null, "cooldown_days": 0}),
    );
    t.visit("/s0").await?;
    t.none("sampled at 0 %").await?;
    let draw = t.stored_state("nobody").await?["r"].as_f64().unwrap();
    t.visit("/s0").await?;
    t.none("a reload keeps the sampling decision").await?;
    assert_eq!(t.stored_state("nobody").await?["r"].as_f64().unwrap(), draw);
    t.visit("/s100").await?;
    t.wait_view("everybody").await?;
    assert!(t.stored_state("everybody").await?["r"].as_f64().unwrap() < 100.0);
    t.visit("/future").await?;
    t.none("before starts_at").await?;
    t.visit("/past").await?;
    t.none("after ends_at").await?;
    t.visit("/current").await?;
    t.wait_view("current").await?;
    t.b.stop().await;
    Ok(())
}

async fn frequency_rules_hold_across_reloads(widget: Widget) -> Result<()> {
    let t = T::start(widget).await?;
    let on = |p: &str| page_view(json!([{"match": "exact", "value": p}]));
    t.lab.configure(
        json!([
            survey("one", on("/once"), once()),
            survey("nps", on("/until"), json!({"type": "until_answered"})),
            survey(
                "periodic",
                on("/every"),
                json!({"type": "every_days", "days": 3})
            ),
        ]),
        json!({"launcher": null, "cooldown_days": 0}),
    );
    // once: shown, dismissed, never again.
    t.visit("/once").await?;
    t.wait_view("one").await?;
    t.close().await?;
    t.visit("/once").await?;
    t.none("a survey shown once").await?;
    t.age("one", 400).await?;
    t.visit("/once").await?;
    t.none("a survey shown once, a year later").await?;

    // every_days 3: again only 3 days after it was last shown.
    t.visit("/every").await?;
    t.wait_view("periodic").await?;
    t.visit("/every").await?;
    t.none("shown today").await?;
    t.age("periodic", 2).await?;
    t.visit("/every").await?;
    t.none("shown 2 days ago").await?;
    t.age("periodic", 1).await?;
    t.visit("/every").await?;
    t.wait_view("periodic").await?;

    // until_answered: on later pages until answered (not dismissed).
    t.visit("/until").await?;
    t.wait_view("nps").await?;
    t.visit("/until").await?;
    t.wait_view("nps").await?;
    t.answer().await?;
    t.wait_status(&t.string("thanks")).await?;
    t.visit("/until").await?;
    t.none("answered").await?;
    t.b.stop().await;
    Ok(())
}

async fn a_dismissal_and_the_site_cooldown_wait_out_their_days(widget: Widget) -> Result<()> {
    let t = T::start(widget).await?;
    let on = |p: &str| page_view(json!([{"match": "exact", "value": p}]));
    t.lab.configure(
        json!([
            survey("first", on("/one"), once()),
            survey("second", on("/two"), json!({"type": "until_answered"})),
        ]),
        json!({"launcher": null, "cooldown_days": 2}),
    );
    t.visit("/one").await?;
    t.wait_view("first").await?;
    t.close().await?;
    t.visit("/two").await?;
    t.none("within the site's 2-day cooldown after another survey")
        .await?;
    t.age("first", 2).await?;
    t.visit("/two").await?;
    t.wait_view("second").await?;
    // Dismissed: an until_answered survey waits out the cooldown too.
    t.close().await?;
    assert!(t.stored_state("second").await?["d"].is_number());
    t.visit("/two").await?;
    t.none("dismissed a day ago").await?;
    t.age("second", 1).await?;
    t.visit("/two").await?;
    t.none("dismissed a day ago").await?;
    t.age("second", 1).await?;
    t.visit("/two").await?;
    t.wait_view("second").await?;
    t.b.stop().await;
    Ok(())
}

fn nps_everywhere() -> Value {
    json!([survey("nps", page_view(json!([])), once())])
}

async fn a_server_failing_twice_gets_the_answer_once_and_the_widget_tells_the_truth(
    widget: Widget,
) -> Result<()> {
    let t = T::start(widget).await?;
    t.lab.configure(nps_everywhere(), json!({"launcher": null}));
    t.lab.fail_next(2);
    t.visit("/").await?;
    t.wait_view("nps").await?;
    t.answer().await?;
    t.wait_status(&t.string("queued")).await?;
    assert_eq!(t.outbox().await?, 1, "the answer waits on the device");
    assert!(t.lab.stored().await?.is_empty());
    t.wait_status(&t.string("thanks")).await?;
    assert_eq!(t.lab.posts(), 3, "two 503s, then the 201");
    assert_eq!(t.outbox().await?, 0);
    let stored = t.lab.stored().await?;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["answers"][0]["score"], 9);
    t.b.stop().await;
    Ok(())
}

async fn offline_then_online_delivers_exactly_once_also_across_a_reload(
    widget: Widget,
) -> Result<()> {
    let t = T::start(widget).await?;
    t.lab.configure(
        nps_everywhere(),
        json!({"launcher": null, "cooldown_days": 0}),
    );
    t.visit("/").await?;
    t.wait_view("nps").await?;
    t.b.set_offline(true).await?;
    assert_eq!(t.b.js("return navigator.onLine").await?, false, "offline");
    t.answer().await?;
    t.wait_status(&t.string("queued")).await?;
    assert_eq!(t.outbox().await?, 1);
    assert!(t.lab.stored().await?.is_empty());
    t.b.set_offline(false).await?;
    t.wait_status(&t.string("thanks")).await?;
    assert_eq!(t.outbox().await?, 0);
    assert_eq!(t.lab.stored().await?.len(), 1);

    // Again, but the page is reloaded before the answer got through: the next page sends it.
    t.b.js(&format!(
        "localStorage.removeItem('hark:{}:s:nps')",
        t.lab.site.key
    ))
    .await?;
    t.visit("/").await?;
    t.wait_view("nps").await?;
    t.b.set_offline(true).await?;
    t.answer().await?;
    t.wait_status(&t.string("queued")).await?;
    // Back online, the collector answers 503 to everything until the reload.
    t.lab.fail_next(usize::MAX);
    let before = t.lab.posts();
    t.b.set_offline(false).await?;
    let started = Instant::now();
    while t.lab.posts() == before {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("no retry when back online");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    t.wait_status(&t.string("queued")).await?;
    t.lab.fail_next(0);
    t.visit("/").await?;
    t.none("answered (queued counts)").await?;
    let started = Instant::now();
    while t.outbox().await? != 0 {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the reloaded page did not send the waiting answer");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = t.lab.stored().await?;
    assert_eq!(stored.len(), 2, "{stored:?}");
    t.b.stop().await;
    Ok(())
}

/// The collector's database stops (as in a crash: `pg_ctl stop -m immediate`) while visitors
/// answer: the collector answers `503` with `Retry-After`, the widget says the answer is saved
/// and will be sent, and the outbox keeps it across a reload. Once the database is back, the
/// loader's own retries deliver every answer, each stored once.
async fn postgres_stopped_the_outbox_delivers_each_answer_once_when_it_is_back(
    widget: Widget,
) -> Result<()> {
    let cluster = postgres_server::Cluster::start().map_err(anyhow::Error::msg)?;
    let t = T::start_on(widget, &cluster).await?;
    t.lab.configure(
        nps_everywhere(),
        json!({"launcher": null, "cooldown_days": 0}),
    );
    t.visit("/").await?;
    t.wait_view("nps").await?;
    t.answer().await?;
    t.wait_status(&t.string("thanks")).await?;

    cluster.stop("immediate").map_err(anyhow::Error::msg)?;
    let posts = t.lab.posts();
    t.forget_nps().await?;
    t.visit("/").await?;
    t.wait_view("nps").await?;
    t.answer().await?;
    // The collector waits for its pool (5 s) before it says the database is away.
    t.wait_status(&t.string("queued")).await?;
    t.wait_outbox(1, Duration::from_secs(5)).await?;
    // Another page, another answer, while the first waits: both are kept, and the reload sent
    // the first again (a 503 again).
    t.forget_nps().await?;
    t.visit("/").await?;
    t.wait_view("nps").await?;
    t.answer().await?;
    t.wait_status(&t.string("queued")).await?;
    t.wait_outbox(2, Duration::from_secs(5)).await?;
    assert!(
        t.lab.posts() >= posts + 3,
        "the reload sent the waiting answer again"
    );

    // Back: the page's own backoff (after `Retry-After`) delivers both, with no reload.
    cluster.resume().map_err(anyhow::Error::msg)?;
    t.wait_status(&t.string("thanks")).await?;
    t.wait_outbox(0, Duration::from_secs(60)).await?;
    let stored = t.lab.stored().await?;
    assert_eq!(stored.len(), 3, "{stored:?}");
    let ids: std::collections::HashSet<&str> =
        stored.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "each answer once: {stored:?}");
    t.b.stop().await;
    Ok(())
}

async fn without_wasm_under_a_strict_csp_the_visitor_answers_in_the_hosted_page(
    widget: Widget,
) -> Result<()> {
    let t = T::start(widget).await?;
    t.lab.configure(nps_everywhere(), json!({"launcher": null}));
    t.b.client.goto(&format!("{}/?csp", t.lab.shop)).await?;
    let frame = t
        .b
        .wait_element(
            "the hosted page's frame",
            "const h = document.querySelector('hark-widget'); return h && h.shadowRoot && h.shadowRoot.querySelector('iframe')",
        )
        .await?;
    let src = t
        .b
        .js("return document.querySelector('hark-widget').shadowRoot.querySelector('iframe').src")
        .await?;
    assert_eq!(
        src,
        format!("{}/s/nps?site={}&lang=en", t.lab.front, t.lab.site.key)
    );
    let resources = t.resources().await?;
    assert!(
        !resources.iter().any(|r| r.contains("/assets/")),
        "{resources:?}"
    );

    frame.enter_frame().await?;
    t.b.wait_true(
        "the survey in the hosted page",
        "const h = document.querySelector('hark-widget'); return !!(h && h.hasAttribute('data-hosted') && h.shadowRoot.querySelector('[role=dialog]'))",
    )
    .await?;
    t.b.wait_true("a person's reading time", "return performance.now() > 1500")
        .await?;
    t.b.js(
        "const r = document.querySelector('hark-widget').shadowRoot; \
            [...r.querySelectorAll('[role=radio]')].find(b => b.textContent === '9').click(); \
            r.querySelector('.send').click()",
    )
    .await?;
    t.wait_status(&t.string("thanks")).await?;
    t.b.client.enter_parent_frame().await?;

    let errors = t.b.js("return window.harkErrors").await?;
    assert_eq!(errors, json!([]), "the host page logged uncaught errors");
    let stored = t.lab.stored().await?;
    assert_eq!(stored.len(), 1, "{stored:?}");
    t.b.stop().await;
    Ok(())
}

/// Each scenario against the stand-in widget and against the real one.
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod stub {
            $(
                #[tokio::test]
                async fn $name() -> anyhow::Result<()> {
                    super::$name(super::Widget::Stub).await
                }
            )*
        }
        mod real {
            $(
                #[tokio::test]
                async fn $name() -> anyhow::Result<()> {
                    super::$name(super::Widget::Real).await
                }
            )*
        }
    };
}

scenarios!(
    a_page_with_nothing_due_fetches_no_wasm_until_the_launcher_is_clicked,
    page_rules_match_exact_prefix_and_wildcard_paths_and_spa_routes,
    delay_scroll_event_and_exit_intent_triggers,
    sampling_and_start_and_end_dates,
    frequency_rules_hold_across_reloads,
    a_dismissal_and_the_site_cooldown_wait_out_their_days,
    a_server_failing_twice_gets_the_answer_once_and_the_widget_tells_the_truth,
    offline_then_online_delivers_exactly_once_also_across_a_reload,
    postgres_stopped_the_outbox_delivers_each_answer_once_when_it_is_back,
    without_wasm_under_a_strict_csp_the_visitor_answers_in_the_hosted_page,
);
