//! The admin dashboard: signs an admin in with an e-mail address and password (a session
//! cookie) or an API token, makes the first user through the setup link, and shows a site's
//! complaints as cases to work (the inbox with each case's SLA state, a case's page with its
//! SLA clocks, problems, the workflow's settings, business hours, SLA policies, hot-stove rules,
//! webhooks, the user's notifications, the share destinations and the e-mail intake address) and
//! its responses; agents share a case, a problem or a topic with a destination. Admins run the
//! team (invitations, roles), API tokens and read the audit log; an invitation's link opens a
//! page of its own; every user keeps their own account (password, sessions, two-factor sign-in).
//! A site's snippet, origins, widget look, retention and erasure have a page; owners create
//! sites; the site's data downloads as files with progress.
//! Admins make and change the site's surveys in the builder, with a live preview of the real
//! widget that sends nothing.
//!
//! It is served by the collector under `/dashboard/` and talks to the same origin's
//! `/api/v1/admin/*`. Everything the server sends is rendered as text, never as HTML.

mod account;
mod api;
mod app;
mod attachments;
mod audit;
mod builder;
mod case;
mod charts;
mod controls;
mod exports;
mod format;
mod goals;
mod hot_stove;
mod hours;
mod inbox;
mod insight;
mod invite;
mod live;
mod log_complaint;
mod new_site;
mod notifications;
mod policies;
mod preview;
mod problems;
mod responses;
mod route;
mod settings;
mod setup;
mod share;
mod sharing;
mod shell;
mod sign_in;
mod site_settings;
mod sla;
mod surveys;
mod team;
mod token_store;
mod tokens;
mod webhooks;

pub use app::App;
