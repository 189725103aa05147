//! Every channel into one repository: a complaint the team logs from a call, a chat or a
//! review (or an integration sends with an API token) goes through the same workflow as one
//! from the widget, says on its timeline who logged it and from where, is stored once per
//! `external_id`, and is exported with its channel.

#[path = "support/app.rs"]
mod app;

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
