//! A site's business calendar, and business time: how many minutes of it lie between two
//! instants, and when a number of them will have passed.
//!
//! The rules, in one place:
//! - An instant is **business time** when its local time falls in a working interval and its
//!   local date is not a holiday. A holiday closes the whole local day, 00:00 to 24:00: an
//!   overnight interval that starts the evening before a holiday stops at midnight, and one that
//!   starts on the holiday's evening opens at midnight after it, for the part in the next day.
//! - Business time is **real time**: a minute is counted when it passes. A 09:00–17:00 day is
//!   eight hours whatever the offset, and on the night clocks go forward a 22:00–06:00 interval
//!   has seven hours (nine on the night they go back).
//! - A working interval's start or end that names a **local time that does not exist** (in the
//!   gap when clocks go forward) or **happens twice** (when they go back) is placed as jiff's
//!   `compatible` disambiguation does, as RFC 5545 and Temporal do: in a gap, later by the length
//!   of the gap (02:30 becomes 03:30); in a fold, the first of the two. An interval that comes out
//!   empty that way (02:30–03:15 on a night 02:00 jumps to 03:00) has no time that day.
//! - Time is counted in **milliseconds** and floored to whole minutes only when reported, so
//!   seconds are neither lost nor invented: from 08:59:30 to 09:01:00 is one business minute, and
//!   one business minute after 09:00:30 is 09:01:30.
//! - The arithmetic walks open intervals, not minutes, and gives up after `HORIZON_DAYS` local
//!   days. A parsed calendar has working time every week (one with none is refused) and at most
//!   `MAX_HOLIDAYS` holidays, so only a target of years on a calendar of minutes a week gets that
//!   far: `add_business_minutes` then answers `NEVER`.

use super::Problem;
use crate::clock::Millis;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use shared::sla::{BusinessHours, WorkingInterval};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

/// At most this many working intervals a week.
pub const MAX_INTERVALS: usize = 50;
/// At most this many holidays.
pub const MAX_HOLIDAYS: usize = 1_000;
/// How many local days the arithmetic walks before it gives up: a hundred years.
pub const HORIZON_DAYS: i64 = 36_525;
/// The instant that never comes: what `add_business_minutes` answers past the horizon.
pub const NEVER: Millis = Millis::MAX;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// Minutes in a local day, as the end `24:00` counts them.
const MIDNIGHT: u16 = 24 * 60;

/// Open minutes of one local day: from `start` to `end` minutes after its midnight,
/// `start < end ≤ 24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: u16,
    end: u16,
}

