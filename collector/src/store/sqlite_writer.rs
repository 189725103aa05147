//! Where answers are written on SQLite: one connection of its own, called synchronously on the
//! group commit's thread (`ThreadWriter`), so that a batch costs one hand-over between threads
//! rather than one per statement, and its pages stay in this connection's cache.
//!
//! A batch is one `IMMEDIATE` transaction of single-row inserts through one prepared statement.
//! Its commit writes the write-ahead log without syncing it (`synchronous = OFF` on this
//! connection); `Writer::insert_batch` then syncs the log through a descriptor of its own
//! (`WalFile::sync`) before it returns, and the group commit answers the batch's submitters
//! after that. Between batches, at most every `CHECKPOINT_EVERY`, the same
//! connection copies the log into the database (a `PASSIVE` checkpoint, which waits for nobody):
//! when the copy catches up, the next batch starts the log over from its beginning, so that the
//! log stays short under a steady load instead of growing until something must wait for it.
//!
//! The rollups (`insight::rollup`) are owed, not written, by a batch: the writer sums what the
//! answers it stored count in memory (`Owed`) and adds that to `insight_rollups` in a transaction
//! of its own just before each checkpoint, or sooner when something reads the rollups
//! (`Writer::fold_owed`, which `SqliteStore::settle_rollups` calls before every read of them).
//! Each rollup row today's answers touch lies in its own page of the table (its key puts the
//! day after the question and the segment): written by every batch, that was a dozen more
//! pages in every commit. What a batch leaves owed is recorded in its own transaction, as the
//! site and UTC day it stored answers for (`insight_rollups_owed`, migration 0032), one row per
//! site and day until it is paid: after a crash, `hark serve` recomputes those days from the
//! stored answers as it starts (`Writer::recover`). Deletes of answers subtract from the
//! rollups at once; addition commutes, so a count owed meanwhile still comes out right (a row
//! brought to 0 by the payment is deleted). A writer that recomputes days other writers owe
//! (another process's, left by a crash or still live) counts up the epoch
//! (`insight_rollups_epoch`); a writer that finds the epoch changed drops what it owed, which
//! was recomputed with them.

use super::{NewResponse, StoreError, StoreResult, Stored};
use crate::insight::rollup::{self, Deltas, Row};
use rusqlite::{CachedStatement, Connection, ErrorCode, OpenFlags, OptionalExtension as _};
use shared::SiteKey;
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the write-ahead log may take new commits before the writer copies it into the
/// database, between two batches. Short enough that each copy is small (the pages written
/// in a quarter of a second), long enough that a page rewritten by many batches is copied once.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// How long a batch waits for another connection's write (e.g. an admin's) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One row, its site given by id. `VALUES` rather than `SELECT … FROM sites`: a statement that
/// writes at most one row needs no undo log of its own inside the batch's transaction.
const INSERT: &str = "INSERT INTO responses (id, site_id, survey_key, answers, page_url,
         received_at, page_path, device, browser, locale, visitor, user_id, email,
         survey_version, attributes, segment_attributes, channel)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             COALESCE(?17, 'widget'))
     ON CONFLICT (id) DO NOTHING";

/// The database's write-ahead log (`…-wal`), opened on its own so that its writes can be synced
/// apart from the connection that makes them, once per batch rather than once per transaction
/// written: on Linux a file's sync covers every write to it made before, through any descriptor.
#[derive(Debug)]
pub(super) struct WalFile {
    path: PathBuf,
    /// The log as last opened, with its device and inode: a log deleted and made anew (when
    /// every connection closed) is opened again.
    open: Option<(File, u64, u64)>,
}

impl WalFile {
    fn of(database: &Path) -> Self {
        let mut path = database.as_os_str().to_owned();
        path.push("-wal");
        Self {
            path: PathBuf::from(path),
            open: None,
        }
    }

    /// Makes every commit written to the log before this call durable: the log's data reach
    /// the disk (and, the first time a log is opened, its directory entry).
    pub(super) fn sync(&mut self) -> std::io::Result<()> {
        let now = identity::of_path(&self.path)?;
        let current = matches!(&self.open, Some((_, dev, ino)) if (*dev, *ino) == now);
        if !current {
            let file = File::open(&self.path)?;
            let (dev, ino) = identity::of_file(&file)?;
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                File::open(dir)?.sync_all()?;
            }
            self.open = Some((file, dev, ino));
        }
        let (file, _, _) = self.open.as_ref().expect("opened above");
        file.sync_data()
    }
}

/// A file's device and inode number, and nothing else. On Linux a `stat` that returns a file's
/// times marks them as read (multigrain timestamps), so that the next write stamps a new time on
/// the inode, and the sync after it writes the inode too: with `std::fs::metadata` before every
/// sync, each sync of the log waited for two writes to the disk rather than one. Asking only for
/// the inode number leaves the times unread.
#[cfg(target_os = "linux")]
mod identity {
    use rustix::fs::{statx, AtFlags, StatxFlags, CWD};
    use std::{fs::File, io, path::Path};

