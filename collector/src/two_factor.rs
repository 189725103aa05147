//! Two-factor sign-in: time-based one-time passwords (TOTP, RFC 6238: HMAC-SHA-1, 6 digits,
//! 30-second steps, the `totp-rs` crate) and one-time recovery codes. No HTTP or SQL here.
//!
//! A user's secret is stored sealed (ChaCha20-Poly1305, ring's) under the `two_factor_key`
//! setting, with the user's id as associated data: a copy of the database alone does not give
//! the secrets away, and a sealed secret moved to another user's row does not open. Recovery
//! codes carry 80 random bits, so a fast hash (SHA-256 over the user's id and the code) is
//! enough to store them, as for session tokens.

use crate::accounts::same_secret;
use crate::clock::Millis;
use base64::Engine as _;
use rand::Rng;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use sha2::{Digest, Sha256};
use std::fmt;
use totp_rs::{Algorithm, TOTP};

/// Seconds per step (RFC 6238's X).
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// How many recovery codes a user gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// Steps either side of now whose codes are accepted: a phone's clock a little off, a code typed
/// as it changed.
const SKEW_STEPS: i64 = 1;
/// The name authenticator apps show beside the account.
const ISSUER: &str = "Hark";
/// 160 bits, as RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;
/// Crockford's base32 in lower case: no i, l, o or u to misread.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const RECOVERY_CHARS: usize = 16;

/// The key that seals second-factor secrets: 32 bytes, given as 64 hex digits. Its `Debug` and
/// `Serialize` show nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct TwoFactorKey([u8; 32]);

impl TwoFactorKey {
    pub fn parse(hex_digits: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_digits.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                "two_factor_key must be 64 hex digits (32 random bytes, e.g. `openssl rand -hex 32`)"
                    .to_owned()
            })?;
        Ok(Self(bytes))
    }

    fn key(&self) -> LessSafeKey {
        LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, &self.0).expect("a 32-byte ChaCha20 key"),
        )
    }

    /// `secret` sealed for `user_id`: `v1:` and base64 of a random nonce and the ciphertext.
    pub fn seal(&self, user_id: i64, secret: &[u8]) -> String {
        let nonce: [u8; NONCE_LEN] = rand::rng().random();
        let mut sealed = secret.to_vec();
        self.key()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(user_id)),
                &mut sealed,
            )
            .expect("sealing a short secret cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!(
            "v1:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
        )
    }

    /// The secret sealed for `user_id`; `Err` when it was sealed under another key or for
    /// another user, or is not a sealed secret at all.
    pub fn open(&self, user_id: i64, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = sealed
            .strip_prefix("v1:")
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(b)
                    .ok()
            })
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(|| anyhow::anyhow!("a stored two-factor secret is unreadable"))?;
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| anyhow::anyhow!("a stored two-factor secret is unreadable"))?;
        let mut in_out = sealed.to_vec();
        let secret = self
            .key()
            .open_in_place(nonce, Aad::from(associated_data(user_id)), &mut in_out)
            .map_err(|_| {
                anyhow::anyhow!(
                    "a stored two-factor secret does not open with this two_factor_key: was the key changed?"
                )
            })?;
        Ok(secret.to_vec())
    }
}

fn associated_data(user_id: i64) -> Vec<u8> {
    format!("hark two-factor secret\0{user_id}").into_bytes()
}

impl fmt::Debug for TwoFactorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TwoFactorKey(…)")
    }
}

impl serde::Serialize for TwoFactorKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    rand::rng().random::<[u8; SECRET_BYTES]>().to_vec()
}

fn totp(secret: &[u8], account: &str) -> TOTP {
    // A colon separates the issuer from the account in the URI's label.
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS as u64,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.replace(':', ""),
    )
}

/// The `otpauth://totp/…` URI an authenticator app reads (as a QR code), and the secret in
/// base32 for typing.
pub fn enrolment(secret: &[u8], account: &str) -> (String, String) {
    let t = totp(secret, account);
    (t.get_url(), t.get_secret_base32())
}

/// The step a moment falls in.
pub fn step_at(now: Millis) -> i64 {
    now.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// The code of a step (what the authenticator app shows then).
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    totp(secret, "").generate((step.max(0) * STEP_SECONDS) as u64)
}

