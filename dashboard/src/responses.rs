//! The responses page: the Net Promoter Score, and every response.

use crate::api;
use crate::format;
use crate::shell::Desk;
use leptos::prelude::*;
use shared::api::StoredResponse;
use shared::score::{nps, Nps};
use shared::{Answer, NpsScore};

/// The responses page: the Net Promoter Score and every response of the site, with "Refresh".
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Responses() -> impl IntoView {
    let desk = Desk::expect();
    let list = LocalResource::new(move || {
        let api = desk.api.clone();
        async move { api::responses(&api.auth, &api.site).await }
    });
    // True while a refresh is loading behind the list that is still shown.
    let (refreshing, set_refreshing) = signal(false);

    view! {
        <div class="responses" aria-busy=move || refreshing.get().to_string()>
            <div class="page-head">
                <h2>"Responses"</h2>
                <button
                    type="button"
                    class="refresh secondary"
                    on:click=move |_| list.refetch()
                    disabled=refreshing
                >
                    "Refresh"
                </button>
            </div>
            <Transition
                fallback=|| view! { <p class="loading" role="status">"Loading responses…"</p> }
                set_pending=set_refreshing
            >
                // The error is matched here rather than thrown to an <ErrorBoundary>: it is one
                // message in one place, and a later successful refresh simply replaces it.
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <ResponseList responses=list.responses /> }.into_any(),
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// The score summary and the table, or the empty state.
///
/// - `responses`: newest first, as the collector lists them.
#[component]
fn ResponseList(responses: Vec<StoredResponse>) -> impl IntoView {
    if responses.is_empty() {
        return view! { <p class="empty">"No responses yet."</p> }.into_any();
    }
    let summary = nps(responses.iter().flat_map(|r| scores(&r.answers)));
    view! {
        {summary.map(|summary| view! { <NpsSummary summary /> })}
        <table class="responses">
            <thead>
                <tr>
                    <th scope="col">"Received (UTC)"</th>
                    <th scope="col">"Survey"</th>
                    <th scope="col" class="score">"Score"</th>
                    <th scope="col">"Page"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || responses.clone() key=|r| r.id let(response)>
                    <ResponseRow response />
                </For>
            </tbody>
        </table>
    }
    .into_any()
}

/// The Net Promoter Score of the listed answers and how it splits.
///
/// - `summary`: computed by `shared::score::nps`, the same function the collector uses.
#[component]
fn NpsSummary(summary: Nps) -> impl IntoView {
    let total = summary.promoters + summary.passives + summary.detractors;
    view! {
        <section class="summary" aria-label="Net Promoter Score">
            <div class="nps">
                <span class="label">"NPS"</span>
                <span class="nps-score">{format::nps_score(summary.score)}</span>
            </div>
            <dl>
                <div><dt>"Promoters"</dt><dd class="promoters">{summary.promoters}</dd></div>
                <div><dt>"Passives"</dt><dd class="passives">{summary.passives}</dd></div>
                <div><dt>"Detractors"</dt><dd class="detractors">{summary.detractors}</dd></div>
                <div><dt>"Answers"</dt><dd class="answers">{total}</dd></div>
            </dl>
        </section>
    }
}

/// One response as a table row.
///
/// - `response`: what the collector stored.
#[component]
fn ResponseRow(response: StoredResponse) -> impl IntoView {
    let shown_scores = scores(&response.answers)
        .map(|s| s.get().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <tr data-id=response.id.to_string()>
            <td class="received">
                <time datetime=response.received_at.clone()>
                    {format::received_at(&response.received_at)}
                </time>
            </td>
            <td class="survey">{response.survey_id.to_string()}</td>
            <td class="score">{shown_scores}</td>
            <td class="page">{response.page_url.unwrap_or_default()}</td>
        </tr>
    }
}

/// The NPS answers among `answers`.
fn scores(answers: &[Answer]) -> impl Iterator<Item = NpsScore> + '_ {
    answers.iter().filter_map(|a| match a {
        Answer::Nps { score, .. } => Some(*score),
        _ => None,
    })
}
