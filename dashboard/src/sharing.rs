//! The "Sharing and e-mail in" page: the site's share destinations (where agents share a case, a
//! problem or a topic: an e-mail address, the `feedback.shared` webhook event, or both), and the
//! address at which the site takes complaints by e-mail. Admins and owners change them; other
//! roles read them.

use crate::api::{ApiError, Destination, Destinations};
use crate::controls::{described_by, invalid, FieldError, FieldErrors, Notice};
use crate::settings::SettingsHead;
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The most destinations a site has (the collector's limit).
const MAX_DESTINATIONS: usize = 20;

/// The sharing and e-mail in page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SharingPage() -> impl IntoView {
    let desk = Desk::expect();
    let api = desk.api.clone();
    let loaded = LocalResource::new(move || {
        let api = api.clone();
        async move {
            let destinations = api.share_destinations().await?.destinations;
            let intake = api.mail_intake().await?.address;
            Ok::<_, ApiError>((destinations, intake))
        }
    });
    view! {
        <div class="settings sharing">
            <SettingsHead title="Sharing and e-mail in" read_only=!desk.role.configures() />
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the sharing settings…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((destinations, intake)) => {
                            view! {
                                <DestinationsForm destinations />
                                <IntakeForm address=intake />
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
        </div>
    }
}

/// One destination being edited, as typed.
#[derive(Debug, Clone, Copy)]
struct DestinationDraft {
    key: u32,
    name: RwSignal<String>,
    /// Empty for none.
    email: RwSignal<String>,
    webhook: RwSignal<bool>,
}

impl DestinationDraft {
    fn new(key: u32, destination: &Destination) -> Self {
        Self {
            key,
            name: RwSignal::new(destination.name.clone()),
            email: RwSignal::new(destination.email.clone().unwrap_or_default()),
            webhook: RwSignal::new(destination.webhook),
        }
    }

    /// The destination as typed, trimmed (the collector matches a share's name exactly).
    fn destination(&self) -> Destination {
        let email = self.email.get_untracked().trim().to_owned();
        Destination {
            name: self.name.get_untracked().trim().to_owned(),
            email: (!email.is_empty()).then_some(email),
            webhook: self.webhook.get_untracked(),
        }
    }
}

/// The share destinations, filled with what was loaded, each with its name, address and
/// webhook choice; a refused save shows what is wrong next to each field.
///
/// - `destinations`: the site's.
#[component]
fn DestinationsForm(destinations: Vec<Destination>) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let next_key = StoredValue::new(0u32);
    let fresh_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };
    let drafts = RwSignal::new(
        destinations
            .iter()
            .map(|d| DestinationDraft::new(fresh_key(), d))
            .collect::<Vec<_>>(),
    );
    // The drafts' keys in the order last sent, so that `destinations[1]` in a refusal finds its
    // destination even after one before it was removed.
    let sent = RwSignal::new(Vec::<u32>::new());
    let errors = FieldErrors::new();
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);

    let api = desk.api.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let all = drafts.get_untracked();
        sent.set(all.iter().map(|d| d.key).collect());
        let body = Destinations {
            destinations: all.iter().map(DestinationDraft::destination).collect(),
        };
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.set_share_destinations(&body).await {
                Ok(_) => {
                    errors.clear();
                    set_notice.set(Some(Ok("Share destinations saved".to_owned())));
                }
                Err(e) => {
                    errors.show(&e);
                    set_notice.set(Some(Err(e.message().to_owned())));
                }
            }
            set_saving.set(false);
        });
    };
    let add = move |_| {
        let blank = Destination {
            name: String::new(),
            email: None,
            webhook: false,
        };
        let draft = DestinationDraft::new(fresh_key(), &blank);
        drafts.update(|d| d.push(draft));
    };
    let full = move || drafts.with(|d| d.len() >= MAX_DESTINATIONS);
    let list_error = Signal::derive(move || errors.at("destinations"));

    view! {
        <form class="panel share-destinations" on:submit=save aria-labelledby="share-destinations-title">
            <h3 id="share-destinations-title">"Share destinations"</h3>
            <p class="hint">
                "Agents share a case, a problem or a topic with one of these, with a note: it is mailed to the address, delivered as the feedback.shared webhook event, or both. At most 20."
            </p>
            <FieldError id="share-destinations-error" message=list_error />
            {move || {
                drafts
                    .with(Vec::is_empty)
                    .then(|| view! { <p class="empty">"No destinations yet: nothing can be shared."</p> })
            }}
            <For each=move || drafts.get() key=|d| d.key let(draft)>
                <DestinationFields draft drafts sent errors editable />
            </For>
            {editable
                .then(|| {
                    view! {
                        <div class="actions">
                            <button
                                type="button"
                                class="add-destination secondary"
                                disabled=full
                                on:click=add
                            >
                                "Add a destination"
                            </button>
                            <button type="submit" class="save-destinations" disabled=saving>
                                "Save destinations"
                            </button>
                        </div>
                    }
                })}
            <Notice notice />
        </form>
    }
}