/// A site's business hours, checked and ready for arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    /// Open all day, every day but holidays, and no holidays: time is business time.
    always: bool,
    /// For each weekday, Monday first, the open spans of a local day of it, in order: its own
    /// intervals cut at midnight, and the mornings of the previous day's overnight intervals.
    days: [Vec<Span>; 7],
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// Checks business hours and makes their calendar, or says everything that is wrong with
    /// them: an unknown time zone, a time that is not `HH:MM`, an empty or overlapping interval
    /// (an overnight one overlaps the next day's too), too many intervals, no working time at
    /// all, and holidays that are not dates or are listed twice.
    pub fn parse(hours: &BusinessHours) -> Result<Calendar, Vec<Problem>> {
        let mut problems = Vec::new();
        let zone = jiff::tz::db().get(&hours.time_zone);
        if zone.is_err() {
            problems.push(Problem::new(
                "time_zone",
                format!(
                    "{:?} is not an IANA time zone name such as \"Europe/Berlin\"",
                    hours.time_zone
                ),
            ));
        }
        let week = week(&hours.week, &mut problems);
        if hours.week.is_empty() && !hours.always_open {
            problems.push(Problem::new(
                "week",
                "no working hours: add an interval, or set always_open for 24×7",
            ));
        }
        let holidays = holidays(&hours.holidays, &mut problems);
        match zone {
            Ok(zone) if problems.is_empty() => Ok(Calendar {
                zone,
                always: hours.always_open && holidays.is_empty(),
                days: if hours.always_open {
                    std::array::from_fn(|_| {
                        vec![Span {
                            start: 0,
                            end: MIDNIGHT,
                        }]
                    })
                } else {
                    week
                },
                holidays,
            }),
            _ => Err(problems),
        }
    }

    /// The instant at which `minutes` business minutes after `from` have passed: `from` itself
    /// when `minutes` is 0 or less, the end of an open interval rather than the start of the next
    /// when that is where they run out, and `NEVER` past the horizon.
    pub fn add_business_minutes(&self, from: Millis, minutes: i64) -> Millis {
        self.add_open_millis(from, minutes.saturating_mul(MINUTE))
    }

    /// Whole business minutes from `a` to `b` (0 when `b` is not after `a`), counted up to the
    /// horizon.
    pub fn business_minutes_between(&self, a: Millis, b: Millis) -> i64 {
        self.open_millis_between(a, b) / MINUTE
    }

    /// `add_business_minutes` to the millisecond.
    pub(crate) fn add_open_millis(&self, from: Millis, millis: i64) -> Millis {
        if millis <= 0 {
            return from;
        }
        let mut left = millis;
        let mut reached = NEVER;
        self.walk(from, |start, end| {
            if left <= end - start {
                reached = start + left;
                ControlFlow::Break(())
            } else {
                left -= end - start;
                ControlFlow::Continue(())
            }
        });
        reached
    }

    /// Business milliseconds from `a` to `b`.
    pub(crate) fn open_millis_between(&self, a: Millis, b: Millis) -> i64 {
        let mut total = 0;
        if b > a {
            self.walk(a, |start, end| {
                if start >= b {
                    return ControlFlow::Break(());
                }
                total += end.min(b) - start;
                if end >= b {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
        }
        total
    }

    /// Shows `visit` each stretch of business time from `from` on, in order and without overlap
    /// (the first one cut to start at `from`), until it breaks or the horizon is reached. One day
    /// at a time, with a few time zone look-ups a day.
    fn walk(&self, from: Millis, mut visit: impl FnMut(Millis, Millis) -> ControlFlow<()>) {
        if self.always {
            let _ = visit(from, from.saturating_add(HORIZON_DAYS * DAY));
            return;
        }
        let Ok(at) = Timestamp::from_millisecond(from) else {
            return;
        };
        // From the day before: in a fold, yesterday's last interval can end after `from`.
        let Ok(mut date) = self.zone.to_datetime(at).date().yesterday() else {
            return;
        };
        // Each stretch starts no earlier than the last one ended, so that a DST gap, which moves
        // one interval's end past the next one's start, never counts a minute twice.
        let mut open_from = from;
        for _ in 0..=HORIZON_DAYS {
            if !self.holidays.contains(&date) {
                let weekday = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
                for span in &self.days[weekday] {
                    let (Some(start), Some(end)) =
                        (self.instant(date, span.start), self.instant(date, span.end))
                    else {
                        return;
                    };
                    let start = start.max(open_from);
                    if start < end {
                        open_from = end;
                        if visit(start, end).is_break() {
                            return;
                        }
                    }
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => return,
            }
        }
    }

    /// The instant of `minute` minutes after the local midnight that starts `date` (`24:00` is
    /// the next midnight), placed in a gap or a fold as `compatible` does.
    fn instant(&self, date: Date, minute: u16) -> Option<Millis> {
        let local = if minute >= MIDNIGHT {
            date.tomorrow().ok()?.to_datetime(Time::midnight())
        } else {
            // Both fit an i8: hours below 24, minutes below 60.
            let (h, m) = ((minute / 60) as i8, (minute % 60) as i8);
            DateTime::from_parts(date, Time::new(h, m, 0, 0).ok()?)
        };
        let instant = self.zone.to_ambiguous_timestamp(local).compatible().ok()?;
        Some(instant.as_millisecond())
    }
}

/// A working interval as typed, for messages: `mon 22:00–06:00`.
fn describe(interval: &WorkingInterval) -> String {
    format!(
        "{} {}–{}",
        interval.day.as_str(),
        interval.start,
        interval.end
    )
}

/// Minutes after midnight of `HH:MM` (00:00 to 23:59, and `24:00` when `end`).
fn time_of_day(text: &str, end: bool) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let (h, m) = (two_digits(hours)?, two_digits(minutes)?);
    match (h, m) {
        (0..=23, 0..=59) => Some(h * 60 + m),
        (24, 0) if end => Some(MIDNIGHT),
        _ => None,
    }
}

fn two_digits(text: &str) -> Option<u16> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// A date as `YYYY-MM-DD`, and nothing else.
fn date(text: &str) -> Option<Date> {
    let digits = |part: &str, len: usize| {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<i16>().ok())
            .flatten()
    };
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = i8::try_from(digits(month, 2)?).ok()?;
    let day = i8::try_from(digits(day, 2)?).ok()?;
    Date::new(digits(year, 4)?, month, day).ok()
}

/// The open spans of each weekday, Monday first, from the intervals of the week; what is wrong
/// with them goes to `problems`.
fn week(intervals: &[WorkingInterval], problems: &mut Vec<Problem>) -> [Vec<Span>; 7] {
    // Each weekday's spans, with the index of the interval that each comes from.
    let mut pieces: [Vec<(Span, usize)>; 7] = Default::default();
    if intervals.len() > MAX_INTERVALS {
        problems.push(Problem::new(
            "week",
            format!(
                "{} working intervals; at most {MAX_INTERVALS} a week",
                intervals.len()
            ),
        ));
        return Default::default();
    }
    for (i, interval) in intervals.iter().enumerate() {
        let start = time_of_day(&interval.start, false);
        if start.is_none() {
            problems.push(Problem::new(
                format!("week[{i}].start"),
                format!(
                    "{:?} is not a time of day as HH:MM, 00:00 to 23:59",
                    interval.start
                ),
            ));
        }
        let end = time_of_day(&interval.end, true);
        if end.is_none() {
            problems.push(Problem::new(
                format!("week[{i}].end"),
                format!(
                    "{:?} is not a time of day as HH:MM, 00:00 to 24:00",
                    interval.end
                ),
            ));
        }
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        let day = interval.day.index();
        if start == end {
            problems.push(Problem::new(
                format!("week[{i}]"),
                format!(
                    "{} is empty: a whole day is 00:00–24:00",
                    describe(interval)
                ),
            ));
        } else if start < end {
            pieces[day].push((Span { start, end }, i));
        } else {
            // Overnight: the evening on its day, the morning on the next.
            pieces[day].push((
                Span {
                    start,
                    end: MIDNIGHT,
                },
                i,
            ));
            if end > 0 {
                let next = interval.day.next().index();
                pieces[next].push((Span { start: 0, end }, i));
            }
        }
    }
    // Overlaps, each pair once (two overnight intervals can overlap on both of their days).
    let mut overlapping = BTreeSet::new();
    for day in &mut pieces {
        day.sort();
        let mut latest: Option<(Span, usize)> = None;
        for &(span, i) in day.iter() {
            match latest {
                Some((last, j)) if span.start < last.end => {
                    overlapping.insert((i.max(j), i.min(j)));
                    if span.end > last.end {
                        latest = Some((span, i));
                    }
                }
                _ => latest = Some((span, i)),
            }
        }
    }
    for (i, j) in overlapping {
        problems.push(Problem::new(
            format!("week[{i}]"),
            format!(
                "{} overlaps week[{j}], {}",
                describe(&intervals[i]),
                describe(&intervals[j])
            ),
        ));
    }
    pieces.map(|day| day.into_iter().map(|(span, _)| span).collect())
}

/// The holidays as dates; what is wrong with them goes to `problems`.
fn holidays(texts: &[String], problems: &mut Vec<Problem>) -> BTreeSet<Date> {
    if texts.len() > MAX_HOLIDAYS {
        problems.push(Problem::new(
            "holidays",
            format!("{} holidays; at most {MAX_HOLIDAYS}", texts.len()),
        ));
        return BTreeSet::new();
    }
    let mut seen = BTreeMap::new();
    for (i, text) in texts.iter().enumerate() {
        match date(text) {
            None => problems.push(Problem::new(
                format!("holidays[{i}]"),
                format!("{text:?} is not a date as YYYY-MM-DD"),
            )),
            Some(day) => {
                if let Some(j) = seen.insert(day, i) {
                    seen.insert(day, j);
                    problems.push(Problem::new(
                        format!("holidays[{i}]"),
                        format!("{text} is already listed at holidays[{j}]"),
                    ));
                }
            }
        }
    }
    seen.into_keys().collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use shared::sla::Weekday::{self, *};

    /// An instant written with its offset, so that the expected values do not come from the
    /// code under test.
    pub(crate) fn at(rfc3339: &str) -> Millis {
        rfc3339
            .parse::<Timestamp>()
            .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
            .as_millisecond()
    }

    pub(crate) fn calendar(
        zone: &str,
        week: &[(Weekday, &str, &str)],
        holidays: &[&str],
    ) -> Calendar {
        let hours = BusinessHours {
            time_zone: zone.to_owned(),
            always_open: false,
            week: week
                .iter()
                .map(|&(day, start, end)| WorkingInterval::new(day, start, end))
                .collect(),
            holidays: holidays.iter().map(|&d| d.to_owned()).collect(),
        };
        Calendar::parse(&hours).unwrap_or_else(|p| panic!("{p:?}"))
    }

    fn every_day(
        start: &'static str,
        end: &'static str,
    ) -> Vec<(Weekday, &'static str, &'static str)> {
        Weekday::ALL.iter().map(|&d| (d, start, end)).collect()
    }

    fn always(zone: &str, holidays: &[&str]) -> Calendar {
        Calendar::parse(&BusinessHours {
            time_zone: zone.to_owned(),
            always_open: true,
            week: Vec::new(),
            holidays: holidays.iter().map(|&d| d.to_owned()).collect(),
        })
        .unwrap()
    }

    /// Monday to Friday, 09:00–12:00 and 13:00–17:00, UTC.
    fn split() -> Calendar {
        let mut week = Vec::new();
        for day in [Mon, Tue, Wed, Thu, Fri] {
            week.push((day, "09:00", "12:00"));
            week.push((day, "13:00", "17:00"));
        }
        calendar("UTC", &week, &[])
    }

    /// Checks `add_business_minutes(from, minutes) == due` and, when `minutes` > 0, that the
    /// minutes between them are `minutes` again.
    fn check_adds(name: &str, cal: &Calendar, table: &[(&str, i64, &str)]) {
        for &(from, minutes, due) in table {
            let (from_ms, due_ms) = (at(from), at(due));
            assert_eq!(
                cal.add_business_minutes(from_ms, minutes),
                due_ms,
                "{name}: {minutes} min after {from} is {due}"
            );
            if minutes > 0 {
                assert_eq!(
                    cal.business_minutes_between(from_ms, due_ms),
                    minutes,
                    "{name}: {from} to {due}"
                );
            }
        }
    }

    fn check_betweens(name: &str, cal: &Calendar, table: &[(&str, &str, i64)]) {
        for &(a, b, minutes) in table {
            assert_eq!(
                cal.business_minutes_between(at(a), at(b)),
                minutes,
                "{name}: {a} to {b}"
            );
        }
    }

    #[test]
    fn split_hours_skip_lunch_nights_and_weekends() {
        // 2026-06-01 is a Monday.
        let cal = split();
        check_adds(
            "split",
            &cal,
            &[
                // 11:30–12:00 is 30, then 13:00 + 30.
                ("2026-06-01T11:30:00Z", 60, "2026-06-01T13:30:00Z"),
                // Runs out exactly at 12:00: due at 12:00, not at 13:00.
                ("2026-06-01T11:00:00Z", 60, "2026-06-01T12:00:00Z"),
                // From lunch: nothing counts until 13:00.
                ("2026-06-01T12:30:00Z", 10, "2026-06-01T13:10:00Z"),
                // Friday 16:00–17:00 is 60, then Monday 09:00 + 60.
                ("2026-06-05T16:00:00Z", 120, "2026-06-08T10:00:00Z"),
                // Saturday: from Monday 09:00.
                ("2026-06-06T10:00:00Z", 1, "2026-06-08T09:01:00Z"),
                // A whole day is 3 h + 4 h = 420: from Monday 09:00, 420 is Monday 17:00.
                ("2026-06-01T09:00:00Z", 420, "2026-06-01T17:00:00Z"),
                ("2026-06-01T09:00:00Z", 421, "2026-06-02T09:01:00Z"),
                // Nothing to add is the same instant, closed or not.
                ("2026-06-01T12:30:00Z", 0, "2026-06-01T12:30:00Z"),
                ("2026-06-01T12:30:00Z", -5, "2026-06-01T12:30:00Z"),
            ],
        );
        check_betweens(
            "split",
            &cal,
            &[
                // Monday 10:00 to Tuesday 10:00: 2 + 4 on Monday, 1 on Tuesday = 7 h.
                ("2026-06-01T10:00:00Z", "2026-06-02T10:00:00Z", 420),
                // A week, Monday 00:00 to Monday 00:00: 5 × 420.
                ("2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z", 2100),
                ("2026-06-06T00:00:00Z", "2026-06-07T23:59:00Z", 0),
                // Backwards is 0.
                ("2026-06-02T10:00:00Z", "2026-06-01T10:00:00Z", 0),
            ],
        );
    }

    #[test]
    fn parts_of_a_minute_are_counted_in_milliseconds_and_floored() {
        let cal = split();
        check_betweens(
            "seconds",
            &cal,
            &[
                ("2026-06-01T09:00:00Z", "2026-06-01T09:00:59.999Z", 0),
                // Only 09:00:00–09:01:00 is open.
                ("2026-06-01T08:59:30Z", "2026-06-01T09:01:00Z", 1),
                ("2026-06-01T09:00:30Z", "2026-06-01T09:02:29Z", 1),
            ],
        );
        check_adds(
            "seconds",
            &cal,
            &[("2026-06-01T09:00:30Z", 1, "2026-06-01T09:01:30Z")],
        );
    }

    #[test]
    fn overnight_hours_run_into_the_next_day_and_sunday_into_monday() {
        // Sunday to Thursday nights, 22:00–06:00, UTC: Monday morning 00:00–06:00 comes from
        // Sunday's interval, and there is none on Friday or Saturday night.
        let cal = calendar(
            "UTC",
            &[Sun, Mon, Tue, Wed, Thu].map(|d| (d, "22:00", "06:00")),
            &[],
        );
        check_adds(
            "overnight",
            &cal,
            &[
                // Sunday 2026-06-07 23:00: 1 h to midnight, 6 h on Monday morning.
                ("2026-06-07T23:00:00Z", 420, "2026-06-08T06:00:00Z"),
                // Then Monday night from 22:00.
                ("2026-06-07T23:00:00Z", 421, "2026-06-08T22:01:00Z"),
                // Friday 2026-06-12 05:00 (Thursday's night): 1 h, then Sunday 22:00.
                ("2026-06-12T05:00:00Z", 90, "2026-06-14T22:30:00Z"),
            ],
        );
        check_betweens(
            "overnight",
            &cal,
            &[
                // Monday 00:00 to Saturday 00:00: Monday morning 6 h, four full nights 8 h.
                (
                    "2026-06-08T00:00:00Z",
                    "2026-06-13T00:00:00Z",
                    6 * 60 + 4 * 480,
                ),
            ],
        );
        // "22:00"–"00:00" is overnight with an empty morning: the same as 22:00–24:00.
        let late = calendar("UTC", &[(Mon, "22:00", "00:00")], &[]);
        check_betweens(
            "late",
            &late,
            &[("2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z", 120)],
        );
    }

    #[test]
    fn a_holiday_closes_its_whole_local_day_even_an_overnight_interval() {
        // Monday to Friday 09:00–17:00 with Wednesday 2026-06-03 off.
        let office = calendar(
            "UTC",
            &[Mon, Tue, Wed, Thu, Fri].map(|d| (d, "09:00", "17:00")),
            &["2026-06-03"],
        );
        check_adds(
            "holiday",
            &office,
            &[
                // Tuesday 16:00–17:00 is 60, Wednesday is off, Thursday 09:00 + 60.
                ("2026-06-02T16:00:00Z", 120, "2026-06-04T10:00:00Z"),
                ("2026-06-03T10:00:00Z", 1, "2026-06-04T09:01:00Z"),
            ],
        );
        // Every night 22:00–06:00 with Christmas off (Friday 2026-12-25).
        let nights = calendar("UTC", &every_day("22:00", "06:00"), &["2026-12-25"]);
        check_betweens(
            "holiday × overnight",
            &nights,
            &[
                // Thursday's night stops at midnight (2 h); Christmas morning and evening are
                // closed; Christmas night's interval opens at midnight for its Saturday morning
                // part (6 h).
                ("2026-12-24T22:00:00Z", "2026-12-26T06:00:00Z", 120 + 360),
                ("2026-12-25T00:00:00Z", "2026-12-26T00:00:00Z", 0),
            ],
        );
        check_adds(
            "holiday × overnight",
            &nights,
            &[
                // 60 until midnight, then Saturday 00:00 + 60.
                ("2026-12-24T23:00:00Z", 120, "2026-12-26T01:00:00Z"),
            ],
        );
    }

    #[test]
    fn business_time_is_real_time_across_dst_in_berlin() {
        // Clocks go forward on Sunday 2026-03-29 at 02:00 (+01:00 → +02:00) and back on Sunday
        // 2026-10-25 at 03:00 (+02:00 → +01:00).
        let days = calendar("Europe/Berlin", &every_day("09:00", "17:00"), &[]);
        check_adds(
            "berlin days",
            &days,
            &[
                // Saturday 16:00–17:00 (+01:00) is 60, then Sunday 09:00 (+02:00) + 60.
                (
                    "2026-03-28T16:00:00+01:00",
                    120,
                    "2026-03-29T10:00:00+02:00",
                ),
                // A whole Sunday of 23 hours still has 8 business hours.
                (
                    "2026-03-29T09:00:00+02:00",
                    480,
                    "2026-03-29T17:00:00+02:00",
                ),
                (
                    "2026-10-25T09:00:00+01:00",
                    480,
                    "2026-10-25T17:00:00+01:00",
                ),
            ],
        );
        check_betweens(
            "berlin days",
            &days,
            &[
                (
                    "2026-03-28T16:00:00+01:00",
                    "2026-03-29T17:00:00+02:00",
                    60 + 480,
                ),
                (
                    "2026-10-24T16:00:00+02:00",
                    "2026-10-25T17:00:00+01:00",
                    60 + 480,
                ),
            ],
        );
        let nights = calendar("Europe/Berlin", &every_day("22:00", "06:00"), &[]);
        check_betweens(
            "berlin nights",
            &nights,
            &[
                // 22:00 +01:00 (21:00Z) to 06:00 +02:00 (04:00Z): 7 h.
                (
                    "2026-03-28T22:00:00+01:00",
                    "2026-03-29T06:00:00+02:00",
                    420,
                ),
                // 22:00 +02:00 (20:00Z) to 06:00 +01:00 (05:00Z): 9 h.
                (
                    "2026-10-24T22:00:00+02:00",
                    "2026-10-25T06:00:00+01:00",
                    540,
                ),
            ],
        );
        check_adds(
            "berlin nights",
            &nights,
            &[
                (
                    "2026-03-28T22:00:00+01:00",
                    420,
                    "2026-03-29T06:00:00+02:00",
                ),
                (
                    "2026-03-28T22:00:00+01:00",
                    421,
                    "2026-03-29T22:01:00+02:00",
                ),
            ],
        );
        // Sunday 02:00–04:00. In spring 02:00 does not exist and is placed at 03:00 +02:00
        // (01:00Z); 04:00 +02:00 is 02:00Z: 1 h. In autumn 02:00 happens twice and the first is
        // taken, 02:00 +02:00 (00:00Z); 04:00 +01:00 is 03:00Z: 3 h.
        let small_hours = calendar("Europe/Berlin", &[(Sun, "02:00", "04:00")], &[]);
        check_betweens(
            "berlin gap and fold",
            &small_hours,
            &[
                ("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 60),
                (
                    "2026-10-25T00:00:00+02:00",
                    "2026-10-26T00:00:00+01:00",
                    180,
                ),
                // An ordinary Sunday: 2 h.
                (
                    "2026-06-07T00:00:00+02:00",
                    "2026-06-08T00:00:00+02:00",
                    120,
                ),
            ],
        );
        check_adds(
            "berlin gap",
            &small_hours,
            &[("2026-03-28T12:00:00+01:00", 1, "2026-03-29T03:01:00+02:00")],
        );
        // 02:30–03:15 on the spring night: 02:30 is placed at 03:30, after 03:15, so nothing is
        // open that day; the next Sunday has its 45 minutes.
        let gone = calendar("Europe/Berlin", &[(Sun, "02:30", "03:15")], &[]);
        check_adds(
            "berlin empty in the gap",
            &gone,
            &[("2026-03-28T12:00:00+01:00", 1, "2026-04-05T02:31:00+02:00")],
        );
    }

    #[test]
    fn business_time_is_real_time_across_dst_in_new_york() {
        // Clocks go forward on Sunday 2026-03-08 at 02:00 (−05:00 → −04:00) and back on Sunday
        // 2026-11-01 at 02:00 (−04:00 → −05:00).
        let sundays = calendar("America/New_York", &[(Sun, "00:00", "24:00")], &[]);
        check_betweens(
            "new york whole days",
            &sundays,
            &[
                // A 23-hour and a 25-hour day.
                (
                    "2026-03-08T00:00:00-05:00",
                    "2026-03-09T00:00:00-04:00",
                    23 * 60,
                ),
                (
                    "2026-11-01T00:00:00-04:00",
                    "2026-11-02T00:00:00-05:00",
                    25 * 60,
                ),
            ],
        );
        check_adds(
            "new york whole days",
            &sundays,
            &[
                // 03:00 −04:00 is two hours after midnight −05:00.
                (
                    "2026-03-08T00:00:00-05:00",
                    120,
                    "2026-03-08T03:00:00-04:00",
                ),
                // 01:30 happens twice; two hours after midnight is the second, 01:00 −05:00.
                (
                    "2026-11-01T00:00:00-04:00",
                    120,
                    "2026-11-01T01:00:00-05:00",
                ),
            ],
        );
        // 01:00–02:00 on the autumn night: 01:00 is taken at its first, −04:00 (05:00Z), and
        // 02:00 −05:00 is 07:00Z: 2 h.
        let fold = calendar("America/New_York", &[(Sun, "01:00", "02:00")], &[]);
        check_betweens(
            "new york fold",
            &fold,
            &[(
                "2026-11-01T00:00:00-04:00",
                "2026-11-02T00:00:00-05:00",
                120,
            )],
        );
        // Saturday nights 22:00–06:00: 22:00 −05:00 (03:00Z) to 06:00 −04:00 (10:00Z) is 7 h.
        let nights = calendar("America/New_York", &[(Sat, "22:00", "06:00")], &[]);
        check_adds(
            "new york nights",
            &nights,
            &[
                (
                    "2026-03-07T22:00:00-05:00",
                    420,
                    "2026-03-08T06:00:00-04:00",
                ),
                (
                    "2026-10-31T22:00:00-04:00",
                    540,
                    "2026-11-01T06:00:00-05:00",
                ),
            ],
        );
    }

    #[test]
    fn always_open_counts_every_minute_but_holidays() {
        let cal = always("Europe/Berlin", &[]);
        check_adds(
            "24×7",
            &cal,
            &[
                ("2026-06-06T10:00:00Z", 10_000, "2026-06-13T08:40:00Z"),
                // Real time across DST: 23 hours from Saturday noon is Sunday noon.
                (
                    "2026-03-28T12:00:00+01:00",
                    23 * 60,
                    "2026-03-29T12:00:00+02:00",
                ),
            ],
        );
        let christmas = always("Europe/Berlin", &["2026-12-25"]);
        check_betweens(
            "24×7 with a holiday",
            &christmas,
            &[(
                "2026-12-24T12:00:00+01:00",
                "2026-12-26T12:00:00+01:00",
                24 * 60,
            )],
        );
        check_adds(
            "24×7 with a holiday",
            &christmas,
            &[(
                "2026-12-24T23:00:00+01:00",
                120,
                "2026-12-26T01:00:00+01:00",
            )],
        );
    }

    #[test]
    fn long_additions_walk_days_not_minutes_and_give_up_at_the_horizon() {
        // Monday to Friday 09:00–17:00: 10,000 minutes from Monday 2026-06-01 09:00 are 20 days
        // of 480 (four weeks, to Monday 2026-06-29 09:00) and 400 more: 15:40.
        let office = calendar(
            "UTC",
            &[Mon, Tue, Wed, Thu, Fri].map(|d| (d, "09:00", "17:00")),
            &[],
        );
        check_adds(
            "long",
            &office,
            &[("2026-06-01T09:00:00Z", 10_000, "2026-06-29T15:40:00Z")],
        );
        // A year of business minutes on one hour a week would take 8,760 weeks, 168 years.
        let hour = calendar("UTC", &[(Mon, "09:00", "10:00")], &[]);
        let from = at("2026-06-01T00:00:00Z");
        assert_eq!(hour.add_business_minutes(from, 525_600), NEVER);
        // A hundred years of it is still answered.
        let due = hour.add_business_minutes(from, 60 * 5_000);
        assert_eq!(hour.business_minutes_between(from, due), 60 * 5_000);
        // Outside jiff's years there is nothing to walk.
        assert_eq!(hour.add_business_minutes(NEVER, 1), NEVER);
    }

    #[test]
    fn adding_then_counting_gives_the_minutes_back() {
        let calendars = [
            ("split", split()),
            (
                "berlin nights with holidays",
                calendar(
                    "Europe/Berlin",
                    &every_day("22:00", "06:00"),
                    &["2026-03-29", "2026-10-26", "2026-12-25"],
                ),
            ),
            (
                "new york sundays and weekdays",
                calendar(
                    "America/New_York",
                    &[
                        (Sun, "01:00", "03:00"),
                        (Mon, "08:30", "12:00"),
                        (Mon, "12:45", "18:15"),
                        (Wed, "23:00", "07:00"),
                    ],
                    &["2026-11-02"],
                ),
            ),
            (
                "24×7 with a holiday",
                always("America/New_York", &["2026-07-04"]),
            ),
        ];
        // A small linear congruential generator: the same "random" cases on every run.
        let mut seed: u64 = 0x5EED_2026;
        let mut next = move |below: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % below
        };
        let year_2026 = at("2026-01-01T00:00:00Z");
        for (name, cal) in &calendars {
            for _ in 0..300 {
                let from = year_2026 + next(365 * 86_400_000) as i64;
                let minutes = next(20_000) as i64;
                let due = cal.add_business_minutes(from, minutes);
                assert!(due >= from, "{name}: {minutes} min after {from} went back");
                assert_eq!(
                    cal.business_minutes_between(from, due),
                    minutes,
                    "{name}: {minutes} min after {from} is {due}"
                );
                // And the other way: what the minutes between two instants add up to is no
                // later than the second.
                let to = from + next(30 * 86_400_000) as i64;
                let counted = cal.business_minutes_between(from, to);
                assert!(
                    cal.add_business_minutes(from, counted) <= to,
                    "{name}: {from} to {to}"
                );
                assert!(
                    cal.add_business_minutes(from, counted + 1) > to,
                    "{name}: {from} to {to}"
                );
            }
        }
    }

    #[test]
    fn the_bundled_time_zone_database_serves_a_machine_without_zoneinfo() {
        // `hark` reads the system's zoneinfo when there is one and falls back to the copy in the
        // binary; the copy must know the zones and their 2026 rules too.
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        for (zone, local, utc) in [
            (
                "Europe/Berlin",
                "2026-03-29T03:00:00",
                "2026-03-29T01:00:00Z",
            ),
            (
                "America/New_York",
                "2026-11-01T02:00:00",
                "2026-11-01T07:00:00Z",
            ),
            ("UTC", "2026-06-01T09:00:00", "2026-06-01T09:00:00Z"),
        ] {
            let zone = bundled.get(zone).unwrap();
            let local: DateTime = local.parse().unwrap();
            let instant = zone.to_ambiguous_timestamp(local).compatible().unwrap();
            assert_eq!(instant.as_millisecond(), at(utc));
        }
    }

    fn problems(hours: BusinessHours) -> Vec<String> {
        Calendar::parse(&hours)
            .unwrap_err()
            .iter()
            .map(Problem::to_string)
            .collect()
    }

    fn hours(week: &[(Weekday, &str, &str)], holidays: &[&str]) -> BusinessHours {
        BusinessHours {
            week: week
                .iter()
                .map(|&(day, start, end)| WorkingInterval::new(day, start, end))
                .collect(),
            holidays: holidays.iter().map(|&d| d.to_owned()).collect(),
            ..BusinessHours::default()
        }
    }

    #[test]
    fn malformed_business_hours_say_what_is_wrong_and_where() {
        assert!(Calendar::parse(&BusinessHours::default()).is_ok());
        let table: Vec<(BusinessHours, Vec<&str>)> = vec![
            (
                BusinessHours {
                    time_zone: "Europe/Berln".into(),
                    ..BusinessHours::default()
                },
                vec![
                    r#"time_zone: "Europe/Berln" is not an IANA time zone name such as "Europe/Berlin""#,
                ],
            ),
            (
                hours(
                    &[
                        (Mon, "9:00", "17:00"),
                        (Tue, "09:00", "24:01"),
                        (Wed, "24:00", "25:00"),
                    ],
                    &[],
                ),
                vec![
                    r#"week[0].start: "9:00" is not a time of day as HH:MM, 00:00 to 23:59"#,
                    r#"week[1].end: "24:01" is not a time of day as HH:MM, 00:00 to 24:00"#,
                    r#"week[2].start: "24:00" is not a time of day as HH:MM, 00:00 to 23:59"#,
                    r#"week[2].end: "25:00" is not a time of day as HH:MM, 00:00 to 24:00"#,
                ],
            ),
            (
                hours(&[(Mon, "09:00", "09:00")], &[]),
                vec!["week[0]: mon 09:00–09:00 is empty: a whole day is 00:00–24:00"],
            ),
            (
                hours(
                    &[
                        (Mon, "09:00", "12:00"),
                        (Mon, "11:00", "13:00"),
                        (Mon, "22:00", "06:00"),
                        (Tue, "05:00", "09:00"),
                        (Tue, "06:00", "08:00"),
                    ],
                    &[],
                ),
                vec![
                    "week[1]: mon 11:00–13:00 overlaps week[0], mon 09:00–12:00",
                    "week[3]: tue 05:00–09:00 overlaps week[2], mon 22:00–06:00",
                    "week[4]: tue 06:00–08:00 overlaps week[3], tue 05:00–09:00",
                ],
            ),
            (
                // Sunday night runs into Monday; two overnight intervals on the same nights
                // are one overlap, not two.
                hours(
                    &[
                        (Sun, "23:00", "02:00"),
                        (Mon, "01:00", "03:00"),
                        (Sun, "22:00", "01:00"),
                    ],
                    &[],
                ),
                vec![
                    "week[1]: mon 01:00–03:00 overlaps week[0], sun 23:00–02:00",
                    "week[2]: sun 22:00–01:00 overlaps week[0], sun 23:00–02:00",
                ],
            ),
            (
                hours(&[], &[]),
                vec!["week: no working hours: add an interval, or set always_open for 24×7"],
            ),
            (
                hours(&[(Mon, "09:00", "17:00")].repeat(51), &[]),
                vec!["week: 51 working intervals; at most 50 a week"],
            ),
            (
                hours(
                    &[(Mon, "09:00", "17:00")],
                    &[
                        "2026-12-25",
                        "2026-02-30",
                        "25.12.2026",
                        "2026-12-25",
                        "+026-01-01",
                    ],
                ),
                vec![
                    r#"holidays[1]: "2026-02-30" is not a date as YYYY-MM-DD"#,
                    r#"holidays[2]: "25.12.2026" is not a date as YYYY-MM-DD"#,
                    "holidays[3]: 2026-12-25 is already listed at holidays[0]",
                    r#"holidays[4]: "+026-01-01" is not a date as YYYY-MM-DD"#,
                ],
            ),
            (
                hours(&[(Mon, "09:00", "17:00")], &["2026-01-01"; 1001]),
                vec!["holidays: 1001 holidays; at most 1000"],
            ),
        ];
        for (hours, expected) in table {
            assert_eq!(problems(hours), expected);
        }
        // 24×7 needs no week, and "00:00"–"24:00" is a whole day.
        assert!(Calendar::parse(&BusinessHours {
            always_open: true,
            week: Vec::new(),
            ..BusinessHours::default()
        })
        .is_ok());
        assert!(Calendar::parse(&hours(&[(Sat, "00:00", "24:00")], &[])).is_ok());
    }
}
