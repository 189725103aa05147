//! The inbox: the site's complaints as cases, in queues (active, unassigned, mine, by status),
//! filtered (also by the SLA state of their worst clock), sorted and paged, worked from the
//! keyboard (j/k, Enter, e, x) or in bulk. Each row shows its SLA state and time left; hot
//! cases are marked.

use crate::api::{CaseQuery, SiteApi};
use crate::controls::{Choice, Notice};
use crate::format;
use crate::route::{self, Page};
use crate::shell::Desk;
use crate::sla::{HotBadge, SlaSummary};
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use shared::case::{Agent, Case, Priority, QueueCounts, Status};
use shared::ResponseId;
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;

/// The inbox page. Its filters live in the [`Desk`], so that they are still set when the admin
/// comes back from a case.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Inbox() -> impl IntoView {
    let desk = Desk::expect();
    let query = desk.inbox_query;
    let api = desk.api.clone();
    let list = LocalResource::new(move || {
        let (api, query) = (api.clone(), query.get());
        async move { api.cases(&query, None).await }
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
    let agents = Signal::derive(move || agents.get().unwrap_or_default());
    let categories = Signal::derive(move || categories.get().unwrap_or_default());
    let counts = Signal::derive(move || {
        list.get()
            .and_then(Result::ok)
            .map(|l| l.counts)
            .unwrap_or_default()
    });
    // A change to any of the site's cases, by anyone: the list as it is now.
    crate::live::refresh_on_change(0.0, move || list.refetch());
    let (refreshing, set_refreshing) = signal(false);
    // What the last bulk change or keyboard action did, or why it failed.
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let work = Worklist::new();
    // Whether a list has loaded (and the last fetch did not fail), and whether it was empty
    // because the site has no complaints at all.
    let (loaded, set_loaded) = signal(false);
    let shown = Memo::new(move |_| loaded.get());
    let (nothing_at_all, set_nothing_at_all) = signal(false);
    listen_for_keys(work, desk.api.clone(), desk.role.works_cases(), set_notice);

    view! {
        <div class="inbox" aria-busy=move || refreshing.get().to_string()>
            <div class="page-head">
                <h2>"Inbox"</h2>
                {desk.role.works_cases().then(|| view! {
                    <a class="button secondary" href=Page::LogComplaint.href()>"Log a complaint"</a>
                })}
                <button
                    type="button"
                    class="refresh secondary"
                    on:click=move |_| list.refetch()
                    disabled=refreshing
                >
                    "Refresh"
                </button>
            </div>
            <Queues counts has_account=desk.email.is_some() />
            <Filters agents categories has_account=desk.email.is_some() />
            <Notice notice />
            // The table is outside the <Transition>: while a new list loads, the old one stays
            // on screen, and the state the table keeps (selection, checked rows) must outlive it.
            <Transition
                fallback=|| view! { <p class="loading" role="status">"Loading complaints…"</p> }
                set_pending=set_refreshing
            >
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) => {
                            set_nothing_at_all
                                .set(page.counts.by_status.values().all(|n| *n == 0));
                            work.reset(page.complaints, page.next);
                            set_loaded.set(true);
                            ().into_any()
                        }
                        Err(e) => {
                            set_loaded.set(false);
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            {move || {
                shown
                    .get()
                    .then(|| {
                        view! {
                            <CaseTable
                                work
                                nothing_at_all
                                agents
                                set_notice
                                on_changed=move |()| list.refetch()
                            />
                        }
                    })
            }}
        </div>
    }
}

/// A queue of the inbox: which statuses and whose cases.
#[derive(Debug, Clone, PartialEq)]
struct Queue {
    key: String,
    label: String,
    status: String,
    assignee: String,
}

fn queues(has_account: bool) -> Vec<Queue> {
    let queue = |key: &str, label: &str, status: &str, assignee: &str| Queue {
        key: key.to_owned(),
        label: label.to_owned(),
        status: status.to_owned(),
        assignee: assignee.to_owned(),
    };
    let mut all = vec![
        queue("active", "Active", "active", ""),
        queue("unassigned", "Unassigned", "active", "none"),
    ];
    if has_account {
        all.push(queue("mine", "Mine", "active", "me"));
    }
    all.extend(
        Status::ALL
            .into_iter()
            .map(|s| queue(s.as_str(), s.label(), s.as_str(), "")),
    );
    all
}

fn queue_count(counts: &QueueCounts, key: &str) -> u64 {
    match key {
        "active" => counts.active,
        "unassigned" => counts.unassigned,
        "mine" => counts.mine,
        status => counts.by_status.get(status).copied().unwrap_or(0),
    }
}

/// The queue buttons with their counts; the one the filters match is pressed.
///
/// - `counts`: from the last list the collector sent.
/// - `has_account`: whether "Mine" means anyone (an API token has no cases of its own).
#[component]
fn Queues(counts: Signal<QueueCounts>, has_account: bool) -> impl IntoView {
    let query = Desk::expect().inbox_query;
    let buttons = queues(has_account)
        .into_iter()
        .map(|queue| {
            let key = queue.key.clone();
            let (status, assignee) = (queue.status.clone(), queue.assignee.clone());
            let pressed = move || {
                query
                    .with(|q| q.status == status && q.assignee == assignee)
                    .to_string()
            };
            let pick = queue.clone();
            view! {
                <button
                    type="button"
                    class="queue"
                    data-queue=queue.key.clone()
                    aria-pressed=pressed
                    on:click=move |_| {
                        query.update(|q| {
                            q.status = pick.status.clone();
                            q.assignee = pick.assignee.clone();
                        })
                    }
                >
                    <span class="label">{queue.label}</span>
                    " "
                    <span class="count">{move || counts.with(|c| queue_count(c, &key))}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="queues" role="group" aria-label="Queues">
            {buttons}
        </div>
    }
}

/// The filters and the sort of the list; every change fetches the list again.
///
/// - `agents`: whom cases can be filtered by.
/// - `categories`: the site's complaint categories.
/// - `has_account`: whether to offer "Me".
#[component]
fn Filters(
    agents: Signal<Vec<Agent>>,
    categories: Signal<Vec<String>>,
    has_account: bool,
) -> impl IntoView {
    let query = Desk::expect().inbox_query;
    let search = NodeRef::<html::Input>::new();
    let set = move |apply: fn(&mut CaseQuery, String), value: String| {
        query.update(|q| apply(q, value));
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Some(input) = search.get_untracked() {
            let text = input.value();
            if query.with_untracked(|q| q.q != text) {
                query.update(|q| q.q = text);
            }
        }
    };
    let status_options = {
        let mut options = vec![
            ("active".to_owned(), "Active".to_owned()),
            (String::new(), "Any status".to_owned()),
        ];
        options.extend(
            Status::ALL
                .into_iter()
                .map(|s| (s.as_str().to_owned(), s.label().to_owned())),
        );
        options
    };
    let priority_options = std::iter::once((String::new(), "Any priority".to_owned()))
        .chain(
            Priority::ALL
                .into_iter()
                .map(|p| (p.as_str().to_owned(), p.as_str().to_owned())),
        )
        .collect::<Vec<_>>();
    let category_options = Signal::derive(move || {
        std::iter::once((String::new(), "Any category".to_owned()))
            .chain(categories.get().into_iter().map(|c| (c.clone(), c)))
            .collect::<Vec<_>>()
    });
    let assignee_options = Signal::derive(move || {
        let mut options = vec![
            (String::new(), "Anyone".to_owned()),
            ("none".to_owned(), "Nobody".to_owned()),
        ];
        if has_account {
            options.push(("me".to_owned(), "Me".to_owned()));
        }
        options.extend(
            agents
                .get()
                .into_iter()
                .map(|a| (a.id.to_string(), a.email)),
        );
        options
    });
    let sort_options = [
        ("newest", "Newest first"),
        ("oldest", "Oldest first"),
        ("priority", "Priority"),
    ]
    .map(|(v, l)| (v.to_owned(), l.to_owned()))
    .to_vec();

    view! {
        <form class="filters" role="search" aria-label="Filter complaints" on:submit=submit>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <Choice
                    id="filter-status"
                    options=Signal::stored(status_options)
                    current=Signal::derive(move || query.with(|q| q.status.clone()))
                    on_pick=move |v| set(|q, v| q.status = v, v)
                />
            </div>
            <div class="field">
                <label for="filter-priority">"Priority"</label>
                <Choice
                    id="filter-priority"
                    options=Signal::stored(priority_options)
                    current=Signal::derive(move || {
                        query.with(|q| q.priority.map(Priority::as_str).unwrap_or_default().to_owned())
                    })
                    on_pick=move |v| set(|q, v| q.priority = Priority::parse(&v), v)
                />
            </div>
            <div class="field">
                <label for="filter-category">"Category"</label>
                <Choice
                    id="filter-category"
                    options=category_options
                    current=Signal::derive(move || query.with(|q| q.category.clone()))
                    on_pick=move |v| set(|q, v| q.category = v, v)
                />
            </div>
            <div class="field">
                <label for="filter-assignee">"Assignee"</label>
                <Choice
                    id="filter-assignee"
                    options=assignee_options
                    current=Signal::derive(move || query.with(|q| q.assignee.clone()))
                    on_pick=move |v| set(|q, v| q.assignee = v, v)
                />
            </div>
            <div class="field">
                <label for="filter-sort">"Sort"</label>
                <Choice
                    id="filter-sort"
                    options=Signal::stored(sort_options)
                    current=Signal::derive(move || query.with(|q| q.sort.clone()))
                    on_pick=move |v| set(|q, v| q.sort = v, v)
                />
            </div>
            <div class="field search">
                <label for="filter-q">"Search"</label>
                <input
                    id="filter-q"
                    type="search"
                    node_ref=search
                    prop:value=move || query.with_untracked(|q| q.q.clone())
                />
            </div>
            <button type="submit" class="secondary">"Search"</button>
            <SlaFilter />
        </form>
    }
}

/// The SLA states to list (none checked: any), as the API's comma-separated `sla=`.
#[component]
fn SlaFilter() -> impl IntoView {
    let query = Desk::expect().inbox_query;
    let boxes = format::SLA_STATES
        .into_iter()
        .map(|state| {
            let key = format::sla_state_key(state);
            let id = format!("filter-sla-{key}");
            let checked = move || query.with(|q| q.sla.split(',').any(|s| s == key));
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                query.update(|q| {
                    let states: Vec<&str> = format::SLA_STATES
                        .into_iter()
                        .map(format::sla_state_key)
                        .filter(|s| {
                            if *s == key {
                                on
                            } else {
                                q.sla.split(',').any(|x| x == *s)
                            }
                        })
                        .collect();
                    q.sla = states.join(",");
                });
            };
            view! {
                <span class="sla-choice">
                    <input id=id.clone() type="checkbox" prop:checked=checked on:change=toggle />
                    <label for=id>{format::sla_state(state)}</label>
                </span>
            }
        })
        .collect_view();
    view! {
        <fieldset class="sla-filter">
            <legend>"SLA"</legend>
            {boxes}
        </fieldset>
    }
}

/// Whether a key press belongs to a text field rather than to the inbox's shortcuts.
fn typing(ev: &KeyboardEvent) -> bool {
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    match el.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => true,
        "INPUT" => !matches!(
            el.get_attribute("type").as_deref(),
            Some("checkbox" | "radio" | "button" | "submit")
        ),
        _ => el.has_attribute("contenteditable"),
    }
}

/// Whether Enter on the event's target already does something of its own (follows a link,
/// presses a button).
fn activates_itself(ev: &KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "A" | "BUTTON" | "INPUT"))
}

