//! Every channel into one repository: a complaint the team logs from a call, a chat or a
//! review (or an integration sends with an API token) goes through the same workflow as one
//! from the widget, says on its timeline who logged it and from where, is stored once per
//! `external_id`, and is exported with its channel.

#[path = "support/app.rs"]
mod app;
#[path = "support/events.rs"]
mod events;
#[path = "support/peers.rs"]
mod peers;

use app::{error_of, Harness, SHOP};
use collector::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_logs_a_complaint_from_a_call_and_it_is_worked_like_any_other() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let other = harness.site("Other", &[SHOP]).await;
    let agent = harness.token(&site, Role::Agent).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let stranger = harness.token(&other, Role::Owner).await;
    let served = harness.serve().await;
    let url = format!("{}/api/v1/admin/sites/{}/complaints", served.base, site.key);
    let log = |token: &str, body: Value| {
        served
            .client
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let call = json!({
        "channel": "phone", "description": "Called: the card was charged twice",
        "category": "Billing", "impact": 3, "email": "ann@example.com", "contact_consent": true,
        "locale": "de-CH", "external_id": "call-0042", "source_url": "https://crm.example/calls/42",
    });

    // Refused, with the reason, and nothing stored.
    for (body, why) in [
        (
            json!({"channel": "widget", "description": "x"}),
            "channel is one of phone",
        ),
        (
            json!({"channel": "fax", "description": "x"}),
            "channel is one of phone",
        ),
        (json!({"channel": "chat", "description": ""}), "description"),
        (
            json!({"channel": "chat", "description": "x", "category": "Nope"}),
            "categor",
        ),
        (
            json!({"channel": "chat", "description": "x", "external_id": " "}),
            "external_id",
        ),
        (
            json!({"channel": "chat", "description": "x", "source_url": "javascript:alert(1)"}),
            "source_url",
        ),
        (
            json!({"channel": "chat", "description": "x", "locale": "not a tag"}),
            "locale",
        ),
    ] {
        let (status, _, message) = error_of(log(&agent, body.clone()).await.unwrap()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {message}"
        );
        assert!(message.contains(why), "{body}: {message}");
    }
    let (status, _, message) = error_of(
        log(
            &agent,
            json!({"channel": "chat", "description": "x", "extra": 1}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("unknown field `extra`"), "{message}");
    assert_eq!(
        log(&viewer, call.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        log(&stranger, call.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let response = log(&agent, call.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let filed: Value = response.json().await.unwrap();
    let id = filed["id"].as_str().unwrap().to_owned();
    assert!(filed["reference"].as_str().unwrap().starts_with("HK-"));
    assert!(filed["status_url"].as_str().unwrap().contains("/c/"));
    // The integration's retry: the same case, nothing new.
    let again = log(&agent, call.clone()).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], id.as_str());

    let page: Value = served
        .client
        .get(format!("{url}/{id}"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = &page["complaint"];
    assert_eq!(case["channel"], "phone", "{page}");
    assert_eq!(case["source_url"], "https://crm.example/calls/42");
    assert_eq!(case["category"], "Billing");
    assert_eq!(case["locale"], "de-CH");
    assert_eq!(case["email"], "ann@example.com");
    assert_eq!(
        case["visitor"],
        Value::Null,
        "no visitor: the team's browser is not the customer's"
    );
    // The same workflow: the hot-stove rule for double charges made it P1, and its SLA
    // clocks run.
    assert_eq!(
        (case["hot"].as_bool(), case["priority"].as_str()),
        (Some(true), Some("P1"))
    );
    assert!(!case["sla"].as_array().unwrap().is_empty(), "{case}");
    let received = &page["timeline"][0];
    assert_eq!(received["kind"], "received", "{page}");
    assert_eq!(received["actor"]["type"], "token", "{received}");
    assert_eq!(received["detail"], "logged by the team from phone");
    assert_eq!(
        page["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "received")
            .count(),
        1
    );

    // One case in the inbox, and the export says where it came from.
    let list: Value = served
        .client
        .get(&url)
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["complaints"].as_array().unwrap().len(), 1, "{list}");
    let csv = served
        .client
        .get(format!("{url}/export"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",channel,source_url"), "{header}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .ends_with(",phone,https://crm.example/calls/42"),
        "{csv}"
    );

    // The `complaint.created` event carries the channel.
    let pool = sqlx::SqlitePool::connect(&served.database_url)
        .await
        .unwrap();
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM outbox_events WHERE type = 'complaint.created'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(payloads.len(), 1);
    let created: Value = serde_json::from_str(&payloads[0]).unwrap();
    assert_eq!(created["complaint"]["channel"], "phone");

    // A widget complaint says `widget`.
    let widget = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(reqwest::header::ORIGIN, SHOP)
        .json(&json!({
            "id": app::uuid(), "site_key": site.key, "kind": "problem",
            "description": "The page is slow", "impact": 2, "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(widget.status(), StatusCode::CREATED);
    let id: String = widget.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .into();
    let page: Value = served
        .client
        .get(format!("{url}/{id}"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["complaint"]["channel"], "widget");
    assert_eq!(page["timeline"][0]["detail"], "filed from the widget");
}

/// `hark import complaints`: a dry run reports each bad row by line; a good file is imported at
/// each complaint's own time, through the intake rules, with its SLA clocks stopped where its
/// history says, so that the complaint metrics count it; nothing is sent for the past; a second
/// run (or the intake API with the same external id) stores nothing new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hark_import_complaints_checks_each_row_and_keeps_the_history() {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let agent = harness.token(&site, Role::Agent).await;
    let served = harness.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let hark = |args: &[&str]| served.hark(args);
    let day = |d: i64, hour: i64| {
        jiff::Timestamp::from_millisecond(app::START_MS - d * DAY_MS + hour * 3_600_000)
            .unwrap()
            .to_string()
    };
    let header = "external_id,received_at,description,channel,category,impact,status,first_response_at,resolved_at";
    let bad = format!(
        "{header}\n\
         b1,{},Late parcel,phone,Delivery,2,closed,{},{}\n\
         b2,{},No category,fax,,,,,\n\
         b3,{},Never resolved,chat,,,closed,,\n\
         b4,{},Answered before it came,email,,,in_progress,{},\n\
         b5,{},,phone,,,,,\n\
         b1,{},Twice,phone,,,,,\n",
        day(10, 0),
        day(10, 2),
        day(9, 0),
        day(5, 0),
        day(5, 0),
        day(5, 0),
        day(6, 0),
        day(5, 0),
        day(5, 0),
    );
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, bad).unwrap();
    let out = hark(&[
        "import",
        "complaints",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<(i64, String)> = report["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["line"].as_i64().unwrap(),
                b["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lines.iter().map(|l| l.0).collect::<Vec<_>>(),
        [3, 4, 5, 6, 7],
        "{report}"
    );
    assert!(lines[0].1.contains("channel is one of"), "{lines:?}");
    assert!(lines[1].1.contains("needs resolved_at"), "{lines:?}");
    assert!(lines[2].1.contains("before received_at"), "{lines:?}");
    assert!(lines[3].1.contains("description"), "{lines:?}");
    assert!(lines[4].1.contains("also on line 2"), "{lines:?}");
    assert!(served
        .store
        .complaints_page(&site.key, None, 10)
        .await
        .unwrap()
        .is_empty());

    // Resolved within business hours: answered after 2 h, resolved the next day.
    let good = format!(
        "{header}\n\
         g1,{},The parcel arrived late,phone,Delivery,2,closed,{},{}\n\
         g2,{},I was charged twice,email,Billing,3,in_progress,{},\n\
         g3,{},The page froze,widget,Website,1,new,,\n",
        day(10, 0),
        day(10, 2),
        day(9, 0),
        day(3, 0),
        day(3, 1),
        day(1, 0),
    );
    let path = dir.path().join("good.csv");
    std::fs::write(&path, good).unwrap();
    let out = hark(&[
        "import",
        "complaints",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], 3, "{report}");
    let again = hark(&[
        "import",
        "complaints",
        "--site",
        site.key.as_str(),
        path.to_str().unwrap(),
        "--json",
    ]);
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (report["imported"].as_i64(), report["already"].as_i64()),
        (Some(0), Some(3))
    );

    let cases = served
        .store
        .complaints_page(&site.key, None, 10)
        .await
        .unwrap();
    assert_eq!(cases.len(), 3);
    let g1 = cases
        .iter()
        .find(|c| c.description.contains("parcel"))
        .unwrap();
    assert_eq!(g1.status, shared::case::Status::Closed);
    assert_eq!(g1.received_at, app::START_MS - 10 * DAY_MS);
    assert_eq!(g1.resolved_at, Some(app::START_MS - 9 * DAY_MS));
    assert_eq!(g1.channel, "phone");
    let g2 = cases
        .iter()
        .find(|c| c.description.contains("twice"))
        .unwrap();
    // The intake rules ran: "charged twice" is a hot stove, so P1, but nothing was sent.
    assert!(g2.hot);
    let pool = sqlx::SqlitePool::connect(&served.database_url)
        .await
        .unwrap();
    let (events, jobs): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM outbox_events), (SELECT COUNT(*) FROM jobs WHERE kind = 'sla.alarm')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (events, jobs),
        (0, 0),
        "no webhook, e-mail or alarm about the past"
    );
    let timeline = served.store.timeline(&g1.id).await.unwrap();
    assert_eq!(timeline[0].detail.as_deref(), Some("imported: from phone"));
    assert!(timeline
        .iter()
        .any(|e| e.detail.as_deref() == Some("new → closed (imported)")));

    // The complaint metrics count the history: g1's first response took 2 hours.
    let report: Value = served
        .client
        .get(format!(
            "{}/api/v1/admin/sites/{}/insight/complaints?days=30",
            served.base, site.key
        ))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let all = &report["groups"][0];
    assert_eq!(all["received"], 3, "{all}");
    assert_eq!(all["resolved"], 1, "{all}");
    assert!(all["first_response"]["n"].as_u64().unwrap() >= 1, "{all}");

    // The intake API with an imported id: the same case.
    let replay = served
        .client
        .post(format!("{}/api/v1/admin/sites/{}/complaints", served.base, site.key))
        .bearer_auth(&agent)
        .json(&json!({"channel": "phone", "description": "The parcel arrived late", "external_id": "g1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(
        replay.json::<Value>().await.unwrap()["id"],
        g1.id.to_string()
    );

    // A generated sample imports whole.
    let out = hark(&[
        "import",
        "complaints",
        "--site",
        site.key.as_str(),
        "--sample-days",
        "30",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["imported"].as_i64().unwrap() >= 30, "{report}");
}

/// The imports over HTTP, for integrations: the CLI's CSV as the body. Answers keep their
/// channel (listed and exported with it); bad rows are a `422` with each by line and nothing
/// stored; a dry run stores nothing; only CSV is taken; answers need an admin, complaints an
/// agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_imports_take_the_csv_over_http() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    app::why_survey(&harness, &site).await;
    let admin = harness.token(&site, Role::Admin).await;
    let agent = harness.token(&site, Role::Agent).await;
    let served = harness.serve().await;
    let base = format!("{}/api/v1/admin/sites/{}", served.base, site.key);
    let post = |path: &str, token: &str, media: &str, body: String| {
        served
            .client
            .post(format!("{base}/{path}"))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, media)
            .body(body)
            .send()
    };
    let when = jiff::Timestamp::from_millisecond(app::START_MS - 86_400_000)
        .unwrap()
        .to_string();
    let answers = format!(
        "external_id,received_at,survey_id,nps,comment,channel\n\
         p1,{when},why,9,Friendly on the phone,phone\n\
         p2,{when},why,4,Slow reply,email\n"
    );
    let bad = format!("{answers}p3,{when},why,12,,phone\n");

    assert_eq!(
        post("responses/import", &agent, "text/csv", answers.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let (status, _, message) = error_of(
        post("responses/import", &admin, "application/json", "{}".into())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{message}");
    let refused = post("responses/import", &admin, "text/csv", bad)
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["report"]["bad"][0]["line"], 4, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
    let dry = post(
        "responses/import?dry_run=true",
        &admin,
        "text/csv",
        answers.clone(),
    )
    .await
    .unwrap();
    assert_eq!(dry.status(), StatusCode::OK);
    assert_eq!(dry.json::<Value>().await.unwrap()["rows"], 2);
    assert!(served
        .store
        .responses(&site.key, 10)
        .await
        .unwrap()
        .is_empty());
    let done = post("responses/import", &admin, "text/csv", answers)
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap()["imported"], 2);
    let listed: Value = served
        .client
        .get(format!("{base}/responses"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut channels: Vec<&str> = listed["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["channel"].as_str().unwrap())
        .collect();
    channels.sort();
    assert_eq!(channels, ["email", "phone"], "{listed}");
    let csv = served
        .client
        .get(format!("{base}/export"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",channel"));
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.ends_with(",phone") || l.ends_with(",email")),
        "{csv}"
    );

    let complaints = format!(
        "external_id,received_at,description,channel,status,resolved_at\n\
         c1,{when},The invoice was wrong,email,closed,{when}\n"
    );
    let done = post("complaints/import", &agent, "text/csv", complaints)
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap()["imported"], 1);
    let cases = served
        .store
        .complaints_page(&site.key, None, 10)
        .await
        .unwrap();
    assert_eq!((cases.len(), cases[0].channel.as_str()), (1, "email"));
}

/// Sharing with internal teams: an admin names destinations (refused, field by field, when
/// wrong); an agent shares a case with one, with a private note: a real SMTP server receives
/// the summary at the team's address, a webhook receiver gets `feedback.shared` signed so that
/// the Standard Webhooks reference library verifies it, and the timeline records the share.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_shared_with_a_team_by_mail_and_webhook_and_the_timeline_says_so() {
    let Some(smtp) = peers::smtp_server() else {
        return;
    };
    let harness = Harness::new()
        .await
        .smtp(
            &format!("smtp://127.0.0.1:{}", smtp.port),
            "Hark <hark@shop.test>",
        )
        .webhook_allow(&["127.0.0.0/8"])
        // The reference library refuses a signature made at another time than its own clock's.
        .clock_at(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64,
        );
    let site = harness.site("Shop", &[SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let agent = harness.token(&site, Role::Agent).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    app::why_survey(&harness, &site).await;
    let served = harness.serve().await;
    let base = format!("{}/api/v1/admin/sites/{}", served.base, site.key);

    let got: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>> =
        Default::default();
    let seen = got.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let created: Value = served
        .client
        .post(format!("{base}/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({"url": url, "events": ["feedback.shared"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();

    let put = |token: &str, body: Value| {
        served
            .client
            .put(format!("{base}/share-destinations"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let (status, _, message) = error_of(
        put(
            &admin,
            json!({"destinations": [{"name": "Billing"}, {"name": "", "email": "x@y"}]}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        message.contains("destinations[0].email") && message.contains("destinations[1].name"),
        "{message}"
    );
    let destinations = json!({"destinations": [
        {"name": "Product team", "email": "product@shop.test", "webhook": true},
        {"name": "Billing", "email": "billing@shop.test"},
    ]});
    assert_eq!(
        put(&agent, destinations.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&admin, destinations).await.unwrap().status(),
        StatusCode::OK
    );

    let filed: Value = served
        .client
        .post(format!("{base}/complaints"))
        .bearer_auth(&agent)
        .json(&json!({"channel": "chat", "description": "The app <b>crashes</b> when I pay", "category": "Website"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = filed["id"].as_str().unwrap().to_owned();
    let share = |body: Value| {
        served
            .client
            .post(format!("{base}/complaints/{id}/share"))
            .bearer_auth(&agent)
            .json(&body)
            .send()
    };
    let (status, _, message) =
        error_of(share(json!({"destination": "Legal"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("Product team, Billing"), "{message}");
    let shared =
        share(json!({"destination": "Product team", "note": "Third one this week <i>!</i>"}))
            .await
            .unwrap();
    assert_eq!(shared.status(), StatusCode::CREATED);
    let page: Value = shared.json().await.unwrap();
    let entry = page["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["detail"] == "shared with Product team")
        .unwrap_or_else(|| panic!("{page}"));
    assert_eq!(entry["kind"], "internal_note");
    assert_eq!(entry["body"], "Third one this week <i>!</i>");

    // The mail, at the team's address.
    let all = peers::wait_for_messages(&smtp, 1).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let mail = &all[0];
    assert!(mail.contains("To: product@shop.test"), "{mail}");
    assert!(
        mail.contains(&format!(
            "Subject: Shared with Product team: {}",
            filed["reference"].as_str().unwrap()
        )),
        "{mail}"
    );
    assert!(
        mail.contains("> The app <b>crashes</b> when I pay"),
        "{mail}"
    );
    assert!(
        mail.contains("The app &lt;b&gt;crashes&lt;/b&gt; when I pay"),
        "{mail}"
    );
    assert!(mail.contains("> Third one this week <i>!</i>"), "{mail}");
    assert!(mail.contains(&format!("/dashboard/#/cases/{id}")), "{mail}");

    // The webhook, signed.
    let event = verified_delivery(&got, &secret, |_| true, "feedback.shared").await;
    assert_eq!(event["type"], "feedback.shared");
    assert_eq!(event["data"]["destination"]["name"], "Product team");
    assert_eq!(event["data"]["complaint"]["reference"], filed["reference"]);
    assert_eq!(event["data"]["note"], "Third one this week <i>!</i>");

    // A problem record, to billing's address only.
    let problem: Value = served
        .client
        .post(format!("{base}/problems"))
        .bearer_auth(&agent)
        .json(&json!({"title": "Payment page crashes", "category": "Website", "workaround": "Pay by invoice"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pid = problem["id"].as_i64().unwrap();
    let share_problem = |token: &str, pid: i64, body: Value| {
        served
            .client
            .post(format!("{base}/problems/{pid}/share"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let body = json!({"destination": "Billing", "note": "Refunds pile up"});
    assert_eq!(
        share_problem(&viewer, pid, body.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        share_problem(&agent, pid + 100, body.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        share_problem(&agent, pid, body).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let all = peers::wait_for_messages(&smtp, 2).await;
    let mail = all
        .iter()
        .find(|m| m.contains("To: billing@shop.test"))
        .unwrap_or_else(|| panic!("{all:?}"));
    assert!(
        mail.contains("Subject: Shared with Billing: problem Payment page crashes"),
        "{mail}"
    );
    assert!(mail.contains("> Workaround: Pay by invoice"), "{mail}");
    assert!(mail.contains("> Refunds pile up"), "{mail}");
    assert!(
        mail.contains(&format!("/dashboard/#/problems/{pid}")),
        "{mail}"
    );

    // A topic of the written answers, to the product team's address and webhook.
    for (score, text) in [
        (2, "The delivery took three weeks"),
        (3, "Slow delivery again, and the box was <b>wet</b>"),
        (9, "Fine coffee, but the delivery was late"),
    ] {
        let response = served
            .client
            .post(format!("{}/api/v1/responses", served.base))
            .header(reqwest::header::ORIGIN, SHOP)
            .header(reqwest::header::CONTENT_TYPE, "text/plain;charset=UTF-8")
            .header(reqwest::header::ACCEPT_LANGUAGE, "en-GB")
            .body(
                json!({
                    "id": app::uuid(), "site_key": site.key, "survey_id": "why",
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
    let share_topic = |body: Value| {
        served
            .client
            .post(format!("{base}/insight/topics/share?days=30"))
            .bearer_auth(&agent)
            .json(&body)
            .send()
    };
    let (status, _, message) = error_of(
        share_topic(json!({"term": "weather", "destination": "Product team"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("not a topic"), "{message}");
    let shared = share_topic(
        json!({"term": "Delivery", "destination": "Product team", "note": "For the roadmap"}),
    )
    .await
    .unwrap();
    assert_eq!(shared.status(), StatusCode::NO_CONTENT);
    let all = peers::wait_for_messages(&smtp, 3).await;
    let mail = all
        .iter()
        .find(|m| m.contains("topic \"delivery\""))
        .unwrap_or_else(|| panic!("{all:?}"));
    assert!(mail.contains("To: product@shop.test"), "{mail}");
    assert!(mail.contains("3 written answers"), "{mail}");
    assert!(
        mail.contains("the box was &lt;b&gt;wet&lt;/b&gt;"),
        "{mail}"
    );
    assert!(
        mail.contains("/dashboard/#/responses?topic=delivery"),
        "{mail}"
    );
    let event = verified_delivery(
        &got,
        &secret,
        |body| body.contains("\"topic\""),
        "the topic's feedback.shared",
    )
    .await;
    assert_eq!(event["data"]["topic"]["term"], "delivery");
    assert_eq!(event["data"]["topic"]["answers"], 3);
    assert_eq!(event["data"]["note"], "For the roadmap");
    let bodies: Vec<String> = got.lock().unwrap().iter().map(|(_, b)| b.clone()).collect();
    assert_eq!(bodies.len(), 2, "billing takes no webhook: {bodies:?}");

    // Both are in the audit log.
    let audit: Value = served
        .client
        .get(format!("{base}/audit"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"problem.share") && actions.contains(&"topic.share"),
        "{audit}"
    );
}

/// The live stream on SQLite, in one process: refused without credentials, for a site the
/// caller has no role on and for an event id that is not one; a logged call and a change of its
/// status reach a viewer's stream, and resuming after an event repeats nothing before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_hears_each_change_of_the_sites_cases_as_it_happens() {
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let other = harness.site("Other", &[SHOP]).await;
    let agent = harness.token(&site, Role::Agent).await;
    let viewer = harness.token(&site, Role::Viewer).await;
    let served = harness.serve().await;
    let events = format!("{}/api/v1/admin/events", served.base);

    let refused = served.client.get(&events).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let refused = served
        .client
        .get(format!("{events}?site={}", other.key))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(refused).await.0, StatusCode::FORBIDDEN);
    let refused = served
        .client
        .get(&events)
        .bearer_auth(&viewer)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    let (status, _, message) = error_of(refused).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("Last-Event-ID"), "{message}");

    let wait = std::time::Duration::from_secs(10);
    let mut live = events::EventStream::open(&served.base, &viewer, None).await;
    // It says where it starts, so that a reader dropped before any case event resumes there.
    let start = live.start(wait).await;
    let logged = served
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/complaints",
            served.base, site.key
        ))
        .bearer_auth(&agent)
        .json(&json!({"channel": "chat", "description": "The chat says my refund is stuck"}))
        .send()
        .await
        .unwrap();
    assert_eq!(logged.status(), StatusCode::CREATED);
    let case = logged.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = live.next(wait).await.expect("the new case's first entry");
    assert_eq!(first.data["case"], case.as_str());
    assert_eq!(first.data["kind"], "received");
    assert!(first.id > start, "{} after {start}", first.id);
    let mut from_start = events::EventStream::open(&served.base, &viewer, Some(start)).await;
    let again = from_start.next(wait).await.expect("resumed from the start");
    assert_eq!((again.id, &again.data), (first.id, &first.data));
    let mut last = first.id;
    while let Some(e) = live.next(std::time::Duration::from_millis(300)).await {
        last = e.id;
    }

    let changed = served
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/complaints/{case}/status",
            served.base, site.key
        ))
        .bearer_auth(&agent)
        .json(&json!({"status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let e = live.next(wait).await.expect("the status change");
    assert_eq!(e.data["kind"], "status_changed");
    assert_eq!(e.data["status"], "in_progress");
    assert!(e.id > last);

    // Resumed after the first entry: the rest, from the second on, and nothing before.
    let mut resumed = events::EventStream::open(&served.base, &viewer, Some(first.id)).await;
    let next = resumed
        .next(wait)
        .await
        .expect("the entries after the first");
    assert!(next.id > first.id);
    let mut got = vec![next.id];
    while let Some(e) = resumed.next(std::time::Duration::from_millis(300)).await {
        got.push(e.id);
    }
    assert_eq!(got.last(), Some(&e.id), "up to the status change: {got:?}");

    // Answers are looked for every 15 seconds: new ones are said once, with no id.
    let answered = served
        .client
        .post(format!("{}/api/v1/responses", served.base))
        .header(reqwest::header::ORIGIN, SHOP)
        .header(reqwest::header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(
            json!({
                "id": app::uuid(), "site_key": site.key, "survey_id": "nps",
                "answers": [{"type": "nps", "question_id": "q1", "score": 9}],
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::CREATED);
    let quiet = std::time::Duration::from_millis(300);
    assert!(
        live.next_of("answers", quiet).await.is_none(),
        "not before the look"
    );
    served.clock.advance(collector::live::ANSWERS_EVERY);
    let e = live.next_of("answers", wait).await.expect("the new answer");
    assert_eq!(e.data["site_key"], site.key.as_str());
    assert_eq!(e.id, -1, "no id: a resume does not skip cases for it");
    served.clock.advance(collector::live::ANSWERS_EVERY);
    assert!(live.next_of("answers", quiet).await.is_none(), "said once");
}

/// The first delivery `got` whose body `matches`, within 10 s, once the Standard Webhooks
/// reference library has verified its signature with `secret`; its event.
async fn verified_delivery(
    got: &std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>,
    secret: &str,
    matches: impl Fn(&str) -> bool,
    what: &str,
) -> Value {
    let mut delivered = None;
    for _ in 0..400 {
        delivered = got
            .lock()
            .unwrap()
            .iter()
            .find(|(_, body)| matches(body))
            .cloned();
        if delivered.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (headers, body) = delivered.unwrap_or_else(|| panic!("{what} delivered within 10 s"));
    let h = |n: &str| headers[n].to_str().unwrap().to_owned();
    peers::verified_by_the_reference_library(
        secret,
        &h("webhook-id"),
        &h("webhook-timestamp"),
        &h("webhook-signature"),
        &body,
    )
    .unwrap();
    serde_json::from_str(&body).unwrap()
}
