//! The widget end to end, in headless Chromium: every question type answered by keyboard alone
//! on the example shop page and checked by axe-core at each step, a complaint reported by mouse,
//! and an Arabic survey on the hosted page, right to left (its screenshot kept as an artifact).
//! Each answer is checked where it lands: the collector's admin API.

mod support;

use anyhow::{bail, Context as _, Result};
use serde_json::{json, Value};
use support::{in_widget, Browser, System};

/// WebDriver's codes for the keys a keyboard user presses here.
const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const ESCAPE: char = '\u{E00C}';
const SPACE: char = '\u{E00D}';
const END: char = '\u{E010}';
const LEFT: char = '\u{E012}';
const RIGHT: char = '\u{E014}';
const DOWN: char = '\u{E015}';

async fn type_text(browser: &Browser, text: &str) -> Result<()> {
    browser.press(&text.chars().collect::<Vec<_>>()).await
}

/// Sets the site up through the admin API: `survey` created and activated, the default survey
/// archived.
async fn only_survey(system: &System, survey: &Value) -> Result<()> {
    let base = format!(
        "{}/api/v1/admin/sites/{}/surveys",
        system.collector, system.site.key
    );
    let created = system
        .http
        .post(&base)
        .bearer_auth(&system.owner)
        .json(survey)
        .send()
        .await?;
    if !created.status().is_success() {
        bail!(
            "creating the survey: {} {}",
            created.status(),
            created.text().await?
        );
    }
    for (id, status) in [
        (survey["id"].as_str().unwrap(), "active"),
        ("nps", "archived"),
    ] {
        system
            .http
            .post(format!("{base}/{id}/status"))
            .bearer_auth(&system.owner)
            .json(&json!({"status": status}))
            .send()
            .await?
            .error_for_status()?;
    }
    Ok(())
}

/// axe-core's source, as `cargo xtask setup` installs it.
/// Runs axe-core (WCAG 2.0/2.1 A and AA) on the widget as it is now and fails on any violation.
async fn axe(browser: &Browser, what: &str) -> Result<()> {
    browser
        .axe("document.querySelector('hark-widget')", what)
        .await
}

/// Waits for the step asking `expected`.
async fn wait_prompt(browser: &Browser, expected: &str) -> Result<()> {
    let script = in_widget(&format!(
        "const p = root.querySelector('.prompt'); return !!p && p.firstChild.textContent === {}",
        json!(expected)
    ));
    browser
        .wait_true(expected, &script)
        .await
        .with_context(|| format!("the widget never asked {expected:?}"))
}

