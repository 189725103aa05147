//! The live event stream (`GET /api/v1/admin/events?site=…`): what changed on the site's cases
//! while the dashboard is open, so that the inbox, a case and the insight page read again by
//! themselves, and new and hot cases are announced to screen readers.
//!
//! The stream is read with `fetch` rather than `EventSource`, which cannot send an API token.
//! A dropped connection is opened again after a pause (2 s, doubling to 30 s), with
//! `Last-Event-ID` set to the last event read, so that nothing is missed. A refusal (401, 403,
//! 404) ends it: the pages then still work, only by "Refresh". A page put in the browser's
//! back/forward cache closes its stream (`pagehide`) and resumes it when shown again.

use crate::api::{Auth, SiteApi};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::case::{CaseEvent, EntryKind};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, Request, RequestInit};

/// What the pages read: the events of the last batch the stream delivered (one network
/// chunk, so that one change's several entries make one refresh).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Live {
    pub(crate) batch: ReadSignal<Vec<CaseEvent>>,
    /// How many times the site had new answers (at most every 15 seconds, as the collector
    /// looks).
    pub(crate) answers: ReadSignal<u64>,
}

impl Live {
    pub(crate) fn expect() -> Live {
        expect_context::<Live>()
    }
}

/// Calls `refresh` after each batch of changes, at most once every `min_gap_ms` (a batch in
/// the gap is taken by one call at its end).
pub(crate) fn refresh_on_change(min_gap_ms: f64, refresh: impl Fn() + Clone + 'static) {
    let live = Live::expect();
    throttled(move || !live.batch.get().is_empty(), min_gap_ms, refresh);
}

/// Calls `refresh` when the site has new answers.
pub(crate) fn refresh_on_answers(refresh: impl Fn() + Clone + 'static) {
    let live = Live::expect();
    throttled(move || live.answers.get() > 0, 0.0, refresh);
}

/// Calls `refresh` each time `changed` (which reads the signals it depends on) says so, at most
/// once every `min_gap_ms`.
fn throttled(
    changed: impl Fn() -> bool + 'static,
    min_gap_ms: f64,
    refresh: impl Fn() + Clone + 'static,
) {
    let last = StoredValue::new(f64::MIN);
    let waiting = StoredValue::new(false);
    Effect::watch(
        changed,
        move |changed, _, _| {
            if !*changed || waiting.get_value() {
                return;
            }
            let since = js_sys::Date::now() - last.get_value();
            if since >= min_gap_ms {
                last.set_value(js_sys::Date::now());
                refresh();
                return;
            }
            waiting.set_value(true);
            let refresh = refresh.clone();
            set_timeout(
                move || {
                    // The page may have been left meanwhile.
                    if waiting.try_get_value().is_some() {
                        waiting.set_value(false);
                        last.set_value(js_sys::Date::now());
                        refresh();
                    }
                },
                std::time::Duration::from_millis((min_gap_ms - since).max(0.0) as u64),
            );
        },
        false,
    );
}

/// Opens the site's stream for as long as the current owner (the signed-in shell) lives, and
/// provides [`Live`] to the pages below it.
pub(crate) fn provide(api: &SiteApi) {
    let (batch, set_batch) = signal(Vec::new());
    let (answers, set_answers) = signal(0u64);
    provide_context(Live { batch, answers });
    let sinks = Sinks {
        batch: set_batch,
        answers: set_answers,
    };
    let Ok(abort) = AbortController::new() else {
        return;
    };
    let signal = abort.signal();
    // The connection open now, and whether the page is hidden in the back/forward cache: a
    // page kept there would keep its stream, and with it one of the six connections the
    // browser opens to the collector, and pages loaded after it would wait for one.
    let current: Rc<RefCell<Option<AbortController>>> = Rc::default();
    let hidden = Rc::new(Cell::new(false));
    let on_hide = {
        let (current, hidden) = (current.clone(), hidden.clone());
        window_event_listener_untyped("pagehide", move |_| {
            hidden.set(true);
            if let Some(connection) = current.borrow().as_ref() {
                connection.abort();
            }
        })
    };
    let on_show = {
        let hidden = hidden.clone();
        window_event_listener_untyped("pageshow", move |_| hidden.set(false))
    };
    on_cleanup(move || {
        abort.abort();
        on_hide.remove();
        on_show.remove();
    });
    let api = api.clone();
    spawn_local(async move {
        let mut last: Option<i64> = None;
        let mut pause = 2_000;
        loop {
            // Resumed with `Last-Event-ID` once the page is shown again: nothing is missed.
            while hidden.get() {
                sleep(250).await;
                if signal.aborted() {
                    return;
                }
            }
            let Ok(connection) = AbortController::new() else {
                return;
            };
            *current.borrow_mut() = Some(connection.clone());
            // The owner's end ends the connection too.
            let follow = {
                let connection = connection.clone();
                Closure::<dyn FnMut()>::new(move || connection.abort())
            };
            signal.set_onabort(Some(follow.as_ref().unchecked_ref()));
            let ended = read(&api, &signal, &connection.signal(), &mut last, sinks).await;
            signal.set_onabort(None);
            drop(follow);
            current.borrow_mut().take();
            if signal.aborted() {
                return;
            }
            if hidden.get() {
                pause = 2_000;
                continue;
            }
            match ended {
                Ended::Refused => return,
                // Something came: the next drop is a fresh one.
                Ended::Dropped { read_any: true } => pause = 2_000,
                Ended::Dropped { read_any: false } => pause = (pause * 2).min(30_000),
            }
            sleep(pause).await;
            if signal.aborted() {
                return;
            }
        }
    });
}

