//! The API tokens page: the site's tokens (id, role, when made; never a secret), a new one
//! with a role no higher than the caller's own, its secret shown once with a copy button, and
//! revoking one after a confirmation. Admins and owners only: the collector refuses the list to
//! other roles, and the page shows its refusal.

use crate::api::SiteApi;
use crate::controls::{Choice, ConfirmButton, CopyButton, Refusal};
use crate::format;
use crate::settings::SettingsHead;
use crate::shell::{Desk, Role};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{CreatedToken, TokenInfo};

/// The API tokens page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn TokensPage() -> impl IntoView {
    let desk = Desk::expect();
    let manages = desk.role.configures();
    let api = desk.api.clone();
    let list = LocalResource::new(move || {
        let api = api.clone();
        async move { api.tokens().await.map(|l| l.tokens) }
    });
    view! {
        <div class="settings tokens">
            <SettingsHead title="API tokens" read_only=!manages />
            <p class="hint">
                "A token signs a script or another tool in to this site's admin API, with its role, as "
                <code>"Authorization: Bearer …"</code>
                ". It stays valid until it is revoked."
            </p>
            {manages
                .then(|| {
                    view! { <NewToken api=desk.api.clone() on_created=move |()| list.refetch() /> }
                })}
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading the tokens…"</p> }
            }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(tokens) => {
                            view! { <Tokens tokens on_revoked=move |()| list.refetch() /> }
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

/// Makes a token with a role; its secret is shown this once.
///
/// - `api`: the site's API.
/// - `on_created`: called once a token was made, to list it.
#[component]
fn NewToken(api: SiteApi, #[prop(into)] on_created: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let role = RwSignal::new(Role::Viewer.as_str().to_owned());
    let error = RwSignal::new(None::<String>);
    let (created, set_created) = signal(None::<CreatedToken>);
    let (creating, set_creating) = signal(false);
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (api, wanted) = (api.clone(), role.get_untracked());
        error.set(None);
        set_creating.set(true);
        spawn_local(async move {
            match api.create_token(&wanted).await {
                Ok(token) => {
                    set_created.set(Some(token));
                    on_created.run(());
                }
                Err(e) => error.set(Some(e.message().to_owned())),
            }
            set_creating.set(false);
        });
    };
    view! {
        <form class="panel new-token" on:submit=create>
            <h3>"Create a token"</h3>
            <div class="field">
                <label for="new-token-role">"Role"</label>
                <Choice
                    id="new-token-role"
                    options=desk.role.grantable()
                    current=Signal::derive(move || role.get())
                    on_pick=move |r| role.set(r)
                />
            </div>
            <button type="submit" class="create-token" disabled=creating>"Create token"</button>
            <Refusal message=Signal::derive(move || error.get()) />
            {move || {
                created
                    .get()
                    .map(|token| {
                        let secret = token.token.clone();
                        view! {
                            <div class="secret" role="status">
                                <p>
                                    {format!(
                                        "Token {} ({}) was created. Its secret is shown only this once: copy it now into the tool that uses it.",
                                        token.id,
                                        token.role,
                                    )}
                                </p>
                                <label for="token-secret">"Token"</label>
                                <div class="copy-row">
                                    <input
                                        id="token-secret"
                                        type="text"
                                        readonly
                                        spellcheck="false"
                                        prop:value=secret.clone()
                                    />
                                    <CopyButton text=secret label="Copy the token" />
                                </div>
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

/// The tokens as a table, each with "Revoke" and its confirmation.
///
/// - `tokens`: newest first.
/// - `on_revoked`: called after a revocation, to list them again.
#[component]
fn Tokens(tokens: Vec<TokenInfo>, #[prop(into)] on_revoked: Callback<()>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty">"No tokens."</p> }.into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|token| view! { <TokenRow token on_revoked /> })
        .collect_view();
    view! {
        <table class="tokens">
            <caption class="visually-hidden">"API tokens"</caption>
            <thead>
                <tr>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Created (UTC)"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// One token as a table row.
#[component]
fn TokenRow(token: TokenInfo, on_revoked: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let id = token.id;
    // A token above the caller's own role is theirs to keep: the collector refuses it.
    let revocable = desk.role.configures() && Role::parse(&token.role) <= desk.role;
    let error = RwSignal::new(None::<String>);
    let (busy, set_busy) = signal(false);
    let confirming = RwSignal::new(false);
    let api = desk.api.clone();
    let revoke = move |()| {
        let api = api.clone();
        error.set(None);
        set_busy.set(true);
        spawn_local(async move {
            match api.revoke_token(id).await {
                Ok(()) => on_revoked.run(()),
                Err(e) => {
                    confirming.set(false);
                    error.set(Some(e.message().to_owned()));
                }
            }
            set_busy.set(false);
        });
    };
    view! {
        <tr data-id=id.to_string()>
            <td class="token-id">{format!("Token {id}")}</td>
            <td class="role">{token.role.clone()}</td>
            <td class="created">{format::received_at(&token.created_at)}</td>
            <td class="row-actions">
                {revocable
                    .then(|| {
                        view! {
                            <ConfirmButton
                                class="revoke"
                                label="Revoke"
                                aria_label=format!("Revoke token {id}")
                                question=format!("Revoke token {id}? What uses it stops working at once.")
                                busy
                                confirming
                                on_confirm=revoke
                            />
                        }
                    })}
                <Refusal message=Signal::derive(move || error.get()) />
            </td>
        </tr>
    }
}
