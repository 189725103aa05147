//! Faults under load, with real processes: the real `hark` binary, clients that keep each
//! answer as the widget's loader keeps it in its outbox, and the fault itself.
//!
//! - PostgreSQL stopped under load (`pg_ctl stop -m immediate`, then `-m fast`): ingest answers
//!   `503` with `Retry-After`, never a `500` or a refusal that would make the loader drop the
//!   answer; `/healthz` says the database is away and then back; once it is back the pool
//!   reconnects and the outboxes deliver everything, each answer and complaint stored once by
//!   its client id, nothing acknowledged lost.
//! - A full disk: SQLite on a small tmpfs, filled up. Ingest answers `503` with `Retry-After`,
//!   the database stays whole (`PRAGMA integrity_check`), every acknowledged answer is there, and
//!   once space returns the answers sent again are taken. It mounts a file system, so it runs as
//!   root only and says why it skips otherwise.

// Only its `Cluster`: a server of this test's own, which it stops and starts.
#[allow(dead_code)]
#[path = "support/postgres.rs"]
mod postgres_server;
#[path = "support/process.rs"]
mod process;

use process::{create_site, serve_with, Collector};
use reqwest::header::{CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SHOP: &str = "http://shop.test";
const RESPONSES: &str = "/api/v1/responses";
const COMPLAINTS: &str = "/api/v1/complaints";

/// `hark serve` on a free port with rate limits no load test reaches, once it answers
/// `/healthz`.
async fn serve(database_url: &str) -> Collector {
    serve_with(
        database_url,
        &[
            "--rate-limit-per-client",
            "100000000",
            "--rate-limit-per-site",
            "100000000",
        ],
        &[],
    )
    .await
}

/// One submission as the loader's outbox keeps it: where it goes and its body, whose `id` is
/// the client's, the same on every retry.
#[derive(Debug, Clone)]
struct Item {
    path: &'static str,
    id: String,
    body: String,
}

impl Item {
    fn answer(site: &str, n: usize) -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({
            "id": id, "site_key": site, "survey_id": "nps",
            "answers": [{"type": "nps", "question_id": "q1", "score": n % 11}],
            "page_url": "http://shop.test/cart", "dwell_ms": 5000,
        });
        Self {
            path: RESPONSES,
            id,
            body: body.to_string(),
        }
    }

    fn complaint(site: &str, n: usize) -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({
            "id": id, "site_key": site, "kind": "problem",
            "description": format!("Parcel {n} arrived broken"), "impact": 2, "dwell_ms": 5000,
        });
        Self {
            path: COMPLAINTS,
            id,
            body: body.to_string(),
        }
    }
}

/// What the clients saw.
#[derive(Debug, Default)]
struct Tally {
    /// Requests made.
    sent: usize,
    /// Each acknowledged id (a 2xx) with the path it went to.
    acknowledged: HashMap<String, &'static str>,
    /// 200s: an id acknowledged again (its earlier acknowledgement or commit was not heard).
    replays: usize,
    /// 503s with `Retry-After`.
    unavailable: usize,
    /// Requests that got no answer (the connection failed or timed out).
    unanswered: usize,
    /// Anything else: a 500, a 503 without `Retry-After`, or a refusal (which the loader would
    /// take as final and drop the answer).
    wrong: Vec<String>,
}

/// How the loader's outbox ends one send: acknowledged (2xx) or refused for good (4xx but 408
/// and 429), both of which take the item out; or to be sent again after a backoff, with the
/// `Retry-After` seconds when given.
enum Sent {
    Done,
    Again(Option<u64>),
}

async fn send(client: &reqwest::Client, base: &str, item: &Item, tally: &Mutex<Tally>) -> Sent {
    let answer = client
        .post(format!("{base}{}", item.path))
        .header(ORIGIN, SHOP)
        // What `fetch` sends with a string body.
        .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(item.body.clone())
        .send()
        .await;
    let mut tally = tally.lock().unwrap();
    tally.sent += 1;
    let Ok(answer) = answer else {
        tally.unanswered += 1;
        return Sent::Again(None);
    };
    let status = answer.status();
    let retry_after = answer
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    if status.is_success() {
        tally.acknowledged.insert(item.id.clone(), item.path);
        if status == StatusCode::OK {
            tally.replays += 1;
        }
        return Sent::Done;
    }
    if status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some() {
        tally.unavailable += 1;
    } else {
        tally.wrong.push(format!(
            "{} {}: {status} {retry_after:?}",
            item.path, item.id
        ));
    }
    let final_refusal = status.is_client_error()
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS;
    if final_refusal {
        Sent::Done
    } else {
        Sent::Again(retry_after)
    }
}

