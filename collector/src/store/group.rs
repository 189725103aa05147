//! Group commit: concurrent submissions share one transaction, and so one fsync.
//!
//! One writer owns a bounded queue: a thread of its own when the store has a `ThreadWriter`
//! (SQLite, whose calls block), a task awaiting `Store::insert_batch` otherwise (PostgreSQL).
//! It takes the first submission waiting, then whatever else is queued at that moment (up to
//! `MAX_BATCH`), stores them in one transaction, makes it durable and answers each submitter.
//! It never waits for a batch to fill: under a light load a batch is one submission and adds no
//! latency; under a heavy one, submissions that arrive during a commit and its sync go together
//! in the next. A submitter hears back only after its batch is durable, so the durability
//! contract of `insert_enriched` holds. When every `GroupCommit` handle is dropped, the writer
//! still stores what is queued, then ends.
//!
//! The sync is the writer's own, not handed to another thread to overlap with the next commit:
//! on SQLite, with 2 cores, that overlap made batches smaller (about 10 answers where there are
//! now 13–15), and each batch paid a hand-over and the wake-ups around it as well as its sync:
//! ingest cost about 15 % more server CPU per answer, and the closed loop ran at 42–48 % of the
//! no-op where it now runs at 44–54 % (`cargo xtask bench`, A/B runs in one sitting).

use super::{NewResponse, Store, StoreError, StoreResult, Stored};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most submissions committed in one transaction.
pub const MAX_BATCH: usize = 256;
/// How many submissions may wait for the writer before new ones are refused (503, retry).
pub const QUEUE: usize = 4096;

type Reply = oneshot::Sender<StoreResult<Stored>>;

/// What the writer is sent: a submission to store, or a request to hear back once everything
/// queued before it is committed (`GroupCommit::flush`).
// Nearly every message is an `Insert`: boxing it to shrink the rare `Flush` would cost an
// allocation per answer.
#[allow(clippy::large_enum_variant)]
enum Message {
    Insert(NewResponse, Reply),
    Flush(oneshot::Sender<()>),
}

/// Called with the size of every batch committed (or attempted), e.g. for a histogram.
pub type BatchObserver = Arc<dyn Fn(usize) + Send + Sync>;

/// `Store::insert_batch` on the calling thread, for a store whose writes block it.
pub trait ThreadWriter: Send + 'static {
    /// What `Store::insert_batch` promises (the batch durable when it returns), on this thread.
    fn insert_batch(&mut self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>>;

    /// Called between batches, once the last batch's submitters have their answers: upkeep
    /// that may take a while (SQLite copies its log into the database here).
    fn after_batch(&mut self) {}
}

/// A handle on the group-commit writer; cheap to clone, all clones share one queue.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Message>,
    stats: Arc<Stats>,
}

#[derive(Default)]
struct Stats {
    batches: AtomicU64,
    largest: AtomicUsize,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("batches", &self.batches())
            .field("largest_batch", &self.largest_batch())
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the writer: a thread, or a task on the current tokio runtime.
    pub fn new(store: Arc<dyn Store>, observe: Option<BatchObserver>) -> Self {
        Self::with_capacity(store, QUEUE, observe)
    }

    /// `new` with a queue of `capacity` submissions.
    pub fn with_capacity(
        store: Arc<dyn Store>,
        capacity: usize,
        observe: Option<BatchObserver>,
    ) -> Self {
        match store.thread_writer() {
            Some(writer) => Self::on_thread(writer, capacity, observe),
            None => {
                let (handle, batches) = Self::queue(capacity, observe);
                tokio::spawn(write(store, batches));
                handle
            }
        }
    }

    /// The writer on a thread of its own, calling `writer`.
    fn on_thread(
        writer: Box<dyn ThreadWriter>,
        capacity: usize,
        observe: Option<BatchObserver>,
    ) -> Self {
        let (handle, batches) = Self::queue(capacity, observe);
        std::thread::Builder::new()
            .name("hark-writer".into())
            .spawn(move || write_on_thread(writer, batches))
            .expect("the system starts a thread");
        handle
    }

