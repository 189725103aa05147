//! The soak (`cargo xtask bench`, its last section): `hark serve` on SQLite taking answers at a
//! fixed rate (1,000 a second unless `--soak-rate` says otherwise) for `--soak-minutes`
//! (10 unless told), while a dashboard reads the inbox, the answers and the insight overview
//! every quarter of a second. Every `SAMPLE` it reads the collector's resident memory
//! (`VmRSS` in `/proc/PID/status`) and what was answered meanwhile; the verdict holds it flat:
//! the median of the last minute's samples within 10 % of the median of the minute after the
//! warm-up (the first fifth of the run, at least a minute). A server that cannot keep the rate
//! is not hidden: the rate it achieved is printed with each sample.

use super::bench::{cli, serve_on, site_and_token, within, Connection, Ids, ORIGIN};
use super::step;
use anyhow::{bail, Context as _, Result};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the memory is read.
const SAMPLE: Duration = Duration::from_secs(10);
/// The connections the answers are spread over, each on its own schedule.
const CONNECTIONS: usize = 16;
/// How often the dashboard reads one of its pages.
const READ_EVERY: Duration = Duration::from_millis(250);
/// The budget: growth after the warm-up.
const MAX_GROWTH: f64 = 0.10;

/// What the soak asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Soak {
    pub(crate) minutes: f64,
    pub(crate) rate: u64,
}

impl Default for Soak {
    fn default() -> Self {
        Self {
            minutes: 10.0,
            rate: 1_000,
        }
    }
}

/// Counts the load threads keep.
#[derive(Default)]
struct Counts {
    answered: AtomicU64,
    errors: AtomicU64,
    reads: AtomicU64,
    read_errors: AtomicU64,
}

/// One sample: seconds since the start, resident kB, answers and errors in the interval.
struct Sample {
    at_s: f64,
    rss_kb: u64,
    rate: f64,
    errors: u64,
    reads: u64,
}