/// The loader's waits are divided by this, so that a test of seconds sees many rounds.
const FASTER: u32 = 10;

/// One visitor's outbox, run as the loader runs it: an answer (or every eighth time a
/// complaint) enters the outbox every `every` while `producing`, and each flush sends
/// everything in it; an item leaves only by `Sent::Done`; after a failure the next flush waits
/// the loader's backoff (full jitter over 1 s doubling to 60 s, after `Retry-After`), divided
/// by `FASTER`. A visitor sends one item at a time (the loader sends its few at once), and an
/// answer made during a backoff waits for it. Returns when nothing is produced any more and the
/// outbox is empty.
async fn visitor(
    client: reqwest::Client,
    base: String,
    site: String,
    every: Duration,
    producing: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
) {
    let mut outbox: Vec<Item> = Vec::new();
    let mut made = 0;
    let mut tries = 0;
    let mut next_answer = Instant::now();
    let mut next_flush = Instant::now();
    loop {
        let now = Instant::now();
        let more = producing.load(Ordering::SeqCst);
        if !more && outbox.is_empty() {
            return;
        }
        if more && now >= next_answer {
            made += 1;
            outbox.push(if made % 8 == 0 {
                Item::complaint(&site, made)
            } else {
                Item::answer(&site, made)
            });
            next_answer = now + every;
        }
        if now >= next_flush {
            let mut failed = None;
            for item in outbox.clone() {
                match send(&client, &base, &item, &tally).await {
                    Sent::Done => outbox.retain(|i| i.id != item.id),
                    Sent::Again(after) => failed = Some(after),
                }
            }
            next_flush = match failed {
                Some(after) => {
                    let backoff =
                        Duration::from_secs(60).min(Duration::from_secs(1) * (1 << tries));
                    tries = (tries + 1).min(6);
                    let wait = backoff.mul_f64(rand::random::<f64>())
                        + Duration::from_secs(after.unwrap_or(0));
                    Instant::now() + wait / FASTER
                }
                None => {
                    tries = 0;
                    next_answer
                }
            };
        }
        let until = if more {
            next_answer.min(next_flush)
        } else {
            next_flush
        };
        tokio::time::sleep_until(until.max(Instant::now()).into()).await;
    }
}

