//! A status page's token: 256 random bits as base64url (43 characters), the capability to read
//! and answer one case. Only its SHA-256 is stored; a token that is not shaped like one is not
//! looked up at all.

use crate::clock::Millis;
use crate::store::{CaseToken, DAY_MS};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// How long a token opens its page. Every e-mail to the customer brings a new one.
pub const TOKEN_DAYS: i64 = 180;

/// The length of a token: 32 bytes in base64url without padding.
pub const TOKEN_LEN: usize = 43;

/// A new token, and what the store keeps of it.
pub fn mint(now: Millis) -> (String, CaseToken) {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let stored = CaseToken {
        hash: digest(&token),
        expires_at: now + TOKEN_DAYS * DAY_MS,
    };
    (token, stored)
}

/// The hash to look `token` up by, or `None` when it cannot be one of ours.
pub fn hash(token: &str) -> Option<String> {
    let shaped = token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    shaped.then(|| digest(token))
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The status page of `token` under `public_url` (no trailing slash).
pub fn status_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/c/{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_has_256_random_bits_and_only_its_hash_is_kept() {
        let (a, stored) = mint(1_000);
        let (b, _) = mint(1_000);
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_LEN);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_eq!(hash(&a).as_deref(), Some(stored.hash.as_str()));
        assert!(!stored.hash.contains(&a));
        assert_eq!(stored.hash.len(), 64);
        assert_eq!(stored.expires_at, 1_000 + 180 * DAY_MS);
    }

    #[test]
    fn what_is_not_shaped_like_a_token_is_not_looked_up() {
        let (t, _) = mint(0);
        for bad in [
            "",
            &t[1..],
            &format!("{t}A"),
            &format!("{}/", &t[1..]),
            &format!("{}=", &t[1..]),
            &format!("{}a", "é".repeat(21)),
        ] {
            assert_eq!(hash(bad), None, "{bad:?}");
        }
    }
}
