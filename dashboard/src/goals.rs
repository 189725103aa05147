//! Service goals: each goal's baseline, current value and target, how far it has come, and the
//! forecast at its deadline with the chance of making it; its weeks as a chart and a table. Admins set a
//! goal (a metric, a target, a start and a deadline) and delete one.

use crate::shell::Desk;
use leptos::prelude::*;
use shared::insight::{Goal, NewGoal};

/// The metrics a goal can have, with their labels.
const METRICS: [(&str, &str); 7] = [
    ("nps", "NPS (−100 to 100)"),
    ("csat", "CSAT (1 to 5)"),
    ("ces", "CES (1 to 7)"),
    ("first_response", "First response, median business minutes"),
    ("resolution", "Resolution, median business minutes"),
    ("sla_compliance", "SLA compliance, %"),
    ("complaint_volume", "Complaints of a category per week"),
];

fn metric_label(metric: &str) -> &str {
    METRICS
        .iter()
        .find(|(m, _)| *m == metric)
        .map_or(metric, |(_, l)| l)
}

pub(crate) fn status_label(status: &str) -> &'static str {
    match status {
        "on_track" => "On track",
        "off_track" => "At risk",
        "met" => "Met",
        "missed" => "Missed",
        _ => "Too little data yet",
    }
}

fn value(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into())
}

/// The goals page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn GoalsPage() -> impl IntoView {
    let desk = Desk::expect();
    let goals = {
        let api = desk.api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.goals().await }
        })
    };
    let (error, set_error) = signal(None::<String>);
    let name = NodeRef::<leptos::html::Input>::new();
    let metric = NodeRef::<leptos::html::Select>::new();
    let target = NodeRef::<leptos::html::Input>::new();
    let start = NodeRef::<leptos::html::Input>::new();
    let deadline = NodeRef::<leptos::html::Input>::new();
    let category = NodeRef::<leptos::html::Input>::new();
    let on_submit = {
        let api = desk.api.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text =
                |r: NodeRef<leptos::html::Input>| r.get().map(|i| i.value()).unwrap_or_default();
            let Ok(goal_target) = text(target).trim().parse::<f64>() else {
                set_error.set(Some("target: a number".into()));
                return;
            };
            let goal = NewGoal {
                name: text(name),
                metric: metric.get().map(|s| s.value()).unwrap_or_default(),
                target: goal_target,
                start: text(start),
                deadline: text(deadline),
                segment: None,
                category: Some(text(category)).filter(|c| !c.trim().is_empty()),
            };
            let api = api.clone();
            leptos::task::spawn_local(async move {
                match api.create_goal(&goal).await {
                    Ok(_) => {
                        set_error.set(None);
                        goals.refetch();
                    }
                    Err(e) => set_error.set(Some(e.message().to_owned())),
                }
            });
        }
    };
    let today = js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let today = today.get(..10).unwrap_or_default().to_owned();
    view! {
        <div class="goals">
            <div class="page-head">
                <h2>"Goals"</h2>
            </div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading goals…"</p> }>
                {move || Suspend::new(async move {
                    match goals.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"No goals yet: set one below."</p>
                        }
                        .into_any(),
                        Ok(list) => list
                            .into_iter()
                            .map(|g| view! { <GoalCard goal=g on_deleted=Callback::new(move |()| goals.refetch()) /> })
                            .collect_view()
                            .into_any(),
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            <form class="new-goal score-card" aria-label="New goal" on:submit=on_submit>
                <h3>"Set a goal"</h3>
                <label>"Name " <input name="name" required maxlength="120" node_ref=name /></label>
                <label>
                    "Metric "
                    <select name="metric" node_ref=metric>
                        {METRICS
                            .into_iter()
                            .map(|(m, l)| view! { <option value=m>{l}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>"Target " <input name="target" inputmode="decimal" required node_ref=target /></label>
                <label>"Start " <input name="start" type="date" required node_ref=start prop:value=today /></label>
                <label>"Deadline " <input name="deadline" type="date" required node_ref=deadline /></label>
                <label>"Category (complaint volume) " <input name="category" node_ref=category /></label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit">"Set the goal"</button>
            </form>
        </div>
    }
}

/// One goal: where it stands, where it is heading, and its weeks.
#[component]
fn GoalCard(goal: Goal, on_deleted: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let id = goal.id;
    let delete = move |_| {
        let api = desk.api.clone();
        leptos::task::spawn_local(async move {
            if api.delete_goal(id).await.is_ok() {
                on_deleted.run(());
            }
        });
    };
    let forecast = match &goal.forecast {
        Some(f) => format!(
            "Forecast at the deadline: {:.1} (95 % between {:.1} and {:.1}); a {:.0} % chance of meeting the target.",
            f.value,
            f.interval.low,
            f.interval.high,
            f.chance * 100.0
        ),
        None => "No forecast until three whole weeks have data.".to_owned(),
    };
    let progress = goal.progress.unwrap_or(0.0);
    let rows = goal
        .points
        .iter()
        .map(|p| {
            view! {
                <tr>
                    <th scope="row">{format!("{} – {}", p.start, p.end)}</th>
                    <td>{value(p.value)}</td>
                    <td>{p.n}</td>
                </tr>
            }
        })
        .collect_view();
    let what = match &goal.category {
        Some(c) => format!("{}: {c}", metric_label(&goal.metric)),
        None => metric_label(&goal.metric).to_owned(),
    };
    let label = format!("Delete the goal {}", goal.name);
    view! {
        <section class=format!("goal score-card {}", goal.status) aria-label=goal.name.clone()>
            <h3>{goal.name.clone()} " " <span class="badge status">{status_label(&goal.status)}</span></h3>
            <p class="prompt">{format!("{what}: from {} to {} by {}, since {}", value(goal.baseline), goal.target, goal.deadline, goal.start)}</p>
            <p>
                {format!("Now: {}. ", value(goal.current))}
                <label>
                    "Progress "
                    <progress max="1" value=progress.to_string()>{format!("{:.0} %", progress * 100.0)}</progress>
                </label>
            </p>
            <p>{forecast}</p>
            <crate::charts::GoalChart goal=goal.clone() />
            <details>
                <summary>"Week by week"</summary>
                <table class="trend-table">
                    <thead><tr><th scope="col">"Week"</th><th scope="col">"Value"</th><th scope="col">"Count"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
            <button type="button" class="secondary danger" aria-label=label on:click=delete>"Delete"</button>
        </section>
    }
}
