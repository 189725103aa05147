//! Webhooks by the Standard Webhooks specification: a `whsec_` secret per endpoint, each
//! delivery signed as `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` in `webhook-signature`,
//! with `webhook-id` (the event's, the same on every retry) and `webhook-timestamp` (seconds),
//! so that any of the specification's reference libraries verifies it. Retries back off
//! exponentially with jitter over about a day.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An endpoint's signing secret, `whsec_` and 24 random bytes in base64. Shown once, when the
/// endpoint is made; stored as it is, since signing needs it (it is not a password: it proves
/// Hark to the receiver, not the receiver to Hark).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    pub fn generate() -> Self {
        let bytes: [u8; 24] = rand::random();
        Self(format!("whsec_{}", B64.encode(bytes)))
    }

    /// A stored secret; `None` unless it is `whsec_` and base64.
    pub fn parse(s: &str) -> Option<Self> {
        let key = s.strip_prefix("whsec_")?;
        B64.decode(key).ok().filter(|k| !k.is_empty())?;
        Some(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Vec<u8> {
        B64.decode(&self.0["whsec_".len()..])
            .expect("a parsed secret is base64")
    }

    /// `v1,<signature>` of `body` sent as message `id` at `timestamp` (Unix seconds).
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key()).expect("HMAC takes any key");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
    }
}

/// The body of a delivery: `{"type", "timestamp", "data"}`, as the specification recommends.
pub fn body(kind: &str, at_rfc3339: &str, data: &str) -> String {
    let data: serde_json::Value = serde_json::from_str(data).unwrap_or(serde_json::Value::Null);
    serde_json::json!({"type": kind, "timestamp": at_rfc3339, "data": data}).to_string()
}

/// The event types an endpoint may ask for (DESIGN.md).
pub const EVENT_TYPES: [&str; 12] = [
    "complaint.created",
    "complaint.hot_stove",
    "complaint.status_changed",
    "complaint.replied",
    "sla.warning",
    "sla.breached",
    "escalation.raised",
    "resolution.rated",
    "response.created",
    "goal.at_risk",
    "insight.digest",
    "feedback.shared",
];

/// The waits before each retry: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h and 8 h
/// again (about 24 hours in all); after the last, the delivery has failed.
const SCHEDULE_S: [u64; 10] = [5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800];

/// How long to wait before retry number `attempt` (1 after the first failure), with jitter of
/// up to a fifth either way so that a receiver that comes back is not hit by every delivery at
/// once; `None` once the schedule is spent. `unit` is a number in [0, 1) (random in use).
pub fn retry_after(attempt: u32, unit: f64) -> Option<Duration> {
    let base = *SCHEDULE_S.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
    let factor = 0.8 + 0.4 * unit.clamp(0.0, 1.0);
    Some(Duration::from_secs_f64(base as f64 * factor))
}

/// How many deliveries in a row may fail, spanning at least a day, before an endpoint is
/// switched off (and its admins told).
pub const DISABLE_AFTER_FAILURES: i64 = 20;
pub const DISABLE_AFTER_MS: i64 = 24 * 3_600_000;

/// Whether an answer is a success: any 2xx. Anything else, a timeout or a refused connection,
/// is a failure to retry; a 410 Gone switches the endpoint off at once.
pub fn succeeded(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_specifications_example() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(format!("{secret:?}"), "WebhookSecret(…)");
    }

    #[test]
    fn a_new_secret_parses_and_signs() {
        let s = WebhookSecret::generate();
        assert!(s.expose().starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(s.expose()), Some(s.clone()));
        assert!(WebhookSecret::parse("whsec_!!").is_none());
        assert!(WebhookSecret::parse("secret").is_none());
        assert!(s.sign("msg_1", 1, "{}").starts_with("v1,"));
    }

    #[test]
    fn retries_back_off_over_about_a_day_with_jitter() {
        let total: f64 = (1..=10)
            .map(|a| retry_after(a, 0.5).unwrap().as_secs_f64())
            .sum();
        assert!((85_000.0..86_000.0).contains(&total), "{total}");
        assert_eq!(retry_after(1, 0.0), Some(Duration::from_secs(4)));
        assert_eq!(retry_after(1, 1.0), Some(Duration::from_secs(6)));
        assert_eq!(retry_after(11, 0.5), None);
        assert_eq!(retry_after(0, 0.5), None);
    }

    #[test]
    fn only_a_2xx_is_a_success() {
        assert!(succeeded(Some(200)) && succeeded(Some(204)));
        assert!(!succeeded(Some(500)) && !succeeded(Some(301)) && !succeeded(None));
    }
}
