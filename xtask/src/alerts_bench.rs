//! Alerts on the real clock (`cargo xtask bench`, after the inbox; `--alerts-only` runs only
//! this): hot-stove complaints are filed one at a time and the time from each 201 to its
//! `complaint.hot_stove` webhook at a local receiver is measured (goal ≤ 2 s); then SLA timers
//! fall due (a one-minute first-response target, warned at half of it) and how late each ran is
//! read from the collector's `hark_job_lateness_seconds` histogram (budget p99 ≤ 1 s).

use super::bench::{Connection, Ids, ORIGIN};
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ALERTS: usize = 50;
const TIMERS: usize = 40;

fn request(method: &str, port: u16, path: &str, auth: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// When each event arrived, by the complaint `description` it carries.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A webhook receiver on a free loopback port.
fn receiver() -> Result<(u16, Arrivals)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let seen: Arrivals = Arc::default();
    let got = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let got = got.clone();
            std::thread::spawn(move || -> Result<()> {
                let mut reader = BufReader::new(stream.try_clone()?);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let mut length = 0;
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h)?;
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((n, v)) = h.split_once(':') {
                            if n.eq_ignore_ascii_case("content-length") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body)?;
                    let at = Instant::now();
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
                        if let Some(d) = v["data"]["complaint"]["description"].as_str() {
                            got.lock().unwrap().entry(d.to_owned()).or_insert(at);
                        }
                    }
                    (&stream).write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")?;
                }
            });
        }
    });
    Ok((port, seen))
}

fn quantile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Measures on a collector on `port` (started with `--webhook-allow 127.0.0.0/8`) with `site`
/// and its admin `token`; prints the figures.
pub(crate) fn measure(port: u16, site: &str, token: &str) -> Result<()> {
    let auth = format!("authorization: Bearer {token}\r\n");
    let origin = format!("origin: {ORIGIN}\r\n");
    let mut conn = Connection::open(port)?;
    let (hook_port, seen) = receiver()?;
    let admin = |conn: &mut Connection, method: &str, path: &str, body: &str| -> Result<u16> {
        conn.exchange(&request(
            method,
            port,
            &format!("/api/v1/admin/sites/{site}{path}"),
            &auth,
            body,
        ))
    };
    let created = admin(
        &mut conn,
        "POST",
        "/webhooks",
        &format!(
            r#"{{"url":"http://127.0.0.1:{hook_port}/hook","events":["complaint.hot_stove"]}}"#
        ),
    )?;
    if created != 201 {
        bail!(
            "adding the webhook: {created} {}",
            String::from_utf8_lossy(conn.body())
        );
    }
    let mut ids = Ids::new(7);
    let file = |conn: &mut Connection, ids: &mut Ids, text: &str| -> Result<Instant> {
        let body = format!(
            r#"{{"id":"{}","site_key":"{site}","kind":"problem","description":"{text}","impact":2,"dwell_ms":5000}}"#,
            ids.next_uuid()
        );
        let status = conn.exchange(&request("POST", port, "/api/v1/complaints", &origin, &body))?;
        if status != 201 {
            bail!("filing a complaint: {status}");
        }
        Ok(Instant::now())
    };
    let mut sent = Vec::new();
    for i in 0..ALERTS {
        let text = format!("I was charged twice, order {i}");
        sent.push((text.clone(), file(&mut conn, &mut ids, &text)?));
        std::thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut took = Vec::new();
    for (text, at) in &sent {
        loop {
            if let Some(arrived) = seen.lock().unwrap().get(text) {
                took.push(arrived.saturating_duration_since(*at));
                break;
            }
            if Instant::now() > deadline {
                bail!("no webhook for {text:?} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!();
    println!(
        "  {:<44} {:>9} {:>9} {:>9}  budget",
        "alerts (real clock)", "p50 ms", "p95 ms", "max ms"
    );
    let max = *took.last().unwrap();
    println!(
        "  {:<44} {:>9.2} {:>9.2} {:>9.2}  {} (goal ≤ 2 s)",
        format!("hot stove: 201 → webhook ({ALERTS})"),
        ms(quantile(&took, 0.5)),
        ms(quantile(&took, 0.95)),
        ms(max),
        if max <= Duration::from_secs(2) {
            "within"
        } else {
            "OVER"
        }
    );

    // SLA timers on the real clock: P3 cases with a one-minute first response, warned at half.
    let status = admin(
        &mut conn,
        "PUT",
        "/business-hours",
        r#"{"time_zone":"UTC","always_open":true}"#,
    )?;
    let policy = r#"{"policies":[{"priority":"P3","first_response":1,"resolution":600,"warn_at_percent":50,"escalation":[]}]}"#;
    let status2 = admin(&mut conn, "PUT", "/sla-policies", policy)?;
    if status != 200 || status2 != 200 {
        bail!("setting business hours and policies: {status}, {status2}");
    }
    for i in 0..TIMERS {
        file(
            &mut conn,
            &mut ids,
            &format!("The lid was cracked, order {i}"),
        )?;
        std::thread::sleep(Duration::from_millis(250));
    }
    super::step(&format!(
        "alerts: waiting for {} SLA timers to fall due",
        TIMERS * 2
    ));
    std::thread::sleep(Duration::from_secs(70));
    let status = conn.exchange(&request("GET", port, "/metrics", "", ""))?;
    if status != 200 {
        bail!("reading /metrics: {status}");
    }
    let metrics = String::from_utf8_lossy(conn.body()).into_owned();
    let buckets: Vec<(f64, u64)> = metrics
        .lines()
        .filter_map(|l| l.strip_prefix("hark_job_lateness_seconds_bucket{le=\""))
        .filter_map(|l| {
            let (le, n) = l.split_once("\"} ")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, n.trim().parse().ok()?))
        })
        .collect();
    let count = buckets.last().map_or(0, |b| b.1);
    let run = metrics
        .lines()
        .filter(|l| l.starts_with("hark_jobs_run_total{kind=\"sla.alarm\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum::<u64>();
    if count == 0 {
        bail!("no timer ran");
    }
    let p = |q: f64| {
        let want = (count as f64 * q).ceil() as u64;
        buckets
            .iter()
            .find(|b| b.1 >= want)
            .map_or(f64::INFINITY, |b| b.0)
    };
    let p99 = p(0.99);
    println!(
        "  {:<44} {:>9} {:>9} {:>9}  {} (p99 ≤ 1 s)",
        format!("timer lateness ({run} SLA alarms)"),
        format!("≤ {:.0}", p(0.5) * 1000.0),
        format!("≤ {:.0}", p(0.95) * 1000.0),
        format!("p99 ≤ {:.0}", p99 * 1000.0),
        if p99 <= 1.0 { "within" } else { "OVER" }
    );
    println!(
        "  (lateness from the collector's histogram: each figure is its bucket's upper bound)"
    );
    Ok(())
}
