//! The retention job: inside `hark serve`, answers older than their site's window are deleted
//! once an hour. The deleting itself is `Store::purge_expired`, tested with an injected clock.

use crate::clock::Clock;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often the job runs.
pub const PERIOD: Duration = Duration::from_secs(60 * 60);

/// Purges expired answers now and then every `period`, forever; a failed run is logged and the
/// next one tries again.
pub async fn run(store: Arc<dyn Store>, clock: Arc<dyn Clock>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.purge_expired(clock.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "deleted answers past their retention"),
            Err(e) => tracing::warn!(error = %e, "the retention job failed; it runs again later"),
        }
    }
}
