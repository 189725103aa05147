//! People who sign in to the dashboard: e-mail addresses, passwords, sessions, CSRF tokens and
//! the login rate limit. Roles and API tokens are in `access`.

use crate::clock::Millis;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted: hashing costs the same whatever the length, but reading does not.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A normalized e-mail address: trimmed, lowercased, `local@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            });
        if valid {
            Ok(Self(email))
        } else {
            Err(format!("{:?} is not an e-mail address", input.trim()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed. Its `Debug` shows nothing of it.
pub struct Password(String);

impl Password {
    /// Checks the length; the text is otherwise the user's business.
    pub fn new(text: String) -> Result<Self, String> {
        let chars = text.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            Err(format!(
                "a password has at least {MIN_PASSWORD_CHARS} characters"
            ))
        } else if chars > MAX_PASSWORD_CHARS {
            Err(format!(
                "a password has at most {MAX_PASSWORD_CHARS} characters"
            ))
        } else {
            Ok(Self(text))
        }
    }

    /// A password as presented at login, not checked for length: a wrong one just fails.
    pub fn presented(text: String) -> Self {
        Self(text)
    }

    /// The PHC string of this password under Argon2id with the crate's default parameters and
    /// a random salt. Slow on purpose: call it off the async threads.
    pub fn hash(&self) -> anyhow::Result<String> {
        let salt_bytes: [u8; 16] = rand::rng().random();
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))?
            .to_string())
    }

    /// Whether this password matches a stored PHC string, or, with `None`, spends the same time
    /// on a throwaway hash and says no: an unknown e-mail takes as long as a wrong password.
    pub fn verify(&self, stored: Option<&str>) -> bool {
        let Some(stored) = stored else {
            let _ = check(self.0.as_bytes(), dummy_hash());
            return false;
        };
        check(self.0.as_bytes(), stored)
    }
}

fn check(password: &[u8], stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password, &parsed).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "a stored password hash is unreadable");
            false
        }
    }
}

/// A hash of a password nobody knows, with the same parameters as real ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Password(hex::encode(rand::rng().random::<[u8; 16]>()))
            .hash()
            .unwrap_or_default()
    })
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A session token, the value of the `hark_session` cookie. Only its hash is stored.
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        Self(hex::encode(bytes))
    }

    pub fn from_cookie(value: &str) -> Self {
        Self(value.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The stored form. 256 random bits need no slow hash.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The CSRF token of this session: derived from the session token, so nothing more is
    /// stored, and unguessable without it. A page of another origin can send the cookie but
    /// cannot read this value.
    pub fn csrf_token(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"hark csrf token\0");
        h.update(self.0.as_bytes());
        hex::encode(h.finalize())
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// Compares two secrets in time that depends only on their lengths.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Counts failed logins per key (an e-mail address, an IP address) in a sliding window, in
/// memory: it resets when the collector restarts, which costs an attacker a restart per window.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: usize,
    window_ms: Millis,
    failures: Mutex<HashMap<String, VecDeque<Millis>>>,
}

impl Default for LoginLimiter {
    /// Five failures per 15 minutes.
    fn default() -> Self {
        Self::new(5, 15 * 60 * 1000)
    }
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window_ms: Millis) -> Self {
        Self {
            max_failures,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` to wait when any of `keys` has used up its failures.
    pub fn check(&self, keys: &[&str], now: Millis) -> Result<(), u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait: Millis = 0;
        for key in keys {
            if let Some(times) = failures.get_mut(*key) {
                while times.front().is_some_and(|t| *t <= now - self.window_ms) {
                    times.pop_front();
                }
                if times.len() >= self.max_failures {
                    let oldest = times[times.len() - self.max_failures];
                    wait = wait.max(oldest + self.window_ms - now);
                }
            }
        }
        if wait > 0 {
            Err((wait as u64).div_ceil(1000))
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, keys: &[&str], now: Millis) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Keys whose failures are all old go, so that the map does not grow without bound.
        if failures.len() > 10_000 {
            let cutoff = now - self.window_ms;
            failures.retain(|_, times| times.back().is_some_and(|t| *t > cutoff));
        }
        for key in keys {
            failures
                .entry((*key).to_owned())
                .or_default()
                .push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            Email::parse(" Ann@Shop.Test ").unwrap().as_str(),
            "ann@shop.test"
        );
        for bad in ["", "ann", "@shop.test", "ann@", "a b@shop.test", "a@b@c"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_hash_verify_and_hide() {
        assert!(Password::new("too short".into()).is_err());
        let p = Password::new("correct horse battery".into()).unwrap();
        let stored = p.hash().unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(p.verify(Some(&stored)));
        assert!(!Password::presented("wrong horse battery".into()).verify(Some(&stored)));
        assert!(!p.verify(None));
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn session_tokens_derive_a_csrf_token_and_hide() {
        let (a, b) = (SessionToken::generate(), SessionToken::generate());
        assert_ne!(a.csrf_token(), b.csrf_token());
        assert_ne!(a.csrf_token(), a.hash());
        assert_eq!(
            a.csrf_token(),
            SessionToken::from_cookie(a.expose()).csrf_token()
        );
        assert!(!format!("{a:?}").contains(a.expose()));
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }

    #[test]
    fn the_limiter_counts_failures_in_a_window() {
        let limiter = LoginLimiter::new(2, 1000);
        assert_eq!(limiter.check(&["a", "ip"], 0), Ok(()));
        limiter.record_failure(&["a", "ip"], 0);
        limiter.record_failure(&["a", "ip"], 100);
        assert_eq!(limiter.check(&["a"], 200), Err(1));
        assert_eq!(limiter.check(&["b", "ip"], 200), Err(1));
        assert_eq!(limiter.check(&["b"], 200), Ok(()));
        assert_eq!(limiter.check(&["a"], 1001), Ok(()));
    }
}
