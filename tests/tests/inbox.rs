//! A complaint's whole way in a real browser: a visitor files it through the widget on the shop
//! page; it is a hot stove ("charged twice"), so a real SMTP server gets the alert mail and a
//! webhook receiver a `complaint.hot_stove` the Standard Webhooks reference library verifies;
//! an admin finds it in the dashboard's inbox by keyboard, opens its case page, assigns it,
//! replies, notes and resolves it; axe-core finds nothing on the inbox, case, problems and
//! settings pages; an owner shares a case with the product team, whose mailbox gets it.

#[path = "../../collector/tests/support/peers.rs"]
mod peers;
mod support;

use anyhow::{bail, Context as _, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};
use support::{in_widget, Browser, System};

const ENTER: char = '\u{E007}';

/// Runs axe-core (WCAG 2.0/2.1 A and AA) on the whole dashboard page as it is now.
async fn axe(browser: &Browser, what: &str) -> Result<()> {
    browser.axe("document", what).await
}

/// Clicks the first element `selector` finds in the dashboard.
async fn click(browser: &Browser, selector: &str) -> Result<()> {
    browser.click(selector).await
}

/// The timeline entries' kinds on the case page, in order.
async fn kinds(browser: &Browser) -> Result<Vec<String>> {
    let v = browser
        .js("return [...document.querySelectorAll('ol.timeline li')].map(li => li.dataset.kind)")
        .await?;
    Ok(serde_json::from_value(v)?)
}

async fn wait_kind(browser: &Browser, kind: &str) -> Result<()> {
    browser
        .wait_true(
            &format!("a {kind} entry on the timeline"),
            &format!("return !!document.querySelector('ol.timeline li[data-kind={kind}]')"),
        )
        .await
}