    fn queue(capacity: usize, observe: Option<BatchObserver>) -> (Self, Batches) {
        let (queue, rx) = mpsc::channel(capacity.max(1));
        let stats = Arc::new(Stats::default());
        let batches = Batches {
            rx,
            stats: stats.clone(),
            observe,
        };
        (Self { queue, stats }, batches)
    }

    /// Stores one submission with whatever else is waiting, and answers once it is committed.
    /// A full queue is `Unavailable`: the client retries later.
    pub async fn insert(&self, item: NewResponse) -> StoreResult<Stored> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Message::Insert(item, reply))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => {
                    StoreError::unavailable("the ingest queue is full")
                }
                mpsc::error::TrySendError::Closed(_) => {
                    StoreError::unavailable("the ingest writer has stopped")
                }
            })?;
        answer
            .await
            .map_err(|_| StoreError::unavailable("the ingest writer stopped before answering"))?
    }

    /// Waits until every submission queued before this call is committed (or has failed), e.g.
    /// when the server stops: the submitters of some may have gone (their requests were
    /// cancelled), and their answers are written all the same. Returns at once when the writer
    /// has stopped.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        // `send` waits for room in a full queue rather than refusing, as `insert` does.
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = flushed.await;
        }
    }

    /// How many submissions wait for the writer (not counting the batch it is writing).
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// How many batches have been written.
    pub fn batches(&self) -> u64 {
        self.stats.batches.load(Ordering::Relaxed)
    }

    /// The most submissions written in one batch so far.
    pub fn largest_batch(&self) -> usize {
        self.stats.largest.load(Ordering::Relaxed)
    }
}

/// The error of a failed batch, once for each of its submitters.
fn share(e: &StoreError) -> StoreError {
    match e {
        // Out of reach stays out of reach (`StoreError::is_unreachable`), for the breaker.
        StoreError::Unavailable(sqlx::Error::PoolTimedOut) => {
            StoreError::Unavailable(sqlx::Error::PoolTimedOut)
        }
        StoreError::Unavailable(sqlx::Error::PoolClosed) => {
            StoreError::Unavailable(sqlx::Error::PoolClosed)
        }
        StoreError::Unavailable(sqlx::Error::Io(e)) => StoreError::Unavailable(sqlx::Error::Io(
            std::io::Error::new(e.kind(), e.to_string()),
        )),
        StoreError::Unavailable(inner) => StoreError::unavailable(inner.to_string()),
        StoreError::Conflict(what) => StoreError::Conflict(what),
        StoreError::Other(e) => StoreError::Other(anyhow::anyhow!("{e:#}")),
    }
}

/// The writer's side of the queue, and what it reports of each batch.
struct Batches {
    rx: mpsc::Receiver<Message>,
    stats: Arc<Stats>,
    observe: Option<BatchObserver>,
}

/// One batch: the submissions and their submitters, and the flushes taken with them.
#[derive(Default)]
struct Batch {
    items: Vec<NewResponse>,
    replies: Vec<Reply>,
    flushed: Vec<oneshot::Sender<()>>,
}

impl Batches {
    /// `first`, then whatever else is queued now, up to `MAX_BATCH` submissions; counted.
    fn gather(&mut self, first: Message, batch: &mut Batch) {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Insert(item, reply) => {
                    batch.items.push(item);
                    batch.replies.push(reply);
                }
                Message::Flush(done) => batch.flushed.push(done),
            }
            if batch.items.len() < MAX_BATCH {
                next = self.rx.try_recv().ok();
            }
        }
        if !batch.items.is_empty() {
            self.stats.batches.fetch_add(1, Ordering::Relaxed);
            self.stats
                .largest
                .fetch_max(batch.items.len(), Ordering::Relaxed);
            if let Some(observe) = &self.observe {
                observe(batch.items.len());
            }
        }
    }
}

