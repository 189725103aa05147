//! Delivering an answered survey to the collector.

use js_sys::{Object, Promise, Reflect, JSON};
use shared::MAX_PAGE_URL;
use shared::{Answer, ResponseId, ResponseSubmission, SiteKey, SurveyId};
use std::future::Future;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where answers go, and under which response id.
#[derive(Clone)]
pub(crate) struct Collector {
    api_base: String,
    site_key: SiteKey,
    /// Made once per shown survey, so that a retry after a lost acknowledgement is stored once.
    response_id: ResponseId,
}

impl Collector {
    /// `None` when the browser offers no random numbers to make a response id from.
    pub(crate) fn new(api_base: String, site_key: SiteKey) -> Option<Self> {
        let response_id = ResponseId::from_uuid(random_uuid()?);
        Some(Self {
            api_base,
            site_key,
            response_id,
        })
    }

    /// Posts the answers to a survey (at once) and tells whether the collector acknowledged them
    /// (a 2xx). Only the wait for the response is asynchronous: the smaller the future, the
    /// smaller its code.
    pub(crate) fn send(
        &self,
        survey_id: SurveyId,
        answers: Vec<Answer>,
    ) -> impl Future<Output = bool> + 'static {
        let submission = ResponseSubmission {
            id: self.response_id,
            site_key: self.site_key.clone(),
            survey_id,
            survey_version: None,
            answers,
            page_url: page_url(),
        };
        let response = post(
            &(self.api_base.clone() + "/api/v1/responses"),
            &to_json(&submission),
        );
        async move {
            match response {
                Ok(response) => JsFuture::from(response)
                    .await
                    .and_then(|response| Reflect::get(&response, &"ok".into()))
                    .is_ok_and(|ok| ok.is_truthy()),
                Err(_) => false,
            }
        }
    }
}

/// `submission` as JSON, exactly as `serde_json::to_string` writes it (the same keys in the same
/// order, `page_url` left out when there is none), without serde_json's code on the page: the
/// strings are quoted by the browser's `JSON.stringify`, which escapes them as serde_json does.
pub(crate) fn to_json(submission: &ResponseSubmission) -> String {
    let mut uuid = [0; uuid::fmt::Hyphenated::LENGTH];
    let mut json = String::from("{\"id\":\"");
    json += submission.id.as_uuid().hyphenated().encode_lower(&mut uuid);
    json += "\",\"site_key\":";
    json += &quoted(submission.site_key.as_str());
    json += ",\"survey_id\":";
    json += &quoted(submission.survey_id.as_str());
    json += ",\"answers\":[";
    for (i, answer) in submission.answers.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        match answer {
            Answer::Nps { question_id, score } => {
                json += "{\"type\":\"nps\",\"question_id\":";
                json += &quoted(question_id.as_str());
                json += ",\"score\":";
                let score = score.get();
                if score >= 10 {
                    json.push(char::from(b'0' + score / 10));
                }
                json.push(char::from(b'0' + score % 10));
                json.push('}');
            }
            _ => {}
        }
    }
    json.push(']');
    if let Some(url) = &submission.page_url {
        json += ",\"page_url\":";
        json += &quoted(url);
    }
    json.push('}');
    json
}

/// `s` as a JSON string literal.
fn quoted(s: &str) -> String {
    JSON::stringify(&s.into())
        .ok()
        .and_then(|q| q.as_string())
        .unwrap_or_default()
}

/// Starts a POST of `body` to `url`: the promise of its response.
///
/// A `text/plain` POST is a CORS "simple request": no preflight round trip before the answer.
/// `keepalive` lets it finish when the visitor leaves the page right after sending.
///
/// The `RequestInit` dictionary and the response are read and written with `Reflect` rather than
/// web-sys's typed setters and getters: each of those is one more import in the JS glue, which
/// ships to every visitor of the site.
fn post(url: &str, body: &str) -> Result<Promise, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let headers = Object::new();
    Reflect::set(
        &headers,
        &"Content-Type".into(),
        &"text/plain;charset=UTF-8".into(),
    )?;
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &"POST".into())?;
    Reflect::set(&init, &"headers".into(), &headers)?;
    Reflect::set(&init, &"body".into(), &body.into())?;
    Reflect::set(&init, &"credentials".into(), &"omit".into())?;
    Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE)?;
    Ok(window.fetch_with_str_and_init(url, init.unchecked_ref()))
}

/// The page the answer was given on, unless it is too long to keep (the collector would refuse it).
fn page_url() -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    (href.len() <= MAX_PAGE_URL).then_some(href)
}

/// A version 4 UUID from `crypto.getRandomValues()`, which unlike `crypto.randomUUID()` also
/// exists on plain-http pages.
fn random_uuid() -> Option<uuid::Uuid> {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{NpsScore, QuestionId};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The hand-written body must be byte for byte what serde_json makes of the same submission.
    #[wasm_bindgen_test]
    fn body_agrees_with_serde() {
        let answer = |q: &str, score| Answer::Nps {
            question_id: QuestionId::parse(q).unwrap(),
            score: NpsScore::new(score).unwrap(),
        };
        let urls = [
            None,
            Some("https://shop.example/cart?q=\"é\"\\\n\t\u{1}\u{7f}</script>€😀".to_owned()),
        ];
        for page_url in urls {
            for answers in [
                vec![answer("q1", 0)],
                vec![answer("q1", 10), answer("q-2", 7)],
            ] {
                let submission = ResponseSubmission {
                    id: ResponseId::from_uuid(random_uuid().unwrap()),
                    site_key: SiteKey::parse("demo").unwrap(),
                    survey_id: SurveyId::parse("nps_1").unwrap(),
                    survey_version: None,
                    answers,
                    page_url: page_url.clone(),
                };
                assert_eq!(
                    to_json(&submission),
                    serde_json::to_string(&submission).unwrap()
                );
            }
        }
    }
}