#[tokio::test]
async fn a_complaint_from_the_shop_is_worked_to_resolution_in_the_dashboard() -> Result<()> {
    let smtp = peers::smtp_server();
    let smtp_url = smtp
        .as_ref()
        .map(|s| format!("smtp://127.0.0.1:{}", s.port));
    let system = System::start_with_mail(smtp_url.as_deref()).await?;
    // An admin, who is alerted.
    let admin = system
        .store
        .create_user("ops@example.com", "unused", 0)
        .await?;
    system
        .store
        .set_membership(admin, &system.site.key, collector::access::Role::Admin, 0)
        .await?;
    // A webhook receiver.
    let hooks: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>> =
        Default::default();
    let seen = hooks.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let endpoint: Value = system
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{}/webhooks",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .json(&json!({"url": hook_url, "events": ["complaint.hot_stove"]}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let secret = endpoint["secret"]
        .as_str()
        .context("the secret")?
        .to_owned();
    // An agent to give the case to.
    let agent = system
        .store
        .create_user("sam@example.com", "unused", 0)
        .await?;
    system
        .store
        .set_membership(agent, &system.site.key, collector::access::Role::Agent, 0)
        .await?;
    // Only the complaint: the default survey is archived.
    let archived = system
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{}/surveys/nps/status",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .json(&json!({"status": "archived"}))
        .send()
        .await?;
    assert!(archived.status().is_success());

    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;
    browser
        .wait_true(
            "the loader",
            "return typeof window.hark === 'function' && !window.hark.q",
        )
        .await?;
    browser.js("hark('open', 'complaint')").await?;
    let widget_click = |selector: &'static str| {
        let browser = &browser;
        async move {
            browser
                .wait_element(
                    selector,
                    &in_widget(&format!("return root.querySelector({})", json!(selector))),
                )
                .await?
                .click()
                .await?;
            anyhow::Ok(())
        }
    };
    let shown = std::time::Instant::now();
    // Billing, the third category.
    widget_click(".list > button:nth-child(3)").await?;
    widget_click(".send").await?;
    widget_click("textarea").await?;
    let text = "I was charged twice for my order";
    let typing = KeyActions::new("keyboard".into());
    let typing = text.chars().fold(typing, |a, c| {
        a.then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c })
    });
    browser.client.perform_actions(typing).await?;
    widget_click(".send").await?;
    widget_click(".list > button:nth-child(3)").await?;
    widget_click(".send").await?;
    // A person takes a moment: answers within 800 ms of the widget showing count as a bot's.
    tokio::time::sleep(std::time::Duration::from_millis(1500).saturating_sub(shown.elapsed()))
        .await;
    browser
        .wait_element(
            "the contact step",
            &in_widget("return root.querySelector('input.email')"),
        )
        .await?;
    widget_click(".send").await?;
    browser
        .wait_true(
            "the report's thanks",
            &in_widget("const p = root.querySelector('[role=status] p'); return !!p && p.textContent.startsWith('Thank you')"),
        )
        .await?;

    // The alert, at once: the webhook, verified by the reference library, and the admin's mail.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (headers, body) = loop {
        if let Some(got) = hooks.lock().unwrap().first().cloned() {
            break got;
        }
        if std::time::Instant::now() > deadline {
            bail!("no hot-stove webhook within 20 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    let header = |n: &str| headers[n].to_str().unwrap_or_default().to_owned();
    peers::verified_by_the_reference_library(
        &secret,
        &header("webhook-id"),
        &header("webhook-timestamp"),
        &header("webhook-signature"),
        &body,
    )
    .map_err(anyhow::Error::msg)?;
    let event: Value = serde_json::from_str(&body)?;
    assert_eq!(event["type"], "complaint.hot_stove", "{event}");
    assert_eq!(event["data"]["complaint"]["priority"], "P1", "{event}");
    assert_eq!(event["data"]["complaint"]["description"], text, "{event}");
    if let Some(smtp) = &smtp {
        let mail = peers::wait_for_messages(smtp, 1).await;
        let alert = peers::to(&mail, "ops@example.com");
        assert_eq!(alert.len(), 1, "{mail:?}");
        assert!(alert[0].contains("Subject: Hot stove:"), "{}", alert[0]);
        assert!(alert[0].contains(text), "{}", alert[0]);
    }

    // The dashboard, signed in with the owner's token, opens on the inbox.
    browser.sign_in(&system.collector, &system.owner).await?;
    browser
        .wait_true(
            "the complaint in the inbox",
            &format!(
                "return [...document.querySelectorAll('table.cases tbody tr td.excerpt')].some(td => td.textContent.includes({}))",
                json!(text)
            ),
        )
        .await?;
    axe(&browser, "the inbox").await?;

    // By keyboard: j selects the first case, Enter opens it.
    browser
        .js("document.activeElement && document.activeElement.blur()")
        .await?;
    browser.press(&['j', ENTER]).await?;
    browser
        .wait_true(
            "the case page",
            &format!(
                "const w = document.querySelector('article.case .words'); return !!w && w.textContent === {}",
                json!(text)
            ),
        )
        .await?;
    assert_eq!(kinds(&browser).await?[0], "received");
    axe(&browser, "the case page").await?;

    // Assign it to Sam, reply, note, resolve.
    browser.choose("#case-assignee", &agent.to_string()).await?;
    click(&browser, "button.assign").await?;
    browser
        .wait_true(
            "Sam as the assignee",
            "const a = document.querySelector('.current.assignee'); return !!a && a.textContent.includes('sam@example.com')",
        )
        .await?;
    let composer = browser
        .wait_element(
            "the composer",
            "return document.querySelector('#composer-text')",
        )
        .await?;
    composer
        .send_keys("Sorry! The second charge is refunded.")
        .await?;
    click(&browser, "button.reply").await?;
    wait_kind(&browser, "public_reply").await?;
    let composer = browser
        .wait_element(
            "the composer",
            "return document.querySelector('#composer-text')",
        )
        .await?;
    composer.send_keys("Refund 4711 at the PSP").await?;
    click(&browser, "button.note").await?;
    wait_kind(&browser, "internal_note").await?;
    browser.choose("#case-status", "resolved").await?;
    click(&browser, "button.set-status").await?;
    browser
        .wait_true(
            "the case resolved",
            "const b = document.querySelector('.badge.status'); return !!b && b.textContent === 'Resolved'",
        )
        .await?;
    axe(&browser, "the resolved case").await?;

    // The problems and settings pages.
    click(&browser, "nav a[href='#/problems']").await?;
    browser
        .wait_true(
            "the problems page",
            "return location.hash === '#/problems' && !document.querySelector('[role=status].loading')",
        )
        .await?;
    axe(&browser, "the problems page").await?;
    click(&browser, "nav a[href='#/settings']").await?;
    browser
        .wait_true(
            "the settings page",
            "return location.hash === '#/settings' && !!document.querySelector('select')",
        )
        .await?;
    axe(&browser, "the settings page").await?;

    // The collector has it all, in order, with who did it.
    let list: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/complaints",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.token)
        .send()
        .await?
        .json()
        .await?;
    let case = &list["complaints"][0];
    assert_eq!(case["status"], "resolved");
    assert_eq!(case["category"], "Billing");
    assert_eq!(case["assignee"]["email"], "sam@example.com");
    let view: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/complaints/{}",
            system.collector,
            system.site.key,
            case["id"].as_str().unwrap()
        ))
        .bearer_auth(&system.token)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(view["complaint"]["priority"], "P1", "{view}");
    assert_eq!(view["complaint"]["hot"], true, "{view}");
    let entries: Vec<(String, String)> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["actor"]["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |k: &str, a: &str| (k.to_owned(), a.to_owned());
    assert_eq!(
        entries,
        [
            expect("received", "customer"),
            expect("prioritized", "rule"),
            // "charged twice" is one of the default hot-stove phrases.
            expect("hot_stove", "rule"),
            expect("assigned", "token"),
            expect("status_changed", "system"),
            expect("public_reply", "token"),
            expect("internal_note", "token"),
            expect("status_changed", "token"),
        ]
    );
    browser.stop().await;
    Ok(())
}

