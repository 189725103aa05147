//! Closing the loop in a real browser: a customer files a complaint through the widget on the
//! shop page, with their address and consent; the thank-you step shows its reference and a link
//! to its status page, whose token the device keeps; a real SMTP server gets the "received" mail;
//! an agent replies in the dashboard and notes something internal; the status page shows the
//! reply but not the note; the customer replies there and the case waiting on them is open
//! again; the agent resolves it, the customer rates it 2 on the page and the case is reopened,
//! with the entries on its timeline. axe-core finds nothing on the page in English and Arabic.

#[path = "../../collector/tests/support/peers.rs"]
mod peers;
mod support;

use anyhow::{Context as _, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};
use support::{in_widget, Browser, System};

/// Types `text` on whatever has the focus.
async fn type_text(browser: &Browser, text: &str) -> Result<()> {
    let typing = KeyActions::new("keyboard".into());
    let typing = text.chars().fold(typing, |a, c| {
        a.then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c })
    });
    browser.client.perform_actions(typing).await?;
    Ok(())
}

async fn widget_click(browser: &Browser, selector: &str) -> Result<()> {
    browser
        .wait_element(
            selector,
            &in_widget(&format!("return root.querySelector({})", json!(selector))),
        )
        .await?
        .click()
        .await?;
    Ok(())
}