    pub(super) fn of_path(path: &Path) -> io::Result<(u64, u64)> {
        let x = statx(CWD, path, AtFlags::empty(), StatxFlags::INO)?;
        Ok((
            rustix::fs::makedev(x.stx_dev_major, x.stx_dev_minor),
            x.stx_ino,
        ))
    }

    pub(super) fn of_file(file: &File) -> io::Result<(u64, u64)> {
        let x = statx(file, "", AtFlags::EMPTY_PATH, StatxFlags::INO)?;
        Ok((
            rustix::fs::makedev(x.stx_dev_major, x.stx_dev_minor),
            x.stx_ino,
        ))
    }
}

#[cfg(not(target_os = "linux"))]
mod identity {
    use std::os::unix::fs::MetadataExt as _;
    use std::{fs::File, io, path::Path};

    pub(super) fn of_path(path: &Path) -> io::Result<(u64, u64)> {
        std::fs::metadata(path).map(|m| (m.dev(), m.ino()))
    }

    pub(super) fn of_file(file: &File) -> io::Result<(u64, u64)> {
        file.metadata().map(|m| (m.dev(), m.ino()))
    }
}

#[derive(Debug)]
pub(super) struct Writer {
    /// The database file, created and migrated by the pool before the writer opens it.
    path: PathBuf,
    /// Its write-ahead log, which commits on this connection leave to be synced.
    wal: WalFile,
    /// Opened on first use, and again after any failure of a batch.
    conn: Option<Connection>,
    /// When the log was last copied into the database, and whether a batch committed since.
    checkpointed: Instant,
    committed: bool,
    /// What the committed batches owe the rollups.
    owed: Owed,
}

/// What this writer's committed batches owe the rollups: their counts, and the days marked as
/// owed in `insight_rollups_owed`.
#[derive(Debug)]
struct Owed {
    /// This writer's number in `insight_rollups_owed`: random, so that writers in two
    /// processes on one file tell their rows apart.
    writer: i64,
    counts: Deltas,
    /// The sites and days this writer's committed batches marked as owed.
    marked: HashSet<(i64, i64)>,
    /// `insight_rollups_epoch` as this writer last read it (`None` before its first read).
    epoch: Option<i64>,
    /// Whether anything is owed, for readers that do not hold the writer
    /// (`SqliteStore::settle_rollups`). Set once a batch that stored answers has committed,
    /// before any of its submitters is answered.
    any: Arc<AtomicBool>,
}

impl Owed {
    fn new() -> Self {
        Self {
            writer: rand::random(),
            counts: Deltas::default(),
            marked: HashSet::new(),
            epoch: None,
            any: Arc::default(),
        }
    }

    /// Reads the epoch in `tx`. When another writer has recomputed the owed days since this
    /// one last read it, what this one owed was recomputed with them (its marks were among
    /// those days, committed with its answers): it is dropped.
    fn check_epoch(&mut self, tx: &Connection) -> rusqlite::Result<()> {
        let epoch: i64 = tx
            .prepare_cached("SELECT epoch FROM insight_rollups_epoch WHERE id = 1")?
            .query_row([], |row| row.get(0))?;
        if self.epoch != Some(epoch) {
            self.paid();
            self.epoch = Some(epoch);
        }
        Ok(())
    }

    /// Adds the counts to the rollups and takes back this writer's marks, in `tx`; `paid` once
    /// it commits.
    fn pay(&self, tx: &Connection) -> rusqlite::Result<()> {
        add_to_rollups(tx, &self.counts)?;
        tx.prepare_cached("DELETE FROM insight_rollups_owed WHERE writer = ?1")?
            .execute([self.writer])?;
        Ok(())
    }

    /// Nothing is owed any more.
    fn paid(&mut self) {
        self.counts = Deltas::default();
        self.marked.clear();
        self.any.store(false, Ordering::Release);
    }
}

impl Writer {
    pub(super) fn new(path: PathBuf) -> Self {
        Self {
            wal: WalFile::of(&path),
            path,
            conn: None,
            checkpointed: Instant::now(),
            committed: false,
            owed: Owed::new(),
        }
    }

    /// Whether this writer owes the rollups anything, readable without holding it.
    pub(super) fn owes(&self) -> Arc<AtomicBool> {
        self.owed.any.clone()
    }

