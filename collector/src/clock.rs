//! Time as a dependency: the server reads it from a `Clock` so that tests can set it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// A wait that a clock hands out.
pub type Wait = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> Millis;

    /// Waits until the clock reads `at` or later, but no longer than `most` of real time (so
    /// that the waiter looks again for what others changed meanwhile).
    fn sleep_until(&self, at: Millis, most: Duration) -> Wait {
        let left = u64::try_from(at.saturating_sub(self.now_ms())).unwrap_or(0);
        Box::pin(tokio::time::sleep(Duration::from_millis(left).min(most)))
    }
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> Millis {
        let now = time::OffsetDateTime::now_utc();
        (now.unix_timestamp_nanos() / 1_000_000) as Millis
    }
}

/// The system's time plus a fixed amount: what `hark serve` runs on when the environment sets
/// `HARK_TEST_CLOCK_AHEAD_MS` (`AheadClock::from_env`). It is for tests of the real binary that
/// must see timers fall due without waiting hours for them (`tests/crash.rs`), not a setting:
/// a collector whose clock is wrong sends wrong due times and webhook timestamps. So only a
/// build with debug assertions (the one `cargo test` runs) reads the variable; the builds that
/// ship (`release`, `server`) ignore it.
#[derive(Debug, Clone, Copy)]
pub struct AheadClock {
    ahead_ms: Millis,
}

impl AheadClock {
    /// The variable `hark serve` reads.
    pub const VARIABLE: &'static str = "HARK_TEST_CLOCK_AHEAD_MS";

    /// The clock the environment asks for, if it asks for one; an error for a value that is not
    /// a whole number of milliseconds. Always `None` in a build without debug assertions.
    pub fn from_env() -> anyhow::Result<Option<Self>> {
        if !cfg!(debug_assertions) {
            return Ok(None);
        }
        match std::env::var(Self::VARIABLE) {
            Err(std::env::VarError::NotPresent) => Ok(None),
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => match v.trim().parse() {
                Ok(ahead_ms) => Ok(Some(Self { ahead_ms })),
                Err(_) => anyhow::bail!("{} is not milliseconds: {v:?}", Self::VARIABLE),
            },
            Err(e) => anyhow::bail!("{}: {e}", Self::VARIABLE),
        }
    }

    pub fn ahead_ms(&self) -> Millis {
        self.ahead_ms
    }
}

impl Clock for AheadClock {
    fn now_ms(&self) -> Millis {
        SystemClock.now_ms().saturating_add(self.ahead_ms)
    }
}

/// A clock that only moves when told to, for tests. Whoever sleeps on it wakes when it is
/// moved past their time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
    moved: Arc<tokio::sync::Notify>,
}

impl ManualClock {
    pub fn at(ms: Millis) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(ms)),
            moved: Arc::default(),
        }
    }

    pub fn advance(&self, ms: Millis) {
        self.now.fetch_add(ms, Ordering::SeqCst);
        self.moved.notify_waiters();
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Millis {
        self.now.load(Ordering::SeqCst)
    }

    fn sleep_until(&self, at: Millis, most: Duration) -> Wait {
        let clock = self.clone();
        Box::pin(async move {
            let reached = async {
                loop {
                    let moved = clock.moved.notified();
                    tokio::pin!(moved);
                    // Registered before the time is read, so that a move in between is seen.
                    moved.as_mut().enable();
                    if clock.now_ms() >= at {
                        return;
                    }
                    moved.await;
                }
            };
            let _ = tokio::time::timeout(most, reached).await;
        })
    }
}

/// Formats a timestamp as RFC 3339 in UTC with milliseconds.
pub fn rfc3339(ms: Millis) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Clock, ManualClock};
    use std::time::Duration;

    #[tokio::test]
    async fn a_sleeper_on_the_manual_clock_wakes_when_it_is_moved_past_its_time() {
        let clock = ManualClock::at(1_000);
        let sleeper = tokio::spawn(clock.sleep_until(1_500, Duration::from_secs(3600)));
        tokio::task::yield_now().await;
        clock.advance(100);
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before its time");
        clock.advance(400);
        tokio::time::timeout(Duration::from_secs(10), sleeper)
            .await
            .expect("woke when the clock reached its time")
            .unwrap();
        // A time already reached does not wait at all.
        tokio::time::timeout(Duration::from_secs(10), clock.sleep_until(0, Duration::MAX))
            .await
            .unwrap();
    }

    #[test]
    fn formats_utc_milliseconds() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_795_000_000_123),
            "2026-11-18T11:06:40.123Z"
        );
    }
}
