//! Closing the loop with the customer, without HTTP or SQL: the capability that opens a case's
//! status page (`token`), what the customer sees of their case (`view`), the resolution survey
//! and how its answers are read (`survey`), when a case may be rated and what a rating does
//! (`rating`), and the status page itself, in the customer's language (`page`, `words`).
//! Handlers (`http/status.rs`) and the notifier call these; the store keeps what they decide.

pub mod page;
pub mod rating;
pub mod survey;
pub mod token;
pub mod view;
pub mod words;

/// Where a customer's e-mail says its status-page link; the notifier puts a new token there
/// when it sends the message, so that the stored message holds none.
pub const TOKEN_SLOT: &str = "{case_token}";
