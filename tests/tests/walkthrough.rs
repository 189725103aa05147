//! The README's walkthrough of the dashboard, taken by this test: a site with four months of
//! sample answers and complaints (what `cargo xtask demo` imports), and a person who signs in
//! and goes through the pages an admin uses every day. Each page is screenshotted once it shows
//! its data, kept as an artifact (`e2e-artifacts/walkthrough-*.png`), and compared by name with
//! what README.md shows: every screenshot is in the README and in `docs/walkthrough/`, so the
//! walkthrough cannot fall behind the pages silently.
//!
//! `HARK_WALKTHROUGH=update cargo test -p e2e --test walkthrough` writes the screenshots into
//! `docs/walkthrough/` as well, for a commit.

mod support;

use anyhow::{Context as _, Result};
use serde_json::json;
use std::path::PathBuf;
use support::{Browser, System};

/// The walkthrough's steps: the screenshot's name, the page's address (after `/dashboard/`),
/// and a script that returns `true` once the page shows what the screenshot is for.
const STEPS: &[(&str, &str, &str)] = &[
    (
        "inbox",
        "#/inbox",
        "return document.querySelectorAll('table.cases tbody tr').length > 5",
    ),
    (
        "case",
        "",
        "return !!document.querySelector('ol.timeline li') && !!document.querySelector('.case-head h2')",
    ),
    (
        "insight",
        "#/insight",
        "return !!document.querySelector('.score-card .headline') && !!document.querySelector('.topics tbody tr') && !!document.querySelector('.complaint-report')",
    ),
    (
        "responses",
        "#/responses",
        "return document.querySelectorAll('table.responses tbody tr').length > 5",
    ),
    (
        "goals",
        "#/goals",
        "return !!document.querySelector('section.goal .trend-table, section.goal svg')",
    ),
    (
        "surveys",
        "#/surveys",
        "return document.querySelectorAll('table.survey-list tbody tr').length > 1",
    ),
    (
        "builder",
        "#/surveys/new?template=nps-follow-ups",
        "const start = document.querySelector('button.start-preview'); if (start) start.click(); return document.querySelectorAll('li.question').length > 1 && !!document.querySelector('.preview-stage hark-widget')",
    ),
    (
        "site",
        "#/settings/site",
        "return !!document.querySelector('pre.snippet-tag') && !!document.querySelector('#theme-brand')",
    ),
    (
        "team",
        "#/settings/team",
        "return document.querySelectorAll('table.members tbody tr').length > 0",
    ),
];

const DAY_MS: i64 = 86_400_000;

/// The UTC date of `ms`, as the goals API takes it.
fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .expect("a time in range")
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_readme_walks_through_the_dashboard_in_screenshots_taken_here() -> Result<()> {
    let system = System::start().await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    system.seed_demo_answers(now).await?;
    let complaints = collector::import_complaints::sample_complaints(120, now, 7);
    collector::import_complaints::import_complaints(
        system.store.as_ref(),
        &system.site.key,
        complaints.as_bytes(),
        false,
        now,
        &mut |_| {},
    )
    .await?;
    let admin = format!(
        "{}/api/v1/admin/sites/{}",
        system.collector, system.site.key
    );
    // The imported survey is the one with answers: the site's first (default) one is put away.
    system
        .http
        .post(format!("{admin}/surveys/nps/status"))
        .bearer_auth(&system.owner)
        .json(&json!({"status": "archived"}))
        .send()
        .await?
        .error_for_status()?;
    // A team of three.
    let hash = collector::accounts::Password::new("correct horse battery staple".into())
        .map_err(anyhow::Error::msg)?
        .hash()
        .map_err(anyhow::Error::msg)?;
    for (email, role) in [
        ("ann@northwind.test", collector::access::Role::Owner),
        ("sam@northwind.test", collector::access::Role::Agent),
        ("kim@northwind.test", collector::access::Role::Viewer),
    ] {
        let user = system.store.create_user(email, &hash, now).await?;
        system
            .store
            .set_membership(user, &system.site.key, role, now)
            .await?;
    }
    system
        .http
        .post(format!("{admin}/goals"))
        .bearer_auth(&system.owner)
        .json(&json!({
            "name": "NPS 40 by the end of the quarter", "metric": "nps", "target": 40,
            "start": day(now - 56 * DAY_MS), "deadline": day(now + 35 * DAY_MS),
        }))
        .send()
        .await?
        .error_for_status()?;
    let list: serde_json::Value = system
        .http
        .get(format!("{admin}/complaints?status=active&limit=1"))
        .bearer_auth(&system.owner)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let case = list["complaints"][0]["id"]
        .as_str()
        .context("no active case")?
        .to_owned();

    let browser = Browser::start().await?;
    browser.client.set_window_size(1280, 860).await?;
    browser
        .client
        .goto(&format!("{}/dashboard/", system.collector))
        .await?;
    browser
        .wait_true(
            "the sign-in form",
            "return !!document.querySelector('#token')",
        )
        .await?;
    let mut taken = vec![shot(&browser, "sign-in").await?];
    browser.sign_in(&system.collector, &system.owner).await?;
    for &(name, page, ready) in STEPS {
        let page = if name == "case" {
            format!("#/cases/{case}")
        } else {
            page.to_owned()
        };
        browser
            .client
            .goto(&format!("{}/dashboard/{page}", system.collector))
            .await?;
        browser
            .wait_true(&format!("the {name} page with its data"), ready)
            .await?;
        // Charts and counts that load beside the page's first data.
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        browser.axe("document", &format!("the {name} page")).await?;
        taken.push(shot(&browser, name).await?);
    }
    browser.stop().await;

    let readme = std::fs::read_to_string(repo().join("README.md"))?;
    let mut missing = Vec::new();
    for name in &taken {
        let path = format!("docs/walkthrough/{name}.png");
        if !readme.contains(&path) || !repo().join(&path).is_file() {
            missing.push(path);
        }
    }
    assert!(
        missing.is_empty(),
        "README.md's walkthrough lacks {missing:?}: run `HARK_WALKTHROUGH=update cargo test -p e2e --test walkthrough` and show them in README.md"
    );
    Ok(())
}

/// Screenshots the page as `walkthrough-NAME.png` among the artifacts and, when asked, into
/// `docs/walkthrough/NAME.png`; the name.
async fn shot(browser: &Browser, name: &str) -> Result<String> {
    browser
        .js("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); return null")
        .await?;
    browser
        .keep_screenshot(&format!("walkthrough-{name}.png"))
        .await?;
    if std::env::var("HARK_WALKTHROUGH").as_deref() == Ok("update") {
        let dir = repo().join("docs").join("walkthrough");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join(format!("{name}.png")),
            browser.client.screenshot().await?,
        )?;
    }
    Ok(name.to_owned())
}
