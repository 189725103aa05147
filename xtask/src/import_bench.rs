//! The imports (`cargo xtask bench`, after the insight overview): 100,000 answers and 100,000
//! complaints gathered elsewhere, as CSV, imported into a fresh SQLite database by
//! `hark import answers` and `hark import complaints`, timed from the start of the command to
//! its report, with its progress lines counted. Rows per second, on this machine.
//!
//! Answers go in batches of 500 per transaction; each complaint goes through the site's intake
//! rules and its own transaction (it takes the site's next reference), so complaints are
//! slower by design.

use super::step;
use anyhow::{bail, Context as _, Result};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Rows of each file.
const ROWS: u64 = 100_000;

pub(crate) fn imports(hark: &Path, work: &Path) -> Result<()> {
    let dir = work.join("imports");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let database = format!("sqlite://{}", dir.join("hark.db").display());
    let run = |args: &[&str]| -> Result<(String, String, f64)> {
        let started = Instant::now();
        let out = Command::new(hark)
            .args(args)
            .env("HARK_DATABASE_URL", &database)
            .env("HARK_LOG", "warn")
            .env_remove("HARK_CONFIG")
            .output()
            .with_context(|| format!("cannot run {}", hark.display()))?;
        let seconds = started.elapsed().as_secs_f64();
        if !out.status.success() {
            bail!(
                "hark {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok((
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            seconds,
        ))
    };
    let (site, _, _) = run(&[
        "site",
        "create",
        "--name",
        "Imports",
        "--origin",
        "https://shop.example",
        "--json",
    ])?;
    let site: serde_json::Value = serde_json::from_str(&site)?;
    let key = site["key"].as_str().context("no site key")?.to_owned();

    step(&format!(
        "writing {ROWS} answers and {ROWS} complaints as CSV"
    ));
    // A year back from 2026-01-01, every few minutes.
    let start = 1_735_689_600_000_i64;
    let time = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    // The site's default survey: one NPS question.
    let mut answers = String::from("external_id,received_at,survey_id,nps,channel\n");
    let mut complaints = String::from(
        "external_id,received_at,description,channel,category,impact,status,first_response_at,resolved_at\n",
    );
    for i in 0..ROWS as i64 {
        let at = start + i * 300_000;
        let _ = writeln!(answers, "a{i},{},nps,{},email", time(at), i % 11);
        let _ = writeln!(
            complaints,
            "c{i},{},Parcel {i} arrived late,phone,Delivery,{},closed,{},{}",
            time(at),
            1 + i % 4,
            time(at + 2 * 3_600_000),
            time(at + 30 * 3_600_000)
        );
    }
    let (answers_csv, complaints_csv) = (dir.join("answers.csv"), dir.join("complaints.csv"));
    std::fs::write(&answers_csv, answers)?;
    std::fs::write(&complaints_csv, complaints)?;

    println!();
    println!(
        "  {:<44} {:>9} {:>9} {:>11} {:>9}",
        "import (SQLite, fresh database)", "rows", "seconds", "rows/s", "progress"
    );
    for (what, file) in [("answers", &answers_csv), ("complaints", &complaints_csv)] {
        step(&format!("hark import {what}: {ROWS} rows"));
        let path = file.display().to_string();
        let (report, progress, seconds) = run(&["import", what, "--site", &key, &path])?;
        if !report.contains(&format!("imported {ROWS} rows")) {
            bail!("hark import {what} did not import every row: {report}");
        }
        let lines = progress
            .lines()
            .filter(|l| l.ends_with("rows stored"))
            .count();
        println!(
            "  {:<44} {:>9} {:>9.1} {:>11.0} {:>9}",
            format!("hark import {what}"),
            ROWS,
            seconds,
            ROWS as f64 / seconds,
            format!("{lines} lines")
        );
    }
    Ok(())
}
