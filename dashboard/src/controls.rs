//! Controls several pages use: a `<select>` whose choice lives in a signal, and the line that
//! says what an action did.

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
