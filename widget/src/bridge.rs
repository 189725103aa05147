//! The loader's side of the widget: delivery through its outbox, and closing.
//!
//! The loader keeps an outbox on the device and retries it across reloads, also on pages where
//! no wasm is loaded; so the widget hands each finished answer over and only reports what the
//! loader says became of it.

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::ShadowRoot;

/// The object the loader passes to `mount`, and the shadow root the card lives in.
pub(crate) struct Bridge {
    object: JsValue,
    pub(crate) root: ShadowRoot,
}

impl Bridge {
    pub(crate) fn new(object: JsValue, root: ShadowRoot) -> Self {
        Self { object, root }
    }

    /// Hands `body` for `endpoint` to the loader's outbox; `on_state` hears `"queued"` (saved on
    /// the device, retried) or the collector's final `Response` (ok, or refused for good), each
    /// time that changes.
    pub(crate) fn send(&self, endpoint: &str, body: &str, on_state: impl FnMut(JsValue) + 'static) {
        let on_state = Closure::<dyn FnMut(JsValue)>::new(on_state);
        let args = js_sys::Array::of3(&endpoint.into(), &body.into(), on_state.as_ref());
        // The loader may call it until the page goes away.
        on_state.forget();
        if !call(&self.object, "send", &args) {
            web_sys::console::warn_1(&"hark: the loader cannot send".into());
        }
    }

    /// The visitor is done with the card (`answered`) or dismissed it.
    pub(crate) fn close(&self, answered: bool) {
        call(&self.object, "close", &js_sys::Array::of1(&answered.into()));
    }

    /// `bridge.close(false)` on the loader's object, before there is a card.
    pub(crate) fn close_raw(object: &JsValue) {
        call(object, "close", &js_sys::Array::of1(&JsValue::FALSE));
    }
}

/// Calls `object[name](...args)`; whether there was such a function and it did not throw.
pub(crate) fn call(object: &JsValue, name: &str, args: &js_sys::Array) -> bool {
    Reflect::get(object, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .is_some_and(|f| f.apply(object, args).is_ok())
}

/// `object[name]()`'s result, if there is such a method and it did not throw.
pub(crate) fn call_method(object: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(object, &name.into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call0(object)
        .ok()
}

/// How many cases' status-page tokens the device keeps per site, newest last.
const KEPT_CASES: u32 = 10;

/// Keeps a case's status-page token on the device, in localStorage under `hark:SITE:cases`
/// beside the loader's keys (never a cookie); where storage is blocked or full, it is not kept.
pub(crate) fn keep_case(site: &str, token: &str) {
    let Some(storage) = web_sys::window()
        .and_then(|w| Reflect::get(&w, &"localStorage".into()).ok())
        .filter(|s| s.is_object())
    else {
        return;
    };
    // Concatenated, not `format!`: the formatting machinery costs kilobytes on customers' pages.
    let key = JsValue::from(["hark:", site, ":cases"].concat());
    let list = Reflect::get(&storage, &key)
        .ok()
        .and_then(|v| v.as_string())
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .filter(js_sys::Array::is_array)
        .map(|v| js_sys::Array::from(&v))
        .unwrap_or_default();
    list.push(&token.into());
    while list.length() > KEPT_CASES {
        list.shift();
    }
    if let Ok(text) = js_sys::JSON::stringify(&list) {
        call(&storage, "setItem", &js_sys::Array::of2(&key, &text));
    }
}

/// A version 7 UUID: the time in milliseconds, then random bits from
/// `crypto.getRandomValues()`, which unlike `crypto.randomUUID()` also exists on plain-http
/// pages. Ids that grow with time keep the collector's index of them append-only.
pub(crate) fn random_uuid() -> Option<String> {
    let mut bytes = [0u8; 10];
    let crypto = web_sys::window()?.crypto().ok()?;
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    let now = js_sys::Date::now() as u64;
    let uuid = uuid::Builder::from_unix_timestamp_millis(now, &bytes).into_uuid();
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    Some(uuid.hyphenated().encode_lower(&mut text).to_owned())
}
