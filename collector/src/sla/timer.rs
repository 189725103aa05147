//! The SLA clock of one target on one case, as a state machine of plain data: it starts, pauses
//! while the case waits on the customer, resumes, and stops when the target is met. It is kept in
//! the case's JSON; whatever it is asked is worked out from that and the site's calendar.
//!
//! Everything that happens to a clock is a share of its target in business time: the warning at
//! `warn_at_percent`, the breach at 100 %, and escalation level `k` at the target plus the level's
//! `after_minutes`. So pausing pauses the escalation ladder too, and the instant of each is the
//! instant its business minutes run out: `add_business_minutes(resumed_at, threshold − used)`,
//! worked out anew on every resume. A calendar changed while a clock runs counts from the last
//! resume on; the targets and the ladder are those of the policy when the clock started.
//!
//! The job runner keeps one job per clock, due at `next_alarm`; when it is due, `fire` says what
//! went off (the warning, the breach, escalation levels) and moves the clock past them, so that
//! each fires once even when the runner comes late or the clock was paused in between.

use super::calendar::{Calendar, NEVER};
use crate::clock::Millis;
use serde::{Deserialize, Serialize};
use shared::sla::{EscalationLevel, SlaClock, SlaPolicy, SlaState, SlaTarget};

const MINUTE: i64 = 60_000;

/// What goes off on a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlarmKind {
    /// The warning share of the target is used (`sla.warning`).
    Warning,
    /// The target is used up (`sla.breached`).
    Breach,
    /// Escalation level `level`, counted from 1 (`escalation.raised`).
    Escalation { level: usize },
}

/// An alarm and the instant it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarm {
    pub kind: AlarmKind,
    pub at: Millis,
}

/// How a clock came out, for the insight reports: decided once it is met or breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Stopped within the target.
    Met { met_at: Millis, used_minutes: i64 },
    /// Went past the target; `used_minutes` up to the stop, or so far while it runs.
    Breached {
        breached_at: Millis,
        used_minutes: i64,
    },
}

/// Where the clock is between its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "run", rename_all = "snake_case")]
enum Run {
    Running { since: Millis },
    Paused { since: Millis },
    Stopped { at: Millis },
}

/// The clock of one target on one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTimer {
    target: SlaTarget,
    target_minutes: u32,
    warn_at_percent: u8,
    escalation: Vec<EscalationLevel>,
    started_at: Millis,
    /// Business milliseconds counted before the current run, so that pauses in the middle of a
    /// minute lose nothing.
    used_ms: i64,
    run: Run,
    /// How many alarms of the ladder (warning, breach, level 1, …) have fired.
    fired: usize,
    /// When the target was used up, kept once it is known at a pause or the stop; while the clock
    /// runs, it follows from the run.
    breached_at: Option<Millis>,
}

impl SlaTimer {
    /// Starts the clock of `target` at `at` with the policy's target, warning and ladder; `None`
    /// when the policy sets no such target.
    pub fn start(target: SlaTarget, policy: &SlaPolicy, at: Millis) -> Option<SlaTimer> {
        Some(SlaTimer {
            target,
            target_minutes: policy.minutes(target)?,
            warn_at_percent: policy.warn_at_percent,
            escalation: policy.escalation.clone(),
            started_at: at,
            used_ms: 0,
            run: Run::Running { since: at },
            fired: 0,
            breached_at: None,
        })
    }

    /// Which target this clock counts.
    pub fn target(&self) -> SlaTarget {
        self.target
    }

    /// When it started.
    pub fn started_at(&self) -> Millis {
        self.started_at
    }

    /// When it was stopped, met or not.
    pub fn stopped_at(&self) -> Option<Millis> {
        match self.run {
            Run::Stopped { at } => Some(at),
            _ => None,
        }
    }

    /// The escalation level `level` (from 1), as the policy had it when the clock started.
    pub fn escalation_level(&self, level: usize) -> Option<&EscalationLevel> {
        self.escalation.get(level.checked_sub(1)?)
    }

