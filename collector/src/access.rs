//! Who may do what: roles and API tokens.

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// A caller's role on one site, from most to least powerful.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Agent,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Whether this role includes everything `other` may do.
    pub fn at_least(self, other: Role) -> bool {
        self >= other
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "agent" => Ok(Role::Agent),
            "admin" => Ok(Role::Admin),
            "owner" => Ok(Role::Owner),
            other => Err(format!("unknown role {other:?}")),
        }
    }
}

/// An API token as shown once to its creator. Only its hash is stored.
pub struct ApiToken(String);

impl ApiToken {
    const PREFIX: &'static str = "hark_";

    pub fn generate() -> Self {
        let bytes: [u8; 24] = rand::rng().random();
        Self(format!("{}{}", Self::PREFIX, hex::encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The stored form of a presented token. Tokens carry 192 random bits, so a fast hash is
    /// enough: there is nothing to brute-force.
    pub fn hash(presented: &str) -> String {
        hex::encode(Sha256::digest(presented.as_bytes()))
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(…)")
    }
}

/// A random public key for a new site: 16 characters of `a-z0-9`.
pub fn new_site_key() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (ApiToken::generate(), ApiToken::generate());
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with("hark_") && a.expose().len() == 53);
        assert_eq!(ApiToken::hash(a.expose()), ApiToken::hash(a.expose()));
        assert_ne!(ApiToken::hash(a.expose()), ApiToken::hash(b.expose()));
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Owner.at_least(Role::Viewer));
        assert!(!Role::Viewer.at_least(Role::Agent));
        assert_eq!("agent".parse::<Role>().unwrap(), Role::Agent);
    }
}
