//! The responses explorer: the Net Promoter Score of what is listed, and every response newest
//! first with what the customer wrote, its sentiment and its key phrases; filtered by words, a
//! topic, a segment and a period that live in the address (`#/responses?q=late&days=30`), so
//! that a view can be shared; "More" reads the next page; the view exports as CSV.

use crate::api::{ExploredAnswer, ExploredResponse};
use crate::format;
use crate::route::{self, ExploreFilter, Page};
use crate::shell::Desk;
use leptos::prelude::*;
use shared::score::{nps, Nps};
use shared::NpsScore;

/// The periods offered, in days (`None`: all time).
const PERIODS: [(Option<u16>, &str); 5] = [
    (None, "All time"),
    (Some(7), "Last 7 days"),
    (Some(30), "Last 30 days"),
    (Some(90), "Last 90 days"),
    (Some(365), "Last 12 months"),
];

/// The explorer for the filter the address names.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Responses(filter: ExploreFilter) -> impl IntoView {
    let desk = Desk::expect();
    let query = filter.query();
    let rows = RwSignal::new(Vec::<ExploredResponse>::new());
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let load = {
        let (api, query) = (desk.api.clone(), query.clone());
        move |before: Option<String>| {
            let (api, query) = (api.clone(), query.clone());
            loading.set(true);
            leptos::task::spawn_local(async move {
                let query = match &before {
                    Some(b) => format!("{query}&before={}", js_sys::encode_uri_component(b)),
                    None => query,
                };
                match api.explore(&query).await {
                    Ok(page) => {
                        if before.is_none() {
                            rows.set(page.responses);
                        } else {
                            rows.update(|r| r.extend(page.responses));
                        }
                        next.set(page.next);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message().to_owned())),
                }
                loading.set(false);
            });
        }
    };
    load(None);
    let go = move |f: ExploreFilter| route::go(&Page::Responses(f));
    let search = NodeRef::<leptos::html::Input>::new();
    let on_search = {
        let filter = filter.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let q = search.get().map(|i| i.value()).unwrap_or_default();
            go(ExploreFilter {
                q: (!q.trim().is_empty()).then(|| q.trim().to_owned()),
                ..filter.clone()
            });
        }
    };
    let on_period = {
        let filter = filter.clone();
        move |ev: leptos::ev::Event| {
            go(ExploreFilter {
                days: event_target_value(&ev).parse().ok(),
                ..filter.clone()
            });
        }
    };
    let (csv, set_csv) = signal(None::<String>);
    let export = {
        let (api, query) = (desk.api.clone(), query.clone());
        move |_| {
            let (api, query) = (api.clone(), query.clone());
            leptos::task::spawn_local(async move {
                match api.explore_csv(&query).await {
                    Ok(text) => {
                        let href: String = js_sys::encode_uri_component(&text).into();
                        set_csv.set(Some(format!("data:text/csv;charset=utf-8,{href}")));
                    }
                    Err(e) => error.set(Some(e.message().to_owned())),
                }
            });
        }
    };
    let chips = [
        (
            "Topic",
            filter.topic.clone(),
            ExploreFilter {
                topic: None,
                ..filter.clone()
            },
        ),
        (
            "Segment",
            filter.segment.clone(),
            ExploreFilter {
                segment: None,
                ..filter.clone()
            },
        ),
    ]
    .into_iter()
    .filter_map(|(what, value, without)| {
        let value = value?;
        let label = format!("Remove the filter {what}: {value}");
        Some(view! {
            <li class="chip">
                {format!("{what}: {value}")}
                <a href=Page::Responses(without).href() aria-label=label>"×"</a>
            </li>
        })
    })
    .collect::<Vec<_>>();
    let days = filter.days;
    let more = load.clone();
    view! {
        <div class="responses" aria-busy=move || loading.get().to_string()>
            <div class="page-head">
                <h2>"Responses"</h2>
                <button type="button" class="refresh secondary" on:click=move |_| load(None)>
                    "Refresh"
                </button>
            </div>
            <form class="filters" role="search" aria-label="Filter responses" on:submit=on_search>
                <label>
                    "Words "
                    <input type="search" name="q" node_ref=search maxlength="200"
                        prop:value=filter.q.clone().unwrap_or_default() />
                </label>
                <button type="submit">"Search"</button>
                <label>
                    "Period "
                    <select name="days" on:change=on_period>
                        {PERIODS
                            .into_iter()
                            .map(|(d, label)| {
                                let value = d.map(|d| d.to_string()).unwrap_or_default();
                                view! { <option value=value selected=d == days>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            </form>
            {(!chips.is_empty()).then(|| view! { <ul class="chips" aria-label="Filters">{chips}</ul> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || {
                let list = rows.get();
                if loading.get() && list.is_empty() {
                    return view! { <p class="loading" role="status">"Loading responses…"</p> }.into_any();
                }
                view! { <ResponseList responses=list /> }.into_any()
            }}
            <div class="actions">
                {move || next.get().map(|n| {
                    let more = more.clone();
                    view! {
                        <button type="button" class="secondary more" on:click=move |_| more(Some(n.clone()))>
                            "More"
                        </button>
                    }
                })}
                {move || match csv.get() {
                    Some(href) => view! {
                        <a class="download" href=href download="responses.csv">"Save the CSV"</a>
                    }
                    .into_any(),
                    None => view! {
                        <button type="button" class="secondary" on:click=export.clone()>"Export this view"</button>
                    }
                    .into_any(),
                }}
            </div>
        </div>
    }
}

/// The score summary and the table, or the empty state.
///
/// - `responses`: newest first, as the collector lists them.
#[component]
fn ResponseList(responses: Vec<ExploredResponse>) -> impl IntoView {
    if responses.is_empty() {
        return view! { <p class="empty">"No responses match."</p> }.into_any();
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
                    <th scope="col">"What they wrote"</th>
                    <th scope="col">"Page"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || responses.clone() key=|r| r.id.clone() let(response)>
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

/// One response as a table row: its written answers with their sentiment and key phrases.
#[component]
fn ResponseRow(response: ExploredResponse) -> impl IntoView {
    let shown_scores = scores(&response.answers)
        .map(|s| s.get().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let written = response
        .answers
        .iter()
        .filter_map(|a| {
            let text = a.text.clone()?;
            let mood = a
                .sentiment_label
                .clone()
                .map(|l| view! { <span class=format!("sentiment {l}")>{l.clone()}</span> });
            let phrases = (!a.key_phrases.is_empty())
                .then(|| format!("Key phrases: {}", a.key_phrases.join(", ")));
            Some(view! {
                <div class="written">
                    <q dir="auto">{text}</q>
                    " "
                    {mood}
                    {phrases.map(|p| view! { <span class="muted key-phrases">{p}</span> })}
                </div>
            })
        })
        .collect::<Vec<_>>();
    view! {
        <tr data-id=response.id.clone()>
            <td class="received">
                <time datetime=response.received_at.clone()>
                    {format::received_at(&response.received_at)}
                </time>
            </td>
            <td class="survey">{response.survey_id.clone()}</td>
            <td class="score">{shown_scores}</td>
            <td class="text">{written}</td>
            <td class="page">{response.page_url.clone().unwrap_or_default()}</td>
        </tr>
    }
}

/// The NPS answers among `answers`.
fn scores(answers: &[ExploredAnswer]) -> impl Iterator<Item = NpsScore> + '_ {
    answers
        .iter()
        .filter(|a| a.kind == "nps")
        .filter_map(|a| NpsScore::new(a.score?).ok())
}
