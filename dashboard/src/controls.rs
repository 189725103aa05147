//! Controls several pages use: a `<select>` whose choice lives in a signal, the line that
//! says what an action did, and the messages a refused form shows next to its fields.

use crate::api::ApiError;
use leptos::prelude::*;

/// A `<select>` of `(value, label)` pairs, with `current` selected.
///
/// - `id`: for its `<label for>`.
/// - `options`: the values and what they read as.
/// - `current`: the value selected.
/// - `on_pick`: called with the value picked, when it differs from `current`.
/// - `disabled`: for a role that may only read.
/// - `label`: its accessible name, where no `<label>` shows (a table's cell).
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Choice(
    #[prop(into)] id: String,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(into)] current: Signal<String>,
    #[prop(into)] on_pick: Callback<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    view! {
        <select
            id=id
            aria-label=label
            disabled=disabled
            on:change=move |ev| {
                let value = event_target_value(&ev);
                if value != current.get_untracked() {
                    on_pick.run(value);
                }
            }
        >
            {move || {
                options
                    .get()
                    .into_iter()
                    .map(|(value, label)| {
                        let selected = value == current.get();
                        view! {
                            <option value=value prop:selected=selected>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
    }
}

/// What an action did: green when it worked, red with the server's message.
///
/// - `notice`: `Ok(message)` or `Err(message)`, or nothing yet.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Notice(notice: ReadSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || match notice.get() {
        Some(Ok(message)) => view! { <p class="notice" role="status">{message}</p> }.into_any(),
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        None => ().into_any(),
    }
}

/// A button that copies `text` to the clipboard, and says whether it did.
///
/// - `text`: what to copy.
/// - `label`: the button's accessible name (`Copy the link`), where "Copy" alone is unclear.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn CopyButton(#[prop(into)] text: String, #[prop(into)] label: String) -> impl IntoView {
    let (copied, set_copied) = signal(None::<bool>);
    let copy = move |_| {
        let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
            set_copied.set(Some(false));
            return;
        };
        let promise = clipboard.write_text(&text);
        leptos::task::spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            set_copied.set(Some(done));
        });
    };
    view! {
        <button type="button" class="copy secondary" aria-label=label on:click=copy>
            "Copy"
        </button>
        <span class="copied" role="status">
            {move || match copied.get() {
                Some(true) => "Copied",
                Some(false) => "Copying failed: select the text and copy it (Ctrl+C or ⌘C)",
                None => "",
            }}
        </span>
    }
}

/// Whether `s` is a field's path as the collector names it in a 422: `time_zone`,
/// `week[2].start`, `policies[0].escalation[1].after_minutes`.
fn is_path(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.[]".contains(c))
}

/// The fields a 422's message names, each with what is wrong with it, in order.
///
/// The collector joins its problems as `path: message; path: message`; a message may itself
/// hold `; ` (`70 minutes; a target is …`), so a part starts a new problem only when it begins
/// with a path. Text before the first path is kept under the empty path.
pub(crate) fn field_errors(message: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in message.split("; ") {
        match part.split_once(": ") {
            Some((path, text)) if is_path(path) => out.push((path.to_owned(), text.to_owned())),
            _ => match out.last_mut() {
                Some((_, text)) => {
                    text.push_str("; ");
                    text.push_str(part);
                }
                None => out.push((String::new(), part.to_owned())),
            },
        }
    }
    out
}

/// What the collector said about each field of a form at its last save, until the next one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldErrors(RwSignal<Vec<(String, String)>>);

impl FieldErrors {
    pub(crate) fn new() -> Self {
        Self(RwSignal::new(Vec::new()))
    }

    /// Takes the fields a refusal names (a 422); any other error names none.
    pub(crate) fn show(&self, error: &ApiError) {
        self.0.set(match error {
            ApiError::Invalid(message) => field_errors(message),
            ApiError::Refused { field, message } => vec![(field.clone(), message.clone())],
            _ => Vec::new(),
        });
    }

    /// Names one field the dashboard itself found wrong, before sending anything.
    pub(crate) fn set_one(&self, path: String, message: String) {
        self.0.set(vec![(path, message)]);
    }

    pub(crate) fn clear(&self) {
        self.0.set(Vec::new());
    }

    /// What is wrong with the field at `path`, or with a field inside it (`rules[0].phrases[2]`
    /// inside `rules[0].phrases`, named with its own path); `None` when nothing is.
    pub(crate) fn under(&self, path: &str) -> Option<String> {
        self.0.with(|all| {
            let found: Vec<String> = all
                .iter()
                .filter_map(|(p, m)| {
                    if p == path {
                        Some(m.clone())
                    } else {
                        p.strip_prefix(path)
                            .filter(|rest| rest.starts_with(['.', '[']))
                            .map(|_| format!("{p}: {m}"))
                    }
                })
                .collect();
            (!found.is_empty()).then(|| found.join("; "))
        })
    }

    /// What is wrong with exactly the field at `path`.
    pub(crate) fn at(&self, path: &str) -> Option<String> {
        self.0.with(|all| {
            let found: Vec<&str> = all
                .iter()
                .filter(|(p, _)| p == path)
                .map(|(_, m)| m.as_str())
                .collect();
            (!found.is_empty()).then(|| found.join("; "))
        })
    }
}

/// The message next to a field the collector refused, referenced by the field's
/// `aria-describedby` (see [`described_by`]).
///
/// - `id`: the message's id.
/// - `message`: what is wrong, or nothing.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn FieldError(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="field-error" id=id.clone()>{m}</p> })
    }
}