    /// Stores every item in one transaction, durably, and returns, in order, what became of
    /// each: a replay of an id stored before (in this batch or earlier) for the same site, or a
    /// conflict when it was stored for another. `Err` when the transaction failed as a whole,
    /// and then nothing of the batch was stored, or when the log could not be synced, and then
    /// what was committed may not be durable (a retry is a replay).
    pub(super) fn insert_batch(
        &mut self,
        items: &[NewResponse],
    ) -> StoreResult<Vec<StoreResult<Stored>>> {
        let outcomes = self.try_insert_batch(items).map_err(store_error);
        if outcomes.is_err() {
            // Whatever went wrong, the next batch starts on a fresh connection.
            self.conn = None;
        }
        let outcomes = outcomes?;
        self.wal.sync().map_err(unsynced)?;
        Ok(outcomes)
    }

    fn try_insert_batch(
        &mut self,
        items: &[NewResponse],
    ) -> rusqlite::Result<Vec<StoreResult<Stored>>> {
        // The batch's counts, kept only if it commits.
        let mut counts = self.owed.counts.split();
        let mut days = Vec::new();
        let outcomes = self.insert_owing(items, &mut counts, &mut days);
        self.owed.counts.absorb(counts, outcomes.is_ok());
        let outcomes = outcomes?;
        self.committed = true;
        self.owed.marked.extend(days);
        if outcomes.iter().any(|o| matches!(o, Ok(Stored::Created))) {
            self.owed.any.store(true, Ordering::Release);
        }
        Ok(outcomes)
    }

    /// Stores the items in one transaction, folding what the stored ones count into `counts`
    /// and marking the sites and days not marked before (`days`) as owed.
    fn insert_owing(
        &mut self,
        items: &[NewResponse],
        counts: &mut Deltas,
        days: &mut Vec<(i64, i64)>,
    ) -> rusqlite::Result<Vec<StoreResult<Stored>>> {
        let conn = connection(&self.path, &mut self.conn)?;
        // IMMEDIATE takes the write lock up front (waiting up to `BUSY_TIMEOUT`), so that the
        // transaction never has to upgrade from reading to writing.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        self.owed.check_epoch(&tx)?;
        let mut outcomes = Vec::with_capacity(items.len());
        {
            let mut insert = tx.prepare_cached(INSERT)?;
            // Each site's id, read once per batch inside its transaction: a site deleted
            // meanwhile is not found rather than given rows.
            let mut sites: Vec<(&SiteKey, Option<i64>)> = Vec::new();
            // Each answer's JSON, written into one buffer.
            let mut scratch = Vec::new();
            for item in items {
                let key = &item.submission.site_key;
                let site = match sites.iter().find(|(k, _)| *k == key) {
                    Some(&(_, id)) => id,
                    None => {
                        let id = site_id(&tx, key)?;
                        sites.push((key, id));
                        id
                    }
                };
                let outcome = match site {
                    Some(site) => insert_one(&tx, &mut insert, site, item, &mut scratch)?,
                    None => Err(StoreError::Other(anyhow::anyhow!("site {key} vanished"))),
                };
                if let (Ok(Stored::Created), Some(site)) = (&outcome, site) {
                    counts.add(&rollup_row(site, item), 1);
                    let day = (site, rollup::day(item.received_at));
                    if !self.owed.marked.contains(&day) && !days.contains(&day) {
                        days.push(day);
                    }
                }
                outcomes.push(outcome);
            }
            if !days.is_empty() {
                let mut mark = tx.prepare_cached(
                    "INSERT OR IGNORE INTO insight_rollups_owed (site_id, day, writer)
                     VALUES (?1, ?2, ?3)",
                )?;
                for &(site, day) in days.iter() {
                    mark.execute([site, day, self.owed.writer])?;
                }
            }
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Adds what this writer owes to the rollups, in a transaction of its own: before each
    /// checkpoint, before the rollups are read, and when the writer is dropped. A failure
    /// leaves it owed.
    pub(super) fn fold_owed(&mut self) -> StoreResult<()> {
        let folded = self.try_fold_owed().map_err(store_error);
        if folded.is_err() {
            self.conn = None;
        }
        folded
    }

    fn try_fold_owed(&mut self) -> rusqlite::Result<()> {
        // Marks come only with stored answers, and go with their counts.
        if !self.owed.any.load(Ordering::Acquire) {
            return Ok(());
        }
        let conn = connection(&self.path, &mut self.conn)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        self.owed.check_epoch(&tx)?;
        self.owed.pay(&tx)?;
        tx.commit()?;
        self.owed.paid();
        self.committed = true;
        Ok(())
    }

    /// Pays what this writer owes, then recomputes from the stored answers every day other
    /// writers owe: those a process left when it stopped before paying (and those a live one
    /// owes, which then drops them). `hark serve` calls it as it starts. Returns how many
    /// answers it folded.
    pub(super) fn recover(&mut self) -> StoreResult<u64> {
        let folded = self.try_recover().map_err(store_error);
        if folded.is_err() {
            self.conn = None;
        }
        folded
    }

    fn try_recover(&mut self) -> rusqlite::Result<u64> {
        let conn = connection(&self.path, &mut self.conn)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        self.owed.check_epoch(&tx)?;
        let (folded, epoch) = settle(&tx, &self.owed)?;
        tx.commit()?;
        self.owed.paid();
        self.owed.epoch = epoch.or(self.owed.epoch);
        self.committed = true;
        Ok(folded)
    }

    /// Recomputes one site's rollups from its stored answers, in one transaction on this
    /// connection (ingest's batches wait for it). Returns how many answers it folded.
    pub(super) fn rebuild_rollups(&mut self, site: i64) -> StoreResult<u64> {
        let folded = self.try_rebuild_rollups(site).map_err(store_error);
        if folded.is_err() {
            self.conn = None;
        }
        let folded = folded?;
        self.wal.sync().map_err(unsynced)?;
        Ok(folded)
    }

    fn try_rebuild_rollups(&mut self, site: i64) -> rusqlite::Result<u64> {
        let conn = connection(&self.path, &mut self.conn)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Nothing may be owed while the site is recomputed: a count paid later would be
        // counted twice.
        self.owed.check_epoch(&tx)?;
        let (_, epoch) = settle(&tx, &self.owed)?;
        tx.execute("DELETE FROM insight_rollups WHERE site_id = ?1", [site])?;
        let mut deltas = Deltas::default();
        let folded = fold_answers(
            &tx,
            &format!(
                "SELECT {} FROM responses WHERE site_id = ?1",
                super::insight_sql::FOLD_COLUMNS
            ),
            [site],
            &mut deltas,
        )?;
        add_to_rollups(&tx, &deltas)?;
        tx.commit()?;
        self.owed.paid();
        self.owed.epoch = epoch.or(self.owed.epoch);
        self.committed = true;
        Ok(folded)
    }

    /// Copies the write-ahead log into the database when a batch committed since the last
    /// copy, at most every `CHECKPOINT_EVERY`. A failure is logged and tried again later: the
    /// answers are safe in the log either way.
    pub(super) fn checkpoint_if_due(&mut self, now: Instant) {
        if !self.committed || now.saturating_duration_since(self.checkpointed) < CHECKPOINT_EVERY {
            return;
        }
        // What the batches owe the rollups first, so that the copy takes it along.
        if let Err(e) = self.fold_owed() {
            tracing::warn!(error = %e, "the rollups could not be brought up to date; trying again later");
        }
        self.checkpointed = now;
        self.committed = false;
        let Some(conn) = self.conn.as_ref() else {
            return;
        };
        // A checkpoint syncs the log before it copies it, and the database before the log may
        // start over, only at `synchronous = FULL`: that for the copy, `OFF` again for commits.
        let copied = conn
            .execute_batch("PRAGMA synchronous = FULL")
            .and_then(|()| conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())));
        let back = conn.execute_batch("PRAGMA synchronous = OFF");
        if let Err(e) = copied.and(back) {
            tracing::warn!(error = %e, "checkpoint failed; trying again after the next batch");
            // The connection's settings are not known now: the next batch opens it afresh.
            self.conn = None;
        }
    }
}

