//! The insight overview: every scale question's score with its 95 % interval, its change
//! against the period before (or "no significant change"), and its trend drawn as an SVG line
//! with its interval as a band, each chart with a table of the same numbers. The period and the
//! segment live in the address (`#/insight?days=90&segment=device:mobile`), so that a view can
//! be shared and bookmarked.

use crate::api::ShareSubject;
use crate::route::{self, InsightFilter, Page};
use crate::share::Share;
use crate::shell::Desk;
use leptos::prelude::*;
use shared::insight::{
    Change, ComplaintReport, Drivers, EmergingIssues, Estimate, Minutes, Overview, PraiseFeed,
    ScoreCard, ScoreKind, Segments, TrendPoint,
};

/// The periods offered, in days.
const PERIODS: [(u16, &str); 4] = [
    (7, "Last 7 days"),
    (30, "Last 30 days"),
    (90, "Last 90 days"),
    (365, "Last 12 months"),
];

/// The overview for the filter the address names.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn InsightPage(filter: InsightFilter) -> impl IntoView {
    let desk = Desk::expect();
    let query = filter.api_query();
    let overview = {
        let (api, query) = (desk.api.clone(), query.clone());
        LocalResource::new(move || {
            let (api, query) = (api.clone(), query.clone());
            async move { api.insight_overview(&query).await }
        })
    };
    let segments = {
        let (api, days) = (desk.api.clone(), filter.days);
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.insight_segments(&format!("days={days}")).await }
        })
    };
    let drivers = {
        let (api, days) = (desk.api.clone(), filter.days);
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.insight_drivers(&format!("days={days}")).await }
        })
    };
    let complaints = {
        let (api, days) = (desk.api.clone(), filter.days);
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.insight_complaints(&format!("days={days}")).await }
        })
    };
    let emerging = {
        let api = desk.api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.insight_emerging().await }
        })
    };
    let goals = {
        let api = desk.api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.goals().await }
        })
    };
    let praise = {
        let (api, days) = (desk.api.clone(), filter.days);
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.insight_praise(&format!("days={days}")).await }
        })
    };
    let topics = {
        let (api, query) = (desk.api.clone(), query.clone());
        LocalResource::new(move || {
            let (api, query) = (api.clone(), query.clone());
            async move { api.insight_topics(&query).await }
        })
    };
    let funnel = {
        let (api, days) = (desk.api.clone(), filter.days);
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.insight_funnel(&format!("days={days}")).await }
        })
    };
    // The complaint metrics and emerging issues follow the cases as they change; at most every
    // ten seconds, since each reads the period's cases.
    crate::live::refresh_on_change(10_000.0, move || {
        complaints.refetch();
        emerging.refetch();
    });
    // New answers: the scores, segments, drivers, topics, funnel, praise and goals.
    crate::live::refresh_on_answers(move || {
        overview.refetch();
        segments.refetch();
        drivers.refetch();
        topics.refetch();
        funnel.refetch();
        praise.refetch();
        goals.refetch();
    });
    let go = move |next: InsightFilter| route::go(&Page::Insight(next));
    let on_period = {
        let filter = filter.clone();
        move |ev: leptos::ev::Event| {
            let days = event_target_value(&ev).parse().unwrap_or(90);
            go(InsightFilter {
                days,
                ..filter.clone()
            });
        }
    };
    let on_segment = {
        let filter = filter.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            go(InsightFilter {
                segment: (!value.is_empty()).then_some(value),
                ..filter.clone()
            });
        }
    };
    let days = filter.days;
    let chosen = filter.segment.clone().unwrap_or_default();
    view! {
        <div class="insight">
            <div class="page-head">
                <h2>"Insight"</h2>
                <a class="button secondary" href=Page::Goals.href()>"Goals"</a>
            </div>
            <form class="filters" aria-label="Period and segment" on:submit=|ev| ev.prevent_default()>
                <label>
                    "Period "
                    <select name="days" on:change=on_period>
                        {PERIODS
                            .into_iter()
                            .map(|(d, label)| {
                                view! { <option value=d.to_string() selected=d == days>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Segment "
                    <select name="segment" on:change=on_segment>
                        <option value="" selected=chosen.is_empty()>"All answers"</option>
                        {move || {
                            let chosen = chosen.clone();
                            segments
                                .get()
                                .and_then(Result::ok)
                                .map(|all| segment_options(&all, &chosen))
                        }}
                    </select>
                </label>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    emerging.await.ok().map(|e| view! { <EmergingList issues=e /> })
                })}
            </Transition>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading scores…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <OverviewView overview=o /> }.into_any(),
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    goals.await.ok().filter(|g| !g.is_empty()).map(|g| view! { <GoalsSummary goals=g /> })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match funnel.await {
                        Ok(f) => view! { <FunnelSection funnels=f /> }.into_any(),
                        Err(e) => {
                            let message = format!("Funnel: {}", e.message());
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    drivers.await.ok().map(|d| view! { <DriversTable drivers=d /> })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || {
                    let query = query.clone();
                    Suspend::new(async move {
                        match topics.await {
                            Ok(t) => view! { <TopicsSection topics=t days query /> }.into_any(),
                            Err(e) => {
                                let message = format!("Topics: {}", e.message());
                                view! { <p class="error" role="alert">{message}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    complaints.await.ok().map(|r| view! { <ComplaintSection report=r days /> })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    praise.await.ok().map(|feed| view! { <PraiseSection feed /> })
                })}
            </Transition>
        </div>
    }
}

/// The service goals at a glance: each one's status, where it stands and its target; the goals
/// page has the rest.
#[component]
fn GoalsSummary(goals: Vec<shared::insight::Goal>) -> impl IntoView {
    let rows = goals
        .into_iter()
        .map(|g| {
            let now = g.current.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"));
            view! {
                <tr>
                    <th scope="row">{g.name}</th>
                    <td><span class=format!("badge status {}", g.status)>{crate::goals::status_label(&g.status)}</span></td>
                    <td>{now}</td>
                    <td>{g.target}</td>
                    <td>{g.deadline}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="goals-summary score-card" aria-label="Goals">
            <h3>"Goals"</h3>
            <table class="trend-table">
                <thead>
                    <tr>
                        <th scope="col">"Goal"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Now"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Deadline"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <a href=Page::Goals.href()>"Progress and forecasts"</a>
        </section>
    }
}

/// Each shown survey's funnel: shown → started → completed, dismissed; and where cards were
/// dismissed, question by question.
#[component]
fn FunnelSection(funnels: shared::insight::Funnels) -> impl IntoView {
    let surveys = funnels
        .surveys
        .into_iter()
        .filter(|s| s.shown > 0 || s.completed > 0 || s.dismissed > 0)
        .map(|s| {
            let questions = s
                .questions
                .iter()
                .map(|q| {
                    let rate = q
                        .drop_off_rate
                        .map(|r| format!("{:.0} %", r * 100.0))
                        .unwrap_or_else(|| "–".into());
                    view! {
                        <tr>
                            <th scope="row" dir="auto">{q.prompt.clone()}</th>
                            <td>{q.views}</td>
                            <td>{q.drop_offs}</td>
                            <td>{rate}</td>
                        </tr>
                    }
                })
                .collect_view();
            let name = s.survey_name.clone();
            view! {
                <h4 dir="auto">{name}</h4>
                <dl class="funnel" data-survey=s.survey.clone()>
                    <div><dt>"Shown"</dt><dd class="shown">{s.shown}</dd></div>
                    <div><dt>"Started"</dt><dd class="started">{s.started}</dd></div>
                    <div><dt>"Completed"</dt><dd class="completed">{s.completed}</dd></div>
                    <div><dt>"Dismissed"</dt><dd class="dismissed">{s.dismissed}</dd></div>
                </dl>
                <table class="trend-table">
                    <thead>
                        <tr>
                            <th scope="col">"Question"</th>
                            <th scope="col">"Views"</th>
                            <th scope="col">"Dismissed there"</th>
                            <th scope="col">"Drop-off"</th>
                        </tr>
                    </thead>
                    <tbody>{questions}</tbody>
                </table>
            }
        })
        .collect::<Vec<_>>();
    let empty = surveys.is_empty();
    view! {
        <section class="funnels score-card">
            <h3>"Funnel"</h3>
            {if empty {
                view! { <p class="prompt">"No survey was shown in this period."</p> }.into_any()
            } else {
                view! {
                    <p class="prompt">"Cards the widget showed, and what became of them. Dismissals are never counted as answers."</p>
                    {surveys}
                }
                .into_any()
            }}
        </section>
    }
}

/// The topics of the written answers: each with its phrases, how often it came up, its mood and
/// its pull on NPS; a link to its answers in the explorer, a button that makes it a problem
/// record, and "Share…".
///
/// - `topics`: the period's topics.
/// - `days`: the period, for the explorer's link and the problem's words.
/// - `query`: the insight query the topics were read with, which sharing one names.
#[component]
fn TopicsSection(topics: shared::insight::Topics, days: u16, query: String) -> impl IntoView {
    let desk = Desk::expect();
    let (error, set_error) = signal(None::<String>);
    let rows = topics
        .topics
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let explore = Page::Responses(route::ExploreFilter {
                topic: Some(t.term.clone()),
                days: Some(days),
                ..Default::default()
            })
            .href();
            let phrases = t
                .phrases
                .iter()
                .map(|p| format!("{} ({})", p.phrase, p.n))
                .collect::<Vec<_>>()
                .join(", ");
            let mood = t
                .sentiment
                .map(|s| format!("{s:+.2}"))
                .unwrap_or_else(|| "–".into());
            let pull = match &t.nps {
                Some(d) => match (d.with.value, d.without.value, &d.impact) {
                    (Some(w), Some(o), Some(c)) if c.significant => format!("{w:.0} vs {o:.0}"),
                    (Some(w), Some(o), _) => format!("{w:.0} vs {o:.0} (not significant)"),
                    _ => "–".into(),
                },
                None => "–".into(),
            };
            let rising = t.emerging.as_ref().map(|e| {
                format!("Rising: {} this week, {:.1} a week before", e.current, e.baseline_rate)
            });
            let make = {
                let (api, term) = (desk.api.clone(), t.term.clone());
                let examples: Vec<String> = t.examples.iter().map(|e| e.text.clone()).collect();
                let n = t.n;
                move |_| {
                    let api = api.clone();
                    let body = serde_json::json!({
                        "title": format!("Topic: {term}"),
                        "root_cause": format!(
                            "{n} written answers in the last {days} days mention \"{term}\", for example: {}",
                            examples.join(" / ")
                        ),
                    });
                    leptos::task::spawn_local(async move {
                        match api.create_problem(&body).await {
                            Ok(p) => route::go(&Page::Problem(p.id)),
                            Err(e) => set_error.set(Some(e.message().to_owned())),
                        }
                    });
                }
            };
            let label = format!("Make a problem of the topic {}", t.term);
            view! {
                <tr>
                    <th scope="row">
                        <a href=explore>{t.term.clone()}</a>
                        {rising.map(|r| view! { <span class="badge rising">{r}</span> })}
                    </th>
                    <td>{phrases}</td>
                    <td>{t.n}</td>
                    <td>{format!("{:.0} %", t.share * 100.0)}</td>
                    <td>{mood}</td>
                    <td>{pull}</td>
                    <td>
                        <div class="topic-actions">
                            <button type="button" class="secondary make-problem" aria-label=label on:click=make>
                                "Make a problem"
                            </button>
                            <Share
                                id=format!("topic-{i}-share")
                                subject=ShareSubject::Topic { term: t.term.clone(), query: query.clone() }
                                label=format!("Share the topic {}", t.term)
                            />
                        </div>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let read = if topics.complete {
        format!("From {} written answers.", topics.texts)
    } else {
        format!(
            "From the newest {} written answers of the period.",
            topics.texts
        )
    };
    view! {
        <section class="topics score-card">
            <h3>"Topics"</h3>
            <p class="prompt">{read}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {if rows.is_empty() {
                view! { <p class="prompt">"No word recurs in the written answers of this period yet."</p> }.into_any()
            } else {
                view! {
                    <table class="trend-table">
                        <thead>
                            <tr>
                                <th scope="col">"Topic"</th>
                                <th scope="col">"Key phrases"</th>
                                <th scope="col">"Answers"</th>
                                <th scope="col">"Share"</th>
                                <th scope="col">"Sentiment"</th>
                                <th scope="col">"NPS with / without"</th>
                                <th scope="col">"Act"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}

/// The segments that pull the score, most points at stake first (the first ten).
#[component]
fn DriversTable(drivers: Drivers) -> impl IntoView {
    let kind = drivers.kind;
    if drivers.drivers.is_empty() && drivers.correlations.is_empty() {
        return ().into_any();
    }
    let correlations = drivers
        .correlations
        .iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row" dir="auto">{c.prompt.clone()}</th>
                    <td>{format!("{:+.2}", c.r)}</td>
                    <td>{format!("{:+.2} to {:+.2}", c.interval.low, c.interval.high)}</td>
                    <td>{c.n}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let rows = drivers
        .drivers
        .into_iter()
        .take(10)
        .map(|d| {
            let segment = format!("{}: {}", dimension_label(&d.dimension), d.value);
            let score = |e: &Estimate| {
                e.value
                    .map(|v| number(kind, v))
                    .unwrap_or_else(|| "–".into())
            };
            let difference = match d.impact {
                Some(c) if c.significant => match kind {
                    ScoreKind::Nps => format!("{:+.0}", c.delta),
                    _ => format!("{:+.2}", c.delta),
                },
                Some(_) => "not significant".to_owned(),
                None => "–".to_owned(),
            };
            let stake = if d.gain > 0.0 {
                match kind {
                    ScoreKind::Nps => format!("{:.1} points", d.gain),
                    _ => format!("{:.2}", d.gain),
                }
            } else {
                "–".to_owned()
            };
            view! {
                <tr>
                    <th scope="row">{segment}</th>
                    <td>{d.n}</td>
                    <td>{format!("{:.0} %", d.share * 100.0)}</td>
                    <td>{score(&d.with)}</td>
                    <td>{score(&d.without)}</td>
                    <td>{difference}</td>
                    <td>{stake}</td>
                </tr>
            }
        })
        .collect_view();
    let title = format!("What drives {}", kind_label(kind));
    view! {
        <section class="drivers score-card">
            <h3>{title}</h3>
            <p class="prompt">"Each segment against everyone else; the points the whole score would gain if it scored like the rest, most first."</p>
            <table class="trend-table">
                <thead>
                    <tr>
                        <th scope="col">"Segment"</th>
                        <th scope="col">"Answers"</th>
                        <th scope="col">"Share"</th>
                        <th scope="col">"In it"</th>
                        <th scope="col">"Elsewhere"</th>
                        <th scope="col">"Difference"</th>
                        <th scope="col">"At stake"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {(!correlations.is_empty()).then(|| view! {
                <h4>"Questions that move with it"</h4>
                <p class="prompt">"Pearson's r over the responses that answered both, with its 95 % interval: a correlation, not a cause."</p>
                <table class="trend-table correlations">
                    <thead>
                        <tr>
                            <th scope="col">"Question"</th>
                            <th scope="col">"r"</th>
                            <th scope="col">"95 % interval"</th>
                            <th scope="col">"Responses"</th>
                        </tr>
                    </thead>
                    <tbody>{correlations}</tbody>
                </table>
            })}
        </section>
    }
    .into_any()
}

/// What to celebrate: customers' own happy words, and the agents their customers rated highly.
#[component]
fn PraiseSection(feed: PraiseFeed) -> impl IntoView {
    let shouts = feed
        .shout_outs
        .into_iter()
        .map(|s| {
            let text = format!(
                "{}: CSAT {:.1} from {} rated resolutions",
                s.agent, s.csat, s.ratings
            );
            view! { <li>{text}</li> }
        })
        .collect::<Vec<_>>();
    let praise = feed
        .praise
        .into_iter()
        .take(10)
        .map(|p| {
            let by = match p.nps {
                Some(n) => format!("NPS {n}, {}", crate::format::received_at(&p.received_at)),
                None => crate::format::received_at(&p.received_at),
            };
            view! {
                <li>
                    <blockquote dir="auto">{p.text}</blockquote>
                    <span class="muted">{by}</span>
                </li>
            }
        })
        .collect::<Vec<_>>();
    let empty = praise.is_empty();
    view! {
        <section class="praise score-card">
            <h3>"Praise"</h3>
            {(!shouts.is_empty()).then(|| view! {
                <h4>"Shout-outs"</h4>
                <ul class="shout-outs">{shouts}</ul>
            })}
            {if empty {
                view! { <p class="prompt">"No praise in words in this period yet."</p> }.into_any()
            } else {
                view! { <ul class="praise-feed">{praise}</ul> }.into_any()
            }}
        </section>
    }
}

/// The complaint categories rising beyond chance this week, or that none is.
#[component]
fn EmergingList(issues: EmergingIssues) -> impl IntoView {
    let weeks = issues.baseline_weeks;
    let items = issues
        .categories
        .into_iter()
        .map(|c| {
            let text = format!(
                "{}: {} complaints in the last 7 days, {:.1} a week in the {weeks} weeks before (× {:.1}, p = {:.4})",
                c.key, c.current, c.baseline_rate, c.ratio, c.p_value
            );
            view! { <li>{text}</li> }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="emerging score-card">
            <h3>"Emerging issues"</h3>
            {if items.is_empty() {
                view! { <p class="prompt">"No complaint category is rising beyond chance this week."</p> }
                    .into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }}
        </section>
    }
}

/// Complaint metrics: overall, per agent and per category, the backlog by age, and the CSV.
#[component]
fn ComplaintSection(report: ComplaintReport, days: u16) -> impl IntoView {
    let desk = Desk::expect();
    let (csv, set_csv) = signal(None::<String>);
    let download = move |_| {
        let api = desk.api.clone();
        leptos::task::spawn_local(async move {
            if let Ok(text) = api.insight_complaints_csv(&format!("days={days}")).await {
                let href: String = js_sys::encode_uri_component(&text).into();
                set_csv.set(Some(format!("data:text/csv;charset=utf-8,{href}")));
            }
        });
    };
    let minutes = |m: &Minutes| {
        m.median
            .zip(m.p90)
            .map(|(a, b)| format!("{} / {}", duration(a), duration(b)))
            .unwrap_or_else(|| "–".into())
    };
    let share = |e: &Estimate| {
        e.value
            .map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or_else(|| "–".into())
    };
    let mean = |e: &Estimate| {
        e.value
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "–".into())
    };
    let rows = report
        .groups
        .iter()
        .map(|g| {
            let who = match g.by.as_str() {
                "all" => "All cases".to_owned(),
                "agent" => format!("Agent: {}", g.key),
                _ => format!("Category: {}", g.key),
            };
            view! {
                <tr>
                    <th scope="row">{who}</th>
                    <td>{g.received}</td>
                    <td>{g.resolved}</td>
                    <td>{minutes(&g.first_response)}</td>
                    <td>{minutes(&g.resolution)}</td>
                    <td>{share(&g.sla_met)}</td>
                    <td>{share(&g.reopened)}</td>
                    <td>{mean(&g.csat)}</td>
                    <td>{mean(&g.ces)}</td>
                </tr>
            }
        })
        .collect_view();
    let backlog = report
        .backlog
        .into_iter()
        .map(|b| view! { <div><dt>{b.age}</dt><dd>{b.n}</dd></div> })
        .collect_view();
    let filename = format!("complaint-report-{}-{}.csv", report.from, report.to);
    let volume = std::rc::Rc::new(crate::charts::Volume::of(&report.volume));
    let has_volume = !volume.periods.is_empty();
    view! {
        <section class="complaint-report score-card">
            <h3>"Complaints"</h3>
            <p class="prompt">"Cases received in the period. Times are business minutes by the SLA clocks: median / 90th percentile."</p>
            <table class="trend-table">
                <thead>
                    <tr>
                        <th scope="col">"Group"</th>
                        <th scope="col">"Received"</th>
                        <th scope="col">"Resolved"</th>
                        <th scope="col">"First response"</th>
                        <th scope="col">"Resolution"</th>
                        <th scope="col">"SLA met"</th>
                        <th scope="col">"Reopened"</th>
                        <th scope="col">"CSAT"</th>
                        <th scope="col">"CES"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {has_volume.then(|| view! {
                <h4>"Volume by category and priority"</h4>
                <crate::charts::VolumeChart volume=volume.clone() />
                <details>
                    <summary>"The numbers"</summary>
                    <crate::charts::VolumeTable volume=volume.clone() />
                </details>
            })}
            <h4>"Backlog now, by age"</h4>
            <dl class="backlog">{backlog}</dl>
            {move || match csv.get() {
                Some(href) => view! {
                    <a class="download" href=href download=filename.clone()>"Save the CSV"</a>
                }
                .into_any(),
                None => view! {
                    <button type="button" class="secondary" on:click=download.clone()>"Export CSV"</button>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Business minutes as people read them: minutes, or hours from an hour and a half.
fn duration(minutes: f64) -> String {
    if minutes < 90.0 {
        format!("{minutes:.0} min")
    } else {
        format!("{:.1} h", minutes / 60.0)
    }
}

/// The segment choices, grouped by dimension.
fn segment_options(all: &[Segments], chosen: &str) -> impl IntoView {
    all.iter()
        .filter(|s| !s.values.is_empty())
        .map(|s| {
            let options = s
                .values
                .iter()
                .map(|v| {
                    let value = format!("{}:{}", s.dimension, v.value);
                    let selected = value == chosen;
                    let label = format!("{} ({})", v.value, v.responses);
                    view! { <option value=value selected=selected>{label}</option> }
                })
                .collect_view();
            view! { <optgroup label=dimension_label(&s.dimension)>{options}</optgroup> }
        })
        .collect_view()
}

fn dimension_label(dimension: &str) -> String {
    if let Some(attribute) = dimension.strip_prefix("attr.") {
        // An `identify` attribute the site segments by, in its own name.
        return format!("Customer's {attribute}");
    }
    match dimension {
        "page" => "Page section",
        "device" => "Device",
        "browser" => "Browser",
        "locale" => "Language",
        "version" => "Survey version",
        other => other,
    }
    .to_owned()
}

#[component]
fn OverviewView(overview: Overview) -> impl IntoView {
    let period = format!("{} to {}", overview.from, overview.to);
    let previous = format!("{} to {}", overview.previous_from, overview.previous_to);
    if overview.scores.is_empty() {
        return view! { <p class="empty">"No survey has a scale question yet."</p> }.into_any();
    }
    let min = overview.min_sample;
    view! {
        <p class="period">
            {format!("{} responses, {period} (UTC); {} the {} days before.",
                overview.responses, overview.previous_responses,
                days_between(&overview.from, &overview.to))}
        </p>
        {overview
            .scores
            .into_iter()
            .map(|card| view! { <Card card min previous=previous.clone() /> })
            .collect_view()}
    }
    .into_any()
}

/// The days from one date to another, inclusive, by the dates' day numbers.
fn days_between(from: &str, to: &str) -> i64 {
    let day = |s: &str| {
        let d = js_sys::Date::parse(&format!("{s}T00:00:00Z"));
        (d / 86_400_000.0).round() as i64
    };
    day(to) - day(from) + 1
}

/// One question's score, change, trend and its table.
#[component]
fn Card(card: ScoreCard, min: u64, previous: String) -> impl IntoView {
    let ScoreCard {
        survey_name,
        prompt,
        kind,
        scale,
        score,
        top_box,
        previous: before,
        change,
        trend,
        ..
    } = card;
    let title = format!("{} · {}", kind_label(kind), survey_name);
    let label = title.clone();
    let headline = match (score.enough, score.value) {
        (_, None) => "No answers".to_owned(),
        (false, Some(_)) => format!(
            "Too little data: {} answers (at least {min} needed)",
            score.n
        ),
        (true, Some(v)) => format!("{} {}", kind_label(kind), number(kind, v)),
    };
    let interval = score.interval.filter(|_| score.enough).map(|i| {
        format!(
            "95 % interval {} to {}, {} answers",
            number(kind, i.low),
            number(kind, i.high),
            score.n
        )
    });
    let top = top_box.filter(|t| t.enough).and_then(|t| {
        t.value
            .map(|v| format!("{:.0} % satisfied (4 or 5)", v * 100.0))
    });
    let moved = change_text(kind, &before, change.as_ref(), &previous);
    let caption = format!("{} by {}", kind_label(kind), "period");
    view! {
        <section class="score-card" aria-label=label>
            <h3>{title}</h3>
            <p class="prompt">{prompt}</p>
            <p class="headline">{headline}</p>
            {interval.map(|i| view! { <p class="interval">{i}</p> })}
            {top.map(|t| view! { <p class="top-box">{t}</p> })}
            <p class="change">{moved}</p>
            <Chart points=trend.clone() kind scale label=caption />
            <details>
                <summary>"The trend as a table"</summary>
                <TrendTable points=trend kind />
            </details>
        </section>
    }
}

fn kind_label(kind: ScoreKind) -> &'static str {
    match kind {
        ScoreKind::Nps => "NPS",
        ScoreKind::Csat => "CSAT",
        ScoreKind::Ces => "CES",
        ScoreKind::Rating => "Rating",
    }
}

/// A score as people read it: NPS whole and signed, means to one decimal.
fn number(kind: ScoreKind, v: f64) -> String {
    match kind {
        ScoreKind::Nps => crate::format::nps_score(v),
        _ => format!("{v:.1}"),
    }
}

/// The change in words: up or down only when it is significant.
fn change_text(
    kind: ScoreKind,
    before: &Estimate,
    change: Option<&Change>,
    period: &str,
) -> String {
    let Some(c) = change else {
        return format!("No answers to compare with in {period}.");
    };
    let was = before.value.map(|v| number(kind, v)).unwrap_or_default();
    let delta = match kind {
        ScoreKind::Nps => format!("{:+.0} points", c.delta),
        _ => format!("{:+.2}", c.delta),
    };
    if c.significant {
        let way = if c.delta > 0.0 { "Up" } else { "Down" };
        format!(
            "{way} {delta} from {was} in {period} (p = {:.3}).",
            c.p_value
        )
    } else {
        format!(
            "No significant change from {was} in {period} (p = {:.2}).",
            c.p_value
        )
    }
}

/// Where a chart's numbers sit: the scale's range, NPS −100 to 100.
fn range(kind: ScoreKind, scale: [u8; 2]) -> (f64, f64) {
    match kind {
        ScoreKind::Nps => (-100.0, 100.0),
        _ => (f64::from(scale[0]), f64::from(scale[1])),
    }
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 160.0;
const PAD: f64 = 8.0;

/// The trend as SVG: the 95 % band, the line, and a dot per point (hollow where the point has
/// too few answers). `role="img"` with a label; the table beside it has the numbers.
#[component]
fn Chart(points: Vec<TrendPoint>, kind: ScoreKind, scale: [u8; 2], label: String) -> impl IntoView {
    let (lo, hi) = range(kind, scale);
    let n = points.len().max(1);
    let x = move |i: usize| {
        if n == 1 {
            WIDTH / 2.0
        } else {
            PAD + (WIDTH - 2.0 * PAD) * i as f64 / (n - 1) as f64
        }
    };
    let y = move |v: f64| {
        let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
        HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * t
    };
    let mut upper = Vec::new();
    let mut lower = Vec::new();
    let mut line = Vec::new();
    let mut dots = Vec::new();
    let mut bars = Vec::new();
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.score.value {
            line.push(format!("{:.1},{:.1}", x(i), y(v)));
            dots.push((x(i), y(v), p.score.enough));
        }
        if let (Some(iv), true) = (p.score.interval, p.score.enough) {
            upper.push(format!("{:.1},{:.1}", x(i), y(iv.high)));
            lower.push(format!("{:.1},{:.1}", x(i), y(iv.low)));
            // Each point's own interval too, so that a point alone shows its band.
            bars.push((x(i), y(iv.high), y(iv.low)));
        }
    }
    lower.reverse();
    let band = [upper, lower].concat().join(" ");
    let zero = (kind == ScoreKind::Nps).then(|| {
        let z = format!("{:.1}", y(0.0));
        view! { <line class="zero" x1="0" x2=WIDTH.to_string() y1=z.clone() y2=z /> }
    });
    view! {
        <svg
            class="trend"
            role="img"
            aria-label=label
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
        >
            {zero}
            <polygon class="band" points=band />
            {bars
                .into_iter()
                .map(|(bx, high, low)| {
                    let bx = format!("{bx:.1}");
                    view! {
                        <line
                            class="bar"
                            x1=bx.clone()
                            x2=bx
                            y1=format!("{high:.1}")
                            y2=format!("{low:.1}")
                        />
                    }
                })
                .collect_view()}
            <polyline class="line" points=line.join(" ") />
            {dots
                .into_iter()
                .map(|(cx, cy, enough)| {
                    view! {
                        <circle
                            class=if enough { "dot" } else { "dot thin" }
                            cx=format!("{cx:.1}")
                            cy=format!("{cy:.1}")
                            r="3"
                        />
                    }
                })
                .collect_view()}
        </svg>
    }
}

#[component]
fn TrendTable(points: Vec<TrendPoint>, kind: ScoreKind) -> impl IntoView {
    view! {
        <table class="trend-table">
            <thead>
                <tr>
                    <th scope="col">"From"</th>
                    <th scope="col">"To"</th>
                    <th scope="col">{kind_label(kind)}</th>
                    <th scope="col">"95 % interval"</th>
                    <th scope="col">"Answers"</th>
                </tr>
            </thead>
            <tbody>
                {points
                    .into_iter()
                    .map(|p| {
                        let value = p.score.value.map(|v| number(kind, v)).unwrap_or_else(|| "–".into());
                        let interval = p
                            .score
                            .interval
                            .map(|i| format!("{} to {}", number(kind, i.low), number(kind, i.high)))
                            .unwrap_or_else(|| "–".into());
                        view! {
                            <tr>
                                <td>{p.start}</td>
                                <td>{p.end}</td>
                                <td>{value}</td>
                                <td>{interval}</td>
                                <td>{p.score.n}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