/// An agent logs a complaint a customer made by chat, from the inbox: the form's channel,
/// category and words become a case worked like the widget's, and its page says who logged it
/// and from where. axe-core finds nothing on the form.
#[tokio::test]
async fn the_team_logs_a_complaint_from_a_chat_in_the_inbox() -> Result<()> {
    let system = System::start().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&system.collector, &system.owner).await?;
    click(&browser, ".page-head a[href='#/inbox/new']").await?;
    browser
        .wait_true(
            "the form, with the site's categories",
            "return !!document.querySelector('form[aria-label=\"Log a complaint\"] select[name=category] option[value=Billing]')",
        )
        .await?;
    axe(&browser, "the form to log a complaint").await?;
    browser.choose("select[name=channel]", "chat").await?;
    browser.choose("select[name=category]", "Billing").await?;
    // Typed, as a keyboard does.
    browser
        .wait_element(
            "the description",
            "return document.querySelector('textarea[name=description]')",
        )
        .await?
        .send_keys("Asked in the chat why the invoice shows a fee twice")
        .await?;
    browser
        .wait_element(
            "the source",
            "return document.querySelector('input[name=source_url]')",
        )
        .await?
        .send_keys("https://chat.example/t/77")
        .await?;
    click(
        &browser,
        "form[aria-label=\"Log a complaint\"] button[type=submit]",
    )
    .await?;
    browser
        .wait_true(
            "the new case's page",
            "return location.hash.startsWith('#/cases/') && !!document.querySelector('ol.timeline li[data-kind=received]')",
        )
        .await?;
    let received = browser
        .text("ol.timeline li[data-kind=received] .detail")
        .await?;
    assert_eq!(received, "logged by the team from chat");
    let facts = browser.text("dl.facts").await?;
    assert!(
        facts.contains("chat")
            && facts.contains("https://chat.example/t/77")
            && facts.contains("Billing"),
        "{facts}"
    );
    let stored = system
        .store
        .complaints_page(&system.site.key, None, 10)
        .await?;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].channel, "chat");
    browser.stop().await;
    Ok(())
}

