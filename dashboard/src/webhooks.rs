//! The webhooks page: the site's endpoints (their events, whether they are on, whether they
//! fail), a new one with its signing secret shown once, and an endpoint's delivery log with each
//! attempt and a way to send a delivery again. Admins and owners only: the collector refuses
//! the list to other roles, and the page shows its refusal.

use crate::api::{Delivery, SiteApi, Webhook};
use crate::controls::Notice;
use crate::format;
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;

/// The event types an endpoint can take, as the collector's `notify::webhook::EVENT_TYPES`
/// and README's catalogue name them.
const EVENT_TYPES: [&str; 9] = [
    "complaint.created",
    "complaint.hot_stove",
    "complaint.status_changed",
    "complaint.replied",
    "sla.warning",
    "sla.breached",
    "escalation.raised",
    "resolution.rated",
    "response.created",
];

/// The webhooks page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn WebhooksPage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let list = LocalResource::new(move || {
        let api = api.clone();
        async move { api.webhooks().await.map(|l| l.webhooks) }
    });
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    // The endpoint whose delivery log shows.
    let log_of = RwSignal::new(None::<Webhook>);
    let editable = desk.role.configures();
    view! {
        <div class="settings webhooks">
            <SettingsHead title="Webhooks" read_only=!editable />
            <p class="hint">
                "Each event is POSTed by the Standard Webhooks specification, signed with the endpoint's secret; a delivery that fails is tried again for about a day."
            </p>
            {editable
                .then(|| {
                    view! {
                        <NewEndpoint api=desk.api.clone() on_added=move |()| list.refetch() />
                    }
                })}
            <Notice notice />
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the webhooks…"</p> }
            }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(endpoints) => {
                            view! {
                                <Endpoints
                                    endpoints
                                    log_of
                                    set_notice
                                    on_changed=move |()| list.refetch()
                                />
                            }
                                .into_any()
                        }
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
            {move || log_of.get().map(|endpoint| view! { <DeliveryLog endpoint /> })}
        </div>
    }
}

