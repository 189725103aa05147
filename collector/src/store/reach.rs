//! Whether the database answers: the breaker in front of the routes that need it
//! (`http::reach`).
//!
//! A request that finds the database out of reach (the pool gave up connecting, or the
//! connection broke: `StoreError::is_unreachable`) learns so only after the pool's acquire
//! timeout, 5 s. Without a breaker every request of an outage waits that long, and they pile up
//! in memory. So the first such answer marks the database down: from then on requests get their
//! 503 (with `Retry-After`) at once, and one request at a time, at most every `PROBE_EVERY_MS`,
//! goes through as a probe. The first probe the database answers marks it up again.
//!
//! Only being out of reach trips it: a full disk or a busy SQLite file refuses writes, while
//! reads (the dashboard) still work.

use crate::clock::Millis;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// How long after the last sign of an outage the next probe may go.
pub const PROBE_EVERY_MS: Millis = 1_000;

/// What became of a request at the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// The database is up: the request goes.
    Go,
    /// The database is down, and this request goes to find out whether it still is.
    Probe,
    /// The database is down: the request is answered 503 at once.
    Refuse,
}

#[derive(Debug, Default)]
pub struct Reach {
    /// The fast path: read by every request, written only when the state changes.
    down: AtomicBool,
    /// How many times the database came back: a request that went before the last time
    /// (`generation` when it went) and found it out of reach says nothing of it now.
    generation: AtomicU64,
    outage: Mutex<Outage>,
}

#[derive(Debug, Default)]
struct Outage {
    /// The last time a request found the database out of reach.
    last_seen: Millis,
    /// Whether a probe is out.
    probing: bool,
}

impl Reach {
    /// Whether a request may go, `now` read only when the database is down.
    pub fn admit(&self, now: impl FnOnce() -> Millis) -> Admit {
        if !self.down.load(Ordering::Acquire) {
            return Admit::Go;
        }
        let mut outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.down.load(Ordering::Acquire) {
            return Admit::Go;
        }
        if outage.probing || now() < outage.last_seen.saturating_add(PROBE_EVERY_MS) {
            return Admit::Refuse;
        }
        outage.probing = true;
        Admit::Probe
    }

    /// Read as a request goes, for `found`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// What a request that went (`Go` or `Probe`, when `generation` was current) found:
    /// `unreachable` when the database did not answer it.
    pub fn found(&self, admitted: Admit, generation: u64, unreachable: bool, now: Millis) {
        if !unreachable && admitted != Admit::Probe {
            // The common case, lock-free: a request that went while the database was up found
            // it up. (One that went before an outage and ended after it proves nothing.)
            return;
        }
        let mut outage = self.outage.lock().unwrap_or_else(PoisonError::into_inner);
        if admitted == Admit::Probe {
            outage.probing = false;
        } else if generation != self.generation.load(Ordering::Acquire) {
            // It went before the database came back, and waited out the pool meanwhile.
            return;
        }
        if unreachable {
            outage.last_seen = outage.last_seen.max(now);
            self.down.store(true, Ordering::Release);
        } else if self.down.load(Ordering::Acquire) {
            self.generation.fetch_add(1, Ordering::AcqRel);
            self.down.store(false, Ordering::Release);
        }
    }

    /// A probe that ended without an answer (its client went away): the next may go.
    pub fn abandoned(&self) {
        self.outage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .probing = false;
    }

    /// Whether the database is taken to be out of reach.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_800_000_000_000;

    #[test]
    fn up_lets_everything_go_and_ordinary_answers_change_nothing() {
        let reach = Reach::default();
        let g = reach.generation();
        for _ in 0..3 {
            assert_eq!(
                reach.admit(|| unreachable!("no clock read while up")),
                Admit::Go
            );
            reach.found(Admit::Go, g, false, T0);
        }
        assert!(!reach.is_down());
    }

    #[test]
    fn one_unreachable_answer_trips_it_and_a_probe_goes_every_second() {
        let reach = Reach::default();
        let g = reach.generation();
        reach.found(Admit::Go, g, true, T0);
        assert!(reach.is_down());
        // Refused at once until a second has passed since the outage was last seen.
        assert_eq!(reach.admit(|| T0), Admit::Refuse);
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS - 1), Admit::Refuse);
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS), Admit::Probe);
        // One probe at a time, however long it takes.
        assert_eq!(reach.admit(|| T0 + 10 * PROBE_EVERY_MS), Admit::Refuse);
        // The probe waited out the pool (5 s) and found it still down: the next goes a second
        // after that.
        let back = T0 + 6 * PROBE_EVERY_MS;
        reach.found(Admit::Probe, g, true, back);
        assert!(reach.is_down());
        assert_eq!(reach.admit(|| back + PROBE_EVERY_MS - 1), Admit::Refuse);
        assert_eq!(reach.admit(|| back + PROBE_EVERY_MS), Admit::Probe);
        // This one got an answer: up again, everything goes.
        reach.found(Admit::Probe, g, false, back + PROBE_EVERY_MS + 3);
        assert!(!reach.is_down());
        assert_eq!(reach.admit(|| unreachable!()), Admit::Go);
    }

    #[test]
    fn a_request_from_before_the_outage_neither_mends_it_nor_takes_the_probes_turn() {
        let reach = Reach::default();
        let g = reach.generation();
        reach.found(Admit::Go, g, true, T0);
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS), Admit::Probe);
        // Requests let through before the trip end meanwhile, one answered, one not.
        reach.found(Admit::Go, g, false, T0 + PROBE_EVERY_MS + 1);
        assert!(
            reach.is_down(),
            "an answer to a request that went before proves nothing"
        );
        reach.found(Admit::Go, g, true, T0 + PROBE_EVERY_MS + 2);
        // The probe is still out: nobody else goes.
        assert_eq!(reach.admit(|| T0 + 5 * PROBE_EVERY_MS), Admit::Refuse);
    }

    #[test]
    fn a_request_from_before_the_database_came_back_does_not_trip_it_again() {
        let reach = Reach::default();
        let before = reach.generation();
        reach.found(Admit::Go, before, true, T0);
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS), Admit::Probe);
        reach.found(Admit::Probe, before, false, T0 + PROBE_EVERY_MS + 2);
        assert!(!reach.is_down());
        // One that went before the outage waited out the pool and ends only now.
        reach.found(Admit::Go, before, true, T0 + 5 * PROBE_EVERY_MS);
        assert!(!reach.is_down());
        // One that went since is believed.
        reach.found(Admit::Go, reach.generation(), true, T0 + 6 * PROBE_EVERY_MS);
        assert!(reach.is_down());
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_go() {
        let reach = Reach::default();
        let g = reach.generation();
        reach.found(Admit::Go, g, true, T0);
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS), Admit::Probe);
        reach.abandoned();
        assert!(reach.is_down());
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS), Admit::Probe);
    }

    #[test]
    fn an_older_sighting_does_not_move_the_next_probe_earlier() {
        let reach = Reach::default();
        let g = reach.generation();
        reach.found(Admit::Go, g, true, T0 + 500);
        reach.found(Admit::Go, g, true, T0);
        assert_eq!(reach.admit(|| T0 + PROBE_EVERY_MS), Admit::Refuse);
        assert_eq!(reach.admit(|| T0 + 500 + PROBE_EVERY_MS), Admit::Probe);
    }
}
