//! Who the host page says the visitor is: `hark('identify', id, attrs)` in the loader sends
//! `user_id` and `attributes` with every answer and complaint. Both are taken out of the raw
//! body before the domain type is parsed (they are not part of what the widget builds), each
//! optional, and refused with a 422 when present but not plausible.

use super::ApiError;
use crate::enrich::{MAX_EMAIL, MAX_USER_ID};
use serde_json::Value;
use std::collections::BTreeMap;

/// The most attributes one visitor may carry.
pub(crate) const MAX_ATTRIBUTES: usize = 20;
/// The longest attribute key, in characters (`[A-Za-z0-9_-]`).
pub(crate) const MAX_ATTRIBUTE_KEY: usize = 64;
/// The longest attribute value, in characters.
pub(crate) const MAX_ATTRIBUTE_VALUE: usize = 200;

/// Takes `user_id` out of `body`: a string of 1 to 200 characters (trimmed), or absent / null.
pub(crate) fn take_user_id(body: &mut Value) -> Result<Option<String>, ApiError> {
    take_text(body, "user_id", MAX_USER_ID)
}

/// Takes `email` (who answered, as the site knows them) out of `body`: 1 to 320 characters
/// with an `@`, or absent / null.
pub(crate) fn take_email(body: &mut Value) -> Result<Option<String>, ApiError> {
    let email = take_text(body, "email", MAX_EMAIL)?;
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(ApiError::Invalid("email must contain '@'".into()));
    }
    Ok(email)
}

/// Takes the field `name` out of `body`: a string of 1 to `max` characters (trimmed), or
/// absent / null.
fn take_text(body: &mut Value, name: &str, max: usize) -> Result<Option<String>, ApiError> {
    match body.as_object_mut().and_then(|o| o.remove(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim().to_owned();
            if s.is_empty() || s.chars().count() > max {
                Err(ApiError::Invalid(format!(
                    "{name} must have 1 to {max} characters"
                )))
            } else {
                Ok(Some(s))
            }
        }
        Some(_) => Err(ApiError::Invalid(format!("{name} must be a string"))),
    }
}

/// Takes `attributes` out of `body`: an object of up to 20 string → string pairs, keys 1 to 64
/// characters of `A-Z a-z 0-9 _ -`, values at most 200 characters; absent or null is none.
pub(crate) fn take_attributes(body: &mut Value) -> Result<BTreeMap<String, String>, ApiError> {
    let fields = match body.as_object_mut().and_then(|o| o.remove("attributes")) {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            return Err(ApiError::Invalid(
                "attributes must be an object of strings".into(),
            ))
        }
    };
    if fields.len() > MAX_ATTRIBUTES {
        return Err(ApiError::Invalid(format!(
            "at most {MAX_ATTRIBUTES} attributes"
        )));
    }
    let mut attributes = BTreeMap::new();
    for (key, value) in fields {
        if !is_attribute_key(&key) {
            return Err(ApiError::Invalid(format!(
                "an attribute key is 1 to {MAX_ATTRIBUTE_KEY} characters of a-z, A-Z, 0-9, '_' or '-'"
            )));
        }
        let Value::String(value) = value else {
            return Err(ApiError::Invalid(format!(
                "attribute {key} must be a string"
            )));
        };
        if value.chars().count() > MAX_ATTRIBUTE_VALUE {
            return Err(ApiError::Invalid(format!(
                "attribute {key} is longer than {MAX_ATTRIBUTE_VALUE} characters"
            )));
        }
        attributes.insert(key, value);
    }
    Ok(attributes)
}

fn is_attribute_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_ATTRIBUTE_KEY
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_are_checked_and_taken_out() {
        let mut body = json!({"attributes": {"plan": "pro", "seats-2": ""}, "x": 1});
        let taken = take_attributes(&mut body).unwrap();
        assert_eq!(taken.len(), 2);
        assert_eq!(body, json!({"x": 1}));
        let many: serde_json::Map<String, Value> =
            (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
        for bad in [
            json!("plan=pro"),
            json!({"": "x"}),
            json!({"a b": "x"}),
            json!({"k".repeat(65): "x"}),
            json!({"plan": 3}),
            json!({"plan": "x".repeat(201)}),
            Value::Object(many),
        ] {
            let mut body = json!({ "attributes": bad });
            assert!(take_attributes(&mut body).is_err(), "{bad}");
        }
        assert!(take_attributes(&mut json!({})).unwrap().is_empty());
    }
}