/// Issue 16's live inbox: an agent, signed in with their password, logs a phone call in one
/// browser; the case appears in a second browser's inbox without a reload, announced to screen
/// readers, with the first-response target of its priority's SLA policy; its timeline names
/// the agent and the channel.
#[tokio::test]
async fn a_call_logged_in_one_browser_appears_in_anothers_inbox_by_itself() -> Result<()> {
    let system = System::start().await?;
    let admin = |path: &str| {
        format!(
            "{}/api/v1/admin/sites/{}{path}",
            system.collector, system.site.key
        )
    };
    // Round the clock, and a different first-response target for each priority.
    system
        .http
        .put(admin("/business-hours"))
        .bearer_auth(&system.owner)
        .json(&json!({"time_zone": "UTC", "always_open": true}))
        .send()
        .await?
        .error_for_status()?;
    let targets = [("P1", 30), ("P2", 60), ("P3", 240), ("P4", 480)];
    let policies: Vec<Value> = targets
        .iter()
        .map(|(p, minutes)| json!({"priority": p, "first_response": minutes, "resolution": minutes * 10}))
        .collect();
    system
        .http
        .put(admin("/sla-policies"))
        .bearer_auth(&system.owner)
        .json(&json!({ "policies": policies }))
        .send()
        .await?
        .error_for_status()?;
    let password = "correct horse battery staple";
    let hash = collector::accounts::Password::new(password.into())
        .map_err(anyhow::Error::msg)?
        .hash()
        .map_err(anyhow::Error::msg)?;
    let ann = system
        .store
        .create_user("ann@northwind.test", &hash, 0)
        .await?;
    system
        .store
        .set_membership(ann, &system.site.key, collector::access::Role::Agent, 0)
        .await?;

    // The second browser watches the inbox (a viewer's token), marked to tell a reload.
    let watcher = Browser::start().await?;
    watcher.sign_in(&system.collector, &system.token).await?;
    watcher
        .wait_true(
            "the empty inbox",
            "return !!document.querySelector('.inbox') && document.querySelector('.inbox').getAttribute('aria-busy') === 'false'",
        )
        .await?;
    watcher
        .js("window.harkNotReloaded = true; return null")
        .await?;

    let agent = Browser::start().await?;
    agent
        .client
        .goto(&format!("{}/dashboard/", system.collector))
        .await?;
    agent
        .wait_element(
            "the e-mail field",
            "return document.querySelector('#email')",
        )
        .await?
        .send_keys("ann@northwind.test")
        .await?;
    agent
        .wait_element(
            "the password field",
            "return document.querySelector('#password')",
        )
        .await?
        .send_keys(password)
        .await?;
    agent.click("button[type=submit]").await?;
    click(&agent, ".page-head a[href='#/inbox/new']").await?;
    agent
        .wait_true(
            "the form, with the site's categories",
            "return !!document.querySelector('form[aria-label=\"Log a complaint\"] select[name=category] option[value=Billing]')",
        )
        .await?;
    agent.choose("select[name=channel]", "phone").await?;
    agent.choose("select[name=category]", "Billing").await?;
    agent
        .wait_element(
            "the description",
            "return document.querySelector('textarea[name=description]')",
        )
        .await?
        .send_keys("Called: the invoice shows the delivery fee twice")
        .await?;
    click(
        &agent,
        "form[aria-label=\"Log a complaint\"] button[type=submit]",
    )
    .await?;
    agent
        .wait_true(
            "the new case's page",
            "return location.hash.startsWith('#/cases/') && !!document.querySelector('ol.timeline li[data-kind=received]')",
        )
        .await?;
    let received = agent.text("ol.timeline li[data-kind=received]").await?;
    assert!(
        received.contains("ann@northwind.test")
            && received.contains("logged by the team from phone"),
        "{received}"
    );
    let id = agent
        .js("return location.hash.slice('#/cases/'.length)")
        .await?
        .as_str()
        .context("the case's id")?
        .to_owned();

    // In the other browser, by itself.
    watcher
        .wait_true(
            "the logged call in the watching inbox",
            &format!("return !!document.querySelector(\"a[data-case='{id}']\")"),
        )
        .await?;
    assert_eq!(
        watcher.js("return window.harkNotReloaded === true").await?,
        json!(true),
        "the inbox was not reloaded"
    );
    let case: Value = system
        .http
        .get(admin(&format!("/complaints/{id}")))
        .bearer_auth(&system.owner)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let priority = case["complaint"]["priority"]
        .as_str()
        .context("a priority")?;
    let reference = case["complaint"]["reference"]
        .as_str()
        .context("a reference")?;
    let minutes = targets
        .iter()
        .find(|(p, _)| *p == priority)
        .map(|(_, m)| *m)
        .context("a policy for the priority")?;
    let first = case["complaint"]["sla"]
        .as_array()
        .and_then(|clocks| clocks.iter().find(|c| c["target"] == "first_response"))
        .context("a first-response clock")?;
    let target =
        first["used_minutes"].as_i64().unwrap_or(-1) + first["left_minutes"].as_i64().unwrap_or(-1);
    assert_eq!(target, minutes, "{priority}: {first}");
    let row = format!("a[data-case='{id}']");
    let sla = watcher
        .js(&format!(
            "return document.querySelector(\"{row}\").closest('tr').querySelector('td.sla').textContent"
        ))
        .await?;
    let sla = sla.as_str().unwrap_or_default();
    assert!(sla.contains("First response"), "{sla}");
    let announced = watcher
        .js("return document.querySelector('[role=status][aria-live=polite]').textContent")
        .await?;
    assert_eq!(announced, json!(format!("New case {reference}")));
    axe(&watcher, "the inbox with a live case").await?;
    agent.stop().await;
    watcher.stop().await;
    Ok(())
}

