//! Property tests of every parser and validator `shared` has: whatever JSON or text comes in,
//! parsing returns a value or an error and never panics; what parses serializes to JSON that
//! parses back to the same value; and checking an answer against a survey never panics.
//!
//! The inputs are random JSON, and valid examples with one part replaced by random JSON or
//! removed (which reaches the checks behind the first field much more often than random JSON
//! does). `CASES` inputs per property.

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use shared::site::SiteSettings;
use shared::{ComplaintSubmission, ResponseId, ResponseSubmission, SiteKey, Survey, SurveyId};
use std::fmt::Debug;

const CASES: u32 = 2_000;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Strings that parsers care about, and any others.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("nps".to_owned()),
        Just("end".to_owned()),
        Just("67e55044-10b1-426f-9247-bb680e5fe0c8".to_owned()),
        Just("page_view".to_owned()),
        Just("score".to_owned()),
        Just("x".repeat(501)),
        "[a-z_]{1,12}",
        any::<String>(),
    ]
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..300).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every place in `value` (its JSON pointers), the root first.
fn pointers(value: &Value, at: String, all: &mut Vec<String>) {
    all.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{key}"), all);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), all);
            }
        }
        _ => {}
    }
}

/// `valid` with one part replaced by `with`, or removed when `remove`.
fn mutated(valid: Value, pick: usize, with: Value, remove: bool) -> Value {
    let mut all = Vec::new();
    pointers(&valid, String::new(), &mut all);
    let at = &all[pick % all.len()];
    let mut value = valid;
    if at.is_empty() {
        return with;
    }
    let (parent, last) = at.rsplit_once('/').expect("not the root");
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) if remove => {
            map.remove(&last);
        }
        Some(Value::Array(items)) if remove => {
            if let Ok(i) = last.parse::<usize>() {
                items.remove(i);
            }
        }
        _ => {
            if let Some(slot) = value.pointer_mut(at) {
                *slot = with;
            }
        }
    }
    value
}

/// Parsing `value` as `T` never panics, and what parses round-trips through JSON.
fn parses_or_refuses<T>(value: &Value) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let parsed = serde_json::from_value::<T>(value.clone()).ok()?;
    let again = serde_json::to_value(&parsed).expect("serializes");
    let back: T = serde_json::from_value(again.clone())
        .unwrap_or_else(|e| panic!("{again} does not parse back: {e}"));
    assert_eq!(back, parsed);
    Some(parsed)
}

fn survey() -> Value {
    json!({
        "id": "nps", "name": "NPS",
        "trigger": {"type": "event", "name": "purchase", "pages": [{"match": "prefix", "value": "/shop"}],
                    "delay_seconds": 2, "sample_percent": 50, "starts_at": 1, "ends_at": 2},
        "frequency": {"type": "every_days", "days": 90},
        "questions": [
            {"id": "score", "type": "nps", "prompt": "How likely?", "low": "Never", "high": "Surely",
             "branches": [
                {"when": {"type": "score", "min": 0, "max": 6}, "goto": "wrong"},
                {"when": {"type": "score", "min": 9, "max": 10}, "goto": "love"}
            ], "next": "end"},
            {"id": "wrong", "type": "text", "prompt": "What went wrong?", "max_len": 500, "next": "end"},
            {"id": "love", "type": "choice", "prompt": "What do you love?",
             "options": ["Price", "Speed"], "multiple": true, "other": true,
             "branches": [{"when": {"type": "choice", "index": 1}, "goto": "end"}]},
            {"id": "sat", "type": "csat", "prompt": "Happy?", "style": "faces", "optional": true},
            {"id": "effort", "type": "ces", "prompt": "Easy?"},
            {"id": "stars", "type": "rating", "prompt": "Rate", "max": 5}
        ],
        "thank_you": "Thanks!",
        "translations": {"de": {"thank_you": "Danke!", "questions": {
            "score": {"prompt": "Wie wahrscheinlich?"},
            "love": {"options": ["Preis", "Tempo"]}
        }}}
    })
}

