//! Who the host page says the visitor is: `hark('identify', id, attrs)` in the loader sends
//! `user_id` and `attributes` with every answer and complaint. Both are read from the raw body
//! beside the domain type (they are not part of what the widget builds; `ingest::Extras`), each
//! optional, and refused with a 422 when present but not plausible.

use super::ApiError;
use crate::enrich::{MAX_ATTRIBUTE_VALUE, MAX_EMAIL, MAX_USER_ID};
use serde_json::Value;
use shared::is_attribute_key;
use std::collections::BTreeMap;

/// The most attributes one visitor may carry.
pub(crate) const MAX_ATTRIBUTES: usize = 20;
/// The longest attribute key, in characters (`[A-Za-z0-9_-]`).
pub(crate) const MAX_ATTRIBUTE_KEY: usize = 64;

/// `user_id`: a string of 1 to 200 characters (trimmed), or absent / null.
pub(crate) fn user_id(value: Option<Value>) -> Result<Option<String>, ApiError> {
    text(value, "user_id", MAX_USER_ID)
}

/// `email` (who answered, as the site knows them): 1 to 320 characters with an `@`, or absent
/// / null.
pub(crate) fn email(value: Option<Value>) -> Result<Option<String>, ApiError> {
    let email = text(value, "email", MAX_EMAIL)?;
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(ApiError::Invalid("email must contain '@'".into()));
    }
    Ok(email)
}

/// The field `name`: a string of 1 to `max` characters (trimmed), or absent / null.
fn text(value: Option<Value>, name: &str, max: usize) -> Result<Option<String>, ApiError> {
    match value {
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

/// `attributes`: an object of up to 20 string → string pairs, keys 1 to 64 characters of
/// `A-Z a-z 0-9 _ -`, values at most 200 characters; absent or null is none.
pub(crate) fn attributes(value: Option<Value>) -> Result<BTreeMap<String, String>, ApiError> {
    let fields = match value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_are_checked() {
        let taken = attributes(Some(json!({"plan": "pro", "seats-2": ""}))).unwrap();
        assert_eq!(taken.len(), 2);
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
            assert!(attributes(Some(bad.clone())).is_err(), "{bad}");
        }
        assert!(attributes(None).unwrap().is_empty());
        assert!(attributes(Some(Value::Null)).unwrap().is_empty());
    }
}
