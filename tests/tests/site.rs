//! A site set up from the dashboard alone, in a real browser against a real collector: the owner
//! opens "Site and snippet", copies the snippet (the clipboard holds the README's tag with the
//! site's key and the collector's origin), a visitor opens the example shop at an allowed origin
//! and "Check my page" then says where it was seen; a new brand colour and position reach the
//! widget's feedback tab on the shop; the owner creates a second site, lands on it, switches back
//! and a reload keeps the site; and an export streams to a file saved from the page. axe-core
//! finds nothing on each new page, and everything is done by keyboard (Enter on the focused
//! control, keys typed into fields).

mod support;

use anyhow::Result;
use collector::access::Role;
use serde_json::{json, Value};
use support::{Browser, System};

const PASSWORD: &str = "correct horse battery";
const ENTER: &str = "\u{E007}";

/// A user with `PASSWORD` and `role` on the system's site.
async fn user(system: &System, email: &str, role: Role) -> Result<()> {
    let hash = collector::accounts::Password::new(PASSWORD.into())
        .map_err(anyhow::Error::msg)?
        .hash()?;
    let id = system.store.create_user(email, &hash, 0).await?;
    system
        .store
        .set_membership(id, &system.site.key, role, 0)
        .await?;
    Ok(())
}

/// The element `selector` finds, once it is there.
async fn find(browser: &Browser, selector: &str) -> Result<fantoccini::elements::Element> {
    browser
        .wait_element(
            selector,
            &format!("return document.querySelector({})", json!(selector)),
        )
        .await
}

/// Presses Enter on the control `selector` (a link or a button): the keyboard's click.
async fn enter_on(browser: &Browser, selector: &str) -> Result<()> {
    find(browser, selector).await?.send_keys(ENTER).await?;
    Ok(())
}

/// Signs in on the dashboard's form with `email` and `PASSWORD`, by keyboard.
async fn sign_in(browser: &Browser, collector: &str, email: &str) -> Result<()> {
    browser
        .client
        .goto(&format!("{collector}/dashboard/"))
        .await?;
    browser.type_into("#email", email).await?;
    browser
        .type_into("#password", &format!("{PASSWORD}{ENTER}"))
        .await?;
    Ok(())
}

