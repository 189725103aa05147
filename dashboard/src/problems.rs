//! Problem records: the root causes several complaints share. The list with a form to record a
//! new one, and a problem's page: its fields, its linked complaints, "Resolve with reply" and
//! "Share…".

use crate::api::ShareSubject;
use crate::format;
use crate::route::Page;
use crate::share::Share;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};
use shared::case::{Case, Problem, ProblemStatus, ProblemView};

/// The problems page: every problem of the site, and (for agents and up) a form for a new one.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Problems() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let list = LocalResource::new(move || {
        let api = api.clone();
        async move { api.problems().await }
    });
    let categories = site_categories(&desk);
    let (refreshing, set_refreshing) = signal(false);

    view! {
        <div class="problems" aria-busy=move || refreshing.get().to_string()>
            <div class="page-head">
                <h2>"Problems"</h2>
            </div>
            {desk
                .role
                .works_cases()
                .then(|| view! { <NewProblem categories on_created=move |()| list.refetch() /> })}
            <Transition
                fallback=|| view! { <p class="loading" role="status">"Loading problems…"</p> }
                set_pending=set_refreshing
            >
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <ProblemTable problems=list.problems /> }.into_any(),
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

/// The site's complaint categories, or none if they cannot be read.
fn site_categories(desk: &Desk) -> Signal<Vec<String>> {
    let api = desk.api.clone();
    let categories = LocalResource::new(move || {
        let api = api.clone();
        async move {
            api.settings()
                .await
                .map(|s| s.categories)
                .unwrap_or_default()
        }
    });
    Signal::derive(move || categories.get().unwrap_or_default())
}

