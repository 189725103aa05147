//! The SLA policies page: for each priority, the first-response, next-response and resolution
//! targets in business minutes, the warning share, and the escalation ladder after a breach
//! (notify, reassign, raise the priority). Admins and owners change them; other roles read them.

use crate::controls::{described_by, invalid, FieldError, FieldErrors, Notice};
use crate::format;
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::case::{Agent, Priority};
use shared::sla::{
    EscalationAction, EscalationLevel, Reassignee, Recipients, SlaPolicies, SlaPolicy, SlaTarget,
    DEFAULT_WARN_AT_PERCENT,
};
use std::collections::BTreeSet;

/// The SLA policies page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SlaPoliciesPage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move {
            let policies = api.sla_policies().await?;
            // The ladder can still be read without the list of agents.
            let agents = api.agents().await.map(|a| a.agents).unwrap_or_default();
            Ok::<_, crate::api::ApiError>((policies, agents))
        }
    });
    view! {
        <div class="settings sla-policies">
            <SettingsHead title="SLA policies" read_only=!desk.role.configures() />
            <p class="hint">
                "Targets are business minutes, counted only in the site's business hours and paused while a case waits on the customer. An empty target has no clock."
            </p>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the SLA policies…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((policies, agents)) => {
                            view! { <PoliciesForm policies agents /> }.into_any()
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

/// One rung of the ladder being edited: what it does as checkboxes and a choice.
#[derive(Debug, Clone, Copy)]
struct LevelDraft {
    key: u32,
    after: RwSignal<String>,
    notify_assignee: RwSignal<bool>,
    notify_admins: RwSignal<bool>,
    notify_users: RwSignal<BTreeSet<i64>>,
    /// Empty for no reassignment, `round_robin`, or a user's id.
    reassign: RwSignal<String>,
    raise_priority: RwSignal<bool>,
}

impl LevelDraft {
    fn new(key: u32, level: &EscalationLevel) -> Self {
        let draft = Self {
            key,
            after: RwSignal::new(level.after_minutes.to_string()),
            notify_assignee: RwSignal::new(false),
            notify_admins: RwSignal::new(false),
            notify_users: RwSignal::new(BTreeSet::new()),
            reassign: RwSignal::new(String::new()),
            raise_priority: RwSignal::new(false),
        };
        for action in &level.actions {
            match action {
                EscalationAction::Notify { to } => match to {
                    Recipients::Assignee => draft.notify_assignee.set(true),
                    Recipients::Admins => draft.notify_admins.set(true),
                    Recipients::Users(ids) => draft.notify_users.update(|u| u.extend(ids)),
                },
                EscalationAction::Reassign { to } => draft.reassign.set(match to {
                    Reassignee::User(id) => id.to_string(),
                    Reassignee::RoundRobin => "round_robin".to_owned(),
                }),
                EscalationAction::RaisePriority {} => draft.raise_priority.set(true),
            }
        }
        draft
    }

    /// The level, or the path and message of what is wrong with it.
    fn level(&self, path: &str) -> Result<EscalationLevel, (String, String)> {
        let after_minutes = self.after.get_untracked().trim().parse().map_err(|_| {
            (
                format!("{path}.after_minutes"),
                "a whole number of business minutes after the breach, 0 or more".to_owned(),
            )
        })?;
        let mut actions = Vec::new();
        if self.notify_assignee.get_untracked() {
            actions.push(EscalationAction::Notify {
                to: Recipients::Assignee,
            });
        }
        if self.notify_admins.get_untracked() {
            actions.push(EscalationAction::Notify {
                to: Recipients::Admins,
            });
        }
        let users = self.notify_users.get_untracked();
        if !users.is_empty() {
            actions.push(EscalationAction::Notify {
                to: Recipients::Users(users.into_iter().collect()),
            });
        }
        match self.reassign.get_untracked().as_str() {
            "" => {}
            "round_robin" => actions.push(EscalationAction::Reassign {
                to: Reassignee::RoundRobin,
            }),
            id => {
                if let Ok(id) = id.parse() {
                    actions.push(EscalationAction::Reassign {
                        to: Reassignee::User(id),
                    });
                }
            }
        }
        if self.raise_priority.get_untracked() {
            actions.push(EscalationAction::RaisePriority {});
        }
        Ok(EscalationLevel {
            after_minutes,
            actions,
        })
    }
}

/// One priority's policy being edited.
#[derive(Debug, Clone, Copy)]
struct PolicyDraft {
    priority: Priority,
    /// Minutes as typed, by `SlaTarget::ALL`'s order; empty for no target.
    targets: [RwSignal<String>; 3],
    warn: RwSignal<String>,
    levels: RwSignal<Vec<LevelDraft>>,
}

impl PolicyDraft {
    /// The policy as typed (`index` is its place in the list sent), or the path and message of
    /// the first field that is not a number.
    fn policy(&self, index: usize) -> Result<SlaPolicy, (String, String)> {
        let path = format!("policies[{index}]");
        let mut minutes = [None; 3];
        for (i, target) in SlaTarget::ALL.into_iter().enumerate() {
            let text = self.targets[i].get_untracked();
            let text = text.trim();
            if !text.is_empty() {
                minutes[i] = Some(text.parse().map_err(|_| {
                    (
                        format!("{path}.{}", target.as_str()),
                        "a whole number of business minutes, or empty for no target".to_owned(),
                    )
                })?);
            }
        }
        let warn_at_percent = self.warn.get_untracked().trim().parse().map_err(|_| {
            (
                format!("{path}.warn_at_percent"),
                "a whole percentage, 1 to 99".to_owned(),
            )
        })?;
        let escalation = self
            .levels
            .get_untracked()
            .iter()
            .enumerate()
            .map(|(k, l)| l.level(&format!("{path}.escalation[{k}]")))
            .collect::<Result<_, _>>()?;
        Ok(SlaPolicy {
            priority: self.priority,
            first_response: minutes[0],
            next_response: minutes[1],
            resolution: minutes[2],
            warn_at_percent,
            escalation,
        })
    }
}

/// The policies of every priority, P1 first, filled with what was loaded.
///
/// - `policies`: the site's policies (a priority without one shows empty targets).
/// - `agents`: whom a level may notify or reassign to.
#[component]
fn PoliciesForm(policies: SlaPolicies, agents: Vec<Agent>) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let next_key = StoredValue::new(0u32);
    let fresh_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };
    let drafts = Priority::ALL.map(|priority| {
        let policy = policies.get(priority);
        let text = |m: Option<u32>| RwSignal::new(m.map(|m| m.to_string()).unwrap_or_default());
        PolicyDraft {
            priority,
            targets: SlaTarget::ALL.map(|t| text(policy.and_then(|p| p.minutes(t)))),
            warn: RwSignal::new(
                policy
                    .map_or(DEFAULT_WARN_AT_PERCENT, |p| p.warn_at_percent)
                    .to_string(),
            ),
            levels: RwSignal::new(
                policy
                    .map(|p| {
                        p.escalation
                            .iter()
                            .map(|l| LevelDraft::new(fresh_key(), l))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        }
    });
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let agents = StoredValue::new(agents);

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        // Every priority is sent, in order, so `policies[i]` is `Priority::ALL[i]`.
        let policies = drafts
            .iter()
            .enumerate()
            .map(|(i, d)| d.policy(i))
            .collect::<Result<Vec<_>, _>>();
        let policies = match policies {
            Ok(policies) => SlaPolicies { policies },
            Err((path, message)) => {
                set_notice.set(Some(Err(format!("{path}: {message}"))));
                errors.set_one(path, message);
                return;
            }
        };
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.set_sla_policies(&policies).await {
                Ok(_) => {
                    errors.clear();
                    set_notice.set(Some(Ok("SLA policies saved".to_owned())));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };

    let panels = drafts
        .into_iter()
        .enumerate()
        .map(|(index, draft)| {
            view! {
                <PolicyPanel
                    index
                    draft
                    agents
                    errors
                    editable
                    fresh_key=Callback::new(move |()| fresh_key())
                />
            }
        })
        .collect_view();
    view! {
        <form class="policies" on:submit=save>
            {panels}
            {editable
                .then(|| {
                    view! {
                        <button type="submit" class="save-policies" disabled=saving>
                            "Save SLA policies"
                        </button>
                    }
                })}
            <Notice notice />
        </form>
    }
}

/// A business-minutes field with what it is in hours, and the collector's word on it.
///
/// - `id`: the input's id.
/// - `label`: what it is.
/// - `value`: the minutes as typed.
/// - `error`: what is wrong with it.
/// - `read_only`: for a role that may only read.
#[component]
fn MinutesField(
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    read_only: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let as_hours = move || {
        let text = value.get();
        match text.trim() {
            "" => "no target".to_owned(),
            t => t
                .parse::<i64>()
                .map_or_else(|_| "minutes".to_owned(), format::minutes),
        }
    };
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || match error.get() {
            Some(_) => format!("{hint_id} {error_id}"),
            None => hint_id.clone(),
        }
    };
    view! {
        <div class="field minutes">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="text"
                inputmode="numeric"
                size="7"
                bind:value=value
                disabled=read_only
                aria-invalid=invalid(error)
                aria-describedby=described
            />
            <span class="hint as-hours" id=hint_id>{as_hours}</span>
            <FieldError id=error_id message=error />
        </div>
    }
}

/// One priority's targets and ladder.
///
/// - `index`: its place in the list sent, for the refusal's paths.
/// - `draft`: what is typed.
/// - `agents`: whom a level may notify or reassign to.
/// - `errors`: what the collector said.
/// - `editable`: whether the role may change it.
/// - `fresh_key`: a key for a new level.
#[component]
fn PolicyPanel(
    index: usize,
    draft: PolicyDraft,
    agents: StoredValue<Vec<Agent>>,
    errors: FieldErrors,
    editable: bool,
    fresh_key: Callback<(), u32>,
) -> impl IntoView {
    let p = draft.priority.as_str();
    let lower = p.to_lowercase();
    let path = format!("policies[{index}]");
    let at = {
        let path = path.clone();
        move |field: &str| {
            let path = format!("{path}.{field}");
            Signal::derive(move || errors.under(&path))
        }
    };
    let targets = SlaTarget::ALL
        .into_iter()
        .enumerate()
        .map(|(i, target)| {
            view! {
                <MinutesField
                    id=format!("{lower}-{}", target.as_str().replace('_', "-"))
                    label=format::sla_target(target)
                    value=draft.targets[i]
                    error=at(target.as_str())
                    read_only=!editable
                />
            }
        })
        .collect_view();
    let warn_error = at("warn_at_percent");
    let warn_id = format!("{lower}-warn");
    let priority_error = Signal::derive({
        let path = format!("{path}.priority");
        move || errors.at(&path)
    });
    let ladder_error = Signal::derive({
        let path = format!("{path}.escalation");
        move || errors.at(&path)
    });
    let levels = draft.levels;
    let indexed = move || levels.get().into_iter().enumerate().collect::<Vec<_>>();
    view! {
        <section class="panel policy" data-priority=p>
            <h3>
                <span class=format!("priority {lower}")>{p}</span>
                " targets"
            </h3>
            <FieldError id=format!("{lower}-priority-error") message=priority_error />
            <div class="targets">
                {targets}
                <div class="field">
                    <label for=warn_id.clone()>"Warn at (% of the target)"</label>
                    <input
                        id=warn_id.clone()
                        type="text"
                        inputmode="numeric"
                        size="3"
                        bind:value=draft.warn
                        disabled=!editable
                        aria-invalid=invalid(warn_error)
                        aria-describedby=described_by(format!("{warn_id}-error"), warn_error)
                    />
                    <FieldError id=format!("{warn_id}-error") message=warn_error />
                </div>
            </div>
            <h4>"Escalation after a breach"</h4>
            <FieldError id=format!("{lower}-escalation-error") message=ladder_error />
            {move || {
                levels
                    .with(Vec::is_empty)
                    .then(|| view! { <p class="empty">"No escalation: a breach is only recorded."</p> })
            }}
            <ol class="levels">
                <For
                    each=indexed
                    key=|(k, l)| (*k, l.key)
                    let((k, level))
                >
                    <LevelRow
                        priority=draft.priority
                        number=k + 1
                        path=format!("{path}.escalation[{k}]")
                        level
                        agents
                        errors
                        editable
                        on_remove=move |()| levels.update(|l| l.retain(|d| d.key != level.key))
                    />
                </For>
            </ol>
            {editable
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="add-level secondary"
                            aria-label=format!("Add level to {p}")
                            on:click=move |_| {
                                let after = levels
                                    .with_untracked(|l| l.last().map(|d| d.after.get_untracked()))
                                    .and_then(|a| a.trim().parse::<u32>().ok())
                                    .map_or(0, |a| a + 60);
                                let level = EscalationLevel {
                                    after_minutes: after,
                                    actions: vec![EscalationAction::Notify { to: Recipients::Admins }],
                                };
                                let draft = LevelDraft::new(fresh_key.run(()), &level);
                                levels.update(|l| l.push(draft));
                            }
                        >
                            "Add level"
                        </button>
                    }
                })}
        </section>
    }
}

