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
use collector::clock::Clock as _;
use peers::{messages_within, smtp_server, to, wait_for_messages};
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// An e-mail in the outbox: recipient, status, attempts, next attempt, last error.
type Delivery = (String, String, i64, Option<i64>, Option<String>);

/// `n` messages at the SMTP server; if they do not come, the panic says what the outbox holds:
/// the events not yet turned into e-mails, and each e-mail with its attempts and last error.
async fn mailed(served: &app::Served, smtp: &peers::SmtpServer, n: usize) -> Vec<String> {
    match messages_within(smtp, n).await {
        Ok(all) => all,
        Err(got) => {
            use sqlx::Connection as _;
            let url = format!("{}?mode=ro", served.database_url);
            let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let unmailed: Vec<(String, String)> =
                sqlx::query_as("SELECT type, event_id FROM outbox_events WHERE mailed_at IS NULL")
                    .fetch_all(&mut db)
                    .await
                    .unwrap();
            let emails: Vec<Delivery> = sqlx::query_as(
                "SELECT recipient, status, attempts, next_at, last_error FROM email_deliveries",
            )
            .fetch_all(&mut db)
            .await
            .unwrap();
            panic!(
                "{n} messages not within 20 s: {got:?}\nevents not mailed yet: {unmailed:?}\n\
                 e-mails (recipient, status, attempts, next at, last error): {emails:?}"
            )
        }
    }
}

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

    let all = mailed(&served, &smtp, 2).await;
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

/// Signs `email` in (its password is `password`) and sets its notification preferences on
/// `site` over HTTP, as the dashboard does.
async fn opt_in(
    served: &app::Served,
    site: &collector::store::Site,
    email: &str,
    password: &str,
    preferences: Value,
) {
    let login = served
        .client
        .post(format!("{}/api/v1/admin/session", served.base))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = login.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = login.json().await.unwrap();
    let put = served
        .client
        .put(format!(
            "{}/api/v1/admin/sites/{}/notifications",
            served.base, site.key
        ))
        .header(reqwest::header::COOKIE, cookie)
        .header("X-CSRF-Token", body["csrf_token"].as_str().unwrap())
        .json(&preferences)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
}

