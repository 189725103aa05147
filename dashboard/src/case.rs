//! A case's page: what the customer said and what ingest learned, the timeline, the composer
//! (a reply to the customer or an internal note), its SLA clocks (read again every 30 seconds),
//! and the controls an agent works it with, sharing with another team among them.

use crate::api::{ShareSubject, SiteApi};
use crate::format;
use crate::route::{self, Page};
use crate::share::Share;
use crate::shell::Desk;
use crate::sla::{self, HotBadge, SlaPanel};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use shared::case::{Agent, Case, CaseView, Priority, Problem, TimelineEntry, Urgency};
use shared::{ComplaintKind, ResponseId};

/// The case page.
///
/// - `id`: the case (the complaint's id).
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn CasePage(id: ResponseId) -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move { api.case(id).await }
    });
    let api = desk.api.clone();
    let agents = LocalResource::new(move || {
        let api = api.clone();
        async move { api.agents().await.map(|a| a.agents).unwrap_or_default() }
    });
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
    let api = desk.api.clone();
    let problems = LocalResource::new(move || {
        let api = api.clone();
        async move { api.problems().await.map(|p| p.problems).unwrap_or_default() }
    });
    let agents = Signal::derive(move || agents.get().unwrap_or_default());
    let categories = Signal::derive(move || categories.get().unwrap_or_default());
    let problems = Signal::derive(move || problems.get().unwrap_or_default());

    view! {
        <div class="case-page">
            <a class="back" href=Page::Inbox.href()>"← Back to inbox"</a>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the case…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => {
                            view! { <CaseDetail view agents categories problems /> }.into_any()
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

/// A change to make to the case: `method`, the part of the case (`status`, `replies`, …) and
/// the body.
type Change = (&'static str, &'static str, Value);

/// The loaded case, kept current with the answer to every change.
///
/// - `view`: the case as first loaded.
/// - `agents`, `categories`, `problems`: what the controls offer.
#[component]
fn CaseDetail(
    view: CaseView,
    agents: Signal<Vec<Agent>>,
    categories: Signal<Vec<String>>,
    problems: Signal<Vec<Problem>>,
) -> impl IntoView {
    let desk = Desk::expect();
    let id = view.complaint.id;
    let current = RwSignal::new(view);
    let (error, set_error) = signal(None::<String>);
    let (done, set_done) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let api = desk.api.clone();
    let change = Callback::new(move |(method, what, body): Change| {
        let api = api.clone();
        set_busy.set(true);
        set_error.set(None);
        set_done.set(None);
        spawn_local(async move {
            match api.change_case(id, method, what, &body).await {
                Ok(view) if view.complaint.id != id => route::go(&Page::Case(view.complaint.id)),
                Ok(view) => {
                    current.set(view);
                    set_done.set(Some("Saved".to_owned()));
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_busy.set(false);
        });
    });
    let case = Signal::derive(move || current.with(|v| v.complaint.clone()));
    let works = desk.role.works_cases();

    // The clocks run while the page is open: read the case again now and then, and show the
    // fresher of that and the case as the last change left it. Only the clocks and the hot
    // marker take the polled case, so that nothing being typed or chosen is reset.
    let polled = RwSignal::new(None::<Case>);
    let api = desk.api.clone();
    let poll = move || {
        let api = api.clone();
        spawn_local(async move {
            if let Ok(view) = api.case(id).await {
                // The page may have been left meanwhile.
                let _ = polled.try_set(Some(view.complaint));
            }
        });
    };
    if let Ok(handle) = set_interval_with_handle(poll, sla::REFRESH) {
        on_cleanup(move || handle.clear());
    }
    // A change someone else made (or the customer, or a timer): the case as it is now, the
    // timeline with it. What is being typed lives in the composer and stays.
    let api = desk.api.clone();
    let stream = crate::live::Live::expect();
    Effect::watch(
        move || stream.batch.get(),
        move |batch, _, _| {
            if !batch.iter().any(|e| e.case == id) {
                return;
            }
            let api = api.clone();
            spawn_local(async move {
                if let Ok(view) = api.case(id).await {
                    let newer = current
                        .try_with_untracked(|v| {
                            view.timeline.len() > v.timeline.len()
                                || view.complaint.updated_at > v.complaint.updated_at
                        })
                        .unwrap_or(false);
                    if newer {
                        let _ = current.try_set(view);
                    }
                }
            });
        },
        false,
    );
    let live = Memo::new(move |_| {
        let (updated_at, hot, clocks) = current.with(|v| {
            let c = &v.complaint;
            (c.updated_at.clone(), c.hot, c.sla.clone())
        });
        match polled.get() {
            // RFC 3339 times in UTC, as the collector writes them, sort as text.
            Some(p) if p.updated_at >= updated_at => (p.hot, p.sla),
            _ => (hot, clocks),
        }
    });
    let clocks = Signal::derive(move || live.with(|(_, clocks)| clocks.clone()));

    view! {
        <article class="case" data-id=id.to_string()>
            <div class="case-head">
                <h2>{move || case.with(|c| c.reference.clone())}</h2>
                <span class="badge status">{move || case.with(|c| c.status.label())}</span>
                <span class=move || {
                    case.with(|c| format!("priority {}", c.priority.as_str().to_lowercase()))
                }>{move || case.with(|c| c.priority.as_str())}</span>
                {move || case.with(|c| c.priority_overridden).then(|| view! { <span class="muted">"set by hand"</span> })}
                {move || live.with(|(hot, _)| *hot).then(|| view! { <HotBadge /> })}
            </div>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || done.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            <div class="case-grid">
                <div class="case-main">
                    <section class="panel">
                        <h3>"What the customer said"</h3>
                        <p class="words">{move || case.with(|c| c.description.clone())}</p>
                    </section>
                    <section class="panel">
                        <h3>"What we know"</h3>
                        {move || view! { <Facts case=case.get() /> }}
                    </section>
                    <section class="panel">
                        <h3>"Timeline"</h3>
                        {move || {
                            let timeline = current.with(|v| v.timeline.clone());
                            view! { <Timeline timeline /> }
                        }}
                    </section>
                    {works.then(|| view! { <Composer api=desk.api.clone() id current set_error /> })}
                </div>
                <div class="case-side">
                    <SlaPanel clocks />
                    <StatusControl current change busy works />
                    <PriorityControl case change busy works />
                    <CategoryControl current categories change busy works />
                    <AssigneeControl case agents change busy />
                    <ProblemControl case problems change busy works />
                    {works.then(|| view! { <MergeControl change busy set_error /> })}
                    {works
                        .then(|| {
                            view! {
                                <section class="panel control share-panel">
                                    <h3>"Share"</h3>
                                    <Share
                                        id="case-share"
                                        subject=ShareSubject::Case(id)
                                        on_case=move |view| current.set(view)
                                    />
                                </section>
                            }
                        })}
                    <Similar current />
                    <crate::attachments::Attachments current />
                </div>
            </div>
        </article>
    }
}

/// What ingest learned about the complaint: the page, the device, who the customer is.
///
/// - `case`: the case.
#[component]
fn Facts(case: Case) -> impl IntoView {
    let kind = match case.kind {
        ComplaintKind::Problem => "Problem",
        ComplaintKind::Suggestion => "Suggestion",
    };
    let mut facts: Vec<(String, String)> = vec![("Kind".into(), kind.into())];
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push((name.to_owned(), value));
        }
    };
    add("Channel", Some(case.channel.replace('_', " ")));
    add("Source", case.source_url.clone());
    add("Category", case.category.clone());
    add("Impact", case.impact.map(|i| format!("{i} of 4")));
    add("Urgency", Some(format::urgency(case.urgency).to_owned()));
    add("Page", case.page_url.clone());
    add("Path", case.page_path.clone());
    add("Device", case.device.clone());
    add("Browser", case.browser.clone());
    add("Locale", case.locale.clone());
    add("User id", case.user_id.clone());
    add("Visitor", case.visitor.clone());
    add(
        "E-mail",
        case.email.clone().map(|e| {
            if case.contact_consent {
                format!("{e} (may be contacted)")
            } else {
                e
            }
        }),
    );
    add(
        "Received (UTC)",
        Some(format::received_at(&case.received_at)),
    );
    add("Updated (UTC)", Some(format::received_at(&case.updated_at)));
    add(
        "Resolved (UTC)",
        case.resolved_at.as_deref().map(format::received_at),
    );
    add("Merged into", case.merged_into.map(|id| id.to_string()));
    for (name, value) in &case.attributes {
        facts.push((name.clone(), value.clone()));
    }
    let rows = facts
        .into_iter()
        .map(|(name, value)| view! { <div><dt>{name}</dt><dd>{value}</dd></div> })
        .collect_view();
    view! { <dl class="facts">{rows}</dl> }
}

/// The case's timeline, oldest first.
///
/// - `timeline`: as the collector sent it.
#[component]
fn Timeline(timeline: Vec<TimelineEntry>) -> impl IntoView {
    if timeline.is_empty() {
        return view! { <p class="empty">"Nothing has happened yet."</p> }.into_any();
    }
    let entries = timeline
        .into_iter()
        .map(|entry| {
            view! {
                <li class=format!("entry {}", entry.kind.as_str()) data-kind=entry.kind.as_str()>
                    <div class="entry-head">
                        <span class="kind">{format::entry_kind(entry.kind)}</span>
                        <span class="actor">{format::actor(&entry.actor)}</span>
                        <time datetime=entry.at.clone()>{format::received_at(&entry.at)}</time>
                    </div>
                    {entry.body.map(|b| view! { <p class="body">{b}</p> })}
                    {entry.detail.map(|d| view! { <p class="detail">{d}</p> })}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{entries}</ol> }.into_any()
}

/// Writes to the customer, or a note only the team sees; the text stays until it is sent.
///
/// - `api`, `id`: the case.
/// - `current`: the case as shown, replaced by the answer.
/// - `set_error`: where to say what went wrong.
#[component]
fn Composer(
    api: SiteApi,
    id: ResponseId,
    current: RwSignal<CaseView>,
    set_error: WriteSignal<Option<String>>,
) -> impl IntoView {
    let text = NodeRef::<html::Textarea>::new();
    let (sending, set_sending) = signal(false);
    let send = move |internal: bool| {
        let Some(area) = text.get_untracked() else {
            return;
        };
        let body = area.value();
        if body.trim().is_empty() {
            set_error.set(Some("write the message first".to_owned()));
            return;
        }
        let api = api.clone();
        set_sending.set(true);
        set_error.set(None);
        spawn_local(async move {
            let request = json!({ "body": body, "internal": internal });
            match api.change_case(id, "POST", "replies", &request).await {
                Ok(view) => {
                    current.set(view);
                    area.set_value("");
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_sending.set(false);
        });
    };
    let reply = send.clone();
    view! {
        <section class="panel composer">
            <h3>"Write"</h3>
            <label for="composer-text">"Message"</label>
            <textarea id="composer-text" rows="5" node_ref=text></textarea>
            <p class="hint">
                "A reply is sent to the customer; an internal note stays with the team."
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="reply"
                    on:click=move |_| reply(false)
                    disabled=sending
                >
                    "Reply to customer"
                </button>
                <button
                    type="button"
                    class="note"
                    on:click=move |_| send(true)
                    disabled=sending
                >
                    "Add internal note"
                </button>
            </div>
        </section>
    }
}

/// The value of a `<select>` by its node, if one is chosen.
fn chosen(select: NodeRef<html::Select>) -> Option<String> {
    select
        .get_untracked()
        .map(|s| s.value())
        .filter(|v| !v.is_empty())
}

fn entered(input: NodeRef<html::Input>) -> String {
    input
        .get_untracked()
        .map(|i| i.value().trim().to_owned())
        .unwrap_or_default()
}

/// Where the case may go from here (only the collector's `allowed_transitions`).
#[component]
fn StatusControl(
    current: RwSignal<CaseView>,
    change: Callback<Change>,
    busy: ReadSignal<bool>,
    works: bool,
) -> impl IntoView {
    let select = NodeRef::<html::Select>::new();
    let reason = NodeRef::<html::Input>::new();
    let allowed = move || current.with(|v| v.allowed_transitions.clone());
    let apply = move |_| {
        let Some(status) = chosen(select) else {
            return;
        };
        let mut body = json!({ "status": status });
        let reason = entered(reason);
        if !reason.is_empty() {
            body["reason"] = json!(reason);
        }
        change.run(("POST", "status", body));
    };
    view! {
        <section class="panel control">
            <h3>"Status"</h3>
            <p class="current">{move || current.with(|v| v.complaint.status.label())}</p>
            {move || {
                let allowed = allowed();
                if !works {
                    return ().into_any();
                }
                if allowed.is_empty() {
                    return view! { <p class="muted">"No moves from here."</p> }.into_any();
                }
                let options = allowed
                    .into_iter()
                    .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                    .collect_view();
                view! {
                    <label for="case-status">"Move to"</label>
                    <select id="case-status" node_ref=select>{options}</select>
                    <label for="case-status-reason">"Reason (optional)"</label>
                    <input id="case-status-reason" type="text" node_ref=reason />
                    <button type="button" class="set-status" on:click=apply disabled=busy>
                        "Change status"
                    </button>
                }
                    .into_any()
            }}
        </section>
    }
}

/// The urgency (the matrix makes the priority of it and the impact), or a priority set by hand
/// with a reason.
#[component]
fn PriorityControl(
    case: Signal<Case>,
    change: Callback<Change>,
    busy: ReadSignal<bool>,
    works: bool,
) -> impl IntoView {
    let urgency = NodeRef::<html::Select>::new();
    let priority = NodeRef::<html::Select>::new();
    let reason = NodeRef::<html::Input>::new();
    let set_urgency = move |_| {
        if let Some(u) = chosen(urgency) {
            change.run(("PUT", "priority", json!({ "urgency": u })));
        }
    };
    let set_priority = move |_| {
        let Some(p) = chosen(priority) else {
            return;
        };
        change.run((
            "PUT",
            "priority",
            json!({ "priority": p, "reason": entered(reason) }),
        ));
    };
    let summary = move || {
        case.with(|c| {
            let impact = c
                .impact
                .map_or_else(|| "no impact given".to_owned(), |i| format!("impact {i}"));
            format!(
                "{} ({impact}, urgency {})",
                c.priority.as_str(),
                format::urgency(c.urgency).to_lowercase()
            )
        })
    };
    view! {
        <section class="panel control">
            <h3>"Priority"</h3>
            <p class="current">{summary}</p>
            {works
                .then(|| {
                    view! {
                        <label for="case-urgency">"Urgency"</label>
                        <select id="case-urgency" node_ref=urgency>
                            {move || {
                                let now = case.with(|c| c.urgency);
                                Urgency::ALL
                                    .into_iter()
                                    .map(|u| {
                                        view! {
                                            <option value=u.as_str() prop:selected=u == now>
                                                {format::urgency(u)}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                        <button type="button" class="set-urgency" on:click=set_urgency disabled=busy>
                            "Set urgency"
                        </button>
                        <label for="case-priority">"Override priority"</label>
                        <select id="case-priority" node_ref=priority>
                            {move || {
                                let now = case.with(|c| c.priority);
                                Priority::ALL
                                    .into_iter()
                                    .map(|p| {
                                        view! {
                                            <option value=p.as_str() prop:selected=p == now>
                                                {p.as_str()}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                        <label for="case-priority-reason">"Reason for the override"</label>
                        <input id="case-priority-reason" type="text" node_ref=reason />
                        <button type="button" class="set-priority" on:click=set_priority disabled=busy>
                            "Override"
                        </button>
                    }
                })}
        </section>
    }
}

/// The case's category, from the site's categories, and the rules' suggestion.
#[component]
fn CategoryControl(
    current: RwSignal<CaseView>,
    categories: Signal<Vec<String>>,
    change: Callback<Change>,
    busy: ReadSignal<bool>,
    works: bool,
) -> impl IntoView {
    let select = NodeRef::<html::Select>::new();
    let apply = move |_| {
        if let Some(c) = chosen(select) {
            change.run(("PUT", "category", json!({ "category": c })));
        }
    };
    let now = move || current.with(|v| v.complaint.category.clone());
    let suggestion = move || {
        current.with(|v| v.suggestion.clone()).map(|s| {
            let category = s.category.clone();
            view! {
                <div class="suggestion">
                    <p>
                        "Rules suggest "
                        <strong>{s.category.clone()}</strong>
                        ": "
                        {s.reason.clone()}
                    </p>
                    {works
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="apply-suggestion secondary"
                                    disabled=busy
                                    on:click=move |_| {
                                        change.run(("PUT", "category", json!({ "category": category.clone() })))
                                    }
                                >
                                    "Apply"
                                </button>
                            }
                        })}
                </div>
            }
        })
    };
    view! {
        <section class="panel control">
            <h3>"Category"</h3>
            <p class="current">{move || now().unwrap_or_else(|| "None yet".to_owned())}</p>
            {works
                .then(|| {
                    view! {
                        <label for="case-category">"Category"</label>
                        <select id="case-category" node_ref=select>
                            {move || {
                                let now = now();
                                let mut all = categories.get();
                                if let Some(c) = now.as_ref().filter(|c| !all.contains(c)) {
                                    all.push(c.clone());
                                }
                                let placeholder = now
                                    .is_none()
                                    .then(|| view! { <option value="">"Choose…"</option> });
                                let options = all
                                    .into_iter()
                                    .map(|c| {
                                        let selected = now.as_ref() == Some(&c);
                                        view! { <option value=c.clone() prop:selected=selected>{c.clone()}</option> }
                                    })
                                    .collect_view();
                                view! { {placeholder} {options} }
                            }}
                        </select>
                        <button type="button" class="set-category" on:click=apply disabled=busy>
                            "Set category"
                        </button>
                    }
                })}
            {suggestion}
        </section>
    }
}

/// Who works the case: admins give it to anyone; an agent takes it or releases it.
#[component]
fn AssigneeControl(
    case: Signal<Case>,
    agents: Signal<Vec<Agent>>,
    change: Callback<Change>,
    busy: ReadSignal<bool>,
) -> impl IntoView {
    let desk = Desk::expect();
    let select = NodeRef::<html::Select>::new();
    let email = desk.email.clone();
    // The account has no user id of its own in the session; its agent entry has.
    let me = Signal::derive(move || {
        let email = email.as_ref()?;
        agents.with(|a| a.iter().find(|a| &a.email == email).map(|a| a.id))
    });
    let assignee = move || case.with(|c| c.assignee.clone());
    let assign = move |_| {
        if let Some(v) = chosen(select) {
            let user_id = v.parse::<i64>().ok();
            change.run(("PUT", "assignee", json!({ "user_id": user_id })));
        }
    };
    let take_or_release = move || {
        if !desk.role.works_cases() {
            return ().into_any();
        }
        let me = me.get();
        let mine = me.is_some() && assignee().map(|a| a.id) == me;
        match (me, mine) {
            (Some(_), true) => view! {
                <button
                    type="button"
                    class="release secondary"
                    disabled=busy
                    on:click=move |_| change.run(("PUT", "assignee", json!({ "user_id": null })))
                >
                    "Release"
                </button>
            }
            .into_any(),
            (Some(me), false) => view! {
                <button
                    type="button"
                    class="take"
                    disabled=busy
                    on:click=move |_| change.run(("PUT", "assignee", json!({ "user_id": me })))
                >
                    "Take it"
                </button>
            }
            .into_any(),
            (None, _) => ().into_any(),
        }
    };
    view! {
        <section class="panel control">
            <h3>"Assignee"</h3>
            <p class="current assignee">
                {move || assignee().map_or_else(|| "Nobody".to_owned(), |a| a.email)}
            </p>
            {take_or_release}
            {desk
                .role
                .configures()
                .then(|| {
                    view! {
                        <label for="case-assignee">"Give to"</label>
                        <select id="case-assignee" node_ref=select>
                            <option value="none">"Nobody"</option>
                            {move || {
                                let now = assignee().map(|a| a.id);
                                agents
                                    .get()
                                    .into_iter()
                                    .map(|a| {
                                        let label = format!("{} ({} active)", a.email, a.active_cases);
                                        view! {
                                            <option value=a.id.to_string() prop:selected=now == Some(a.id)>
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                        <div class="actions">
                            <button type="button" class="assign" on:click=assign disabled=busy>
                                "Assign"
                            </button>
                            <button
                                type="button"
                                class="auto-assign secondary"
                                disabled=busy
                                on:click=move |_| change.run(("PUT", "assignee", json!({ "auto": true })))
                            >
                                "Auto-assign"
                            </button>
                        </div>
                    }
                })}
        </section>
    }
}

/// The problem record the case is linked to, linked from the site's problems or unlinked.
#[component]
fn ProblemControl(
    case: Signal<Case>,
    problems: Signal<Vec<Problem>>,
    change: Callback<Change>,
    busy: ReadSignal<bool>,
    works: bool,
) -> impl IntoView {
    let select = NodeRef::<html::Select>::new();
    let link = move |_| {
        if let Some(id) = chosen(select).and_then(|v| v.parse::<i64>().ok()) {
            change.run(("PUT", "problem", json!({ "problem_id": id })));
        }
    };
    let linked = move || case.with(|c| c.problem.clone());
    view! {
        <section class="panel control">
            <h3>"Problem"</h3>
            {move || match linked() {
                Some(p) => view! {
                    <p class="current">
                        <a href=Page::Problem(p.id).href()>{p.title}</a>
                    </p>
                    {works
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="unlink secondary"
                                    disabled=busy
                                    on:click=move |_| change.run(("PUT", "problem", json!({ "problem_id": null })))
                                >
                                    "Unlink"
                                </button>
                            }
                        })}
                }
                .into_any(),
                None => view! { <p class="current">"Not linked"</p> }.into_any(),
            }}
            {works
                .then(|| {
                    view! {
                        <label for="case-problem">"Link to"</label>
                        <select id="case-problem" node_ref=select>
                            <option value="">"Choose a problem…"</option>
                            {move || {
                                problems
                                    .get()
                                    .into_iter()
                                    .map(|p| view! { <option value=p.id.to_string()>{p.title}</option> })
                                    .collect_view()
                            }}
                        </select>
                        <button type="button" class="link-problem" on:click=link disabled=busy>
                            "Link"
                        </button>
                    }
                })}
        </section>
    }
}

/// Folds the case into another, named by its reference or its id (the collector takes either).
#[component]
fn MergeControl(
    change: Callback<Change>,
    busy: ReadSignal<bool>,
    set_error: WriteSignal<Option<String>>,
) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let merge = move |_| {
        let into = entered(input);
        if into.is_empty() {
            set_error.set(Some(
                "enter the reference or id of the case to merge into".to_owned(),
            ));
            return;
        }
        change.run(("POST", "merge", json!({ "into": into })));
    };
    view! {
        <section class="panel control">
            <h3>"Merge"</h3>
            <label for="case-merge">"Merge into (reference or id)"</label>
            <input id="case-merge" type="text" spellcheck="false" node_ref=input />
            <button type="button" class="merge secondary" on:click=merge disabled=busy>
                "Merge"
            </button>
        </section>
    }
}

/// Open cases that look like this one.
#[component]
fn Similar(current: RwSignal<CaseView>) -> impl IntoView {
    let similar = move || {
        let similar = current.with(|v| v.similar.clone());
        if similar.is_empty() {
            return view! { <p class="muted">"None found."</p> }.into_any();
        }
        let items = similar
            .into_iter()
            .map(|s| {
                let score = format!("{:.0} % alike", s.score * 100.0);
                view! {
                    <li>
                        <a href=Page::Case(s.id).href()>{s.reference}</a>
                        " "
                        <span class="muted">{s.status.label()} ", " {score}</span>
                        <span class="excerpt">{format::excerpt(&s.description, 80)}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="similar">{items}</ul> }.into_any()
    };
    view! {
        <section class="panel control">
            <h3>"Similar open cases"</h3>
            {similar}
        </section>
    }
}
