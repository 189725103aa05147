//! The inbox at 100,000 complaints (`cargo xtask bench`, after ingest): complaints are filed
//! through `POST /api/v1/complaints` as the widget files them (16 connections), a tenth are
//! resolved through the admin API, and then the dashboard's reads are timed one at a time:
//! the list (with its queue counts) unfiltered and by each filter, text search, sorting by
//! priority, and the case page. Budget: p95 ≤ 50 ms for each.

use super::bench::{Connection, Ids, ORIGIN};
use anyhow::{bail, Context as _, Result};
use std::time::{Duration, Instant};

pub(crate) const COMPLAINTS: usize = 100_000;
const WRITERS: usize = 16;
const SAMPLES: usize = 200;
const MAX_P95: Duration = Duration::from_millis(50);

const CATEGORIES: [&str; 6] = [
    "Product defect",
    "Service failure",
    "Billing",
    "Delivery",
    "Website",
    "Other",
];

/// Words complaints are made of; a few are rare, so that a search finds few.
const WORDS: [&str; 24] = [
    "order", "parcel", "late", "broken", "refund", "charged", "twice", "checkout", "coupon",
    "login", "page", "error", "support", "call", "lid", "cracked", "courier", "tracking",
    "invoice", "wrong", "size", "colour", "missing", "slow",
];

/// One timed read: its name and its p50 and p95.
pub(crate) struct Timing {
    pub(crate) what: String,
    pub(crate) p50: Duration,
    pub(crate) p95: Duration,
}

impl Timing {
    /// One line: `what` (inbox, insight) on `engine`.
    pub(crate) fn print(&self, engine: &str, what: &str) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let verdict = if self.p95 <= MAX_P95 {
            "within"
        } else {
            "OVER"
        };
        println!(
            "  {:<44} {:>9.2} {:>9.2}  {verdict} (p95 ≤ 50 ms)",
            format!("{what} {engine}: {}", self.what),
            ms(self.p50),
            ms(self.p95)
        );
    }
}

fn request(method: &str, port: u16, path: &str, auth: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Files `COMPLAINTS` complaints on `site` and resolves every tenth; the ids of a sample.
fn seed(port: u16, site: &str, token: &str) -> Result<Vec<String>> {
    let origin = format!("origin: {ORIGIN}\r\n");
    let started = Instant::now();
    let per_writer = COMPLAINTS / WRITERS;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (site, origin, token) = (site.to_owned(), origin.clone(), token.to_owned());
            std::thread::spawn(move || -> Result<Vec<String>> {
                let mut ids = Ids::new(100 + w);
                let mut conn = Connection::open(port)?;
                let mut kept = Vec::new();
                let auth = format!("authorization: Bearer {token}\r\n");
                for i in 0..per_writer {
                    let n = w * per_writer + i;
                    let mut pick = |k: u64| WORDS[(ids.next() % k) as usize];
                    let text = format!(
                        "{} {} {} {} #{n}",
                        pick(24),
                        pick(24),
                        pick(16),
                        pick(24)
                    );
                    let id = ids.next_uuid();
                    let body = format!(
                        r#"{{"id":"{id}","site_key":"{site}","kind":"problem","category":"{}","description":"{text}","impact":{},"dwell_ms":5000,"page_url":"http://bench.test/cart"}}"#,
                        CATEGORIES[n % CATEGORIES.len()],
                        1 + n % 4
                    );
                    let status = conn.exchange(&request(
                        "POST",
                        port,
                        "/api/v1/complaints",
                        &origin,
                        &body,
                    ))?;
                    if status != 201 {
                        bail!("filing a complaint: {status}");
                    }
                    if n.is_multiple_of(10) {
                        let path = format!("/api/v1/admin/sites/{site}/complaints/{id}/status");
                        let status = conn.exchange(&request(
                            "POST",
                            port,
                            &path,
                            &auth,
                            r#"{"status":"resolved"}"#,
                        ))?;
                        if status != 200 {
                            bail!("resolving a complaint: {status}");
                        }
                    }
                    if n.is_multiple_of(500) {
                        kept.push(id);
                    }
                }
                Ok(kept)
            })
        })
        .collect();
    let mut kept = Vec::new();
    for w in writers {
        kept.extend(
            w.join()
                .map_err(|_| anyhow::anyhow!("a writer panicked"))??,
        );
    }
    let took = started.elapsed();
    println!(
        "  seeded {} complaints in {:.1} s ({:.0}/s, a tenth resolved)",
        per_writer * WRITERS,
        took.as_secs_f64(),
        (per_writer * WRITERS) as f64 / took.as_secs_f64()
    );
    Ok(kept)
}

