//! The complaint workflow's rules, without HTTP or SQL: who may move a case where
//! (`transitions`), how priority follows from impact and urgency (`priority`), which category
//! and urgency a site's keyword rules suggest (`rules`), who gets a new case (`routing`),
//! which open cases look alike (`similar`), a case's short reference (`reference`), and what
//! happens to a new complaint on its way in (`intake`). Handlers call these; the store keeps
//! what they decide.

pub mod cases;
pub mod hot_stove;
pub mod intake;
pub mod priority;
pub mod reference;
pub mod routing;
pub mod rules;
pub mod share;
pub mod similar;
pub mod transitions;

pub use intake::{imported, logged_by, mailed, History, Intake, NewEntry, CHANNELS};
pub use transitions::{Party, Refused};

/// The longest reply, note or reason, in characters.
pub const MAX_REPLY: usize = 10_000;

/// Checks a reply's, a note's or a reason's text: 1 to `MAX_REPLY` characters, not only spaces.
pub fn check_text(what: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    let n = text.chars().count();
    if n > MAX_REPLY {
        return Err(format!(
            "{what} is {n} characters; at most {MAX_REPLY} are kept"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_are_one_to_ten_thousand_characters() {
        assert!(super::check_text("a reply", "Thanks").is_ok());
        assert!(super::check_text("a reply", &"é".repeat(10_000)).is_ok());
        let long = super::check_text("a reply", &"a".repeat(10_001)).unwrap_err();
        assert_eq!(long, "a reply is 10001 characters; at most 10000 are kept");
        assert_eq!(
            super::check_text("a note", " \n").unwrap_err(),
            "a note is empty"
        );
    }
}
