//! Insight in a real browser: answers sent as the widget sends them (phones and desktops, two
//! languages) show on the dashboard's Insight page as the NPS the API computes, with its
//! interval, its trend as a chart and the same numbers as a table, and the segment that costs
//! the most points first among its drivers; choosing a segment puts it in
//! the address and shows that segment's score; the address alone opens the same view. axe-core
//! finds nothing on the page, and its screenshot is kept as an artifact.

mod support;

use anyhow::{Context as _, Result};
use serde_json::{json, Value};
use support::{Browser, System};

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// Sends one NPS answer to the site's default survey from the shop, as the widget does.
async fn answer(system: &System, n: u32, score: u8, phone: bool) -> Result<()> {
    let body = json!({
        "id": format!("0190a0c2-7b6e-7d3f-9a55-{n:012x}"), "site_key": system.site.key, "survey_id": "nps",
        "answers": [{"type": "nps", "question_id": "q1", "score": score}],
        "page_url": format!("{}/checkout", system.shop),
    });
    loop {
        let response = system
            .http
            .post(format!("{}/api/v1/responses", system.collector))
            .header("origin", &system.shop)
            .header("content-type", "text/plain;charset=UTF-8")
            .header("user-agent", if phone { PHONE } else { DESKTOP })
            .header("accept-language", if phone { "de-DE" } else { "en-GB" })
            .body(body.to_string())
            .send()
            .await?;
        // One client sending 80 answers meets the per-client limit: it waits as the widget does.
        if response.status().as_u16() == 429 {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            continue;
        }
        anyhow::ensure!(
            response.status().as_u16() == 201,
            "{}",
            response.text().await?
        );
        return Ok(());
    }
}

