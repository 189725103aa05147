//! Token login: the admin pastes an API token made with `hark token create`.

use crate::api;
use crate::app::Session;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The sign-in form.
///
/// - `error`: a message to show from the start, such as why a stored token was refused.
/// - `on_signed_in`: called once the collector has accepted the token.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn SignIn(
    error: Option<String>,
    #[prop(into)] on_signed_in: Callback<Session>,
) -> impl IntoView {
    let (token, set_token) = signal(String::new());
    let (error, set_error) = signal(error);
    let (checking, set_checking) = signal(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let token = token.get_untracked().trim().to_owned();
        if token.is_empty() || checking.get_untracked() {
            return;
        }
        set_checking.set(true);
        set_error.set(None);
        spawn_local(async move {
            let result = api::me(&token).await;
            set_checking.set(false);
            match result {
                Ok(me) => on_signed_in.run(Session { token, me }),
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
        });
    };

    view! {
        <main class="sign-in">
            <h1>"Hark"</h1>
            <form on:submit=submit>
                <label for="token">"API token"</label>
                <input
                    id="token"
                    name="token"
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    required
                    bind:value=(token, set_token)
                />
                <button type="submit" disabled=checking>"Sign in"</button>
                {move || {
                    checking
                        .get()
                        .then(|| view! { <p class="loading" role="status">"Checking the token…"</p> })
                }}
                {move || {
                    error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })
                }}
            </form>
        </main>
    }
}
