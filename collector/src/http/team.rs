//! A site's team: `/api/v1/admin/sites/{site_key}/members` (viewers and up see who is in it;
//! admins and up change roles and remove members) and `…/invitations` (admins and up invite by
//! e-mail, list the pending invitations and withdraw them), every change audited; and the public
//! side of an invitation, `/api/v1/invitations/preview` and `…/accept`, limited as sign-in is.
//!
//! Who may do what is `team::may_assign` (nobody gives a role above their own, or changes someone
//! above them); that a site keeps an owner is kept by the store, in the change's transaction.

use super::admin::{audit_change, Caller};
use super::session::{
    open_session, peer_address, second_factor_at_sign_in, session_cookie, site_roles,
    verify_password, Attempt,
};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::accounts::{Email, Password};
use crate::clock::{rfc3339, Millis};
use crate::store::team_store::{Acceptance, InvitationRecord, Invitee, MemberRecord, TeamChange};
use crate::store::AuditEntry;
use crate::team::{may_assign, may_change, InvitationState, InvitationToken, INVITATION_MS};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use shared::api::Account;
use shared::team::{
    AcceptInvitation, Invitation, InvitationList, InvitationPreview, InvitationToken as TokenBody,
    Member, MemberList, NewInvitation, RoleChange, SentInvitation,
};
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(members))
        .routes(routes!(change_role, remove_member))
        .routes(routes!(invitations, invite))
        .routes(routes!(revoke_invitation))
        .routes(routes!(preview))
        .routes(routes!(accept))
}

const NO_MEMBER: &str = "this site has no member with this id";
const NO_INVITATION: &str = "this site has no pending invitation with this id";
const UNKNOWN_LINK: &str = "no invitation has this link: check that it was copied whole";

fn member(m: MemberRecord) -> Member {
    Member {
        user_id: m.user_id,
        email: m.email,
        role: m.role.to_string(),
        since: rfc3339(m.since),
        last_sign_in: m.last_sign_in.map(rfc3339),
        two_factor: m.two_factor,
    }
}

fn invitation(i: &InvitationRecord) -> Invitation {
    Invitation {
        id: i.id,
        email: i.email.clone(),
        role: i.role.to_string(),
        invited_by: i.invited_by.clone(),
        created_at: rfc3339(i.created_at),
        expires_at: rfc3339(i.expires_at),
    }
}

/// A path's id, parsed here rather than by the extractor, so that a bad one gets the JSON error
/// shape.
fn id(text: &str, missing: &'static str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound(missing))
}

fn role(text: &str) -> Result<Role, ApiError> {
    text.parse().map_err(ApiError::Invalid)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The site's team (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/members",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "Owners first, then by role, then by address", body = MemberList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<MemberList>, ApiError> {
    let key = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let members = state
        .store
        .members(&key)
        .await?
        .into_iter()
        .map(member)
        .collect();
    Ok(Json(MemberList {
        site_key: key,
        members,
    }))
}

/// Gives a member another role (admin and up, audited): no higher than one's own, to a member
/// no higher than oneself; the site's last owner stays owner.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/members/{user_id}",
    tag = super::openapi::ADMIN,
    request_body = RoleChange,
    params(("site_key" = String, Path, description = "The site's key"), ("user_id" = i64, Path, description = "The member's user id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The member with their new role", body = Member),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "Too low a role on this site, a role above one's own, or a member above oneself", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such member", body = super::openapi::ErrorDoc),
        (status = 409, description = "The site's last owner, or the member changed meanwhile", body = super::openapi::ErrorDoc),
        (status = 422, description = "An unknown role", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, body))]
