//! What a visitor reports from the widget: a problem (a complaint) or a suggestion.

use crate::answer::check_page_url;
use crate::ids::{ResponseId, SiteKey};
use crate::survey::{Invalid, MAX_LABEL, MAX_TEXT};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintKind {
    /// Something went wrong: enters the complaint workflow.
    #[default]
    Problem,
    /// An idea for the site.
    Suggestion,
}

/// How badly a problem affects the customer, from 1 ("a little") to 4 ("urgent").
pub const MAX_IMPACT: u8 = 4;

/// The body of `POST /api/v1/complaints`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawComplaint")]
pub struct ComplaintSubmission {
    /// Made by the widget, so that a retried report is stored once.
    pub id: ResponseId,
    pub site_key: SiteKey,
    #[serde(default)]
    pub kind: ComplaintKind,
    /// One of the site's categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub category: Option<String>,
    /// What happened (or what they suggest), 1 to 5000 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 5000, pattern = r"\S")
    )]
    pub description: String,
    /// 1 to 4; problems only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4))]
    pub impact: Option<u8>,
    /// Where to reach the customer; only with `contact_consent`. The pattern is what
    /// [`is_email`] accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@.\s\x00-\x1f\x7f-\x9f][^@\s\x00-\x1f\x7f-\x9f]*\.[^@\s\x00-\x1f\x7f-\x9f]*[^@.\s\x00-\x1f\x7f-\x9f]$"
        )
    )]
    pub email: Option<String>,
    #[serde(default)]
    pub contact_consent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub page_url: Option<String>,
}

#[derive(Deserialize)]
struct RawComplaint {
    id: ResponseId,
    site_key: SiteKey,
    #[serde(default)]
    kind: ComplaintKind,
    #[serde(default)]
    category: Option<String>,
    description: String,
    #[serde(default)]
    impact: Option<u8>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    contact_consent: bool,
    #[serde(default)]
    page_url: Option<String>,
}

impl TryFrom<RawComplaint> for ComplaintSubmission {
    type Error = Invalid;
    fn try_from(raw: RawComplaint) -> Result<Self, Invalid> {
        let fail = |why: &'static str| Err(Invalid::new(why));
        if raw.description.trim().is_empty()
            || raw.description.chars().count() > usize::from(MAX_TEXT)
        {
            return fail("a description is 1 to 5000 characters");
        }
        if raw
            .category
            .as_deref()
            .is_some_and(|c| c.trim().is_empty() || c.chars().count() > MAX_LABEL)
        {
            return fail("a category is 1 to 500 characters");
        }
        match (raw.kind, raw.impact) {
            (ComplaintKind::Problem, Some(i)) if !(1..=MAX_IMPACT).contains(&i) => {
                return fail("impact is 1 (a little) to 4 (urgent)")
            }
            (ComplaintKind::Suggestion, Some(_)) => return fail("a suggestion has no impact"),
            _ => {}
        }
        if let Some(email) = &raw.email {
            if !is_email(email) {
                return fail("the e-mail address is not valid");
            }
            if !raw.contact_consent {
                return fail("an e-mail address is kept only with consent to be contacted");
            }
        }
        check_page_url(&raw.page_url)?;
        Ok(Self {
            id: raw.id,
            site_key: raw.site_key,
            kind: raw.kind,
            category: raw.category,
            description: raw.description,
            impact: raw.impact,
            email: raw.email,
            contact_consent: raw.contact_consent,
            page_url: raw.page_url,
        })
    }
}

impl ComplaintSubmission {
    /// Checks the category against the site's list (any category, or none, when it has none).
    pub fn check_category(&self, categories: &[String]) -> Result<(), Invalid> {
        match &self.category {
            Some(c) if !categories.is_empty() && !categories.contains(c) => {
                Err(Invalid::new(format!("the site has no category {c:?}")))
            }
            _ => Ok(()),
        }
    }
}

/// A plausible address: `local@domain.tld`, no spaces, at most 254 characters. (Whether it reaches
/// anyone only sending mail tells.)
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.chars().count() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(extra: serde_json::Value) -> serde_json::Value {
        let mut body = json!({
            "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
            "site_key": "demo",
            "category": "Delivery",
            "description": "The parcel never came",
            "impact": 3
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    }

    #[test]
    fn a_report_parses_and_its_category_is_checked() {
        let c: ComplaintSubmission = serde_json::from_value(report(json!({
            "email": "ann@example.com", "contact_consent": true
        })))
        .unwrap();
        assert_eq!(c.kind, ComplaintKind::Problem);
        c.check_category(&["Delivery".into()]).unwrap();
        assert!(c.check_category(&["Billing".into()]).is_err());
        c.check_category(&[]).unwrap();
    }

    #[test]
    fn bad_reports_say_why() {
        for (extra, expected) in [
            (json!({"description": " "}), "1 to 5000"),
            (json!({"impact": 5}), "impact is 1"),
            (json!({"kind": "suggestion"}), "no impact"),
            (json!({"email": "ann@example.com"}), "consent"),
            (
                json!({"email": "not an address", "contact_consent": true}),
                "not valid",
            ),
            (json!({"kind": "rant"}), "unknown variant"),
        ] {
            let err = serde_json::from_value::<ComplaintSubmission>(report(extra)).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "{err} should say {expected}"
            );
        }
    }

    #[test]
    fn emails() {
        for (s, ok) in [
            ("a@b.co", true),
            ("a@b", false),
            ("@b.co", false),
            ("a b@c.co", false),
            ("a@b.co.", false),
            ("a@@b.co", false),
        ] {
            assert_eq!(is_email(s), ok, "{s}");
        }
    }
}
