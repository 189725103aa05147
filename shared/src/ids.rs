//! Typed identifiers. Keys are short printable tokens that can sit in a URL path unescaped.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    kind: &'static str,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be 1 to 64 characters of a-z, A-Z, 0-9, '_' or '-'",
            self.kind
        )
    }
}

impl std::error::Error for IdError {}

pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

macro_rules! token_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a key, refusing anything that is not a URL-safe token.
            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                if is_token(&s) {
                    Ok(Self(s))
                } else {
                    Err(IdError { kind: $kind })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token_id!(
    /// The public key of a site, as pasted in the snippet's `data-site`.
    SiteKey,
    "site key"
);
token_id!(
    /// A survey of a site.
    SurveyId,
    "survey id"
);
token_id!(
    /// A question within a survey.
    QuestionId,
    "question id"
);

/// The id of one answered survey, made by the client so that a retried submission is stored once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResponseId(uuid::Uuid);

impl ResponseId {
    pub fn from_uuid(id: uuid::Uuid) -> Self {
        Self(id)
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        uuid::Uuid::parse_str(s).map(Self).map_err(|_| IdError {
            kind: "response id",
        })
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl fmt::Display for ResponseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accept_url_safe_tokens_only() {
        for ok in ["a", "site_demo", "AbC-09_", &"x".repeat(64)] {
            assert!(SiteKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", " ", "a/b", "a b", "é", "<script>", &"x".repeat(65)] {
            assert!(SiteKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserializing_runs_the_same_check() {
        assert!(serde_json::from_str::<SurveyId>("\"nps-1\"").is_ok());
        let err = serde_json::from_str::<SurveyId>("\"a/b\"").unwrap_err();
        assert!(err.to_string().contains("survey id must be"), "{err}");
    }

    #[test]
    fn response_ids_are_uuids() {
        let id = ResponseId::parse("67e55044-10b1-426f-9247-bb680e5fe0c8").unwrap();
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert!(ResponseId::parse("not-a-uuid").is_err());
    }
}