/// The feedback tab's button on the shop page, once the loader has shown it: its background
/// colour and the side it sits on.
async fn launcher_look(browser: &Browser) -> Result<Value> {
    browser
        .wait_true(
            "the feedback tab",
            "const h = document.querySelector('hark-launcher'); return !!h && !!h.shadowRoot.querySelector('button');",
        )
        .await?;
    browser
        .js("const h = document.querySelector('hark-launcher'); const s = getComputedStyle(h);
             return { background: getComputedStyle(h.shadowRoot.querySelector('button')).backgroundColor,
                      left: s.left, right: s.right };")
        .await
}

#[tokio::test]
async fn an_owner_sets_the_site_up_from_the_dashboard_alone() -> Result<()> {
    let system = System::start().await?;
    user(&system, "owner@shop.test", Role::Owner).await?;
    // An answer to export later.
    let answer: shared::ResponseSubmission = serde_json::from_value(json!({
        "id": "0190a0c2-7b6e-7d3f-9a55-3c1f2e4d5a6b", "site_key": system.site.key,
        "survey_id": "nps", "answers": [{"type": "nps", "question_id": "q1", "score": 9}],
    }))?;
    system.store.insert_response(&answer, 0).await?;

    let owner = Browser::start().await?;
    // The page's Copy button writes to the clipboard, which the test then reads.
    owner
        .cdp(
            "Browser.grantPermissions",
            json!({ "origin": system.collector,
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] }),
        )
        .await?;
    sign_in(&owner, &system.collector, "owner@shop.test").await?;
    owner.wait_text("h1.site-name", "Northwind Coffee").await?;
    enter_on(&owner, "nav a[href='#/settings']").await?;
    enter_on(&owner, "nav.settings-pages a[href='#/settings/site']").await?;

    // The snippet, copied.
    let expected = format!(
        r#"<script src="{}/widget.js" data-site="{}" async></script>"#,
        system.collector, system.site.key
    );
    owner.wait_text("pre.snippet-tag", &expected).await?;
    enter_on(&owner, "button.copy[aria-label='Copy the snippet']").await?;
    owner.wait_text("section.snippet .copied", "Copied").await?;
    let copied = owner.js("return navigator.clipboard.readText()").await?;
    assert_eq!(copied, json!(expected));
    owner
        .wait_text(
            "pre.csp",
            &format!("script-src {} 'wasm-unsafe-eval'", system.collector),
        )
        .await?;
    owner.axe("document", "the site page").await?;

    // Not seen yet; then a visitor opens the shop, and it is.
    enter_on(&owner, "button.check-page-button").await?;
    owner
        .wait_text(".check-result p.not-seen", "Not seen yet")
        .await?;
    let visitor = Browser::start().await?;
    visitor.client.goto(&system.shop).await?;
    let before = launcher_look(&visitor).await?;
    assert_eq!(before["right"], "16px", "{before}");
    enter_on(&owner, "button.check-page-button").await?;
    owner
        .wait_text(
            ".check-result p.seen",
            &format!("Seen on {} just now", system.shop),
        )
        .await?;
    owner.axe("document", "the site page, seen").await?;

    // A new theme: a brand colour and the left side; the shop's tab takes them.
    owner.type_into("#theme-brand", "#d1242f").await?;
    owner.choose("#theme-position", "bottom_left").await?;
    enter_on(&owner, "button.save-widget").await?;
    owner
        .wait_text("form.widget-look .notice", "Widget settings saved")
        .await?;
    // The config is cached a minute by the browser: a visitor's next visit after that.
    visitor.cdp("Network.clearBrowserCache", json!({})).await?;
    visitor.client.goto(&system.shop).await?;
    let after = launcher_look(&visitor).await?;
    assert_eq!(after["background"], "rgb(209, 36, 47)", "{after}");
    assert_eq!(after["left"], "16px", "{after}");
    visitor.stop().await;

    // An export, streamed and saved from the page.
    enter_on(&owner, "a.back").await?;
    enter_on(&owner, "nav.settings-pages a[href='#/settings/exports']").await?;
    enter_on(&owner, "section[data-export=answers] button.download").await?;
    owner
        .wait_text("section[data-export=answers] .progress", "received, 1 row")
        .await?;
    let save = find(&owner, "section[data-export=answers] a.save").await?;
    assert_eq!(
        save.attr("download").await?.as_deref(),
        Some(format!("hark-{}.csv", system.site.key).as_str())
    );
    // Saved as a person saves it: the link clicked, the file in the downloads folder.
    let downloads = tempfile::tempdir()?;
    owner
        .cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": downloads.path() }),
        )
        .await?;
    enter_on(&owner, "section[data-export=answers] a.save").await?;
    let saved = downloads
        .path()
        .join(format!("hark-{}.csv", system.site.key));
    let started = std::time::Instant::now();
    // Chrome reserves the name with an empty file, writes `….crdownload` and renames it over.
    let done = || {
        saved.metadata().is_ok_and(|m| m.len() > 0)
            && std::fs::read_dir(downloads.path()).is_ok_and(|entries| {
                entries
                    .flatten()
                    .all(|e| !e.file_name().to_string_lossy().ends_with(".crdownload"))
            })
    };
    while !done() {
        anyhow::ensure!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the export was not saved to {}",
            saved.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let file = std::fs::read_to_string(&saved)?;
    assert!(
        file.starts_with("id,received_at,survey_id,question_id,type,score"),
        "{file}"
    );
    assert!(
        file.contains("0190a0c2-7b6e-7d3f-9a55-3c1f2e4d5a6b"),
        "{file}"
    );
    owner.axe("document", "the exports page").await?;

    // A second site, made here: the dashboard lands on it.
    enter_on(&owner, "a.back").await?;
    enter_on(&owner, "nav.settings-pages a[href='#/sites/new']").await?;
    owner.type_into("#new-site-name", "Northwind Blog").await?;
    owner
        .type_into("#new-site-origins", "https://blog.example")
        .await?;
    owner.axe("document", "the new site page").await?;
    enter_on(&owner, "button.create-site").await?;
    owner.wait_text("h1.site-name", "Northwind Blog").await?;
    let sites = system.store.sites().await?;
    assert_eq!(sites.len(), 2);
    assert_eq!(sites[1].origins, ["https://blog.example"]);
    // On the new site's page, with its own snippet.
    owner
        .wait_text("pre.snippet-tag", sites[1].key.as_str())
        .await?;
    owner.wait_text("header .role", "owner").await?;

    // Switching back to the shop, and a reload stays there.
    enter_on(&owner, "button.switch-site").await?;
    enter_on(
        &owner,
        &format!("button.site[data-site='{}']", system.site.key),
    )
    .await?;
    owner.wait_text("h1.site-name", "Northwind Coffee").await?;
    owner
        .wait_text("pre.snippet-tag", system.site.key.as_str())
        .await?;
    owner.client.refresh().await?;
    owner.wait_text("h1.site-name", "Northwind Coffee").await?;
    owner
        .wait_text("pre.snippet-tag", system.site.key.as_str())
        .await?;
    owner.stop().await;
    Ok(())
}
