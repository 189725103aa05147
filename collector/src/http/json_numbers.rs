//! JSON numbers as JSON Schema reads them: `7.0` is the integer 7. The API's document says
//! `integer` where serde reads `u8`, `u32` or `i64`, and serde refuses `7.0` for those; a client
//! that spells a whole number with a fraction (JavaScript's `JSON.stringify` does not, but
//! other serializers and fuzzers do) sends what the document allows. So a JSON body with such a
//! number is read as if it were spelled without one.

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
    let bytes = rewrite(&bytes).unwrap_or(bytes);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
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
            let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) else {
                return false;
            };
            // Within i64 or u64 the conversion is exact for a whole f64 (no rounding is needed).
            if f >= -(2f64.powi(63)) && f < 2f64.powi(63) {
                *value = Value::from(f as i64);
            } else if f >= 0.0 && f < 2f64.powi(64) {
                *value = Value::from(f as u64);
            } else {
                return false;
            }
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, v| whole(v) | changed),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, v| whole(v) | changed),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite;
    use serde_json::{json, Value};

    #[test]
    fn whole_numbers_lose_their_fraction_and_nothing_else_changes() {
        let changed = rewrite(br#"{"a": 7.0, "b": [1.5, -2.0, 3], "c": {"d": 1e2}}"#).unwrap();
        let changed: Value = serde_json::from_slice(&changed).unwrap();
        assert_eq!(changed, json!({"a": 7, "b": [1.5, -2, 3], "c": {"d": 100}}));
        assert!(changed["a"].is_i64());
        assert_eq!(rewrite(br#"{"a": 7, "b": 1.5}"#), None);
        assert_eq!(rewrite(b"not json"), None);
    }
}
