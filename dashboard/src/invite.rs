//! The invitation link's page, `#/invite/TOKEN`, which opens signed out too: what the
//! invitation offers (the site, the role, until when), then the way in. Someone new chooses a
//! password (typed twice) and is signed in; someone with an account signs in with their
//! password (and their two-factor code) to accept, or, signed in as that address already,
//! accepts with one click. A used, withdrawn, expired or unknown link shows the collector's
//! message.

use crate::api::{self, ApiError, Auth};
use crate::format;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Account;
use shared::team::InvitationPreview;
use shared::SiteKey;

/// The invitation page.
///
/// - `token`: the link's token, from the address's fragment.
/// - `on_joined`: called with the session and the site joined.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Invite(
    token: String,
    #[prop(into)] on_joined: Callback<(Account, SiteKey)>,
) -> impl IntoView {
    let token = StoredValue::new(token);
    let loaded = LocalResource::new(move || {
        let token = token.get_value();
        async move {
            let preview = api::invitation_preview(&token).await?;
            // Signed in already (the browser's session cookie), the session is the proof.
            let account = api::session().await.ok();
            Ok::<_, ApiError>((preview, account))
        }
    });
    view! {
        <main class="sign-in invite">
            <h1>"Hark"</h1>
            <Suspense fallback=|| {
                view! { <p class="loading" role="status">"Opening the invitation…"</p> }
            }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok((preview, account)) => {
                            view! {
                                <Offer token=token.get_value() preview account on_joined />
                            }
                                .into_any()
                        }
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! {
                                <h2>"This invitation cannot be used"</h2>
                                <p class="error" role="alert">{message}</p>
                                <p>
                                    <a href="./">"Go to the sign-in"</a>
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}

/// What the invitation offers, and the form that accepts it.
#[component]
fn Offer(
    token: String,
    preview: InvitationPreview,
    account: Option<Account>,
    on_joined: Callback<(Account, SiteKey)>,
) -> impl IntoView {
    let site = preview.site_key.clone();
    let joined = Callback::new(move |account: Account| on_joined.run((account, site.clone())));
    let summary = view! {
        <h2>{format!("Join {}", preview.site_name)}</h2>
        <p class="invitation">
            "You are invited as "
            <strong class="invited-role">{preview.role.clone()}</strong>
            " with the address "
            <strong class="invited-email">{preview.email.clone()}</strong>
            ". The invitation works once, until "
            {format::received_at(&preview.expires_at)}
            " UTC."
        </p>
    };
    let form = match (&account, preview.existing_user) {
        (_, false) => view! { <NewUser token preview on_joined=joined /> }.into_any(),
        (Some(signed_in), true) if signed_in.email == preview.email => {
            let auth = Auth::Cookie {
                csrf_token: signed_in.csrf_token.clone(),
            };
            view! { <OneClick token auth email=preview.email.clone() on_joined=joined /> }
                .into_any()
        }
        (other, true) => {
            let elsewhere = other.as_ref().map(|a| a.email.clone());
            view! { <ExistingUser token preview elsewhere on_joined=joined /> }.into_any()
        }
    };
    view! {
        {summary}
        {form}
    }
}

/// What the accept's refusal says, or its session.
fn said(result: &Result<Account, ApiError>) -> Option<String> {
    result.as_ref().err().map(|e| e.message().to_owned())
}

/// Someone new: a password, typed twice.
#[component]
fn NewUser(
    token: String,
    preview: InvitationPreview,
    on_joined: Callback<Account>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let (sending, set_sending) = signal(false);
    let token = StoredValue::new(token);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        if typed.is_empty() {
            set_error.set(Some("choose a password".to_owned()));
            return;
        }
        if typed != again.get_untracked() {
            set_error.set(Some("the two passwords differ".to_owned()));
            return;
        }
        set_error.set(None);
        set_sending.set(true);
        spawn_local(async move {
            let result = api::accept_invitation(&token.get_value(), Some(&typed), None, None).await;
            set_sending.set(false);
            set_error.set(said(&result));
            if let Ok(account) = result {
                on_joined.run(account);
            }
        });
    };
    view! {
        <form class="accept-invitation new-user" on:submit=submit>
            <p>"Choose a password for your new account."</p>
            <label for="invite-email">"E-mail address"</label>
            <input
                id="invite-email"
                type="email"
                autocomplete="username"
                readonly
                prop:value=preview.email
            />
            <label for="invite-password">"Password (at least 10 characters)"</label>
            <input
                id="invite-password"
                type="password"
                autocomplete="new-password"
                minlength="10"
                required
                bind:value=password
            />
            <label for="invite-password-again">"Password again"</label>
            <input
                id="invite-password-again"
                type="password"
                autocomplete="new-password"
                required
                bind:value=again
            />
            <button type="submit" class="accept" disabled=sending>"Join and sign in"</button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </form>
    }
}

/// Signed in as the invited address: one click, the session as the proof.
#[component]
fn OneClick(
    token: String,
    auth: Auth,
    email: String,
    on_joined: Callback<Account>,
) -> impl IntoView {
    let (error, set_error) = signal(None::<String>);
    let (sending, set_sending) = signal(false);
    let accept = move |_| {
        let (token, auth) = (token.clone(), auth.clone());
        set_error.set(None);
        set_sending.set(true);
        spawn_local(async move {
            let result = api::accept_invitation(&token, None, None, Some(&auth)).await;
            set_sending.set(false);
            set_error.set(said(&result));
            if let Ok(account) = result {
                on_joined.run(account);
            }
        });
    };
    view! {
        <div class="accept-invitation signed-in">
            <p>{format!("You are signed in as {email}.")}</p>
            <button type="button" class="accept" disabled=sending on:click=accept>
                "Accept the invitation"
            </button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </div>
    }
}

/// Someone with an account: their password, and their code where the collector asks for one.
#[component]
fn ExistingUser(
    token: String,
    preview: InvitationPreview,
    /// The address this browser is signed in as, when it is another.
    elsewhere: Option<String>,
    on_joined: Callback<Account>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let (asks_code, set_asks_code) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let (sending, set_sending) = signal(false);
    let token = StoredValue::new(token);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        if typed.is_empty() {
            set_error.set(Some("enter your password".to_owned()));
            return;
        }
        let code = code.get_untracked().trim().to_owned();
        set_error.set(None);
        set_sending.set(true);
        spawn_local(async move {
            let code = (!code.is_empty()).then_some(code);
            let result =
                api::accept_invitation(&token.get_value(), Some(&typed), code.as_deref(), None)
                    .await;
            set_sending.set(false);
            match result {
                Ok(account) => on_joined.run(account),
                Err(ApiError::CodeNeeded(_)) => {
                    set_asks_code.set(true);
                    set_error.set(Some(
                        "enter the code from your authenticator app, or a recovery code".to_owned(),
                    ));
                }
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
        });
    };
    view! {
        <form class="accept-invitation existing-user" on:submit=submit>
            {elsewhere
                .map(|other| {
                    view! {
                        <p class="muted">
                            {format!(
                                "This browser is signed in as {other}; accepting signs it in as {} instead.",
                                preview.email,
                            )}
                        </p>
                    }
                })}
            <p>"You have an account: sign in to accept."</p>
            <label for="invite-email">"E-mail address"</label>
            <input
                id="invite-email"
                type="email"
                autocomplete="username"
                readonly
                prop:value=preview.email.clone()
            />
            <label for="invite-password">"Password"</label>
            <input
                id="invite-password"
                type="password"
                autocomplete="current-password"
                bind:value=password
            />
            {move || {
                asks_code
                    .get()
                    .then(|| {
                        view! {
                            <label for="invite-code">"Code from the app, or a recovery code"</label>
                            <input
                                id="invite-code"
                                type="text"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                spellcheck="false"
                                bind:value=code
                            />
                        }
                    })
            }}
            <button type="submit" class="accept" disabled=sending>"Sign in and join"</button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </form>
    }
}
