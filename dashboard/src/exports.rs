//! The exports page: each of the collector's exports (the answers, the answers of a period, the
//! complaints, the complaint metrics) with the formats and periods its route takes. "Download"
//! fetches it with the signed-in admin's credentials and reads the body as it streams in,
//! showing the bytes (of the total, when the collector says it) and the rows received; the page
//! stays usable meanwhile (each chunk is awaited, nothing is read at once) and a download can be
//! cancelled (the reader is cancelled at its next chunk). The file is then saved from a `blob:`
//! URL with a link, never opened in the page.

use crate::api::Auth;
use crate::controls::Choice;
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::ErrorBody;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Headers, ReadableStreamDefaultReader, Request, RequestCredentials, RequestInit, Response,
};

/// Which periods an export takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Periods {
    /// Everything, always.
    None,
    /// Everything, or the last N days.
    Optional,
    /// The last N days (90 unless chosen).
    Required,
}

/// One of the collector's exports.
#[derive(Debug, Clone, Copy)]
struct Export {
    /// Its id in the page (`answers`), for its controls' ids.
    id: &'static str,
    title: &'static str,
    what: &'static str,
    /// The route under the site's admin path.
    path: &'static str,
    /// Whether it comes as NDJSON too (else CSV only).
    ndjson: bool,
    periods: Periods,
}

const EXPORTS: [Export; 4] = [
    Export {
        id: "answers",
        title: "All answers",
        what: "Every answer of the site, oldest first: CSV with one row per answered question, or NDJSON with one response a line.",
        path: "export",
        ndjson: true,
        periods: Periods::None,
    },
    Export {
        id: "responses",
        title: "Answers of a period",
        what: "The responses explorer's view, newest first, for a period.",
        path: "responses/export",
        ndjson: true,
        periods: Periods::Optional,
    },
    Export {
        id: "complaints",
        title: "Complaints",
        what: "Every complaint, oldest first, with its status, priority, category, assignee and problem; without e-mail addresses.",
        path: "complaints/export",
        ndjson: true,
        periods: Periods::None,
    },
    Export {
        id: "complaint-metrics",
        title: "Complaint metrics",
        what: "Received, resolved, response and resolution times and SLA compliance, overall, per agent and per category, for a period.",
        path: "insight/complaints/export",
        ndjson: false,
        periods: Periods::Required,
    },
];

/// The exports page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn ExportsPage() -> impl IntoView {
    let cards = EXPORTS
        .into_iter()
        .map(|export| view! { <ExportCard export /> })
        .collect_view();
    view! {
        <div class="settings exports">
            <SettingsHead title="Exports" read_only=false />
            <p class="hint">
                "Each file is made by the collector as it is sent, so a large one takes a while: the page shows how much has come, and stays usable meanwhile."
            </p>
            {cards}
        </div>
    }
}

/// Where a download is.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Idle,
    Running,
    /// The file, ready to save: its `blob:` URL and name.
    Ready {
        href: String,
        filename: String,
    },
    Failed(String),
}

