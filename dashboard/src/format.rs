//! How values read on screen.

use shared::case::{Actor, EntryKind, ProblemStatus, Urgency};

/// An RFC 3339 UTC time as `2026-11-23 12:13:40`, or the text unchanged if it is not one.
///
/// Times stay in UTC, as the collector records them, so that every admin reads the same clock.
pub(crate) fn received_at(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(10..11), rfc3339.get(11..19)) {
        (Some(date), Some("T" | "t" | " "), Some(time)) => format!("{date} {time}"),
        _ => rfc3339.to_owned(),
    }
}

/// A Net Promoter Score as a whole number with its sign, as it is usually quoted:
/// `+40`, `0`, `-50`.
pub(crate) fn nps_score(score: f64) -> String {
    // `as` saturates and turns -0.0 into 0, which is what should show.
    let rounded = score.round() as i64;
    if rounded > 0 {
        format!("+{rounded}")
    } else {
        rounded.to_string()
    }
}

/// The start of `text` on one line, at most `max` characters, with "…" where it was cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// What a timeline entry records, for people.
pub(crate) fn entry_kind(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Received => "Received",
        EntryKind::Categorized => "Categorized",
        EntryKind::Prioritized => "Prioritized",
        EntryKind::Assigned => "Assigned",
        EntryKind::PublicReply => "Reply to customer",
        EntryKind::InternalNote => "Internal note",
        EntryKind::CustomerReply => "Customer replied",
        EntryKind::StatusChanged => "Status changed",
        EntryKind::Merged => "Merged",
        EntryKind::LinkedProblem => "Linked to a problem",
        EntryKind::SlaWarning => "SLA target near",
        EntryKind::SlaBreached => "SLA target missed",
        EntryKind::Escalated => "Escalated",
        EntryKind::HotStove => "Hot stove",
    }
}

/// Who made a timeline entry, for people.
pub(crate) fn actor(actor: &Actor) -> String {
    match actor {
        Actor::User { email, .. } => email.clone(),
        Actor::Token { id } => format!("API token {id}"),
        Actor::Customer => "the customer".to_owned(),
        Actor::Rule { name } => format!("rule: {name}"),
        Actor::System => "Hark".to_owned(),
    }
}

/// A problem record's state, for people.
pub(crate) fn problem_status(status: ProblemStatus) -> &'static str {
    match status {
        ProblemStatus::Investigating => "Investigating",
        ProblemStatus::KnownError => "Known error",
        ProblemStatus::Fixed => "Fixed",
    }
}

/// An urgency, for people.
pub(crate) fn urgency(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Low => "Low",
        Urgency::Normal => "Normal",
        Urgency::High => "High",
        Urgency::Critical => "Critical",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn received_times_read_as_date_and_time() {
        let cases = [
            ("2026-11-23T12:13:40Z", "2026-11-23 12:13:40"),
            ("2026-11-23T12:13:40.123456Z", "2026-11-23 12:13:40"),
            ("2026-11-23T12:13:40+00:00", "2026-11-23 12:13:40"),
            ("yesterday", "yesterday"),
            ("2026-11-23é12:13:40Z", "2026-11-23é12:13:40Z"),
        ];
        for (input, shown) in cases {
            assert_eq!(received_at(input), shown, "{input}");
        }
    }

    #[wasm_bindgen_test]
    fn nps_scores_are_whole_and_signed() {
        let cases = [
            (40.0, "+40"),
            (0.0, "0"),
            (-0.0, "0"),
            (-50.0, "-50"),
            (33.333, "+33"),
            (-0.4, "0"),
        ];
        for (score, shown) in cases {
            assert_eq!(nps_score(score), shown, "{score}");
        }
    }

    #[wasm_bindgen_test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("two\nlines  here", 20), "two lines here");
        assert_eq!(excerpt("charged twice for one order", 12), "charged twi…");
        assert_eq!(excerpt("ééééé", 3), "éé…");
    }
}