/// Issue 16's sharing, as the team does it: an owner names the product team as a destination
/// on the sharing page, then shares a case with them from its page, with a note. The
/// product team's mailbox (a real SMTP server) gets the summary with the note and a link to the
/// case, and the timeline says who shared it with whom. axe-core finds nothing on the sharing
/// page or on the case page with the form open.
#[tokio::test]
async fn a_case_is_shared_with_the_product_team_from_its_page() -> Result<()> {
    let Some(smtp) = peers::smtp_server() else {
        bail!("no SMTP server to share with: run `cargo xtask setup`");
    };
    let smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
    let system = System::start_with_mail(Some(&smtp_url)).await?;
    let logged: Value = system
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{}/complaints",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .json(&json!({"channel": "phone", "category": "Billing",
            "description": "Called: the coupon field rejects every code"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = logged["id"].as_str().context("the case's id")?.to_owned();

    let browser = Browser::start().await?;
    browser.sign_in(&system.collector, &system.owner).await?;
    browser
        .client
        .goto(&format!(
            "{}/dashboard/#/settings/sharing",
            system.collector
        ))
        .await?;
    browser
        .wait_true(
            "the sharing page, with no destination yet",
            "return !!document.querySelector('form.share-destinations p.empty')",
        )
        .await?;
    click(&browser, "button.add-destination").await?;
    browser
        .wait_element(
            "the new destination's name",
            "return document.querySelector('fieldset.destination input.destination-name')",
        )
        .await?
        .send_keys("Product team")
        .await?;
    browser
        .wait_element(
            "its address",
            "return document.querySelector('fieldset.destination input.destination-email')",
        )
        .await?
        .send_keys("product@northwind.test")
        .await?;
    click(&browser, "button.save-destinations").await?;
    browser
        .wait_true(
            "the destinations saved",
            "return document.querySelector('form.share-destinations .notice')?.textContent === 'Share destinations saved'",
        )
        .await?;
    axe(&browser, "the sharing page").await?;

    browser
        .client
        .goto(&format!("{}/dashboard/#/cases/{id}", system.collector))
        .await?;
    click(&browser, ".share-panel button.share-toggle").await?;
    browser
        .wait_true(
            "the share form with the destination",
            "return !!document.querySelector('select#case-share-destination option[value=\"Product team\"]')",
        )
        .await?;
    browser
        .wait_element(
            "the note",
            "return document.querySelector('textarea#case-share-note')",
        )
        .await?
        .send_keys("Third call this week about coupons")
        .await?;
    axe(&browser, "the case page with the share form open").await?;
    click(&browser, "button.share-send").await?;
    browser
        .wait_true(
            "the share said and on the timeline",
            "return document.querySelector('.share-panel .notice')?.textContent === 'Shared with Product team'
                && [...document.querySelectorAll('ol.timeline li')].some(li => li.textContent.includes('shared with Product team'))",
        )
        .await?;
    let entry = browser
        .js("return [...document.querySelectorAll('ol.timeline li')].find(li => li.textContent.includes('shared with Product team')).textContent")
        .await?;
    let entry = entry.as_str().unwrap_or_default();
    assert!(
        entry.contains("Third call this week about coupons"),
        "{entry}"
    );

    peers::wait_for_messages(&smtp, 1).await;
    let decoded = peers::decoded_messages(&smtp);
    let shared = peers::to(&decoded, "product@northwind.test");
    assert_eq!(shared.len(), 1, "{decoded:?}");
    let summary = shared[0];
    assert!(
        summary.contains("Subject: Shared with Product team"),
        "{summary}"
    );
    for part in [
        "Third call this week about coupons",
        "the coupon field rejects every code",
        &format!("/dashboard/#/cases/{id}"),
    ] {
        assert!(summary.contains(part), "{part} in {summary}");
    }
    browser.stop().await;
    Ok(())
}

