//! The audit log page: who changed what on the site and who signed in, newest first. The
//! collector searches the whole log by the filters (action, part of the actor, first and last
//! day) and sends the newest entries up to a limit (at most 1000); "Load more" asks for 100
//! more. Admins and owners only: the collector refuses the log to other roles, and the page
//! shows its refusal.

use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::prelude::*;
use shared::api::AuditLine;
use std::collections::BTreeSet;

/// How many entries a page of the log adds.
const STEP: u32 = 100;
/// The most the collector sends.
const MOST: u32 = 1000;

/// What the filters keep: an action (empty for any), words of the actor, and a first and last
/// day (`YYYY-MM-DD`, UTC; empty for open).
#[derive(Debug, Clone, Default, PartialEq)]
struct AuditFilter {
    action: String,
    actor: String,
    from: String,
    to: String,
}

impl AuditFilter {
    /// The query string the collector's search takes (escaped), `limit` first.
    fn query(&self, limit: u32) -> String {
        let Ok(params) = web_sys::UrlSearchParams::new() else {
            return format!("limit={limit}");
        };
        params.append("limit", &limit.to_string());
        for (name, value) in [
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.trim().is_empty() {
                params.append(name, value.trim());
            }
        }
        params.to_string().into()
    }
}

/// The audit log page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn AuditPage() -> impl IntoView {
    let desk = Desk::expect();
    let limit = RwSignal::new(STEP);
    // What the form says, and what the collector was last asked for.
    let draft = RwSignal::new(AuditFilter::default());
    let applied = RwSignal::new(AuditFilter::default());
    // Every action seen so far, for the action filter's choices.
    let seen = RwSignal::new(BTreeSet::<String>::new());
    let api = desk.api.clone();
    let log = LocalResource::new(move || {
        let (api, query) = (api.clone(), applied.with(|f| f.query(limit.get())));
        async move {
            let lines = api.audit(&query).await.map(|l| l.entries)?;
            seen.update(|s| s.extend(lines.iter().map(|l| l.action.clone())));
            Ok::<_, crate::api::ApiError>(lines)
        }
    });
    view! {
        <div class="settings audit">
            <SettingsHead title="Audit log" read_only=false />
            <p class="hint">
                "Every change to the site's settings, team and tokens, and every sign-in, with who did it. Times are UTC."
            </p>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the audit log…"</p> }
            }>
                {move || Suspend::new(async move {
                    match log.await {
                        Ok(lines) => view! { <Log lines limit draft applied seen /> }.into_any(),
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

/// The filters and the entries the collector found, and "Load more" while it has more.
///
/// - `lines`: the newest `limit` entries the filters keep, newest first.
/// - `limit`: how many were asked for; "Load more" raises it.
/// - `draft`: what the form says; "Search" makes it `applied`, which the page asks for.
/// - `seen`: every action seen so far, the action filter's choices.
#[component]
fn Log(
    lines: Vec<AuditLine>,
    limit: RwSignal<u32>,
    draft: RwSignal<AuditFilter>,
    applied: RwSignal<AuditFilter>,
    seen: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    let asked = limit.get_untracked();
    // Fewer than asked for: that is all there is.
    let more = lines.len() as u32 >= asked && asked < MOST;
    let found = lines.len();
    let filtered = applied.with_untracked(|f| *f != AuditFilter::default());
    let set = move |f: fn(&mut AuditFilter, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            draft.update(|draft| f(draft, value));
        }
    };
    let options = seen
        .get_untracked()
        .into_iter()
        .map(|action| {
            let selected = draft.with_untracked(|f| f.action == action);
            view! { <option value=action.clone() prop:selected=selected>{action.clone()}</option> }
        })
        .collect_view();
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        limit.set(STEP);
        applied.set(draft.get_untracked());
    };
    view! {
        <form class="filters audit-filters" role="search" aria-label="Search the audit log" on:submit=search>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" on:change=set(|f, v| f.action = v)>
                    <option value="">"Any action"</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="audit-actor">"Who (address or token:ID)"</label>
                <input
                    id="audit-actor"
                    type="search"
                    autocomplete="off"
                    prop:value=move || draft.with(|f| f.actor.clone())
                    on:input=set(|f, v| f.actor = v)
                />
            </div>
            <div class="field">
                <label for="audit-from">"From (UTC)"</label>
                <input
                    id="audit-from"
                    type="date"
                    prop:value=move || draft.with(|f| f.from.clone())
                    on:input=set(|f, v| f.from = v)
                />
            </div>
            <div class="field">
                <label for="audit-to">"To (UTC)"</label>
                <input
                    id="audit-to"
                    type="date"
                    prop:value=move || draft.with(|f| f.to.clone())
                    on:input=set(|f, v| f.to = v)
                />
            </div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <p class="audit-count" role="status">
            {match (more, filtered) {
                (true, false) => format!("The newest {found} entries; load more to look further back."),
                (true, true) => format!("The newest {found} entries that match; load more to look further back."),
                (false, false) => format!("{found} entries."),
                (false, true) => format!("{found} entries match."),
            }}
        </p>
        {(!lines.is_empty()).then(|| {
            let rows = lines
                .into_iter()
                .map(|line| {
                    view! {
                        <tr>
                            <td class="received">
                                <time datetime=line.at.clone()>{crate::format::received_at(&line.at)}</time>
                            </td>
                            <td class="actor">{line.actor}</td>
                            <td class="action"><code>{line.action}</code></td>
                            <td class="detail">{line.detail}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="audit">
                    <caption class="visually-hidden">"Audit log, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Time (UTC)"</th>
                            <th scope="col">"Who"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Detail"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
                .into_any()
        })}
        {found.eq(&0).then(|| view! { <p class="empty">"No entries."</p> })}
        {more
            .then(|| {
                view! {
                    <button
                        type="button"
                        class="load-more secondary"
                        on:click=move |_| limit.update(|l| *l = (*l + STEP).min(MOST))
                    >
                        "Load more"
                    </button>
                }
            })}
    }
}
