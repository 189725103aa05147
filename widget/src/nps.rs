//! The Net Promoter question: "How likely are you to recommend …?", answered 0 to 10.

use crate::position;
use leptos::prelude::*;
use shared::NpsScore;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, KeyboardEvent};

/// How many scores the scale offers: 0 to 10.
const SCORES: u8 = NpsScore::MAX + 1;

/// The scores as text, written out: rendering a number would bring in the formatting machinery.
const LABELS: [&str; SCORES as usize] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

/// The visitor's answer to one question, `None` until they make one.
///
/// Kept as a plain `u8` (with [`NO_SCORE`] for none), the same type as the card's delivery
/// state: the reactive system's code is instantiated once per signal type, and each
/// instantiation costs code on customers' pages. (An `ArcRwSignal` rather than an arena-backed
/// `RwSignal`: less code, for a few clones.)
#[derive(Clone)]
pub(crate) struct ScoreSignal(ArcRwSignal<u8>);

/// What a [`ScoreSignal`] holds before the visitor chose.
const NO_SCORE: u8 = u8::MAX;

impl ScoreSignal {
    pub(crate) fn new() -> Self {
        Self(ArcRwSignal::new(NO_SCORE))
    }

    /// The chosen score, 0 to 10, tracked.
    pub(crate) fn chosen(&self) -> Option<u8> {
        Some(self.0.get()).filter(|&n| n <= NpsScore::MAX)
    }

    fn chosen_untracked(&self) -> Option<u8> {
        Some(self.0.get_untracked()).filter(|&n| n <= NpsScore::MAX)
    }

    /// The chosen score, untracked.
    pub(crate) fn get_untracked(&self) -> Option<NpsScore> {
        self.chosen_untracked()
            .and_then(|n| NpsScore::new(n.into()).ok())
    }

    fn set(&self, score: u8) {
        self.0.set(score);
    }
}

/// One NPS question: its prompt, and the scale 0–10 as an ARIA radio group.
///
/// Only one radio is in the tab order (a roving tabindex): the chosen score, or 0 before a
/// choice. Arrow keys, Home and End move the choice and the focus together, as the ARIA radio
/// group pattern asks. The card listens for the clicks and keys and hands those on a radio to
/// [`on_radio_click`] and [`on_radio_keydown`].
///
/// - `prompt`: the question, shown as text and naming the group.
/// - `score`: the visitor's choice, `None` until they make one.
///
/// A plain function rather than a `#[component]`: a component's props builder and the
/// bookkeeping around it cost kilobytes on customers' pages, and this one is only used here.
pub(crate) fn nps_scale(prompt: String, score: ScoreSignal) -> impl IntoView {
    // Leaked, like the whole view (see `mount`), to be rendered as `&str`: the text and attribute
    // code for `&str` is on the page anyway, while `String`'s would be more code.
    let prompt: &'static str = prompt.leak();
    view! {
        <p class="prompt">{prompt}</p>
        // The radios carry no class: `position` finds a radio's score among its siblings.
        <div class="scale" role="radiogroup" aria-label=prompt>
            {(0..SCORES)
                .map(|n| {
                    let checked = {
                        let score = score.clone();
                        move || if score.chosen() == Some(n) { "true" } else { "false" }
                    };
                    let score = score.clone();
                    let tab_stop = move || if score.chosen().unwrap_or(0) == n { "0" } else { "-1" };
                    view! {
                        <button type="button" role="radio" aria-checked=checked tabindex=tab_stop>
                            {LABELS[usize::from(n)]}
                        </button>
                    }
                })
                .collect_view()}
        </div>
        <div class="ends">
            // Braced texts: without a dynamic part, the macro renders this as "inert" HTML through
            // a `<template>`, whose separate code path costs more than two more elements.
            <span>{"Not likely"}</span>
            <span>{"Very likely"}</span>
        </div>
    }
}

/// A click on `radio`, one of the radios of the scale of `score`: chooses its score.
pub(crate) fn on_radio_click(radio: &Element, score: &ScoreSignal) {
    score.set(score_of(radio));
}

/// A key pressed on `radio`, one of the radios of the scale of `score`: the arrow keys, Home
/// and End choose another score and move the focus to it.
pub(crate) fn on_radio_keydown(ev: &Event, radio: &Element, score: &ScoreSignal) {
    let current = score.chosen_untracked().unwrap_or(0);
    let next = match ev.unchecked_ref::<KeyboardEvent>().key().as_str() {
        "ArrowRight" | "ArrowDown" => (current + 1) % SCORES,
        "ArrowLeft" | "ArrowUp" => (current + SCORES - 1) % SCORES,
        "Home" => 0,
        "End" => NpsScore::MAX,
        _ => return,
    };
    ev.prevent_default();
    score.set(next);
    if let Some(next) = radio
        .parent_element()
        .and_then(|group| group.children().item(next.into()))
    {
        let _ = next.unchecked_into::<HtmlElement>().focus();
    }
}

/// The score of `radio`: its position in its group.
fn score_of(radio: &Element) -> u8 {
    u8::try_from(position(radio)).unwrap_or(NO_SCORE)
}
