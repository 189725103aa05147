//! The team page: who is on the site's team (address, role, since when, last sign-in, whether
//! they sign in with a second factor), which every role reads; admins and owners invite by
//! e-mail with a role, withdraw pending invitations, change a member's role and remove a
//! member. The roles offered go no higher than the caller's own, and the collector's refusals
//! (a role above one's own, the site's last owner) show next to what they concern.

use crate::api::{ApiError, SiteApi};
use crate::controls::{
    described_by, invalid, Choice, ConfirmButton, CopyButton, FieldError, Refusal,
};
use crate::format;
use crate::settings::SettingsHead;
use crate::shell::{Desk, Role};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::team::{Invitation, Member, SentInvitation};

/// A role's word, for people (an unknown one as it is).
fn role_label(role: &str) -> String {
    Role::ALL
        .into_iter()
        .find(|r| r.as_str() == role)
        .map_or_else(|| role.to_owned(), |r| r.label().to_owned())
}

/// The team page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn TeamPage() -> impl IntoView {
    let desk = Desk::expect();
    let manages = desk.role.configures();
    let api = desk.api.clone();
    let members = LocalResource::new(move || {
        let api = api.clone();
        async move { api.members().await.map(|l| l.members) }
    });
    let api = desk.api.clone();
    let invitations = LocalResource::new(move || {
        let api = api.clone();
        async move {
            if manages {
                api.invitations().await.map(|l| l.invitations)
            } else {
                Ok(Vec::new())
            }
        }
    });
    view! {
        <div class="settings team">
            <SettingsHead title="Team" read_only=!manages />
            {manages
                .then(|| {
                    view! {
                        <InviteForm
                            api=desk.api.clone()
                            on_sent=move |()| invitations.refetch()
                        />
                    }
                })}
            <section class="panel members" aria-labelledby="members-title">
                <h3 id="members-title">"Members"</h3>
                <Transition fallback=|| {
                    view! { <p class="loading" role="status">"Loading the team…"</p> }
                }>
                    {move || Suspend::new(async move {
                        match members.await {
                            Ok(list) => {
                                view! { <Members list on_changed=move |()| members.refetch() /> }
                                    .into_any()
                            }
                            Err(e) => {
                                let message = e.message().to_owned();
                                view! { <p class="error" role="alert">{message}</p> }.into_any()
                            }
                        }
                    })}
                </Transition>
            </section>
            {manages
                .then(|| {
                    view! {
                        <section class="panel invitations" aria-labelledby="invitations-title">
                            <h3 id="invitations-title">"Pending invitations"</h3>
                            <Transition fallback=|| {
                                view! {
                                    <p class="loading" role="status">"Loading the invitations…"</p>
                                }
                            }>
                                {move || Suspend::new(async move {
                                    match invitations.await {
                                        Ok(list) => {
                                            view! {
                                                <Invitations
                                                    list
                                                    on_changed=move |()| invitations.refetch()
                                                />
                                            }
                                                .into_any()
                                        }
                                        Err(e) => {
                                            let message = e.message().to_owned();
                                            view! { <p class="error" role="alert">{message}</p> }
                                                .into_any()
                                        }
                                    }
                                })}
                            </Transition>
                        </section>
                    }
                })}
        </div>
    }
}

/// Invites someone by e-mail with a role; what the collector did with it (mailed, or the link
/// to hand over where it has no SMTP server), or why it refused, next to the field concerned.
///
/// - `api`: the site's API.
/// - `on_sent`: called once an invitation was made, to list it.
#[component]
fn InviteForm(api: SiteApi, #[prop(into)] on_sent: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer.as_str().to_owned());
    let email_error = RwSignal::new(None::<String>);
    let role_error = RwSignal::new(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (sent, set_sent) = signal(None::<SentInvitation>);
    let (sending, set_sending) = signal(false);
    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = email.get_untracked().trim().to_owned();
        email_error.set(None);
        role_error.set(None);
        set_error.set(None);
        if address.is_empty() {
            email_error.set(Some("enter the e-mail address to invite".to_owned()));
            return;
        }
        let (api, wanted) = (api.clone(), role.get_untracked());
        set_sending.set(true);
        set_sent.set(None);
        spawn_local(async move {
            match api.invite(&address, &wanted).await {
                Ok(invitation) => {
                    email.set(String::new());
                    set_sent.set(Some(invitation));
                    on_sent.run(());
                }
                // The address is malformed or already a member's; the role is above one's own.
                Err(ApiError::Invalid(m) | ApiError::Conflict(m)) => email_error.set(Some(m)),
                Err(ApiError::Denied(m)) => role_error.set(Some(m)),
                Err(e) => set_error.set(Some(e.message().to_owned())),
            }
            set_sending.set(false);
        });
    };
    let email_message = Signal::derive(move || email_error.get());
    let role_message = Signal::derive(move || role_error.get());
    let roles = desk.role.grantable();
    view! {
        <form class="panel invite" on:submit=send>
            <h3>"Invite someone"</h3>
            <div class="invite-fields">
                <div class="field">
                    <label for="invite-email">"E-mail address"</label>
                    <input
                        id="invite-email"
                        type="email"
                        autocomplete="off"
                        spellcheck="false"
                        aria-invalid=invalid(email_message)
                        aria-describedby=described_by("invite-email-error".to_owned(), email_message)
                        bind:value=email
                    />
                    <FieldError id="invite-email-error" message=email_message />
                </div>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <Choice
                        id="invite-role"
                        options=roles
                        current=Signal::derive(move || role.get())
                        on_pick=move |r| role.set(r)
                    />
                    <Refusal message=role_message />
                </div>
            </div>
            <p class="hint">
                "The link works once, for 7 days. You can give no role above your own."
            </p>
            <button type="submit" class="send-invitation" disabled=sending>
                "Send invitation"
            </button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || sent.get().map(|sent| view! { <Sent sent /> })}
        </form>
    }
}

