//! The admin dashboard: signs an admin in with an e-mail address and password (a session
//! cookie) or an API token, makes the first user through the setup link, and lists a site's
//! responses.
//!
//! It is served by the collector under `/dashboard/` and talks to the same origin's
//! `/api/v1/admin/*`. Everything the server sends is rendered as text, never as HTML.

mod api;
mod app;
mod format;
mod responses;
mod setup;
mod sign_in;
mod token_store;

pub use app::App;
