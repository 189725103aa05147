//! Service levels in a real browser: an admin sets the site's business hours (24×7, after a
//! refused time zone shows its message next to the field) and a P1 policy (after a refused
//! warning share) through the dashboard's pages; a visitor files a complaint through the widget
//! on the shop page; the inbox row and the case page show its hot marker and its first-response
//! countdown in the policy's minutes, and the inbox's SLA filter finds it. The webhooks page adds
//! an endpoint and shows its secret once. axe-core finds nothing on the business hours, SLA
//! policies, hot-stove rules and webhooks pages, nor on the inbox and the case page with their
//! SLA states.

mod support;

use anyhow::{Context as _, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};
use support::{in_widget, Browser, System};

/// Runs axe-core (WCAG 2.0/2.1 A and AA) on the whole dashboard page as it is now.
async fn axe(browser: &Browser, what: &str) -> Result<()> {
    browser.axe("document", what).await
}

/// Clicks the first element `selector` finds in the dashboard, once it is there.
async fn click(browser: &Browser, selector: &str) -> Result<()> {
    browser.click(selector).await
}

/// Types `value` into the field `selector` as a person replacing its text would (one `input`
/// event with the whole new value).
async fn fill(browser: &Browser, selector: &str, value: &str) -> Result<()> {
    browser
        .wait_true(
            &format!("the field {selector}"),
            &format!(
                "const f = document.querySelector({}); if (!f) return false;
                 f.value = {}; f.dispatchEvent(new Event('input', {{bubbles: true}})); return true;",
                json!(selector),
                json!(value)
            ),
        )
        .await
}

/// Waits until the element `selector` reads `expected`.
async fn wait_text(browser: &Browser, selector: &str, expected: &str) -> Result<()> {
    browser
        .wait_true(
            &format!("{selector} to read {expected:?}"),
            &format!(
                "const e = document.querySelector({}); return !!e && e.textContent === {}",
                json!(selector),
                json!(expected)
            ),
        )
        .await
}

/// Follows the Settings page's link to `hash`, and waits for `ready` on the page it opens.
async fn settings_page(browser: &Browser, hash: &str, ready: &str) -> Result<()> {
    click(browser, "nav a[href='#/settings']").await?;
    click(browser, &format!("nav.settings-pages a[href='{hash}']")).await?;
    browser
        .wait_true(
            &format!("the page {hash}"),
            &format!(
                "return location.hash === {} && !!document.querySelector({}) && !document.querySelector('[role=status].loading')",
                json!(hash),
                json!(ready)
            ),
        )
        .await
}

