//! The ingest routes' body reader under bytes nobody would send, at the HTTP boundary of a real
//! server: random bytes, and valid answers and complaints with bytes flipped, cut, repeated or
//! inserted, and with parts of their JSON replaced. Every body gets an answer (no panic drops a
//! connection, and a refused body too large to read closes its connection saying so), none is a
//! server error, and the server still stores a valid answer afterwards.
//! `CASES` bodies per route; the generator is seeded, so a failure repeats.

#[path = "support/app.rs"]
mod app;

use app::{Harness, SHOP};
use collector::http::{Limits, Rate};
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::header::{CONNECTION, CONTENT_TYPE, ORIGIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

const CASES: u32 = 1_500;

/// What a body may be turned into.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Repeat(usize, usize),
    Replace(String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let value = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
        "[a-z]{0,3}".prop_map(|s| json!([s])),
        Just(json!({"type": "nps"})),
        Just(Value::String("x".repeat(70_000))),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..2000).prop_map(|(at, n)| Mutation::Repeat(at, n)),
        (
            prop::sample::select(vec![
                "/id",
                "/site_key",
                "/survey_id",
                "/answers",
                "/answers/0",
                "/answers/0/score",
                "/answers/0/type",
                "/page_url",
                "/description",
                "/kind",
                "/impact",
                "/email",
                "/_hp",
                "/dwell_ms",
                "/attributes",
                "/user_id",
            ]),
            value,
        )
            .prop_map(|(at, v)| Mutation::Replace(at.to_owned(), v)),
    ]
}

fn apply(valid: &Value, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(valid).unwrap();
    match mutation {
        Mutation::Flip(at, b) => {
            let i = at % bytes.len();
            bytes[i] ^= b | 1;
        }
        Mutation::Cut(at) => bytes.truncate(at % bytes.len()),
        Mutation::Insert(at, more) => {
            let i = at % bytes.len();
            bytes.splice(i..i, more.iter().copied());
        }
        Mutation::Repeat(at, n) => {
            let i = at % bytes.len();
            let piece = bytes[i..].to_vec();
            for _ in 0..*n {
                bytes.extend_from_slice(&piece);
            }
        }
        Mutation::Replace(at, v) => {
            let mut value = valid.clone();
            if let Some(slot) = value.pointer_mut(at) {
                *slot = v.clone();
            } else if let (Some((parent, key)), true) = (at.rsplit_once('/'), true) {
                if let Some(Value::Object(map)) = value.pointer_mut(parent) {
                    map.insert(key.to_owned(), v.clone());
                }
            }
            bytes = serde_json::to_vec(&value).unwrap();
        }
    }
    bytes
}

#[derive(Debug, Clone)]
enum Body {
    Random(Vec<u8>),
    Mutated(Mutation),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..400).prop_map(Body::Random),
        4 => mutation().prop_map(Body::Mutated),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_body_crashes_ingest_or_gets_a_server_error() {
    let many = Rate {
        per_minute: 1_000_000,
        burst: 1_000_000,
    };
    let harness = Harness::new().await.limits(Limits {
        per_client: many,
        per_site: many,
    });
    let site = harness.site("Shop", &[SHOP]).await;
    let served = harness.serve().await;
    let answer = json!({
        "id": app::uuid(), "site_key": site.key, "survey_id": "nps",
        "answers": [{"type": "nps", "question_id": "q1", "score": 9}],
        "page_url": "https://shop.test/cart", "dwell_ms": 5000,
        "user_id": "u-1", "attributes": {"plan": "pro"}
    });
    let complaint = json!({
        "id": app::uuid(), "site_key": site.key, "kind": "problem", "category": "Delivery",
        "description": "The parcel never came", "impact": 3, "email": "ann@example.com",
        "contact_consent": true, "page_url": "https://shop.test/cart", "dwell_ms": 5000
    });

    for (route, valid) in [("responses", &answer), ("complaints", &complaint)] {
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases: CASES,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
        );
        let strategy = body();
        let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
        for _ in 0..CASES {
            let case = strategy.new_tree(&mut runner).expect("a case").current();
            let bytes = match &case {
                Body::Random(bytes) => bytes.clone(),
                Body::Mutated(m) => apply(valid, m),
            };
            let sent = served
                .client
                .post(format!("{}/api/v1/{route}", served.base))
                .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
                .header(ORIGIN, SHOP)
                .body(bytes.clone())
                .send()
                .await;
            let status = match sent {
                Ok(r) => {
                    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        // The unread rest closes the line, and the answer says so.
                        assert_eq!(r.headers()[CONNECTION], "close", "{route}: {case:?}");
                    }
                    r.status()
                }
                Err(e) => panic!("{route}: no answer to {case:?}: {e:?}"),
            };
            assert!(
                !status.is_server_error(),
                "{route}: {status} for {case:?}: {:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            );
            *statuses.entry(status.as_u16()).or_default() += 1;
        }
        println!("{route}: {CASES} bodies, answers by status {statuses:?}");
        // Some got through, some were refused: the bodies reach past the first check.
        assert!(statuses.keys().any(|s| *s < 300), "{statuses:?}");
        assert!(statuses.keys().any(|s| *s >= 400), "{statuses:?}");
    }

    // The server is whole: a fresh answer is stored.
    let mut fresh = answer.clone();
    fresh["id"] = json!(app::uuid());
    let r = app::ingest_request(&served.client, &served.base, fresh.to_string(), Some(SHOP))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}