/// A button for an action that cannot be undone, which asks first: "Remove" turns into the
/// question with the confirming button and "Keep". The focus follows, so that it works by
/// keyboard alone.
///
/// - `class`: the asking button's class (`remove`); the confirming one's is `confirm-remove`.
/// - `label`: what both buttons say (`Remove`).
/// - `aria_label`: the asking button's accessible name, naming what it acts on.
/// - `question`: what is asked (`Remove ann@shop.test from the team?`).
/// - `busy`: while the action runs.
/// - `confirming`: whether the question shows; the caller closes it on a refusal.
/// - `on_confirm`: called when the action is confirmed.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn ConfirmButton(
    #[prop(into)] class: String,
    #[prop(into)] label: String,
    #[prop(into)] aria_label: String,
    #[prop(into)] question: Signal<String>,
    #[prop(into)] busy: Signal<bool>,
    confirming: RwSignal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let ask = NodeRef::<leptos::html::Button>::new();
    let confirm = NodeRef::<leptos::html::Button>::new();
    // Set by this control's own clicks only, so that nothing else moves the focus.
    let move_focus = StoredValue::new(false);
    Effect::new(move |_| {
        let target = if confirming.get() {
            confirm.get()
        } else {
            ask.get()
        };
        if let Some(button) = target {
            if move_focus.get_value() {
                move_focus.set_value(false);
                let _ = button.focus();
            }
        }
    });
    move || {
        if confirming.get() {
            view! {
                <span class="confirm-text">{question}</span>
                <button
                    type="button"
                    class=format!("confirm-{class}")
                    node_ref=confirm
                    disabled=busy
                    on:click=move |_| on_confirm.run(())
                >
                    {label.clone()}
                </button>
                <button
                    type="button"
                    class="secondary keep"
                    on:click=move |_| {
                        move_focus.set_value(true);
                        confirming.set(false);
                    }
                >
                    "Keep"
                </button>
            }
            .into_any()
        } else {
            view! {
                <button
                    type="button"
                    class=format!("{class} secondary")
                    node_ref=ask
                    aria-label=aria_label.clone()
                    on:click=move |_| {
                        move_focus.set_value(true);
                        confirming.set(true);
                    }
                >
                    {label.clone()}
                </button>
            }
            .into_any()
        }
    }
}

/// Why the collector refused an action, next to the control that asked for it, said at once
/// to screen readers (the refusal comes after a click, not while a field is filled in).
///
/// - `message`: the refusal, or nothing.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Refusal(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="field-error refusal" role="alert">{m}</p> })
    }
}

/// A labelled one-line text field bound to `value`, with the collector's refusal below it (the
/// same component for every such field, so that each costs the bundle nothing more).
///
/// - `id`: the input's id; its error's is `{id}-error`.
/// - `label`: what the field is.
/// - `value`: what is typed.
/// - `error`: what the collector said about it, or nothing.
/// - `disabled`: for a role that may only read.
/// - `numeric`: a number is typed (a numeric keyboard on phones).
#[allow(unreachable_pub)]
#[component]
pub(crate) fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] numeric: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="text"
                inputmode=numeric.then_some("numeric")
                spellcheck="false"
                autocomplete="off"
                bind:value=value
                disabled=disabled
                aria-invalid=invalid(error)
                aria-describedby=described_by(error_id.clone(), error)
            />
            <FieldError id=error_id message=error />
        </div>
    }
}

/// A labelled text area of one item a line (a site's origins), with a hint and the collector's
/// refusal below it.
///
/// - `id`: the text area's id; its hint's is `{id}-hint`, its error's `{id}-error`.
/// - `label`, `hint`: what the field is, and how to fill it in.
/// - `value`: what is typed.
/// - `error`: what the collector said about it, or nothing.
/// - `disabled`: for a role that may only read.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn LinesField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] hint: String,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || match error.get() {
            Some(_) => format!("{hint_id} {error_id}"),
            None => hint_id.clone(),
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
            <textarea
                id=id
                rows="3"
                spellcheck="false"
                bind:value=value
                disabled=disabled
                aria-invalid=invalid(error)
                aria-describedby=described
            ></textarea>
            <FieldError id=error_id message=error />
        </div>
    }
}

/// A field's `aria-describedby`: its error's id while there is one.
pub(crate) fn described_by(
    id: String,
    message: Signal<Option<String>>,
) -> impl Fn() -> Option<String> {
    move || message.get().map(|_| id.clone())
}

/// A field's `aria-invalid`: `true` while it has an error.
pub(crate) fn invalid(message: Signal<Option<String>>) -> impl Fn() -> Option<&'static str> {
    move || message.get().map(|_| "true")
}

#[cfg(test)]
mod tests {
    use super::field_errors;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_refusal_names_each_field() {
        let message = "time_zone: \"Mars/Base\" is not an IANA time zone name such as \"Europe/Berlin\"; \
            week[1].start: \"9\" is not a time of day as HH:MM, 00:00 to 23:59; \
            policies[0].first_response: 0 minutes; a target is 1 to 525600 business minutes (a year), or none";
        let found = field_errors(message);
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["time_zone", "week[1].start", "policies[0].first_response"]
        );
        assert_eq!(
            found[2].1,
            "0 minutes; a target is 1 to 525600 business minutes (a year), or none"
        );
        assert_eq!(
            field_errors("the site has no such thing"),
            [(String::new(), "the site has no such thing".to_owned())]
        );
    }
}