/// One destination's fields, each with what the collector said about it at the last save.
///
/// - `draft`: the destination as typed.
/// - `drafts`: every destination, to remove this one from.
/// - `sent`: the drafts' keys in the order last sent, which a refusal's paths count in.
/// - `errors`: what the last save's refusal said.
/// - `editable`: whether the signed-in role may change it.
#[component]
fn DestinationFields(
    draft: DestinationDraft,
    drafts: RwSignal<Vec<DestinationDraft>>,
    sent: RwSignal<Vec<u32>>,
    errors: FieldErrors,
    editable: bool,
) -> impl IntoView {
    let key = draft.key;
    let path = move || {
        sent.with(|s| s.iter().position(|k| *k == key))
            .map(|i| format!("destinations[{i}]"))
    };
    let under = move |field: &'static str| {
        Signal::derive(move || path().and_then(|p| errors.under(&format!("{p}.{field}"))))
    };
    let (name_error, email_error, webhook_error) =
        (under("name"), under("email"), under("webhook"));
    let whole_error = Signal::derive(move || path().and_then(|p| errors.at(&p)));
    let id = format!("destination-{key}");
    let title = move || {
        let name = draft.name.get();
        if name.trim().is_empty() {
            "New destination".to_owned()
        } else {
            name
        }
    };
    view! {
        <fieldset class="destination" data-key=key>
            <legend>{title}</legend>
            <FieldError id=format!("{id}-error") message=whole_error />
            <div class="field">
                <label for=format!("{id}-name")>"Name (what agents pick)"</label>
                <input
                    id=format!("{id}-name")
                    class="destination-name"
                    type="text"
                    maxlength="60"
                    bind:value=draft.name
                    disabled=!editable
                    aria-invalid=invalid(name_error)
                    aria-describedby=described_by(format!("{id}-name-error"), name_error)
                />
                <FieldError id=format!("{id}-name-error") message=name_error />
            </div>
            <div class="field">
                <label for=format!("{id}-email")>"E-mail address (optional with the webhook)"</label>
                <input
                    id=format!("{id}-email")
                    class="destination-email"
                    type="email"
                    spellcheck="false"
                    autocomplete="off"
                    bind:value=draft.email
                    disabled=!editable
                    aria-invalid=invalid(email_error)
                    aria-describedby=described_by(format!("{id}-email-error"), email_error)
                />
                <FieldError id=format!("{id}-email-error") message=email_error />
            </div>
            <div class="field checkbox">
                <input
                    id=format!("{id}-webhook")
                    class="destination-webhook"
                    type="checkbox"
                    bind:checked=draft.webhook
                    disabled=!editable
                    aria-invalid=invalid(webhook_error)
                    aria-describedby=described_by(format!("{id}-webhook-error"), webhook_error)
                />
                <label for=format!("{id}-webhook")>
                    "Also as the " <code>"feedback.shared"</code> " webhook event"
                </label>
            </div>
            <FieldError id=format!("{id}-webhook-error") message=webhook_error />
            {editable
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="remove-destination secondary"
                            aria-label=move || format!("Remove {}", title())
                            on:click=move |_| drafts.update(|d| d.retain(|r| r.key != key))
                        >
                            "Remove"
                        </button>
                    }
                })}
        </fieldset>
    }
}