/// What became of an invitation just made: mailed, or its link to hand over, once.
#[component]
fn Sent(sent: SentInvitation) -> impl IntoView {
    let who = sent.invitation.email.clone();
    let until = format::received_at(&sent.invitation.expires_at);
    match sent.link {
        Some(link) => view! {
            <div class="secret invitation-link" role="status">
                <p>
                    "This collector has no SMTP server, so nothing was mailed: send this link to "
                    <strong>{who}</strong>
                    " yourself. It works once, until "
                    {until}
                    " UTC, and is not shown again."
                </p>
                <label for="invitation-link">"Invitation link"</label>
                <div class="copy-row">
                    <input
                        id="invitation-link"
                        type="text"
                        readonly
                        spellcheck="false"
                        prop:value=link.clone()
                    />
                    <CopyButton text=link label="Copy the invitation link" />
                </div>
            </div>
        }
        .into_any(),
        None => view! {
            <p class="notice" role="status">
                {format!("Invitation mailed to {who}; its link works until {until} UTC.")}
            </p>
        }
        .into_any(),
    }
}

/// The team as a table; for admins and owners, each member they may change has a role choice
/// and a way to remove them.
///
/// - `list`: the members, as the collector sorts them (owners first).
/// - `on_changed`: called after a change, to read the team again.
#[component]
fn Members(list: Vec<Member>, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let manages = desk.role.configures();
    let rows = list
        .into_iter()
        .map(|member| view! { <MemberRow member on_changed /> })
        .collect_view();
    view! {
        <table class="members">
            <caption class="visually-hidden">"The site's members"</caption>
            <thead>
                <tr>
                    <th scope="col">"E-mail address"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Since (UTC)"</th>
                    <th scope="col">"Last sign-in (UTC)"</th>
                    <th scope="col">"Two-factor"</th>
                    {manages
                        .then(|| {
                            view! {
                                <th scope="col">
                                    <span class="visually-hidden">"Actions"</span>
                                </th>
                            }
                        })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One member as a table row.
#[component]
fn MemberRow(member: Member, on_changed: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let manages = desk.role.configures();
    // The collector refuses changes to someone above oneself: no control offers them.
    let changeable = manages && Role::parse(&member.role) <= desk.role;
    let is_me = desk.email.as_deref() == Some(member.email.as_str());
    let user_id = member.user_id;
    let email = member.email.clone();
    // The role the member has, and the one picked: picking only chooses (arrow keys in a
    // closed list pick each role they pass), "Change role" sends it.
    let role = RwSignal::new(member.role.clone());
    let picked = RwSignal::new(member.role.clone());
    let role_error = RwSignal::new(None::<String>);
    let remove_error = RwSignal::new(None::<String>);
    let (busy, set_busy) = signal(false);
    let confirming = RwSignal::new(false);

    let api = desk.api.clone();
    let change = move |_| {
        let (api, wanted) = (api.clone(), picked.get_untracked());
        role_error.set(None);
        set_busy.set(true);
        spawn_local(async move {
            match api.change_role(user_id, &wanted).await {
                Ok(member) => {
                    role.set(member.role);
                    on_changed.run(());
                }
                Err(e) => {
                    // The choice goes back to the role the member still has.
                    picked.set(role.get_untracked());
                    role_error.set(Some(e.message().to_owned()));
                }
            }
            set_busy.set(false);
        });
    };
    let api = desk.api.clone();
    let remove = move |()| {
        let api = api.clone();
        remove_error.set(None);
        set_busy.set(true);
        spawn_local(async move {
            match api.remove_member(user_id).await {
                Ok(()) => on_changed.run(()),
                Err(e) => {
                    confirming.set(false);
                    remove_error.set(Some(e.message().to_owned()));
                }
            }
            set_busy.set(false);
        });
    };

    let role_id = format!("member-role-{user_id}");
    let role_message = Signal::derive(move || role_error.get());
    let remove_message = Signal::derive(move || remove_error.get());
    let role_cell = if changeable {
        let options = desk.role.grantable();
        view! {
            <div class="role-change">
                <Choice
                    id=role_id.clone()
                    options
                    current=Signal::derive(move || picked.get())
                    on_pick=move |r| {
                        role_error.set(None);
                        picked.set(r);
                    }
                    disabled=Signal::derive(move || busy.get())
                    label=format!("Role of {email}")
                />
                {move || {
                    (picked.get() != role.get())
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="change-role"
                                    disabled=busy
                                    aria-label=format!("Change the role of {email}")
                                    on:click=change.clone()
                                >
                                    "Change role"
                                </button>
                            }
                        })
                }}
            </div>
            <Refusal message=role_message />
        }
        .into_any()
    } else {
        view! { <span class="role-name">{role_label(&member.role)}</span> }.into_any()
    };
    let actions = manages.then(|| {
        let email = member.email.clone();
        view! {
            <td class="row-actions">
                {changeable
                    .then(|| {
                        view! {
                            <ConfirmButton
                                class="remove"
                                label="Remove"
                                aria_label=format!("Remove {email}")
                                question=format!("Remove {email} from the team?")
                                busy
                                confirming
                                on_confirm=remove
                            />
                        }
                    })}
                <Refusal message=remove_message />
            </td>
        }
    });
    let last = member
        .last_sign_in
        .as_deref()
        .map_or_else(|| "never".to_owned(), format::received_at);
    view! {
        <tr data-id=user_id.to_string()>
            <td class="email">
                {member.email.clone()}
                {is_me.then(|| view! { <span class="muted">" (you)"</span> })}
            </td>
            <td class="role">{role_cell}</td>
            <td class="since">{format::received_at(&member.since)}</td>
            <td class="last-sign-in">{last}</td>
            <td class="two-factor">{if member.two_factor { "On" } else { "Off" }}</td>
            {actions}
        </tr>
    }
}

