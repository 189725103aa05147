//! The "New site" page: a site's name and allowed origins, and its first survey; the signed-in
//! owner who makes it owns it, and the dashboard then looks at it, on the page with its snippet.
//! Only a signed-in user who owns a site may (the collector's rule); others are told so.

use crate::api::{self, ApiError};
use crate::controls::{FieldError, FieldErrors, LinesField, Notice, TextField};
use crate::route::Page;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

/// The new site page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn NewSitePage() -> impl IntoView {
    let desk = Desk::expect();
    view! {
        <div class="settings new-site">
            <a class="back" href=Page::Settings.href()>"← Settings"</a>
            <div class="page-head">
                <h2>"New site"</h2>
            </div>
            {if desk.creates_sites {
                view! { <NewSiteForm /> }.into_any()
            } else {
                view! {
                    <p class="muted">
                        "Only a signed-in owner of a site creates sites: ask one, or sign in with your own account."
                    </p>
                }
                    .into_any()
            }}
        </div>
    }
}

/// The form: name, origins, the first survey's start; each refusal next to its field.
#[component]
fn NewSiteForm() -> impl IntoView {
    let desk = Desk::expect();
    let name = RwSignal::new(String::new());
    let origins = RwSignal::new(String::new());
    let status = RwSignal::new("active".to_owned());
    // A template's slug, or empty for the default NPS question.
    let template = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let name_error = Signal::derive(move || errors.under("name"));
    let origins_error = Signal::derive(move || errors.under("origins"));
    let survey_error = Signal::derive(move || {
        let parts: Vec<String> = ["survey", "survey_status"]
            .into_iter()
            .filter_map(|p| errors.at(p))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    });
    let auth = desk.api.auth.clone();
    let created = desk.site_created;
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let lines: Vec<String> = origins
            .get_untracked()
            .lines()
            .map(|l| l.trim().to_owned())
            .collect();
        let mut body: Value = json!({
            "name": name.get_untracked(),
            "origins": lines,
            "survey_status": status.get_untracked(),
        });
        let chosen = template.get_untracked();
        if let Some(t) = shared::templates::templates()
            .into_iter()
            .find(|t| t.slug == chosen)
        {
            body["survey"] = serde_json::to_value(&t.survey).unwrap_or(Value::Null);
        }
        let auth = auth.clone();
        set_saving.set(true);
        set_notice.set(None);
        spawn_local(async move {
            match api::create_site(&auth, &body).await {
                Ok(site) => {
                    errors.clear();
                    set_notice.set(Some(Ok(format!("{} was created", site.site_name))));
                    created.run(site.site_key);
                }
                Err(e) => {
                    errors.show(&e);
                    let message = match &e {
                        ApiError::Invalid(_) => {
                            "the site was not created: see the fields".to_owned()
                        }
                        other => other.message().to_owned(),
                    };
                    set_notice.set(Some(Err(message)));
                }
            }
            set_saving.set(false);
        });
    };
    view! {
        <form class="panel new-site-form" on:submit=create aria-labelledby="new-site-title">
            <h3 id="new-site-title">"The site"</h3>
            <TextField
                id="new-site-name"
                label="Name (visitors see it in the survey's question)"
                value=name
                error=name_error
            />
            <LinesField
                id="new-site-origins"
                label="Allowed origins, one a line"
                hint="Where the site's pages are, as scheme://host[:port] (https://shop.example)."
                value=origins
                error=origins_error
            />
            <fieldset class="first-survey">
                <legend>"Its first survey"</legend>
                <div class="field">
                    <label for="new-site-template">"Survey"</label>
                    <select
                        id="new-site-template"
                        aria-describedby="new-site-template-hint"
                        on:change=move |ev| template.set(event_target_value(&ev))
                    >
                        <option value="">"An NPS question (the default)"</option>
                        {shared::templates::templates()
                            .into_iter()
                            .filter(|t| t.survey.on_pages())
                            .map(|t| view! { <option value=t.slug>{t.title}</option> })
                            .collect_view()}
                    </select>
                    <p class="hint" id="new-site-template-hint">
                        {move || {
                            let chosen = template.get();
                            shared::templates::templates()
                                .into_iter()
                                .find(|t| t.slug == chosen)
                                .map_or(
                                    "Shown once to each visitor on any page, so that the snippet works as pasted.",
                                    |t| t.description,
                                )
                        }}
                    </p>
                </div>
                <div class="field checkbox">
                    <input
                        id="new-site-paused"
                        type="checkbox"
                        prop:checked=move || status.get() == "paused"
                        on:change=move |ev| {
                            let paused = event_target_checked(&ev);
                            status.set(if paused { "paused" } else { "active" }.to_owned());
                        }
                    />
                    <label for="new-site-paused">"Start it paused (it shows once activated)"</label>
                </div>
                <FieldError id="new-site-survey-error" message=survey_error />
            </fieldset>
            <button type="submit" class="create-site" disabled=saving>"Create the site"</button>
            <Notice notice />
        </form>
    }
}