    /// Stops counting while the case waits on the customer. Pausing a clock that is not running
    /// does nothing; an instant before the last change counts as that change's.
    pub fn pause(&mut self, calendar: &Calendar, at: Millis) {
        if let Run::Running { since } = self.run {
            let at = self.settle(calendar, since, at);
            self.run = Run::Paused { since: at };
        }
    }

    /// Counts again from `at`, with the due instant worked out anew from the minutes left. Resuming
    /// a clock that is not paused does nothing.
    pub fn resume(&mut self, at: Millis) {
        if let Run::Paused { since } = self.run {
            self.run = Run::Running {
                since: at.max(since),
            };
        }
    }

    /// Stops the clock for good: the target is met (or was breached before). Stopping a stopped
    /// clock does nothing.
    pub fn stop(&mut self, calendar: &Calendar, at: Millis) {
        let at = match self.run {
            Run::Running { since } => self.settle(calendar, since, at),
            Run::Paused { since } => at.max(since),
            Run::Stopped { .. } => return,
        };
        self.run = Run::Stopped { at };
    }

    /// Ends a run that began at `since`: adds its business time, keeps when the target was used up
    /// if that happened in it, and answers the instant it ended.
    fn settle(&mut self, calendar: &Calendar, since: Millis, at: Millis) -> Millis {
        let at = at.max(since);
        let before = self.used_ms;
        self.used_ms += calendar.open_millis_between(since, at);
        if self.breached_at.is_none() && self.used_ms >= self.target_ms() {
            self.breached_at = Some(calendar.add_open_millis(since, self.target_ms() - before));
        }
        at
    }

    fn target_ms(&self) -> i64 {
        i64::from(self.target_minutes) * MINUTE
    }

    /// Business milliseconds used up to `now`.
    fn used_ms_at(&self, calendar: &Calendar, now: Millis) -> i64 {
        match self.run {
            Run::Running { since } => {
                self.used_ms + calendar.open_millis_between(since, now.max(since))
            }
            _ => self.used_ms,
        }
    }

    /// Whole business minutes used up to `now`.
    pub fn used_minutes(&self, calendar: &Calendar, now: Millis) -> i64 {
        self.used_ms_at(calendar, now) / MINUTE
    }

    /// Business minutes left of the target at `now`, negative once it is breached.
    pub fn left_minutes(&self, calendar: &Calendar, now: Millis) -> i64 {
        i64::from(self.target_minutes) - self.used_minutes(calendar, now)
    }

    /// The instant at which the clock will have used `threshold` business milliseconds: in the
    /// future or the past of this run while it runs; the start of the current run or pause when
    /// an earlier run used them already; `None` while paused or stopped before them, or when they
    /// never come.
    fn instant_of(&self, calendar: &Calendar, threshold: i64) -> Option<Millis> {
        match self.run {
            Run::Running { since } | Run::Paused { since } if threshold <= self.used_ms => {
                Some(since)
            }
            Run::Running { since } => {
                Some(calendar.add_open_millis(since, threshold - self.used_ms))
                    .filter(|&at| at != NEVER)
            }
            Run::Paused { .. } | Run::Stopped { .. } => None,
        }
    }

    /// When the target is (or was) used up: the breach instant. `None` while paused or stopped
    /// within the target.
    pub fn due_at(&self, calendar: &Calendar) -> Option<Millis> {
        self.breached_at.or_else(|| match self.run {
            Run::Running { .. } => self.instant_of(calendar, self.target_ms()),
            _ => None,
        })
    }

    /// When the warning share is (or was) used up, while that can be known (see `due_at`).
    pub fn warning_at(&self, calendar: &Calendar) -> Option<Millis> {
        self.alarm_at(calendar, 0)
    }