/// What the inbox's table shows and acts on: kept by the inbox for as long as it shows, so that
/// the keys, the checked rows and "Load more" outlive each rendering of the list.
#[derive(Debug, Clone, Copy)]
struct Worklist {
    rows: RwSignal<Vec<Case>>,
    next: RwSignal<Option<String>>,
    /// The row the keys act on.
    selected: RwSignal<Option<ResponseId>>,
    /// The rows the bulk bar acts on.
    checked: RwSignal<BTreeSet<ResponseId>>,
    table: NodeRef<html::Table>,
}

impl Worklist {
    fn new() -> Self {
        Self {
            rows: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            selected: RwSignal::new(None),
            checked: RwSignal::new(BTreeSet::new()),
            table: NodeRef::new(),
        }
    }

    /// Shows a freshly fetched first page.
    fn reset(&self, cases: Vec<Case>, next: Option<String>) {
        let ids: BTreeSet<ResponseId> = cases.iter().map(|c| c.id).collect();
        self.rows.set(cases);
        self.next.set(next);
        // Rows that are still listed stay selected and checked.
        if self
            .selected
            .get_untracked()
            .is_some_and(|id| !ids.contains(&id))
        {
            self.selected.set(None);
        }
        self.checked.update(|c| c.retain(|id| ids.contains(id)));
    }