async fn case_view(system: &System, id: &str) -> Result<Value> {
    Ok(system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/complaints/{id}",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Sets the case's status on its dashboard page, as an agent does.
async fn set_status(browser: &Browser, status: &str, label: &str) -> Result<()> {
    browser
        .wait_true(
            &format!("the status {status} to choose"),
            &format!(
                "const s = document.querySelector('#case-status'); if (!s || ![...s.options].some(o => o.value === {v})) return false;
                 s.value = {v}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;",
                v = json!(status)
            ),
        )
        .await?;
    browser.click("button.set-status").await?;
    browser
        .wait_true(
            &format!("the case {label}"),
            &format!(
                "const b = document.querySelector('.badge.status'); return !!b && b.textContent === {}",
                json!(label)
            ),
        )
        .await
}

#[tokio::test]
async fn a_customer_follows_answers_and_rates_their_case_and_an_unhappy_rating_reopens_it(
) -> Result<()> {
    let smtp = peers::smtp_server();
    let smtp_url = smtp
        .as_ref()
        .map(|s| format!("smtp://127.0.0.1:{}", s.port));
    let system = System::start_with_mail(smtp_url.as_deref()).await?;
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

    // The customer reports a problem from the shop, with their address and consent.
    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;
    browser
        .wait_true(
            "the loader",
            "return typeof window.hark === 'function' && !window.hark.q",
        )
        .await?;
    browser.js("hark('open', 'complaint')").await?;
    let shown = std::time::Instant::now();
    widget_click(&browser, ".list > button:nth-child(1)").await?;
    widget_click(&browser, ".send").await?;
    widget_click(&browser, "textarea").await?;
    let text = "The parcel arrived broken";
    type_text(&browser, text).await?;
    widget_click(&browser, ".send").await?;
    widget_click(&browser, ".list > button:nth-child(2)").await?;
    widget_click(&browser, ".send").await?;
    widget_click(&browser, "input.email").await?;
    type_text(&browser, "kim@example.org").await?;
    widget_click(&browser, ".consent").await?;
    // A person takes a moment: answers within 800 ms of the widget showing count as a bot's.
    tokio::time::sleep(std::time::Duration::from_millis(1500).saturating_sub(shown.elapsed()))
        .await;
    widget_click(&browser, ".send").await?;

    // The thanks names the case and links to its page; the device keeps the page's token.
    browser
        .wait_true(
            "the reference and the link",
            &in_widget("return !!root.querySelector('.case a')"),
        )
        .await?;
    let shown = browser
        .js(&in_widget(
            "return [root.querySelector('.case strong').textContent, root.querySelector('.case a').href,
                     root.querySelector('.case a').textContent]",
        ))
        .await?;
    let reference = shown[0].as_str().context("the reference")?.to_owned();
    let status_url = shown[1].as_str().context("the link")?.to_owned();
    assert!(reference.starts_with("HK-"), "{shown}");
    assert_eq!(shown[2], "Follow your report");
    assert!(
        status_url.starts_with(&format!("{}/c/", system.collector)),
        "{status_url}"
    );
    let token = status_url.rsplit('/').next().unwrap_or_default().to_owned();
    let kept = browser
        .js(&format!(
            "return localStorage.getItem('hark:{}:cases')",
            system.site.key
        ))
        .await?;
    assert_eq!(kept, json!(format!("[\"{token}\"]")));

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
    let id = list["complaints"][0]["id"]
        .as_str()
        .context("the case")?
        .to_owned();
    if let Some(smtp) = &smtp {
        peers::wait_for_messages(smtp, 1).await;
        let mail = peers::decoded_messages(smtp);
        let received: Vec<&String> = mail
            .iter()
            .filter(|m| m.contains("To: kim@example.org"))
            .collect();
        assert_eq!(received.len(), 1, "{mail:?}");
        assert!(
            received[0].contains(&format!("Subject: We received your report {reference}")),
            "{}",
            received[0]
        );
        assert!(
            received[0].contains(&format!("{}/c/", system.collector)),
            "{}",
            received[0]
        );
    }

    // The link works: the page, with the report.
    browser.client.goto(&status_url).await?;
    browser
        .wait_true(
            "the status page",
            &format!(
                "return document.querySelector('h1').textContent.includes({})",
                json!(reference)
            ),
        )
        .await?;
    let page = browser.js("return document.body.innerText").await?;
    assert!(page.as_str().unwrap_or_default().contains(text), "{page}");

    // An agent replies publicly in the dashboard, notes something internal, and waits on the
    // customer.
    browser.sign_in(&system.collector, &system.owner).await?;
    browser
        .wait_true(
            "the inbox",
            "return !!document.querySelector('table.cases tbody tr')",
        )
        .await?;
    browser
        .client
        .goto(&format!("{}/dashboard/#/cases/{id}", system.collector))
        .await?;
    let reply = "Sorry! A new parcel is on its way. Which colour was it?";
    browser
        .wait_element(
            "the composer",
            "return document.querySelector('#composer-text')",
        )
        .await?
        .send_keys(reply)
        .await?;
    browser.click("button.reply").await?;
    browser
        .wait_true(
            "the public reply",
            "return !!document.querySelector('ol.timeline li[data-kind=public_reply]')",
        )
        .await?;
    let note = "Courier claim 4711, do not tell";
    browser
        .wait_element(
            "the composer",
            "return document.querySelector('#composer-text')",
        )
        .await?
        .send_keys(note)
        .await?;
    browser.click("button.note").await?;
    browser
        .wait_true(
            "the internal note",
            "return !!document.querySelector('ol.timeline li[data-kind=internal_note]')",
        )
        .await?;
    set_status(&browser, "in_progress", "In progress").await?;
    set_status(&browser, "waiting_on_customer", "Waiting on customer").await?;

    // The status page shows the reply, not the note; axe finds nothing.
    browser.client.goto(&status_url).await?;
    browser
        .wait_true(
            "the reply on the status page",
            &format!("return document.body.innerText.includes({})", json!(reply)),
        )
        .await?;
    let page = browser
        .js("return document.documentElement.outerHTML")
        .await?;
    let page = page.as_str().unwrap_or_default();
    assert!(!page.contains(note), "the note shows: {page}");
    assert!(!page.contains("<script"), "{page}");
    browser.axe("document", "the status page").await?;

    // The customer replies there, by keyboard: the case is open again.
    browser.click("textarea#body").await?;
    type_text(&browser, "It was blue").await?;
    browser
        .click("section[aria-labelledby=reply] button[type=submit]")
        .await?;
    browser
        .wait_true(
            "the reply's confirmation",
            "return !!document.querySelector('.note[role=status]')",
        )
        .await?;
    assert_eq!(
        case_view(&system, &id).await?["complaint"]["status"],
        "open"
    );

    // The agent resolves it; the customer rates it 2 on the page: reopened, on the timeline.
    browser
        .client
        .goto(&format!("{}/dashboard/#/cases/{id}", system.collector))
        .await?;
    set_status(&browser, "resolved", "Resolved").await?;
    browser.client.goto(&status_url).await?;
    browser
        .wait_true(
            "the rating form",
            "return !!document.querySelector('#rate')",
        )
        .await?;
    browser
        .axe("document", "the status page with the rating")
        .await?;
    browser
        .click("input[name='q.satisfaction'][value='2']")
        .await?;
    browser.click("input[name='q.effort'][value='3']").await?;
    browser.click("textarea[name='q.better']").await?;
    type_text(&browser, "It took a week").await?;
    browser
        .click("section[aria-labelledby=rate] button[type=submit]")
        .await?;
    browser
        .wait_true(
            "the page after the rating",
            "return !!document.querySelector('.note[role=status]') && !document.querySelector('#rate')",
        )
        .await?;
    let view = case_view(&system, &id).await?;
    assert_eq!(view["complaint"]["status"], "reopened", "{view}");
    let timeline = view["timeline"].as_array().context("the timeline")?;
    let rated = timeline
        .iter()
        .find(|e| e["kind"] == "rated")
        .context("a rated entry")?;
    assert_eq!(rated["body"], "It took a week");
    assert_eq!(rated["detail"], "satisfaction 2/5, effort 3/7");
    let last = timeline.last().context("an entry")?;
    assert_eq!(last["kind"], "status_changed");
    assert_eq!(last["detail"], "resolved → reopened");

    // In Arabic, right to left, and axe finds nothing there either.
    browser
        .client
        .goto(&format!("{status_url}?lang=ar"))
        .await?;
    browser
        .wait_true(
            "the page in Arabic",
            "return document.documentElement.lang === 'ar' && document.documentElement.dir === 'rtl'",
        )
        .await?;
    browser.axe("document", "the status page in Arabic").await?;
    browser.stop().await;
    Ok(())
}
