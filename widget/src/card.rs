//! The survey card: the questions, Send, and what became of the answer.

use crate::nps::{nps_scale, on_radio_click, on_radio_keydown, ScoreSignal};
use crate::position;
use crate::send::Collector;
use leptos::prelude::*;
use shared::{Answer, Question, Survey};
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

/// Where the visitor's answer is on its way to the collector.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Unsent,
    Sending,
    /// The collector did not acknowledge it; the choice is kept for another try.
    Failed,
    /// The collector acknowledged it: only now may the widget say thanks.
    Sent,
}

/// The [`Delivery`] of the card, kept in a signal of the same type as the scores' (see
/// [`ScoreSignal`]): the reactive system's code is instantiated once per signal type, and each
/// instantiation costs code on customers' pages.
#[derive(Clone)]
struct DeliverySignal(ArcRwSignal<u8>);

impl DeliverySignal {
    fn new() -> Self {
        Self(ArcRwSignal::new(Delivery::Unsent as u8))
    }

    fn get(&self) -> Delivery {
        Self::from_u8(self.0.get())
    }

    fn get_untracked(&self) -> Delivery {
        Self::from_u8(self.0.get_untracked())
    }

    fn set(&self, delivery: Delivery) {
        self.0.set(delivery as u8);
    }

    fn from_u8(delivery: u8) -> Delivery {
        match delivery {
            1 => Delivery::Sending,
            2 => Delivery::Failed,
            3 => Delivery::Sent,
            _ => Delivery::Unsent,
        }
    }
}

/// A card in the corner of the page asking `survey`'s questions: its view, and the listener for
/// the `click`, `keydown` and `submit` events that reach the element the view is mounted in.
///
/// Send stays disabled until every question has an answer. The card thanks the visitor only
/// after the collector acknowledged the answer; on failure it says so and keeps the choices, so
/// that Send can be pressed again (with the same response id, so that it is stored once).
///
/// - `survey`: what to ask.
/// - `collector`: where the answers go.
/// - `on_close`: called when the visitor dismisses the card.
///
/// A plain function rather than a `#[component]`: a component's props builder and the
/// bookkeeping around it cost kilobytes on customers' pages. For the same reason the events are
/// handled by one listener on the card's container rather than by `on:` handlers on elements:
/// tachys's per-element listeners (with their owner, thread checks and delegation tables)
/// cost about 6 KB gzip here.
pub(crate) fn survey_card(
    survey: Survey,
    collector: Collector,
    on_close: impl Fn() + 'static,
) -> (impl IntoView, impl FnMut(Event) + 'static) {
    // (Loops rather than iterator chains collecting into `Option`/`Result`: smaller code.)
    let mut asked = Vec::new();
    let mut scores = Vec::new();
    for question in survey.questions {
        let Question { id, prompt, .. } = question;
        let score = ScoreSignal::new();
        scores.push((id, score.clone()));
        asked.push((prompt, score));
    }
    let unanswered = {
        let scores = scores.clone();
        move || scores.iter().any(|(_, score)| score.chosen().is_none())
    };
    let delivery = DeliverySignal::new();
    let sending = {
        let delivery = delivery.clone();
        move || delivery.get() == Delivery::Sending
    };

    let on_submit = {
        let (scores, delivery) = (scores.clone(), delivery.clone());
        let survey_id = survey.id;
        move |form: &Element| {
            // Every question's answer, or nothing to send while one is missing.
            let mut answers = Vec::new();
            for (id, score) in &scores {
                let Some(score) = score.get_untracked() else {
                    return;
                };
                answers.push(Answer::Nps {
                    question_id: id.clone(),
                    score,
                });
            }
            if delivery.get_untracked() == Delivery::Sending {
                return;
            }
            delivery.set(Delivery::Sending);
            // The card's close button, focused when the form disappears: it comes right before
            // the form.
            let close = form.previous_element_sibling();
            let sent = collector.send(survey_id.clone(), answers);
            let delivery = delivery.clone();
            leptos::task::spawn_local(async move {
                if !sent.await {
                    delivery.set(Delivery::Failed);
                    return;
                }
                delivery.set(Delivery::Sent);
                // The form disappears; keep the keyboard focus inside the card.
                if let Some(close) = close {
                    let _ = close.unchecked_into::<HtmlElement>().focus();
                }
            });
        }
    };

    let on_event = move |ev: Event| {
        // Only elements of the card are the targets of these events.
        let Some(target) = ev.target().map(JsCast::unchecked_into::<Element>) else {
            return;
        };
        let kind = ev.type_();
        if kind == "submit" {
            ev.prevent_default();
            on_submit(&target);
        } else if target.get_attribute("role").as_deref() == Some("radio") {
            // The radio's group is the scale of the question of the same position.
            let question = target.parent_element().map(|group| position(&group));
            if let Some((_, score)) = question.and_then(|question| scores.get(question)) {
                if kind == "click" {
                    on_radio_click(&target, score);
                } else {
                    on_radio_keydown(&ev, &target, score);
                }
            }
        } else if kind == "click" && target.class_name() == "close" {
            on_close();
        }
    };

    // What became of the answer, as the class and the text of the one paragraph of the status
    // region: empty (and hidden by the stylesheet) until there is something to say. Changing
    // one paragraph costs far less code than rendering a different one per outcome.
    let outcome = {
        let delivery = delivery.clone();
        move || match delivery.get() {
            Delivery::Sent => ("thanks", "Thank you!"),
            Delivery::Failed => ("error", "Couldn't send your answer. Please try again."),
            Delivery::Unsent | Delivery::Sending => ("", ""),
        }
    };
    // (The view takes each closure by value: the ones used twice are cloned first.)
    let send_disabled = {
        let sending = sending.clone();
        move || unanswered() || sending()
    };
    let send_text = move || if sending() { "Sending…" } else { "Send" };
    let status_class = {
        let outcome = outcome.clone();
        move || outcome().0
    };
    let status_text = move || outcome().1;
    let form_hidden = move || delivery.get() == Delivery::Sent;

    let view = view! {
        <div class="card" role="dialog" aria-label="Feedback">
            <button type="button" class="close" aria-label="Close">"×"</button>
            <form hidden=form_hidden>
                {asked
                    .into_iter()
                    .map(|(prompt, score)| nps_scale(prompt, score))
                    .collect_view()}
                <button type="submit" class="send" disabled=send_disabled>
                    {send_text}
                </button>
            </form>
            <div role="status" aria-live="polite">
                <p class=status_class>{status_text}</p>
            </div>
        </div>
    };
    (view, on_event)
}
