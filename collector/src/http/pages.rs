//! The headers of every HTML page the collector serves (the dashboard, the status page, the
//! hosted page): a strict Content-Security-Policy of the page's own, no `Referer` passed on, no
//! type sniffing, and no framing except where framing is the point. `Strict-Transport-Security`
//! goes on every answer when the collector is served over HTTPS (`app`).

use axum::http::{header, HeaderMap, HeaderValue};

/// Who may show the page in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// Nobody: `frame-ancestors 'none'` in the policy, and `X-Frame-Options: DENY` for browsers
    /// that predate it.
    Nobody,
    /// Any page (the hosted survey page, which host pages frame where their CSP forbids wasm).
    Anyone,
}

/// Sets the page headers on `h`, with `csp` the page's policy, which names its framing itself.
pub(super) fn secure(h: &mut HeaderMap, csp: HeaderValue, framing: Framing) {
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if framing == Framing::Nobody {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

/// `Strict-Transport-Security` for a collector served over HTTPS: a year, this host only (the
/// operator's other subdomains may not be HTTPS).
pub(super) const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");
