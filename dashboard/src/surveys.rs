//! The surveys page: the site's surveys with their status and version, each to edit, duplicate,
//! activate, pause or archive; a new one, blank or from a template. Everyone reads it; admins
//! and owners change it (the collector refuses others).

use crate::api::ListedSurvey;
use crate::controls::Refusal;
use crate::route::{Page, SurveyStart};
use crate::shell::Desk;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::survey::On;
use shared::Survey;

/// The surveys page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SurveysPage() -> impl IntoView {
    let desk = Desk::expect();
    let manages = desk.role.configures();
    let api = desk.api.clone();
    let listed = RwSignal::new(None::<Result<Vec<ListedSurvey>, String>>);
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        let api = api.clone();
        spawn_local(async move {
            let result = api.surveys().await.map_err(|e| e.message().to_owned());
            listed.try_set(Some(result));
        });
    });
    let table = move || match listed.get() {
        None => view! { <p class="loading" role="status">"Loading the surveys…"</p> }.into_any(),
        Some(Ok(surveys)) => {
            view! { <SurveyTable surveys on_changed=move |()| reload.update(|n| *n += 1) /> }
                .into_any()
        }
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
    };
    view! {
        <div class="surveys">
            <div class="page-head">
                <h2>"Surveys"</h2>
                {manages
                    .then(|| {
                        view! {
                            <a class="button new-survey" href=Page::NewSurvey(SurveyStart::Blank).href()>
                                "New survey"
                            </a>
                        }
                    })}
            </div>
            <p class="hint">
                "Only active surveys reach visitors; every saved change is a new version, and each answer keeps the version it answered."
            </p>
            {table}
            {manages.then(|| view! { <Templates /> })}
        </div>
    }
}

/// What shows a survey, in a few words.
pub(crate) fn trigger_summary(survey: &Survey) -> String {
    match &survey.trigger.on {
        On::PageView => "Page view".to_owned(),
        On::Scroll { percent } => format!("Scroll past {percent} %"),
        On::ExitIntent => "Exit intent".to_owned(),
        On::Event { name } => format!("Event {name}"),
        On::Resolution => "A resolved case's status page".to_owned(),
    }
}

/// The surveys as a table.
///
/// - `surveys`: in creation order.
/// - `on_changed`: called after a status changed, to list them again.
#[component]
fn SurveyTable(
    surveys: Vec<ListedSurvey>,
    #[prop(into)] on_changed: Callback<()>,
) -> impl IntoView {
    if surveys.is_empty() {
        return view! { <p class="empty">"No surveys yet."</p> }.into_any();
    }
    let rows = surveys
        .into_iter()
        .map(|listed| view! { <SurveyRow listed on_changed /> })
        .collect_view();
    view! {
        <table class="survey-list">
            <caption class="visually-hidden">"Surveys"</caption>
            <thead>
                <tr>
                    <th scope="col">"Survey"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Shown on"</th>
                    <th scope="col">"Questions"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// One survey as a table row, with its actions.
#[component]
fn SurveyRow(listed: ListedSurvey, on_changed: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let survey = listed.survey();
    let status = listed.status.clone();
    let id = survey.id.clone();
    let name = survey.name.clone();
    let error = RwSignal::new(None::<String>);
    let (busy, set_busy) = signal(false);
    let change = {
        let api = desk.api.clone();
        let id = id.clone();
        move |to: &'static str| {
            let (api, id) = (api.clone(), id.clone());
            error.set(None);
            set_busy.set(true);
            spawn_local(async move {
                match api.set_survey_status(&id, to).await {
                    Ok(_) => on_changed.run(()),
                    Err(e) => error.set(Some(e.message().to_owned())),
                }
                set_busy.set(false);
            });
        }
    };
    let actions = desk.role.configures().then(|| {
        let status_buttons = [("active", "Activate"), ("paused", "Pause"), ("archived", "Archive")]
            .into_iter()
            // An archived survey comes back by being switched on; pausing it means nothing.
            .filter(|(to, _)| *to != status && !(status == "archived" && *to == "paused"))
            .map(|(to, label)| {
                let change = change.clone();
                view! {
                    <button
                        type="button"
                        class=format!("secondary to-{to}")
                        aria-label=format!("{label} {name}")
                        disabled=busy
                        on:click=move |_| change(to)
                    >
                        {label}
                    </button>
                }
            })
            .collect_view();
        view! {
            <a class="button secondary edit" href=Page::Survey(id.clone()).href() aria-label=format!("Edit {name}")>
                "Edit"
            </a>
            <a
                class="button secondary duplicate"
                href=Page::NewSurvey(SurveyStart::Copy(id.clone())).href()
                aria-label=format!("Duplicate {name}")
            >
                "Duplicate"
            </a>
            {status_buttons}
        }
    });
    let status_label = match listed.status.as_str() {
        "active" => "Active",
        "paused" => "Paused",
        "archived" => "Archived",
        other => other,
    }
    .to_owned();
    view! {
        <tr data-id=id.to_string()>
            <td class="name">
                <a href=Page::Survey(id.clone()).href()>{survey.name.clone()}</a>
                " "
                <code class="muted">{id.to_string()}</code>
            </td>
            <td class=format!("status status-{}", listed.status)>{status_label}</td>
            <td class="version">{survey.version}</td>
            <td class="trigger">{trigger_summary(&survey)}</td>
            <td class="count">{survey.questions.len()}</td>
            <td class="row-actions">
                {actions}
                <Refusal message=Signal::derive(move || error.get()) />
            </td>
        </tr>
    }
}

/// The templates a new survey may start from.
#[component]
fn Templates() -> impl IntoView {
    let items = shared::templates::templates()
        .into_iter()
        .map(|t| {
            let href = Page::NewSurvey(SurveyStart::Template(t.slug.to_owned())).href();
            view! {
                <li class="template" data-slug=t.slug>
                    <h4>{t.title}</h4>
                    <p>{t.description}</p>
                    <a class="button secondary" href=href aria-label=format!("Start from the template {}", t.title)>
                        "Use this template"
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel templates" aria-labelledby="templates-title">
            <h3 id="templates-title">"Start from a template"</h3>
            <ul class="template-list">{items}</ul>
        </section>
    }
}