/// The pending invitations, each with a way to withdraw it.
///
/// - `list`: newest first.
/// - `on_changed`: called after one was withdrawn, to list them again.
#[component]
fn Invitations(list: Vec<Invitation>, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No pending invitations."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|invitation| view! { <InvitationRow invitation on_changed /> })
        .collect_view();
    view! {
        <table class="invitations">
            <caption class="visually-hidden">"Pending invitations"</caption>
            <thead>
                <tr>
                    <th scope="col">"E-mail address"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Invited by"</th>
                    <th scope="col">"Sent (UTC)"</th>
                    <th scope="col">"Expires (UTC)"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// One pending invitation as a table row.
#[component]
fn InvitationRow(invitation: Invitation, on_changed: Callback<()>) -> impl IntoView {
    let desk = Desk::expect();
    let id = invitation.id;
    let error = RwSignal::new(None::<String>);
    let (busy, set_busy) = signal(false);
    let api = desk.api.clone();
    let withdraw = move |_| {
        let api = api.clone();
        error.set(None);
        set_busy.set(true);
        spawn_local(async move {
            match api.revoke_invitation(id).await {
                Ok(()) => on_changed.run(()),
                Err(e) => error.set(Some(e.message().to_owned())),
            }
            set_busy.set(false);
        });
    };
    let message = Signal::derive(move || error.get());
    view! {
        <tr data-id=id.to_string()>
            <td class="email">{invitation.email.clone()}</td>
            <td class="role">{role_label(&invitation.role)}</td>
            <td class="invited-by">{invitation.invited_by.clone()}</td>
            <td class="sent">{format::received_at(&invitation.created_at)}</td>
            <td class="expires">{format::received_at(&invitation.expires_at)}</td>
            <td class="row-actions">
                <button
                    type="button"
                    class="withdraw secondary"
                    disabled=busy
                    aria-label=format!("Withdraw the invitation of {}", invitation.email)
                    on:click=withdraw
                >
                    "Withdraw"
                </button>
                <Refusal message />
            </td>
        </tr>
    }
}