async fn change_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, user_id)): Path<(String, String)>,
    body: Result<Json<RoleChange>, JsonRejection>,
) -> Result<Json<Member>, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let Json(RoleChange { role: wanted }) = body?;
    let wanted = role(&wanted)?;
    let user_id = id(&user_id, NO_MEMBER)?;
    let key = grant.site.key.clone();
    let found = state
        .store
        .member(&key, user_id)
        .await?
        .ok_or(ApiError::NotFound(NO_MEMBER))?;
    may_assign(grant.role, Some(found.role), wanted)
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
    if found.role == wanted {
        return Ok(Json(member(found)));
    }
    match state
        .store
        .change_role(&key, user_id, found.role, wanted)
        .await?
    {
        TeamChange::Done => {}
        TeamChange::LastOwner => {
            return Err(ApiError::Conflict(
                "the site's last owner cannot be given another role: make someone else owner first"
                    .into(),
            ))
        }
        TeamChange::Stale => return Err(stale()),
    }
    audit_change(
        &state,
        &caller,
        &key,
        "member.role",
        format!("user:{user_id} {} {} -> {wanted}", found.email, found.role),
    )
    .await?;
    let changed = state
        .store
        .member(&key, user_id)
        .await?
        .ok_or(ApiError::NotFound(NO_MEMBER))?;
    Ok(Json(member(changed)))
}

fn stale() -> ApiError {
    ApiError::Conflict("the member's role changed meanwhile: read the team again".into())
}

/// Removes a member from the site (admin and up, audited): a member no higher than oneself; not
/// the site's last owner.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/sites/{site_key}/members/{user_id}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("user_id" = i64, Path, description = "The member's user id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Removed: they lose the site at their next request, and their active cases go to nobody"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "Too low a role on this site, or a member above oneself", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such member", body = super::openapi::ErrorDoc),
        (status = 409, description = "The site's last owner, or the member changed meanwhile", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let user_id = id(&user_id, NO_MEMBER)?;
    let key = grant.site.key.clone();
    let found = state
        .store
        .member(&key, user_id)
        .await?
        .ok_or(ApiError::NotFound(NO_MEMBER))?;
    may_change(grant.role, Some(found.role))
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
    match state.store.remove_member(&key, user_id, found.role).await? {
        TeamChange::Done => {}
        TeamChange::LastOwner => {
            return Err(ApiError::Conflict(
                "the site's last owner cannot be removed: make someone else owner first".into(),
            ))
        }
        TeamChange::Stale => return Err(stale()),
    }
    audit_change(
        &state,
        &caller,
        &key,
        "member.remove",
        format!("user:{user_id} {} {}", found.email, found.role),
    )
    .await?;
    // Their active cases go back to the team.
    let now = state.clock.now_ms();
    crate::complaints::cases::hand_back(
        state.store.as_ref(),
        &key,
        user_id,
        &found.email,
        &crate::complaints::cases::Who::team(grant.role, caller.timeline_actor(), caller.user_id()),
        now,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The site's pending invitations (admin and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/invitations",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "Sent, not used, not withdrawn, not expired; newest first", body = InvitationList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "Too low a role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn invitations(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<InvitationList>, ApiError> {
    let key = caller.on_site(&site_key, Role::Admin)?.site.key.clone();
    let invitations = state
        .store
        .pending_invitations(&key, state.clock.now_ms())
        .await?
        .iter()
        .map(invitation)
        .collect();
    Ok(Json(InvitationList {
        site_key: key,
        invitations,
    }))
}

/// Invites someone by e-mail with a role no higher than one's own (admin and up, audited). The
/// link works once, for 7 days; an earlier pending invitation of the same address is withdrawn.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/invitations",
    tag = super::openapi::ADMIN,
    request_body = NewInvitation,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "Sent: mailed when the collector has an SMTP server (the link is then never shown), else the link to hand over", body = SentInvitation),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "Too low a role on this site, or a role above one's own", body = super::openapi::ErrorDoc),
        (status = 409, description = "The address is a member already", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad address or an unknown role", body = super::openapi::ErrorDoc),
        (status = 502, description = "The SMTP server did not take the message (`mail_failed`); nothing was sent or kept", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, headers, body))]