/// The address at which the site takes complaints by e-mail: set, changed, or no more.
///
/// - `address`: the site's, or `None` when it takes no e-mail.
#[component]
fn IntakeForm(address: Option<String>) -> impl IntoView {
    let desk = Desk::expect();
    let editable = desk.role.configures();
    let kept = RwSignal::new(address.clone());
    let typed = RwSignal::new(address.unwrap_or_default());
    let (error, set_error) = signal(None::<String>);
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let error = Signal::from(error);

    let api = desk.api.clone();
    let put = move |address: Option<String>| {
        let api = api.clone();
        set_saving.set(true);
        set_error.set(None);
        set_notice.set(None);
        spawn_local(async move {
            match api.set_mail_intake(address.as_deref()).await {
                Ok(intake) => {
                    typed.set(intake.address.clone().unwrap_or_default());
                    set_notice.set(Some(Ok(match &intake.address {
                        Some(a) => format!("The site takes complaints by e-mail at {a}"),
                        None => "The site no longer takes complaints by e-mail".to_owned(),
                    })));
                    kept.set(intake.address);
                }
                // A 409 (another site has it) or a 422 (not an address): next to the field.
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_saving.set(false);
        });
    };
    let stop = put.clone();
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = typed.get_untracked().trim().to_owned();
        if address.is_empty() {
            set_error.set(Some(
                "enter the address, or choose “Stop taking e-mail”".to_owned(),
            ));
            return;
        }
        put(Some(address));
    };

    view! {
        <form class="panel mail-intake" on:submit=save aria-labelledby="mail-intake-title">
            <h3 id="mail-intake-title">"E-mail in"</h3>
            <p class="hint">
                "A message to this address becomes a new complaint, worked like the widget's. Replies to the notifications customers get come back to their case by themselves: each is sent from the case's own reply address."
            </p>
            <p class="current">
                {move || match kept.get() {
                    Some(a) => format!("Takes e-mail at {a}"),
                    None => "Takes no e-mail".to_owned(),
                }}
            </p>
            <div class="field">
                <label for="intake-address">"Intake address"</label>
                <input
                    id="intake-address"
                    type="email"
                    spellcheck="false"
                    autocomplete="off"
                    placeholder="support@feedback.example"
                    bind:value=typed
                    disabled=!editable
                    aria-invalid=invalid(error)
                    aria-describedby=described_by("intake-address-error".to_owned(), error)
                />
                // Announced, unlike a form's field errors: it is the only thing the save says.
                {move || {
                    error
                        .get()
                        .map(|m| {
                            view! {
                                <p class="field-error" id="intake-address-error" role="alert">
                                    {m}
                                </p>
                            }
                        })
                }}
            </div>
            {editable
                .then(|| {
                    view! {
                        <div class="actions">
                            <button type="submit" class="save-intake" disabled=saving>
                                "Save address"
                            </button>
                            {move || {
                                let stop = stop.clone();
                                kept.with(Option::is_some)
                                    .then(|| {
                                        view! {
                                            <button
                                                type="button"
                                                class="stop-intake secondary"
                                                disabled=saving
                                                on:click=move |_| stop(None)
                                            >
                                                "Stop taking e-mail"
                                            </button>
                                        }
                                    })
                            }}
                        </div>
                    }
                })}
            <Notice notice />
        </form>
    }
}
