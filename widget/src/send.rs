//! Delivering an answered survey to the collector.

use js_sys::Reflect;
use shared::survey::MAX_PAGE_URL;
use shared::{Answer, ResponseId, ResponseSubmission, SiteKey, SurveyId};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

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

    /// Posts the answers to a survey and tells whether the collector acknowledged them (a 2xx).
    pub(crate) async fn send(&self, survey_id: SurveyId, answers: Vec<Answer>) -> bool {
        let submission = ResponseSubmission {
            id: self.response_id,
            site_key: self.site_key.clone(),
            survey_id,
            answers,
            page_url: page_url(),
        };
        match serde_json::to_string(&submission) {
            Ok(body) => post(&(self.api_base.clone() + "/api/v1/responses"), &body)
                .await
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// A `text/plain` POST is a CORS "simple request": no preflight round trip before the answer.
/// `keepalive` lets it finish when the visitor leaves the page right after sending.
async fn post(url: &str, body: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let headers = js_sys::Object::new();
    Reflect::set(
        &headers,
        &"Content-Type".into(),
        &"text/plain;charset=UTF-8".into(),
    )?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&body.into());
    init.set_credentials(RequestCredentials::Omit);
    Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE)?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await?
        .dyn_into()?;
    if response.ok() {
        Ok(())
    } else {
        Err(response.status().into())
    }
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