async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    headers: HeaderMap,
    body: Result<Json<NewInvitation>, JsonRejection>,
) -> Result<Response, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let Json(NewInvitation {
        email,
        role: wanted,
    }) = body?;
    let email = Email::parse(&email).map_err(ApiError::Invalid)?;
    let wanted = role(&wanted)?;
    may_assign(grant.role, None, wanted)
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
    let site = grant.site.clone();
    if let Some(user) = state.store.user_by_email(email.as_str()).await? {
        if state.store.member(&site.key, user.id).await?.is_some() {
            return Err(ApiError::Conflict(format!(
                "{email} is a member of this site already: change their role instead"
            )));
        }
    }
    let now = state.clock.now_ms();
    let token = InvitationToken::generate();
    let invited_by = caller.actor();
    let (id, withdrawn) = state
        .store
        .create_invitation(
            &site.key,
            email.as_str(),
            wanted,
            &InvitationToken::hash(token.expose()),
            &invited_by,
            now,
            now + INVITATION_MS,
        )
        .await?
        .ok_or(ApiError::UnknownSite)?;
    let record = InvitationRecord {
        id,
        site: site.key.clone(),
        site_name: site.name.clone(),
        email: email.to_string(),
        role: wanted,
        invited_by: invited_by.clone(),
        created_at: now,
        expires_at: now + INVITATION_MS,
        accepted_at: None,
        revoked_at: None,
    };
    let base = match &state.public_url {
        Some(url) => url.clone(),
        None => super::complaints::own_url(&headers),
    };
    let link = token.link(&base);
    let mailed = match &state.mailer {
        Some(mailer) => {
            let message =
                crate::notify::invitation::render(&crate::notify::invitation::Invitation {
                    site_name: &site.name,
                    role: wanted,
                    invited_by: &invited_by,
                    link: &link,
                    expires: &written(record.expires_at),
                });
            if let Err(e) = mailer.send_now(email.as_str(), &message).await {
                tracing::warn!(error = %e, "an invitation could not be mailed");
                state.store.delete_invitation(id).await?;
                return Err(ApiError::MailFailed(format!(
                    "the invitation could not be mailed, so none was made: {e}"
                )));
            }
            true
        }
        None => false,
    };
    let replaced = if withdrawn > 0 {
        format!(", replacing {withdrawn} pending")
    } else {
        String::new()
    };
    audit_change(
        &state,
        &caller,
        &site.key,
        "invitation.create",
        format!("invitation:{id} {email} role={wanted}{replaced}"),
    )
    .await?;
    let sent = SentInvitation {
        invitation: invitation(&record),
        mailed,
        // A mailed link stays in the mailbox: whoever invites cannot use it in the invitee's name.
        link: (!mailed).then_some(link),
    };
    Ok(no_store((StatusCode::CREATED, Json(sent)).into_response()))
}

/// `2026-12-03 14:00 UTC`.
fn written(at: Millis) -> String {
    let t = rfc3339(at);
    format!("{} UTC", t.get(..16).unwrap_or(&t).replacen('T', " ", 1))
}