impl Drop for Writer {
    /// Pays what the batches owe the rollups; what it cannot pay stays marked, and `hark
    /// serve` recomputes it as it next starts.
    fn drop(&mut self) {
        if let Err(e) = self.fold_owed() {
            tracing::warn!(error = %e, "the rollups could not be brought up to date; they are recomputed when the collector next starts");
        }
    }
}

/// The writer's connection, opened (and set up) when there is none.
fn connection<'c>(
    path: &Path,
    conn: &'c mut Option<Connection>,
) -> rusqlite::Result<&'c mut Connection> {
    if conn.is_none() {
        let opened = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        opened.busy_timeout(BUSY_TIMEOUT)?;
        // The answers' statements and one rollup statement per row count (`add_to_rollups`).
        opened.set_prepared_statement_cache_capacity(32);
        // The file is in WAL mode already (the pool set it, and it persists). Commits write
        // the log and leave its sync to `WalFile::sync` (`synchronous = OFF`); checkpoints
        // are this writer's, between batches, never inside a commit, and sync both files.
        // When the log starts over, a file grown longer than 64 MiB is cut back: longer
        // than a quarter of a second of commits at full load (~30 MB), so that the log's
        // file keeps its length and a commit overwrites blocks the file has, and its sync
        // writes no file-system metadata (a cut-back file grew again within every quarter
        // of a second, and each growth cost a journal commit: 7 % of throughput).
        // Foreign keys are not checked here: this connection only inserts answers, with
        // the id of a site it has just read in the same transaction, and rollup rows of
        // those sites (which are never deleted).
        opened.execute_batch(
            "PRAGMA synchronous = OFF;
                 PRAGMA foreign_keys = OFF;
                 PRAGMA wal_autocheckpoint = 0;
                 PRAGMA journal_size_limit = 67108864;
                 PRAGMA temp_store = MEMORY;",
        )?;
        *conn = Some(opened);
    }
    Ok(conn.as_mut().expect("opened above"))
}