async fn overview(system: &System, query: &str) -> Result<Value> {
    Ok(system
        .http
        .get(format!(
            "{}/api/v1/admin/sites/{}/insight/overview?{query}",
            system.collector, system.site.key
        ))
        .bearer_auth(&system.owner)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

#[tokio::test]
async fn the_insight_page_shows_scores_trends_and_segments() -> Result<()> {
    let system = System::start().await?;
    // 40 phones, mostly unhappy; 40 desktops, mostly happy.
    for i in 0..40u8 {
        let n = u32::from(i) * 2;
        answer(&system, n, [2, 5, 6, 9][usize::from(i % 4)], true).await?;
        answer(&system, n + 1, [9, 10, 10, 7][usize::from(i % 4)], false).await?;
    }
    let all = overview(&system, "days=30").await?;
    let phones = overview(&system, "days=30&segment=device:mobile").await?;
    let nps = |o: &Value| {
        o["scores"][0]["score"]["value"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    assert_eq!(all["scores"][0]["score"]["n"], 80);
    // Phones: 10 promoters and 30 detractors of 40; everyone: 40 promoters, 30 detractors.
    assert_eq!(nps(&phones), -50.0);
    assert_eq!(nps(&all), 12.5);

    let browser = Browser::start().await?;
    browser.sign_in(&system.collector, &system.owner).await?;
    browser.click("nav a[href^='#/insight']").await?;
    browser
        .wait_true(
            "the Insight page's score and drivers",
            "return !!document.querySelector('.score-card .headline') && !!document.querySelector('.drivers tbody tr')",
        )
        .await?;
    assert_eq!(browser.text(".score-card .headline").await?, "NPS +13");
    let interval = browser.text(".score-card .interval").await?;
    assert!(
        interval.contains("95 % interval") && interval.contains("80 answers"),
        "{interval}"
    );
    // The chart is an image with a name, and its numbers are in the table beside it.
    let chart = browser
        .js("const s = document.querySelector('.score-card svg.trend'); return [s.getAttribute('role'), s.getAttribute('aria-label'), document.querySelectorAll('.score-card svg.trend circle').length, document.querySelector('.score-card table.trend-table').tBodies[0].rows.length]")
        .await?;
    assert_eq!(chart[0], "img");
    assert!(chart[1].as_str().is_some_and(|l| !l.is_empty()));
    assert_eq!(chart[2], 1, "one week with answers, one dot: {chart}");
    // The page opens on 90 days, by week: a row per week of the trend.
    let weeks = overview(&system, "days=90").await?["scores"][0]["trend"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(weeks >= 13, "{weeks} weeks");
    assert_eq!(chart[3], weeks, "a row per week: {chart}");
    // The drivers: phones (here also Safari and German) cost 62.5 points (half the answers,
    // −50 against +75); the first of the tied segments by name comes first.
    let driver = browser
        .js("const r = document.querySelector('.drivers tbody tr'); return r && [r.querySelector('th').textContent, r.lastElementChild.textContent]")
        .await?;
    assert_eq!(driver, json!(["Browser: Safari", "62.5 points"]));
    // No complaints, so no emerging issue, and the page says so.
    assert_eq!(
        browser.text(".emerging .prompt").await?,
        "No complaint category is rising beyond chance this week."
    );
    browser.axe("document", "the Insight page").await?;

    // Keep the page as it looks.
    browser.keep_screenshot("insight-overview.png").await?;

    // A segment: chosen from the list, it goes into the address and the score is the phones'.
    browser
        .wait_true(
            "the segment list",
            "return !!document.querySelector('select[name=segment] option[value=\"device:mobile\"]')",
        )
        .await?;
    browser
        .js("const s = document.querySelector('select[name=segment]'); s.value = 'device:mobile'; s.dispatchEvent(new Event('change', {bubbles: true})); return true")
        .await?;
    browser
        .wait_true(
            "the phones' score",
            "return location.hash.includes('segment=device%3Amobile') && document.querySelector('.score-card .headline')?.textContent === 'NPS -50'",
        )
        .await?;
    let hash = browser.js("return location.hash").await?;
    let hash = hash.as_str().context("a hash")?.to_owned();
    browser
        .axe("document", "the Insight page in a segment")
        .await?;

    // The address alone opens the same view (as a bookmark or a shared link does).
    browser
        .client
        .goto(&format!("{}/dashboard/", system.collector))
        .await?;
    browser
        .client
        .goto(&format!("{}/dashboard/{hash}", system.collector))
        .await?;
    browser
        .wait_true(
            "the bookmarked segment",
            "return document.querySelector('.score-card .headline')?.textContent === 'NPS -50' && document.querySelector('select[name=segment]').value === 'device:mobile'",
        )
        .await?;
    browser.stop().await;
    Ok(())
}

/// Sends one answer to the "why" survey: a score and what the customer wrote.
async fn written(system: &System, n: u32, score: u8, text: &str) -> Result<()> {
    let body = json!({
        "id": format!("0190a0c2-7b6e-7d3f-9a56-{n:012x}"), "site_key": system.site.key, "survey_id": "why",
        "answers": [
            {"type": "nps", "question_id": "q1", "score": score},
            {"type": "text", "question_id": "q2", "text": text},
        ],
        "page_url": format!("{}/checkout", system.shop),
    });
    loop {
        let response = system
            .http
            .post(format!("{}/api/v1/responses", system.collector))
            .header("origin", &system.shop)
            .header("content-type", "text/plain;charset=UTF-8")
            .header("user-agent", DESKTOP)
            .header("accept-language", "en-GB")
            .body(body.to_string())
            .send()
            .await?;
        if response.status().as_u16() == 429 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        anyhow::ensure!(
            response.status().as_u16() == 201,
            "{}",
            response.text().await?
        );
        return Ok(());
    }
}

/// The walk an admin takes: the Insight page → a period → a topic's answers in the explorer →
/// a search there → the topic made a problem in one click → a goal set on the goals page. axe-core
/// finds nothing on the explorer, the topics and the goals page.
#[tokio::test]
async fn overview_filter_explorer_topic_problem_and_goals() -> Result<()> {
    let system = System::start().await?;
    let survey: shared::Survey = serde_json::from_value(json!({
        "id": "why", "name": "Why",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [
            {"id": "q1", "type": "nps", "prompt": "Recommend us?"},
            {"id": "q2", "type": "text", "prompt": "Why?"}
        ]
    }))?;
    system
        .store
        .create_survey(
            &system.site.key,
            &survey,
            collector::store::SurveyStatus::Active,
            1,
        )
        .await?;
    let said = [
        (3, "The delivery was slow"),
        (2, "Slow delivery again"),
        (1, "Deliveries are always late"),
        (4, "Late delivery and a broken box"),
        (9, "Fast delivery, thanks"),
        (8, "Checkout kept failing with my card"),
        (6, "The checkout page crashed"),
        (5, "checkout is confusing"),
        (10, "Great coffee"),
    ];
    for (n, (score, text)) in said.iter().enumerate() {
        written(&system, n as u32, *score, text).await?;
    }

    let browser = Browser::start().await?;
    browser.sign_in(&system.collector, &system.owner).await?;
    browser.click("nav a[href^='#/insight']").await?;
    // A period: the last 30 days, in the address.
    browser
        .wait_true(
            "the period list",
            "return !!document.querySelector('select[name=days]')",
        )
        .await?;
    browser
        .js("const s = document.querySelector('select[name=days]'); s.value = '30'; s.dispatchEvent(new Event('change', {bubbles: true})); return true")
        .await?;
    browser
        .wait_true(
            "the topics of the last 30 days",
            "return location.hash.includes('days=30') && !!document.querySelector('.topics tbody tr')",
        )
        .await?;
    let first = browser
        .js("const r = document.querySelector('.topics tbody tr'); return [r.querySelector('th a').textContent, r.children[2].textContent]")
        .await?;
    assert_eq!(first, json!(["delivery", "5"]));
    browser
        .axe("document.querySelector('.topics')", "the topics")
        .await?;

    // The topic's answers in the explorer: five, each with its words, mood and key phrases.
    browser.click(".topics tbody tr th a").await?;
    browser
        .wait_true(
            "the explorer on the topic",
            "return location.hash.startsWith('#/responses?topic=delivery') && document.querySelectorAll('table.responses tbody tr').length === 5",
        )
        .await?;
    assert!(browser.text(".chips").await?.contains("Topic: delivery"));
    let first_row = browser.text("table.responses tbody tr td.text").await?;
    assert!(
        first_row.contains("Fast delivery, thanks") && first_row.contains("positive"),
        "{first_row}"
    );
    browser.axe("document", "the explorer").await?;
    // Words: searched from the form, into the address.
    browser
        .js("document.querySelector('.chips a').click(); return true")
        .await?;
    browser
        .wait_true(
            "all the answers",
            "return document.querySelectorAll('table.responses tbody tr').length === 9",
        )
        .await?;
    browser
        .element("return document.querySelector('input[name=q]')")
        .await?
        .context("the search field")?
        .send_keys("CHECKOUT")
        .await?;
    browser
        .click("form[role=search] button[type=submit]")
        .await?;
    browser
        .wait_true(
            "the search's answers",
            "return location.hash.includes('q=CHECKOUT') && document.querySelectorAll('table.responses tbody tr').length === 3",
        )
        .await?;

    // Back to the topics, and the topic made a problem in one click.
    browser
        .client
        .goto(&format!("{}/dashboard/#/insight?days=30", system.collector))
        .await?;
    browser
        .wait_true(
            "the topics",
            "return !!document.querySelector('.topics .make-problem')",
        )
        .await?;
    browser.click(".topics tbody tr .make-problem").await?;
    browser
        .wait_true(
            "the new problem's page",
            "return location.hash.startsWith('#/problems/') && document.body.textContent.includes('Topic: delivery')",
        )
        .await?;

    // Goals: set one from the form; it is listed with its status.
    browser
        .client
        .goto(&format!("{}/dashboard/#/insight?days=30", system.collector))
        .await?;
    browser.click(".page-head a[href='#/goals']").await?;
    browser
        .wait_true(
            "the goals page",
            "return !!document.querySelector('form.new-goal')",
        )
        .await?;
    browser
        .js("const f = document.querySelector('form.new-goal'); f.querySelector('[name=name]').value = 'NPS 30 by summer'; f.querySelector('[name=target]').value = '30'; f.querySelector('[name=deadline]').value = '2027-06-30'; return true")
        .await?;
    browser.click("form.new-goal button[type=submit]").await?;
    browser
        .wait_true(
            "the goal",
            "return !!document.querySelector('section.goal') && document.querySelector('section.goal h3').textContent.includes('NPS 30 by summer')",
        )
        .await?;
    assert!(browser
        .text("section.goal .status")
        .await?
        .contains("Too little data yet"));
    browser.axe("document", "the goals page").await?;
    // A bad target is refused with the collector's reason, next to the form.
    browser
        .js("const f = document.querySelector('form.new-goal'); f.querySelector('[name=name]').value = 'Impossible'; f.querySelector('[name=target]').value = '300'; f.querySelector('[name=deadline]').value = '2027-06-30'; return true")
        .await?;
    browser.click("form.new-goal button[type=submit]").await?;
    browser
        .wait_true(
            "the refusal",
            "return document.querySelector('form.new-goal [role=alert]')?.textContent.startsWith('target')",
        )
        .await?;
    // The Insight page shows the goal at a glance.
    browser
        .client
        .goto(&format!("{}/dashboard/#/insight?days=30", system.collector))
        .await?;
    browser
        .wait_true(
            "the goals at a glance",
            "return document.querySelector('.goals-summary')?.textContent.includes('NPS 30 by summer')",
        )
        .await?;
    browser
        .axe(
            "document.querySelector('.goals-summary')",
            "the goals at a glance",
        )
        .await?;
    browser.stop().await;
    Ok(())
}

/// The Insight page over the demo's data (`cargo xtask demo` imports the same sample: four
/// months of answers and comments): every section has something, axe-core finds nothing, and
/// its screenshot is kept as `insight-demo.png`.
#[tokio::test]
async fn the_overview_of_the_demo_data() -> Result<()> {
    let system = System::start().await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let imported = system.seed_demo_answers(now).await?;
    anyhow::ensure!(imported > 1000, "{imported} imported");

    let browser = Browser::start().await?;
    browser.client.set_window_size(1280, 2400).await?;
    browser.sign_in(&system.collector, &system.owner).await?;
    browser.click("nav a[href^='#/insight']").await?;
    browser
        .wait_true(
            "the scores and the topics",
            "return !!document.querySelector('.score-card .headline') && !!document.querySelector('.topics tbody tr')",
        )
        .await?;
    // The sections that load beside them.
    let wanted = "['.drivers', '.funnels', '.praise-feed li', '.complaint-report', '.emerging']";
    let mut missing = json!([]);
    for _ in 0..50 {
        missing = browser
            .js(&format!(
                "return {wanted}.filter(s => !document.querySelector(s))"
            ))
            .await?;
        if missing == json!([]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(missing, json!([]), "sections missing");
    // The site's default survey has no answers; the imported one has months of them.
    let headlines = browser
        .js("return [...document.querySelectorAll('.score-card .headline')].map(h => h.textContent)")
        .await?;
    assert!(
        headlines.as_array().is_some_and(|h| h
            .iter()
            .any(|h| h.as_str().is_some_and(|h| h.starts_with("NPS +")))),
        "{headlines}"
    );
    browser
        .axe("document", "the Insight page over the demo data")
        .await?;
    browser.keep_screenshot("insight-demo.png").await?;
    browser.stop().await;
    Ok(())
}