/// The form that adds an endpoint, and the new endpoint's secret, shown once.
///
/// - `api`: the site's API.
/// - `on_added`: called once an endpoint was made, to list it.
#[component]
fn NewEndpoint(api: SiteApi, #[prop(into)] on_added: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(BTreeSet::<&'static str>::new());
    let (error, set_error) = signal(None::<String>);
    let (created, set_created) = signal(None::<(String, String)>);
    let (adding, set_adding) = signal(false);
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = url.get_untracked().trim().to_owned();
        if address.is_empty() {
            set_error.set(Some("enter the endpoint's URL".to_owned()));
            return;
        }
        let chosen: Vec<String> = events
            .get_untracked()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let api = api.clone();
        set_adding.set(true);
        set_error.set(None);
        spawn_local(async move {
            let only = (!chosen.is_empty()).then_some(chosen.as_slice());
            match api.create_webhook(&address, only).await {
                Ok(endpoint) => {
                    url.set(String::new());
                    events.set(BTreeSet::new());
                    set_created.set(Some((endpoint.url, endpoint.secret.unwrap_or_default())));
                    on_added.run(());
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_adding.set(false);
        });
    };
    let boxes = EVENT_TYPES
        .into_iter()
        .map(|event| {
            let id = format!("new-webhook-{}", event.replace('.', "-"));
            view! {
                <div class="field checkbox">
                    <input
                        id=id.clone()
                        type="checkbox"
                        prop:checked=move || events.with(|e| e.contains(event))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            events.update(|e| {
                                if on {
                                    e.insert(event);
                                } else {
                                    e.remove(event);
                                }
                            });
                        }
                    />
                    <label for=id><code>{event}</code></label>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="panel new-webhook" on:submit=add>
            <h3>"Add an endpoint"</h3>
            <div class="field">
                <label for="new-webhook-url">"URL (https://…)"</label>
                <input
                    id="new-webhook-url"
                    type="url"
                    spellcheck="false"
                    autocomplete="off"
                    bind:value=url
                />
            </div>
            <fieldset class="events">
                <legend>"Events (none chosen: every event)"</legend>
                {boxes}
            </fieldset>
            <button type="submit" class="add-webhook" disabled=adding>"Add endpoint"</button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || {
                created
                    .get()
                    .map(|(url, secret)| {
                        view! {
                            <div class="secret" role="status">
                                <p>
                                    "Added " <strong>{url}</strong>
                                    ". Its signing secret is shown only this once: copy it now (select it, then Ctrl+C or ⌘C) into the receiver's configuration."
                                </p>
                                <label for="webhook-secret">"Signing secret"</label>
                                <input
                                    id="webhook-secret"
                                    type="text"
                                    readonly
                                    spellcheck="false"
                                    prop:value=secret
                                    on:focus=move |ev| {
                                        use wasm_bindgen::JsCast;
                                        if let Some(input) = ev
                                            .target()
                                            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                                        {
                                            input.select();
                                        }
                                    }
                                />
                                <button
                                    type="button"
                                    class="secret-done secondary"
                                    on:click=move |_| set_created.set(None)
                                >
                                    "I have copied it"
                                </button>
                            </div>
                        }
                    })
            }}
        </form>
    }
}

/// The endpoints, each with its state and what can be done to it.
///
/// - `endpoints`: as listed.
/// - `log_of`: the endpoint whose delivery log shows.
/// - `set_notice`: where to say what an action did.
/// - `on_changed`: called after a change, to list them again.
#[component]
fn Endpoints(
    endpoints: Vec<Webhook>,
    log_of: RwSignal<Option<Webhook>>,
    set_notice: WriteSignal<Option<Result<String, String>>>,
    #[prop(into)] on_changed: Callback<()>,
) -> impl IntoView {
    let desk = Desk::expect();
    if endpoints.is_empty() {
        return view! { <p class="empty">"No endpoints yet."</p> }.into_any();
    }
    let rows = endpoints
        .into_iter()
        .map(|endpoint| {
            view! { <EndpointRow api=desk.api.clone() endpoint log_of set_notice on_changed /> }
        })
        .collect_view();
    view! {
        <table class="webhooks">
            <caption class="visually-hidden">"Webhook endpoints"</caption>
            <thead>
                <tr>
                    <th scope="col">"URL"</th>
                    <th scope="col">"Events"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Added (UTC)"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// One endpoint as a table row.
#[component]
fn EndpointRow(
    api: SiteApi,
    endpoint: Webhook,
    log_of: RwSignal<Option<Webhook>>,
    set_notice: WriteSignal<Option<Result<String, String>>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let id = endpoint.id;
    let (busy, set_busy) = signal(false);
    let (confirming, set_confirming) = signal(false);
    let state = match (endpoint.enabled, endpoint.failures) {
        (false, _) => match &endpoint.disabled_reason {
            Some(reason) => format!("Off: {reason}"),
            None => "Off".to_owned(),
        },
        (true, 0) => "On".to_owned(),
        (true, 1) => "On, failing: the last delivery failed".to_owned(),
        (true, n) => format!("On, failing: {n} deliveries in a row failed"),
    };
    let state_class = match (endpoint.enabled, endpoint.failures) {
        (false, _) => "badge webhook-state off",
        (true, 0) => "badge webhook-state on",
        (true, _) => "badge webhook-state failing",
    };
    let events = endpoint
        .events
        .as_ref()
        .map_or_else(|| "Every event".to_owned(), |e| e.join(", "));
    let run = {
        let api = api.clone();
        move |what: &'static str| {
            let api = api.clone();
            set_busy.set(true);
            spawn_local(async move {
                let done = match what {
                    "enable" => api
                        .set_webhook_enabled(id, true)
                        .await
                        .map(|()| "switched on"),
                    "disable" => api
                        .set_webhook_enabled(id, false)
                        .await
                        .map(|()| "switched off"),
                    _ => api.delete_webhook(id).await.map(|()| "deleted"),
                };
                match done {
                    Ok(done) => {
                        if what == "delete"
                            && log_of.with_untracked(|l| l.as_ref().is_some_and(|l| l.id == id))
                        {
                            log_of.set(None);
                        }
                        set_notice.set(Some(Ok(format!("Endpoint {done}"))));
                        on_changed.run(());
                    }
                    Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
                }
                set_busy.set(false);
            });
        }
    };
    let toggle = {
        let run = run.clone();
        let enabled = endpoint.enabled;
        move |_| run(if enabled { "disable" } else { "enable" })
    };
    let url = endpoint.url.clone();
    let shown = endpoint.clone();
    view! {
        <tr data-id=id.to_string()>
            <td class="url">{endpoint.url.clone()}</td>
            <td class="events">{events}</td>
            <td><span class=state_class>{state}</span></td>
            <td class="received">{format::received_at(&endpoint.created_at)}</td>
            <td>
                <div class="row-actions">
                    <button
                        type="button"
                        class="deliveries secondary"
                        aria-label=format!("Deliveries to {url}")
                        on:click=move |_| log_of.set(Some(shown.clone()))
                    >
                        "Deliveries"
                    </button>
                    <button
                        type="button"
                        class="toggle secondary"
                        disabled=busy
                        aria-label=format!("{} {url}", if endpoint.enabled { "Switch off" } else { "Switch on" })
                        on:click=toggle
                    >
                        {if endpoint.enabled { "Switch off" } else { "Switch on" }}
                    </button>
                    {move || {
                        let run = run.clone();
                        if confirming.get() {
                            view! {
                                <button
                                    type="button"
                                    class="confirm-delete"
                                    disabled=busy
                                    on:click=move |_| run("delete")
                                >
                                    "Really delete"
                                </button>
                                <button
                                    type="button"
                                    class="secondary"
                                    on:click=move |_| set_confirming.set(false)
                                >
                                    "Keep"
                                </button>
                            }
                                .into_any()
                        } else {
                            view! {
                                <button
                                    type="button"
                                    class="delete secondary"
                                    on:click=move |_| set_confirming.set(true)
                                >
                                    "Delete"
                                </button>
                            }
                                .into_any()
                        }
                    }}
                </div>
            </td>
        </tr>
    }
}

/// An endpoint's last deliveries, newest first, each with its attempts, and redelivery.
///
/// - `endpoint`: whose log.
#[component]
fn DeliveryLog(endpoint: Webhook) -> impl IntoView {
    let desk = Desk::expect();
    let id = endpoint.id;
    let api = desk.api.clone();
    let log = LocalResource::new(move || {
        let api = api.clone();
        async move { api.deliveries(id).await.map(|l| l.deliveries) }
    });
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let api = desk.api.clone();
    view! {
        <section class="panel delivery-log" aria-labelledby="delivery-log-title">
            <div class="page-head">
                <h3 id="delivery-log-title">"Deliveries to " {endpoint.url.clone()}</h3>
                <button type="button" class="refresh secondary" on:click=move |_| log.refetch()>
                    "Refresh"
                </button>
            </div>
            <Notice notice />
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the deliveries…"</p> }>
                {move || {
                    let api = api.clone();
                    Suspend::new(async move {
                        match log.await {
                            Ok(deliveries) if deliveries.is_empty() => {
                                view! { <p class="empty">"Nothing delivered yet."</p> }.into_any()
                            }
                            Ok(deliveries) => {
                                let items = deliveries
                                    .into_iter()
                                    .map(|delivery| {
                                        view! {
                                            <DeliveryItem
                                                api=api.clone()
                                                endpoint=id
                                                delivery
                                                set_notice
                                                on_redelivered=move |()| log.refetch()
                                            />
                                        }
                                    })
                                    .collect_view();
                                view! { <ol class="deliveries">{items}</ol> }.into_any()
                            }
                            Err(e) => {
                                let message = e.message().to_owned();
                                view! { <p class="error" role="alert">{message}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// How a delivery stands, for people.
fn delivery_status(status: &str) -> &str {
    match status {
        "delivered" => "Delivered",
        "pending" => "Pending",
        "failed" => "Failed",
        other => other,
    }
}

/// One delivery with its attempts.
#[component]
fn DeliveryItem(
    api: SiteApi,
    endpoint: i64,
    delivery: Delivery,
    set_notice: WriteSignal<Option<Result<String, String>>>,
    #[prop(into)] on_redelivered: Callback<()>,
) -> impl IntoView {
    let (busy, set_busy) = signal(false);
    let id = delivery.id;
    let redeliver = move |_| {
        let api = api.clone();
        set_busy.set(true);
        spawn_local(async move {
            match api.redeliver(endpoint, id).await {
                Ok(()) => {
                    set_notice.set(Some(Ok("Sent again".to_owned())));
                    on_redelivered.run(());
                }
                Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
            }
            set_busy.set(false);
        });
    };
    let attempts = if delivery.attempts.is_empty() {
        view! { <p class="muted">"Not tried yet."</p> }.into_any()
    } else {
        let rows = delivery
            .attempts
            .iter()
            .map(|a| {
                let status = a
                    .status
                    .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
                let latency = a
                    .latency_ms
                    .map_or_else(|| "—".to_owned(), |ms| format!("{ms} ms"));
                view! {
                    <tr>
                        <td class="received">
                            <time datetime=a.at.clone()>{format::received_at(&a.at)}</time>
                        </td>
                        <td class="status">{status}</td>
                        <td class="latency">{latency}</td>
                        <td class="error-text">{a.error.clone().unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="attempts">
                <caption class="visually-hidden">{format!("Attempts of delivery {id}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Latency"</th>
                        <th scope="col">"Error"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let next = delivery
        .next_at
        .as_deref()
        .map(|at| format!(", next try {} UTC", format::received_at(at)));
    view! {
        <li class="delivery" data-id=id.to_string()>
            <div class="delivery-head">
                <code>{delivery.kind.clone()}</code>
                <span class=format!("badge delivery-status {}", delivery.status)>
                    {delivery_status(&delivery.status).to_owned()}
                </span>
                <span class="muted">
                    {format!("{} UTC", format::received_at(&delivery.created_at))}
                    {next}
                    ", " {delivery.event_id.clone()}
                </span>
                <button
                    type="button"
                    class="redeliver secondary"
                    disabled=busy
                    aria-label=format!("Redeliver {}", delivery.event_id)
                    on:click=redeliver
                >
                    "Redeliver"
                </button>
            </div>
            {attempts}
        </li>
    }
}
