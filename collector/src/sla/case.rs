//! The service levels of one case: which timers run, and how the case's events start, pause,
//! resume and stop them. A case is received with a first-response and a resolution timer; the
//! team's public reply meets the response timers; the customer's reply (after the first
//! response) starts a next-response timer; waiting on the customer pauses every timer and
//! leaving that state resumes them (their due times recalculated); resolving stops them; a
//! reopened case gets a new resolution timer from the moment it was reopened. Kept with the case
//! as JSON; the timers' alarms are what the `sla.alarm` job fires.

use super::{Alarm, Calendar, SlaTimer};
use crate::clock::Millis;
use serde::{Deserialize, Serialize};
use shared::sla::{SlaClock, SlaPolicy, SlaState, SlaTarget};

/// The timers of one case, oldest first; a target may have had several (next response after
/// each customer reply, resolution after a reopening), and its latest is the one shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSla {
    pub timers: Vec<SlaTimer>,
}

/// What happened to a case, as far as its service levels go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaEvent {
    /// The team answered the customer in public.
    TeamReplied,
    CustomerReplied,
    /// The case waits on the customer.
    Paused,
    /// It no longer does.
    Resumed,
    Resolved,
    Reopened,
    /// Closed, merged or spam: nothing is owed any more.
    Ended,
}

/// An alarm that fired, and on which target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub target: SlaTarget,
    pub alarm: Alarm,
}

impl CaseSla {
    /// The timers a case is received with, at `at`.
    pub fn received(policy: &SlaPolicy, at: Millis) -> Self {
        let timers = [SlaTarget::FirstResponse, SlaTarget::Resolution]
            .into_iter()
            .filter_map(|t| SlaTimer::start(t, policy, at))
            .collect();
        Self { timers }
    }

    fn running(&mut self, target: SlaTarget) -> Option<&mut SlaTimer> {
        self.timers
            .iter_mut()
            .rev()
            .find(|t| t.target() == target)
            .filter(|t| t.stopped_at().is_none())
    }

    fn has(&self, target: SlaTarget) -> bool {
        self.timers.iter().any(|t| t.target() == target)
    }

    /// Applies `events`, in order, at `at`.
    pub fn apply(
        &mut self,
        events: &[SlaEvent],
        calendar: &Calendar,
        policy: &SlaPolicy,
        at: Millis,
    ) {
        for event in events {
            match event {
                SlaEvent::TeamReplied => {
                    for target in [SlaTarget::FirstResponse, SlaTarget::NextResponse] {
                        if let Some(t) = self.running(target) {
                            t.stop(calendar, at);
                        }
                    }
                }
                SlaEvent::CustomerReplied => {
                    // A reply before the team's first one is still waiting for that one; a
                    // reply while one is owed owes nothing more.
                    let first_open = self.running(SlaTarget::FirstResponse).is_some();
                    let next_open = self.running(SlaTarget::NextResponse).is_some();
                    if !first_open && !next_open && self.has(SlaTarget::FirstResponse) {
                        self.timers
                            .extend(SlaTimer::start(SlaTarget::NextResponse, policy, at));
                    }
                }
                SlaEvent::Paused => {
                    for t in &mut self.timers {
                        t.pause(calendar, at);
                    }
                }
                SlaEvent::Resumed => {
                    for t in &mut self.timers {
                        t.resume(at);
                    }
                }
                SlaEvent::Resolved | SlaEvent::Ended => {
                    for t in &mut self.timers {
                        if t.stopped_at().is_none() {
                            t.stop(calendar, at);
                        }
                    }
                }
                SlaEvent::Reopened => {
                    if self.running(SlaTarget::Resolution).is_none() {
                        self.timers
                            .extend(SlaTimer::start(SlaTarget::Resolution, policy, at));
                    }
                }
            }
        }
    }

    /// When the next alarm of any timer is due: when the `sla.alarm` job should run.
    pub fn next_alarm(&self, calendar: &Calendar) -> Option<Millis> {
        self.timers
            .iter()
            .filter_map(|t| t.next_alarm(calendar))
            .map(|a| a.at)
            .min()
    }

    /// The alarms due at `now` that have not fired, in the order they fell due; from now on they
    /// count as fired.
    pub fn fire(&mut self, calendar: &Calendar, now: Millis) -> Vec<Fired> {
        let mut fired: Vec<Fired> = self
            .timers
            .iter_mut()
            .flat_map(|t| {
                let target = t.target();
                t.fire(calendar, now)
                    .into_iter()
                    .map(move |alarm| Fired { target, alarm })
            })
            .collect();
        fired.sort_by_key(|f| f.alarm.at);
        fired
    }

    /// The latest timer of each target, as the dashboard shows them, in target order.
    pub fn clocks(&self, calendar: &Calendar, now: Millis) -> Vec<SlaClock> {
        SlaTarget::ALL
            .into_iter()
            .filter_map(|target| {
                self.timers
                    .iter()
                    .rev()
                    .find(|t| t.target() == target)
                    .map(|t| t.clock(calendar, now))
            })
            .collect()
    }