/// `/healthz`'s status, waiting up to `within` for it to be `want` (a check behind a pool
/// waits for the pool's acquire timeout, 5 s, before it says the database is away).
async fn health_becomes(client: &reqwest::Client, base: &str, want: StatusCode, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let got = client
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .unwrap();
        let status = got.status();
        if status == want {
            if status == StatusCode::SERVICE_UNAVAILABLE {
                assert!(
                    got.headers().contains_key(RETRY_AFTER),
                    "{:?}",
                    got.headers()
                );
            }
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz said {status}, not {want}, for {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A value from the collector's `/metrics`, which the breaker never refuses.
async fn metric(client: &reqwest::Client, base: &str, name: &str) -> u64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

fn ids_of(tally: &Tally, path: &str) -> HashSet<String> {
    tally
        .acknowledged
        .iter()
        .filter(|(_, p)| **p == path)
        .map(|(id, _)| id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_is_503_and_the_outboxes_deliver_each_answer_once() {
    let started = Instant::now();
    let cluster = postgres_server::Cluster::start().unwrap_or_else(|e| panic!("{e}"));
    let database_url = cluster.fresh_database().await;
    let site = create_site(&database_url, SHOP);
    let mut collector = serve(&database_url).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // 16 visitors, each with an answer every 25 ms: up to 640 a second.
    let producing = Arc::new(AtomicBool::new(true));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let visitors: Vec<_> = (0..16)
        .map(|_| {
            tokio::spawn(visitor(
                client.clone(),
                collector.base.clone(),
                site.clone(),
                Duration::from_millis(25),
                producing.clone(),
                tally.clone(),
            ))
        })
        .collect();

    let (mut outages, mut refused_at_once) = (Vec::new(), Vec::new());
    for mode in ["immediate", "fast"] {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let before = tally.lock().unwrap().acknowledged.len();
        assert!(before > 0, "nothing was acknowledged before the outage");
        cluster.stop(mode).unwrap();
        let stopped = Instant::now();
        health_becomes(
            &client,
            &collector.base,
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(20),
        )
        .await;
        tokio::time::sleep(Duration::from_secs(3).saturating_sub(stopped.elapsed())).await;
        let during = {
            let t = tally.lock().unwrap();
            (t.unavailable, t.acknowledged.len())
        };
        // The breaker took the database to be down and answered requests at once meanwhile,
        // rather than each after the pool's acquire timeout.
        assert_eq!(
            metric(&client, &collector.base, "hark_database_down").await,
            1
        );
        let refused = metric(&client, &collector.base, "hark_database_refused_total").await;
        assert!(
            refused > 0,
            "no request was refused at once during the outage"
        );
        refused_at_once.push(refused);
        cluster.resume().unwrap();
        // The pool connects again by itself: `/healthz` says so.
        health_becomes(
            &client,
            &collector.base,
            StatusCode::OK,
            Duration::from_secs(20),
        )
        .await;
        assert_eq!(
            metric(&client, &collector.base, "hark_database_down").await,
            0
        );
        outages.push((mode, stopped.elapsed(), before, during));
        collector.assert_running();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    producing.store(false, Ordering::SeqCst);
    for v in visitors {
        tokio::time::timeout(Duration::from_secs(90), v)
            .await
            .expect("every outbox emptied within 90 s of the last answer")
            .unwrap();
    }
    collector.assert_running();

    let tally = std::mem::take(&mut *tally.lock().unwrap());
    assert!(tally.wrong.is_empty(), "{:#?}", tally.wrong);
    assert!(
        tally.unavailable > 0,
        "no 503 while PostgreSQL was down: {tally:?}"
    );

    // Every answer and complaint stored once, and every stored one acknowledged.
    use sqlx::Connection as _;
    let mut db = sqlx::PgConnection::connect(&database_url).await.unwrap();
    let stored = |table: &str| {
        format!(
            "SELECT t.id::text FROM {table} t JOIN sites s ON s.id = t.site_id WHERE s.key = $1"
        )
    };
    let answers: Vec<String> = sqlx::query_scalar(&stored("responses"))
        .bind(&site)
        .fetch_all(&mut db)
        .await
        .unwrap();
    let complaints: Vec<String> = sqlx::query_scalar(&stored("complaints"))
        .bind(&site)
        .fetch_all(&mut db)
        .await
        .unwrap();
    let (sent_answers, sent_complaints) = (ids_of(&tally, RESPONSES), ids_of(&tally, COMPLAINTS));
    assert_eq!(
        answers.iter().cloned().collect::<HashSet<_>>(),
        sent_answers
    );
    assert_eq!(answers.len(), sent_answers.len());
    assert_eq!(
        complaints.iter().cloned().collect::<HashSet<_>>(),
        sent_complaints
    );
    // Once in effect too: one "received" on each case's timeline, one `complaint.created` in
    // the outbox, and the rollups count each answer once.
    let received: Vec<(String, i64)> = sqlx::query_as(
        "SELECT complaint_id::text, count(*) FROM complaint_events
         WHERE kind = 'received' GROUP BY complaint_id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(received.len(), complaints.len());
    assert!(received.iter().all(|(_, n)| *n == 1), "{received:?}");
    let created: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT payload::json #>> '{complaint,id}') - count(*)
         FROM outbox_events WHERE type = 'complaint.created'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(created, 0, "a complaint.created event twice");
    let counted: i64 = sqlx::query_scalar(
        "SELECT COALESCE(sum(n), 0)::bigint FROM insight_rollups
         WHERE question_id = '' AND dimension = ''",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(
        counted as usize,
        answers.len(),
        "the rollups count each answer once"
    );

    for (mode, took, before, (unavailable, after)) in &outages {
        eprintln!(
            "stop -m {mode}: {before} acknowledged before, {after} when it came back \
             ({took:.1?} later); {unavailable} 503s so far"
        );
    }
    eprintln!(
        "answered 503 at once by the breaker, by the end of each outage: {refused_at_once:?}"
    );
    eprintln!(
        "{} requests: {} answers and {} complaints acknowledged ({} replays), {} 503s, {} unanswered, in {:.1} s",
        tally.sent,
        sent_answers.len(),
        sent_complaints.len(),
        tally.replays,
        tally.unavailable,
        tally.unanswered,
        started.elapsed().as_secs_f64()
    );
}

/// A tmpfs mounted on a directory of its own, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None`, with the reason, where this process cannot mount one.
    fn mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("hark-full-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("--lazy")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes zeros to `path` until the file system says it is full; how many bytes it took.
fn fill(path: &Path) -> u64 {
    use std::io::Write as _;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    let mut written = 0;
    loop {
        match file.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    // What is left is less than a block; take it too, a byte at a time being too slow, by
    // halves.
    let mut size = block.len() / 2;
    while size > 0 {
        match file.write(&block[..size]) {
            Ok(n) if n > 0 => written += n as u64,
            _ => size /= 2,
        }
    }
    written
}

/// Sends each item once; what each got: a 2xx is `Ok`, a 503 with `Retry-After` is `Err(())`,
/// anything else fails the test (a 500, a crash, a refusal the outbox would drop the item on).
async fn send_each(
    client: &reqwest::Client,
    base: &str,
    items: &[Item],
    tally: &Mutex<Tally>,
) -> Vec<Result<(), ()>> {
    let mut outcomes = Vec::new();
    for item in items {
        let before = tally.lock().unwrap().wrong.len();
        let sent = send(client, base, item, tally).await;
        let t = tally.lock().unwrap();
        assert_eq!(t.wrong.len(), before, "{:#?}", t.wrong);
        outcomes.push(match sent {
            Sent::Done => Ok(()),
            Sent::Again(_) => Err(()),
        });
    }
    outcomes
}

fn integrity(database: &Path) -> String {
    let db =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    db.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn stored_ids(database: &Path, table: &str) -> Vec<String> {
    let db =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut ids = db.prepare(&format!("SELECT id FROM {table}")).unwrap();
    let rows = ids.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_503_keeps_the_database_whole_and_ingest_resumes_when_space_returns() {
    let disk = match SmallDisk::mount("24m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: the full-disk test mounts a small tmpfs, and cannot here: {why}");
            return;
        }
    };
    let started = Instant::now();
    let database: PathBuf = disk.path().join("hark.db");
    let database_url = format!("sqlite://{}", database.display());
    let site = create_site(&database_url, SHOP);
    let mut collector = serve(&database_url).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let tally = Mutex::new(Tally::default());
    let batch = |from: usize, n: usize| -> Vec<Item> {
        (from..from + n)
            .map(|i| {
                if i % 8 == 0 {
                    Item::complaint(&site, i)
                } else {
                    Item::answer(&site, i)
                }
            })
            .collect()
    };

    // Room to spare: everything is taken.
    let items = batch(0, 200);
    let outcomes = send_each(&client, &collector.base, &items, &tally).await;
    assert!(outcomes.iter().all(Result::is_ok));

    // The disk fills up. Answers that fit in what the files have already are taken; then
    // every one is a 503, and the collector keeps serving.
    let filler = disk.path().join("filler");
    let filled = fill(&filler);
    let mut refused: Vec<Item> = Vec::new();
    let mut taken_while_full = 0;
    let mut n = 200;
    while refused.len() < 50 {
        assert!(
            n < 20_000,
            "20,000 submissions on a full disk and only {} refused",
            refused.len()
        );
        let items = batch(n, 50);
        n += 50;
        for (item, outcome) in items
            .iter()
            .zip(send_each(&client, &collector.base, &items, &tally).await)
        {
            match outcome {
                Ok(()) => taken_while_full += 1,
                Err(()) => refused.push(item.clone()),
            }
        }
        collector.assert_running();
    }
    let refused_complaints = refused.iter().filter(|i| i.path == COMPLAINTS).count();
    assert!(
        refused_complaints > 0,
        "no complaint was refused on the full disk"
    );
    // `/healthz` reads; it still answers.
    let health = client
        .get(format!("{}/healthz", collector.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        integrity(&database),
        "ok",
        "the database is damaged while full"
    );

    // Space returns: what was refused is sent again with its id, as the outbox does, and is
    // taken within a few tries; so are new answers.
    std::fs::remove_file(&filler).unwrap();
    let mut waiting = refused.clone();
    for round in 0.. {
        assert!(
            round < 20,
            "{} still refused after space returned",
            waiting.len()
        );
        let outcomes = send_each(&client, &collector.base, &waiting, &tally).await;
        let mut left = Vec::new();
        for (item, outcome) in waiting.into_iter().zip(outcomes) {
            if outcome.is_err() {
                left.push(item);
            }
        }
        waiting = left;
        if waiting.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let items = batch(n, 100);
    let outcomes = send_each(&client, &collector.base, &items, &tally).await;
    assert!(
        outcomes.iter().all(Result::is_ok),
        "new answers refused after space returned"
    );
    collector.assert_running();

    // Killed, not stopped: what was acknowledged is on the disk, once, in a whole database.
    drop(collector);
    assert_eq!(integrity(&database), "ok");
    let tally = tally.into_inner().unwrap();
    for (table, path) in [("responses", RESPONSES), ("complaints", COMPLAINTS)] {
        let ids = stored_ids(&database, table);
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(unique.len(), ids.len());
        assert_eq!(unique, ids_of(&tally, path), "{table}");
    }
    eprintln!(
        "filled {} KiB; {} requests: {} acknowledged ({} on the full disk, {} replays), \
         {} 503s ({} complaints refused), all taken again once space returned, in {:.1} s",
        filled / 1024,
        tally.sent,
        tally.acknowledged.len(),
        taken_while_full,
        tally.replays,
        tally.unavailable,
        refused_complaints,
        started.elapsed().as_secs_f64()
    );
}
