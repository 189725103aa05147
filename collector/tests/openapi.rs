//! `GET /api/openapi.json`: the document parses, describes every route of the API, and every
//! route it describes is one the server has. A real server on a free port.

#[path = "support/app.rs"]
mod app;

use app::{Harness, SHOP};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every route of the server but the dashboard's pages, as README's API table lists them.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/widget.js"),
    ("GET", "/assets/{version}/{file}"),
    ("GET", "/api/v1/sites/{site_key}/config"),
    ("POST", "/api/v1/responses"),
    ("POST", "/api/v1/complaints"),
    ("GET", "/s/{survey_id}"),
    ("GET", "/c/{token}"),
    ("POST", "/c/{token}/reply"),
    ("POST", "/c/{token}/rating"),
    ("GET", "/api/v1/c/{token}"),
    ("POST", "/api/v1/c/{token}/replies"),
    ("POST", "/api/v1/c/{token}/rating"),
    ("GET", "/api/v1/setup"),
    ("POST", "/api/v1/setup"),
    ("POST", "/api/v1/admin/session"),
    ("DELETE", "/api/v1/admin/session"),
    ("GET", "/api/v1/admin/me"),
    ("PUT", "/api/v1/admin/account/password"),
    ("DELETE", "/api/v1/admin/account/sessions"),
    ("GET", "/api/v1/admin/account/two-factor"),
    ("POST", "/api/v1/admin/account/two-factor"),
    ("POST", "/api/v1/admin/account/two-factor/confirm"),
    ("POST", "/api/v1/admin/account/two-factor/disable"),
    ("POST", "/api/v1/admin/account/two-factor/recovery-codes"),
    ("GET", "/api/v1/admin/sites/{site_key}/members"),
    ("PUT", "/api/v1/admin/sites/{site_key}/members/{user_id}"),
    ("DELETE", "/api/v1/admin/sites/{site_key}/members/{user_id}"),
    ("GET", "/api/v1/admin/sites/{site_key}/invitations"),
    ("POST", "/api/v1/admin/sites/{site_key}/invitations"),
    ("DELETE", "/api/v1/admin/sites/{site_key}/invitations/{id}"),
    ("POST", "/api/v1/invitations/preview"),
    ("POST", "/api/v1/invitations/accept"),
    ("GET", "/api/v1/admin/events"),
    ("GET", "/api/v1/admin/sites/{site_key}/responses"),
    ("GET", "/api/v1/admin/sites/{site_key}/complaints"),
    ("POST", "/api/v1/admin/sites/{site_key}/complaints"),
    ("POST", "/api/v1/admin/sites/{site_key}/complaints/import"),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/share",
    ),
    ("GET", "/api/v1/admin/sites/{site_key}/share-destinations"),
    ("GET", "/api/v1/admin/sites/{site_key}/mail-intake"),
    ("PUT", "/api/v1/admin/sites/{site_key}/mail-intake"),
    (
        "GET",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/attachments/{attachment_id}",
    ),
    ("PUT", "/api/v1/admin/sites/{site_key}/share-destinations"),
    ("POST", "/api/v1/admin/sites/{site_key}/responses/import"),
    ("GET", "/api/v1/admin/sites/{site_key}/complaints/export"),
    ("GET", "/api/v1/admin/sites/{site_key}/tokens"),
    ("POST", "/api/v1/admin/sites/{site_key}/tokens"),
    ("DELETE", "/api/v1/admin/sites/{site_key}/tokens/{token_id}"),
    ("GET", "/api/v1/admin/sites/{site_key}/audit"),
    ("POST", "/api/v1/admin/sites"),
    ("GET", "/api/v1/admin/sites/{site_key}"),
    ("PATCH", "/api/v1/admin/sites/{site_key}"),
    ("GET", "/api/v1/admin/sites/{site_key}/sightings"),
    ("POST", "/api/v1/admin/sites/{site_key}/erasure"),
    ("GET", "/api/v1/admin/sites/{site_key}/export"),
    ("GET", "/api/v1/admin/sites/{site_key}/settings"),
    ("PATCH", "/api/v1/admin/sites/{site_key}/settings"),
    ("GET", "/api/v1/admin/sites/{site_key}/surveys"),
    ("POST", "/api/v1/admin/sites/{site_key}/surveys"),
    ("GET", "/api/v1/admin/sites/{site_key}/surveys/{survey_id}"),
    ("PUT", "/api/v1/admin/sites/{site_key}/surveys/{survey_id}"),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/surveys/{survey_id}/status",
    ),
    (
        "GET",
        "/api/v1/admin/sites/{site_key}/surveys/{survey_id}/versions",
    ),
    ("GET", "/api/v1/admin/sites/{site_key}/complaints/{id}"),
    ("DELETE", "/api/v1/admin/sites/{site_key}/complaints/{id}"),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/status",
    ),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/replies",
    ),
    (
        "PUT",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/assignee",
    ),
    (
        "PUT",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/category",
    ),
    (
        "PUT",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/priority",
    ),
    (
        "PUT",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/problem",
    ),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/complaints/{id}/merge",
    ),
    ("POST", "/api/v1/admin/sites/{site_key}/complaints/bulk"),
    ("GET", "/api/v1/admin/sites/{site_key}/agents"),
    ("GET", "/api/v1/admin/sites/{site_key}/workflow"),
    ("PUT", "/api/v1/admin/sites/{site_key}/workflow"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/overview"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/segments"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/drivers"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/complaints"),
    (
        "GET",
        "/api/v1/admin/sites/{site_key}/insight/complaints/export",
    ),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/emerging"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/praise"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/topics"),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/insight/topics/share",
    ),
    ("POST", "/api/v1/admin/sites/{site_key}/problems/{id}/share"),
    ("GET", "/api/v1/admin/sites/{site_key}/insight/funnel"),
    ("GET", "/api/v1/admin/sites/{site_key}/responses/export"),
    ("GET", "/api/v1/admin/sites/{site_key}/goals"),
    ("POST", "/api/v1/admin/sites/{site_key}/goals"),
    ("DELETE", "/api/v1/admin/sites/{site_key}/goals/{id}"),
    ("POST", "/api/v1/funnel"),
    ("GET", "/api/v1/admin/sites/{site_key}/business-hours"),
    ("PUT", "/api/v1/admin/sites/{site_key}/business-hours"),
    ("GET", "/api/v1/admin/sites/{site_key}/sla-policies"),
    ("PUT", "/api/v1/admin/sites/{site_key}/sla-policies"),
    ("GET", "/api/v1/admin/sites/{site_key}/hot-stove"),
    ("PUT", "/api/v1/admin/sites/{site_key}/hot-stove"),
    ("GET", "/api/v1/admin/sites/{site_key}/notifications"),
    ("PUT", "/api/v1/admin/sites/{site_key}/notifications"),
    ("GET", "/api/v1/admin/sites/{site_key}/webhooks"),
    ("POST", "/api/v1/admin/sites/{site_key}/webhooks"),
    ("PATCH", "/api/v1/admin/sites/{site_key}/webhooks/{id}"),
    ("DELETE", "/api/v1/admin/sites/{site_key}/webhooks/{id}"),
    (
        "GET",
        "/api/v1/admin/sites/{site_key}/webhooks/{id}/deliveries",
    ),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/webhooks/{id}/deliveries/{delivery}/redeliver",
    ),
    ("GET", "/api/v1/admin/sites/{site_key}/problems"),
    ("POST", "/api/v1/admin/sites/{site_key}/problems"),
    ("GET", "/api/v1/admin/sites/{site_key}/problems/{id}"),
    ("PATCH", "/api/v1/admin/sites/{site_key}/problems/{id}"),
    (
        "POST",
        "/api/v1/admin/sites/{site_key}/problems/{id}/resolve",
    ),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/api/openapi.json"),
];

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_only_routes_that_exist() {
    let harness = Harness::new().await;
    let site = harness.site("Test Shop", &[SHOP]).await;
    let served = harness.serve().await;
    let response = served
        .client
        .get(format!("{}/api/openapi.json", served.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.expect("the document is JSON");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Hark collector");
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    assert!(doc["components"]["schemas"]["Error"].is_object());

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
            if path.starts_with("/api/v1/admin/") && path != "/api/v1/admin/session" {
                assert!(
                    operation["security"].is_array(),
                    "{method} {path} names no security"
                );
            }
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        documented.difference(&expected).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not expected"
    );
    assert_eq!(
        expected.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes the document leaves out"
    );

    // Each documented route reaches a handler: not the fallback's "no such route", not a 405.
    for (method, path) in &documented {
        let url = path
            .replace("{site_key}", site.key.as_str())
            .replace("{survey_id}", "nps")
            .replace("{token_id}", "1")
            .replace("{user_id}", "1")
            .replace("{version}", "v1")
            .replace("{id}", "1")
            .replace("{file}", "widget.js");
        let mut request = served.client.request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{url}", served.base),
        );
        if matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("no such route"),
            "{method} {path} is documented but the server has no such route: {status} {body}"
        );
    }
}
