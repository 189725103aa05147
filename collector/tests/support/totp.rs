//! The tests' own RFC 6238 computation (HMAC-SHA-1, 6 digits, 30-second steps) and RFC 4648
//! base32, as an authenticator app reads a secret: shared by the collector's tests and the
//! browser tests, so that codes never come from the code under test.
#![allow(dead_code)]

/// RFC 4648 base32, as authenticator apps read the secret.
pub(crate) fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut held, mut out) = (0u64, 0u32, Vec::new());
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("a base32 digit") as u64;
        bits = (bits << 5) | value;
        held += 5;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    out
}

/// RFC 6238 with HMAC-SHA-1, 6 digits and 30-second steps: what the app shows at `unix_ms`.
pub(crate) fn totp(secret: &[u8], unix_ms: i64) -> String {
    use hmac::Mac as _;
    let counter = (unix_ms / 1000 / 30) as u64;
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let binary = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!("{:06}", binary % 1_000_000)
}
