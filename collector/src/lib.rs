//! The Hark collector: stores survey answers, serves the widget and the dashboard, and answers the
//! admin API. `main.rs` only parses the command line; everything else is here so that tests can
//! build the same server in-process.

pub mod access;
pub mod accounts;
pub mod assets;
pub mod cli;
pub mod clock;
pub mod closing;
pub mod complaints;
pub mod config;
pub mod enrich;
pub mod export;
pub mod html;
pub mod http;
pub mod import;
pub mod import_complaints;
pub mod insight;
pub mod jobs;
pub mod live;
pub mod mail_in;
pub mod notify;
pub mod retention;
pub mod sightings;
pub mod site_cache;
pub mod sites;
pub mod sla;
pub mod store;
pub mod team;
pub mod two_factor;

pub use http::{app, serve, AppState};
