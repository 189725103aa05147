//! What the team is told, and how: the events a user takes by e-mail on a site, and the language
//! of those e-mails.

use serde::{Deserialize, Serialize};

/// The events that can reach a user by e-mail, in the order the dashboard lists them.
pub const EMAIL_EVENTS: [&str; 7] = [
    "complaint.hot_stove",
    "sla.warning",
    "sla.breached",
    "escalation.raised",
    "webhook.disabled",
    "goal.at_risk",
    "insight.digest",
];

/// The events a user takes only when they ask for them: the weekly digest.
pub const OPT_IN_EVENTS: [&str; 1] = ["insight.digest"];

/// One user's notification preferences on one site (`GET`/`PUT
/// /api/v1/admin/sites/{site_key}/notifications`, the caller's own). A user who never set them
/// takes every event but the opt-in ones, in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPreferences {
    /// The e-mails' language: one of the widget's ([`crate::i18n::LANGS`]).
    #[cfg_attr(feature = "openapi", schema(pattern = "^(en|de|fr|es|pt|ja|ar)$"))]
    pub language: String,
    /// The events mailed to this user, each one of [`EMAIL_EVENTS`].
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Vec<crate::openapi::EmailEvent>))]
    pub email: Vec<String>,
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        NotificationPreferences {
            language: "en".to_owned(),
            email: EMAIL_EVENTS
                .iter()
                .filter(|e| !OPT_IN_EVENTS.contains(e))
                .map(|e| (*e).to_owned())
                .collect(),
        }
    }
}

impl NotificationPreferences {
    /// Every problem with them, as `(field, message)`; empty when they can be stored.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !crate::i18n::LANGS.contains(&self.language.as_str()) {
            out.push((
                "language".to_owned(),
                format!(
                    "{:?} is not one of the languages: {}",
                    self.language,
                    crate::i18n::LANGS.join(", ")
                ),
            ));
        }
        for (i, e) in self.email.iter().enumerate() {
            if !EMAIL_EVENTS.contains(&e.as_str()) {
                out.push((
                    format!("email[{i}]"),
                    format!("{e:?} is not an event: {}", EMAIL_EVENTS.join(", ")),
                ));
            }
        }
        out
    }

    /// Whether this user takes `event` by e-mail.
    pub fn wants(&self, event: &str) -> bool {
        self.email.iter().any(|e| e == event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_takes_every_event_but_the_digest_in_english() {
        let p = NotificationPreferences::default();
        assert!(p.problems().is_empty());
        assert!(EMAIL_EVENTS
            .iter()
            .all(|e| p.wants(e) == (*e != "insight.digest")));
        assert_eq!(p.language, "en");
    }

    #[test]
    fn unknown_languages_and_events_are_named() {
        let p = NotificationPreferences {
            language: "xx".into(),
            email: vec!["sla.breached".into(), "complaint.eaten".into()],
        };
        let fields: Vec<String> = p.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["language", "email[1]"]);
        assert!(p.wants("sla.breached") && !p.wants("sla.warning"));
    }
}
