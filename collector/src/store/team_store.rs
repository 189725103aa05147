//! A site's team and each user's account: members, invitations (migration 0030), passwords,
//! sessions ended together, and second factors. A supertrait of `Store`; its SQL is written once
//! for both engines (`team_sql.rs`).
//!
//! The rule that needs every member in view is kept here, in the transaction of the change: a
//! site keeps at least one owner (on PostgreSQL the site's row is locked first, so that two
//! owners demoting each other at once cannot both succeed).

use super::StoreResult;
use crate::access::Role;
use crate::clock::Millis;
use async_trait::async_trait;
use shared::SiteKey;

/// A member of a site, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    /// When they joined the site.
    pub since: Millis,
    pub last_sign_in: Option<Millis>,
    /// Whether they sign in with a confirmed second factor.
    pub two_factor: bool,
}

/// What became of a change to a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamChange {
    Done,
    /// They are no member, or their role is no longer the one the change was checked against.
    Stale,
    /// It would leave the site without an owner.
    LastOwner,
}

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: i64,
    pub site: SiteKey,
    pub site_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub accepted_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

/// Who accepts an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    /// Someone without an account: one is made with the invitation's address and this password
    /// (Argon2id, PHC).
    New { password_hash: String },
    /// A user who proved who they are; their address is the invitation's.
    Existing { user_id: i64 },
}

/// What accepting an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// The user (made now, or existing) is a member with `role`: the invitation's, or the higher
    /// one they had already.
    Joined { user_id: i64, role: Role },
    /// The invitation was not pending (any more) at `now`.
    NotPending(InvitationRecord),
    /// No invitation has this token.
    Unknown,
    /// `Invitee::New`, but an account with the address exists by now.
    UserExists,
}

/// A user's second factor, its secret still sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct TwoFactorRecord {
    pub sealed_secret: String,
    pub confirmed: bool,
    /// The newest step whose code was accepted.
    pub last_step: i64,
    pub recovery_codes_left: u32,
}

impl std::fmt::Debug for TwoFactorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwoFactorRecord")
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .field("recovery_codes_left", &self.recovery_codes_left)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait TeamStore: Send + Sync + 'static {
    /// A site's members: owners first, then by role, then by address.
    async fn members(&self, site: &SiteKey) -> StoreResult<Vec<MemberRecord>>;

    /// One member of a site.
    async fn member(&self, site: &SiteKey, user_id: i64) -> StoreResult<Option<MemberRecord>>;

    /// Gives a member whose role is still `from` the role `to`, unless that leaves the site
    /// without an owner.
    async fn change_role(
        &self,
        site: &SiteKey,
        user_id: i64,
        from: Role,
        to: Role,
    ) -> StoreResult<TeamChange>;

    /// Removes a member whose role is still `from`, unless they are the site's last owner. Their
    /// notification preferences on the site go with them.
    async fn remove_member(
        &self,
        site: &SiteKey,
        user_id: i64,
        from: Role,
    ) -> StoreResult<TeamChange>;

    /// Stores an invitation (its token's hash) and withdraws the address's earlier pending ones
    /// on the site, in one transaction; its id and how many were withdrawn, `None` for an
    /// unknown site.
    #[allow(clippy::too_many_arguments)]
    async fn create_invitation(
        &self,
        site: &SiteKey,
        email: &str,
        role: Role,
        token_hash: &str,
        invited_by: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<Option<(i64, u64)>>;

    /// Forgets an invitation that could not be sent.
    async fn delete_invitation(&self, id: i64) -> StoreResult<()>;

    /// A site's invitations still pending at `now`, newest first.
    async fn pending_invitations(
        &self,
        site: &SiteKey,
        now: Millis,
    ) -> StoreResult<Vec<InvitationRecord>>;

    /// One invitation of a site, whatever its state.
    async fn invitation(&self, site: &SiteKey, id: i64) -> StoreResult<Option<InvitationRecord>>;

    /// The invitation a token's hash names, whatever its state.
    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<InvitationRecord>>;

    /// Withdraws a pending invitation; false if the site has no such invitation pending.
    async fn revoke_invitation(&self, site: &SiteKey, id: i64, now: Millis) -> StoreResult<bool>;

    /// Spends an invitation, if it is pending at `now`: makes the user (for `Invitee::New`),
    /// gives them the invitation's role on its site (never lowering a role they have) and marks
    /// it used, in one transaction.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        invitee: &Invitee,
        now: Millis,
    ) -> StoreResult<Acceptance>;

    /// A user's address and password hash, by id.
    async fn user_by_id(&self, user_id: i64) -> StoreResult<Option<super::User>>;

    /// Records a sign-in.
    async fn record_sign_in(&self, user_id: i64, now: Millis) -> StoreResult<()>;

    /// Sets a user's password and ends every session of theirs but `keep` (a session token's
    /// hash), in one transaction; how many sessions ended.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
    ) -> StoreResult<u64>;

    /// Ends every session of a user; how many.
    async fn end_sessions(&self, user_id: i64) -> StoreResult<u64>;

    /// A user's second factor, confirmed or waiting for its first code.
    async fn two_factor(&self, user_id: i64) -> StoreResult<Option<TwoFactorRecord>>;

    /// Starts (or starts again) an enrolment with a sealed secret; false when the user has a
    /// confirmed second factor already.
    async fn start_two_factor(
        &self,
        user_id: i64,
        sealed_secret: &str,
        now: Millis,
    ) -> StoreResult<bool>;

    /// Confirms a waiting enrolment with the step of its first code and stores its recovery
    /// codes' hashes, in one transaction; false when none was waiting.
    async fn confirm_two_factor(
        &self,
        user_id: i64,
        step: i64,
        recovery_hashes: &[String],
        now: Millis,
    ) -> StoreResult<bool>;

    /// Spends the code of `step`, if it is newer than the last one accepted: true once per step.
    async fn use_code_step(&self, user_id: i64, step: i64) -> StoreResult<bool>;

    /// Spends a recovery code by its hash: true once per code.
    async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        now: Millis,
    ) -> StoreResult<bool>;

    /// Replaces a user's recovery codes.
    async fn replace_recovery_codes(&self, user_id: i64, hashes: &[String]) -> StoreResult<()>;

    /// Removes a user's second factor and recovery codes; false if there was none.
    async fn disable_two_factor(&self, user_id: i64) -> StoreResult<bool>;
}