    /// When escalation level `level` (from 1) is due: the breach instant plus the level's business
    /// minutes, while that can be known.
    pub fn escalation_at(&self, calendar: &Calendar, level: usize) -> Option<Millis> {
        self.escalation_level(level)?;
        self.alarm_at(calendar, level + 1)
    }

    /// The ladder, in order: the warning, the breach, then each escalation level, each with the
    /// business milliseconds used at which it goes off.
    fn ladder(&self) -> impl Iterator<Item = (AlarmKind, i64)> + '_ {
        let target = self.target_ms();
        let warning = target * i64::from(self.warn_at_percent) / 100;
        [(AlarmKind::Warning, warning), (AlarmKind::Breach, target)]
            .into_iter()
            .chain(self.escalation.iter().enumerate().map(move |(k, level)| {
                let after = i64::from(level.after_minutes) * MINUTE;
                (AlarmKind::Escalation { level: k + 1 }, target + after)
            }))
    }

    /// The instant of the ladder's alarm number `index`.
    fn alarm_at(&self, calendar: &Calendar, index: usize) -> Option<Millis> {
        let (kind, threshold) = self.ladder().nth(index)?;
        match (kind, self.breached_at) {
            (AlarmKind::Breach, Some(at)) => Some(at),
            _ => self.instant_of(calendar, threshold),
        }
    }

    /// The next alarm that has not fired, and when it is due: what the job runner waits for.
    /// `None` once the clock is stopped, while it is paused before the alarm's share, and after
    /// the last level. An alarm whose share was used before the current run is due at once (at
    /// the start of the run or pause).
    pub fn next_alarm(&self, calendar: &Calendar) -> Option<Alarm> {
        let (kind, _) = self.ladder().nth(self.fired)?;
        let at = self.alarm_at(calendar, self.fired)?;
        Some(Alarm { kind, at })
    }

    /// The alarms due at `now` that have not fired yet, in order; they count as fired from now on.
    pub fn fire(&mut self, calendar: &Calendar, now: Millis) -> Vec<Alarm> {
        let mut fired = Vec::new();
        while let Some(alarm) = self.next_alarm(calendar).filter(|a| a.at <= now) {
            fired.push(alarm);
            self.fired += 1;
        }
        fired
    }

    /// When the target was used up, if it was by `now`.
    pub fn breached_at(&self, calendar: &Calendar, now: Millis) -> Option<Millis> {
        self.breached_at.or_else(|| match self.run {
            Run::Running { .. } => self.due_at(calendar).filter(|&at| at <= now),
            _ => None,
        })
    }

    /// Where the clock stands at `now`. A breach outranks a pause: waiting on the customer does
    /// not undo it.
    pub fn state(&self, calendar: &Calendar, now: Millis) -> SlaState {
        if self.breached_at(calendar, now).is_some() {
            return SlaState::Breached;
        }
        match self.run {
            Run::Stopped { .. } => SlaState::Met,
            Run::Paused { .. } => SlaState::Paused,
            Run::Running { .. } => {
                let used = self.used_ms_at(calendar, now);
                let warning = self.ladder().next().map_or(i64::MAX, |(_, ms)| ms);
                if used >= warning {
                    SlaState::AtRisk
                } else {
                    SlaState::OnTrack
                }
            }
        }
    }

    /// How the clock came out, once that is decided: met when stopped within the target,
    /// breached as soon as the target is used up.
    pub fn outcome(&self, calendar: &Calendar, now: Millis) -> Option<Outcome> {
        let used_minutes = self.used_minutes(calendar, now);
        match (self.breached_at(calendar, now), self.run) {
            (Some(breached_at), _) => Some(Outcome::Breached {
                breached_at,
                used_minutes,
            }),
            (None, Run::Stopped { at }) => Some(Outcome::Met {
                met_at: at,
                used_minutes,
            }),
            (None, _) => None,
        }
    }

    /// The clock as the dashboard shows it at `now`.
    pub fn clock(&self, calendar: &Calendar, now: Millis) -> SlaClock {
        SlaClock {
            target: self.target,
            state: self.state(calendar, now),
            due_at: self.due_at(calendar),
            used_minutes: self.used_minutes(calendar, now),
            left_minutes: self.left_minutes(calendar, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::tests::{at, calendar};
    use shared::case::Priority;
    use shared::sla::Weekday::*;
    use shared::sla::{EscalationAction, Reassignee, Recipients};

    /// Monday to Friday 09:00–17:00, UTC; 2026-06-01 is a Monday.
    fn office() -> Calendar {
        calendar(
            "UTC",
            &[Mon, Tue, Wed, Thu, Fri].map(|d| (d, "09:00", "17:00")),
            &[],
        )
    }

    /// First response in 60 business minutes, a warning at 80 % (48 minutes), and levels at the
    /// breach, 30 and 120 minutes after it.
    fn policy() -> SlaPolicy {
        SlaPolicy {
            first_response: Some(60),
            escalation: vec![
                EscalationLevel {
                    after_minutes: 0,
                    actions: vec![EscalationAction::Notify {
                        to: Recipients::Admins,
                    }],
                },
                EscalationLevel {
                    after_minutes: 30,
                    actions: vec![EscalationAction::Reassign {
                        to: Reassignee::RoundRobin,
                    }],
                },
                EscalationLevel {
                    after_minutes: 120,
                    actions: vec![EscalationAction::RaisePriority {}],
                },
            ],
            ..SlaPolicy::default_for(Priority::P1)
        }
    }

    fn start(at_: &str) -> SlaTimer {
        SlaTimer::start(SlaTarget::FirstResponse, &policy(), at(at_)).unwrap()
    }

    #[test]
    fn a_clock_runs_in_business_time_warns_breaches_and_escalates() {
        let cal = office();
        // Started Monday 16:30: 30 minutes that day, the rest from Tuesday 09:00. The warning at
        // 48 is Tuesday 09:18, the breach at 60 is 09:30, and the levels come 0, 30 and 120
        // business minutes after it: 09:30, 10:00, 11:30.
        let timer = start("2026-06-01T16:30:00Z");
        assert_eq!(timer.warning_at(&cal), Some(at("2026-06-02T09:18:00Z")));
        assert_eq!(timer.due_at(&cal), Some(at("2026-06-02T09:30:00Z")));
        assert_eq!(
            timer.escalation_at(&cal, 1),
            Some(at("2026-06-02T09:30:00Z"))
        );
        assert_eq!(
            timer.escalation_at(&cal, 2),
            Some(at("2026-06-02T10:00:00Z"))
        );
        assert_eq!(
            timer.escalation_at(&cal, 3),
            Some(at("2026-06-02T11:30:00Z"))
        );
        assert_eq!(timer.escalation_at(&cal, 4), None);
        // (now, state, used, left)
        let table = [
            ("2026-06-01T16:30:00Z", SlaState::OnTrack, 0, 60),
            ("2026-06-01T17:00:00Z", SlaState::OnTrack, 30, 30),
            ("2026-06-02T08:00:00Z", SlaState::OnTrack, 30, 30),
            ("2026-06-02T09:17:59Z", SlaState::OnTrack, 47, 13),
            ("2026-06-02T09:18:00Z", SlaState::AtRisk, 48, 12),
            ("2026-06-02T09:29:59Z", SlaState::AtRisk, 59, 1),
            ("2026-06-02T09:30:00Z", SlaState::Breached, 60, 0),
            ("2026-06-02T09:45:00Z", SlaState::Breached, 75, -15),
        ];
        for (now, state, used, left) in table {
            let clock = timer.clock(&cal, at(now));
            assert_eq!(
                (clock.state, clock.used_minutes, clock.left_minutes),
                (state, used, left),
                "at {now}"
            );
        }
        assert_eq!(timer.outcome(&cal, at("2026-06-02T09:29:00Z")), None);
        assert_eq!(
            timer.outcome(&cal, at("2026-06-02T09:45:00Z")),
            Some(Outcome::Breached {
                breached_at: at("2026-06-02T09:30:00Z"),
                used_minutes: 75
            })
        );
    }

    #[test]
    fn a_pause_stops_the_clock_and_a_resume_works_the_due_time_out_anew() {
        let cal = office();
        // Monday 09:00, paused at 09:40 with 40 used and 20 left.
        let mut timer = start("2026-06-01T09:00:00Z");
        assert_eq!(timer.due_at(&cal), Some(at("2026-06-01T10:00:00Z")));
        timer.pause(&cal, at("2026-06-01T09:40:00Z"));
        let paused = timer.clock(&cal, at("2026-06-01T15:00:00Z"));
        assert_eq!(
            (
                paused.state,
                paused.due_at,
                paused.used_minutes,
                paused.left_minutes
            ),
            (SlaState::Paused, None, 40, 20)
        );
        assert_eq!(timer.next_alarm(&cal), None, "nothing fires while paused");
        // Resumed at 16:50: 10 minutes to 17:00, 10 on Tuesday: due Tuesday 09:10. The warning
        // (8 more minutes) is 16:58.
        timer.resume(at("2026-06-01T16:50:00Z"));
        assert_eq!(timer.due_at(&cal), Some(at("2026-06-02T09:10:00Z")));
        assert_eq!(timer.warning_at(&cal), Some(at("2026-06-01T16:58:00Z")));
        assert_eq!(
            timer.state(&cal, at("2026-06-02T09:00:00Z")),
            SlaState::AtRisk
        );
        // Answered Tuesday 09:05, within the target: 40 + 10 + 5 minutes.
        timer.stop(&cal, at("2026-06-02T09:05:00Z"));
        let later = at("2026-06-03T12:00:00Z");
        assert_eq!(timer.state(&cal, later), SlaState::Met);
        assert_eq!(
            timer.outcome(&cal, later),
            Some(Outcome::Met {
                met_at: at("2026-06-02T09:05:00Z"),
                used_minutes: 55
            })
        );
        assert_eq!(timer.due_at(&cal), None);
        assert_eq!(timer.next_alarm(&cal), None, "a met clock fires nothing");
        // Pausing, resuming or stopping again changes nothing.
        let before = timer.clone();
        timer.pause(&cal, later);
        timer.resume(later);
        timer.stop(&cal, later);
        assert_eq!(timer, before);
    }

    #[test]
    fn pauses_keep_partial_minutes_and_a_breach_outlasts_a_pause() {
        let cal = office();
        // Three runs of 20 minutes and 20 seconds: 61 minutes, breached in the third run at
        // 40:40 + 19:20 into it.
        let mut timer = start("2026-06-01T09:00:00Z");
        timer.pause(&cal, at("2026-06-01T09:20:20Z"));
        timer.resume(at("2026-06-01T10:00:00Z"));
        timer.pause(&cal, at("2026-06-01T10:20:20Z"));
        assert_eq!(timer.used_minutes(&cal, at("2026-06-01T11:00:00Z")), 40);
        timer.resume(at("2026-06-01T11:00:00Z"));
        assert_eq!(timer.due_at(&cal), Some(at("2026-06-01T11:19:20Z")));
        timer.pause(&cal, at("2026-06-01T11:20:20Z"));
        let paused = timer.clock(&cal, at("2026-06-01T15:00:00Z"));
        assert_eq!(
            (
                paused.state,
                paused.due_at,
                paused.used_minutes,
                paused.left_minutes
            ),
            (SlaState::Breached, Some(at("2026-06-01T11:19:20Z")), 61, -1)
        );
        // Answered late, after another run of 30 minutes.
        timer.resume(at("2026-06-01T16:00:00Z"));
        timer.stop(&cal, at("2026-06-01T16:30:00Z"));
        assert_eq!(
            timer.outcome(&cal, at("2026-06-02T12:00:00Z")),
            Some(Outcome::Breached {
                breached_at: at("2026-06-01T11:19:20Z"),
                used_minutes: 91
            })
        );
        assert_eq!(
            timer.state(&cal, at("2026-06-02T12:00:00Z")),
            SlaState::Breached
        );
    }

    #[test]
    fn the_job_runner_fires_each_alarm_once_in_order_even_late_or_after_a_pause() {
        let cal = office();
        let mut timer = start("2026-06-01T16:30:00Z");
        let alarm = |kind, when: &str| Alarm { kind, at: at(when) };
        assert_eq!(
            timer.next_alarm(&cal),
            Some(alarm(AlarmKind::Warning, "2026-06-02T09:18:00Z"))
        );
        assert_eq!(timer.fire(&cal, at("2026-06-01T17:00:00Z")), []);
        // The runner comes late, at 09:31: the warning, the breach and level 1 (at the breach).
        assert_eq!(
            timer.fire(&cal, at("2026-06-02T09:31:00Z")),
            [
                alarm(AlarmKind::Warning, "2026-06-02T09:18:00Z"),
                alarm(AlarmKind::Breach, "2026-06-02T09:30:00Z"),
                alarm(AlarmKind::Escalation { level: 1 }, "2026-06-02T09:30:00Z"),
            ]
        );
        assert_eq!(timer.fire(&cal, at("2026-06-02T09:32:00Z")), []);
        // Paused at 09:45 with 75 used: level 2 (at 90) waits.
        timer.pause(&cal, at("2026-06-02T09:45:00Z"));
        assert_eq!(timer.next_alarm(&cal), None);
        // Resumed at 13:00: 15 more minutes, 13:15; level 3 (at 180) is 105 more, 14:45.
        timer.resume(at("2026-06-02T13:00:00Z"));
        let level2 = alarm(AlarmKind::Escalation { level: 2 }, "2026-06-02T13:15:00Z");
        assert_eq!(timer.next_alarm(&cal), Some(level2));
        assert_eq!(
            timer.escalation_at(&cal, 3),
            Some(at("2026-06-02T14:45:00Z"))
        );
        // The breach instant stays where it was.
        assert_eq!(timer.due_at(&cal), Some(at("2026-06-02T09:30:00Z")));
        // Paused at 13:20 before the runner fired level 2: it is still owed, due at once.
        timer.pause(&cal, at("2026-06-02T13:20:00Z"));
        let owed = alarm(AlarmKind::Escalation { level: 2 }, "2026-06-02T13:20:00Z");
        assert_eq!(timer.next_alarm(&cal), Some(owed));
        assert_eq!(timer.fire(&cal, at("2026-06-02T13:20:01Z")), [owed]);
        assert_eq!(timer.next_alarm(&cal), None);
        assert_eq!(
            timer.escalation_level(2).unwrap().actions,
            [EscalationAction::Reassign {
                to: Reassignee::RoundRobin
            }]
        );
    }

    #[test]
    fn a_clock_is_kept_as_json_and_comes_back_the_same() {
        let cal = office();
        let mut timer = start("2026-06-01T09:00:00Z");
        timer.pause(&cal, at("2026-06-01T09:30:00Z"));
        let json = serde_json::to_value(&timer).unwrap();
        assert_eq!(json["run"]["run"], "paused");
        assert_eq!(json["target"], "first_response");
        let back: SlaTimer = serde_json::from_value(json).unwrap();
        assert_eq!(back, timer);
        assert_eq!(
            serde_json::to_value(Outcome::Met {
                met_at: 5,
                used_minutes: 1
            })
            .unwrap(),
            serde_json::json!({"outcome": "met", "met_at": 5, "used_minutes": 1})
        );
        // No target, no clock.
        let none = SlaPolicy {
            next_response: None,
            ..policy()
        };
        assert!(SlaTimer::start(SlaTarget::NextResponse, &none, 0).is_none());
    }
}
