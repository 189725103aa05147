//! The account page, the signed-in user's own (reached from their address in the header): a
//! new password (with the current one; their other sessions end), signing out everywhere, and
//! two-factor sign-in with an authenticator app (RFC 6238): enrolment with the password, the
//! secret shown as a QR code of its `otpauth://` URI, as that URI and as base32 to type, a first
//! code to confirm it, ten
//! recovery codes shown once (to copy or save as a text file), new recovery codes, and turning
//! it off, each with the password or a code. An API token is a site's, not a person's: signed
//! in with one, the page says so.

use crate::api::{AccountApi, ApiError, Auth};
use crate::controls::{described_by, invalid, ConfirmButton, CopyButton, FieldError, Refusal};
use crate::shell::Desk;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::team::{TwoFactorEnrolment, TwoFactorProof, TwoFactorStatus};

/// The account page.
// The props builder that #[component] generates is `pub` whatever the component's visibility.
#[allow(unreachable_pub)]
#[component]
pub(crate) fn AccountPage() -> impl IntoView {
    let desk = Desk::expect();
    let head = view! {
        <div class="page-head">
            <h2>"Your account"</h2>
        </div>
    };
    if let Auth::Token(_) = desk.api.auth {
        return view! {
            <div class="settings account">
                {head}
                <p class="empty">
                    "You are signed in with an API token, which belongs to the site, not to a person: sign in with your e-mail address and password to change your account."
                </p>
            </div>
        }
        .into_any();
    }
    let api = AccountApi {
        auth: desk.api.auth.clone(),
    };
    view! {
        <div class="settings account">
            {head}
            <p class="hint">{desk.email.clone().map(|e| format!("Signed in as {e}."))}</p>
            <PasswordForm api=api.clone() />
            <TwoFactor api=api.clone() />
            <SignOutEverywhere api />
        </div>
    }
    .into_any()
}

/// A password field with its label and the collector's refusal next to it.
#[component]
fn PasswordField(
    id: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let message = Signal::derive(move || error.get());
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="password"
                autocomplete=autocomplete
                aria-invalid=invalid(message)
                aria-describedby=described_by(error_id.clone(), message)
                bind:value=value
            />
            <FieldError id=error_id message />
        </div>
    }
}

/// The new password, given the current one.
#[component]
fn PasswordForm(api: AccountApi) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let current_error = RwSignal::new(None::<String>);
    let new_error = RwSignal::new(None::<String>);
    let again_error = RwSignal::new(None::<String>);
    let (notice, set_notice) = signal(None::<Result<String, String>>);
    let (saving, set_saving) = signal(false);
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        for e in [current_error, new_error, again_error] {
            e.set(None);
        }
        set_notice.set(None);
        let (was, wanted) = (current.get_untracked(), new.get_untracked());
        if was.is_empty() {
            current_error.set(Some("enter your current password".to_owned()));
            return;
        }
        if wanted != again.get_untracked() {
            again_error.set(Some("the two new passwords differ".to_owned()));
            return;
        }
        let api = api.clone();
        set_saving.set(true);
        spawn_local(async move {
            match api.change_password(&was, &wanted).await {
                Ok(()) => {
                    for value in [current, new, again] {
                        value.set(String::new());
                    }
                    set_notice.set(Some(Ok(
                        "Password changed; your other sessions were signed out".to_owned(),
                    )));
                }
                // 403 `wrong_password`: the current one; 422: the new one is too short or long.
                Err(ApiError::Denied(m)) => current_error.set(Some(m)),
                Err(ApiError::Invalid(m)) => new_error.set(Some(m)),
                Err(e) => set_notice.set(Some(Err(e.message().to_owned()))),
            }
            set_saving.set(false);
        });
    };
    view! {
        <form class="panel change-password" on:submit=save>
            <h3>"Password"</h3>
            <PasswordField
                id="current-password"
                label="Current password"
                autocomplete="current-password"
                value=current
                error=current_error
            />
            <PasswordField
                id="new-password"
                label="New password (at least 10 characters)"
                autocomplete="new-password"
                value=new
                error=new_error
            />
            <PasswordField
                id="new-password-again"
                label="New password again"
                autocomplete="new-password"
                value=again
                error=again_error
            />
            <button type="submit" class="save-password" disabled=saving>"Change password"</button>
            {move || match notice.get() {
                Some(Ok(m)) => view! { <p class="notice" role="status">{m}</p> }.into_any(),
                Some(Err(m)) => view! { <p class="error" role="alert">{m}</p> }.into_any(),
                None => ().into_any(),
            }}
        </form>
    }
}