/// p50 and p95 of `SAMPLES` sequential GETs of the paths `path` makes.
pub(crate) fn time(
    conn: &mut Connection,
    port: u16,
    auth: &str,
    what: &str,
    mut path: impl FnMut(usize) -> String,
) -> Result<Timing> {
    let mut took = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let req = request("GET", port, &path(i), auth, "");
        let start = Instant::now();
        let status = conn.exchange(&req)?;
        took.push(start.elapsed());
        if status != 200 {
            bail!("{what}: {status} {}", String::from_utf8_lossy(conn.body()));
        }
    }
    took.sort();
    let q = |p: f64| took[((took.len() as f64 * p).ceil() as usize).clamp(1, took.len()) - 1];
    Ok(Timing {
        what: what.to_owned(),
        p50: q(0.5),
        p95: q(0.95),
    })
}

/// A `GET` that must answer 200; its body.
pub(crate) fn get(conn: &mut Connection, port: u16, auth: &str, path: &str) -> Result<Vec<u8>> {
    let status = conn.exchange(&request("GET", port, path, auth, ""))?;
    if status != 200 {
        bail!("{path}: {status} {}", String::from_utf8_lossy(conn.body()));
    }
    Ok(conn.body().to_vec())
}

/// Seeds the inbox of a server on `port` with a site `site` (created with the bench's origin)
/// and a viewer `token`, then times its reads.
pub(crate) fn measure(port: u16, site: &str, token: &str) -> Result<Vec<Timing>> {
    let sample = seed(port, site, token).context("seeding the inbox")?;
    let auth = format!("authorization: Bearer {token}\r\n");
    let mut conn = Connection::open(port)?;
    let list = format!("/api/v1/admin/sites/{site}/complaints?limit=50");
    let mut timings = Vec::new();
    for (what, query) in [
        ("list, newest first", ""),
        ("status=active", "&status=active"),
        ("status=resolved", "&status=resolved"),
        ("priority=P1", "&priority=P1"),
        ("category=Billing", "&category=Billing"),
        ("assignee=none (the unassigned queue)", "&assignee=none"),
        ("sort=priority", "&sort=priority"),
        ("text search, a common word", "&q=refund"),
        ("text search, one complaint", "&q=%2399999"),
        (
            "status + priority + category",
            "&status=active&priority=P2&category=Delivery",
        ),
    ] {
        timings.push(time(&mut conn, port, &auth, what, |_| {
            format!("{list}{query}")
        })?);
    }
    // The second page, from the first's cursor.
    let first = request("GET", port, &list, &auth, "");
    conn.exchange(&first)?;
    let body: serde_json::Value = serde_json::from_slice(conn.body())?;
    let next = body["next"].as_str().context("no next page")?.to_owned();
    timings.push(time(&mut conn, port, &auth, "the next page", |_| {
        format!("{list}&after={next}")
    })?);
    timings.push(time(&mut conn, port, &auth, "a case's page", |i| {
        format!(
            "/api/v1/admin/sites/{site}/complaints/{}",
            sample[i % sample.len()]
        )
    })?);
    Ok(timings)
}
