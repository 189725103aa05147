//! The settings page: the site's complaint categories (its widget settings) and its workflow
//! (keyword rules, the priority matrix, routing, auto-assign, auto-close), with links to the
//! pages of service levels, alerts, notifications, sharing, the team, API tokens and the audit log.
//! Admins and owners change them; other roles read them.

use crate::controls::{Choice, Notice};
use crate::format;
use crate::route::Page;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::case::{Agent, KeywordRule, Priority, Urgency, Workflow};
use std::collections::BTreeMap;

/// What the settings page loads before it shows anything.
type Loaded = (Vec<String>, Workflow, Vec<Agent>);

/// The settings page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Settings() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move {
            let settings = api.settings().await?;
            let workflow = api.workflow().await?;
            // Routing can still be read without the list of agents.
            let agents = api.agents().await.map(|a| a.agents).unwrap_or_default();
            Ok::<Loaded, crate::api::ApiError>((settings.categories, workflow, agents))
        }
    });
    view! {
        <div class="settings">
            <div class="page-head">
                <h2>"Settings"</h2>
            </div>
            <SettingsPages />
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the settings…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((categories, workflow, agents)) => {
                            view! { <SettingsForms categories workflow agents /> }.into_any()
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

/// The settings that have pages of their own: the site and its snippet, exports, service
/// levels, alerts, notifications, sharing, the team, API tokens, the audit log and a new site.
#[component]
fn SettingsPages() -> impl IntoView {
    let pages = [
        (
            Page::SiteSettings,
            "Site and snippet",
            "The snippet to paste, whether it was seen, origins, the widget's look, retention and erasure.",
        ),
        (
            Page::Exports,
            "Exports",
            "The site's answers and complaints as CSV or NDJSON files.",
        ),
        (
            Page::BusinessHours,
            "Business hours",
            "When the SLA clocks run: time zone, working hours, holidays.",
        ),
        (
            Page::SlaPolicies,
            "SLA policies",
            "Targets per priority, warnings and the escalation ladder.",
        ),
        (
            Page::HotStove,
            "Hot-stove rules",
            "Complaints that cannot wait: made P1 and alerted at once.",
        ),
        (
            Page::Webhooks,
            "Webhooks",
            "Endpoints that receive events, and their delivery logs.",
        ),
        (
            Page::Notifications,
            "Notifications",
            "What you are sent by e-mail, and in which language.",
        ),
        (
            Page::Sharing,
            "Sharing and e-mail in",
            "Where the team shares feedback, and the address that takes complaints by e-mail.",
        ),
        (
            Page::Team,
            "Team",
            "Who is on the site's team, their roles, and invitations.",
        ),
        (
            Page::Tokens,
            "API tokens",
            "Tokens that sign scripts and tools in to the admin API.",
        ),
        (
            Page::Audit,
            "Audit log",
            "Who changed what, and who signed in.",
        ),
    ];
    // Tokens and the audit log are for admins and owners: the collector refuses them to others.
    // A new site is for a signed-in owner of a site.
    let desk = Desk::expect();
    let configures = desk.role.configures();
    let new_site = desk.creates_sites.then_some((
        Page::NewSite,
        "New site",
        "Another site, with its origins and its first survey; you are its owner.",
    ));
    let items = pages
        .into_iter()
        .chain(new_site)
        .filter(|(page, _, _)| configures || !matches!(page, Page::Tokens | Page::Audit))
        .map(|(page, title, what)| {
            view! {
                <li>
                    <a href=page.href()>{title}</a>
                    <span class="hint">{what}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="panel settings-pages" aria-label="More settings">
            <ul>{items}</ul>
        </nav>
    }
}

/// The head of a settings page of its own: the way back, its title, and for a role that only
/// reads, that it does.
///
/// - `title`: the page's name.
/// - `read_only`: whether the signed-in role may not change it.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SettingsHead(title: &'static str, read_only: bool) -> impl IntoView {
    view! {
        <a class="back" href=Page::Settings.href()>"← Settings"</a>
        <div class="page-head">
            <h2>{title}</h2>
        </div>
        {read_only
            .then(|| {
                view! { <p class="muted">"Only admins and owners change these settings."</p> }
            })}
    }
}

/// One keyword rule being edited.
#[derive(Debug, Clone, Copy)]
struct RuleDraft {
    key: u32,
    category: RwSignal<String>,
    /// Comma-separated.
    keywords: RwSignal<String>,
    /// An urgency, or empty for none.
    urgency: RwSignal<String>,
}

impl RuleDraft {
    fn new(key: u32, rule: &KeywordRule) -> Self {
        Self {
            key,
            category: RwSignal::new(rule.category.clone()),
            keywords: RwSignal::new(rule.keywords.join(", ")),
            urgency: RwSignal::new(
                rule.urgency
                    .map(|u| u.as_str().to_owned())
                    .unwrap_or_default(),
            ),
        }
    }

    fn rule(&self) -> KeywordRule {
        KeywordRule {
            category: self.category.get_untracked(),
            keywords: self
                .keywords
                .get_untracked()
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            urgency: Urgency::parse(&self.urgency.get_untracked()),
        }
    }
}

/// The matrix's rows, impact 1 to 4, as the widget asks the customer.
const IMPACTS: [&str; 4] = [
    "Impact 1 (a little)",
    "Impact 2",
    "Impact 3",
    "Impact 4 (urgent)",
];

/// The two forms, filled with what was loaded.
///
/// - `categories`: the site's complaint categories.
/// - `workflow`: the site's workflow.
/// - `agents`: whom categories can be routed to.
#[component]
fn SettingsForms(categories: Vec<String>, workflow: Workflow, agents: Vec<Agent>) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let read_only = Signal::stored(!editable);
    let next_key = StoredValue::new(0u32);
    let fresh_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };

    // The categories as saved: what rules and routing offer.
    let saved = RwSignal::new(categories.clone());
    let drafts = RwSignal::new(
        categories
            .iter()
            .map(|c| (fresh_key(), RwSignal::new(c.clone())))
            .collect::<Vec<_>>(),
    );
    let (categories_notice, set_categories_notice) = signal(None::<Result<String, String>>);
    let api = desk.api.clone();
    let save_categories = move |ev: SubmitEvent| {
        ev.prevent_default();
        let list: Vec<String> = drafts
            .get_untracked()
            .iter()
            .map(|(_, c)| c.get_untracked().trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        let api = api.clone();
        spawn_local(async move {
            match api.set_categories(&list).await {
                Ok(settings) => {
                    saved.set(settings.categories);
                    set_categories_notice.set(Some(Ok("Categories saved".to_owned())));
                }
                Err(e) => set_categories_notice.set(Some(Err(e.message().to_owned()))),
            }
        });
    };

    let rules = RwSignal::new(
        workflow
            .rules
            .iter()
            .map(|r| RuleDraft::new(fresh_key(), r))
            .collect::<Vec<_>>(),
    );
    let matrix = workflow.matrix.map(|row| row.map(RwSignal::new));
    let routing = RwSignal::new(workflow.routing.clone());
    let auto_assign = RwSignal::new(workflow.auto_assign);
    let auto_close = RwSignal::new(workflow.auto_close_days.to_string());
    let reopen = RwSignal::new(workflow.reopen_at_or_below.to_string());
    let (workflow_notice, set_workflow_notice) = signal(None::<Result<String, String>>);
    let api = desk.api.clone();
    let save_workflow = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(auto_close_days) = auto_close.get_untracked().trim().parse::<u16>() else {
            set_workflow_notice.set(Some(Err(
                "auto-close days is a whole number of days".to_owned()
            )));
            return;
        };
        let Ok(reopen_at_or_below) = reopen.get_untracked().trim().parse::<u8>() else {
            set_workflow_notice.set(Some(Err(
                "reopen at or below is a CSAT score, 1 to 5, or 0 for never".to_owned(),
            )));
            return;
        };
        let workflow = Workflow {
            rules: rules.get_untracked().iter().map(RuleDraft::rule).collect(),
            matrix: matrix.map(|row| row.map(|cell| cell.get_untracked())),
            routing: routing.get_untracked(),
            auto_assign: auto_assign.get_untracked(),
            auto_close_days,
            reopen_at_or_below,
        };
        let api = api.clone();
        spawn_local(async move {
            match api.set_workflow(&workflow).await {
                Ok(_) => set_workflow_notice.set(Some(Ok("Workflow saved".to_owned()))),
                Err(e) => set_workflow_notice.set(Some(Err(e.message().to_owned()))),
            }
        });
    };

    let category_options = Signal::derive(move || {
        saved
            .get()
            .into_iter()
            .map(|c| (c.clone(), c))
            .collect::<Vec<_>>()
    });
    let urgency_options = Signal::stored(
        std::iter::once((String::new(), "No change".to_owned()))
            .chain(
                Urgency::ALL
                    .into_iter()
                    .map(|u| (u.as_str().to_owned(), format::urgency(u).to_owned())),
            )
            .collect::<Vec<_>>(),
    );
    let priority_options = Signal::stored(
        Priority::ALL
            .into_iter()
            .map(|p| (p.as_str().to_owned(), p.as_str().to_owned()))
            .collect::<Vec<_>>(),
    );
    let agent_options = Signal::stored(
        std::iter::once((String::new(), "Nobody in particular".to_owned()))
            .chain(agents.iter().map(|a| (a.id.to_string(), a.email.clone())))
            .collect::<Vec<_>>(),
    );

    let matrix_rows = IMPACTS
        .into_iter()
        .enumerate()
        .map(|(impact, row_label)| {
            let cells = Urgency::ALL
                .into_iter()
                .map(|urgency| {
                    let cell = matrix[impact][urgency.index()];
                    let label = format!(
                        "Priority at impact {}, urgency {}",
                        impact + 1,
                        urgency.as_str()
                    );
                    view! {
                        <td>
                            <Choice
                                id=format!("matrix-{}-{}", impact + 1, urgency.as_str())
                                label
                                options=priority_options
                                current=Signal::derive(move || cell.get().as_str().to_owned())
                                on_pick=move |v: String| {
                                    if let Some(p) = Priority::parse(&v) {
                                        cell.set(p);
                                    }
                                }
                                disabled=read_only
                            />
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{row_label}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let urgency_headers = Urgency::ALL
        .into_iter()
        .map(|u| view! { <th scope="col">{format::urgency(u)}</th> })
        .collect_view();

    view! {
        {(!editable)
            .then(|| {
                view! { <p class="muted">"Only admins and owners change these settings."</p> }
            })}
        <form class="panel categories" on:submit=save_categories>
            <h3>"Categories"</h3>
            <ul class="category-list">
                <For each=move || drafts.get() key=|(key, _)| *key let((key, text))>
                    <li>
                        <label for=format!("category-{key}") class="visually-hidden">"Category"</label>
                        <input
                            id=format!("category-{key}")
                            type="text"
                            bind:value=text
                            disabled=read_only
                        />
                        {editable
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="remove secondary"
                                        aria-label=move || format!("Remove category {}", text.get())
                                        on:click=move |_| drafts.update(|d| d.retain(|(k, _)| *k != key))
                                    >
                                        "Remove"
                                    </button>
                                }
                            })}
                    </li>
                </For>
            </ul>
            {editable
                .then(|| {
                    view! {
                        <div class="actions">
                            <button
                                type="button"
                                class="add-category secondary"
                                on:click=move |_| {
                                    let key = fresh_key();
                                    drafts.update(|d| d.push((key, RwSignal::new(String::new()))))
                                }
                            >
                                "Add category"
                            </button>
                            <button type="submit" class="save-categories">"Save categories"</button>
                        </div>
                    }
                })}
            <Notice notice=categories_notice />
        </form>

        <form class="panel workflow" on:submit=save_workflow>
            <h3>"Keyword rules"</h3>
            <p class="hint">
                "A complaint with any of a rule's words is suggested its category and, if set, raised to its urgency."
            </p>
            {move || rules.with(Vec::is_empty).then(|| view! { <p class="empty">"No rules yet."</p> })}
            <ul class="rules">
                <For each=move || rules.get() key=|r| r.key let(rule)>
                    <li class="rule">
                        <div class="field">
                            <label for=format!("rule-{}-category", rule.key)>"Category"</label>
                            <Choice
                                id=format!("rule-{}-category", rule.key)
                                options=category_options
                                current=rule.category
                                on_pick=move |v| rule.category.set(v)
                                disabled=read_only
                            />
                        </div>
                        <div class="field keywords">
                            <label for=format!("rule-{}-keywords", rule.key)>"Keywords (comma-separated)"</label>
                            <input
                                id=format!("rule-{}-keywords", rule.key)
                                type="text"
                                bind:value=rule.keywords
                                disabled=read_only
                            />
                        </div>
                        <div class="field">
                            <label for=format!("rule-{}-urgency", rule.key)>"Urgency"</label>
                            <Choice
                                id=format!("rule-{}-urgency", rule.key)
                                options=urgency_options
                                current=rule.urgency
                                on_pick=move |v| rule.urgency.set(v)
                                disabled=read_only
                            />
                        </div>
                        {editable
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="remove secondary"
                                        on:click=move |_| rules.update(|r| r.retain(|d| d.key != rule.key))
                                    >
                                        "Remove rule"
                                    </button>
                                }
                            })}
                    </li>
                </For>
            </ul>
            {editable
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="add-rule secondary"
                            on:click=move |_| {
                                let first = saved.get_untracked().first().cloned().unwrap_or_default();
                                let draft = RuleDraft::new(
                                    fresh_key(),
                                    &KeywordRule { category: first, keywords: Vec::new(), urgency: None },
                                );
                                rules.update(|r| r.push(draft));
                            }
                        >
                            "Add rule"
                        </button>
                    }
                })}

            <h3>"Priority matrix"</h3>
            <table class="matrix">
                <caption>"Priority by the customer's impact (rows) and the urgency (columns)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Impact"</th>
                        {urgency_headers}
                    </tr>
                </thead>
                <tbody>{matrix_rows}</tbody>
            </table>

            <h3>"Routing"</h3>
            <p class="hint">"Who gets a category's new cases."</p>
            {move || {
                saved
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(i, category)| {
                        let id = format!("routing-{i}");
                        let current = {
                            let category = category.clone();
                            Signal::derive(move || {
                                routing.with(|r| r.get(&category).map(i64::to_string).unwrap_or_default())
                            })
                        };
                        let pick = category.clone();
                        view! {
                            <div class="field routing">
                                <label for=id.clone()>{category}</label>
                                <Choice
                                    id
                                    options=agent_options
                                    current
                                    on_pick=move |v: String| {
                                        routing.update(|r: &mut BTreeMap<String, i64>| match v.parse() {
                                            Ok(user) => {
                                                r.insert(pick.clone(), user);
                                            }
                                            Err(_) => {
                                                r.remove(&pick);
                                            }
                                        })
                                    }
                                    disabled=read_only
                                />
                            </div>
                        }
                    })
                    .collect_view()
            }}

            <h3>"Assigning and closing"</h3>
            <div class="field checkbox">
                <input id="auto-assign" type="checkbox" bind:checked=auto_assign disabled=read_only />
                <label for="auto-assign">"Give each new case to an agent automatically"</label>
            </div>
            <div class="field">
                <label for="auto-close-days">"Close resolved cases after (days, 1 to 365)"</label>
                <input
                    id="auto-close-days"
                    type="number"
                    bind:value=auto_close
                    disabled=read_only
                />
            </div>
            <div class="field">
                <label for="reopen-at-or-below">
                    "Reopen a case whose resolution the customer rates at or below (CSAT 1 to 5, 0 for never)"
                </label>
                <input
                    id="reopen-at-or-below"
                    type="number"
                    min="0"
                    max="5"
                    bind:value=reopen
                    disabled=read_only
                />
            </div>
            {editable.then(|| view! { <button type="submit" class="save-workflow">"Save workflow"</button> })}
            <Notice notice=workflow_notice />
        </form>
    }
}