    /// What the inbox filters and sorts by: the worst state of the latest timers (breached,
    /// then at risk, on track, paused, met) and the earliest due time of those still running.
    pub fn summary(&self, calendar: &Calendar, now: Millis) -> (Option<SlaState>, Option<Millis>) {
        let clocks = self.clocks(calendar, now);
        let rank = |s: SlaState| match s {
            SlaState::Breached => 0,
            SlaState::AtRisk => 1,
            SlaState::OnTrack => 2,
            SlaState::Paused => 3,
            SlaState::Met => 4,
        };
        let state = clocks.iter().map(|c| c.state).min_by_key(|s| rank(*s));
        let due = clocks
            .iter()
            .filter(|c| matches!(c.state, SlaState::OnTrack | SlaState::AtRisk))
            .filter_map(|c| c.due_at)
            .min();
        (state, due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::AlarmKind;
    use shared::case::Priority;
    use shared::sla::BusinessHours;

    const MIN: Millis = 60_000;
    /// Monday 2026-11-30 09:00 UTC.
    const MON_9: Millis = 1_796_029_200_000;

    fn always() -> Calendar {
        Calendar::parse(&BusinessHours {
            always_open: true,
            ..BusinessHours::default()
        })
        .unwrap()
    }

    fn policy() -> SlaPolicy {
        let mut p = SlaPolicy::default_for(Priority::P2);
        p.first_response = Some(60);
        p.next_response = Some(30);
        p.resolution = Some(600);
        p
    }

    fn states(sla: &CaseSla, now: Millis) -> Vec<(SlaTarget, SlaState)> {
        sla.clocks(&always(), now)
            .into_iter()
            .map(|c| (c.target, c.state))
            .collect()
    }

    #[test]
    fn a_reply_meets_the_first_response_and_a_customer_reply_owes_the_next() {
        let (cal, p) = (always(), policy());
        let mut sla = CaseSla::received(&p, MON_9);
        assert_eq!(
            sla.next_alarm(&cal),
            Some(MON_9 + 48 * MIN),
            "80 % of 60 minutes"
        );
        sla.apply(&[SlaEvent::TeamReplied], &cal, &p, MON_9 + 10 * MIN);
        assert_eq!(
            states(&sla, MON_9 + 10 * MIN),
            [
                (SlaTarget::FirstResponse, SlaState::Met),
                (SlaTarget::Resolution, SlaState::OnTrack)
            ]
        );
        sla.apply(&[SlaEvent::CustomerReplied], &cal, &p, MON_9 + 20 * MIN);
        assert_eq!(
            sla.next_alarm(&cal),
            Some(MON_9 + 44 * MIN),
            "80 % of 30 from 0:20"
        );
        sla.apply(&[SlaEvent::CustomerReplied], &cal, &p, MON_9 + 25 * MIN);
        assert_eq!(sla.timers.len(), 3, "one reply is owed, not two");
        let fired = sla.fire(&cal, MON_9 + 50 * MIN);
        assert_eq!(
            fired,
            [
                Fired {
                    target: SlaTarget::NextResponse,
                    alarm: Alarm {
                        kind: AlarmKind::Warning,
                        at: MON_9 + 44 * MIN
                    }
                },
                Fired {
                    target: SlaTarget::NextResponse,
                    alarm: Alarm {
                        kind: AlarmKind::Breach,
                        at: MON_9 + 50 * MIN
                    }
                },
                // The default ladder's first level is at the breach itself.
                Fired {
                    target: SlaTarget::NextResponse,
                    alarm: Alarm {
                        kind: AlarmKind::Escalation { level: 1 },
                        at: MON_9 + 50 * MIN
                    }
                },
            ]
        );
        assert!(
            sla.fire(&cal, MON_9 + 50 * MIN).is_empty(),
            "each fires once"
        );
        assert_eq!(
            sla.summary(&cal, MON_9 + 50 * MIN),
            (Some(SlaState::Breached), Some(MON_9 + 600 * MIN))
        );
    }

    #[test]
    fn waiting_on_the_customer_pauses_and_resuming_moves_the_due_time() {
        let (cal, p) = (always(), policy());
        let mut sla = CaseSla::received(&p, MON_9);
        sla.apply(&[SlaEvent::Paused], &cal, &p, MON_9 + 30 * MIN);
        assert_eq!(sla.next_alarm(&cal), None, "nothing fires while paused");
        assert_eq!(
            sla.summary(&cal, MON_9 + 500 * MIN),
            (Some(SlaState::Paused), None)
        );
        sla.apply(&[SlaEvent::Resumed], &cal, &p, MON_9 + 120 * MIN);
        // 30 minutes used, 30 left from 11:00; the warning at 48 minutes used is 11:18.
        assert_eq!(sla.next_alarm(&cal), Some(MON_9 + 138 * MIN));
        assert_eq!(
            sla.clocks(&cal, MON_9 + 120 * MIN)[0].due_at,
            Some(MON_9 + 150 * MIN)
        );
    }

    #[test]
    fn resolving_stops_every_timer_and_reopening_starts_a_resolution_again() {
        let (cal, p) = (always(), policy());
        let mut sla = CaseSla::received(&p, MON_9);
        sla.apply(&[SlaEvent::Resolved], &cal, &p, MON_9 + 5 * MIN);
        assert_eq!(sla.next_alarm(&cal), None);
        assert_eq!(sla.summary(&cal, MON_9 + 5 * MIN).0, Some(SlaState::Met));
        sla.apply(
            &[SlaEvent::CustomerReplied, SlaEvent::Reopened],
            &cal,
            &p,
            MON_9 + 100 * MIN,
        );
        assert_eq!(
            states(&sla, MON_9 + 100 * MIN),
            [
                (SlaTarget::FirstResponse, SlaState::Met),
                (SlaTarget::NextResponse, SlaState::OnTrack),
                (SlaTarget::Resolution, SlaState::OnTrack)
            ]
        );
        sla.apply(&[SlaEvent::Ended], &cal, &p, MON_9 + 101 * MIN);
        assert_eq!(sla.next_alarm(&cal), None);
    }

    #[test]
    fn a_stored_case_sla_reads_back_the_same() {
        let sla = CaseSla::received(&policy(), MON_9);
        let json = serde_json::to_string(&sla).unwrap();
        assert_eq!(serde_json::from_str::<CaseSla>(&json).unwrap(), sla);
    }
}