/// The weekly digest goes on Monday at 07:00 UTC to the admins and owners who opted in, each in
/// their language, with the week's answers, NPS, topics, goals and praise, everything the
/// customers wrote escaped in the HTML; a digest job run twice mails once. A goal at risk is
/// mailed to the admins who take `goal.at_risk` (everyone, by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_and_a_goal_at_risk_are_mailed_to_the_admins_who_take_them() {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const PASSWORD: &str = "correct horse battery staple";
    let Some(smtp) = smtp_server() else { return };
    // Monday 2026-11-23, 09:00 UTC.
    let monday = 20_780 * DAY_MS;
    let harness = Harness::new()
        .await
        .smtp(
            &format!("smtp://127.0.0.1:{}", smtp.port),
            "Hark <hark@shop.test>",
        )
        .clock_at(monday + 9 * 3_600_000);
    let site = harness.site("Shop <Main>", &[SHOP]).await;
    let hash = collector::accounts::Password::new(PASSWORD.into())
        .unwrap()
        .hash()
        .unwrap();
    for (email, role) in [
        ("boss@shop.test", Role::Admin),
        ("chef@shop.test", Role::Owner),
        ("quiet@shop.test", Role::Admin),
        ("agent@shop.test", Role::Agent),
    ] {
        let id = harness.store.create_user(email, &hash, 0).await.unwrap();
        harness
            .store
            .set_membership(id, &site.key, role, 0)
            .await
            .unwrap();
    }
    app::why_survey(&harness, &site).await;
    let admin = harness.token(&site, Role::Admin).await;
    let served = harness.serve().await;
    let everything = json!(shared::notify::EMAIL_EVENTS);
    opt_in(
        &served,
        &site,
        "boss@shop.test",
        PASSWORD,
        json!({"language": "en", "email": everything}),
    )
    .await;
    opt_in(
        &served,
        &site,
        "chef@shop.test",
        PASSWORD,
        json!({"language": "de", "email": ["insight.digest"]}),
    )
    .await;
    opt_in(
        &served,
        &site,
        "agent@shop.test",
        PASSWORD,
        json!({"language": "en", "email": everything}),
    )
    .await;

    let goal = served
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/goals",
            served.base, site.key
        ))
        .bearer_auth(&admin)
        .json(&json!({
            "name": "NPS <60> by spring", "metric": "nps", "target": 60,
            "start": "2026-11-23", "deadline": "2027-03-31",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(goal.status(), StatusCode::CREATED);
    // A week of answers: 6 a day, 4 promoters praising the coffee, 2 detractors on delivery.
    for _ in 0..7 {
        for i in 0..6 {
            let (score, text) = if i < 4 {
                (10, "Great coffee, <b>lovely</b> people")
            } else {
                (2, "The delivery was late again")
            };
            let response = served
                .client
                .post(format!("{}/api/v1/responses", served.base))
                .header(ORIGIN, SHOP)
                .header(reqwest::header::CONTENT_TYPE, "text/plain;charset=UTF-8")
                .body(
                    json!({
                        "id": uuid(), "site_key": site.key, "survey_id": "why",
                        "answers": [
                            {"type": "nps", "question_id": "q1", "score": score},
                            {"type": "text", "question_id": "q2", "text": text},
                        ],
                    })
                    .to_string(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        served.clock.advance(DAY_MS);
    }
    // The clock passed Monday 2026-11-30, 07:00, the time the first opt-in set: the job ran.
    let all = wait_for_messages(&smtp, 2).await;
    assert_eq!(
        all.len(),
        2,
        "the admin and the owner who opted in: {all:?}"
    );
    assert!(to(&all, "quiet@shop.test").is_empty(), "not opted in");
    assert!(
        to(&all, "agent@shop.test").is_empty(),
        "agents get no digest"
    );
    let mail = to(&all, "boss@shop.test")[0];
    assert!(
        mail.contains("Subject: Shop <Main>: your week in feedback"),
        "{mail}"
    );
    for needle in [
        "2026-11-23 to 2026-11-29: 42 answers (0 the week before).",
        "NPS 33 (42 answers), no significant change",
        "delivery: 14 answers",
        "NPS <60> by spring: ",
        "target 60",
        "> Great coffee, <b>lovely</b> people",
        "http://hark.test/dashboard/#/insight?from=2026-11-23&to=2026-11-29",
    ] {
        assert!(mail.contains(needle), "{needle} in {mail}");
    }
    assert!(
        mail.contains("Great coffee, &lt;b&gt;lovely&lt;/b&gt; people"),
        "{mail}"
    );
    assert!(mail.contains("Shop &lt;Main&gt;"), "{mail}");
    let german = to(&all, "chef@shop.test")[0];
    assert!(
        german.contains("Ihre Feedback-Woche") && german.contains("42 Antworten"),
        "{german}"
    );

    // The same week again (a job run twice): nothing more.
    collector::insight::digest::send(served.store.as_ref(), &site.key, served.clock.now_ms())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(peers::messages(&smtp).len(), 2);

    // A goal at risk: to every admin and owner who takes it (the quiet admin's defaults do; the
    // owner chose the digest only).
    let goal: Value = goal.json().await.unwrap();
    let id = goal["id"].as_i64().unwrap();
    let event = collector::store::case_store::NewEvent::new(
        "goal.at_risk",
        &json!({"site_key": site.key, "goal": goal}),
    );
    assert!(served
        .store
        .goal_checked(
            &site.key,
            id,
            true,
            Some(&event),
            None,
            served.clock.now_ms()
        )
        .await
        .unwrap());
    let all = wait_for_messages(&smtp, 4).await;
    assert_eq!(all.len(), 4, "{all:?}");
    let at_risk: Vec<&String> = all
        .iter()
        .filter(|m| m.contains("Subject: Goal at risk"))
        .collect();
    assert_eq!(at_risk.len(), 2, "{at_risk:?}");
    for who in ["boss@shop.test", "quiet@shop.test"] {
        let mail = to(
            &at_risk.iter().map(|m| (*m).clone()).collect::<Vec<_>>(),
            who,
        )[0]
        .clone();
        assert!(
            mail.contains("Subject: Goal at risk: NPS <60> by spring"),
            "{mail}"
        );
        assert!(
            mail.contains("misses its target of 60 by 2027-03-31"),
            "{mail}"
        );
        assert!(
            mail.contains("http://hark.test/dashboard/#/goals"),
            "{mail}"
        );
        assert!(mail.contains("NPS &lt;60&gt; by spring"), "{mail}");
    }
}