/// Stores one item inside the batch's transaction. The outer `Err` is a failure of the
/// database, which fails the batch; the inner one is this item's own fate (a conflict, an
/// unknown site, a broken rule), which leaves the transaction usable for the others.
fn insert_one(
    tx: &Connection,
    insert: &mut CachedStatement<'_>,
    site: i64,
    item: &NewResponse,
    scratch: &mut Vec<u8>,
) -> rusqlite::Result<StoreResult<Stored>> {
    let (r, e) = (&item.submission, &item.enrichment);
    scratch.clear();
    let encoded = serde_json::to_writer(&mut *scratch, &r.answers)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("cannot encode answers: {e}")))
        .and_then(|()| super::site_store::attributes_json(&e.attributes));
    let attributes = match encoded {
        Ok(attributes) => attributes,
        Err(e) => return Ok(Err(e)),
    };
    let Ok(answers) = std::str::from_utf8(scratch) else {
        return Ok(Err(StoreError::Other(anyhow::anyhow!(
            "the answers' JSON is not UTF-8"
        ))));
    };
    let mut id = [0; uuid::fmt::Hyphenated::LENGTH];
    let id: &str = r.id.as_uuid().hyphenated().encode_lower(&mut id);
    let inserted = insert.execute(rusqlite::params![
        id,
        site,
        r.survey_id.as_str(),
        answers,
        r.page_url,
        item.received_at,
        e.page_path,
        e.device,
        e.browser,
        e.locale,
        e.visitor,
        e.user_id,
        e.email,
        r.survey_version,
        attributes,
        e.segments_json(),
        e.channel,
    ]);
    match inserted {
        Ok(1) => Ok(Ok(Stored::Created)),
        Ok(_) => owner_outcome(tx, id, &r.site_key),
        // Only this statement was undone; the transaction goes on.
        Err(rusqlite::Error::SqliteFailure(f, message))
            if f.code == ErrorCode::ConstraintViolation =>
        {
            Ok(Err(StoreError::Other(anyhow::anyhow!(
                "answer {id} breaks a rule of the database: {}",
                message.unwrap_or_else(|| f.to_string())
            ))))
        }
        Err(e) => Err(e),
    }
}

/// An item as the rollups' fold reads it.
fn rollup_row(site: i64, item: &NewResponse) -> Row<'_> {
    let (r, e) = (&item.submission, &item.enrichment);
    Row {
        site,
        survey: r.survey_id.as_str(),
        answers: &r.answers,
        received_at: item.received_at,
        page_path: e.page_path.as_deref(),
        device: e.device.as_deref(),
        browser: e.browser.as_deref(),
        locale: e.locale.as_deref(),
        version: r.survey_version.map(i64::from),
        attributes: &e.segments,
    }
}

/// Adds counts to the rollups, in key order (what is owed, or a rebuild, only adds). A row an
/// addition brings to 0 (one that deletes had taken below 0 while its count was owed) is
/// deleted, so that the table holds what a rebuild would write.
fn add_to_rollups(tx: &Connection, deltas: &Deltas) -> rusqlite::Result<()> {
    // Up to `ROWS` rows per statement: one execution instead of one per row (a batch of one
    // survey writes a dozen rows), through at most `ROWS` cached statements.
    const ROWS: usize = 16;
    let changes = deltas.changes();
    let mut zeros = false;
    for chunk in changes.chunks(ROWS) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO insight_rollups
                 (site_id, survey_key, question_id, dimension, value, day, bucket, n)
             VALUES {rows}
             ON CONFLICT (site_id, survey_key, question_id, dimension, value, day, bucket)
             DO UPDATE SET n = n + excluded.n
             RETURNING n = 0"
        ))?;
        let mut i = 1;
        for k in chunk {
            upsert.raw_bind_parameter(i, k.site)?;
            upsert.raw_bind_parameter(i + 1, k.survey)?;
            upsert.raw_bind_parameter(i + 2, k.question)?;
            upsert.raw_bind_parameter(i + 3, k.dimension)?;
            upsert.raw_bind_parameter(i + 4, k.value)?;
            upsert.raw_bind_parameter(i + 5, k.day)?;
            upsert.raw_bind_parameter(i + 6, k.bucket)?;
            upsert.raw_bind_parameter(i + 7, k.n)?;
            i += 8;
        }
        let mut rows = upsert.raw_query();
        while let Some(row) = rows.next()? {
            zeros |= row.get::<_, bool>(0)?;
        }
    }
    if zeros {
        let mut drop = tx.prepare_cached(
            "DELETE FROM insight_rollups
             WHERE site_id = ?1 AND survey_key = ?2 AND question_id = ?3 AND dimension = ?4
               AND value = ?5 AND day = ?6 AND bucket = ?7 AND n = 0",
        )?;
        for k in &changes {
            drop.execute(rusqlite::params![
                k.site,
                k.survey,
                k.question,
                k.dimension,
                k.value,
                k.day,
                k.bucket
            ])?;
        }
    }
    Ok(())
}

