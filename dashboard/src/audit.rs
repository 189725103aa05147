//! The audit log page: who changed what on the site and who signed in, newest first. The
//! collector sends the newest entries up to a limit (at most 1000); "Load more" asks for 100
//! more, and the filters (action, actor, dates) narrow what was loaded, in the page. Admins and
//! owners only: the collector refuses the log to other roles, and the page shows its refusal.

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
    fn keeps(&self, line: &AuditLine) -> bool {
        let day = line.at.get(..10).unwrap_or(&line.at);
        (self.action.is_empty() || line.action == self.action)
            && line
                .actor
                .to_lowercase()
                .contains(self.actor.trim().to_lowercase().as_str())
            && (self.from.is_empty() || day >= self.from.as_str())
            && (self.to.is_empty() || day <= self.to.as_str())
    }
}

/// The audit log page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn AuditPage() -> impl IntoView {
    let desk = Desk::expect();
    let limit = RwSignal::new(STEP);
    let api = desk.api.clone();
    let log = LocalResource::new(move || {
        let (api, limit) = (api.clone(), limit.get());
        async move { api.audit(limit).await.map(|l| l.entries) }
    });
    let filter = RwSignal::new(AuditFilter::default());
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
                        Ok(lines) => view! { <Log lines limit filter /> }.into_any(),
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

/// The filters and the entries they keep, and "Load more" while the collector has more.
///
/// - `lines`: the newest `limit` entries, newest first.
/// - `limit`: how many were asked for; "Load more" raises it.
/// - `filter`: what the filters keep, kept while more is loaded.
#[component]
fn Log(
    lines: Vec<AuditLine>,
    limit: RwSignal<u32>,
    filter: RwSignal<AuditFilter>,
) -> impl IntoView {
    let actions: BTreeSet<String> = lines.iter().map(|l| l.action.clone()).collect();
    let asked = limit.get_untracked();
    // Fewer than asked for: that is the whole log.
    let more = lines.len() as u32 >= asked && asked < MOST;
    let loaded = lines.len();
    let lines = StoredValue::new(lines);
    let kept = move || {
        let filter = filter.get();
        lines.with_value(|all| {
            all.iter()
                .filter(|l| filter.keeps(l))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let set = move |f: fn(&mut AuditFilter, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            filter.update(|filter| f(filter, value));
        }
    };
    let options = actions
        .into_iter()
        .map(|action| {
            let selected = filter.with_untracked(|f| f.action == action);
            view! { <option value=action.clone() prop:selected=selected>{action.clone()}</option> }
        })
        .collect_view();
    view! {
        <form class="filters audit-filters" on:submit=|ev| ev.prevent_default()>
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
                    prop:value=move || filter.with(|f| f.actor.clone())
                    on:input=set(|f, v| f.actor = v)
                />
            </div>
            <div class="field">
                <label for="audit-from">"From (UTC)"</label>
                <input
                    id="audit-from"
                    type="date"
                    prop:value=move || filter.with(|f| f.from.clone())
                    on:input=set(|f, v| f.from = v)
                />
            </div>
            <div class="field">
                <label for="audit-to">"To (UTC)"</label>
                <input
                    id="audit-to"
                    type="date"
                    prop:value=move || filter.with(|f| f.to.clone())
                    on:input=set(|f, v| f.to = v)
                />
            </div>
        </form>
        <p class="audit-count" role="status">
            {move || {
                let shown = kept().len();
                if more {
                    format!("{shown} of the newest {loaded} entries; load more to look further back.")
                } else {
                    format!("{shown} of {loaded} entries.")
                }
            }}
        </p>
        {move || {
            let rows = kept();
            if rows.is_empty() {
                return view! { <p class="empty">"No entries."</p> }.into_any();
            }
            let rows = rows
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
        }}
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
