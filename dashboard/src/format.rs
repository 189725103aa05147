//! How values read on screen.

use shared::case::{Actor, EntryKind, ProblemStatus, Urgency};
use shared::sla::{SlaClock, SlaState, SlaTarget, Weekday};

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
        EntryKind::Rated => "Rated the resolution",
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

/// A span of (business) minutes as people say it: `45 min`, `2 h`, `1 h 20 min`.
pub(crate) fn minutes(minutes: i64) -> String {
    let m = minutes.unsigned_abs();
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// An SLA clock's state, for people.
pub(crate) fn sla_state(state: SlaState) -> &'static str {
    match state {
        SlaState::OnTrack => "On track",
        SlaState::AtRisk => "At risk",
        SlaState::Breached => "Breached",
        SlaState::Met => "Met",
        SlaState::Paused => "Paused",
    }
}

/// An SLA state as the API's `sla=` filter and the badges' classes name it.
pub(crate) fn sla_state_key(state: SlaState) -> &'static str {
    match state {
        SlaState::OnTrack => "on_track",
        SlaState::AtRisk => "at_risk",
        SlaState::Breached => "breached",
        SlaState::Met => "met",
        SlaState::Paused => "paused",
    }
}

/// Every SLA state, worst first, as the collector ranks a case's clocks.
pub(crate) const SLA_STATES: [SlaState; 5] = [
    SlaState::Breached,
    SlaState::AtRisk,
    SlaState::OnTrack,
    SlaState::Paused,
    SlaState::Met,
];

/// An SLA target, for people.
pub(crate) fn sla_target(target: SlaTarget) -> &'static str {
    match target {
        SlaTarget::FirstResponse => "First response",
        SlaTarget::NextResponse => "Next response",
        SlaTarget::Resolution => "Resolution",
    }
}

/// What is left of a clock, in business minutes: `1 h 20 min left`, `breached 15 min ago`.
pub(crate) fn sla_left(clock: &SlaClock) -> String {
    let left = minutes(clock.left_minutes);
    match clock.state {
        SlaState::OnTrack | SlaState::AtRisk => format!("{left} left"),
        SlaState::Paused => format!("paused, {left} left"),
        SlaState::Breached if clock.left_minutes >= 0 => "breached just now".to_owned(),
        SlaState::Breached => format!("breached {left} ago"),
        SlaState::Met => format!("met with {left} to spare"),
    }
}

/// The clock a case is judged by, as the collector's `sla=` filter does: the worst state
/// (breached, at risk, on track, paused, met), and of those the one with least time left.
pub(crate) fn worst_clock(clocks: &[SlaClock]) -> Option<&SlaClock> {
    let rank = |s: SlaState| SLA_STATES.iter().position(|x| *x == s).unwrap_or(0);
    clocks
        .iter()
        .min_by_key(|c| (rank(c.state), c.left_minutes))
}

/// A weekday's name.
pub(crate) fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// A local time as `2026-12-03 14:05 (UTC+01:00)`: `offset` is minutes east of UTC.
fn local_clock(date: (u32, u32, u32), hour: u32, minute: u32, offset: i32) -> String {
    let (year, month, day) = date;
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.unsigned_abs();
    format!(
        "{year}-{month:02}-{day:02} {hour:02}:{minute:02} (UTC{sign}{:02}:{:02})",
        off / 60,
        off % 60
    )
}

/// Unix milliseconds in the viewer's own time zone, as the browser knows it.
///
/// Unlike the times of the timeline (UTC, the collector's clock), a due time is something to
/// act by, so it is shown in the viewer's time, with the offset to say so.
pub(crate) fn local_time(ms: i64) -> String {
    // Unix milliseconds fit an f64 exactly (up to 2^53).
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    local_clock(
        (date.get_full_year(), date.get_month() + 1, date.get_date()),
        date.get_hours(),
        date.get_minutes(),
        // JavaScript counts the offset westwards, in minutes.
        -(date.get_timezone_offset() as i32),
    )
}

/// Unix milliseconds as RFC 3339 in UTC, for a `<time datetime>`.
pub(crate) fn iso_time(ms: i64) -> String {
    String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).to_iso_string())
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

    #[wasm_bindgen_test]
    fn minutes_read_as_hours_and_minutes() {
        let cases = [
            (0, "0 min"),
            (45, "45 min"),
            (60, "1 h"),
            (80, "1 h 20 min"),
            (-15, "15 min"),
            (7200, "120 h"),
        ];
        for (m, shown) in cases {
            assert_eq!(minutes(m), shown, "{m}");
        }
    }

    fn clock(state: SlaState, left: i64) -> SlaClock {
        SlaClock {
            target: SlaTarget::FirstResponse,
            state,
            due_at: Some(0),
            used_minutes: 0,
            left_minutes: left,
        }
    }

    #[wasm_bindgen_test]
    fn a_clock_says_what_is_left_or_how_late_it_is() {
        let cases = [
            (clock(SlaState::OnTrack, 80), "1 h 20 min left"),
            (clock(SlaState::AtRisk, 5), "5 min left"),
            (clock(SlaState::Breached, -15), "breached 15 min ago"),
            (clock(SlaState::Breached, 0), "breached just now"),
            (clock(SlaState::Paused, 30), "paused, 30 min left"),
            (clock(SlaState::Met, 12), "met with 12 min to spare"),
        ];
        for (c, shown) in cases {
            assert_eq!(sla_left(&c), shown, "{c:?}");
        }
    }

    #[wasm_bindgen_test]
    fn the_worst_clock_is_the_one_a_case_is_judged_by() {
        let mut resolution = clock(SlaState::OnTrack, 400);
        resolution.target = SlaTarget::Resolution;
        let clocks = [resolution.clone(), clock(SlaState::OnTrack, 30)];
        assert_eq!(worst_clock(&clocks).unwrap().left_minutes, 30);
        let clocks = [clock(SlaState::Met, 10), clock(SlaState::Paused, 50)];
        assert_eq!(worst_clock(&clocks).unwrap().state, SlaState::Paused);
        let clocks = [resolution, clock(SlaState::Breached, -3)];
        assert_eq!(worst_clock(&clocks).unwrap().state, SlaState::Breached);
        assert!(worst_clock(&[]).is_none());
    }

    #[wasm_bindgen_test]
    fn local_times_say_their_offset() {
        assert_eq!(
            local_clock((2026, 12, 3), 14, 5, 60),
            "2026-12-03 14:05 (UTC+01:00)"
        );
        assert_eq!(
            local_clock((2026, 1, 9), 7, 30, -330),
            "2026-01-09 07:30 (UTC-05:30)"
        );
    }
}