/// The announcement for screen readers of a batch: its new and hot cases.
pub(crate) fn announcement(batch: &[CaseEvent]) -> Option<String> {
    let hot: Vec<&str> = batch
        .iter()
        .filter(|e| e.kind == EntryKind::HotStove)
        .map(|e| e.reference.as_str())
        .collect();
    let new: Vec<&str> = batch
        .iter()
        .filter(|e| e.kind == EntryKind::Received && !hot.contains(&e.reference.as_str()))
        .map(|e| e.reference.as_str())
        .collect();
    let mut parts = Vec::new();
    if !hot.is_empty() {
        parts.push(format!("Hot case {}", hot.join(", ")));
    }
    if !new.is_empty() {
        parts.push(format!(
            "New case{} {}",
            if new.len() > 1 { "s" } else { "" },
            new.join(", ")
        ));
    }
    (!parts.is_empty()).then(|| parts.join(". "))
}

/// The live region that says [`announcement`]s: polite for new cases, assertive for hot ones.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Announcer() -> impl IntoView {
    let live = Live::expect();
    let (polite, set_polite) = signal(String::new());
    let (urgent, set_urgent) = signal(String::new());
    Effect::new(move |_| {
        let batch = live.batch.get();
        if let Some(words) = announcement(&batch) {
            if batch.iter().any(|e| e.kind == EntryKind::HotStove) {
                set_urgent.set(words);
            } else {
                set_polite.set(words);
            }
        }
    });
    view! {
        <div class="visually-hidden" role="status" aria-live="polite">{polite}</div>
        <div class="visually-hidden" role="alert" aria-live="assertive">{urgent}</div>
    }
}

enum Ended {
    /// The collector will not stream to this caller here.
    Refused,
    /// The connection ended or failed; whether any event came on it.
    Dropped { read_any: bool },
}

/// One connection: reads events until it ends (or `connection` is aborted), setting `last` and
/// each batch.
async fn read(
    api: &SiteApi,
    owner: &web_sys::AbortSignal,
    connection: &web_sys::AbortSignal,
    last: &mut Option<i64>,
    sinks: Sinks,
) -> Ended {
    let dropped = Ended::Dropped { read_any: false };
    let Some(window) = web_sys::window() else {
        return Ended::Refused;
    };
    let Ok(headers) = Headers::new() else {
        return Ended::Refused;
    };
    if let Auth::Token(token) = &api.auth {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    let _ = headers.set("Accept", "text/event-stream");
    if let Some(id) = last {
        let _ = headers.set("Last-Event-ID", &id.to_string());
    }
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_signal(Some(connection));
    if owner.aborted() {
        return Ended::Refused;
    }
    let path = format!("/api/v1/admin/events?site={}", api.site.as_str());
    let Ok(request) = Request::new_with_str_and_init(&path, &init) else {
        return Ended::Refused;
    };
    let Ok(response) = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into::<web_sys::Response>())
    else {
        return dropped;
    };
    if matches!(response.status(), 401 | 403 | 404) {
        return Ended::Refused;
    }
    let Some(body) = response.body().filter(|_| response.ok()) else {
        return dropped;
    };
    let Ok(reader) = body.get_reader().dyn_into::<ReadableStreamDefaultReader>() else {
        return dropped;
    };
    let mut frames = Frames::default();
    let mut read_any = false;
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            return Ended::Dropped { read_any };
        };
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ended::Dropped { read_any };
        }
        let Ok(bytes) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))
            .and_then(|v| v.dyn_into::<js_sys::Uint8Array>())
        else {
            return Ended::Dropped { read_any };
        };
        let mut batch = Vec::new();
        let mut answered = false;
        for event in frames.push(&bytes.to_vec()) {
            match event {
                Received::Case(id, event) => {
                    *last = Some(id);
                    batch.push(event);
                }
                Received::Answers => answered = true,
                Received::At(id) => *last = Some(id),
            }
        }
        if !batch.is_empty() || answered {
            read_any = true;
        }
        // The shell may be gone (signed out) by now.
        if !batch.is_empty() && sinks.batch.try_set(batch).is_some() {
            return Ended::Refused;
        }
        if answered && sinks.answers.try_update(|n| *n += 1).is_none() {
            return Ended::Refused;
        }
    }
}

/// Where a connection puts what it reads.
#[derive(Clone, Copy)]
struct Sinks {
    batch: WriteSignal<Vec<CaseEvent>>,
    answers: WriteSignal<u64>,
}