/// One level of a ladder.
///
/// - `priority`, `number`: which, for labels.
/// - `path`: its path in a refusal (`policies[0].escalation[1]`).
/// - `level`: what is typed.
/// - `agents`: whom it may notify or reassign to.
/// - `errors`: what the collector said.
/// - `editable`: whether the role may change it.
/// - `on_remove`: takes it off the ladder.
#[component]
fn LevelRow(
    priority: Priority,
    number: usize,
    path: String,
    level: LevelDraft,
    agents: StoredValue<Vec<Agent>>,
    errors: FieldErrors,
    editable: bool,
    #[prop(into)] on_remove: Callback<()>,
) -> impl IntoView {
    let id = format!("level-{}", level.key);
    let name = format!("{} level {number}", priority.as_str());
    let after_error = Signal::derive({
        let path = format!("{path}.after_minutes");
        move || errors.at(&path)
    });
    let actions_error = Signal::derive({
        let path = format!("{path}.actions");
        move || errors.under(&path)
    });
    let checkbox = |suffix: &str, label: String, value: RwSignal<bool>| {
        let id = format!("{id}-{suffix}");
        view! {
            <div class="field checkbox">
                <input id=id.clone() type="checkbox" bind:checked=value disabled=!editable />
                <label for=id>{label}</label>
            </div>
        }
    };
    let users = agents
        .get_value()
        .into_iter()
        .map(|agent| {
            let user = agent.id;
            let box_id = format!("{id}-user-{user}");
            let checked = move || level.notify_users.with(|u| u.contains(&user));
            view! {
                <div class="field checkbox">
                    <input
                        id=box_id.clone()
                        type="checkbox"
                        prop:checked=checked
                        disabled=!editable
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            level.notify_users.update(|u| {
                                if on {
                                    u.insert(user);
                                } else {
                                    u.remove(&user);
                                }
                            });
                        }
                    />
                    <label for=box_id>{format!("Notify {}", agent.email)}</label>
                </div>
            }
        })
        .collect_view();
    let reassign_options = std::iter::once((String::new(), "Nobody else".to_owned()))
        .chain(std::iter::once((
            "round_robin".to_owned(),
            "The agent next in turn".to_owned(),
        )))
        .chain(
            agents
                .get_value()
                .into_iter()
                .map(|a| (a.id.to_string(), a.email)),
        )
        .map(|(value, label)| {
            let selected = level.reassign.get_untracked() == value;
            view! { <option value=value prop:selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <li class="level">
            <fieldset>
                <legend>{name.clone()}</legend>
                <div class="field">
                    <label for=format!("{id}-after")>"Business minutes after the breach"</label>
                    <input
                        id=format!("{id}-after")
                        class="after"
                        type="text"
                        inputmode="numeric"
                        size="7"
                        bind:value=level.after
                        disabled=!editable
                        aria-invalid=invalid(after_error)
                        aria-describedby=described_by(format!("{id}-after-error"), after_error)
                    />
                    <FieldError id=format!("{id}-after-error") message=after_error />
                </div>
                <div class="level-actions">
                    {checkbox("assignee", "Notify the assignee".to_owned(), level.notify_assignee)}
                    {checkbox("admins", "Notify the admins".to_owned(), level.notify_admins)}
                    {users}
                    <div class="field">
                        <label for=format!("{id}-reassign")>"Reassign to"</label>
                        <select
                            id=format!("{id}-reassign")
                            disabled=!editable
                            on:change=move |ev| level.reassign.set(event_target_value(&ev))
                        >
                            {reassign_options}
                        </select>
                    </div>
                    {checkbox("raise", "Raise the priority one step".to_owned(), level.raise_priority)}
                </div>
                <FieldError id=format!("{id}-actions-error") message=actions_error />
                {editable
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="remove secondary"
                                aria-label=format!("Remove {name}")
                                on:click=move |_| on_remove.run(())
                            >
                                "Remove"
                            </button>
                        }
                    })}
            </fieldset>
        </li>
    }
}