/// The problems as a table, or the empty state.
///
/// - `problems`: as the collector listed them.
#[component]
fn ProblemTable(problems: Vec<Problem>) -> impl IntoView {
    if problems.is_empty() {
        return view! { <p class="empty">"No problems yet."</p> }.into_any();
    }
    let rows = problems
        .into_iter()
        .map(|p| {
            view! {
                <tr data-id=p.id.to_string()>
                    <td class="title"><a href=Page::Problem(p.id).href()>{p.title}</a></td>
                    <td class="status">{format::problem_status(p.status)}</td>
                    <td class="category">{p.category.unwrap_or_else(|| "—".to_owned())}</td>
                    <td class="linked">{format!("{} active of {}", p.linked_active, p.linked)}</td>
                    <td class="received">
                        <time datetime=p.updated_at.clone()>{format::received_at(&p.updated_at)}</time>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="cases problems">
            <thead>
                <tr>
                    <th scope="col">"Title"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Category"</th>
                    <th scope="col">"Linked complaints"</th>
                    <th scope="col">"Updated (UTC)"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The text of an input or a text area, trimmed, as a JSON string or `null` when empty.
fn optional(text: String) -> Value {
    let text = text.trim();
    if text.is_empty() {
        Value::Null
    } else {
        json!(text)
    }
}

/// The form for a new problem.
///
/// - `categories`: the site's categories, to file it under one.
/// - `on_created`: called once the collector has stored it.
#[component]
fn NewProblem(
    categories: Signal<Vec<String>>,
    #[prop(into)] on_created: Callback<()>,
) -> impl IntoView {
    let desk = Desk::expect();
    let title = NodeRef::<html::Input>::new();
    let category = NodeRef::<html::Select>::new();
    let root_cause = NodeRef::<html::Textarea>::new();
    let workaround = NodeRef::<html::Textarea>::new();
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = title
            .get_untracked()
            .map(|i| i.value().trim().to_owned())
            .unwrap_or_default();
        if text.is_empty() {
            set_error.set(Some("a problem needs a title".to_owned()));
            return;
        }
        let mut body = Map::new();
        body.insert("title".into(), json!(text));
        let fields = [
            ("category", category.get_untracked().map(|s| s.value())),
            ("root_cause", root_cause.get_untracked().map(|t| t.value())),
            ("workaround", workaround.get_untracked().map(|t| t.value())),
        ];
        for (name, value) in fields {
            let value = optional(value.unwrap_or_default());
            if !value.is_null() {
                body.insert(name.into(), value);
            }
        }
        let api = desk.api.clone();
        set_busy.set(true);
        set_error.set(None);
        spawn_local(async move {
            match api.create_problem(&Value::Object(body)).await {
                Ok(_) => {
                    for input in [title.get_untracked()].into_iter().flatten() {
                        input.set_value("");
                    }
                    for area in [root_cause.get_untracked(), workaround.get_untracked()]
                        .into_iter()
                        .flatten()
                    {
                        area.set_value("");
                    }
                    on_created.run(());
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_busy.set(false);
        });
    };
    view! {
        <form class="panel new-problem" on:submit=submit>
            <h3>"New problem"</h3>
            <label for="problem-title">"Title"</label>
            <input id="problem-title" type="text" node_ref=title />
            <label for="problem-category">"Category"</label>
            <select id="problem-category" node_ref=category>
                <option value="">"None"</option>
                {move || {
                    categories
                        .get()
                        .into_iter()
                        .map(|c| view! { <option value=c.clone()>{c.clone()}</option> })
                        .collect_view()
                }}
            </select>
            <label for="problem-root-cause">"Root cause"</label>
            <textarea id="problem-root-cause" rows="2" node_ref=root_cause></textarea>
            <label for="problem-workaround">"Workaround"</label>
            <textarea id="problem-workaround" rows="2" node_ref=workaround></textarea>
            <button type="submit" disabled=busy>"Create problem"</button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </form>
    }
}

/// A problem's page.
///
/// - `id`: the problem.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn ProblemPage(id: i64) -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move { api.problem(id).await }
    });
    let categories = site_categories(&desk);
    view! {
        <div class="problem-page">
            <a class="back" href=Page::Problems.href()>"← Back to problems"</a>
            // The page's state lives in `ProblemDetail`: the problem is loaded once, and every
            // change updates it in place rather than loading it again behind the <Transition>.
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the problem…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => {
                            view! {
                                <ProblemDetail view categories />
                            }
                                .into_any()
                        }
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

/// A problem's fields (editable by agents and up), its complaints, "Resolve with reply" and
/// "Share…".
///
/// - `view`: the problem and its linked complaints.
/// - `categories`: the site's categories.
#[component]
fn ProblemDetail(view: ProblemView, categories: Signal<Vec<String>>) -> impl IntoView {
    let desk = Desk::expect();
    let works = desk.role.works_cases();
    let ProblemView {
        problem,
        complaints,
    } = view;
    let id = problem.id;
    let problem = RwSignal::new(problem);
    let complaints = RwSignal::new(complaints);
    let (error, set_error) = signal(None::<String>);
    let (done, set_done) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let title = NodeRef::<html::Input>::new();
    let status = NodeRef::<html::Select>::new();
    let category = NodeRef::<html::Select>::new();
    let root_cause = NodeRef::<html::Textarea>::new();
    let workaround = NodeRef::<html::Textarea>::new();
    let fix = NodeRef::<html::Textarea>::new();
    let reply = NodeRef::<html::Textarea>::new();

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let value = |t: Option<String>| t.unwrap_or_default();
        let body = json!({
            "title": value(title.get_untracked().map(|i| i.value())).trim(),
            "status": value(status.get_untracked().map(|s| s.value())),
            "category": optional(value(category.get_untracked().map(|s| s.value()))),
            "root_cause": optional(value(root_cause.get_untracked().map(|t| t.value()))),
            "workaround": optional(value(workaround.get_untracked().map(|t| t.value()))),
            "fix": optional(value(fix.get_untracked().map(|t| t.value()))),
        });
        let api = api.clone();
        set_busy.set(true);
        set_error.set(None);
        set_done.set(None);
        spawn_local(async move {
            match api.change_problem(id, &body).await {
                Ok(saved) => {
                    problem.set(saved);
                    set_done.set(Some("Saved".to_owned()));
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_busy.set(false);
        });
    };
    let api = desk.api.clone();
    let resolve = move |_| {
        let text = reply.get_untracked().map(|t| t.value()).unwrap_or_default();
        if text.trim().is_empty() {
            set_error.set(Some("write the reply the customers get first".to_owned()));
            return;
        }
        let api = api.clone();
        set_busy.set(true);
        set_error.set(None);
        set_done.set(None);
        spawn_local(async move {
            match api.resolve_problem(id, &text).await {
                Ok(resolved) => {
                    problem.set(resolved.problem);
                    set_done.set(Some(format!("{} cases resolved", resolved.resolved)));
                    // The linked cases' statuses changed: read them again.
                    if let Ok(view) = api.problem(id).await {
                        complaints.set(view.complaints);
                    }
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_busy.set(false);
        });
    };

    let p = problem.get_untracked();
    let now_category = p.category.clone();
    let now_status = p.status;
    let status_options = ProblemStatus::ALL
        .into_iter()
        .map(|s| {
            view! {
                <option value=s.as_str() prop:selected=s == now_status>
                    {format::problem_status(s)}
                </option>
            }
        })
        .collect_view();
    let category_options = move || {
        let mut all = categories.get();
        if let Some(c) = now_category.as_ref().filter(|c| !all.contains(c)) {
            all.push(c.clone());
        }
        all.into_iter()
            .map(|c| {
                let selected = now_category.as_ref() == Some(&c);
                view! { <option value=c.clone() prop:selected=selected>{c.clone()}</option> }
            })
            .collect_view()
    };
    let read_only = !works;

    view! {
        <article class="problem" data-id=id.to_string()>
            <div class="case-head">
                <h2>{move || problem.with(|p| p.title.clone())}</h2>
                <span class="badge status">{move || problem.with(|p| format::problem_status(p.status))}</span>
                <span class="muted">
                    {move || problem.with(|p| format!("{} linked, {} active", p.linked, p.linked_active))}
                </span>
            </div>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || done.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            <form class="panel problem-fields" on:submit=save>
                <h3>"Details"</h3>
                <label for="edit-title">"Title"</label>
                <input id="edit-title" type="text" node_ref=title prop:value=p.title.clone() disabled=read_only />
                <label for="edit-status">"Status"</label>
                <select id="edit-status" node_ref=status disabled=read_only>{status_options}</select>
                <label for="edit-category">"Category"</label>
                <select id="edit-category" node_ref=category disabled=read_only>
                    <option value="">"None"</option>
                    {category_options}
                </select>
                <label for="edit-root-cause">"Root cause"</label>
                <textarea id="edit-root-cause" rows="3" node_ref=root_cause disabled=read_only prop:value=p.root_cause.clone().unwrap_or_default()></textarea>
                <label for="edit-workaround">"Workaround"</label>
                <textarea id="edit-workaround" rows="3" node_ref=workaround disabled=read_only prop:value=p.workaround.clone().unwrap_or_default()></textarea>
                <label for="edit-fix">"Fix"</label>
                <textarea id="edit-fix" rows="3" node_ref=fix disabled=read_only prop:value=p.fix.clone().unwrap_or_default()></textarea>
                {works.then(|| view! { <button type="submit" class="save" disabled=busy>"Save"</button> })}
            </form>
            <section class="panel">
                <h3>"Linked complaints"</h3>
                {move || view! { <LinkedCases cases=complaints.get() /> }}
            </section>
            {works
                .then(|| {
                    view! {
                        <section class="panel resolve">
                            <h3>"Resolve with reply"</h3>
                            <label for="resolve-reply">"Reply to every active linked case"</label>
                            <textarea id="resolve-reply" rows="4" node_ref=reply></textarea>
                            <button type="button" class="resolve-problem" on:click=resolve disabled=busy>
                                "Resolve with reply"
                            </button>
                        </section>
                        <section class="panel share-panel">
                            <h3>"Share"</h3>
                            <Share id="problem-share" subject=ShareSubject::Problem(id) />
                        </section>
                    }
                })}
        </article>
    }
}

/// The complaints linked to a problem.
///
/// - `cases`: as the collector sent them.
#[component]
fn LinkedCases(cases: Vec<Case>) -> impl IntoView {
    if cases.is_empty() {
        return view! { <p class="empty">"No complaints are linked to it."</p> }.into_any();
    }
    let rows = cases
        .into_iter()
        .map(|c| {
            let priority = c.priority.as_str();
            view! {
                <tr data-id=c.id.to_string()>
                    <td class="reference"><a href=Page::Case(c.id).href()>{c.reference.clone()}</a></td>
                    <td><span class=format!("priority {}", priority.to_lowercase())>{priority}</span></td>
                    <td class="status">{c.status.label()}</td>
                    <td class="excerpt">{format::excerpt(&c.description, 80)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="cases">
            <thead>
                <tr>
                    <th scope="col">"Reference"</th>
                    <th scope="col">"Priority"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Description"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