/// Ends every session of the user, this one too, after a confirmation.
#[component]
fn SignOutEverywhere(api: AccountApi) -> impl IntoView {
    let desk = Desk::expect();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let (busy, set_busy) = signal(false);
    let end = move |()| {
        let api = api.clone();
        set_busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api.sign_out_everywhere().await {
                Ok(()) => desk
                    .session_ended
                    .run("You were signed out everywhere, in this browser too.".to_owned()),
                Err(e) => {
                    confirming.set(false);
                    error.set(Some(e.message().to_owned()));
                }
            }
            set_busy.set(false);
        });
    };
    view! {
        <section class="panel sign-out-everywhere" aria-labelledby="sessions-title">
            <h3 id="sessions-title">"Sessions"</h3>
            <p class="hint">
                "Signs you out in every browser, this one too: for a lost or shared device. API tokens are the site's, and stay."
            </p>
            <div class="row-actions">
                <ConfirmButton
                    class="sign-out-all"
                    label="Sign out everywhere"
                    aria_label="Sign out everywhere"
                    question="Sign out in every browser, this one too?"
                    busy
                    confirming
                    on_confirm=end
                />
            </div>
            <Refusal message=Signal::derive(move || error.get()) />
        </section>
    }
}

/// Where two-factor enrolment stands on this page.
#[derive(Debug, Clone, PartialEq)]
enum Enrolment {
    /// As the collector reported it.
    Status(TwoFactorStatus),
    /// Started: the secret to put into the app, waiting for its first code.
    Started(TwoFactorEnrolment),
    /// New recovery codes, shown this once.
    Codes(Vec<String>),
}

