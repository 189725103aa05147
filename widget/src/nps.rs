//! The Net Promoter question: "How likely are you to recommend …?", answered 0 to 10.

use leptos::{ev, html, prelude::*};
use shared::NpsScore;
use wasm_bindgen::JsCast;

/// How many scores the scale offers: 0 to 10.
const SCORES: u8 = NpsScore::MAX + 1;

/// One NPS question: its prompt, and the scale 0–10 as an ARIA radio group.
///
/// Only one radio is in the tab order (a roving tabindex): the chosen score, or 0 before a
/// choice. Arrow keys, Home and End move the choice and the focus together, as the ARIA radio
/// group pattern asks.
///
/// - `prompt`: the question, shown as text and naming the group.
/// - `score` / `set_score`: the visitor's choice, `None` until they make one.
// `#[component]` derives a props builder whose methods are `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn NpsScale(
    prompt: String,
    score: ReadSignal<Option<NpsScore>>,
    set_score: WriteSignal<Option<NpsScore>>,
) -> impl IntoView {
    let group = NodeRef::<html::Div>::new();
    let chosen = move || score.get().map(NpsScore::get);
    let tab_stop = move || chosen().unwrap_or(0);
    let choose = move |n: u8| set_score.set(NpsScore::new(n.into()).ok());

    let on_keydown = move |ev: ev::KeyboardEvent| {
        let current = score.get_untracked().map_or(0, NpsScore::get);
        let next = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => (current + 1) % SCORES,
            "ArrowLeft" | "ArrowUp" => (current + SCORES - 1) % SCORES,
            "Home" => 0,
            "End" => NpsScore::MAX,
            _ => return,
        };
        ev.prevent_default();
        choose(next);
        if let Some(radio) = group
            .get_untracked()
            .and_then(|g| g.children().item(next.into()))
        {
            let _ = radio.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    };

    view! {
        <p class="prompt">{prompt.clone()}</p>
        <div class="scale" role="radiogroup" aria-label=prompt node_ref=group on:keydown=on_keydown>
            {(0..SCORES)
                .map(|n| {
                    view! {
                        <button
                            type="button"
                            role="radio"
                            aria-checked=move || if chosen() == Some(n) { "true" } else { "false" }
                            tabindex=move || if tab_stop() == n { "0" } else { "-1" }
                            on:click=move |_| choose(n)
                        >
                            {n}
                        </button>
                    }
                })
                .collect_view()}
        </div>
        <div class="ends">
            <span>"Not likely"</span>
            <span>"Very likely"</span>
        </div>
    }
}
