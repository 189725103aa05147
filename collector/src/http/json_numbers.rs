//! JSON numbers as JSON Schema reads them: `7.0` is the integer 7. The API's document says
//! `integer` where serde reads `u8`, `u32` or `i64`, and serde refuses `7.0` for those; a client
//! that spells a whole number with a fraction (JavaScript's `JSON.stringify` does not, but
//! other serializers and fuzzers do) sends what the document allows. So a JSON body with such a
//! number is read as if it were spelled without one.
//!
//! The other way round, serde reads a tagged enum's tag (`"type"`, an escalation's `"action"`)
//! from a number too, as the variant's index (`{"type": 0}` is the first variant): the document
//! says a tag is one of its strings, so a number there is refused.

use super::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The most a JSON body the layer reads may hold: axum's default body limit, which the admin
/// routes keep.
const LIMIT: usize = 2 * 1024 * 1024;

/// The largest integer below which every integer is an f64: 2⁵³.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// The layer: JSON (and `text/plain`, which the public routes read as JSON) bodies with whole
/// numbers spelled as fractions are passed on spelled as integers; every other request as it is.
pub(crate) async fn whole_numbers(request: Request, next: Next) -> Response {
    if !may_be_json(request.headers()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LIMIT).await else {
        return ApiError::TooLarge.into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        // Not JSON: the route says so in its own words.
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    if holds_nul(&value) {
        return ApiError::Invalid(NUL.into()).into_response();
    }
    if let Some(tag) = numeric_tag(&value) {
        return ApiError::Invalid(format!("{tag} is one of its names, a string, not a number"))
            .into_response();
    }
    let bytes = match whole(&mut value) {
        true => serde_json::to_vec(&value).map(Bytes::from).unwrap_or(bytes),
        false => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Why a body with a NUL character in a string is refused.
pub(super) const NUL: &str =
    "a string holds a NUL character (\\u0000), which no text the collector keeps may";

/// Whether a string of `value`, or a key, holds a NUL character: PostgreSQL cannot store one
/// in text, and no field of the API means one.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

/// Whether JSON text spells a NUL character in a string (`\u0000`, an escape not itself
/// escaped: JSON cannot hold the raw byte), without reading it into values.
pub(super) fn spells_nul(json: &[u8]) -> bool {
    let mut backslashes = 0;
    for (i, &b) in json.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && b == b'u' && json[i + 1..].starts_with(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

/// The keys that hold a tagged enum's tag in the API's bodies.
const TAGS: [&str; 2] = ["type", "action"];

/// A tag key in `value` whose value is a number, if any.
fn numeric_tag(value: &Value) -> Option<&'static str> {
    match value {
        Value::Array(items) => items.iter().find_map(numeric_tag),
        Value::Object(fields) => TAGS
            .into_iter()
            .find(|tag| fields.get(*tag).is_some_and(Value::is_number))
            .or_else(|| fields.values().find_map(numeric_tag)),
        _ => None,
    }
}

fn may_be_json(headers: &HeaderMap) -> bool {
    let Some(media) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let media = media.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("application/json")
        || media.eq_ignore_ascii_case("text/plain")
        || media.to_ascii_lowercase().ends_with("+json")
}

/// `bytes` again with each whole number spelled as an integer, if it is JSON and has one spelled
/// otherwise; `None` when nothing changes (or it is not JSON, for the route to refuse).
pub(crate) fn rewrite(bytes: &[u8]) -> Option<Bytes> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    if !whole(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok().map(Bytes::from)
}

/// Spells each whole number in `value` as an integer; whether one changed.
fn whole(value: &mut Value) -> bool {
    match value {
        Value::Number(n) if n.is_f64() => {
            // Only where an f64 holds every integer exactly (|f| ≤ 2⁵³): beyond, a literal too
            // large for i64 (`-9223372036854775809`) would round into range and pass.
            match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() <= MAX_EXACT => {
                    *value = Value::from(f as i64);
                    true
                }
                _ => false,
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| whole(v) | changed),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, v| whole(v) | changed),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{holds_nul, rewrite, spells_nul};
    use serde_json::{json, Value};

    #[test]
    fn a_nul_escape_is_found_only_where_it_spells_one() {
        for (json, nul) in [
            (&br#"{"a": "x\u0000y"}"#[..], true),
            (br#"{"a\u0000": 1}"#, true),
            (br#"["\\\u0000"]"#, true),
            // An escaped backslash, then the letters: no NUL.
            (br#"{"a": "\\u0000"}"#, false),
            (br#"{"a": "\\\\u0000"}"#, false),
            (br#"{"a": "\u00001"}"#, true),
            (br#"{"a": "\u0001"}"#, false),
            (br#"{"a": "u0000"}"#, false),
            (br#"{"a": "\""}"#, false),
        ] {
            let text = String::from_utf8_lossy(json);
            assert_eq!(spells_nul(json), nul, "{text}");
            let value: Value = serde_json::from_slice(json).unwrap();
            assert_eq!(holds_nul(&value), nul, "{text}");
        }
    }

    #[test]
    fn whole_numbers_lose_their_fraction_and_nothing_else_changes() {
        let changed = rewrite(br#"{"a": 7.0, "b": [1.5, -2.0, 3], "c": {"d": 1e2}}"#).unwrap();
        let changed: Value = serde_json::from_slice(&changed).unwrap();
        assert_eq!(changed, json!({"a": 7, "b": [1.5, -2, 3], "c": {"d": 100}}));
        assert!(changed["a"].is_i64());
        assert_eq!(rewrite(br#"{"a": 7, "b": 1.5}"#), None);
        assert_eq!(rewrite(b"not json"), None);
        // Too large to be whole as written: left for serde to refuse.
        assert_eq!(rewrite(b"-9223372036854775809"), None);
    }

    #[test]
    fn a_tag_spelled_as_a_number_is_found_at_any_depth() {
        let found = |v: Value| super::numeric_tag(&v);
        assert_eq!(found(json!({"answers": [{"type": 0}]})), Some("type"));
        assert_eq!(found(json!({"actions": [{"action": 2}]})), Some("action"));
        assert_eq!(
            found(json!({"answers": [{"type": "nps", "score": 0}]})),
            None
        );
    }
}
