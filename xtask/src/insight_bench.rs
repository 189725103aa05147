//! The overview at 1 M and 10 M answers (`cargo xtask bench`, after the inbox): a year of NPS
//! answers, generated in the database by SQL (`sqlite3` / `psql`: ingest at these volumes would
//! take the bench an hour and measures nothing new), folded into the rollups by
//! `hark insight rebuild` (timed: it is what an operator waits for after a restore), then the
//! dashboard's overview for the last 90 days timed one request at a time, unfiltered and in one
//! segment (`device:mobile`). Budget: p95 ≤ 50 ms for each, on both engines.
//!
//! The answers vary in score (drifting over the year), device, browser, locale and page; each
//! engine's database grows from 1 M to 10 M between the two measurements.

use super::bench::Connection;
use super::inbox_bench::{get, time, Timing};
use super::step;
use anyhow::{bail, Context as _, Result};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub(crate) const SIZES: [u64; 2] = [1_000_000, 10_000_000];
const YEAR_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// How an engine's database is written to directly.
pub(crate) enum Sql<'a> {
    Sqlite(&'a Path),
    Postgres { psql: &'a Path, url: String },
}

impl Sql<'_> {
    fn run(&self, sql: &str) -> Result<String> {
        let out = match self {
            Sql::Sqlite(file) => Command::new("sqlite3")
                .arg(file)
                .arg(sql)
                .output()
                .context("cannot run sqlite3: run `cargo xtask setup`")?,
            Sql::Postgres { psql, url } => Command::new(psql)
                .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
                .arg(url)
                .arg("-c")
                .arg(sql)
                .output()
                .context("cannot run psql")?,
        };
        if !out.status.success() {
            bail!("SQL failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Adds answers `from .. to` of `total` (spread evenly over the year before `now`).
    fn generate(&self, site: i64, from: u64, to: u64, total: u64, now: i64) -> Result<()> {
        let start = now - YEAR_MS;
        let step_ms = YEAR_MS / total as i64;
        let sql = match self {
            Sql::Sqlite(_) => format!(
                "PRAGMA synchronous = OFF;
                 WITH RECURSIVE seq(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM seq WHERE i < {to} - 1),
                 gen(i, r, s) AS (SELECT i, abs(random()), abs(random()) FROM seq)
                 INSERT INTO responses (id, site_id, survey_key, answers, received_at, page_path,
                     device, browser, locale, survey_version)
                 SELECT printf('00000000-0000-7000-8000-%012x', i), {site}, 'nps',
                     '[{{\"type\":\"nps\",\"question_id\":\"q1\",\"score\":' ||
                         min(10, (s % 11 + (i * 3 / {total}))) || '}}]',
                     {start} + i * {step_ms},
                     CASE r % 5 WHEN 0 THEN '/' WHEN 1 THEN '/checkout' WHEN 2 THEN '/products/' || (r % 1000)
                         WHEN 3 THEN '/account' ELSE '/help' END,
                     CASE r % 3 WHEN 0 THEN 'mobile' WHEN 1 THEN 'desktop' ELSE 'tablet' END,
                     CASE (r / 3) % 4 WHEN 0 THEN 'Chrome' WHEN 1 THEN 'Safari' WHEN 2 THEN 'Firefox' ELSE 'Edge' END,
                     CASE (r / 12) % 5 WHEN 0 THEN 'en-US' WHEN 1 THEN 'de-DE' WHEN 2 THEN 'fr-FR' WHEN 3 THEN 'es-ES' ELSE 'en-GB' END,
                     1
                 FROM gen;"
            ),
            Sql::Postgres { .. } => format!(
                "INSERT INTO responses (id, site_id, survey_key, answers, received_at, page_path,
                     device, browser, locale, survey_version)
                 SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, {site}, 'nps',
                     ('[{{\"type\":\"nps\",\"question_id\":\"q1\",\"score\":' ||
                         least(10, s % 11 + (i * 3 / {total})) || '}}]')::jsonb,
                     {start} + i * {step_ms},
                     (ARRAY['/', '/checkout', '/products/' || (r % 1000), '/account', '/help'])[1 + r % 5],
                     (ARRAY['mobile', 'desktop', 'tablet'])[1 + r % 3],
                     (ARRAY['Chrome', 'Safari', 'Firefox', 'Edge'])[1 + (r / 3) % 4],
                     (ARRAY['en-US', 'de-DE', 'fr-FR', 'es-ES', 'en-GB'])[1 + (r / 12) % 5],
                     1
                 FROM (SELECT i, (random() * 1e9)::bigint AS r, (random() * 1e9)::bigint AS s
                       FROM generate_series({from}::bigint, {to}::bigint - 1) AS i) g;
                 ANALYZE responses;"
            ),
        };
        self.run(&sql).map(|_| ())
    }
}

/// One engine: a site, then for each size, answers added up to it, the rollups rebuilt, and the
/// overview timed. `hark_json` runs the CLI on the engine's database; `serve` starts a server
/// on it and returns its port (and a guard that stops it).
pub(crate) fn measure<S>(
    engine: &str,
    sql: &Sql<'_>,
    hark_json: &dyn Fn(&[&str]) -> Result<serde_json::Value>,
    serve: &dyn Fn() -> Result<(u16, S)>,
) -> Result<Vec<(u64, f64, Vec<Timing>)>> {
    let (site, token) = super::bench::site_and_token(&hark_json, "Insight", "viewer")?;
    let site_id: i64 = sql
        .run(&format!("SELECT id FROM sites WHERE key = '{site}'"))?
        .parse()
        .context("no site id")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let mut results = Vec::new();
    let mut have = 0;
    for total in SIZES {
        step(&format!(
            "insight on {engine}: generating answers up to {total}"
        ));
        // Each size spreads its answers over the whole year: the first million are every
        // 31.5 s, the next nine million fill in between them.
        sql.generate(site_id, have, total, total, now)?;
        have = total;
        step(&format!(
            "insight on {engine}: hark insight rebuild at {total}"
        ));
        let started = Instant::now();
        let rebuilt = hark_json(&["insight", "rebuild", "--site", &site, "--json"])?;
        let rebuild_s = started.elapsed().as_secs_f64();
        if rebuilt["answers"].as_u64() != Some(total) {
            bail!("the rebuild folded {rebuilt}, not {total} answers");
        }
        let (port, _server) = serve()?;
        let auth = format!("authorization: Bearer {token}\r\n");
        let mut conn = Connection::open(port)?;
        let overview = format!("/api/v1/admin/sites/{site}/insight/overview");
        // Warm the caches, and check that the numbers are there.
        let body = get(&mut conn, port, &auth, &overview)?;
        let body: serde_json::Value = serde_json::from_slice(&body)?;
        let n = body["scores"][0]["score"]["n"].as_u64().unwrap_or(0);
        if n < total / 5 {
            bail!("the overview counted {n} answers in 90 days of {total} in a year");
        }
        let timings = vec![
            time(&mut conn, port, &auth, "90 days", |_| overview.clone())?,
            time(&mut conn, port, &auth, "90 days, device:mobile", |_| {
                format!("{overview}?segment=device:mobile")
            })?,
            time(&mut conn, port, &auth, "365 days, page:/checkout", |_| {
                format!(
                    "{overview}?from={}&segment=page:/checkout",
                    date(now - YEAR_MS + 86_400_000)
                )
            })?,
        ];
        results.push((total, rebuild_s, timings));
    }
    Ok(results)
}

/// `YYYY-MM-DD` of a time (UTC), by the civil-from-days algorithm.
fn date(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn print(engine: &str, results: &[(u64, f64, Vec<Timing>)]) {
    for (total, rebuild_s, timings) in results {
        println!(
            "  {:<44} {:>9.1} s",
            format!("insight {engine}: rebuild at {}M", total / 1_000_000),
            rebuild_s
        );
        for t in timings {
            t.print(&format!("{engine} {}M", total / 1_000_000), "insight");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_796_342_400_000), "2026-12-04");
        assert_eq!(super::date(951_782_400_000), "2000-02-29");
    }
}