/// The step whose code `code` is, among those around `now` and after `last_step` (a code works
/// once: a step at or before the last one accepted is refused); `None` if none matches.
pub fn matching_step(secret: &[u8], code: &str, now: Millis, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now_step = step_at(now);
    // Every candidate is computed, so that the time taken says nothing of which matched.
    let mut found = None;
    for step in (now_step - SKEW_STEPS)..=(now_step + SKEW_STEPS) {
        if same_secret(&code_at_step(secret, step), &code) && step > last_step && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// What was typed as a second factor: a code from the app, or a recovery code.
#[derive(Clone, PartialEq, Eq)]
pub enum Presented {
    /// Six digits.
    App(String),
    /// A recovery code, normalized (lower case, no dashes or blanks).
    Recovery(String),
}

impl Presented {
    /// What `typed` is; `None` when it is neither (a wrong code all the same).
    pub fn read(typed: &str) -> Option<Self> {
        let plain: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if plain.len() == DIGITS && plain.bytes().all(|b| b.is_ascii_digit()) {
            Some(Presented::App(plain))
        } else if plain.len() == RECOVERY_CHARS
            && plain.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
        {
            Some(Presented::Recovery(plain))
        } else {
            None
        }
    }
}

impl fmt::Debug for Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Presented::App(_) => "App(…)",
            Presented::Recovery(_) => "Recovery(…)",
        })
    }
}

/// `RECOVERY_CODES` new recovery codes as shown (`xxxx-xxxx-xxxx-xxxx`), and their stored hashes
/// for `user_id`.
pub fn new_recovery_codes(user_id: i64) -> (Vec<String>, Vec<String>) {
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let plain: Vec<u8> = (0..RECOVERY_CHARS)
                .map(|_| RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())])
                .collect();
            plain
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    let hashes = codes
        .iter()
        .map(|c| match Presented::read(c) {
            Some(Presented::Recovery(plain)) => recovery_hash(user_id, &plain),
            _ => unreachable!("a generated recovery code reads as one"),
        })
        .collect();
    (codes, hashes)
}

/// The stored form of a normalized recovery code of `user_id`.
pub fn recovery_hash(user_id: i64, plain: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hark recovery code\0");
    h.update(user_id.to_string().as_bytes());
    h.update(b"\0");
    h.update(plain.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238s_test_vector() {
        // RFC 6238, appendix B: SHA-1 with the ASCII secret "12345678901234567890"; the codes are
        // the last 6 of its 8 digits.
        let secret = b"12345678901234567890";
        for (seconds, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at_step(secret, seconds / STEP_SECONDS), code);
            assert_eq!(
                matching_step(secret, code, seconds * 1000, 0),
                Some(seconds / STEP_SECONDS)
            );
        }
    }

    #[test]
    fn a_code_works_near_its_step_and_once() {
        let secret = new_secret();
        let now = 1_795_000_000_000;
        let step = step_at(now);
        let code = code_at_step(&secret, step);
        assert_eq!(matching_step(&secret, &code, now, 0), Some(step));
        assert_eq!(
            matching_step(&secret, &format!(" {code} "), now, 0),
            Some(step)
        );
        assert_eq!(matching_step(&secret, &code, now + 30_000, 0), Some(step));
        assert_eq!(matching_step(&secret, &code, now + 90_000, 0), None);
        assert_eq!(matching_step(&secret, &code, now, step), None, "used");
        assert_eq!(matching_step(&secret, "12345", now, 0), None);
        assert_eq!(matching_step(&secret, "abcdef", now, 0), None);
    }

    #[test]
    fn the_enrolment_uri_names_the_issuer_the_account_and_the_secret() {
        let secret = new_secret();
        let (uri, base32) = enrolment(&secret, "ann@shop.test");
        assert!(
            uri.starts_with("otpauth://totp/Hark:ann%40shop.test?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={base32}")), "{uri}");
        assert!(uri.contains("issuer=Hark"), "{uri}");
        assert_eq!(base32.len(), 32);
    }

    #[test]
    fn secrets_open_only_with_their_key_and_user() {
        let key = TwoFactorKey::parse(&"ab".repeat(32)).unwrap();
        let secret = new_secret();
        let sealed = key.seal(7, &secret);
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_ne!(sealed, key.seal(7, &secret), "a fresh nonce each time");
        assert_eq!(key.open(7, &sealed).unwrap(), secret);
        assert!(key.open(8, &sealed).is_err());
        let other = TwoFactorKey::parse(&"cd".repeat(32)).unwrap();
        assert!(other.open(7, &sealed).is_err());
        assert!(key.open(7, "v1:AAAA").is_err());
        assert!(TwoFactorKey::parse("abcd").is_err());
        assert_eq!(format!("{key:?}"), "TwoFactorKey(…)");
    }

    #[test]
    fn recovery_codes_are_read_loosely_and_hashed_per_user() {
        let (codes, hashes) = new_recovery_codes(3);
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(hashes.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert_eq!(code.len(), 19);
        let Some(Presented::Recovery(plain)) = Presented::read(&code.to_uppercase()) else {
            panic!("{code} reads as a recovery code");
        };
        assert_eq!(recovery_hash(3, &plain), hashes[0]);
        assert_ne!(recovery_hash(4, &plain), hashes[0]);
        assert!(matches!(
            Presented::read("123 456"),
            Some(Presented::App(c)) if c == "123456"
        ));
        assert!(Presented::read("hello").is_none());
    }
}