/// Withdraws a pending invitation of a role no higher than one's own (admin and up, audited):
/// its link stops working.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/sites/{site_key}/invitations/{id}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("id" = i64, Path, description = "The invitation's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "Too low a role on this site, or an invitation above one's own role", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such pending invitation", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, invitation_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let grant = caller.on_site(&site_key, Role::Admin)?;
    let invitation_id = id(&invitation_id, NO_INVITATION)?;
    let key = grant.site.key.clone();
    let now = state.clock.now_ms();
    let found = state
        .store
        .invitation(&key, invitation_id)
        .await?
        .filter(|i| {
            InvitationState::of(i.accepted_at, i.revoked_at, i.expires_at, now)
                == InvitationState::Pending
        })
        .ok_or(ApiError::NotFound(NO_INVITATION))?;
    may_assign(grant.role, None, found.role)
        .map_err(|refusal| ApiError::Forbidden(refusal.to_string()))?;
    if !state
        .store
        .revoke_invitation(&key, invitation_id, now)
        .await?
    {
        return Err(ApiError::NotFound(NO_INVITATION));
    }
    audit_change(
        &state,
        &caller,
        &key,
        "invitation.revoke",
        format!(
            "invitation:{invitation_id} {} role={}",
            found.email, found.role
        ),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The invitation a link's token names, if it is still pending; an unknown token counts toward
/// the client's sign-in limit.
async fn pending_invitation(
    state: &AppState,
    token: &str,
    peer: Option<SocketAddr>,
) -> Result<(InvitationRecord, Attempt), ApiError> {
    let found = state
        .store
        .invitation_by_token(&InvitationToken::hash(token))
        .await?;
    let attempt = Attempt::start(state, found.as_ref().map(|i| i.email.as_str()), peer)?;
    let Some(found) = found else {
        attempt.failed(state);
        tracing::info!("an unknown invitation link was refused");
        return Err(ApiError::NotFound(UNKNOWN_LINK));
    };
    refuse_unless_pending(&found, state.clock.now_ms())?;
    Ok((found, attempt))
}

fn refuse_unless_pending(i: &InvitationRecord, now: Millis) -> Result<(), ApiError> {
    match InvitationState::of(i.accepted_at, i.revoked_at, i.expires_at, now).refusal() {
        Some(why) => Err(ApiError::Gone(why.into())),
        None => Ok(()),
    }
}

/// What an invitation's link offers, for the page that accepts it (public, limited as sign-in
/// is: an unknown link counts as a failed sign-in of the client).
#[utoipa::path(
    post,
    path = "/api/v1/invitations/preview",
    tag = super::openapi::PUBLIC,
    request_body = shared::team::InvitationToken,
    responses(
        (status = 200, description = "The pending invitation", body = InvitationPreview),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 404, description = "No invitation has this token", body = super::openapi::ErrorDoc),
        (status = 410, description = "The invitation was used, withdrawn or has expired (the message says which)", body = super::openapi::ErrorDoc),
        (status = 429, description = "Too many failures from this client; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn preview(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Json<TokenBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(TokenBody { token }) = body?;
    let (found, _) = pending_invitation(&state, &token, peer_address(peer)).await?;
    let existing_user = state.store.user_by_email(&found.email).await?.is_some();
    Ok(no_store(
        Json(InvitationPreview {
            site_key: found.site,
            site_name: found.site_name,
            email: found.email,
            role: found.role.to_string(),
            expires_at: rfc3339(found.expires_at),
            existing_user,
        })
        .into_response(),
    ))
}

/// Accepts an invitation (public, limited as sign-in is). Someone new sends a password and gets
/// an account, the membership and a session (`201`, the cookie set). Someone with an account
/// either is signed in (the session cookie and `X-CSRF-Token`; `200`, the session kept) or sends
/// their password, and their code if they sign in with a second factor (`200`, a new session).
#[utoipa::path(
    post,
    path = "/api/v1/invitations/accept",
    tag = super::openapi::PUBLIC,
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "An existing user joined the site: `shared::api::Account` (`{email, csrf_token, sites}`), with a new session cookie when they gave their password", body = shared::api::Account),
        (status = 201, description = "A new user was made, joined the site and is signed in: `shared::api::Account` and the session cookie", body = shared::api::Account),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "A wrong password (`wrong_credentials`), a second factor needed (`two_factor_required`) or wrong (`wrong_code`), or an expired session", body = super::openapi::ErrorDoc),
        (status = 403, description = "Signed in as someone else than the invitation's address, or a missing CSRF token", body = super::openapi::ErrorDoc),
        (status = 404, description = "No invitation has this token", body = super::openapi::ErrorDoc),
        (status = 409, description = "An account with the address was made meanwhile: accept by signing in", body = super::openapi::ErrorDoc),
        (status = 410, description = "The invitation was used, withdrawn or has expired (the message says which)", body = super::openapi::ErrorDoc),
        (status = 422, description = "No password, or a new password that is too short or too long", body = super::openapi::ErrorDoc),
        (status = 429, description = "Too many failures for this address or from this client; see Retry-After", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip_all)]
