//! Signing in: with an e-mail address and a password (a user made by the setup link, an
//! invitation or `hark user create`), and, for an account with two-factor sign-in, the code
//! the collector then asks for; or with an API token made with `hark token create`; and, for a
//! user with several sites, which site to look at.

use crate::api::{self, Auth};
use crate::app::Session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Account;

/// The sign-in screen: one form, with an e-mail address and a password, or, as the second way,
/// an API token. A token typed in wins; otherwise the address and password are sent. When the
/// collector answers that the account needs its second factor, the form asks for the code (from
/// the authenticator app, or a recovery code) and sends all three.
///
/// - `error`: a message to show from the start, such as why a stored token was refused.
/// - `on_token`: called once the collector has accepted a token.
/// - `on_account`: called once the collector has accepted an e-mail address and password.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SignIn(
    error: Option<String>,
    #[prop(into)] on_token: Callback<Session>,
    #[prop(into)] on_account: Callback<Account>,
) -> impl IntoView {
    let (email, set_email) = signal(String::new());
    let (password, set_password) = signal(String::new());
    let (token, set_token) = signal(String::new());
    let (code, set_code) = signal(String::new());
    // The collector said the account signs in with a second factor.
    let (asks_code, set_asks_code) = signal(false);
    let (error, set_error) = signal(error);
    // What is being checked: a status line while a request is out, and no second submit.
    let (checking, set_checking) = signal(None::<&'static str>);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if checking.get_untracked().is_some() {
            return;
        }
        let token = token.get_untracked().trim().to_owned();
        let email = email.get_untracked().trim().to_owned();
        let password = password.get_untracked();
        if token.is_empty() && (email.is_empty() || password.is_empty()) {
            set_error.set(Some(
                "enter your e-mail address and password, or an API token".to_owned(),
            ));
            return;
        }
        set_error.set(None);
        if token.is_empty() {
            let code = code.get_untracked().trim().to_owned();
            if asks_code.get_untracked() && code.is_empty() {
                set_error.set(Some(
                    "enter the code from your authenticator app, or a recovery code".to_owned(),
                ));
                return;
            }
            set_checking.set(Some("Signing in…"));
            spawn_local(async move {
                let code = (!code.is_empty()).then_some(code);
                let result = api::log_in(&email, &password, code.as_deref()).await;
                set_checking.set(None);
                match result {
                    Ok(account) => on_account.run(account),
                    Err(api::ApiError::CodeNeeded(_)) => {
                        set_asks_code.set(true);
                        set_error.set(Some(
                            "this account signs in with a second factor: enter the code from your authenticator app, or a recovery code".to_owned(),
                        ));
                    }
                    Err(e) => set_error.set(Some(e.message().to_owned())),
                }
            });
        } else {
            set_checking.set(Some("Checking the token…"));
            spawn_local(async move {
                let result = api::me(&token).await;
                set_checking.set(None);
                match result {
                    Ok(me) => on_token.run(Session::from_token(token, me)),
                    Err(e) => set_error.set(Some(e.message().to_owned())),
                }
            });
        }
    };

    view! {
        <main class="sign-in">
            <h1>"Hark"</h1>
            <form class="sign-in-form" on:submit=submit>
                <label for="email">"E-mail address"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    bind:value=(email, set_email)
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    bind:value=(password, set_password)
                />
                {move || {
                    asks_code
                        .get()
                        .then(|| {
                            view! {
                                <label for="code">"Code from your authenticator app, or a recovery code"</label>
                                <input
                                    id="code"
                                    name="code"
                                    type="text"
                                    inputmode="numeric"
                                    autocomplete="one-time-code"
                                    spellcheck="false"
                                    bind:value=(code, set_code)
                                />
                            }
                        })
                }}
                <fieldset class="token-sign-in">
                    <legend>"Or, instead, an API token"</legend>
                    <label for="token">"API token"</label>
                    <input
                        id="token"
                        name="token"
                        type="password"
                        autocomplete="off"
                        spellcheck="false"
                        bind:value=(token, set_token)
                    />
                </fieldset>
                <button type="submit" disabled=move || checking.get().is_some()>"Sign in"</button>
                {move || {
                    checking.get().map(|what| view! { <p class="loading" role="status">{what}</p> })
                }}
                {move || {
                    error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })
                }}
            </form>
        </main>
    }
}

/// Which of the account's sites to look at.
///
/// - `account`: who signed in, and their sites with their roles.
/// - `on_pick`: called with a session on the site picked.
/// - `on_sign_out`: called to end the session.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn PickSite(
    account: Account,
    #[prop(into)] on_pick: Callback<Session>,
    #[prop(into)] on_sign_out: Callback<Auth>,
) -> impl IntoView {
    let auth = Auth::Cookie {
        csrf_token: account.csrf_token.clone(),
    };
    let sign_out_auth = auth.clone();
    let empty = account.sites.is_empty();
    let sites = account.sites.clone();
    let choices = sites
        .into_iter()
        .map(|site| {
            let session = Session {
                auth: auth.clone(),
                site: site.clone(),
                account: Some(account.clone()),
            };
            view! {
                <li>
                    <button
                        type="button"
                        class="site"
                        data-site=site.site_key.to_string()
                        on:click=move |_| on_pick.run(session.clone())
                    >
                        <span class="site-name">{site.site_name.clone()}</span>
                        <span class="role">{site.role.clone()}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <main class="pick-site">
            <header class="bar">
                <h1>"Your sites"</h1>
                <span class="who">{account.email.clone()}</span>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="sign-out"
                    on:click=move |_| on_sign_out.run(sign_out_auth.clone())
                >
                    "Sign out"
                </button>
            </header>
            {empty
                .then(|| {
                    view! {
                        <p class="empty">
                            "You have no role on any site yet: ask one of its owners or admins."
                        </p>
                    }
                })}
            <ul class="sites">{choices}</ul>
        </main>
    }
}
