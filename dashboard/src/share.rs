//! Sharing with the teams that can act on feedback: the "Share…" control of a case's page, a
//! problem's page and each topic of the insight page. It discloses a small form (one of the
//! site's destinations, read when it opens, and a note for them) and then says where it went;
//! for a case, the case as the share left it replaces the page's, so that the timeline shows the
//! entry. Agents and up only, as the collector allows.

use crate::api::ShareSubject;
use crate::controls::{Choice, Notice};
use crate::route::Page;
use crate::shell::Desk;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::case::CaseView;

/// The longest note the collector takes, in characters.
const MAX_NOTE: usize = 2000;

/// What the control says after a share, or why it was refused.
type ShareNotice = WriteSignal<Option<Result<String, String>>>;

/// "Share…", the form it discloses, and what the last share did; nothing for a role that does
/// not work cases.
///
/// - `id`: unique on the page; the prefix of the form's ids (`case-share`, `topic-3-share`).
/// - `subject`: what is shared.
/// - `label`: the button's accessible name, beginning with "Share", where several controls are
///   on one page (a row of a list).
/// - `on_case`: for a case, called with the case as the share left it.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Share(
    #[prop(into)] id: String,
    subject: ShareSubject,
    #[prop(optional, into)] label: Option<String>,
    #[prop(optional, into)] on_case: Option<Callback<CaseView>>,
) -> impl IntoView {
    if !Desk::expect().role.works_cases() {
        return ().into_any();
    }
    let (open, set_open) = signal(false);
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let toggle = NodeRef::<html::Button>::new();
    let form_id = format!("{id}-form");
    // Closing takes the focus back to the button, not to the page's start.
    let close = Callback::new(move |()| {
        set_open.set(false);
        if let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    });
    let on_shared = Callback::new(move |(destination, view): (String, Option<CaseView>)| {
        if let (Some(view), Some(on_case)) = (view, on_case) {
            on_case.run(view);
        }
        set_notice.set(Some(Ok(format!("Shared with {destination}"))));
        close.run(());
    });
    let controls = {
        let form_id = form_id.clone();
        move || open.get().then(|| form_id.clone())
    };
    view! {
        <div class="share">
            <button
                type="button"
                class="share-toggle secondary"
                node_ref=toggle
                aria-expanded=move || open.get().to_string()
                aria-controls=controls
                aria-label=label
                on:click=move |_| {
                    set_notice.set(None);
                    set_open.update(|o| *o = !*o);
                }
            >
                "Share…"
            </button>
            {move || {
                open.get()
                    .then(|| {
                        view! {
                            <ShareForm
                                id=id.clone()
                                subject=subject.clone()
                                set_notice
                                on_shared
                                on_cancel=close
                            />
                        }
                    })
            }}
            <Notice notice />
        </div>
    }
    .into_any()
}

/// The disclosed part: the site's destinations, read when it opens, then the form.
///
/// - `id`, `subject`: as the control's.
/// - `set_notice`: where to say why a share was refused.
/// - `on_shared`: called with the destination's name and, for a case, the case after.
/// - `on_cancel`: called to close it.
#[component]
fn ShareForm(
    id: String,
    subject: ShareSubject,
    set_notice: ShareNotice,
    on_shared: Callback<(String, Option<CaseView>)>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let api = Desk::expect().api;
    let destinations = LocalResource::new(move || {
        let api = api.clone();
        async move { api.share_destinations().await.map(|d| d.destinations) }
    });
    let form_id = format!("{id}-form");
    view! {
        <div class="share-form" id=form_id>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the destinations…"</p> }
            }>
                {move || {
                    let (id, subject) = (id.clone(), subject.clone());
                    Suspend::new(async move {
                        match destinations.await {
                            Ok(list) if list.is_empty() => view! { <NoDestinations /> }.into_any(),
                            Ok(list) => {
                                let names = list.into_iter().map(|d| d.name).collect();
                                view! {
                                    <ShareFields id subject names set_notice on_shared on_cancel />
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                let message = e.message().to_owned();
                                view! { <p class="error" role="alert">{message}</p> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </div>
    }
}

/// What the form says when the site has nowhere to share: who sets the destinations, and for
/// those who may, the way there.
#[component]
fn NoDestinations() -> impl IntoView {
    let configures = Desk::expect().role.configures();
    view! {
        <p class="empty">"The site has no share destinations yet."</p>
        {if configures {
            view! {
                <p>
                    <a class="set-destinations" href=Page::Sharing.href()>
                        "Set the share destinations"
                    </a>
                </p>
            }
                .into_any()
        } else {
            view! { <p class="hint">"An admin sets them under Settings, “Sharing and e-mail in”."</p> }
                .into_any()
        }}
    }
}

/// The destination to share with and the note for them.
///
/// - `id`, `subject`: as the control's.
/// - `names`: the site's destinations; the first is chosen.
/// - `set_notice`, `on_shared`, `on_cancel`: as the form's.
#[component]
fn ShareFields(
    id: String,
    subject: ShareSubject,
    names: Vec<String>,
    set_notice: ShareNotice,
    on_shared: Callback<(String, Option<CaseView>)>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let api = Desk::expect().api;
    let destination = RwSignal::new(names.first().cloned().unwrap_or_default());
    let options = Signal::stored(
        names
            .into_iter()
            .map(|n| (n.clone(), n))
            .collect::<Vec<_>>(),
    );
    let note = RwSignal::new(String::new());
    let (sending, set_sending) = signal(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (api, subject) = (api.clone(), subject.clone());
        let (to, text) = (destination.get_untracked(), note.get_untracked());
        set_sending.set(true);
        set_notice.set(None);
        spawn_local(async move {
            let shared = api.share(&subject, &to, &text).await;
            // A share closes the form, and this with it.
            let _ = set_sending.try_set(false);
            match shared {
                Ok(view) => on_shared.run((to, view)),
                Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
            }
        });
    };
    let escape = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            on_cancel.run(());
        }
    };
    let (pick, note_id, count_id) = (
        format!("{id}-destination"),
        format!("{id}-note"),
        format!("{id}-note-count"),
    );
    let count = move || {
        let used = note.with(|n| n.chars().count());
        format!("{used} of {MAX_NOTE} characters")
    };
    view! {
        <form class="share-fields" on:submit=submit on:keydown=escape>
            <div class="field">
                <label for=pick.clone()>"Share with"</label>
                <Choice
                    id=pick
                    options
                    current=destination
                    on_pick=move |name| destination.set(name)
                />
            </div>
            <div class="field">
                <label for=note_id.clone()>"Note for them (optional; the customer never sees it)"</label>
                <textarea
                    id=note_id
                    class="share-note"
                    rows="3"
                    maxlength=MAX_NOTE.to_string()
                    aria-describedby=count_id.clone()
                    bind:value=note
                ></textarea>
                <p class="hint" id=count_id>{count}</p>
            </div>
            <div class="actions">
                <button type="submit" class="share-send" disabled=sending>"Share"</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
