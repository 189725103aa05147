//! The survey builder in a real browser against a real collector: the owner makes a survey with
//! an NPS question whose detractors are asked a text question, once by mouse and once by
//! keyboard alone; answers it in the preview (the real widget bundle), which sends the collector
//! nothing; creates and activates it from the surveys page; and a new visitor of the example
//! shop page is asked it. axe-core finds nothing on the surveys page or the builder.

mod support;

use anyhow::{bail, Context as _, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};
use support::{in_widget, Browser, System};

const ENTER: char = '\u{E007}';
const TAB: char = '\u{E004}';
const SHIFT: char = '\u{E008}';
const CONTROL: char = '\u{E009}';
const HOME: char = '\u{E011}';
const RIGHT: char = '\u{E014}';
const UP: char = '\u{E013}';
const DOWN: char = '\u{E015}';

/// Types `text` with the keys, wherever the focus is; replacing what the field held.
async fn type_keys(browser: &Browser, text: &str) -> Result<()> {
    let mut actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: CONTROL })
        .then(KeyAction::Down { value: 'a' })
        .then(KeyAction::Up { value: 'a' })
        .then(KeyAction::Up { value: CONTROL });
    for key in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    browser.client.perform_actions(actions).await?;
    Ok(())
}

/// Whether the focus is on what `selector` finds (inside the widget's shadow root, too).
async fn focused(browser: &Browser, selector: &str) -> Result<bool> {
    let found = browser
        .js(&format!(
            "const a = document.activeElement; return !!a && a.matches({});",
            json!(selector)
        ))
        .await?;
    Ok(found == Value::Bool(true))
}

/// Waits for the focus to be on what `selector` finds.
async fn wait_focus(browser: &Browser, selector: &str) -> Result<()> {
    browser
        .wait_true(
            &format!("the focus on {selector}"),
            &format!(
                "const a = document.activeElement; return !!a && a.matches({});",
                json!(selector)
            ),
        )
        .await
}

/// Moves the focus with Tab (or Shift+Tab, `back`) until it is on `selector`, as a person
/// tabbing to a control does.
async fn tab_to(browser: &Browser, selector: &str, back: bool) -> Result<()> {
    for _ in 0..150 {
        if focused(browser, selector).await? {
            return Ok(());
        }
        let mut actions = KeyActions::new("keyboard".into());
        if back {
            actions = actions.then(KeyAction::Down { value: SHIFT });
        }
        actions = actions
            .then(KeyAction::Down { value: TAB })
            .then(KeyAction::Up { value: TAB });
        if back {
            actions = actions.then(KeyAction::Up { value: SHIFT });
        }
        browser.client.perform_actions(actions).await?;
    }
    bail!("Tab never reached {selector}")
}

/// With the focus on the `<select>` `selector`, presses the arrow keys until `value` is chosen.
async fn arrow_to(browser: &Browser, selector: &str, value: &str) -> Result<()> {
    for key in [DOWN, UP] {
        for _ in 0..12 {
            let now = browser
                .js(&format!(
                    "return document.querySelector({}).value",
                    json!(selector)
                ))
                .await?;
            if now == json!(value) {
                return Ok(());
            }
            browser.press(&[key]).await?;
        }
    }
    bail!("the arrow keys never chose {value} in {selector}")
}

/// Picks `value` in the `<select>` `selector` with the mouse.
async fn pick(browser: &Browser, selector: &str, value: &str) -> Result<()> {
    browser
        .wait_element(
            selector,
            &format!("return document.querySelector({})", json!(selector)),
        )
        .await?
        .select_by_value(value)
        .await?;
    Ok(())
}

