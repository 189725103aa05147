//! The live event stream's far side: what a dashboard hears when a case changes, with no HTTP
//! inside (`http/events.rs` serves it as server-sent events).
//!
//! Every change to a case appends to its timeline in the change's transaction, and timeline
//! entries are numbered in the order their changes commit (`CaseStore::case_events_after`). So
//! the stream of a site is its entries in number order, and a number is a position in it: a
//! stream that resumes after entry `n` misses nothing and repeats nothing. One hub per process
//! hears that entries were appended (`Store::watch_case_events`: in-process on SQLite,
//! `LISTEN hark_live` on PostgreSQL, so a change made through another collector is heard too)
//! and publishes the newest number; each stream then reads the entries after its own last one,
//! keeps those of the sites its caller may see, and sends them.
//!
//! Answers are too many to announce one by one: `answers` looks at each site's newest answer
//! every 15 seconds of the injected clock and says when it changed.

use crate::clock::{Clock, Millis};
use crate::store::{CaseEventRow, Store};
use futures_util::Stream;
use shared::SiteKey;
use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};
use tokio::sync::{watch, Notify};

/// The most entries one read of the timeline takes.
const PAGE: u32 = 500;

/// The process's hub, started by the first stream that asks.
#[derive(Default)]
pub struct Live {
    hub: OnceLock<Hub>,
}

struct Hub {
    newest: watch::Receiver<i64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Live {
    /// The entries after entry `after` (after the newest one now, when `None`) of `sites`, as
    /// they are appended, oldest first, and the entry it starts after. The stream ends when the
    /// store fails a read; its reader resumes from the last entry it got.
    pub async fn stream(
        &self,
        store: &Arc<dyn Store>,
        sites: Vec<SiteKey>,
        after: Option<i64>,
    ) -> crate::store::StoreResult<(i64, impl Stream<Item = CaseEventRow> + Send + 'static)> {
        let newest = self
            .hub
            .get_or_init(|| {
                let (tx, rx) = watch::channel(0);
                Hub {
                    newest: rx,
                    task: tokio::spawn(hub(store.clone(), tx)),
                }
            })
            .newest
            .clone();
        // Subscribed before the newest entry is read: anything appended after that read wakes
        // the stream.
        let last = match after {
            Some(n) => n,
            None => store.last_case_event().await?,
        };
        let state = Reader {
            store: store.clone(),
            newest,
            sites,
            last,
            ready: VecDeque::new(),
            read_once: after.is_none(),
        };
        Ok((last, futures_util::stream::unfold(state, Reader::next)))
    }
}

/// Publishes the newest entry's number whenever entries are appended.
async fn hub(store: Arc<dyn Store>, newest: watch::Sender<i64>) {
    let wake = Arc::new(Notify::new());
    let watcher = {
        let (store, wake) = (store.clone(), wake.clone());
        tokio::spawn(async move { store.watch_case_events(wake).await })
    };
    loop {
        match store.last_case_event().await {
            Ok(n) => {
                newest.send_if_modified(|v| {
                    let newer = n > *v;
                    *v = (*v).max(n);
                    newer
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the newest timeline entry"),
        }
        if newest.is_closed() {
            break;
        }
        wake.notified().await;
    }
    watcher.abort();
}

/// One stream's place in the timeline.
struct Reader {
    store: Arc<dyn Store>,
    newest: watch::Receiver<i64>,
    sites: Vec<SiteKey>,
    /// The last entry read (sent, or another site's).
    last: i64,
    ready: VecDeque<CaseEventRow>,
    /// Whether the entries up to `last` are known to be read, so that the next read waits for
    /// the hub (a resumed stream reads first).
    read_once: bool,
}

impl Reader {
    async fn next(mut self) -> Option<(CaseEventRow, Self)> {
        loop {
            if let Some(row) = self.ready.pop_front() {
                return Some((row, self));
            }
            if self.read_once {
                // Woken by the hub; a number this stream has read already (its caller's own
                // change, say) needs no read.
                loop {
                    if *self.newest.borrow_and_update() > self.last {
                        break;
                    }
                    self.newest.changed().await.ok()?;
                }
            }
            self.read_once = true;
            loop {
                let rows = match self.store.case_events_after(self.last, PAGE).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the timeline for a live stream");
                        return None;
                    }
                };
                let full = rows.len() == PAGE as usize;
                for row in rows {
                    self.last = row.id;
                    if self.sites.contains(&row.event.site_key) {
                        self.ready.push_back(row);
                    }
                }
                if !full {
                    break;
                }
            }
        }
    }
}

/// How often a stream looks for new answers.
pub const ANSWERS_EVERY: Millis = 15_000;

/// The newest answer of each of `sites` whenever it changed, looked at every `ANSWERS_EVERY` of
/// `clock`; the first look, before this returns, notes where each stands. A failed read is tried
/// at the next look.
pub async fn answers(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sites: Vec<SiteKey>,
) -> impl Stream<Item = (SiteKey, Millis)> + Send + 'static {
    let mut state = Looks {
        next_at: clock.now_ms() + ANSWERS_EVERY,
        store,
        clock,
        known: sites.into_iter().map(|s| (s, None)).collect(),
        ready: VecDeque::new(),
    };
    state.look(false).await;
    futures_util::stream::unfold(state, Looks::next)
}

struct Looks {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    known: Vec<(SiteKey, Option<Millis>)>,
    ready: VecDeque<(SiteKey, Millis)>,
    /// When to look next, on `clock`.
    next_at: Millis,
}

impl Looks {
    async fn next(mut self) -> Option<((SiteKey, Millis), Self)> {
        loop {
            if let Some(changed) = self.ready.pop_front() {
                return Some((changed, self));
            }
            while self.clock.now_ms() < self.next_at {
                let most = std::time::Duration::from_millis(ANSWERS_EVERY.unsigned_abs());
                self.clock.sleep_until(self.next_at, most).await;
            }
            self.next_at = self.clock.now_ms() + ANSWERS_EVERY;
            self.look(true).await;
        }
    }

    /// Reads each site's newest answer; with `tell`, queues those that changed.
    async fn look(&mut self, tell: bool) {
        for (site, known) in &mut self.known {
            let Ok(newest) = self.store.newest_answer(site).await else {
                continue;
            };
            if let Some(at) = newest.filter(|_| tell && newest != *known) {
                self.ready.push_back((site.clone(), at));
            }
            *known = newest;
        }
    }
}
