//! The domain both sides of the wire agree on: ids, surveys, answers, complaints, scoring, words.
//!
//! This crate knows nothing of HTTP servers, SQL or the DOM; it builds for `wasm32` and native.
//! Values are parsed, not validated: a value of one of these types that exists is valid, and
//! deserializing one runs the same checks as constructing it.

pub mod answer;
pub mod api;
pub mod case;
pub mod complaint;
pub mod i18n;
pub mod ids;
pub mod insight;
pub mod notify;
#[cfg(feature = "openapi")]
mod openapi;
pub mod score;
pub mod site;
pub mod sla;
pub mod survey;
pub mod team;
pub mod templates;

pub use answer::{Answer, NpsScore, ResponseSubmission, MAX_PAGE_URL};
pub use complaint::{ComplaintKind, ComplaintSubmission};
pub use ids::{IdError, QuestionId, ResponseId, SiteKey, SurveyId};
pub use site::{
    is_attribute_key, Launcher, Position, SiteConfig, SiteSettings, Theme, ThemeMode,
    MAX_SEGMENT_ATTRIBUTES,
};
pub use survey::{
    Branch, CsatStyle, Frequency, Invalid, On, PageMatch, PageRule, Question, QuestionKind, Step,
    Survey, SurveyDraft, Trigger, When,
};