/// The open live event streams, as `/metrics` counts them.
async fn open_streams(system: &System) -> Result<u64> {
    let text = system
        .http
        .get(format!("{}/metrics", system.collector))
        .send()
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix("hark_event_streams "))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("no hark_event_streams in {text}"))
}

async fn wait_streams(system: &System, wanted: u64, why: &str) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        let open = open_streams(system).await?;
        if open == wanted {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < std::time::Duration::from_secs(40),
            "{why}: {open} event streams open, not {wanted}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A dashboard the browser keeps in its back/forward cache gives its live stream back (kept
/// open, it would hold one of the six connections a browser opens to the collector, and a
/// dashboard opened later would wait for one), and takes it up again when shown, missing
/// nothing that happened meanwhile.
#[tokio::test]
async fn a_dashboard_left_for_another_page_gives_its_stream_back_and_resumes_it() -> Result<()> {
    let system = System::start().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&system.collector, &system.token).await?;
    browser
        .wait_true(
            "the empty inbox",
            "return !!document.querySelector('.inbox') && document.querySelector('.inbox').getAttribute('aria-busy') === 'false'",
        )
        .await?;
    wait_streams(&system, 1, "the inbox open").await?;
    browser.js("window.harkKept = true; return null").await?;

    // Another page; the dashboard goes into the back/forward cache.
    browser
        .client
        .goto(&format!("{}/healthz", system.collector))
        .await?;
    wait_streams(&system, 0, "the dashboard in the back/forward cache").await?;
    // A call is logged meanwhile.
    system
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{}/complaints",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .json(&json!({"channel": "phone", "description": "Called while the tab was away"}))
        .send()
        .await?
        .error_for_status()?;

    browser.client.back().await?;
    browser
        .wait_true(
            "the call in the inbox, read by itself",
            "return [...document.querySelectorAll('table.cases tbody tr')].some(r => r.textContent.includes('Called while the tab was away'))",
        )
        .await?;
    assert_eq!(
        browser.js("return window.harkKept === true").await?,
        json!(true),
        "the page was loaded again rather than shown from the cache"
    );
    wait_streams(&system, 1, "the dashboard shown again").await?;
    browser.stop().await;
    Ok(())
}