/// One export: its choices, "Download", its progress and the link to save it.
#[component]
fn ExportCard(export: Export) -> impl IntoView {
    let desk = Desk::expect();
    let format = RwSignal::new("csv".to_owned());
    let days = RwSignal::new(match export.periods {
        Periods::Required => "90".to_owned(),
        _ => String::new(),
    });
    let state = RwSignal::new(State::Idle);
    let bytes = RwSignal::new(0u64);
    let total = RwSignal::new(None::<u64>);
    let rows = RwSignal::new(0u64);
    // Set by "Cancel": the download stops at its next chunk.
    let cancelled = RwSignal::new(false);
    let save_link = NodeRef::<leptos::html::A>::new();
    // A finished file's URL is let go when another download starts or the page is left (a
    // download still running then stops: its signals are gone).
    let release = move || {
        if let Some(State::Ready { href, .. }) = state.try_get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&href);
        }
    };
    on_cleanup(release);
    // Once the file is ready, the focus goes to its link, for the keyboard.
    Effect::new(move |_| {
        if matches!(state.get(), State::Ready { .. }) {
            if let Some(link) = save_link.get() {
                let _ = link.focus();
            }
        }
    });

    let api = desk.api.clone();
    let start = move |_| {
        release();
        let url = api.url(&query(
            &export,
            &format.get_untracked(),
            &days.get_untracked(),
        ));
        let auth = api.auth.clone();
        let csv = !export.ndjson || format.get_untracked() == "csv";
        bytes.set(0);
        rows.set(0);
        total.set(None);
        cancelled.set(false);
        state.set(State::Running);
        spawn_local(async move {
            let progress = Progress {
                bytes,
                total,
                rows,
                cancelled,
            };
            let next = match download(&auth, &url, csv, progress).await {
                Ok(Some((href, filename))) => State::Ready { href, filename },
                Ok(None) => State::Failed("Cancelled".to_owned()),
                Err(message) => State::Failed(message),
            };
            if let Some(State::Ready { href, .. }) = state.try_set(next) {
                // The page was left meanwhile: nothing shows the file.
                let _ = web_sys::Url::revoke_object_url(&href);
            }
        });
    };
    let cancel = move |_| cancelled.set(true);

    let running = move || state.get() == State::Running;
    let formats = vec![
        ("csv".to_owned(), "CSV".to_owned()),
        (
            "ndjson".to_owned(),
            "NDJSON (one JSON object a line)".to_owned(),
        ),
    ];
    let periods: Vec<(String, String)> = match export.periods {
        Periods::Optional => vec![(String::new(), "Everything".to_owned())],
        _ => Vec::new(),
    }
    .into_iter()
    .chain([7, 30, 90, 365].map(|d| (d.to_string(), format!("The last {d} days"))))
    .collect();
    let title_id = format!("export-{}-title", export.id);
    let labelled_by = title_id.clone();
    let progress_line = move || {
        let received = size(bytes.get());
        let of = total
            .get()
            .map(|t| format!(" of {}", size(t)))
            .unwrap_or_default();
        let n = rows.get();
        format!(
            "{received}{of} received, {n} row{}",
            if n == 1 { "" } else { "s" }
        )
    };

    view! {
        <section class="panel export" data-export=export.id aria-labelledby=labelled_by>
            <h3 id=title_id>{export.title}</h3>
            <p class="hint">{export.what}</p>
            <div class="export-choices">
                {export
                    .ndjson
                    .then(|| {
                        let id = format!("export-{}-format", export.id);
                        view! {
                            <div class="field">
                                <label for=id.clone()>"Format"</label>
                                <Choice
                                    id
                                    options=formats
                                    current=format
                                    on_pick=move |v| format.set(v)
                                    disabled=Signal::derive(running)
                                />
                            </div>
                        }
                    })}
                {(export.periods != Periods::None)
                    .then(|| {
                        let id = format!("export-{}-days", export.id);
                        view! {
                            <div class="field">
                                <label for=id.clone()>"Period"</label>
                                <Choice
                                    id
                                    options=periods
                                    current=days
                                    on_pick=move |v| days.set(v)
                                    disabled=Signal::derive(running)
                                />
                            </div>
                        }
                    })}
            </div>
            <div class="actions">
                <button type="button" class="download" disabled=running on:click=start>
                    {format!("Download {}", export.title.to_lowercase())}
                </button>
                {move || {
                    running()
                        .then(|| {
                            view! {
                                <button type="button" class="cancel secondary" on:click=cancel>
                                    "Cancel"
                                </button>
                            }
                        })
                }}
            </div>
            <div class="export-state" role="status">
                {move || match state.get() {
                    State::Idle => ().into_any(),
                    State::Running => view! {
                        <p class="progress">"Downloading… " {progress_line}</p>
                    }
                    .into_any(),
                    State::Ready { href, filename } => view! {
                        <p class="progress done">{progress_line}</p>
                        <a class="save" href=href download=filename.clone() node_ref=save_link>
                            {format!("Save {filename}")}
                        </a>
                    }
                    .into_any(),
                    State::Failed(message) => view! { <p class="error">{message}</p> }.into_any(),
                }}
            </div>
        </section>
    }
}

/// The route and query of `export` with the chosen format and period.
fn query(export: &Export, format: &str, days: &str) -> String {
    let mut params = Vec::new();
    if export.ndjson {
        params.push(format!("format={format}"));
    }
    if !days.is_empty() && export.periods != Periods::None {
        params.push(format!("days={days}"));
    }
    if params.is_empty() {
        export.path.to_owned()
    } else {
        format!("{}?{}", export.path, params.join("&"))
    }
}

/// A size as people read it.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} KB", b as f64 / 1000.0),
        b => format!("{:.1} MB", b as f64 / 1_000_000.0),
    }
}

/// Counts the rows of a CSV or NDJSON file as its bytes come, in any chunks: a line ends a row,
/// except inside a CSV field's quotes (a doubled quote inside a field toggles twice, so it
/// changes nothing); CSV's header line is not a row.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowCounter {
    csv: bool,
    quoted: bool,
    lines: u64,
}

