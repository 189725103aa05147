//! The team of a site and each member's own account, as the admin API sends and takes them:
//! members and their roles, invitations, the password, sessions and two-factor sign-in.
//!
//! Roles are the words `owner`, `admin`, `agent` and `viewer`; times are RFC 3339 in UTC.

use crate::ids::SiteKey;
use serde::{Deserialize, Serialize};

/// One member of a site's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub role: String,
    /// When they joined the site.
    pub since: String,
    /// When they last signed in, anywhere; `null` if never.
    pub last_sign_in: Option<String>,
    /// Whether they sign in with a second factor.
    pub two_factor: bool,
}

/// `GET /api/v1/admin/sites/{site_key}/members`: owners first, then by role, then by address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub site_key: SiteKey,
    pub members: Vec<Member>,
}

/// The body of `PUT /api/v1/admin/sites/{site_key}/members/{user_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    #[cfg_attr(feature = "openapi", schema(pattern = "^(owner|admin|agent|viewer)$"))]
    pub role: String,
}

/// The body of `POST /api/v1/admin/sites/{site_key}/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInvitation {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\s*$"
        )
    )]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^(owner|admin|agent|viewer)$"))]
    pub role: String,
}

/// A pending invitation: sent, not used, not revoked, not expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: String,
    /// Who sent it, as the audit log names actors: an e-mail address or `token:<id>`.
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
}

/// `GET /api/v1/admin/sites/{site_key}/invitations`: the pending ones, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationList {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub site_key: SiteKey,
    pub invitations: Vec<Invitation>,
}

/// The answer to `POST /api/v1/admin/sites/{site_key}/invitations`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SentInvitation {
    pub invitation: Invitation,
    /// Whether the collector mailed the link (it has an SMTP server).
    pub mailed: bool,
    /// The link itself, only when it was not mailed: hand it to the person yourself. A mailed
    /// link is never shown, so that only the mailbox's owner can use it.
    pub link: Option<String>,
}

impl core::fmt::Debug for SentInvitation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SentInvitation")
            .field("invitation", &self.invitation)
            .field("mailed", &self.mailed)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /api/v1/invitations/preview`: the token from the link's fragment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationToken {
    pub token: String,
}

/// What an invitation offers, for the page that accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub site_key: SiteKey,
    pub site_name: String,
    pub email: String,
    pub role: String,
    pub expires_at: String,
    /// An account with this address exists: accept by signing in (the session cookie) or with
    /// its password; otherwise accept with a new password.
    pub existing_user: bool,
}

/// The body of `POST /api/v1/invitations/accept`. For a new user, `password` is their new
/// password (10 to 1024 characters). For an existing one, either the request carries their
/// session cookie and `X-CSRF-Token` and no password, or `password` is their password (and
/// `code` their two-factor code, if they have one).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvitation {
    pub token: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// The body of `PUT /api/v1/admin/account/password`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `GET /api/v1/admin/account/two-factor`: the caller's second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorStatus {
    /// The collector can keep second factors (its `two_factor_key` is set).
    pub available: bool,
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// An enrolment was started and waits for its first code.
    pub pending: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

/// The body of `POST /api/v1/admin/account/two-factor`: enrolment starts with the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorStart {
    pub password: String,
}

/// A started enrolment: the secret for the authenticator app, as an `otpauth://` URI (for a QR
/// code) and in base32 (to type). SHA-1, 6 digits, 30 seconds.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorEnrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

impl core::fmt::Debug for TwoFactorEnrolment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TwoFactorEnrolment(…)")
    }
}

/// A code from the authenticator app, to confirm an enrolment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorCode {
    pub code: String,
}

/// The proof that disabling two-factor sign-in or making new recovery codes needs: the password,
/// or a code (from the app, or a recovery code).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorProof {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// Ten one-time recovery codes, shown this once: only their hashes are stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

impl core::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RecoveryCodes(…)")
    }
}