/// The site's settings document `rest` (`business-hours`, …) as the admin API has it.
async fn document(system: &System, rest: &str) -> Result<Value> {
    Ok(system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/{rest}",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Files `description` as a Billing problem of impact 3 through the widget on the shop page.
async fn file_complaint(browser: &Browser, system: &System, description: &str) -> Result<()> {
    browser.client.goto(&format!("{}/", system.shop)).await?;
    browser
        .wait_true(
            "the loader",
            "return typeof window.hark === 'function' && !window.hark.q",
        )
        .await?;
    browser.js("hark('open', 'complaint')").await?;
    let widget_click = |selector: &'static str| async move {
        browser
            .wait_element(
                selector,
                &in_widget(&format!("return root.querySelector({})", json!(selector))),
            )
            .await?
            .click()
            .await?;
        anyhow::Ok(())
    };
    let shown = std::time::Instant::now();
    // Billing, the third category.
    widget_click(".list > button:nth-child(3)").await?;
    widget_click(".send").await?;
    widget_click("textarea").await?;
    let typing = description
        .chars()
        .fold(KeyActions::new("keyboard".into()), |a, c| {
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
        .await
}

/// What the first-response clock of a P1 case reads with the policy's 150 minutes: counted in
/// whole business minutes, so one may have passed by the time it shows.
const FRESH: [&str; 2] = ["2 h 30 min left", "2 h 29 min left"];

#[tokio::test]
async fn a_complaint_shows_the_countdown_of_the_policy_set_in_the_dashboard() -> Result<()> {
    let system = System::start().await?;
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
    browser.sign_in(&system.collector, &system.owner).await?;
    browser
        .wait_true(
            "the inbox",
            "return !!document.querySelector('nav a[aria-current=page]')",
        )
        .await?;

    // Business hours: a time zone that does not exist is refused next to its field, and
    // nothing typed is lost; then 24×7, so that the clocks run whenever this test does.
    settings_page(&browser, "#/settings/hours", "#always-open").await?;
    axe(&browser, "the business hours page").await?;
    fill(&browser, "#time-zone", "Mars/Olympus_Mons").await?;
    click(&browser, "#always-open").await?;
    click(&browser, "button.save-hours").await?;
    let refused = browser.text("#time-zone-error").await?;
    assert!(refused.contains("is not an IANA time zone"), "{refused}");
    let field = browser
        .js("const f = document.querySelector('#time-zone'); return [f.value, f.getAttribute('aria-invalid'), document.querySelector('#always-open').checked]")
        .await?;
    assert_eq!(field, json!(["Mars/Olympus_Mons", "true", true]));
    axe(&browser, "the business hours page with a refusal").await?;
    fill(&browser, "#time-zone", "Europe/Berlin").await?;
    click(&browser, "button.save-hours").await?;
    wait_text(&browser, "form.hours .notice", "Business hours saved").await?;
    assert!(browser
        .js("return !document.querySelector('#time-zone-error')")
        .await?
        .as_bool()
        .unwrap());
    let hours = document(&system, "business-hours").await?;
    assert_eq!(hours["time_zone"], "Europe/Berlin", "{hours}");
    assert_eq!(hours["always_open"], true, "{hours}");

    // P1: 150 minutes to the first response; a warning share of 100 % is refused first.
    settings_page(&browser, "#/settings/sla", "#p1-first-response").await?;
    axe(&browser, "the SLA policies page").await?;
    fill(&browser, "#p1-first-response", "150").await?;
    wait_text(&browser, "#p1-first-response-hint", "2 h 30 min").await?;
    fill(&browser, "#p1-resolution", "600").await?;
    fill(&browser, "#p1-warn", "100").await?;
    click(&browser, "button.save-policies").await?;
    let refused = browser.text("#p1-warn-error").await?;
    assert!(refused.contains("1 to 99 %"), "{refused}");
    fill(&browser, "#p1-warn", "75").await?;
    click(&browser, "button.save-policies").await?;
    wait_text(&browser, "form.policies .notice", "SLA policies saved").await?;
    let policies = document(&system, "sla-policies").await?;
    assert_eq!(
        policies["policies"][0],
        json!({"priority": "P1", "first_response": 150, "next_response": 60, "resolution": 600,
               "warn_at_percent": 75,
               "escalation": [{"after_minutes": 0, "actions": [{"action": "notify", "to": "admins"}]}]}),
        "{policies}"
    );

    // The hot-stove rules: the default rule, its phrases one a line.
    settings_page(
        &browser,
        "#/settings/hot-stove",
        "section.hot-rule textarea",
    )
    .await?;
    let phrases = browser
        .js("return document.querySelector('section.hot-rule textarea').value.split('\\n')")
        .await?;
    assert!(
        phrases
            .as_array()
            .unwrap()
            .contains(&json!("charged twice")),
        "{phrases}"
    );
    axe(&browser, "the hot-stove rules page").await?;

    // "Charged twice" is one of the default rule's phrases: the case is hot, so P1.
    let description = "I was charged twice for my order";
    file_complaint(&browser, &system, description).await?;

    // The inbox: the row is marked hot and counts down from the policy's 150 minutes.
    browser
        .client
        .goto(&format!("{}/dashboard/#/inbox", system.collector))
        .await?;
    let row = "table.cases tbody tr";
    browser
        .wait_true(
            "the complaint in the inbox",
            &format!(
                "const td = document.querySelector('{row} td.excerpt'); return !!td && td.textContent.includes({})",
                json!(description)
            ),
        )
        .await?;
    let shown = browser
        .js(&format!(
            "const tr = document.querySelector('{row}');
             return [tr.classList.contains('hot'), tr.querySelector('td.reference .badge.hot').textContent,
                     tr.querySelector('.priority').textContent, tr.querySelector('td.sla .badge.sla').dataset.state,
                     tr.querySelector('td.sla .badge.sla').textContent, tr.querySelector('td.sla .sla-target').textContent]"
        ))
        .await?;
    assert_eq!(
        shown,
        json!([
            true,
            "▲ Hot",
            "P1",
            "on_track",
            "On track",
            "First response"
        ])
    );
    let left = browser.text(&format!("{row} td.sla .sla-left")).await?;
    assert!(FRESH.contains(&left.as_str()), "{left}");
    axe(&browser, "the inbox with SLA states").await?;

    // The SLA filter: nothing is breached; on track finds it again.
    click(&browser, "#filter-sla-breached").await?;
    wait_text(
        &browser,
        "div.inbox p.empty",
        "No complaints match these filters.",
    )
    .await?;
    click(&browser, "#filter-sla-on_track").await?;
    browser
        .wait_true(
            "the case back in the list",
            &format!("return document.querySelectorAll('{row}').length === 1"),
        )
        .await?;

    // The case page: the hot marker and each clock, the first response due 150 business
    // minutes (here: wall-clock minutes) after it came in, shown in the viewer's time.
    click(&browser, &format!("{row} td.reference a")).await?;
    let clock = ".sla-panel li.clock[data-target=first_response]";
    let left = browser.text(&format!("{clock} .left")).await?;
    assert!(FRESH.contains(&left.as_str()), "{left}");
    assert_eq!(
        browser.text(&format!("{clock} .badge.sla")).await?,
        "On track"
    );
    let resolution = browser
        .text(".sla-panel li.clock[data-target=resolution] .left")
        .await?;
    assert!(
        ["10 h left", "9 h 59 min left"].contains(&resolution.as_str()),
        "{resolution}"
    );
    assert_eq!(browser.text(".case-head .badge.hot").await?, "▲ Hot");
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
    let first = list["complaints"][0]["sla"]
        .as_array()
        .context("the case's clocks")?
        .iter()
        .find(|c| c["target"] == "first_response")
        .context("a first-response clock")?
        .clone();
    let due_at = first["due_at"].as_i64().context("a due time")?;
    let shown = browser
        .js(&format!(
            "const t = document.querySelector('{clock} .due time');
             const d = new Date({due_at});
             const p = n => String(n).padStart(2, '0');
             return [t.getAttribute('datetime') === d.toISOString(),
                     t.textContent.startsWith(d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes()))]"
        ))
        .await?;
    assert_eq!(shown, json!([true, true]));
    axe(&browser, "the case page with its clocks").await?;

    // Webhooks: a new endpoint's secret shows once; the list never shows it again.
    settings_page(&browser, "#/settings/webhooks", "#new-webhook-url").await?;
    axe(&browser, "the webhooks page").await?;
    fill(
        &browser,
        "#new-webhook-url",
        "https://hooks.example.com/hark",
    )
    .await?;
    click(&browser, "#new-webhook-complaint-hot_stove").await?;
    click(&browser, "#new-webhook-sla-breached").await?;
    click(&browser, "button.add-webhook").await?;
    browser
        .wait_true(
            "the secret",
            "const s = document.querySelector('#webhook-secret'); return !!s && s.value.startsWith('whsec_')",
        )
        .await?;
    browser
        .wait_true(
            "the endpoint listed",
            "return !!document.querySelector('table.webhooks tbody tr td.url')",
        )
        .await?;
    assert_eq!(
        browser.text("table.webhooks td.events").await?,
        "complaint.hot_stove, sla.breached"
    );
    assert_eq!(browser.text("table.webhooks .webhook-state").await?, "On");
    axe(&browser, "the webhooks page with a new secret").await?;
    click(&browser, "button.secret-done").await?;
    click(&browser, "table.webhooks button.deliveries").await?;
    // It came after the complaint: nothing was delivered to it.
    wait_text(&browser, ".delivery-log p.empty", "Nothing delivered yet.").await?;
    axe(&browser, "the webhooks page with a delivery log").await?;
    click(&browser, "table.webhooks button.toggle").await?;
    wait_text(
        &browser,
        "table.webhooks .webhook-state",
        "Off: switched off by an admin",
    )
    .await?;
    let hooks = document(&system, "webhooks").await?;
    assert_eq!(hooks["webhooks"][0]["enabled"], false, "{hooks}");
    assert!(hooks["webhooks"][0].get("secret").is_none(), "{hooks}");
    browser.stop().await;
    Ok(())
}
