//! Group commit: concurrent submissions share one transaction, and so one fsync.
//!
//! One writer owns a bounded queue: a thread of its own when the store has a `ThreadWriter`
//! (SQLite, whose calls block), a task awaiting `Store::insert_batch` otherwise (PostgreSQL).
//! A `ThreadWriter` may leave its commits to be synced (`ThreadWriter::syncer`): a second
//! thread then syncs and answers while the writer goes on with the next batch; one sync covers
//! every batch committed before it began.
//! It takes the first submission waiting, then whatever else is queued at that moment (up to
//! `MAX_BATCH`), stores them in one transaction and answers each submitter. It never waits for a batch to fill: under a light load a batch is one
//! submission and adds no latency; under a heavy one, submissions that arrive during a commit
//! go together in the next. A submitter hears back only after its batch is committed, so the
//! durability contract of `insert_enriched` holds. When every `GroupCommit` handle is dropped,
//! the task still stores what is queued, then ends.

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

/// Makes every commit the writer made before the call durable; `Err` when it cannot say so.
pub type Syncer = Box<dyn FnMut() -> StoreResult<()> + Send>;

/// `Store::insert_batch` on the calling thread, for a store whose writes block it.
pub trait ThreadWriter: Send + 'static {
    /// What `Store::insert_batch` promises, on this thread; when `syncer` gives a syncer, the
    /// commits are durable only once a call of it begun after this returned has returned `Ok`.
    fn insert_batch(&mut self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>>;

    /// What makes `insert_batch`'s commits durable, to be called on a thread of its own; `None`
    /// when they are durable when it returns. Asked once, before the first batch.
    fn syncer(&mut self) -> Option<Syncer> {
        None
    }

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
    /// Answers each submitter with its outcome, then the flushes, and empties the batch.
    fn answer(&mut self, outcomes: StoreResult<Vec<StoreResult<Stored>>>) {
        self.committed(outcomes).answer(&Ok(()));
    }

    /// The batch's submitters and flushes with what the writer did, to be answered once it is
    /// synced; the batch is emptied for the next.
    fn committed(&mut self, outcomes: StoreResult<Vec<StoreResult<Stored>>>) -> Committed {
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            Err(e) => self.items.iter().map(|_| Err(share(&e))).collect(),
        };
        self.items.clear();
        Committed {
            replies: std::mem::take(&mut self.replies),
            outcomes,
            flushed: std::mem::take(&mut self.flushed),
        }
    }
}

/// A batch the writer is done with, waiting for the sync that makes it durable.
struct Committed {
    replies: Vec<Reply>,
    outcomes: Vec<StoreResult<Stored>>,
    flushed: Vec<oneshot::Sender<()>>,
}

impl Committed {
    /// Answers each submitter, then the flushes: its outcome, or what the sync's failure is
    /// when it stored something. A submitter that gave up (its request was cancelled) no
    /// longer listens; its answer is stored all the same.
    fn answer(self, synced: &StoreResult<()>) {
        for (reply, outcome) in self.replies.into_iter().zip(self.outcomes) {
            let outcome = match (outcome, synced) {
                (Ok(_), Err(e)) => Err(share(e)),
                (outcome, _) => outcome,
            };
            let _ = reply.send(outcome);
        }
        for done in self.flushed {
            let _ = done.send(());
        }
    }
}

/// The writer on a thread of its own. `blocking_recv` keeps returning what is queued after
/// the senders are gone: nothing queued is lost.
fn write_on_thread(mut writer: Box<dyn ThreadWriter>, mut batches: Batches) {
    let syncing = writer.syncer().map(|syncer| {
        // A hand-over, not a queue: the writer waits for the syncer to take a committed batch
        // before it gathers the next, so that what arrives during a sync goes into one larger
        // batch (less work per answer) rather than several small ones, which the next sync
        // would have answered no sooner.
        let (to_sync, committed) = std::sync::mpsc::sync_channel(0);
        let thread = std::thread::Builder::new()
            .name("hark-sync".into())
            .spawn(move || sync_on_thread(syncer, &committed))
            .expect("the system starts a thread");
        (to_sync, thread)
    });
    let mut batch = Batch::default();
    while let Some(first) = batches.rx.blocking_recv() {
        batches.gather(first, &mut batch);
        let outcomes = if batch.items.is_empty() {
            Ok(Vec::new())
        } else {
            writer.insert_batch(&batch.items)
        };
        let committed = batch.committed(outcomes);
        match &syncing {
            // The syncer outlives every send: it stops when this sender is dropped, below.
            Some((to_sync, _)) => {
                let _ = to_sync.send(committed);
            }
            None => committed.answer(&Ok(())),
        }
        writer.after_batch();
    }
    if let Some((to_sync, thread)) = syncing {
        drop(to_sync);
        let _ = thread.join();
    }
}

