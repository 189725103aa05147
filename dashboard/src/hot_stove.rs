//! The hot-stove rules page: complaints that cannot wait ("charged twice", "the site is down")
//! are made P1 and alerted at once. A rule matches when every condition it sets holds: any of
//! its phrases, a category, a minimum impact, a spike of its category. Admins and owners change
//! them; other roles read them.

use crate::controls::{described_by, invalid, Choice, FieldError, FieldErrors, Notice};
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::case::{HotStoveRule, HotStoveRules, Spike};

/// The hot-stove rules page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn HotStovePage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move {
            let rules = api.hot_stove().await?;
            let categories = api.settings().await?.categories;
            Ok::<_, crate::api::ApiError>((rules, categories))
        }
    });
    view! {
        <div class="settings hot-stove">
            <SettingsHead title="Hot-stove rules" read_only=!desk.role.configures() />
            <p class="hint">
                "A new complaint that meets every condition a rule sets is made P1, marked hot, and the team is alerted at once. Rules are tried in order; the first that matches names the alert."
            </p>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the hot-stove rules…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((rules, categories)) => {
                            view! { <RulesForm rules categories /> }.into_any()
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

/// One rule being edited, as typed.
#[derive(Debug, Clone, Copy)]
struct RuleDraft {
    key: u32,
    name: RwSignal<String>,
    /// One phrase a line.
    phrases: RwSignal<String>,
    /// A category, or empty for any.
    category: RwSignal<String>,
    /// `1`–`4`, or empty for any.
    min_impact: RwSignal<String>,
    spike_count: RwSignal<String>,
    spike_minutes: RwSignal<String>,
}

impl RuleDraft {
    fn new(key: u32, rule: &HotStoveRule) -> Self {
        let text = |n: Option<u32>| RwSignal::new(n.map(|n| n.to_string()).unwrap_or_default());
        Self {
            key,
            name: RwSignal::new(rule.name.clone()),
            phrases: RwSignal::new(rule.phrases.join("\n")),
            category: RwSignal::new(rule.category.clone().unwrap_or_default()),
            min_impact: RwSignal::new(rule.min_impact.map(|i| i.to_string()).unwrap_or_default()),
            spike_count: text(rule.spike.map(|s| s.count)),
            spike_minutes: text(rule.spike.map(|s| s.minutes)),
        }
    }

    /// The rule as typed, or the path and message of a spike that is half set or not numbers.
    fn rule(&self, index: usize) -> Result<HotStoveRule, (String, String)> {
        let count = self.spike_count.get_untracked();
        let minutes = self.spike_minutes.get_untracked();
        let spike = match (count.trim(), minutes.trim()) {
            ("", "") => None,
            (count, minutes) => match (count.parse(), minutes.parse()) {
                (Ok(count), Ok(minutes)) => Some(Spike { count, minutes }),
                _ => {
                    return Err((
                        format!("rules[{index}].spike"),
                        "a spike is a whole number of complaints within a whole number of minutes, or both empty".to_owned(),
                    ))
                }
            },
        };
        let category = self.category.get_untracked();
        Ok(HotStoveRule {
            name: self.name.get_untracked().trim().to_owned(),
            phrases: self
                .phrases
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            category: (!category.is_empty()).then_some(category),
            min_impact: self.min_impact.get_untracked().parse().ok(),
            spike,
        })
    }
}

/// The rules, filled with what was loaded.
///
/// - `rules`: the site's rules.
/// - `categories`: the site's complaint categories, for a rule's category.
#[component]
fn RulesForm(rules: HotStoveRules, categories: Vec<String>) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let next_key = StoredValue::new(0u32);
    let fresh_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };
    let drafts = RwSignal::new(
        rules
            .rules
            .iter()
            .map(|r| RuleDraft::new(fresh_key(), r))
            .collect::<Vec<_>>(),
    );
    // The rules' keys in the order last sent, so that `rules[1]` in a refusal finds its rule.
    let sent = RwSignal::new(Vec::<u32>::new());
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let category_options = Signal::stored(
        std::iter::once((String::new(), "Any category".to_owned()))
            .chain(categories.into_iter().map(|c| (c.clone(), c)))
            .collect::<Vec<_>>(),
    );
    let impact_options = Signal::stored(
        std::iter::once((String::new(), "Any impact".to_owned()))
            .chain((1..=4).map(|i| (i.to_string(), format!("{i} or more"))))
            .collect::<Vec<_>>(),
    );

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let all = drafts.get_untracked();
        sent.set(all.iter().map(|d| d.key).collect());
        let rules = all
            .iter()
            .enumerate()
            .map(|(i, d)| d.rule(i))
            .collect::<Result<Vec<_>, _>>();
        let rules = match rules {
            Ok(rules) => HotStoveRules { rules },
            Err((path, message)) => {
                set_notice.set(Some(Err(format!("{path}: {message}"))));
                errors.set_one(path, message);
                return;
            }
        };
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.set_hot_stove(&rules).await {
                Ok(_) => {
                    errors.clear();
                    set_notice.set(Some(Ok("Hot-stove rules saved".to_owned())));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };

    view! {
        <form class="hot-stove-rules" on:submit=save>
            {move || drafts.with(Vec::is_empty).then(|| view! { <p class="empty">"No rules: no complaint is hot."</p> })}
            <For each=move || drafts.get() key=|d| d.key let(rule)>
                {
                    let key = rule.key;
                    let path = move || {
                        sent.with(|s| s.iter().position(|k| *k == key))
                            .map(|i| format!("rules[{i}]"))
                    };
                    let under = move |field: &'static str| {
                        Signal::derive(move || path().and_then(|p| errors.under(&format!("{p}.{field}"))))
                    };
                    let rule_error = Signal::derive(move || path().and_then(|p| errors.at(&p)));
                    let (name_error, phrases_error, category_error, impact_error, spike_error) = (
                        under("name"),
                        under("phrases"),
                        under("category"),
                        under("min_impact"),
                        under("spike"),
                    );
                    let id = format!("hot-{key}");
                    let title = move || {
                        let name = rule.name.get();
                        if name.trim().is_empty() { "New rule".to_owned() } else { name }
                    };
                    view! {
                        <section class="panel hot-rule" data-key=key>
                            <h3>{title}</h3>
                            <FieldError id=format!("{id}-error") message=rule_error />
                            <div class="field">
                                <label for=format!("{id}-name")>"Name (said in the alert)"</label>
                                <input
                                    id=format!("{id}-name")
                                    type="text"
                                    bind:value=rule.name
                                    disabled=!editable
                                    aria-invalid=invalid(name_error)
                                    aria-describedby=described_by(format!("{id}-name-error"), name_error)
                                />
                                <FieldError id=format!("{id}-name-error") message=name_error />
                            </div>
                            <div class="field">
                                <label for=format!("{id}-phrases")>"Phrases (one a line, any of them)"</label>
                                <textarea
                                    id=format!("{id}-phrases")
                                    rows="4"
                                    bind:value=rule.phrases
                                    disabled=!editable
                                    aria-invalid=invalid(phrases_error)
                                    aria-describedby=described_by(format!("{id}-phrases-error"), phrases_error)
                                ></textarea>
                                <FieldError id=format!("{id}-phrases-error") message=phrases_error />
                            </div>
                            <div class="conditions">
                                <div class="field">
                                    <label for=format!("{id}-category")>"Category"</label>
                                    <Choice
                                        id=format!("{id}-category")
                                        options=category_options
                                        current=rule.category
                                        on_pick=move |v| rule.category.set(v)
                                        disabled=Signal::stored(!editable)
                                    />
                                    <FieldError id=format!("{id}-category-error") message=category_error />
                                </div>
                                <div class="field">
                                    <label for=format!("{id}-impact")>"Customer's impact"</label>
                                    <Choice
                                        id=format!("{id}-impact")
                                        options=impact_options
                                        current=rule.min_impact
                                        on_pick=move |v| rule.min_impact.set(v)
                                        disabled=Signal::stored(!editable)
                                    />
                                    <FieldError id=format!("{id}-impact-error") message=impact_error />
                                </div>
                                <fieldset class="spike">
                                    <legend>"Spike of the category (optional)"</legend>
                                    <div class="field">
                                        <label for=format!("{id}-spike-count")>"Complaints"</label>
                                        <input
                                            id=format!("{id}-spike-count")
                                            type="text"
                                            inputmode="numeric"
                                            size="5"
                                            bind:value=rule.spike_count
                                            disabled=!editable
                                            aria-invalid=invalid(spike_error)
                                            aria-describedby=described_by(format!("{id}-spike-error"), spike_error)
                                        />
                                    </div>
                                    <div class="field">
                                        <label for=format!("{id}-spike-minutes")>"Within minutes"</label>
                                        <input
                                            id=format!("{id}-spike-minutes")
                                            type="text"
                                            inputmode="numeric"
                                            size="5"
                                            bind:value=rule.spike_minutes
                                            disabled=!editable
                                            aria-invalid=invalid(spike_error)
                                            aria-describedby=described_by(format!("{id}-spike-error"), spike_error)
                                        />
                                    </div>
                                    <FieldError id=format!("{id}-spike-error") message=spike_error />
                                </fieldset>
                            </div>
                            {editable
                                .then(|| {
                                    view! {
                                        <button
                                            type="button"
                                            class="remove secondary"
                                            aria-label=move || format!("Remove rule {}", title())
                                            on:click=move |_| drafts.update(|d| d.retain(|r| r.key != key))
                                        >
                                            "Remove rule"
                                        </button>
                                    }
                                })}
                        </section>
                    }
                }
            </For>
            {editable
                .then(|| {
                    view! {
                        <div class="actions">
                            <button
                                type="button"
                                class="add-hot-rule secondary"
                                on:click=move |_| {
                                    let rule = HotStoveRule {
                                        name: String::new(),
                                        phrases: Vec::new(),
                                        category: None,
                                        min_impact: None,
                                        spike: None,
                                    };
                                    let draft = RuleDraft::new(fresh_key(), &rule);
                                    drafts.update(|d| d.push(draft));
                                }
                            >
                                "Add rule"
                            </button>
                            <button type="submit" class="save-hot-stove" disabled=saving>
                                "Save hot-stove rules"
                            </button>
                        </div>
                    }
                })}
            <Notice notice />
        </form>
    }
}
