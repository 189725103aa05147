//! `#/inbox/new`: a complaint the team logs for a customer who called, chatted or wrote
//! elsewhere (agents and up). It goes through the same workflow as one from the widget; the
//! case opens once it is stored.

use crate::route::{go, Page};
use crate::shell::Desk;
use leptos::prelude::*;
use serde_json::json;

/// The channels the team logs from, with their labels.
const CHANNELS: [(&str, &str); 7] = [
    ("phone", "Phone"),
    ("chat", "Chat"),
    ("email", "E-mail"),
    ("in_person", "In person"),
    ("social", "Social media"),
    ("review", "Review"),
    ("other", "Other"),
];

// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn LogComplaintPage() -> impl IntoView {
    let desk = Desk::expect();
    let settings = {
        let api = desk.api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.settings().await }
        })
    };
    let (error, set_error) = signal(None::<String>);
    let (saving, set_saving) = signal(false);
    let channel = NodeRef::<leptos::html::Select>::new();
    let category = NodeRef::<leptos::html::Select>::new();
    let impact = NodeRef::<leptos::html::Select>::new();
    let description = NodeRef::<leptos::html::Textarea>::new();
    let email = NodeRef::<leptos::html::Input>::new();
    let consent = NodeRef::<leptos::html::Input>::new();
    let locale = NodeRef::<leptos::html::Input>::new();
    let source = NodeRef::<leptos::html::Input>::new();
    let on_submit = {
        let api = desk.api.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = |r: NodeRef<leptos::html::Input>| {
                r.get()
                    .map(|i| i.value().trim().to_owned())
                    .filter(|v| !v.is_empty())
            };
            let select = |r: NodeRef<leptos::html::Select>| {
                r.get().map(|s| s.value()).filter(|v| !v.is_empty())
            };
            let body = json!({
                "channel": select(channel).unwrap_or_else(|| "phone".into()),
                "description": description.get().map(|t| t.value()).unwrap_or_default(),
                "category": select(category),
                "impact": select(impact).and_then(|i| i.parse::<u8>().ok()),
                "email": text(email),
                "contact_consent": consent.get().is_some_and(|c| c.checked()),
                "locale": text(locale),
                "source_url": text(source),
            });
            let api = api.clone();
            set_saving.set(true);
            leptos::task::spawn_local(async move {
                match api.log_complaint(&body).await {
                    Ok(id) => match shared::ResponseId::parse(&id) {
                        Ok(id) => go(&Page::Case(id)),
                        Err(_) => {
                            set_error.set(Some("The collector answered without an id.".into()))
                        }
                    },
                    Err(e) => set_error.set(Some(e.message().to_owned())),
                }
                set_saving.set(false);
            });
        }
    };
    view! {
        <div class="log-complaint">
            <div class="page-head">
                <h2>"Log a complaint"</h2>
                <a class="button secondary" href=Page::Inbox.href()>"Back to the inbox"</a>
            </div>
            <p class="prompt">"For a customer who called, chatted or wrote elsewhere: it is worked like one from the widget, with the same rules and timers, and its timeline says you logged it."</p>
            <form class="score-card" aria-label="Log a complaint" on:submit=on_submit>
                <label>
                    "Channel "
                    <select name="channel" node_ref=channel>
                        {CHANNELS
                            .into_iter()
                            .map(|(c, l)| view! { <option value=c>{l}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Category "
                    <select name="category" node_ref=category>
                        <option value="">"None yet (the rules may choose)"</option>
                        {move || {
                            settings
                                .get()
                                .and_then(Result::ok)
                                .map(|s| {
                                    s.categories
                                        .into_iter()
                                        .map(|c| view! { <option value=c.clone()>{c.clone()}</option> })
                                        .collect_view()
                                })
                        }}
                    </select>
                </label>
                <label>
                    "Impact "
                    <select name="impact" node_ref=impact>
                        <option value="">"Not said"</option>
                        <option value="1">"1 · a little"</option>
                        <option value="2">"2 · somewhat"</option>
                        <option value="3">"3 · a lot"</option>
                        <option value="4">"4 · urgent"</option>
                    </select>
                </label>
                <label class="wide">
                    "What the customer said "
                    <textarea name="description" required maxlength="5000" rows="5" node_ref=description></textarea>
                </label>
                <label>"Customer's e-mail " <input name="email" type="email" maxlength="320" node_ref=email /></label>
                <label>
                    <input name="contact_consent" type="checkbox" node_ref=consent />
                    " The customer agreed to be contacted about it"
                </label>
                <label>"Customer's language " <input name="locale" placeholder="en, de-CH…" maxlength="35" node_ref=locale /></label>
                <label>"Where it came from (a link) " <input name="source_url" type="url" maxlength="2000" node_ref=source /></label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" disabled=saving>"Log the complaint"</button>
            </form>
        </div>
    }
}