impl RowCounter {
    pub(crate) fn new(csv: bool) -> Self {
        Self {
            csv,
            ..Self::default()
        }
    }

    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            match b {
                b'"' if self.csv => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.lines += 1,
                _ => {}
            }
        }
    }

    /// The rows whose line has ended.
    pub(crate) fn rows(&self) -> u64 {
        if self.csv {
            self.lines.saturating_sub(1)
        } else {
            self.lines
        }
    }
}

/// Where a download shows its progress, and whether it was cancelled.
#[derive(Clone, Copy)]
struct Progress {
    bytes: RwSignal<u64>,
    total: RwSignal<Option<u64>>,
    rows: RwSignal<u64>,
    cancelled: RwSignal<bool>,
}

/// Fetches `url` as the signed-in admin, reading the body as it comes (progress into
/// `progress`); the `blob:` URL of the whole file and its name, or `None` when it was cancelled
/// (or its page left).
async fn download(
    auth: &Auth,
    url: &str,
    csv: bool,
    progress: Progress,
) -> Result<Option<(String, String)>, String> {
    let failed = |_| "the export could not be fetched; try again".to_owned();
    let window = web_sys::window().ok_or("no browser window")?;
    let headers = Headers::new().map_err(failed)?;
    if let Auth::Token(token) = auth {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(failed)?;
    }
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_credentials(RequestCredentials::SameOrigin);
    let request = Request::new_with_str_and_init(url, &init).map_err(failed)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into())
        .map_err(failed)?;
    if !response.ok() {
        let status = response.status();
        let text = match response.text() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        }
        .unwrap_or_default();
        return Err(serde_json::from_str::<ErrorBody>(&text)
            .map(|e| e.error.message)
            .unwrap_or_else(|_| format!("the collector answered {status}")));
    }
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let _ = progress
        .total
        .try_set(header("Content-Length").and_then(|v| v.trim().parse().ok()));
    let content_type = header("Content-Type").unwrap_or_else(|| "text/plain".to_owned());
    let filename = header("Content-Disposition")
        .and_then(|v| {
            let (_, name) = v.split_once("filename=\"")?;
            name.split('"').next().map(str::to_owned)
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("hark-export.{}", if csv { "csv" } else { "ndjson" }));

    let chunks = js_sys::Array::new();
    if let Some(body) = response.body() {
        let reader: ReadableStreamDefaultReader = body
            .get_reader()
            .dyn_into()
            .map_err(|_| failed(JsValue::NULL))?;
        let mut counter = RowCounter::new(csv);
        let mut received = 0u64;
        loop {
            if progress.cancelled.try_get_untracked() != Some(false) {
                // Cancelling the reader ends the request too.
                let _ = reader.cancel();
                return Ok(None);
            }
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|_| "the download broke off; try again".to_owned())?;
            let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
                .map(|d| d.is_truthy())
                .unwrap_or(true);
            if done {
                break;
            }
            let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) else {
                break;
            };
            let bytes: js_sys::Uint8Array = value.unchecked_into();
            received += u64::from(bytes.length());
            counter.feed(&bytes.to_vec());
            chunks.push(&bytes);
            let _ = progress.bytes.try_set(received);
            let _ = progress.rows.try_set(counter.rows());
        }
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&content_type);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&chunks, &options).map_err(failed)?;
    let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    Ok(Some((href, filename)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn rows_are_counted_across_chunks_and_quoted_lines() {
        let mut csv = RowCounter::new(true);
        csv.feed(b"id,answer\n1,\"two\nlines\"\n2,\"a \"\"quote\"\"\"");
        assert_eq!(csv.rows(), 1);
        csv.feed(b"\n3,x\n");
        assert_eq!(csv.rows(), 3);
        let mut ndjson = RowCounter::new(false);
        ndjson.feed(b"{\"a\":\"\\\"\"}\n{\"b\":");
        ndjson.feed(b"1}\n");
        assert_eq!(ndjson.rows(), 2);
    }

    #[wasm_bindgen_test]
    fn each_export_asks_for_its_format_and_period() {
        assert_eq!(query(&EXPORTS[0], "ndjson", ""), "export?format=ndjson");
        assert_eq!(query(&EXPORTS[1], "csv", ""), "responses/export?format=csv");
        assert_eq!(
            query(&EXPORTS[1], "csv", "30"),
            "responses/export?format=csv&days=30"
        );
        assert_eq!(
            query(&EXPORTS[3], "csv", "90"),
            "insight/complaints/export?days=90"
        );
    }
}