pub(crate) fn soak(hark: &Path, work: &Path, soak: Soak) -> Result<()> {
    let db = work.join("soak.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let database_url = format!("sqlite://{}", db.display());
    let hark_json = cli(hark, &database_url);
    let (site, token) = site_and_token(&hark_json, "Soak", "admin")?;
    let (port, server) = serve_on(hark, &database_url, "hark-soak.log")?;
    let pid = server.pid();
    let duration = Duration::from_secs_f64(soak.minutes * 60.0);
    let warm_up = (duration / 5)
        .max(Duration::from_secs(60))
        .min(duration / 2);
    step(&format!(
        "soak on SQLite: {} answers/s and dashboard reads for {:.1} min (warm-up {:.1} min)",
        soak.rate,
        soak.minutes,
        warm_up.as_secs_f64() / 60.0
    ));

    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now() + Duration::from_millis(200);
    let interval = Duration::from_secs_f64(CONNECTIONS as f64 / soak.rate.max(1) as f64);
    let mut threads = Vec::new();
    for thread in 0..CONNECTIONS {
        let (counts, stop, site) = (counts.clone(), stop.clone(), site.clone());
        threads.push(std::thread::spawn(move || -> Result<()> {
            let mut ids = Ids::new(thread);
            let mut conn = Connection::open(port)?;
            let mut due = start + interval * thread as u32 / CONNECTIONS as u32;
            while !stop.load(Ordering::Relaxed) {
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let body = format!(
                    r#"{{"id":"{}","site_key":"{site}","survey_id":"nps","answers":[{{"type":"nps","question_id":"q1","score":{}}}],"page_url":"http://bench.test/cart"}}"#,
                    ids.next_uuid(),
                    ids.next() % 11
                );
                let request = format!(
                    "POST /api/v1/responses HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\
                     origin: {ORIGIN}\r\ncontent-type: text/plain;charset=UTF-8\r\n\
                     content-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let status = conn.exchange(request.as_bytes())?;
                if (200..300).contains(&status) {
                    counts.answered.fetch_add(1, Ordering::Relaxed);
                } else {
                    counts.errors.fetch_add(1, Ordering::Relaxed);
                }
                // A server that fell behind is not sent a burst to catch up: the achieved
                // rate says it fell behind.
                due = (due + interval).max(Instant::now() - interval);
            }
            Ok(())
        }));
    }
    {
        let (counts, stop) = (counts.clone(), stop.clone());
        let pages = [
            format!("/api/v1/admin/sites/{site}/complaints?limit=50"),
            format!("/api/v1/admin/sites/{site}/responses?limit=50"),
            format!("/api/v1/admin/sites/{site}/insight/overview"),
        ];
        threads.push(std::thread::spawn(move || -> Result<()> {
            let mut conn = Connection::open(port)?;
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let request = format!(
                    "GET {} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\
                     authorization: Bearer {token}\r\n\r\n",
                    pages[i % pages.len()]
                );
                i += 1;
                if conn.exchange(request.as_bytes())? == 200 {
                    counts.reads.fetch_add(1, Ordering::Relaxed);
                } else {
                    counts.read_errors.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(READ_EVERY);
            }
            Ok(())
        }));
    }

    println!();
    println!(
        "  {:>8} {:>10} {:>10} {:>8} {:>8}",
        "min", "RSS MB", "answers/s", "errors", "reads"
    );
    let mut samples = Vec::new();
    let (mut answered, mut errors, mut reads) = (0, 0, 0);
    let mut last = Instant::now();
    let failed = loop {
        std::thread::sleep(SAMPLE.min(duration.saturating_sub(start.elapsed())));
        let now = Instant::now();
        if let Some(t) = threads.iter().position(|t| t.is_finished()) {
            // A load thread ended early: its error says why.
            break Some(t);
        }
        let (a, e, r) = (
            counts.answered.load(Ordering::Relaxed),
            counts.errors.load(Ordering::Relaxed),
            counts.reads.load(Ordering::Relaxed),
        );
        let sample = Sample {
            at_s: start.elapsed().as_secs_f64(),
            rss_kb: rss_kb(pid)?,
            rate: (a - answered) as f64 / (now - last).as_secs_f64(),
            errors: e - errors,
            reads: r - reads,
        };
        (answered, errors, reads, last) = (a, e, r, now);
        println!(
            "  {:>8.1} {:>10.1} {:>10.0} {:>8} {:>8}",
            sample.at_s / 60.0,
            sample.rss_kb as f64 / 1000.0,
            sample.rate,
            sample.errors,
            sample.reads
        );
        samples.push(sample);
        if start.elapsed() >= duration {
            break None;
        }
    };
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for t in threads {
        outcomes.push(
            t.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a soak thread panicked"))),
        );
    }
    if let Some(t) = failed {
        let why = outcomes.swap_remove(t).err();
        bail!("a soak thread stopped early: {why:?}");
    }
    for outcome in outcomes {
        outcome.context("a soak thread")?;
    }
    let peak_kb = super::bench::peak_rss_kb(pid)?;
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }

    let median = |from_s: f64, to_s: f64| -> Option<u64> {
        let mut in_window: Vec<u64> = samples
            .iter()
            .filter(|s| s.at_s > from_s && s.at_s <= to_s)
            .map(|s| s.rss_kb)
            .collect();
        in_window.sort_unstable();
        in_window.get(in_window.len() / 2).copied()
    };
    let warm_s = warm_up.as_secs_f64();
    let end_s = samples.last().map_or(0.0, |s| s.at_s);
    let (Some(after_warm_up), Some(at_end)) =
        (median(warm_s, warm_s + 60.0), median(end_s - 60.0, end_s))
    else {
        bail!("too few samples for a verdict");
    };
    let growth = at_end as f64 / after_warm_up as f64 - 1.0;
    let total = counts.answered.load(Ordering::Relaxed);
    let sustained = total as f64 / end_s.max(1.0);
    println!();
    println!(
        "  soak: {total} answers in {:.1} min ({sustained:.0}/s of {} offered), {} errors, \
         {} dashboard reads ({} failed)",
        end_s / 60.0,
        soak.rate,
        counts.errors.load(Ordering::Relaxed),
        counts.reads.load(Ordering::Relaxed),
        counts.read_errors.load(Ordering::Relaxed)
    );
    println!(
        "  RSS after warm-up {:.1} MB, at the end {:.1} MB (medians of a minute), peak {:.1} MB: \
         {:+.1} % {}",
        after_warm_up as f64 / 1000.0,
        at_end as f64 / 1000.0,
        peak_kb as f64 / 1000.0,
        growth * 100.0,
        within(growth < MAX_GROWTH, "growth < 10 % after warm-up")
    );
    Ok(())
}

/// The memory a process has resident now.
fn rss_kb(pid: u32) -> Result<u64> {
    super::bench::proc_status_kb(pid, "VmRSS:")
}
