//! The top of the dashboard: which screen shows, and the signed-in session.
//! Once signed in, `shell.rs` picks the page.

use crate::api::{self, Auth};
use crate::invite::Invite;
use crate::route::{self, Page};
use crate::setup::Setup;
use crate::shell::Shell;
use crate::sign_in::{PickSite, SignIn};
use crate::token_store;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{Account, Me, SiteRole};
use shared::SiteKey;

/// A signed-in admin on one site: how they proved it, and the site they look at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub(crate) auth: Auth,
    pub(crate) site: SiteRole,
    /// For a session cookie: the account, to pick another of its sites.
    pub(crate) account: Option<Account>,
}

impl Session {
    pub(crate) fn from_token(token: String, me: Me) -> Self {
        Self {
            auth: Auth::Token(token),
            site: SiteRole {
                site_key: me.site_key,
                site_name: me.site_name,
                role: me.role,
            },
            account: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Screen {
    /// A token or a session cookie from an earlier sign-in is being checked.
    Resuming,
    /// The sign-in form, with why the last attempt to resume or sign out failed, if it did.
    SignIn(Option<String>),
    /// The setup link's page, with its token.
    Setup(String),
    /// An invitation link's page (`#/invite/TOKEN`), signed in or not, with its token.
    Invite(String),
    /// Signed in with e-mail and password to several sites (or none): which one to look at.
    PickSite(Account),
    /// Signed in on one site: the inbox and the other pages.
    Desk(Session),
}

/// The setup link's token, when the page is `/dashboard/setup#TOKEN`.
fn setup_token() -> Option<String> {
    let location = web_sys::window()?.location();
    let path = location.pathname().ok()?;
    if !path.trim_end_matches('/').ends_with("/setup") {
        return None;
    }
    let hash = location.hash().ok()?;
    Some(hash.trim_start_matches('#').to_owned())
}

/// Leaves the setup page's address, so that the token is not left in the history or bookmarked.
fn leave_setup_address() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("./"));
    }
}

/// The screen an account's sign-in leads to: `site` where it names one of the account's, else
/// its one site, or the choice.
fn signed_in_screen(account: Account) -> Screen {
    signed_in_screen_on(account, None)
}

fn signed_in_screen_on(account: Account, site: Option<&SiteKey>) -> Screen {
    let wanted = site.and_then(|key| account.sites.iter().find(|s| &s.site_key == key));
    match (wanted, account.sites.as_slice()) {
        (Some(site), _) | (None, [site]) => Screen::Desk(Session {
            auth: Auth::Cookie {
                csrf_token: account.csrf_token.clone(),
            },
            site: site.clone(),
            account: Some(account),
        }),
        _ => Screen::PickSite(account),
    }
}

/// The whole dashboard. Opens the setup page for a setup link and the invitation page for an
/// invitation link; otherwise resumes the tab's token or the browser's session cookie if there
/// is one, else asks how to sign in.
// The props builder that #[component] generates is `pub` but is not exported.
#[allow(unreachable_pub)]
#[component]
pub fn App() -> impl IntoView {
    let setup = setup_token();
    let stored = token_store::load();
    let invitation = route::current_invitation();
    let (screen, set_screen) = signal(match (&setup, &invitation) {
        (Some(token), _) => Screen::Setup(token.clone()),
        (None, Some(token)) => Screen::Invite(token.clone()),
        (None, None) => Screen::Resuming,
    });
    // An invitation's link opened in a tab where the dashboard runs already.
    let listener = window_event_listener_untyped("hashchange", move |_| {
        if let Some(token) = route::current_invitation() {
            set_screen.set(Screen::Invite(token));
        }
    });
    on_cleanup(move || listener.remove());

    if setup.is_none() && invitation.is_none() {
        spawn_local(async move {
            let next = match stored {
                Some(token) => match api::me(&token).await {
                    Ok(me) => Screen::Desk(Session::from_token(token, me)),
                    Err(e) => {
                        // A refused token will not work later either; a network failure might.
                        if matches!(e, api::ApiError::Denied(_)) {
                            token_store::clear();
                        }
                        Screen::SignIn(Some(e.message().to_owned()))
                    }
                },
                // No session cookie, or an expired one, is the usual start: no error to show.
                // A reload stays on the site the tab looked at.
                None => match api::session().await {
                    Ok(account) => signed_in_screen_on(account, token_store::load_site().as_ref()),
                    Err(_) => Screen::SignIn(None),
                },
            };
            set_screen.set(next);
        });
    }

    let token_signed_in = move |session: Session| {
        if let Auth::Token(token) = &session.auth {
            token_store::save(token);
        }
        set_screen.set(Screen::Desk(session));
    };
    let account_signed_in = move |account: Account| {
        leave_setup_address();
        set_screen.set(signed_in_screen(account));
    };
    let picked = move |session: Session| set_screen.set(Screen::Desk(session));
    let sign_out = move |auth: Auth| {
        token_store::clear();
        spawn_local(async move {
            let next = match api::log_out(&auth).await {
                Ok(()) => Screen::SignIn(None),
                Err(e) => Screen::SignIn(Some(format!(
                    "signing out failed ({}); the session ends after 12 idle hours",
                    e.message()
                ))),
            };
            set_screen.set(next);
        });
    };
    let switch_site = move |account: Account| set_screen.set(Screen::PickSite(account));
    // A site was made from the dashboard: the account, read again, looks at it, on the page
    // with its snippet.
    let site_created = move |site: SiteKey| {
        spawn_local(async move {
            match api::session().await {
                Ok(account) => {
                    route::go(&Page::SiteSettings);
                    set_screen.set(signed_in_screen_on(account, Some(&site)));
                }
                Err(e) => set_screen.set(Screen::SignIn(Some(e.message().to_owned()))),
            }
        });
    };
    // The site a session looks at is kept for a reload of the tab.
    Effect::new(move |_| {
        if let Screen::Desk(session) = screen.get() {
            token_store::save_site(&session.site.site_key);
        }
    });
    // Joined through an invitation: the site joined, at the inbox, and the spent link's token
    // out of the address.
    let joined = move |(account, site): (Account, SiteKey)| {
        route::replace(&Page::Inbox);
        set_screen.set(signed_in_screen_on(account, Some(&site)));
    };
    let session_ended = move |message: String| {
        token_store::clear();
        set_screen.set(Screen::SignIn(Some(message)));
    };

    move || match screen.get() {
        Screen::Resuming => view! { <p class="loading" role="status">"Signing in…"</p> }.into_any(),
        Screen::SignIn(error) => view! {
            <SignIn error on_token=token_signed_in on_account=account_signed_in />
        }
        .into_any(),
        Screen::Setup(token) => view! { <Setup token on_done=account_signed_in /> }.into_any(),
        Screen::Invite(token) => view! { <Invite token on_joined=joined /> }.into_any(),
        Screen::PickSite(account) => view! {
            <PickSite account on_pick=picked on_sign_out=sign_out />
        }
        .into_any(),
        Screen::Desk(session) => view! {
            <Shell
                session
                on_sign_out=sign_out
                on_switch_site=switch_site
                on_session_ended=session_ended
                on_site_created=site_created
            />
        }
        .into_any(),
    }
}
