//! The setup link's page, `/dashboard/setup#TOKEN`: the first user's e-mail address and password
//! (and, on a collector without sites, the first site), sent once with the link's token.

use crate::api;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Account;

/// The setup form, or why there is none.
///
/// - `token`: the setup link's token, from the address's fragment.
/// - `on_done`: called with the new owner's session.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn Setup(token: String, #[prop(into)] on_done: Callback<Account>) -> impl IntoView {
    let status = LocalResource::new(api::setup_status);
    let (email, set_email) = signal(String::new());
    let (password, set_password) = signal(String::new());
    let (site_name, set_site_name) = signal(String::new());
    let (origin, set_origin) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let (sending, set_sending) = signal(false);
    let token = StoredValue::new(token);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let mut request = serde_json::json!({
            "token": token.get_value(),
            "email": email.get_untracked().trim(),
            "password": password.get_untracked(),
        });
        let (name, origin) = (site_name.get_untracked(), origin.get_untracked());
        if !name.trim().is_empty() || !origin.trim().is_empty() {
            request["site_name"] = name.trim().into();
            request["origin"] = origin.trim().into();
        }
        set_sending.set(true);
        set_error.set(None);
        spawn_local(async move {
            let result = api::set_up(&request).await;
            set_sending.set(false);
            match result {
                Ok(account) => on_done.run(account),
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
        });
    };

    let form = move |needs_site: bool| {
        view! {
            <form class="setup" on:submit=submit>
                <p>"Create the first user: the owner of every site on this collector."</p>
                <label for="setup-email">"E-mail address"</label>
                <input
                    id="setup-email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    required
                    bind:value=(email, set_email)
                />
                <label for="setup-password">"Password (at least 10 characters)"</label>
                <input
                    id="setup-password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    minlength="10"
                    required
                    bind:value=(password, set_password)
                />
                {needs_site
                    .then(|| {
                        view! {
                            <fieldset class="first-site">
                                <legend>"Your first site"</legend>
                                <label for="setup-site-name">"Name"</label>
                                <input
                                    id="setup-site-name"
                                    name="site_name"
                                    required
                                    bind:value=(site_name, set_site_name)
                                />
                                <label for="setup-origin">"Origin (where the widget runs)"</label>
                                <input
                                    id="setup-origin"
                                    name="origin"
                                    type="url"
                                    placeholder="https://shop.example"
                                    required
                                    bind:value=(origin, set_origin)
                                />
                            </fieldset>
                        }
                    })}
                <button type="submit" disabled=sending>"Create the owner"</button>
                {move || {
                    error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })
                }}
            </form>
        }
    };

    view! {
        <main class="sign-in setup">
            <h1>"Set up Hark"</h1>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) if s.needed => form(s.needs_site).into_any(),
                        Ok(_) => view! {
                            <p class="done" role="status">
                                "This collector is set up already. "
                                <a href="/dashboard/">"Sign in"</a>
                            </p>
                        }
                        .into_any(),
                        Err(e) => {
                            let message = e.message().to_owned();
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}
