//! E-mail notifications through a real SMTP server the test starts (Python's `aiosmtpd`,
//! installed by `cargo xtask setup`, printing each message it receives): the hot-stove alert of
//! a complaint filed from the shop reaches the site's admins, in plain text with an HTML
//! alternative in which the customer's words are escaped.

#[path = "support/app.rs"]
mod app;
#[path = "support/peers.rs"]
mod peers;

use app::{uuid, Harness, SHOP};
use collector::access::Role;
use peers::{smtp_server, to, wait_for_messages};
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Users with these roles on the site; their ids.
async fn users(harness: &Harness, site: &collector::store::Site, who: &[(&str, Role)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (email, role) in who {
        let id = harness.store.create_user(email, "x", 0).await.unwrap();
        harness
            .store
            .set_membership(id, &site.key, *role, 0)
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hot_stove_alert_is_mailed_to_the_admins_who_take_it_in_their_language() {
    let Some(smtp) = smtp_server() else { return };
    let harness = Harness::new().await.smtp(
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "Hark <hark@shop.test>",
    );
    let site = harness.site("Shop", &[SHOP]).await;
    let ids = users(
        &harness,
        &site,
        &[
            ("boss@shop.test", Role::Admin),
            ("agent@shop.test", Role::Agent),
            ("chef@shop.test", Role::Owner),
            ("quiet@shop.test", Role::Admin),
        ],
    )
    .await;
    for (id, language, events) in [
        (ids[2], "de", &shared::notify::EMAIL_EVENTS[..]),
        (ids[3], "en", &["sla.breached"][..]),
    ] {
        let p = shared::notify::NotificationPreferences {
            language: language.into(),
            email: events.iter().map(|e| (*e).to_owned()).collect(),
        };
        assert!(harness
            .store
            .set_notification_preferences(&site.key, id, &p)
            .await
            .unwrap());
    }
    let served = harness.serve().await;
    let response = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem",
            "description": "I was charged twice <b>today</b>", "impact": 3, "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let filed: Value = response.json().await.unwrap();
    let reference = filed["reference"].as_str().unwrap().to_owned();

    let all = wait_for_messages(&smtp, 2).await;
    assert_eq!(all.len(), 2, "the admin and the owner: {all:?}");
    assert!(
        to(&all, "agent@shop.test").is_empty(),
        "agents are not alerted"
    );
    assert!(
        to(&all, "quiet@shop.test").is_empty(),
        "an admin who does not take hot-stove alerts gets none"
    );
    let mail = to(&all, "boss@shop.test")[0];
    assert!(
        mail.contains(&format!(
            "Subject: Hot stove: {reference} needs attention now"
        )),
        "{mail}"
    );
    assert!(mail.contains("From: Hark <hark@shop.test>"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains("text/plain") && mail.contains("text/html"),
        "{mail}"
    );
    assert!(
        mail.contains("> I was charged twice <b>today</b>"),
        "the text part quotes it: {mail}"
    );
    assert!(
        mail.contains("I was charged twice &lt;b&gt;today&lt;/b&gt;"),
        "the HTML part escapes it: {mail}"
    );
    assert!(
        mail.contains(&format!(
            "http://hark.test/dashboard/#/cases/{}",
            filed["id"].as_str().unwrap()
        )),
        "it links to the case: {mail}"
    );
    let german = to(&all, "chef@shop.test")[0];
    assert!(
        german.contains("Der Kunde schrieb:") && german.contains("Sofortregel"),
        "the owner reads it in German: {german}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admins_are_told_when_a_webhook_is_switched_off() {
    let Some(smtp) = smtp_server() else { return };
    let harness = Harness::new()
        .await
        .smtp(
            &format!("smtp://127.0.0.1:{}", smtp.port),
            "Hark <hark@shop.test>",
        )
        .webhook_allow(&["127.0.0.0/8"]);
    let site = harness.site("Shop", &[SHOP]).await;
    users(&harness, &site, &[("boss@shop.test", Role::Admin)]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let served = harness.serve().await;

    // A receiver that is gone for good.
    let gone = axum::Router::new().route(
        "/hook",
        axum::routing::post(|| async { axum::http::StatusCode::GONE }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, gone).await.unwrap() });
    let hooks = format!("{}/api/v1/admin/sites/{}/webhooks", served.base, site.key);
    let created = served
        .client
        .post(&hooks)
        .bearer_auth(&admin)
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let response = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem",
            "description": "The page is slow", "impact": 2, "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    let all = wait_for_messages(&smtp, 1).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let mail = &all[0];
    assert!(mail.contains("To: boss@shop.test"), "{mail}");
    assert!(
        mail.contains(&format!("Subject: Webhook switched off: {url}")),
        "{mail}"
    );
    assert!(mail.contains("#/settings/webhooks"), "{mail}");
    let listed: Value = served
        .client
        .get(&hooks)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["webhooks"][0]["enabled"], false, "{listed}");
}