impl Batch {
    /// Answers each submitter with its outcome (the batch's error, for each, when it failed as
    /// a whole), then the flushes, and empties the batch. A submitter that gave up (its request
    /// was cancelled) no longer listens; its answer is stored all the same.
    fn answer(&mut self, outcomes: StoreResult<Vec<StoreResult<Stored>>>) {
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(e) => self.items.iter().map(|_| Err(share(&e))).collect(),
        };
        self.items.clear();
        for (reply, outcome) in self.replies.drain(..).zip(outcomes) {
            let _ = reply.send(outcome);
        }
        for done in self.flushed.drain(..) {
            let _ = done.send(());
        }
    }
}

/// The writer on a thread of its own. `blocking_recv` keeps returning what is queued after
/// the senders are gone: nothing queued is lost.
fn write_on_thread(mut writer: Box<dyn ThreadWriter>, mut batches: Batches) {
    let mut batch = Batch::default();
    while let Some(first) = batches.rx.blocking_recv() {
        batches.gather(first, &mut batch);
        let outcomes = if batch.items.is_empty() {
            Ok(Vec::new())
        } else {
            writer.insert_batch(&batch.items)
        };
        if let Err(e) = &outcomes {
            tracing::error!(error = %e, size = batch.items.len(), "a batch could not be stored; its submitters retry");
        }
        batch.answer(outcomes);
        writer.after_batch();
    }
}

/// The writer as a task, awaiting `Store::insert_batch`.
async fn write(store: Arc<dyn Store>, mut batches: Batches) {
    let mut batch = Batch::default();
    while let Some(first) = batches.rx.recv().await {
        batches.gather(first, &mut batch);
        let outcomes = if batch.items.is_empty() {
            Ok(Vec::new())
        } else {
            Ok(insert(store.as_ref(), &batch.items).await)
        };
        batch.answer(outcomes);
    }
}

