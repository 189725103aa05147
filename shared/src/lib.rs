//! The domain both sides of the wire agree on: ids, surveys, submissions, scoring.
//!
//! This crate knows nothing of HTTP servers, SQL or the DOM; it builds for `wasm32` and native.
//! Values are parsed, not validated: a value of one of these types that exists is valid, and
//! deserializing one runs the same checks as constructing it.

pub mod api;
pub mod ids;
pub mod score;
pub mod survey;

pub use ids::{IdError, QuestionId, ResponseId, SiteKey, SurveyId};
pub use survey::{
    Answer, Frequency, Invalid, NpsScore, Question, ResponseSubmission, SiteConfig, Survey, Trigger,
};