/// Pays what `owed` owes, then recomputes from the stored answers every site and day other
/// writers owe, takes back their marks and counts up the epoch, in `tx`. Returns how many
/// answers it folded, and the new epoch when it counted it up.
fn settle(tx: &Connection, owed: &Owed) -> rusqlite::Result<(u64, Option<i64>)> {
    owed.pay(tx)?;
    let others: Vec<(i64, i64)> = tx
        .prepare("SELECT DISTINCT site_id, day FROM insight_rollups_owed ORDER BY site_id, day")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if others.is_empty() {
        return Ok((0, None));
    }
    let select = format!(
        "SELECT {} FROM responses WHERE site_id = ?1 AND received_at >= ?2 AND received_at < ?3",
        super::insight_sql::FOLD_COLUMNS
    );
    let mut deltas = Deltas::default();
    let mut folded = 0;
    for (site, day) in others {
        tx.execute(
            "DELETE FROM insight_rollups WHERE site_id = ?1 AND day = ?2",
            [site, day],
        )?;
        let (from, until) = rollup::day_span(day);
        folded += fold_answers(tx, &select, [site, from, until], &mut deltas)?;
    }
    add_to_rollups(tx, &deltas)?;
    tx.execute("DELETE FROM insight_rollups_owed", [])?;
    let epoch = tx.query_row(
        "UPDATE insight_rollups_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch",
        [],
        |row| row.get(0),
    )?;
    tracing::info!(
        answers = folded,
        "recomputed the rollups of the days other writers owed"
    );
    Ok((folded, Some(epoch)))
}

/// Folds the stored answers `select` reads (`FOLD_COLUMNS`) into `deltas`; returns how many.
fn fold_answers(
    tx: &Connection,
    select: &str,
    params: impl rusqlite::Params,
    deltas: &mut Deltas,
) -> rusqlite::Result<u64> {
    let mut select = tx.prepare(select)?;
    let mut rows = select.query(params)?;
    let mut folded = 0;
    while let Some(r) = rows.next()? {
        let answers: Vec<shared::Answer> = serde_json::from_str(r.get_ref(2)?.as_str()?)
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "a stored response's answers do not read; left out of the rollups");
                Vec::new()
            });
        deltas.add(
            &Row {
                site: r.get(0)?,
                survey: r.get_ref(1)?.as_str()?,
                answers: &answers,
                received_at: r.get(3)?,
                page_path: r.get_ref(4)?.as_str_or_null()?,
                device: r.get_ref(5)?.as_str_or_null()?,
                browser: r.get_ref(6)?.as_str_or_null()?,
                locale: r.get_ref(7)?.as_str_or_null()?,
                version: r.get(8)?,
                attributes: &crate::enrich::read_segments(r.get_ref(9)?.as_str_or_null()?),
            },
            1,
        );
        folded += 1;
    }
    Ok(folded)
}

/// The id of the site with this key, if there is one.
fn site_id(tx: &Connection, key: &SiteKey) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached("SELECT id FROM sites WHERE key = ?1")?
        .query_row([key.as_str()], |row| row.get(0))
        .optional()
}

/// The fate of an answer whose insert stored nothing: a replay when its id is stored for its
/// site, a conflict when for another.
fn owner_outcome(
    tx: &Connection,
    id: &str,
    site_key: &SiteKey,
) -> rusqlite::Result<StoreResult<Stored>> {
    let owner: Option<String> = tx
        .prepare_cached(
            "SELECT t.key FROM responses r JOIN sites t ON t.id = r.site_id WHERE r.id = ?1",
        )?
        .query_row([id], |row| row.get(0))
        .optional()?;
    Ok(match owner {
        Some(key) if key == site_key.as_str() => Ok(Stored::Replayed),
        Some(_) => Err(StoreError::Conflict("responses.id")),
        None => Err(StoreError::Other(anyhow::anyhow!(
            "answer {id} was neither stored nor found"
        ))),
    })
}

/// A log that could not be synced: what was committed may not be durable, so the submitters
/// hear that it failed and retry (a replay of a stored answer is acknowledged as such).
fn unsynced(e: std::io::Error) -> StoreError {
    StoreError::unavailable(format!("cannot sync the write-ahead log: {e}"))
}