/// Types `text` into the field `selector` (clicked first, as a person does).
async fn fill(browser: &Browser, selector: &str, text: &str) -> Result<()> {
    let field = browser
        .wait_element(
            selector,
            &format!("return document.querySelector({})", json!(selector)),
        )
        .await?;
    field.click().await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// Waits for the widget's step asking `expected`.
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

/// Clicks what `selector` finds in the widget's shadow root.
async fn click_in_widget(browser: &Browser, selector: &str) -> Result<()> {
    let script = in_widget(&format!("return root.querySelector({})", json!(selector)));
    browser
        .wait_element(selector, &script)
        .await?
        .click()
        .await?;
    Ok(())
}

const NPS_PROMPT: &str = "How likely are you to recommend us to a friend or colleague?";
const WHY: &str = "What went wrong?";

/// The site's surveys as the admin API lists them: `(id, status, version)`.
async fn surveys(system: &System) -> Result<Vec<(String, String, u64)>> {
    let list: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/surveys",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(list["surveys"]
        .as_array()
        .context("a list")?
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or_default().to_owned(),
                s["status"].as_str().unwrap_or_default().to_owned(),
                s["version"].as_u64().unwrap_or_default(),
            )
        })
        .collect())
}

/// Has the collector compress the dashboard's bundle as a browser asks for it (brotli), before
/// any browser does: it compresses each file once, on the first request, which in a test build
/// takes longer than a page is waited for.
async fn warm_the_dashboard(system: &System) -> Result<()> {
    for file in ["dashboard_bg.wasm", "dashboard.js"] {
        system
            .http
            .get(format!("{}/dashboard/{file}", system.collector))
            .header("accept-encoding", "br")
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
    }
    Ok(())
}

/// The preview's widget thanks the visitor and the preview says nothing was sent.
async fn preview_answered(browser: &Browser) -> Result<()> {
    browser
        .wait_true(
            "the preview's thanks",
            &in_widget("const p = root.querySelector('[role=status] p'); return !!p && p.className === 'thanks'"),
        )
        .await?;
    browser
        .wait_text(
            "p.preview-status",
            "Answered in the preview: nothing was sent to the collector.",
        )
        .await
}

