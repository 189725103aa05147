//! A visitor answers on a shop page of another origin; the admin sees the answer.

mod support;

use support::{in_widget, Browser, System};

/// JavaScript (inside the widget) binding `b` to the score button showing `n`, or null.
fn score_button(n: u8) -> String {
    format!(
        "const b = [...root.querySelectorAll('[role=radio]')].find(b => b.textContent.trim() === '{n}') || null;"
    )
}

/// Answers the widget's NPS question with `n` and waits for the acknowledged thanks.
async fn answer(browser: &Browser, n: u8) -> anyhow::Result<()> {
    let button = browser
        .wait_element(
            "the score buttons",
            &in_widget(&format!("{} return b", score_button(n))),
        )
        .await?;
    // A person reads the question first: the collector drops answers sent within 800 ms of the
    // widget showing (`dwell_ms`) as a bot's.
    let shown = std::time::Instant::now();
    button.click().await?;
    browser
        .wait_true(
            "the choice to register",
            &in_widget(&format!(
                "{} return b.getAttribute('aria-checked') === 'true'",
                score_button(n)
            )),
        )
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(1000).saturating_sub(shown.elapsed()))
        .await;
    browser
        .wait_element(
            "the send button",
            &in_widget("return root.querySelector('button.send:not([disabled])')"),
        )
        .await?
        .click()
        .await?;
    browser
        .wait_element(
            "the thanks",
            &in_widget("return [...root.querySelectorAll('[role=status]')].find(s => s.textContent.includes('Thank you')) || null"),
        )
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_visitor_answers_and_the_admin_sees_it() -> anyhow::Result<()> {
    let system = System::start().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&format!("{}/", system.shop)).await?;

    answer(&browser, 9).await?;

    let stored = system.stored().await?;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["answers"][0]["score"], 9);
    assert_eq!(stored[0]["page_url"], format!("{}/", system.shop));

    // The survey is shown once per visitor: a reload shows no widget.
    browser.client.refresh().await?;
    browser
        .wait_true(
            "the page to load",
            "return document.readyState === 'complete'",
        )
        .await?;
    let host = browser
        .client
        .execute("return !!document.querySelector('hark-widget')", vec![])
        .await?;
    assert_eq!(
        host,
        serde_json::Value::Bool(false),
        "the survey was shown again"
    );

    // The dashboard, signed in with the token, lists the answer.
    browser
        .client
        .goto(&format!("{}/dashboard/", system.collector))
        .await?;
    let token = browser
        .wait_element("the token field", "return document.querySelector('#token')")
        .await?;
    token.send_keys(&system.token).await?;
    browser
        .wait_element(
            "sign in",
            "return document.querySelector('button[type=submit]')",
        )
        .await?
        .click()
        .await?;
    // Signed in, the dashboard opens on the complaint inbox; the answers are a link away.
    browser
        .wait_element(
            "the responses link",
            "return document.querySelector(\"nav a[href='#/responses']\")",
        )
        .await?
        .click()
        .await?;
    browser
        .wait_true(
            "the response in the dashboard",
            "return [...document.querySelectorAll('table.responses tbody tr td.score')].map(td => td.textContent.trim()).join(',') === '9'",
        )
        .await?;
    let page = browser
        .client
        .execute("return document.body.innerText", vec![])
        .await?;
    assert!(
        page.as_str().unwrap().contains("Northwind Coffee"),
        "{page}"
    );

    browser.stop().await;
    Ok(())
}

/// Computed styles of every host element, to compare a page with and without the widget.
const HOST_STYLES: &str = "
    const props = ['display', 'position', 'font-size', 'font-family', 'color', 'background-color',
                   'margin-top', 'padding-left', 'width', 'height', 'visibility', 'opacity'];
    return [...document.body.querySelectorAll('*')]
        .filter(e => e.tagName !== 'HARK-WIDGET' && e.tagName !== 'SCRIPT')
        .map(e => { const s = getComputedStyle(e); return e.tagName + ' ' + props.map(p => s.getPropertyValue(p)).join(' '); });
";

#[tokio::test]
async fn hostile_host_css_cannot_reach_the_widget_nor_the_widget_the_page() -> anyhow::Result<()> {
    let system = System::start().await?;
    let browser = Browser::start().await?;

    for variant in ["", "hostile&"] {
        browser
            .client
            .goto(&format!("{}/?{variant}bare", system.shop))
            .await?;
        let without = browser.client.execute(HOST_STYLES, vec![]).await?;

        browser
            .client
            .goto(&format!("{}/?{variant}", system.shop))
            .await?;
        browser
            .wait_element(
                "the widget",
                &in_widget("return root.querySelector('[role=radio]')"),
            )
            .await?;
        let with = browser.client.execute(HOST_STYLES, vec![]).await?;
        assert_eq!(
            with, without,
            "the widget changed the host page's styles ({variant})"
        );

        // The widget renders as designed: visible buttons, its own font size, fixed in a corner.
        let look = browser
            .client
            .execute(
                &in_widget(
                    "const b = root.querySelector('[role=radio]'); const r = b.getBoundingClientRect();
                     return { display: getComputedStyle(b).display, font: getComputedStyle(b).fontSize,
                              width: r.width, height: r.height,
                              host: getComputedStyle(host).position, z: getComputedStyle(host).zIndex }",
                ),
                vec![],
            )
            .await?;
        assert_ne!(look["display"], "none", "{look}");
        assert_ne!(look["font"], "40px", "{look}");
        assert!(
            look["width"].as_f64().unwrap() >= 20.0 && look["height"].as_f64().unwrap() >= 20.0,
            "{look}"
        );
        assert_eq!(look["host"], "fixed", "{look}");

        // And it still works. Each visit is a new visitor for this test.
        browser
            .client
            .execute("localStorage.clear()", vec![])
            .await?;
    }
    // The hostile page's widget is answered.
    answer(&browser, 7).await?;
    let stored = system.stored().await?;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["answers"][0]["score"], 7);

    browser.stop().await;
    Ok(())
}