/// An event the stream sent.
#[derive(Debug, PartialEq)]
pub(crate) enum Received {
    /// A case changed: the timeline entry's number, and the change.
    Case(i64, CaseEvent),
    /// The site has new answers.
    Answers,
    /// A frame that only moves the reader on: an `id` alone (where a stream starts), or an
    /// event with an id that is skipped. As the SSE standard has it, every id sets the last
    /// event id, which a reconnect resumes after.
    At(i64),
}

/// Server-sent events split out of the bytes as they come: complete frames are parsed, the
/// rest waits for the next chunk.
#[derive(Default)]
pub(crate) struct Frames {
    pending: Vec<u8>,
}

impl Frames {
    /// The events completed by `bytes`: `case` events with their ids, and `answers`; comments
    /// and other events are skipped, and so is a `case` event whose data does not parse, but
    /// the id of either is kept (`At`).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<Received> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.pending.windows(2).position(|w| w == b"\n\n") {
            let frame: Vec<u8> = self.pending.drain(..end + 2).collect();
            let frame = String::from_utf8_lossy(&frame);
            let (mut id, mut kind, mut data) = (None, None, String::new());
            for line in frame.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => id = value.parse::<i64>().ok(),
                    "event" => kind = Some(value.to_owned()),
                    "data" => {
                        if !data.is_empty() {
                            data.push('\n');
                        }
                        data.push_str(value);
                    }
                    _ => {}
                }
            }
            match (id, kind.as_deref()) {
                (Some(id), Some("case")) => match serde_json::from_str::<CaseEvent>(&data) {
                    Ok(event) => events.push(Received::Case(id, event)),
                    Err(_) => events.push(Received::At(id)),
                },
                (None, Some("answers")) => events.push(Received::Answers),
                (Some(id), _) => events.push(Received::At(id)),
                _ => {}
            }
        }
        events
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::case::{Priority, Status};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn event(reference: &str, kind: &str) -> String {
        format!(
            r#"{{"site_key":"site_abcdefgh","case":"0193f2a4-5b6c-7d8e-9f00-112233445566","reference":"{reference}","kind":"{kind}","status":"new","priority":"P2","hot":false}}"#
        )
    }

    #[wasm_bindgen_test]
    fn events_are_read_across_chunks_and_the_rest_skipped() {
        let mut frames = Frames::default();
        let whole = format!(
            ": keep-alive\n\nid: 6\n\nid: 7\nevent: case\ndata: {}\n\nevent: other\nid: 8\ndata: {{}}\n\nid:9\nevent:case\ndata:{}\n\nid: 10\nevent: case\ndata: not json\n\nevent: answers\ndata: {{}}\n\n",
            event("HK-AAAA", "received"),
            event("HK-BBBB", "hot_stove"),
        );
        let bytes = whole.as_bytes();
        // Split inside a frame and inside a multi-byte-free line: nothing is read twice or lost.
        let (a, b) = bytes.split_at(40);
        let first = frames.push(a);
        assert_eq!(first, [Received::At(6)], "only the start is complete yet");
        let rest = frames.push(b);
        let cases: Vec<(i64, CaseEvent)> = rest
            .iter()
            .filter_map(|r| match r {
                Received::Case(id, e) => Some((*id, e.clone())),
                Received::Answers | Received::At(_) => None,
            })
            .collect();
        let ids: Vec<i64> = cases.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [7, 9]);
        // Every id moves the reader on: a skipped event, a case that did not parse.
        let at: Vec<i64> = rest
            .iter()
            .filter_map(|r| match r {
                Received::At(id) => Some(*id),
                _ => None,
            })
            .collect();
        assert_eq!(at, [8, 10]);
        assert_eq!(cases[0].1.reference, "HK-AAAA");
        assert_eq!(cases[0].1.status, Status::New);
        assert_eq!(cases[0].1.priority, Priority::P2);
        assert_eq!(cases[1].1.kind, EntryKind::HotStove);
        assert_eq!(rest.last(), Some(&Received::Answers));
        assert!(frames.push(b"").is_empty());
    }

    #[wasm_bindgen_test]
    fn new_and_hot_cases_are_announced_once_each() {
        let parse = |reference: &str, kind: &str| -> CaseEvent {
            serde_json::from_str(&event(reference, kind)).unwrap()
        };
        assert_eq!(announcement(&[]), None);
        assert_eq!(
            announcement(&[parse("HK-AAAA", "status_changed")]),
            None,
            "a change is not news"
        );
        assert_eq!(
            announcement(&[
                parse("HK-AAAA", "received"),
                parse("HK-AAAA", "categorized")
            ]),
            Some("New case HK-AAAA".to_owned())
        );
        assert_eq!(
            announcement(&[
                parse("HK-AAAA", "received"),
                parse("HK-BBBB", "received"),
                parse("HK-BBBB", "hot_stove"),
            ]),
            Some("Hot case HK-BBBB. New case HK-AAAA".to_owned())
        );
        assert_eq!(
            announcement(&[parse("HK-AAAA", "received"), parse("HK-CCCC", "received")]),
            Some("New cases HK-AAAA, HK-CCCC".to_owned())
        );
    }
}