/// A new visitor of the shop page is asked the survey `name`, and their answer arrives with
/// the survey's version.
async fn a_new_visitor_is_asked(system: &System, id: &str, name: &str) -> Result<()> {
    let visitor = Browser::start().await?;
    visitor.client.goto(&format!("{}/", system.shop)).await?;
    wait_prompt(&visitor, NPS_PROMPT).await?;
    let title = visitor
        .js(&in_widget(
            "return root.querySelector('.card').getAttribute('aria-label')",
        ))
        .await?;
    assert_eq!(title, json!(name));
    // A person reads the question first: the collector takes an answer given faster than a
    // person could for a bot's.
    visitor.human_pause().await?;
    click_in_widget(&visitor, ".scale [role=radio]:nth-child(3)").await?;
    click_in_widget(&visitor, "button.send").await?;
    wait_prompt(&visitor, WHY).await?;
    visitor
        .wait_element(
            "the text field",
            &in_widget("return root.querySelector('textarea')"),
        )
        .await?
        .send_keys("The grinder arrived broken")
        .await?;
    click_in_widget(&visitor, "button.send").await?;
    for _ in 0..300 {
        let stored = system.stored().await?;
        if let Some(answer) = stored.iter().find(|r| r["survey_id"] == id) {
            assert_eq!(answer["survey_version"], 1);
            assert_eq!(answer["answers"][0]["score"], 2);
            assert_eq!(answer["answers"][1]["question_id"], "q2");
            visitor.stop().await;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let status = visitor
        .js(&in_widget(
            "const p = root.querySelector('[role=status] p'); return p && p.textContent",
        ))
        .await?;
    bail!(
        "the visitor's answer never arrived (the widget says {status}; stored: {:?})",
        system.stored().await?
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_builds_previews_and_activates_a_survey_by_mouse() -> Result<()> {
    let system = System::start().await?;
    warm_the_dashboard(&system).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&system.collector, &system.owner).await?;
    browser.click("nav a[href='#/surveys']").await?;
    browser
        .wait_text("tr[data-id='nps'] td.status", "Active")
        .await?;
    browser.axe("document", "the surveys page").await?;

    browser.click("a.new-survey").await?;
    fill(&browser, "#survey-id", "checkout").await?;
    fill(&browser, "#survey-name", "Checkout NPS").await?;
    // A text question after the NPS question, where detractors go.
    pick(&browser, "#new-question-kind", "text").await?;
    browser.click("button.add-question-button").await?;
    fill(&browser, "li.question:nth-child(2) [id$='-prompt']", WHY).await?;
    browser
        .click("li.question:nth-child(1) button.add-branch")
        .await?;
    pick(&browser, "li.question:nth-child(1) [id$='-b0-goto']", "q2").await?;
    pick(&browser, "li.question:nth-child(1) [id$='-next']", "end").await?;
    browser.wait_text("li[data-group='detractors']",
        "Detractors (0–6): 1. How likely are you to recommend us to a… → 2. What went wrong? → End",
    )
    .await?;
    browser
        .wait_text(
            "li[data-group='promoters']",
            "Promoters (9–10): 1. How likely are you to recommend us to a… → End",
        )
        .await?;
    anyhow::ensure!(
        browser
            .js("return document.querySelector('.field-error')")
            .await?
            == Value::Null,
        "the survey has no problems"
    );
    browser.axe("document", "the builder").await?;

    // The preview: the real widget, answerable, sending nothing.
    browser.click("button.start-preview").await?;
    wait_prompt(&browser, NPS_PROMPT).await?;
    let inside = browser
        .js("return !!document.querySelector('.preview-stage hark-widget')")
        .await?;
    assert_eq!(
        inside,
        json!(true),
        "the widget is mounted in the preview's stage"
    );
    click_in_widget(&browser, ".scale [role=radio]:nth-child(4)").await?;
    click_in_widget(&browser, "button.send").await?;
    wait_prompt(&browser, WHY).await?;
    browser
        .wait_element(
            "the text field",
            &in_widget("return root.querySelector('textarea')"),
        )
        .await?
        .send_keys("Slow delivery")
        .await?;
    click_in_widget(&browser, "button.send").await?;
    preview_answered(&browser).await?;
    // Closing it offers a restart.
    click_in_widget(&browser, "button.close").await?;
    browser
        .wait_text("p.preview-status", "The preview was closed.")
        .await?;
    browser
        .wait_text("button.start-preview", "Restart preview")
        .await?;

    browser.click("button.save-survey").await?;
    browser
        .wait_true(
            "the saved survey's page",
            "return location.hash === '#/surveys/checkout'",
        )
        .await?;
    browser
        .wait_text("tr[data-version='1']", "Checkout NPS")
        .await?;
    assert!(
        system.stored().await?.is_empty(),
        "the preview's answers never reach the collector"
    );
    assert!(surveys(&system)
        .await?
        .contains(&("checkout".to_owned(), "paused".to_owned(), 1)));

    // Activated, with the site's first survey paused, from the surveys page.
    browser.click("a.back").await?;
    browser
        .click("tr[data-id='checkout'] button.to-active")
        .await?;
    browser
        .wait_text("tr[data-id='checkout'] td.status", "Active")
        .await?;
    browser.click("tr[data-id='nps'] button.to-paused").await?;
    browser
        .wait_text("tr[data-id='nps'] td.status", "Paused")
        .await?;
    assert_eq!(
        surveys(&system).await?,
        [
            ("nps".to_owned(), "paused".to_owned(), 1),
            ("checkout".to_owned(), "active".to_owned(), 1)
        ]
    );
    a_new_visitor_is_asked(&system, "checkout", "Checkout NPS").await?;
    browser.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_builds_previews_and_activates_a_survey_by_keyboard_alone() -> Result<()> {
    let system = System::start().await?;
    warm_the_dashboard(&system).await?;
    let browser = Browser::start().await?;
    // The token typed into the sign-in form, then Enter.
    browser
        .client
        .goto(&format!("{}/dashboard/", system.collector))
        .await?;
    browser
        .wait_element("the token field", "return document.querySelector('#token')")
        .await?;
    tab_to(&browser, "#token", false).await?;
    type_keys(&browser, &system.owner).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_text("nav a[aria-current=page]", "Inbox")
        .await?;

    tab_to(&browser, "nav a[href='#/surveys']", false).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_text("tr[data-id='nps'] td.status", "Active")
        .await?;
    tab_to(&browser, "a.new-survey", false).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_element("the builder", "return document.querySelector('#survey-id')")
        .await?;
    tab_to(&browser, "#survey-id", false).await?;
    type_keys(&browser, "exit").await?;
    tab_to(&browser, "#survey-name", false).await?;
    type_keys(&browser, "Exit NPS").await?;
    tab_to(&browser, "#new-question-kind", false).await?;
    arrow_to(&browser, "#new-question-kind", "text").await?;
    tab_to(&browser, "button.add-question-button", false).await?;
    browser.press(&[ENTER]).await?;
    // The new question's prompt has the focus.
    browser
        .wait_true(
            "the new question's prompt to have the focus",
            "return !!document.activeElement && document.activeElement.matches(\"li.question:nth-child(2) [id$='-prompt']\")",
        )
        .await?;
    type_keys(&browser, WHY).await?;

    // Moved up and back down by keyboard, the focus staying on the moved question.
    tab_to(&browser, "li.question:nth-child(2) button.move-up", true).await?;
    let moved = browser.js("return document.activeElement.id").await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_text("li.question:nth-child(1) h4", "Question 1")
        .await?;
    browser
        .wait_true(
            "the question moved up",
            &format!(
                "return document.querySelector('li.question:nth-child(1) .move-up').id === {moved}"
            ),
        )
        .await?;
    // At the top its "up" is disabled, so the focus is on its "down".
    wait_focus(&browser, "li.question:nth-child(1) button.move-down").await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_true(
            "the question moved back down",
            &format!(
                "return document.querySelector('li.question:nth-child(2) .move-up').id === {moved}"
            ),
        )
        .await?;
    // Now the last, its "down" is disabled: the focus is on its "up".
    wait_focus(&browser, "li.question:nth-child(2) button.move-up").await?;

    // The detractors' branch, by keyboard: added, pointed at the text question.
    tab_to(&browser, "li.question:nth-child(1) button.add-branch", true).await?;
    browser.press(&[ENTER]).await?;
    tab_to(&browser, "li.question:nth-child(1) [id$='-b0-goto']", true).await?;
    arrow_to(&browser, "li.question:nth-child(1) [id$='-b0-goto']", "q2").await?;
    tab_to(&browser, "li.question:nth-child(1) [id$='-next']", false).await?;
    arrow_to(&browser, "li.question:nth-child(1) [id$='-next']", "end").await?;
    browser
        .wait_text("li[data-group='detractors']", "→ 2. What went wrong? → End")
        .await?;

    // The preview, answered by keyboard: the widget takes the focus; Home, then Right twice,
    // chooses 2.
    tab_to(&browser, "button.start-preview", false).await?;
    browser.press(&[ENTER]).await?;
    wait_prompt(&browser, NPS_PROMPT).await?;
    browser
        .wait_true(
            "the widget to take the focus",
            "const h = document.querySelector('hark-widget'); return !!h && document.activeElement === h && !!h.shadowRoot.activeElement",
        )
        .await?;
    browser.press(&[HOME, RIGHT, RIGHT, TAB, ENTER]).await?;
    wait_prompt(&browser, WHY).await?;
    let mut actions = KeyActions::new("keyboard".into());
    for key in "Too slow".chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    browser.client.perform_actions(actions).await?;
    browser.press(&[TAB, ENTER]).await?;
    preview_answered(&browser).await?;

    // Back out of the widget, past the preview's controls, to the form's button.
    tab_to(&browser, "button.save-survey", true).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_true(
            "the saved survey's page",
            "return location.hash === '#/surveys/exit'",
        )
        .await?;
    browser
        .wait_text("tr[data-version='1']", "Exit NPS")
        .await?;
    browser
        .axe("document", "the builder of a saved survey")
        .await?;
    assert!(
        system.stored().await?.is_empty(),
        "the preview sent nothing"
    );

    tab_to(&browser, "a.back", true).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_element(
            "the new survey's row",
            "return document.querySelector(\"tr[data-id='exit'] button.to-active\")",
        )
        .await?;
    tab_to(&browser, "tr[data-id='exit'] button.to-active", false).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_text("tr[data-id='exit'] td.status", "Active")
        .await?;
    tab_to(&browser, "tr[data-id='nps'] button.to-paused", true).await?;
    browser.press(&[ENTER]).await?;
    browser
        .wait_text("tr[data-id='nps'] td.status", "Paused")
        .await?;
    browser.axe("document", "the surveys page").await?;

    a_new_visitor_is_asked(&system, "exit", "Exit NPS").await?;
    browser.stop().await;
    Ok(())
}