/// Two-factor sign-in: its state, and what can be done next.
#[component]
fn TwoFactor(api: AccountApi) -> impl IntoView {
    let fetch_api = api.clone();
    let status = LocalResource::new(move || {
        let api = fetch_api.clone();
        async move { api.two_factor().await }
    });
    view! {
        <section class="panel two-factor" aria-labelledby="two-factor-title">
            <h3 id="two-factor-title">"Two-factor sign-in"</h3>
            <p class="hint">
                "With it on, signing in asks for a 6-digit code from an authenticator app on your phone as well as your password."
            </p>
            <Transition fallback=|| {
                view! { <p class="loading" role="status">"Loading…"</p> }
            }>
                {move || {
                    let api = api.clone();
                    Suspend::new(async move {
                        match status.await {
                            Ok(now) => {
                                let step = RwSignal::new(Enrolment::Status(now));
                                view! {
                                    <TwoFactorSteps api step on_changed=move |()| status.refetch() />
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
        </section>
    }
}

/// The step of two-factor sign-in that shows.
///
/// - `step`: where it stands.
/// - `on_changed`: called once the codes were seen, to read the state again.
#[component]
fn TwoFactorSteps(
    api: AccountApi,
    step: RwSignal<Enrolment>,
    #[prop(into)] on_changed: Callback<()>,
) -> impl IntoView {
    move || match step.get() {
        Enrolment::Status(status) if !status.available => view! {
            <p class="muted">
                "Two-factor sign-in is off on this collector: its operator turns it on by setting "
                <code>"two_factor_key"</code>
                "."
            </p>
        }
        .into_any(),
        Enrolment::Status(status) if status.enabled => {
            view! { <Enabled api=api.clone() status step /> }.into_any()
        }
        Enrolment::Status(status) => {
            view! { <Start api=api.clone() pending=status.pending step /> }.into_any()
        }
        Enrolment::Started(enrolment) => {
            view! { <Confirm api=api.clone() enrolment step /> }.into_any()
        }
        Enrolment::Codes(codes) => view! { <RecoveryCodes codes on_done=on_changed /> }.into_any(),
    }
}

/// Starts enrolment with the password.
#[component]
fn Start(api: AccountApi, pending: bool, step: RwSignal<Enrolment>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (sending, set_sending) = signal(false);
    let start = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (api, typed) = (api.clone(), password.get_untracked());
        if typed.is_empty() {
            error.set(Some("enter your password".to_owned()));
            return;
        }
        error.set(None);
        set_sending.set(true);
        spawn_local(async move {
            match api.start_two_factor(&typed).await {
                Ok(enrolment) => step.set(Enrolment::Started(enrolment)),
                Err(e) => error.set(Some(e.message().to_owned())),
            }
            set_sending.set(false);
        });
    };
    view! {
        <form class="start-two-factor" on:submit=start>
            <p>
                {if pending {
                    "Off. An enrolment was started and waits for its first code: start again to see a new key."
                } else {
                    "Off."
                }}
            </p>
            <PasswordField
                id="two-factor-password"
                label="Your password, to turn it on"
                autocomplete="current-password"
                value=password
                error
            />
            <button type="submit" class="start-two-factor" disabled=sending>
                "Turn on two-factor sign-in"
            </button>
        </form>
    }
}

/// `ABCD EFGH …`: the base32 secret in groups of four, as people type it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A QR code of `text` as the side of its square (a 4-module quiet zone included) and an SVG
/// path of its dark modules; `None` for a text too long for one.
fn qr_code(text: &str) -> Option<(i32, String)> {
    use std::fmt::Write as _;
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + 4, y + 4);
            }
        }
    }
    Some((size + 8, path))
}

/// The secret for the app, and the first code that confirms it.
#[component]
fn Confirm(
    api: AccountApi,
    enrolment: TwoFactorEnrolment,
    step: RwSignal<Enrolment>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (sending, set_sending) = signal(false);
    let confirm = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (api, typed) = (api.clone(), code.get_untracked().trim().to_owned());
        if typed.is_empty() {
            error.set(Some("enter the code the app shows".to_owned()));
            return;
        }
        error.set(None);
        set_sending.set(true);
        spawn_local(async move {
            match api.confirm_two_factor(&typed).await {
                Ok(codes) => step.set(Enrolment::Codes(codes.recovery_codes)),
                Err(e) => error.set(Some(e.message().to_owned())),
            }
            set_sending.set(false);
        });
    };
    let message = Signal::derive(move || error.get());
    let secret = enrolment.secret.clone();
    let uri = enrolment.otpauth_uri.clone();
    view! {
        <form class="confirm-two-factor" on:submit=confirm>
            <ol class="steps">
                <li>
                    <p>"Scan this code with your authenticator app:"</p>
                    {qr_code(&uri)
                        .map(|(side, path)| {
                            view! {
                                <svg
                                    class="qr"
                                    viewBox=format!("0 0 {side} {side}")
                                    width="176"
                                    height="176"
                                    role="img"
                                    aria-label="QR code of the setup link, for the authenticator app's camera"
                                    shape-rendering="crispEdges"
                                >
                                    <rect width=side.to_string() height=side.to_string() fill="#fff" />
                                    <path d=path fill="#000" />
                                </svg>
                            }
                        })}
                    <p>
                        "Or add an account with this key (time-based, 6 digits, every 30 seconds):"
                    </p>
                    <div class="copy-row">
                        <code class="two-factor-secret" data-secret=secret.clone()>
                            {grouped(&secret)}
                        </code>
                        <CopyButton text=secret label="Copy the key" />
                    </div>
                    <p class="hint">
                        "Or, in an app that takes a link, this setup link (it holds the same key):"
                    </p>
                    <label for="otpauth-uri" class="visually-hidden">"Setup link"</label>
                    <div class="copy-row">
                        <input
                            id="otpauth-uri"
                            type="text"
                            readonly
                            spellcheck="false"
                            prop:value=uri.clone()
                        />
                        <CopyButton text=uri label="Copy the setup link" />
                    </div>
                </li>
                <li>
                    <div class="field">
                        <label for="two-factor-code">"The 6-digit code the app shows now"</label>
                        <input
                            id="two-factor-code"
                            type="text"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            spellcheck="false"
                            aria-invalid=invalid(message)
                            aria-describedby=described_by("two-factor-code-error".to_owned(), message)
                            bind:value=code
                        />
                        <FieldError id="two-factor-code-error" message />
                    </div>
                </li>
            </ol>
            <button type="submit" class="confirm-two-factor" disabled=sending>
                "Confirm and turn on"
            </button>
        </form>
    }
}

/// Ten recovery codes, shown this once: to copy, or to save as a text file.
#[component]
fn RecoveryCodes(codes: Vec<String>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let text = codes.join("\n") + "\n";
    let href = format!(
        "data:text/plain;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&text))
    );
    let items = codes
        .into_iter()
        .map(|c| view! { <li><code>{c}</code></li> })
        .collect_view();
    view! {
        <div class="secret recovery" role="status">
            <p>
                <strong>"Two-factor sign-in is on."</strong>
                " These recovery codes are shown only this once. Each signs you in once instead of a code from the app, if you lose your phone: keep them somewhere safe."
            </p>
            <ol class="recovery-codes">{items}</ol>
            <div class="actions">
                <CopyButton text=text label="Copy the recovery codes" />
                <a class="download" href=href download="hark-recovery-codes.txt">
                    "Save as a text file"
                </a>
                <button type="button" class="codes-done secondary" on:click=move |_| on_done.run(())>
                    "I have saved them"
                </button>
            </div>
        </div>
    }
}

/// On: how many recovery codes are left; new codes, or turning it off, each with the
/// password or a code.
#[component]
fn Enabled(api: AccountApi, status: TwoFactorStatus, step: RwSignal<Enrolment>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (sending, set_sending) = signal(false);
    let proof = move || {
        let (password, code) = (password.get_untracked(), code.get_untracked());
        match (password.is_empty(), code.trim().is_empty()) {
            (false, _) => Some(TwoFactorProof {
                password: Some(password),
                code: None,
            }),
            (true, false) => Some(TwoFactorProof {
                password: None,
                code: Some(code.trim().to_owned()),
            }),
            (true, true) => None,
        }
    };
    let act = move |what: &'static str| {
        let api = api.clone();
        move |_| {
            let Some(proof) = proof() else {
                error.set(Some(
                    "enter your password, or a code from the app or a recovery code".to_owned(),
                ));
                return;
            };
            let api = api.clone();
            error.set(None);
            set_sending.set(true);
            spawn_local(async move {
                let done = match what {
                    "codes" => api
                        .new_recovery_codes(&proof)
                        .await
                        .map(|c| Enrolment::Codes(c.recovery_codes)),
                    _ => api.disable_two_factor(&proof).await.map(|()| {
                        Enrolment::Status(TwoFactorStatus {
                            available: true,
                            enabled: false,
                            pending: false,
                            recovery_codes_left: 0,
                        })
                    }),
                };
                match done {
                    Ok(next) => step.set(next),
                    Err(e) => error.set(Some(e.message().to_owned())),
                }
                set_sending.set(false);
            });
        }
    };
    let left = match status.recovery_codes_left {
        1 => "1 recovery code left".to_owned(),
        n => format!("{n} recovery codes left"),
    };
    view! {
        <p class="two-factor-state">
            <strong>"On."</strong>
            " "
            {left}
            "."
        </p>
        <fieldset class="two-factor-proof">
            <legend>"To make new recovery codes or turn it off, prove it is you"</legend>
            <div class="field">
                <label for="proof-password">"Your password"</label>
                <input
                    id="proof-password"
                    type="password"
                    autocomplete="current-password"
                    bind:value=password
                />
            </div>
            <div class="field">
                <label for="proof-code">"Or a code from the app, or a recovery code"</label>
                <input
                    id="proof-code"
                    type="text"
                    autocomplete="one-time-code"
                    spellcheck="false"
                    bind:value=code
                />
            </div>
        </fieldset>
        <div class="actions">
            <button type="button" class="new-codes secondary" disabled=sending on:click=act("codes")>
                "New recovery codes"
            </button>
            <button
                type="button"
                class="disable-two-factor secondary"
                disabled=sending
                on:click=act("disable")
            >
                "Turn off two-factor sign-in"
            </button>
        </div>
        <Refusal message=Signal::derive(move || error.get()) />
    }
}