    fn focus_row(&self, id: ResponseId) {
        if let Some(link) = self.table.get_untracked().and_then(|t| {
            t.query_selector(&format!("a[data-case='{id}']"))
                .ok()
                .flatten()
        }) {
            let _ = link.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    }

    /// Moves the selection `by` rows, starting at the first.
    fn step(&self, by: isize) {
        let ids: Vec<ResponseId> = self
            .rows
            .with_untracked(|r| r.iter().map(|c| c.id).collect());
        if ids.is_empty() {
            return;
        }
        let at = self
            .selected
            .get_untracked()
            .and_then(|id| ids.iter().position(|i| *i == id));
        let to = match at {
            None => 0,
            Some(i) => i.saturating_add_signed(by).min(ids.len() - 1),
        };
        self.selected.set(Some(ids[to]));
        self.focus_row(ids[to]);
    }

    fn toggle(&self, id: ResponseId) {
        self.checked.update(|c| {
            if !c.remove(&id) {
                c.insert(id);
            }
        })
    }
}

/// The inbox's keys, on the window for as long as the inbox shows: j and k move the selection,
/// Enter opens the selected case, e resolves it and x checks it (these two for agents and up).
fn listen_for_keys(
    work: Worklist,
    api: SiteApi,
    works: bool,
    set_notice: WriteSignal<Option<Result<String, String>>>,
) {
    let resolve = move |id: ResponseId| {
        let api = api.clone();
        spawn_local(async move {
            match api.set_status(id, Status::Resolved).await {
                Ok(view) => {
                    let reference = view.complaint.reference.clone();
                    work.rows.update(|r| {
                        if let Some(row) = r.iter_mut().find(|c| c.id == id) {
                            *row = view.complaint;
                        }
                    });
                    set_notice.set(Some(Ok(format!("{reference} resolved"))));
                }
                Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
            }
        });
    };
    let keys = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(&ev) {
            return;
        }
        let selected = work.selected.get_untracked();
        match (ev.key().as_str(), selected) {
            ("j", _) => work.step(1),
            ("k", _) => work.step(-1),
            ("Enter", Some(id)) if !activates_itself(&ev) => route::go(&Page::Case(id)),
            ("e", Some(id)) if works => resolve(id),
            ("x", Some(id)) if works => work.toggle(id),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || keys.remove());
}

/// The table of cases, with "Load more" and the bulk bar.
///
/// - `work`: the rows and what is selected and checked.
/// - `nothing_at_all`: whether the site has no complaints at all (else none match).
/// - `agents`: whom checked cases can be given to.
/// - `set_notice`: where to say what an action did.
/// - `on_changed`: called after a bulk change, to fetch the list again.
#[component]
fn CaseTable(
    work: Worklist,
    nothing_at_all: ReadSignal<bool>,
    agents: Signal<Vec<Agent>>,
    set_notice: WriteSignal<Option<Result<String, String>>>,
    #[prop(into)] on_changed: Callback<()>,
) -> impl IntoView {
    let desk = Desk::expect();
    let works = desk.role.works_cases();
    let Worklist {
        rows,
        next,
        selected,
        checked,
        table,
    } = work;
    let (loading_more, set_loading_more) = signal(false);

    let api = desk.api.clone();
    let load_more = move |_| {
        let Some(after) = next.get_untracked() else {
            return;
        };
        let (api, query) = (api.clone(), desk.inbox_query.get_untracked());
        set_loading_more.set(true);
        spawn_local(async move {
            match api.cases(&query, Some(&after)).await {
                Ok(page) => {
                    // A case changed since the first page may be listed again: once is enough.
                    rows.update(|r| {
                        let known: BTreeSet<ResponseId> = r.iter().map(|c| c.id).collect();
                        r.extend(
                            page.complaints
                                .into_iter()
                                .filter(|c| !known.contains(&c.id)),
                        );
                    });
                    next.set(page.next);
                }
                Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
            }
            set_loading_more.set(false);
        });
    };

    let is_empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let api = desk.api.clone();
    move || {
        if is_empty.get() {
            let empty = move || {
                if nothing_at_all.get() {
                    "No complaints yet."
                } else {
                    "No complaints match these filters."
                }
            };
            return view! { <p class="empty">{empty}</p> }.into_any();
        }
        let api = api.clone();
        let load_more = load_more.clone();
        view! {
        {works
            .then(|| {
                view! {
                    <BulkBar
                        api=api.clone()
                        checked
                        agents
                        assigns=desk.role.configures()
                        set_notice
                        on_changed
                    />
                }
            })}
        <p class="hint">
            {if works {
                "Keys: j and k move, Enter opens, e resolves, x checks a row."
            } else {
                "Keys: j and k move, Enter opens."
            }}
        </p>
        <table class="cases" node_ref=table>
            <thead>
                <tr>
                    {works.then(|| view! { <th scope="col"><span class="visually-hidden">"Select"</span></th> })}
                    <th scope="col">"Reference"</th>
                    <th scope="col">"Priority"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"SLA"</th>
                    <th scope="col">"Category"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"Assignee"</th>
                    <th scope="col">"Received (UTC)"</th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || rows.get()
                    key=|c| (c.id, c.updated_at.clone(), c.status)
                    let(case)
                >
                    <CaseRow case selected checked works on_toggle=move |id| work.toggle(id) />
                </For>
            </tbody>
        </table>
        {move || {
            next.get()
                .is_some()
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="load-more secondary"
                            on:click=load_more.clone()
                            disabled=loading_more
                        >
                            "Load more"
                        </button>
                    }
                })
        }}
    }
    .into_any()
    }
}