fn every_type() -> Value {
    json!({
        "id": "all", "name": "Everything", "trigger": {"type": "page_view"},
        "frequency": {"type": "once"},
        "questions": [
            {"id": "nps", "type": "nps", "prompt": "How likely are you to recommend us?"},
            {"id": "csat", "type": "csat", "prompt": "How satisfied are you?"},
            {"id": "ces", "type": "ces", "prompt": "How easy was it?"},
            {"id": "stars", "type": "rating", "prompt": "Rate our coffee", "max": 5},
            {"id": "drink", "type": "choice", "prompt": "What do you drink?",
             "options": ["Espresso", "Filter", "Tea"], "other": true},
            {"id": "why", "type": "choice", "prompt": "Why us?",
             "options": ["Taste", "Price", "Staff"], "multiple": true},
            {"id": "more", "type": "text", "prompt": "Anything else?", "max_len": 200}
        ],
        "translations": {"ar": {"questions": {"nps": {"prompt": "ما مدى احتمال أن توصي بنا؟"}}}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_question_type_by_keyboard_alone_arrives_and_passes_axe() -> Result<()> {
    let system = System::start().await?;
    only_survey(&system, &every_type()).await?;
    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;

    // NPS: End chooses 10, ArrowLeft 9; Tab reaches Next, Enter presses it.
    wait_prompt(&browser, "How likely are you to recommend us?").await?;
    axe(&browser, "the NPS question").await?;
    browser.press(&[END, LEFT, TAB, ENTER]).await?;
    // CSAT stars: ArrowRight three times from the first star chooses 4.
    wait_prompt(&browser, "How satisfied are you?").await?;
    axe(&browser, "the CSAT question").await?;
    browser.press(&[RIGHT, RIGHT, RIGHT, TAB, ENTER]).await?;
    wait_prompt(&browser, "How easy was it?").await?;
    axe(&browser, "the CES question").await?;
    browser.press(&[END, TAB, ENTER]).await?;
    wait_prompt(&browser, "Rate our coffee").await?;
    axe(&browser, "the rating question").await?;
    browser.press(&[RIGHT, RIGHT, TAB, ENTER]).await?;
    // Single choice: ArrowDown chooses Filter; Tab passes the "Other" field, then Next.
    wait_prompt(&browser, "What do you drink?").await?;
    axe(&browser, "the single choice question").await?;
    browser.press(&[DOWN, TAB, TAB, ENTER]).await?;
    // Multiple choice: each checkbox is a tab stop, Space ticks it.
    wait_prompt(&browser, "Why us?").await?;
    axe(&browser, "the multiple choice question").await?;
    browser.press(&[SPACE, TAB, TAB, SPACE, TAB, ENTER]).await?;
    wait_prompt(&browser, "Anything else?").await?;
    axe(&browser, "the text question").await?;
    type_text(&browser, "Great beans").await?;
    browser.human_pause().await?;
    browser.press(&[TAB, ENTER]).await?;

    browser
        .wait_true(
            "the thanks",
            &in_widget("return root.querySelector('[role=status] p').textContent === 'Thank you!'"),
        )
        .await?;
    axe(&browser, "the thank-you step").await?;
    let stored = system.stored().await?;
    assert_eq!(stored.len(), 1, "{stored:#?}");
    assert_eq!(
        stored[0]["answers"],
        json!([
            {"type": "nps", "question_id": "nps", "score": 9},
            {"type": "csat", "question_id": "csat", "score": 4},
            {"type": "ces", "question_id": "ces", "score": 7},
            {"type": "rating", "question_id": "stars", "score": 3},
            {"type": "choice", "question_id": "drink", "selected": [1]},
            {"type": "choice", "question_id": "why", "selected": [0, 2]},
            // The listing adds the free text's sentiment (the browser speaks English; VADER's
            // score, as the Python reference gives it).
            // And its key phrases (YAKE).
            {"type": "text", "question_id": "more", "text": "Great beans",
             "sentiment": 0.6249, "sentiment_label": "positive",
             "key_phrases": ["great beans", "great", "beans"]}
        ])
    );
    assert_eq!(stored[0]["survey_version"], 1);

    // A complaint, by keyboard alone too: the category by arrow key, the text typed, the
    // impact, the address and the consent (Space), each step left with Tab and Enter. Esc first
    // closes the thanked survey.
    browser.press(&[ESCAPE]).await?;
    browser
        .wait_true(
            "the survey closed",
            "return !document.querySelector('hark-widget')",
        )
        .await?;
    browser
        .client
        .execute("hark('open', 'complaint')", vec![])
        .await?;
    wait_prompt(&browser, "What is it about?").await?;
    browser.press(&[DOWN, DOWN, TAB, ENTER]).await?;
    wait_prompt(&browser, "What happened?").await?;
    type_text(&browser, "Card charged twice").await?;
    browser.press(&[TAB, ENTER]).await?;
    wait_prompt(&browser, "How badly does it affect you?").await?;
    browser.press(&[DOWN, DOWN, DOWN, TAB, ENTER]).await?;
    wait_prompt(&browser, "Your e-mail (optional)").await?;
    type_text(&browser, "bo@example.com").await?;
    // A person takes a moment: the collector drops answers sent within 800 ms of the widget
    // showing as a bot's (acknowledged, not stored).
    browser.human_pause().await?;
    browser.press(&[TAB, SPACE, TAB, ENTER]).await?;
    browser
        .wait_true(
            "the report's thanks",
            &in_widget("const p = root.querySelector('[role=status] p'); return !!p && p.textContent === \"Thank you! We've received your report.\""),
        )
        .await?;
    let list: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/complaints",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let complaint = &list["complaints"][0];
    assert_eq!(complaint["category"], "Billing", "{list:#}");
    assert_eq!(complaint["description"], "Card charged twice");
    assert_eq!(complaint["impact"], 4);
    assert_eq!(complaint["email"], "bo@example.com");
    assert_eq!(complaint["contact_consent"], true);
    browser.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_by_mouse_and_an_arabic_survey_right_to_left() -> Result<()> {
    let system = System::start().await?;
    let mut survey = every_type();
    // Shown only on an event the page never sends: the complaint is opened by the page.
    survey["trigger"] = json!({"type": "event", "name": "never"});
    only_survey(&system, &survey).await?;
    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;
    browser
        .wait_true(
            "the loader",
            "return typeof window.hark === 'function' && !window.hark.q",
        )
        .await?;
    browser
        .client
        .execute("hark('open', 'complaint')", vec![])
        .await?;

    let click = |selector: &'static str| {
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
    wait_prompt(&browser, "What is it about?").await?;
    axe(&browser, "the complaint's category").await?;
    click(".list > button:nth-child(2)").await?;
    click(".send").await?;
    wait_prompt(&browser, "What happened?").await?;
    click("textarea").await?;
    type_text(&browser, "The grinder arrived broken").await?;
    click(".send").await?;
    wait_prompt(&browser, "How badly does it affect you?").await?;
    axe(&browser, "the complaint's impact").await?;
    click(".list > button:nth-child(3)").await?;
    click(".send").await?;
    wait_prompt(&browser, "Your e-mail (optional)").await?;
    axe(&browser, "the complaint's contact step").await?;
    click("input.email").await?;
    type_text(&browser, "ann@example.com").await?;
    click(".consent").await?;
    click(".send").await?;
    browser
        .wait_true(
            "the report's thanks",
            &in_widget("return root.querySelector('[role=status] p').textContent === \"Thank you! We've received your report.\""),
        )
        .await?;
    let list: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/complaints",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let complaint = &list["complaints"][0];
    assert_eq!(complaint["category"], "Service failure", "{list:#}");
    assert_eq!(complaint["description"], "The grinder arrived broken");
    assert_eq!(complaint["impact"], 3);
    assert_eq!(complaint["email"], "ann@example.com");
    assert_eq!(complaint["contact_consent"], true);

    // The hosted page in Arabic: right to left, the scale mirrored, the words Arabic.
    browser
        .client
        .goto(&format!(
            "{}/s/all?site={}&lang=ar",
            system.collector, system.site.key
        ))
        .await?;
    wait_prompt(&browser, "ما مدى احتمال أن توصي بنا؟").await?;
    let layout = browser
        .client
        .execute(
            &in_widget(
                "const r = [...root.querySelectorAll('[role=radio]')].map(b => b.getBoundingClientRect().left);
                 return {dir: root.querySelector('.card').getAttribute('dir'),
                         mirrored: r[0] > r[10],
                         next: root.querySelector('.send').textContent};",
            ),
            vec![],
        )
        .await?;
    assert_eq!(
        layout,
        json!({"dir": "rtl", "mirrored": true, "next": "التالي"})
    );
    axe(&browser, "the Arabic survey").await?;
    browser.keep_screenshot("arabic-survey.png").await?;
    browser.stop().await;
    Ok(())
}

/// The site's funnel for the default survey, as the admin API gives it.
async fn nps_funnel(system: &System) -> Result<Value> {
    let funnels: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/insight/funnel?days=1",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    funnels["surveys"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["survey"] == "nps").cloned())
        .context("the nps survey's funnel")
}

/// Polls the funnel until `done` holds (the widget's events travel through the loader's
/// outbox), or fails with the last funnel seen.
async fn funnel_until(system: &System, done: impl Fn(&Value) -> bool) -> Result<Value> {
    let mut last = Value::Null;
    for _ in 0..100 {
        last = nps_funnel(system).await?;
        if done(&last) {
            return Ok(last);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bail!("the funnel never got there: {last}")
}

/// Two real visitors: one answers the survey, one dismisses it with Escape. The funnel counts
/// two impressions, one completion and one dismissal, the question's drop-off is one in two,
/// and the NPS counts the one answer only. The Insight page shows the same funnel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funnel_counts_impressions_completions_and_dismissals() -> Result<()> {
    let system = System::start().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;
    wait_prompt(
        &browser,
        "How likely are you to recommend Northwind Coffee to a friend or colleague?",
    )
    .await?;
    // A person reads the question first: the collector drops an answer sent within 800 ms of
    // the card showing (`dwell_ms`) as a bot's, with the same acknowledgement, so the test
    // must not answer faster than a person.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    browser.press(&[END, TAB, ENTER]).await?;
    browser
        .wait_true(
            "the thanks",
            &in_widget("return root.querySelector('[role=status] p').textContent === 'Thank you!'"),
        )
        .await?;
    funnel_until(&system, |f| f["shown"] == 1 && f["completed"] == 1).await?;
    // Closing a thanked card is no dismissal.
    browser.press(&[ESCAPE]).await?;
    browser
        .wait_true(
            "the card closed",
            "return !document.querySelector('hark-widget')",
        )
        .await?;

    // A new visitor (nothing kept on the device) dismisses it at once.
    browser.js("localStorage.clear(); return true").await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;
    wait_prompt(
        &browser,
        "How likely are you to recommend Northwind Coffee to a friend or colleague?",
    )
    .await?;
    browser.press(&[ESCAPE]).await?;
    let f = funnel_until(&system, |f| f["shown"] == 2 && f["dismissed"] == 1).await?;
    assert_eq!(
        [&f["shown"], &f["started"], &f["completed"], &f["dismissed"]],
        [&json!(2), &json!(1), &json!(1), &json!(1)],
        "{f}"
    );
    assert_eq!(f["questions"][0]["views"], 2, "{f}");
    assert_eq!(f["questions"][0]["drop_offs"], 1, "{f}");
    assert_eq!(f["questions"][0]["drop_off_rate"], 0.5, "{f}");
    // The dismissal is no answer.
    assert_eq!(system.stored().await?.len(), 1);

    // The Insight page shows the funnel.
    browser.sign_in(&system.collector, &system.owner).await?;
    browser.click("nav a[href^='#/insight']").await?;
    browser
        .wait_true(
            "the funnel",
            "const f = document.querySelector('.funnel[data-survey=nps]'); return !!f && f.querySelector('.shown').textContent === '2' && f.querySelector('.dismissed').textContent === '1'",
        )
        .await?;
    browser
        .axe("document.querySelector('.funnels')", "the funnel")
        .await?;
    browser.stop().await;
    Ok(())
}