/// Stores one batch; what became of each item.
async fn insert(store: &dyn Store, items: &[NewResponse]) -> Vec<StoreResult<Stored>> {
    match store.insert_batch(items).await {
        Ok(outcomes) => outcomes,
        // The database is away: every submitter hears it and retries.
        Err(e @ StoreError::Unavailable(_)) => items.iter().map(|_| Err(share(&e))).collect(),
        // Something in the batch broke the transaction (on PostgreSQL, one failed statement
        // aborts it; two collectors may deadlock on a replay): store each on its own, so
        // that one bad submission does not fail the others.
        Err(e) => {
            tracing::warn!(error = %e, size = items.len(), "a batch failed; storing one by one");
            let mut outcomes = Vec::with_capacity(items.len());
            for item in items {
                outcomes.push(
                    store
                        .insert_enriched(&item.submission, &item.enrichment, item.received_at)
                        .await,
                );
            }
            outcomes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc as std_mpsc;
    use std::time::Duration;

    /// A writer that stores nothing and says it stored each item (a replay for an id seen
    /// before): it counts the batches begun, waits for a go-ahead for each, then ends it as the
    /// test says, counting the items of each batch that succeeds.
    struct Fake {
        committed: Arc<AtomicUsize>,
        seen: Vec<shared::ResponseId>,
        go: std_mpsc::Receiver<StoreResult<()>>,
        begun: Arc<AtomicUsize>,
    }

    impl ThreadWriter for Fake {
        fn insert_batch(&mut self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>> {
            self.begun.fetch_add(1, Ordering::SeqCst);
            self.go.recv().expect("the test says how each batch ends")?;
            let outcomes = items
                .iter()
                .map(|item| {
                    let id = item.submission.id;
                    Ok(if self.seen.contains(&id) {
                        Stored::Replayed
                    } else {
                        self.seen.push(id);
                        Stored::Created
                    })
                })
                .collect();
            self.committed.fetch_add(items.len(), Ordering::SeqCst);
            Ok(outcomes)
        }
    }

    fn answer(id: &str) -> NewResponse {
        NewResponse {
            submission: serde_json::from_value(serde_json::json!({
                "id": id, "site_key": "shop0123456789ab", "survey_id": "nps",
                "answers": [{"type": "nps", "question_id": "q1", "score": 9}],
            }))
            .unwrap(),
            enrichment: Default::default(),
            received_at: 1,
        }
    }

    const IDS: [&str; 4] = [
        "0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a51",
        "0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a52",
        "0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a53",
        "0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a54",
    ];

    fn start() -> (
        GroupCommit,
        std_mpsc::Sender<StoreResult<()>>,
        Arc<AtomicUsize>,
        Arc<AtomicUsize>,
    ) {
        let (say, go) = std_mpsc::channel();
        let (committed, begun) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let writer = Fake {
            committed: committed.clone(),
            seen: Vec::new(),
            go,
            begun: begun.clone(),
        };
        (
            GroupCommit::on_thread(Box::new(writer), QUEUE, None),
            say,
            committed,
            begun,
        )
    }

    async fn until(what: &str, done: impl Fn() -> bool) {
        for _ in 0..1000 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{what} never happened");
    }

    /// Inserts `id` from a task of its own.
    fn spawn_insert(group: &GroupCommit, id: &str) -> tokio::task::JoinHandle<StoreResult<Stored>> {
        let (group, item) = (group.clone(), answer(id));
        tokio::spawn(async move { group.insert(item).await })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_is_answered_once_durable_and_what_comes_meanwhile_is_one_batch() {
        let (group, say, committed, begun) = start();
        let begun_now = || begun.load(Ordering::SeqCst);
        let a = spawn_insert(&group, IDS[0]);
        until("the first batch begun", || begun_now() == 1).await;
        // While the first batch is written, the next three wait together.
        let b = spawn_insert(&group, IDS[1]);
        let (c, d) = (spawn_insert(&group, IDS[2]), spawn_insert(&group, IDS[3]));
        until("three queued", || group.queued() == 3).await;
        assert!(!a.is_finished(), "answered before its batch was durable");

        say.send(Ok(())).unwrap();
        assert_eq!(a.await.unwrap().unwrap(), Stored::Created);
        until("the second batch begun", || begun_now() == 2).await;
        assert_eq!(group.batches(), 2, "b, c and d in one batch");
        assert_eq!(committed.load(Ordering::SeqCst), 1);
        assert!(!b.is_finished() && !c.is_finished() && !d.is_finished());
        say.send(Ok(())).unwrap();
        for waited in [b, c, d] {
            assert_eq!(waited.await.unwrap().unwrap(), Stored::Created);
        }
        assert_eq!(committed.load(Ordering::SeqCst), 4);

        // A flush waits for what came before it.
        let replay = spawn_insert(&group, IDS[0]);
        until("the replay's batch begun", || begun_now() == 3).await;
        let flushed = tokio::spawn({
            let group = group.clone();
            async move { group.flush().await }
        });
        until("the flush queued", || group.queued() == 1).await;
        assert!(!flushed.is_finished());
        say.send(Ok(())).unwrap();
        assert_eq!(replay.await.unwrap().unwrap(), Stored::Replayed);
        // The flush alone is a batch of nothing, which the writer does not call for.
        flushed.await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_batch_tells_each_submitter_to_retry() {
        let (group, say, committed, begun) = start();
        let a = spawn_insert(&group, IDS[0]);
        until("the first batch begun", || {
            begun.load(Ordering::SeqCst) == 1
        })
        .await;
        let (b, c) = (spawn_insert(&group, IDS[1]), spawn_insert(&group, IDS[2]));
        until("two queued", || group.queued() == 2).await;
        say.send(Ok(())).unwrap();
        say.send(Err(StoreError::unavailable("the disk went away")))
            .unwrap();
        assert_eq!(a.await.unwrap().unwrap(), Stored::Created);
        for failed in [b, c] {
            match failed.await.unwrap() {
                Err(StoreError::Unavailable(why)) => {
                    assert!(why.to_string().contains("the disk went away"))
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(committed.load(Ordering::SeqCst), 1);
        // The next batch works: the retry is stored.
        say.send(Ok(())).unwrap();
        assert_eq!(group.insert(answer(IDS[1])).await.unwrap(), Stored::Created);
    }
}