async fn accept(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Json<AcceptInvitation>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(AcceptInvitation {
        token,
        password,
        code,
    }) = body?;
    let now = state.clock.now_ms();
    let (found, attempt) = pending_invitation(&state, &token, peer_address(peer)).await?;
    let token_hash = InvitationToken::hash(&token);
    let Some(user) = state.store.user_by_email(&found.email).await? else {
        let password = Password::new(password.ok_or_else(|| {
            ApiError::Invalid("choose a password: send `password`, 10 to 1024 characters".into())
        })?)
        .map_err(ApiError::Invalid)?;
        let password_hash = tokio::task::spawn_blocking(move || password.hash())
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(ApiError::Internal)?;
        let user_id = joined(
            &state,
            &found,
            state
                .store
                .accept_invitation(&token_hash, &Invitee::New { password_hash }, now)
                .await?,
            "new user",
        )
        .await?;
        let mut response = open_session(&state, user_id, found.email.clone(), now).await?;
        *response.status_mut() = StatusCode::CREATED;
        return Ok(response);
    };

    let session = match password {
        Some(password) => {
            if !verify_password(password, Some(user.password_hash.clone())).await? {
                attempt.failed(&state);
                tracing::info!("an invitation was refused: a wrong password");
                return Err(ApiError::WrongCredentials);
            }
            second_factor_at_sign_in(&state, &attempt, user.id, code.as_deref(), now).await?;
            None
        }
        None if session_cookie(&headers).is_some() => {
            let caller = Caller::from_headers(&headers, &Method::POST, &state).await?;
            let Caller::Session {
                user_id,
                csrf_token,
                ..
            } = caller
            else {
                return Err(ApiError::Forbidden(
                    "an API token cannot accept an invitation".into(),
                ));
            };
            if user_id != user.id {
                return Err(ApiError::Forbidden(format!(
                    "this invitation is for {}: sign out, and accept it as that user",
                    found.email
                )));
            }
            Some(csrf_token)
        }
        None => {
            return Err(ApiError::Invalid(format!(
                "{} has an account: sign in first, or send its `password`",
                found.email
            )))
        }
    };
    let accepted = state
        .store
        .accept_invitation(&token_hash, &Invitee::Existing { user_id: user.id }, now)
        .await?;
    joined(&state, &found, accepted, "existing user").await?;
    match session {
        // Signed in already: the session goes on, with the new site in it.
        Some(csrf_token) => {
            let grants = state.store.memberships(user.id).await?;
            Ok(no_store(
                Json(Account {
                    email: user.email,
                    csrf_token,
                    sites: site_roles(&grants),
                })
                .into_response(),
            ))
        }
        None => open_session(&state, user.id, user.email, now).await,
    }
}

/// The user who joined through an invitation, its acceptance audited on the site; the refusal
/// for one that was spent or withdrawn in the meantime.
async fn joined(
    state: &AppState,
    found: &InvitationRecord,
    accepted: Acceptance,
    who: &str,
) -> Result<i64, ApiError> {
    match accepted {
        Acceptance::Joined { user_id, role } => {
            state
                .store
                .record_audit(&AuditEntry {
                    at: state.clock.now_ms(),
                    actor: found.email.clone(),
                    site: Some(found.site.clone()),
                    action: "invitation.accept".into(),
                    detail: format!("invitation:{} {who}, user:{user_id} role={role}", found.id),
                })
                .await?;
            Ok(user_id)
        }
        Acceptance::NotPending(now) => {
            refuse_unless_pending(&now, state.clock.now_ms())?;
            Err(ApiError::Gone(
                "this invitation cannot be used any more".into(),
            ))
        }
        Acceptance::Unknown => Err(ApiError::NotFound(UNKNOWN_LINK)),
        Acceptance::UserExists => Err(ApiError::Conflict(format!(
            "{} has an account now: accept the invitation by signing in",
            found.email
        ))),
    }
}
