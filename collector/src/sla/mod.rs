//! Service levels without HTTP or SQL: a site's business calendar and the arithmetic of business
//! time (`calendar`), the checks its per-priority policies must pass (`policy`), and the clock of
//! one target on one case, which the job runner asks what fires next (`timer`). Every instant is
//! Unix milliseconds, UTC (`crate::clock::Millis`); local time exists only inside `calendar`.

pub mod calendar;
pub mod case;
pub mod policy;
pub mod timer;

pub use calendar::Calendar;
pub use timer::{Alarm, AlarmKind, Outcome, SlaTimer};

use serde::Serialize;
use std::fmt;

/// One thing wrong with a setting: where it is, as a field path such as `week[2].start`, and
/// what is wrong, in words an admin can act on. The admin API answers a list of them with 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    /// A problem with the field at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `week[2].start: "9:00" is not …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// `Ok` when nothing was found wrong.
fn verdict(problems: Vec<Problem>) -> Result<(), Vec<Problem>> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
