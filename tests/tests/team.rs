//! The team and the account in a real browser against a real collector: an owner invites a
//! colleague from the Team page, a real SMTP server gets the invitation, the colleague opens its
//! link in a second browser, chooses a password and lands signed in on the inbox, and the link
//! is refused when opened again; a user turns two-factor sign-in on from the Account page with a
//! code the test computes from the key the page shows (RFC 6238, the test's own), signs out,
//! signs in with the password and a code, and a recovery code works once. axe-core finds nothing
//! on each page.

#[path = "../../collector/tests/support/peers.rs"]
mod peers;
mod support;
#[path = "../../collector/tests/support/totp.rs"]
mod totp;

use anyhow::{Context as _, Result};
use collector::access::Role;
use collector::clock::{Clock as _, ManualClock};
use serde_json::{json, Value};
use std::sync::Arc;
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

/// Signs in on the dashboard's form with `email` and `PASSWORD`, by keyboard; with `code`, the
/// second factor the form then asks for.
async fn sign_in(
    browser: &Browser,
    collector: &str,
    email: &str,
    code: Option<&str>,
) -> Result<()> {
    browser
        .client
        .goto(&format!("{collector}/dashboard/"))
        .await?;
    browser.type_into("#email", email).await?;
    browser
        .type_into("#password", &format!("{PASSWORD}{ENTER}"))
        .await?;
    if let Some(code) = code {
        browser
            .type_into("input#code", &format!("{code}{ENTER}"))
            .await?;
    }
    Ok(())
}

/// Waits for the signed-in inbox of the system's site.
async fn at_inbox(browser: &Browser) -> Result<()> {
    browser
        .wait_text("nav a[aria-current=page]", "Inbox")
        .await?;
    browser.wait_text("h1.site-name", "Northwind Coffee").await
}

async fn sign_out(browser: &Browser) -> Result<()> {
    browser.click("button.sign-out").await?;
    browser
        .wait_element(
            "the sign-in form",
            "return document.querySelector('#email')",
        )
        .await?;
    Ok(())
}

