//! The responses screen: who is signed in, the Net Promoter Score, and every response.

use crate::api::{self, Auth};
use crate::app::Session;
use crate::format;
use leptos::prelude::*;
use shared::api::{Account, StoredResponse};
use shared::score::{nps, Nps};
use shared::{Answer, NpsScore};

/// The signed-in screen.
///
/// - `session`: the admin, how they signed in, and the site the list is fetched for.
/// - `on_sign_out`: called when the admin signs out, with the credential to end.
/// - `on_switch_site`: called to pick another of a session's sites.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Responses(
    session: Session,
    #[prop(into)] on_sign_out: Callback<Auth>,
    #[prop(into)] on_switch_site: Callback<Account>,
) -> impl IntoView {
    let Session {
        auth,
        site,
        account,
    } = session;
    let key = site.site_key.clone();
    let fetch_auth = auth.clone();
    let list = LocalResource::new(move || {
        let (auth, key) = (fetch_auth.clone(), key.clone());
        async move { api::responses(&auth, &key).await }
    });
    // True while a refresh is loading behind the list that is still shown.
    let (refreshing, set_refreshing) = signal(false);
    let who = account.as_ref().map(|a| a.email.clone());
    let switch = account.filter(|a| a.sites.len() > 1).map(|account| {
        view! {
            <button
                type="button"
                class="switch-site"
                on:click=move |_| on_switch_site.run(account.clone())
            >
                "Sites"
            </button>
        }
    });

    view! {
        <header class="bar">
            <h1 class="site-name">{site.site_name}</h1>
            <span class="role">{site.role}</span>
            {who.map(|email| view! { <span class="who">{email}</span> })}
            <span class="spacer"></span>
            {switch}
            <button
                type="button"
                class="refresh"
                on:click=move |_| list.refetch()
                disabled=refreshing
            >
                "Refresh"
            </button>
            <button
                type="button"
                class="sign-out"
                on:click=move |_| on_sign_out.run(auth.clone())
            >
                "Sign out"
            </button>
        </header>
        <main class="responses" aria-busy=move || refreshing.get().to_string()>
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
        </main>
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