/// One case as a table row.
///
/// - `case`: as listed.
/// - `selected`: the row the keys act on.
/// - `checked`: the rows the bulk bar acts on.
/// - `works`: whether the signed-in role may check rows.
/// - `on_toggle`: checks or unchecks the row.
#[component]
fn CaseRow(
    case: Case,
    selected: RwSignal<Option<ResponseId>>,
    checked: RwSignal<BTreeSet<ResponseId>>,
    works: bool,
    #[prop(into)] on_toggle: Callback<ResponseId>,
) -> impl IntoView {
    let id = case.id;
    let reference = case.reference.clone();
    let priority = case.priority.as_str();
    view! {
        <tr
            data-id=id.to_string()
            class:selected=move || selected.get() == Some(id)
            class:hot=case.hot
        >
            {works
                .then(|| {
                    view! {
                        <td class="check">
                            <input
                                type="checkbox"
                                aria-label=format!("Select {reference}")
                                prop:checked=move || checked.with(|c| c.contains(&id))
                                on:change=move |_| on_toggle.run(id)
                            />
                        </td>
                    }
                })}
            <td class="reference">
                <a
                    href=Page::Case(id).href()
                    data-case=id.to_string()
                    on:focus=move |_| selected.set(Some(id))
                >
                    {case.reference.clone()}
                </a>
                {case.hot.then(|| view! { " " <HotBadge /> })}
            </td>
            <td>
                <span class=format!("priority {}", priority.to_lowercase())>{priority}</span>
            </td>
            <td class="status">{case.status.label()}</td>
            <td class="sla">
                <SlaSummary clocks=case.sla.clone() />
            </td>
            <td class="category">{case.category.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td class="excerpt">{format::excerpt(&case.description, 80)}</td>
            <td class="assignee">
                {case.assignee.as_ref().map_or_else(|| "Nobody".to_owned(), |a| a.email.clone())}
            </td>
            <td class="received">
                <time datetime=case.received_at.clone()>
                    {format::received_at(&case.received_at)}
                </time>
            </td>
        </tr>
    }
}

/// What can be done to the checked cases at once: a status for all (agents), an assignee for
/// all (admins).
///
/// - `api`: the site's API.
/// - `checked`: the checked cases; emptied after a change.
/// - `agents`: whom the cases can be given to.
/// - `assigns`: whether the signed-in role may assign others.
/// - `set_notice`: where to say how it went.
/// - `on_changed`: called after the change, to fetch the list again.
#[component]
fn BulkBar(
    api: SiteApi,
    checked: RwSignal<BTreeSet<ResponseId>>,
    agents: Signal<Vec<Agent>>,
    assigns: bool,
    set_notice: WriteSignal<Option<Result<String, String>>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let status = NodeRef::<html::Select>::new();
    let assignee = NodeRef::<html::Select>::new();
    let (busy, set_busy) = signal(false);
    let apply = move |change: serde_json::Value| {
        let ids: Vec<String> =
            checked.with_untracked(|c| c.iter().map(|id| id.to_string()).collect());
        if ids.is_empty() {
            return;
        }
        let mut body = json!({ "ids": ids });
        if let (Some(body), Some(change)) = (body.as_object_mut(), change.as_object()) {
            body.extend(change.clone());
        }
        let api = api.clone();
        set_busy.set(true);
        spawn_local(async move {
            match api.bulk(&body).await {
                Ok(done) => {
                    let changed = done.results.iter().filter(|r| r.ok).count();
                    let failures: Vec<String> = done
                        .results
                        .iter()
                        .filter_map(|r| r.error.as_ref().map(|e| e.message.clone()))
                        .collect();
                    let message = if failures.is_empty() {
                        Ok(format!("{changed} changed"))
                    } else {
                        Err(format!(
                            "{changed} changed, {} not: {}",
                            failures.len(),
                            failures.join("; ")
                        ))
                    };
                    set_notice.set(Some(message));
                    checked.set(BTreeSet::new());
                    on_changed.run(());
                }
                Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
            }
            set_busy.set(false);
        });
    };
    let apply_status = apply.clone();
    let set_status = move |_| {
        if let Some(s) = status
            .get_untracked()
            .map(|s| s.value())
            .filter(|s| !s.is_empty())
        {
            apply_status(json!({ "status": s }));
        }
    };
    let set_assignee = move |_| {
        if let Some(a) = assignee
            .get_untracked()
            .map(|s| s.value())
            .filter(|s| !s.is_empty())
        {
            let user_id = a.parse::<i64>().ok();
            apply(json!({ "assignee": { "user_id": user_id } }));
        }
    };
    let statuses = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Merged)
        .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
        .collect_view();

    view! {
        <div
            class="bulk"
            role="group"
            aria-label="Change the checked cases"
            class:idle=move || checked.with(BTreeSet::is_empty)
        >
            <span class="checked-count">
                {move || format!("{} checked", checked.with(BTreeSet::len))}
            </span>
            <label for="bulk-status">"Status"</label>
            <select id="bulk-status" node_ref=status>
                <option value="">"Choose…"</option>
                {statuses}
            </select>
            <button
                type="button"
                class="bulk-status"
                on:click=set_status
                disabled=move || busy.get() || checked.with(BTreeSet::is_empty)
            >
                "Set status"
            </button>
            {assigns
                .then(|| {
                    view! {
                        <label for="bulk-assignee">"Assignee"</label>
                        <select id="bulk-assignee" node_ref=assignee>
                            <option value="">"Choose…"</option>
                            <option value="none">"Nobody"</option>
                            {move || {
                                agents
                                    .get()
                                    .into_iter()
                                    .map(|a| view! { <option value=a.id.to_string()>{a.email}</option> })
                                    .collect_view()
                            }}
                        </select>
                        <button
                            type="button"
                            class="bulk-assign"
                            on:click=set_assignee
                            disabled=move || busy.get() || checked.with(BTreeSet::is_empty)
                        >
                            "Assign"
                        </button>
                    }
                })}
        </div>
    }
}
