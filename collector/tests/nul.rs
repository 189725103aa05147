//! The NUL character, which PostgreSQL cannot keep or compare in text: refused with a clear
//! error on both engines, in an answer, a complaint, an admin's JSON body and a URL, and the
//! same requests without it taken.

#[path = "support/app.rs"]
mod app;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{error_of, ingest_request, submission, Harness, SHOP};
use collector::access::Role;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_is_refused_clearly_on_sqlite() {
    a_nul_character_is_refused_clearly(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_is_refused_clearly_on_postgres() {
    let url = postgres_server::shared().fresh_database().await;
    let store = collector::store::open(&url).await.unwrap();
    a_nul_character_is_refused_clearly(Harness::on(store, url)).await;
}

async fn a_nul_character_is_refused_clearly(harness: Harness) {
    let site = harness.site("Shop", &[SHOP]).await;
    let token = harness.token(&site, Role::Owner).await;
    let served = harness.serve().await;
    let (base, client) = (&served.base, &served.client);
    let admin = format!("{base}/api/v1/admin/sites/{}", site.key);

    // An answer, a complaint, an admin's body: each with a NUL in a string, then without.
    for page in ["http://shop.test/a\u{0}b", "http://shop.test/ab"] {
        let answer = submission(&site, 9, page).to_string();
        assert!(answer.contains("\\u0000") == page.contains('\0'));
        let response = ingest_request(client, base, answer, Some(SHOP))
            .send()
            .await
            .unwrap();
        if page.contains('\0') {
            let (status, code, message) = error_of(response).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            );
            assert!(message.contains("NUL"), "{message}");
        } else {
            assert_eq!(response.status(), StatusCode::CREATED);
        }
    }
    for description in ["The parcel \u{0} never came", "The parcel never came"] {
        let response = client
            .post(format!("{base}/api/v1/complaints"))
            .header("origin", SHOP)
            .json(&json!({"id": app::uuid(), "site_key": site.key, "description": description}))
            .send()
            .await
            .unwrap();
        if description.contains('\0') {
            let (status, code, _) = error_of(response).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            );
        } else {
            assert_eq!(response.status(), StatusCode::CREATED);
        }
    }
    for title in ["Checkout\u{0} fails", "Checkout fails"] {
        let response = client
            .post(format!("{admin}/problems"))
            .bearer_auth(&token)
            .json(&json!({"title": title}))
            .send()
            .await
            .unwrap();
        if title.contains('\0') {
            let (status, code, _) = error_of(response).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            );
        } else {
            assert!(response.status().is_success(), "{}", response.status());
        }
    }

    // Query values: a segment, a survey, the export (which would fail only once its 200 was
    // on the way).
    for query in [
        "responses?segment=page%3A%2Fa%00",
        "responses?survey=nps%00",
        "responses/export?segment=page%3A%2Fa%00",
        "insight/overview?segment=page%3A%2Fa%00",
    ] {
        let refused = client
            .get(format!("{admin}/{query}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_of(refused).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "malformed"),
            "{query}"
        );
        assert!(message.contains("%00"), "{message}");
        let taken = client
            .get(format!("{admin}/{}", query.replace("%00", "")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(taken.status(), StatusCode::OK, "{query}");
        taken.bytes().await.expect("the whole answer arrives");
    }

    // What was taken is there; nothing of what was refused.
    let listed: serde_json::Value = client
        .get(format!("{admin}/responses"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["responses"].as_array().unwrap().len(), 1, "{listed}");
}
