//! The notifications page: which events the signed-in user is sent by e-mail on this site, and
//! in which language (`shared::notify::NotificationPreferences`, the caller's own). An API token
//! is nobody's, so the collector refuses it, and the page shows why.

use crate::controls::{FieldError, FieldErrors, Notice};
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::i18n::LANGS;
use shared::notify::{NotificationPreferences, EMAIL_EVENTS};
use std::collections::BTreeSet;

/// An e-mailed event, for people.
fn event_label(event: &str) -> &str {
    match event {
        "complaint.hot_stove" => "A hot-stove alert (a complaint that cannot wait)",
        "sla.warning" => "An SLA target is near (my cases)",
        "sla.breached" => "An SLA target was missed",
        "escalation.raised" => "A case was escalated to me",
        "webhook.disabled" => "A webhook endpoint was switched off",
        "goal.at_risk" => "A service goal's forecast misses its target",
        "insight.digest" => "The weekly digest, Mondays (admins and owners)",
        other => other,
    }
}

/// A language by its own name.
fn language_name(lang: &str) -> &str {
    match lang {
        "en" => "English",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "pt" => "Português",
        "ja" => "日本語",
        "ar" => "العربية",
        other => other,
    }
}

/// The notifications page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn NotificationsPage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move { api.notifications().await }
    });
    view! {
        <div class="settings notifications">
            <SettingsHead title="Notifications" read_only=false />
            <p class="hint">"Your own choices on this site; e-mail goes out only where the collector has an SMTP server."</p>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading your notifications…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(preferences) => view! { <PreferencesForm preferences /> }.into_any(),
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

/// The form, filled with the preferences as loaded.
///
/// - `preferences`: the caller's preferences.
#[component]
fn PreferencesForm(preferences: NotificationPreferences) -> impl IntoView {
    let desk = Desk::expect();
    let language = RwSignal::new(preferences.language.clone());
    let chosen = RwSignal::new(preferences.email.iter().cloned().collect::<BTreeSet<_>>());
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let preferences = NotificationPreferences {
            language: language.get_untracked(),
            // In the order the events are listed, as the collector keeps them.
            email: EMAIL_EVENTS
                .iter()
                .filter(|e| chosen.with_untracked(|c| c.contains(**e)))
                .map(|e| (*e).to_owned())
                .collect(),
        };
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.set_notifications(&preferences).await {
                Ok(_) => {
                    errors.clear();
                    set_notice.set(Some(Ok("Notifications saved".to_owned())));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };
    let language_error = Signal::derive(move || errors.at("language"));
    let events_error = Signal::derive(move || errors.under("email"));
    let languages = LANGS
        .into_iter()
        .map(|lang| {
            let selected = preferences.language == lang;
            view! { <option value=lang prop:selected=selected>{language_name(lang)}</option> }
        })
        .collect_view();
    let boxes = EMAIL_EVENTS
        .into_iter()
        .map(|event| {
            let id = format!("notify-{}", event.replace('.', "-"));
            view! {
                <div class="field checkbox">
                    <input
                        id=id.clone()
                        type="checkbox"
                        prop:checked=move || chosen.with(|c| c.contains(event))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                if on {
                                    c.insert(event.to_owned());
                                } else {
                                    c.remove(event);
                                }
                            });
                        }
                    />
                    <label for=id>{event_label(event)}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="panel notification-preferences" on:submit=save>
            <fieldset class="events">
                <legend>"Send me an e-mail when"</legend>
                {boxes}
            </fieldset>
            <FieldError id="notify-events-error" message=events_error />
            <div class="field">
                <label for="notify-language">"Language of the e-mails"</label>
                <select id="notify-language" on:change=move |ev| language.set(event_target_value(&ev))>
                    {languages}
                </select>
                <FieldError id="notify-language-error" message=language_error />
            </div>
            <button type="submit" class="save-notifications" disabled=saving>
                "Save notifications"
            </button>
            <Notice notice />
        </form>
    }
}
