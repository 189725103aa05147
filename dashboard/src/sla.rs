//! How a case's service level shows: the inbox's badge of its worst clock, the case page's
//! panel of every clock, and the hot-stove marker. The collector computes each clock's state
//! and business minutes left (counting business minutes takes the site's calendar); the case
//! page asks again every 30 seconds, so that its countdown runs without a reload.

use crate::format;
use leptos::prelude::*;
use shared::sla::{SlaClock, SlaState, SlaTarget};

/// How often the case page reads its clocks again: under a minute, so that the minutes left
/// never lag by more than one.
pub(crate) const REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// A state as a badge: its words (not only its colour) say it.
///
/// - `state`: the clock's state.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SlaStateBadge(state: SlaState) -> impl IntoView {
    let key = format::sla_state_key(state);
    view! {
        <span class=format!("badge sla {key}") data-state=key>
            {format::sla_state(state)}
        </span>
    }
}

/// The inbox's SLA cell: the worst of a case's clocks, with business minutes left or late.
///
/// - `clocks`: the case's clocks.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SlaSummary(clocks: Vec<SlaClock>) -> impl IntoView {
    let Some(clock) = format::worst_clock(&clocks).cloned() else {
        return view! { <span class="muted">"No target"</span> }.into_any();
    };
    view! {
        <SlaStateBadge state=clock.state />
        " "
        <span class="sla-left">{format::sla_left(&clock)}</span>
        <span class="sla-target">{format::sla_target(clock.target)}</span>
    }
    .into_any()
}

/// The marker of a case a hot-stove rule matched: a word and a mark, not only a colour.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn HotBadge() -> impl IntoView {
    view! {
        <span class="badge hot">
            <span aria-hidden="true">"▲ "</span>
            "Hot"
        </span>
    }
}

/// The case page's panel of SLA clocks: for each target, its state, its due time in the
/// viewer's own time, and the business minutes left.
///
/// - `clocks`: the case's clocks, as last read.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SlaPanel(#[prop(into)] clocks: Signal<Vec<SlaClock>>) -> impl IntoView {
    let body = move || {
        let mut all = clocks.get();
        if all.is_empty() {
            return view! { <p class="muted">"No SLA targets for this case's priority."</p> }
                .into_any();
        }
        all.sort_by_key(|c| SlaTarget::ALL.iter().position(|t| *t == c.target));
        let items = all
            .into_iter()
            .map(|clock| {
                let due = match (clock.due_at, clock.state) {
                    (None, _) => {
                        view! { <p class="due">"Paused while waiting on the customer"</p> }
                            .into_any()
                    }
                    (Some(at), state) => {
                        let word = match state {
                            SlaState::Met | SlaState::Breached => "Was due ",
                            _ => "Due ",
                        };
                        view! {
                            <p class="due">
                                {word}
                                <time datetime=format::iso_time(at)>{format::local_time(at)}</time>
                            </p>
                        }
                        .into_any()
                    }
                };
                view! {
                    <li class="clock" data-target=clock.target.as_str()>
                        <div class="clock-head">
                            <span class="name">{format::sla_target(clock.target)}</span>
                            <SlaStateBadge state=clock.state />
                        </div>
                        <p class="left">{format::sla_left(&clock)}</p>
                        {due}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="clocks">{items}</ul> }.into_any()
    };
    view! {
        <section class="panel control sla-panel">
            <h3>"Service level"</h3>
            {body}
            <p class="hint">"Business minutes, in the site's business hours; times are yours."</p>
        </section>
    }
}