/// The invitation link in a mail: `…/dashboard/#/invite/` and 64 hex digits.
fn link_in(mail: &str) -> Result<String> {
    let marker = "/dashboard/#/invite/";
    let at = mail
        .find(marker)
        .context("no invitation link in the mail")?;
    let start = mail[..at].rfind("http://").context("the link's origin")?;
    let token: String = mail[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    anyhow::ensure!(token.len() == 64, "a 64 hex digit token: {mail}");
    Ok(format!("{}{marker}{token}", &mail[start..at]))
}

#[tokio::test]
async fn an_owner_invites_a_colleague_who_joins_from_the_mailed_link_once() -> Result<()> {
    let Some(smtp) = peers::smtp_server() else {
        return Ok(());
    };
    let system = System::start_with_mail(Some(&format!("smtp://127.0.0.1:{}", smtp.port))).await?;
    user(&system, "owner@shop.test", Role::Owner).await?;

    let owner = Browser::start().await?;
    sign_in(&owner, &system.collector, "owner@shop.test", None).await?;
    at_inbox(&owner).await?;
    // The settings page links the team.
    owner.click("nav a[href='#/settings']").await?;
    owner
        .click("nav.settings-pages a[href='#/settings/team']")
        .await?;
    owner
        .wait_text("table.members tbody td.email", "owner@shop.test")
        .await?;
    owner.axe("document", "the team page").await?;

    owner
        .type_into("#invite-email", "colleague@shop.test")
        .await?;
    owner.choose("#invite-role", "agent").await?;
    // Enter in the address sends the form.
    owner
        .type_into("#invite-email", &format!("colleague@shop.test{ENTER}"))
        .await?;
    owner
        .wait_text(
            "form.invite .notice",
            "Invitation mailed to colleague@shop.test",
        )
        .await?;
    owner
        .wait_text("table.invitations td.email", "colleague@shop.test")
        .await?;
    owner
        .axe("document", "the team page with an invitation")
        .await?;

    let mail = peers::wait_for_messages(&smtp, 1).await;
    let to = peers::to(&mail, "colleague@shop.test");
    assert_eq!(to.len(), 1, "{mail:?}");
    let link = link_in(to[0])?;
    assert!(link.starts_with(&system.collector), "{link}");

    // The colleague, in a browser of their own.
    let colleague = Browser::start().await?;
    colleague.client.goto(&link).await?;
    colleague
        .wait_text("main.invite h2", "Join Northwind Coffee")
        .await?;
    colleague.wait_text(".invited-role", "agent").await?;
    colleague.axe("document", "the invitation page").await?;
    colleague
        .type_into("#invite-password", "a colleague's own passphrase")
        .await?;
    colleague
        .type_into(
            "#invite-password-again",
            &format!("a colleague's own passphrase{ENTER}"),
        )
        .await?;
    at_inbox(&colleague).await?;
    colleague
        .wait_text("header .who", "colleague@shop.test")
        .await?;
    colleague.wait_text("header .role", "agent").await?;
    let hash = colleague.js("return location.hash").await?;
    assert_eq!(hash, json!("#/inbox"), "the spent token left the address");

    // The link works once.
    colleague.client.goto(&link).await?;
    colleague
        .wait_text(
            "main.invite .error[role=alert]",
            "this invitation was used already",
        )
        .await?;
    assert_eq!(
        colleague
            .js("return document.querySelectorAll('main.invite form').length")
            .await?,
        json!(0)
    );
    colleague
        .axe("document", "the invitation page of a used link")
        .await?;

    // The owner's team has the colleague, and no pending invitation.
    owner.client.refresh().await?;
    owner
        .wait_true(
            "the colleague in the team",
            "return [...document.querySelectorAll('table.members td.email')]
                .some(td => td.textContent === 'colleague@shop.test')",
        )
        .await?;
    owner
        .wait_element(
            "no pending invitation",
            "return document.querySelector('section.invitations p.empty')",
        )
        .await?;
    owner.stop().await;
    colleague.stop().await;
    Ok(())
}

#[tokio::test]
async fn two_factor_sign_in_is_enrolled_on_the_account_page_and_a_recovery_code_works_once(
) -> Result<()> {
    // The collector's clock, moved by the test: a code's 30-second step can be used once, so
    // the next sign-in waits for the next step without sleeping.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let clock = Arc::new(ManualClock::at(now));
    let system = System::start_with(None, Some(clock.clone())).await?;
    user(&system, "ann@shop.test", Role::Admin).await?;

    let browser = Browser::start().await?;
    sign_in(&browser, &system.collector, "ann@shop.test", None).await?;
    at_inbox(&browser).await?;
    // The header's address leads to the account.
    browser.click("header a.who").await?;
    browser
        .type_into("#two-factor-password", &format!("{PASSWORD}{ENTER}"))
        .await?;
    let shown = browser
        .wait_element(
            "the key for the app",
            "return document.querySelector('code.two-factor-secret')",
        )
        .await?;
    let secret = shown
        .attr("data-secret")
        .await?
        .context("the key's data-secret")?;
    let uri = browser
        .js("return document.querySelector('#otpauth-uri').value")
        .await?;
    assert!(
        uri.as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/") && u.contains(&secret)),
        "{uri}"
    );
    browser
        .axe("document", "the account page, enrolling")
        .await?;
    let key = totp::base32_decode(&secret);
    browser
        .type_into(
            "#two-factor-code",
            &format!("{}{ENTER}", totp::totp(&key, clock.now_ms())),
        )
        .await?;
    browser
        .wait_element(
            "the recovery codes",
            "return document.querySelector('ol.recovery-codes li')",
        )
        .await?;
    let codes: Vec<String> = serde_json::from_value(
        browser
            .js("return [...document.querySelectorAll('ol.recovery-codes li')].map(li => li.textContent)")
            .await?,
    )?;
    assert_eq!(codes.len(), 10, "{codes:?}");
    browser
        .axe("document", "the account page with the recovery codes")
        .await?;
    browser.click("button.codes-done").await?;
    browser
        .wait_text("p.two-factor-state", "10 recovery codes left")
        .await?;

    // Signing in now asks for a code: a wrong one is refused with the collector's words.
    sign_out(&browser).await?;
    clock.advance(30_000);
    let right = totp::totp(&key, clock.now_ms());
    let wrong = format!("{:06}", (right.parse::<u32>()? + 1) % 1_000_000);
    sign_in(&browser, &system.collector, "ann@shop.test", Some(&wrong)).await?;
    browser
        .wait_text(
            ".error[role=alert]",
            "the code is wrong or was used already",
        )
        .await?;
    browser
        .axe("document", "the sign-in asking for a code")
        .await?;
    browser
        .type_into("input#code", &format!("{right}{ENTER}"))
        .await?;
    at_inbox(&browser).await?;

    // A recovery code instead of the app's: once.
    sign_out(&browser).await?;
    sign_in(
        &browser,
        &system.collector,
        "ann@shop.test",
        Some(&codes[0]),
    )
    .await?;
    at_inbox(&browser).await?;
    sign_out(&browser).await?;
    sign_in(
        &browser,
        &system.collector,
        "ann@shop.test",
        Some(&codes[0]),
    )
    .await?;
    browser
        .wait_text(
            ".error[role=alert]",
            "the code is wrong or was used already",
        )
        .await?;
    let status: Value = browser
        .js("return document.querySelector('nav.sections') === null")
        .await?;
    assert_eq!(status, json!(true), "a spent recovery code signed in");
    browser.stop().await;
    Ok(())
}
