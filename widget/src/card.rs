//! The survey card: the questions, Send, and what became of the answer.

use crate::nps::NpsScale;
use crate::send::Collector;
use leptos::{ev, html, prelude::*};
use shared::{Answer, Question, Survey};

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

/// A card in the corner of the page asking `survey`'s questions.
///
/// Send stays disabled until every question has an answer. The card thanks the visitor only
/// after the collector acknowledged the answer; on failure it says so and keeps the choices, so
/// that Send can be pressed again (with the same response id, so that it is stored once).
///
/// - `survey`: what to ask.
/// - `collector`: where the answers go.
/// - `on_close`: called when the visitor dismisses the card.
// `#[component]` derives a props builder whose methods are `pub`.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SurveyCard(
    survey: Survey,
    collector: Collector,
    on_close: impl Fn() + 'static,
) -> impl IntoView {
    let asked: Vec<_> = survey
        .questions
        .into_iter()
        .map(|question| match question {
            Question::Nps { id, prompt } => (id, prompt, signal(None)),
        })
        .collect();
    let scores: Vec<_> = asked
        .iter()
        .map(|(id, _, (score, _))| (id.clone(), *score))
        .collect();
    // Every question's answer, or `None` while one is missing.
    let answers = move || {
        scores
            .iter()
            .map(|(id, score)| {
                score.get().map(|score| Answer::Nps {
                    question_id: id.clone(),
                    score,
                })
            })
            .collect::<Option<Vec<_>>>()
    };
    let unanswered = {
        let answers = answers.clone();
        move || answers().is_none()
    };
    let (delivery, set_delivery) = signal(Delivery::Unsent);
    let sending = move || delivery.get() == Delivery::Sending;
    let close = NodeRef::<html::Button>::new();

    let survey_id = survey.id;
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let Some(answers) = untrack(answers.clone()) else {
            return;
        };
        if delivery.get_untracked() == Delivery::Sending {
            return;
        }
        set_delivery.set(Delivery::Sending);
        let (collector, survey_id) = (collector.clone(), survey_id.clone());
        leptos::task::spawn_local(async move {
            if !collector.send(survey_id, answers).await {
                set_delivery.set(Delivery::Failed);
                return;
            }
            set_delivery.set(Delivery::Sent);
            // The form disappears; keep the keyboard focus inside the card.
            if let Some(close) = close.get_untracked() {
                let _ = close.focus();
            }
        });
    };

    view! {
        <div class="card" role="dialog" aria-label="Feedback">
            <button
                type="button"
                class="close"
                aria-label="Close"
                node_ref=close
                on:click=move |_| on_close()
            >
                "×"
            </button>
            <form hidden=move || delivery.get() == Delivery::Sent on:submit=on_submit>
                {asked
                    .into_iter()
                    .map(|(_, prompt, (score, set_score))| {
                        view! { <NpsScale prompt=prompt score=score set_score=set_score /> }
                    })
                    .collect_view()}
                <button
                    type="submit"
                    class="send"
                    disabled=move || unanswered() || sending()
                >
                    {move || if sending() { "Sending…" } else { "Send" }}
                </button>
            </form>
            <div role="status" aria-live="polite">
                {move || {
                    (delivery.get() == Delivery::Sent)
                        .then(|| view! { <p class="thanks">"Thank you!"</p> })
                }}
                {move || {
                    (delivery.get() == Delivery::Failed)
                        .then(|| {
                            view! {
                                <p class="error">"Couldn't send your answer. Please try again."</p>
                            }
                        })
                }}
            </div>
        </div>
    }
}
