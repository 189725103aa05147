//! A site's team: who may give whom which role, and the invitations that bring people in. No
//! HTTP or SQL here; `http/team.rs` applies these rules and `store/team_sql.rs` keeps the one
//! rule that needs the database's view of every member: a site always keeps an owner.

use crate::access::Role;
use crate::clock::Millis;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;

/// How long an invitation's link works.
pub const INVITATION_MS: Millis = 7 * 24 * 60 * 60 * 1000;

/// Why a change to the team is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody grants a role above their own.
    AboveOwnRole { actor: Role, wanted: Role },
    /// Nobody changes or removes someone whose role is above their own.
    MemberAbove { actor: Role, member: Role },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::AboveOwnRole { actor, wanted } => {
                write!(f, "{} cannot give the {wanted} role", with_article(*actor))
            }
            Refusal::MemberAbove { actor, member } => write!(
                f,
                "{} cannot change or remove {}",
                with_article(*actor),
                with_article(*member)
            ),
        }
    }
}

/// `an admin`, `a viewer`.
fn with_article(role: Role) -> String {
    match role {
        Role::Viewer => format!("a {role}"),
        _ => format!("an {role}"),
    }
}

/// Whether `actor` may give someone whose role is `current` (`None`: not a member yet) the role
/// `wanted`: only a role no higher than the actor's own, and only to someone no higher either.
pub fn may_assign(actor: Role, current: Option<Role>, wanted: Role) -> Result<(), Refusal> {
    may_change(actor, current)?;
    if !actor.at_least(wanted) {
        return Err(Refusal::AboveOwnRole { actor, wanted });
    }
    Ok(())
}

/// Whether `actor` may change or remove a member whose role is `current` at all.
pub fn may_change(actor: Role, current: Option<Role>) -> Result<(), Refusal> {
    match current {
        Some(member) if !actor.at_least(member) => Err(Refusal::MemberAbove { actor, member }),
        _ => Ok(()),
    }
}

/// The token in an invitation's link: 256 random bits. Only its hash is stored.
pub struct InvitationToken(String);

impl InvitationToken {
    pub fn generate() -> Self {
        Self(hex::encode(rand::rng().random::<[u8; 32]>()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The stored form of a presented token (surrounding blanks ignored: a pasted link).
    pub fn hash(presented: &str) -> String {
        hex::encode(Sha256::digest(presented.trim().as_bytes()))
    }

    /// The dashboard's page that accepts it: the token in the fragment, so that opening the link
    /// sends it nowhere (the page posts it).
    pub fn link(&self, public_url: &str) -> String {
        format!("{public_url}/dashboard/#/invite/{}", self.0)
    }
}

impl fmt::Debug for InvitationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvitationToken(…)")
    }
}

/// Where an invitation stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Used,
    Revoked,
    Expired,
}

impl InvitationState {
    /// Used and revoked say so whenever; otherwise it is expired from `expires_at` on.
    pub fn of(
        accepted_at: Option<Millis>,
        revoked_at: Option<Millis>,
        expires_at: Millis,
        now: Millis,
    ) -> Self {
        if accepted_at.is_some() {
            InvitationState::Used
        } else if revoked_at.is_some() {
            InvitationState::Revoked
        } else if now >= expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    /// Why an invitation in this state is refused, for the person holding its link.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            InvitationState::Pending => None,
            InvitationState::Used => Some("this invitation was used already: sign in instead"),
            InvitationState::Revoked => {
                Some("this invitation was withdrawn: ask the site's admins for a new one")
            }
            InvitationState::Expired => {
                Some("this invitation has expired: ask the site's admins for a new one")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn nobody_grants_above_their_own_role_or_touches_someone_above_them() {
        // (actor, member's role now, wanted, allowed)
        let table = [
            (Owner, Some(Owner), Admin, true),
            (Owner, None, Owner, true),
            (Admin, None, Admin, true),
            (Admin, None, Owner, false),
            (Admin, Some(Agent), Admin, true),
            (Admin, Some(Admin), Viewer, true),
            (Admin, Some(Owner), Viewer, false),
            (Admin, Some(Viewer), Owner, false),
            (Agent, Some(Viewer), Agent, true),
            (Viewer, Some(Viewer), Viewer, true),
        ];
        for (actor, current, wanted, allowed) in table {
            assert_eq!(
                may_assign(actor, current, wanted).is_ok(),
                allowed,
                "{actor} making {current:?} a {wanted}"
            );
        }
        assert_eq!(
            may_assign(Admin, Some(Owner), Viewer)
                .unwrap_err()
                .to_string(),
            "an admin cannot change or remove an owner"
        );
        assert!(may_change(Admin, Some(Owner)).is_err());
        assert!(may_change(Admin, Some(Admin)).is_ok());
    }

    #[test]
    fn an_invitation_is_pending_until_used_revoked_or_expired() {
        use InvitationState::*;
        assert_eq!(InvitationState::of(None, None, 100, 99), Pending);
        assert_eq!(InvitationState::of(None, None, 100, 100), Expired);
        assert_eq!(InvitationState::of(Some(5), None, 100, 200), Used);
        assert_eq!(InvitationState::of(None, Some(5), 100, 50), Revoked);
        assert!(Pending.refusal().is_none());
        assert!(Expired.refusal().unwrap().contains("expired"));
    }

    #[test]
    fn tokens_are_random_hash_stably_and_hide() {
        let (a, b) = (InvitationToken::generate(), InvitationToken::generate());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 64);
        assert_eq!(
            InvitationToken::hash(a.expose()),
            InvitationToken::hash(&format!(" {} ", a.expose()))
        );
        assert!(!format!("{a:?}").contains(a.expose()));
        assert_eq!(
            a.link("https://hark.example"),
            format!("https://hark.example/dashboard/#/invite/{}", a.expose())
        );
    }
}