/// Syncs what the writer committed and answers it: everything committed by the time a sync
/// begins is answered after that one sync.
fn sync_on_thread(mut sync: Syncer, committed: &std::sync::mpsc::Receiver<Committed>) {
    let mut waiting = Vec::new();
    while let Ok(first) = committed.recv() {
        waiting.push(first);
        waiting.extend(committed.try_iter());
        let synced = sync();
        if let Err(e) = &synced {
            tracing::error!(error = %e, "the write-ahead log could not be synced; its submitters retry");
        }
        for done in waiting.drain(..) {
            done.answer(&synced);
        }
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
    /// before), and counts the items it committed; its syncer counts the syncs begun and waits
    /// for a go-ahead for each, then answers what the test says.
    struct Fake {
        committed: Arc<AtomicUsize>,
        seen: Vec<shared::ResponseId>,
        go: Option<std_mpsc::Receiver<StoreResult<()>>>,
        syncs: Arc<AtomicUsize>,
    }

    impl ThreadWriter for Fake {
        fn insert_batch(&mut self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>> {
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

        fn syncer(&mut self) -> Option<Syncer> {
            let go = self.go.take().expect("asked once");
            let syncs = self.syncs.clone();
            Some(Box::new(move || {
                syncs.fetch_add(1, Ordering::SeqCst);
                go.recv().expect("the test says how each sync ends")
            }))
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
        let (committed, syncs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let writer = Fake {
            committed: committed.clone(),
            seen: Vec::new(),
            go: Some(go),
            syncs: syncs.clone(),
        };
        (
            GroupCommit::on_thread(Box::new(writer), QUEUE, None),
            say,
            committed,
            syncs,
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
    async fn a_batch_is_answered_once_synced_and_what_comes_during_a_sync_is_one_batch() {
        let (group, say, committed, syncs) = start();
        let committed_now = || committed.load(Ordering::SeqCst);
        let a = spawn_insert(&group, IDS[0]);
        until("the first sync begun", || syncs.load(Ordering::SeqCst) == 1).await;
        // While the first batch is synced, the writer commits the next one, then waits for the
        // syncer to take it.
        let b = spawn_insert(&group, IDS[1]);
        until("the second commit", || committed_now() == 2).await;
        let (c, d) = (spawn_insert(&group, IDS[2]), spawn_insert(&group, IDS[3]));
        until("both queued", || group.queued() == 2).await;
        assert_eq!(committed_now(), 2, "the writer waits for the syncer");
        assert!(!a.is_finished(), "answered before its sync");

        say.send(Ok(())).unwrap();
        assert_eq!(a.await.unwrap().unwrap(), Stored::Created);
        // The syncer took the second batch; the two that waited are committed together.
        until("the waiting two committed", || committed_now() == 4).await;
        assert_eq!(group.batches(), 3, "c and d in one batch");
        assert!(!b.is_finished() && !c.is_finished() && !d.is_finished());
        say.send(Ok(())).unwrap();
        assert_eq!(b.await.unwrap().unwrap(), Stored::Created);
        // The batch of c and d, committed before that sync began, was taken with it, or the
        // next sync begins with it.
        until("c answered or the third sync begun", || {
            c.is_finished() || syncs.load(Ordering::SeqCst) == 3
        })
        .await;
        if !c.is_finished() {
            assert!(!d.is_finished());
            say.send(Ok(())).unwrap();
        }
        assert_eq!(c.await.unwrap().unwrap(), Stored::Created);
        assert_eq!(d.await.unwrap().unwrap(), Stored::Created);

        // A flush waits for the sync of what came before it.
        let replay = spawn_insert(&group, IDS[0]);
        until("the replay's commit", || committed_now() == 5).await;
        let flushed = tokio::spawn({
            let group = group.clone();
            async move { group.flush().await }
        });
        say.send(Ok(())).unwrap();
        assert_eq!(replay.await.unwrap().unwrap(), Stored::Replayed);
        say.send(Ok(())).unwrap();
        flushed.await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_sync_tells_each_submitter_to_retry() {
        let (group, say, _, _) = start();
        say.send(Err(StoreError::unavailable("the disk went away")))
            .unwrap();
        match group.insert(answer(IDS[0])).await {
            Err(StoreError::Unavailable(why)) => {
                assert!(why.to_string().contains("the disk went away"))
            }
            other => panic!("{other:?}"),
        }
        // The next sync works: the retry is acknowledged (as a replay, the commit was kept).
        say.send(Ok(())).unwrap();
        assert_eq!(
            group.insert(answer(IDS[0])).await.unwrap(),
            Stored::Replayed
        );
    }
}