/// A failed batch: unavailable (the client retries) when the database is busy, locked, out of
/// space or cannot be read or written; an error otherwise.
fn store_error(e: rusqlite::Error) -> StoreError {
    let transient = matches!(
        e.sqlite_error_code(),
        Some(
            ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::OutOfMemory
        )
    );
    if transient {
        StoreError::unavailable(e.to_string())
    } else {
        StoreError::Other(anyhow::Error::new(e).context("cannot store a batch of answers"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::insight_store::InsightStore as _;
    use crate::store::{SqliteStore, Store as _};

    /// `n` answers for `site`, each with a fresh id.
    fn answers(site: &SiteKey, n: usize) -> Vec<NewResponse> {
        (0..n)
            .map(|_| NewResponse {
                submission: serde_json::from_value(serde_json::json!({
                    "id": uuid::Uuid::new_v4(),
                    "site_key": site,
                    "survey_id": "nps",
                    "answers": [{"type": "nps", "question_id": "q1", "score": 9}],
                }))
                .unwrap(),
                enrichment: Default::default(),
                received_at: 1,
            })
            .collect()
    }

    /// How long the write-ahead log file is, and how many times it has started over (the
    /// checkpoint sequence number in its header, which SQLite counts up at each start).
    fn log(path: &std::path::Path) -> (u64, u32) {
        let mut log = path.as_os_str().to_owned();
        log.push("-wal");
        let bytes = std::fs::read(log).unwrap();
        let sequence = u32::from_be_bytes(bytes[12..16].try_into().unwrap());
        (bytes.len() as u64, sequence)
    }

    #[test]
    fn a_log_made_anew_is_opened_again_before_its_sync() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().unwrap();
        let mut wal = WalFile::of(&dir.path().join("hark.db"));
        let opened = |wal: &WalFile| {
            let open = wal.open.as_ref();
            open.map(|(_, dev, ino)| (*dev, *ino)).unwrap()
        };
        let log = dir.path().join("hark.db-wal");
        std::fs::write(&log, b"first").unwrap();
        wal.sync().unwrap();
        let first = std::fs::metadata(&log).unwrap();
        assert_eq!(opened(&wal), (first.dev(), first.ino()));

        // The same log again: the descriptor is kept.
        wal.sync().unwrap();
        assert_eq!(opened(&wal), (first.dev(), first.ino()));

        // Deleted and made anew (the first is still open here, so its inode is not reused).
        std::fs::remove_file(&log).unwrap();
        std::fs::write(&log, b"second").unwrap();
        wal.sync().unwrap();
        let second = std::fs::metadata(&log).unwrap();
        assert_ne!(second.ino(), first.ino());
        assert_eq!(opened(&wal), (second.dev(), second.ino()));
    }

    /// `n` answers of `visitor`.
    fn answers_of(site: &SiteKey, n: usize, visitor: &str) -> Vec<NewResponse> {
        let mut items = answers(site, n);
        for item in &mut items {
            item.enrichment.visitor = Some(visitor.to_owned());
        }
        items
    }

    async fn open(path: &Path) -> SqliteStore {
        SqliteStore::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap()
    }

    /// A fresh database file with one site: its directory (kept while the test runs), the
    /// file, the store on it and the site's key.
    async fn shop() -> (tempfile::TempDir, PathBuf, SqliteStore, SiteKey) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let store = open(&path).await;
        let site = store.create_site("Shop", &[], 0).await.unwrap().key;
        (dir, path, store, site)
    }

    /// What the rollups table holds for whole responses over all answers, read as it is (no
    /// payment first), and how many days are marked as owed.
    async fn held(store: &SqliteStore) -> (i64, i64) {
        sqlx::query_as(
            "SELECT (SELECT COALESCE(SUM(n), 0) FROM insight_rollups
                     WHERE question_id = '' AND dimension = ''),
                    (SELECT COUNT(*) FROM insight_rollups_owed)",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap()
    }

    /// The rollups as kept equal the fold of the stored answers, which number `answers`.
    async fn kept_equals_rebuilt(store: &SqliteStore, site: &SiteKey, answers: i64) {
        let kept = store.rollup_rows(site).await.unwrap();
        let folded = store.rebuild_rollups(Some(site)).await.unwrap();
        assert_eq!(folded, answers as u64);
        assert_eq!(
            kept,
            store.rollup_rows(site).await.unwrap(),
            "kept vs rebuilt"
        );
        assert_eq!(held(store).await, (answers, 0));
    }

    #[tokio::test]
    async fn what_a_crashed_writer_owed_is_recomputed_by_the_next_recovery() {
        let (_dir, path, store, site) = shop().await;
        let mut writer = Writer::new(path.clone());
        writer.insert_batch(&answers(&site, 30)).unwrap();
        writer.insert_batch(&answers_of(&site, 4, "v1")).unwrap();
        // Committed and durable, owed to the rollups: one site and day marked.
        assert_eq!(held(&store).await, (0, 1));
        // A delete subtracts at once, while the counts it takes away are still owed.
        let erased = store
            .erase_respondent(&site, &crate::store::Respondent::Visitor("v1".into()))
            .await
            .unwrap();
        assert_eq!(erased, 4);
        assert_eq!(held(&store).await, (-4, 1));

        // The writer's process dies before it pays.
        std::mem::forget(writer);
        drop(store);
        let store = open(&path).await;
        assert_eq!(held(&store).await, (-4, 1), "owed until recovered");
        assert_eq!(store.recover_rollups().await.unwrap(), 30);
        assert_eq!(held(&store).await, (30, 0));
        assert_eq!(
            store.recover_rollups().await.unwrap(),
            0,
            "nothing left owed"
        );
        kept_equals_rebuilt(&store, &site, 30).await;
    }

    #[tokio::test]
    async fn a_writer_drops_what_it_owed_once_another_recomputed_it() {
        let (_dir, path, store, site) = shop().await;
        // A writer in another process owes 10 answers' counts when this one opens the file.
        let mut other = Writer::new(path.clone());
        other.insert_batch(&answers(&site, 10)).unwrap();
        let opened = open(&path).await;
        assert_eq!(opened.recover_rollups().await.unwrap(), 10);
        assert_eq!(held(&opened).await, (10, 0));
        // The other writer goes on: it learns that its counts were recomputed, owes only
        // what it stored since, and pays that once.
        other.insert_batch(&answers(&site, 5)).unwrap();
        assert_eq!(held(&store).await, (10, 1));
        other.fold_owed().unwrap();
        assert_eq!(held(&store).await, (15, 0));
        drop(other);
        assert_eq!(
            held(&store).await,
            (15, 0),
            "nothing more paid when dropped"
        );
        kept_equals_rebuilt(&store, &site, 15).await;
    }

    #[tokio::test]
    async fn a_count_a_payment_brings_to_zero_is_deleted_and_reads_pay_first() {
        let (_dir, path, store, site) = shop().await;
        // Through the store's own writer: owed until a read.
        store.insert_batch(&answers(&site, 2)).await.unwrap();
        let mut writer = Writer::new(path.clone());
        writer.insert_batch(&answers_of(&site, 3, "v1")).unwrap();
        store
            .erase_respondent(&site, &crate::store::Respondent::Visitor("v1".into()))
            .await
            .unwrap();
        assert_eq!(held(&store).await, (-1, 1));
        writer.fold_owed().unwrap();
        assert_eq!(held(&store).await, (2, 0));
        let zeros: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM insight_rollups WHERE n = 0")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(zeros, 0, "rows brought to 0 are deleted");

        // The store's writer owes what the group commit stores until something reads.
        let ingest = crate::store::GroupCommit::new(std::sync::Arc::new(store.clone()), None);
        for item in answers(&site, 3) {
            ingest.insert(item).await.unwrap();
        }
        assert_eq!(held(&store).await, (2, 1));
        let responses = store
            .rollup(&crate::store::insight_store::RollupQuery {
                site: &site,
                survey: "nps",
                question: "",
                dimension: "",
                value: "",
                from_day: 0,
                to_day: 0,
            })
            .await
            .unwrap();
        assert_eq!(
            responses.iter().map(|c| c.n).sum::<u64>(),
            5,
            "{responses:?}"
        );
        assert_eq!(held(&store).await, (5, 0));
        kept_equals_rebuilt(&store, &site, 5).await;
    }

    #[tokio::test]
    async fn the_log_starts_over_after_a_checkpoint_between_batches() {
        let (_dir, path, store, site) = shop().await;
        let mut writer = Writer::new(path.clone());
        let start = Instant::now();
        writer.insert_batch(&answers(&site, 50)).unwrap();
        let (_, first) = log(&path);

        // Before a checkpoint is due, every batch makes the log longer.
        let mut grown = 0;
        for _ in 0..20 {
            let outcomes = writer.insert_batch(&answers(&site, 50)).unwrap();
            assert!(outcomes.iter().all(|o| matches!(o, Ok(Stored::Created))));
            writer.checkpoint_if_due(start + CHECKPOINT_EVERY / 2);
            let (len, sequence) = log(&path);
            assert!(len > grown, "the log grew with the batch");
            assert_eq!(sequence, first, "the log did not start over");
            grown = len;
        }

        // Once due, the writer copies the log into the database between two batches, and the
        // next batch writes the log over from its beginning.
        // (The rollups the batches owe are paid just before the copy, into the log.)
        writer.checkpoint_if_due(start + CHECKPOINT_EVERY);
        let (paid, sequence) = log(&path);
        assert!(paid > grown, "the payment was written to the log");
        assert_eq!(sequence, first);
        writer.insert_batch(&answers(&site, 50)).unwrap();
        let (len, sequence) = log(&path);
        assert_ne!(sequence, first, "the log started over");
        assert_eq!(len, paid, "the batch was written over the log's beginning");
        assert_eq!(store.responses(&site, 10_000).await.unwrap().len(), 22 * 50);
    }
}