fn submission() -> Value {
    json!({
        "id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "site_key": "demo", "survey_id": "nps",
        "survey_version": 3, "page_url": "https://shop.example/cart",
        "answers": [
            {"type": "nps", "question_id": "score", "score": 3},
            {"type": "text", "question_id": "wrong", "text": "It was late"},
            {"type": "choice", "question_id": "love", "selected": [0, 1], "other": "x"},
            {"type": "csat", "question_id": "sat", "score": 4},
            {"type": "ces", "question_id": "effort", "score": 2},
            {"type": "rating", "question_id": "stars", "score": 5}
        ]
    })
}

fn complaint() -> Value {
    json!({
        "id": "67e55044-10b1-426f-9247-bb680e5fe0c8", "site_key": "demo", "kind": "problem",
        "category": "Delivery", "description": "The parcel never came", "impact": 3,
        "email": "ann@example.com", "contact_consent": true,
        "page_url": "https://shop.example/cart"
    })
}

fn settings() -> Value {
    json!({
        "theme": {"brand": "#2563eb", "mode": "dark", "position": "bottom_left", "radius": 8},
        "launcher": {"label": "Feedback", "survey": "nps"},
        "categories": ["Delivery", "Billing"], "cooldown_days": 30,
        "segment_attributes": ["plan"]
    })
}

/// A valid example, or one of its mutations.
fn around(valid: fn() -> Value) -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => json_value(),
        4 => (any::<usize>(), json_value(), any::<bool>())
            .prop_map(move |(pick, with, remove)| mutated(valid(), pick, with, remove)),
    ]
}

#[test]
fn the_examples_are_valid() {
    let s: Survey = serde_json::from_value(survey()).unwrap();
    let r: ResponseSubmission = serde_json::from_value(submission()).unwrap();
    r.check_against(&s).unwrap();
    serde_json::from_value::<ComplaintSubmission>(complaint()).unwrap();
    serde_json::from_value::<SiteSettings>(settings()).unwrap();
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_survey_parses_or_is_refused_and_round_trips(value in around(survey)) {
        if let Some(s) = parses_or_refuses::<Survey>(&value) {
            // What parsed passed the checks; the paths and the languages never panic.
            prop_assert!(s.check().is_ok());
            let _ = s.clone().localized("de");
            for i in 0..s.questions.len() {
                for score in [None, Some(0), Some(6), Some(10), Some(255)] {
                    let _ = s.after(i, score, &[0, 1, 7]);
                }
            }
        }
    }

    #[test]
    fn an_answer_parses_or_is_refused_round_trips_and_checks(value in around(submission)) {
        if let Some(r) = parses_or_refuses::<ResponseSubmission>(&value) {
            let s: Survey = serde_json::from_value(survey()).unwrap();
            let _ = r.check_against(&s);
        }
    }

    #[test]
    fn a_complaint_parses_or_is_refused_and_round_trips(value in around(complaint)) {
        if let Some(c) = parses_or_refuses::<ComplaintSubmission>(&value) {
            let _ = c.check_category(&["Delivery".into()]);
        }
    }

    #[test]
    fn site_settings_parse_or_are_refused_and_round_trip(value in around(settings)) {
        parses_or_refuses::<SiteSettings>(&value);
    }

    #[test]
    fn ids_parse_or_are_refused_and_round_trip(s in text()) {
        if let Ok(key) = SiteKey::parse(s.clone()) {
            prop_assert_eq!(SiteKey::parse(key.to_string()).unwrap(), key);
        }
        if let Ok(id) = SurveyId::parse(s.clone()) {
            prop_assert_eq!(SurveyId::parse(id.to_string()).unwrap(), id);
        }
        if let Ok(id) = ResponseId::parse(&s) {
            prop_assert_eq!(ResponseId::parse(&id.to_string()).unwrap(), id);
        }
        let _ = shared::i18n::is_lang(&s);
    }

    #[test]
    fn any_bytes_as_a_body_are_refused_without_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = serde_json::from_slice::<ResponseSubmission>(&bytes);
        let _ = serde_json::from_slice::<ComplaintSubmission>(&bytes);
        let _ = serde_json::from_slice::<Survey>(&bytes);
    }
}
