//! The top of the dashboard: which screen shows, and the signed-in session.

use crate::responses::Responses;
use crate::sign_in::SignIn;
use crate::{api, token_store};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Me;

/// A signed-in admin: the token that proved it and who the collector says it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub(crate) token: String,
    pub(crate) me: Me,
}

#[derive(Debug, Clone, PartialEq)]
enum Screen {
    /// A token from an earlier sign-in in this tab is being checked.
    Resuming,
    /// The sign-in form, with why the last attempt to resume failed, if it did.
    SignIn(Option<String>),
    Responses(Session),
}

/// The whole dashboard. Resumes the tab's session if it has one, else asks for a token.
// The props builder that #[component] generates is `pub` but is not exported.
#[allow(unreachable_pub)]
#[component]
pub fn App() -> impl IntoView {
    let stored = token_store::load();
    let (screen, set_screen) = signal(if stored.is_some() {
        Screen::Resuming
    } else {
        Screen::SignIn(None)
    });

    if let Some(token) = stored {
        spawn_local(async move {
            let next = match api::me(&token).await {
                Ok(me) => Screen::Responses(Session { token, me }),
                Err(e) => {
                    // A refused token will not work later either; a network failure might.
                    if matches!(e, api::ApiError::Denied(_)) {
                        token_store::clear();
                    }
                    Screen::SignIn(Some(e.message().to_owned()))
                }
            };
            set_screen.set(next);
        });
    }

    let signed_in = move |session: Session| {
        token_store::save(&session.token);
        set_screen.set(Screen::Responses(session));
    };
    let signed_out = move |()| {
        token_store::clear();
        set_screen.set(Screen::SignIn(None));
    };

    move || match screen.get() {
        Screen::Resuming => view! { <p class="loading" role="status">"Signing in…"</p> }.into_any(),
        Screen::SignIn(error) => view! { <SignIn error on_signed_in=signed_in /> }.into_any(),
        Screen::Responses(session) => {
            view! { <Responses session on_sign_out=signed_out /> }.into_any()
        }
    }
}
