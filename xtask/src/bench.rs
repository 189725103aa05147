//! `cargo xtask bench`: measures ingest against the budgets in DESIGN.md, on this machine, in one
//! run, over loopback only.
//!
//! It builds `hark` (profile `server`, as `dist` does) and the `noop` example (an axum server on
//! the same axum and tokio whose `POST /noop` answers `201`), then drives each with the same
//! request bodies (an NPS answer with a fresh UUID each time) from a load generator here:
//! - closed loop: `CONNECTIONS` keep-alive connections, each sending its next request as soon as
//!   the last is answered, for `SECONDS`; requests per second and latency percentiles;
//! - fixed rate: `FIXED_RATE` requests per second spread over the connections, for `SECONDS`;
//!   latency is measured from when a request was due, not when it went out, so that a stalled
//!   server is not hidden by a load generator that waited for it (coordinated omission); the
//!   requests per second printed are the achieved rate, over the time until the last answer.
//!
//! The load generator is plain blocking sockets, one thread per connection: no HTTP library
//! between the clock and the wire. It runs on the same cores as the servers, as any loopback
//! benchmark does, so the numbers are a lower bound and noisy when something else is busy.
//! It is the same generator, with the same connections and the same bytes, for the no-op and
//! for ingest; each run prints the CPU it used itself (`gen cores`) beside the server's CPU
//! time per answer (`srv µs/r`), which does not depend on how the cores were shared, and how
//! much of the machine's CPU time went unused (`idle`: idle or waiting for the disk, over every
//! core, from `/proc/stat`): where the no-op keeps every core busy, a server that leaves cores
//! idle is held back by waiting (for its disk, or for a thread), not by its CPU. SQLite's
//! closed loop runs `ROUNDS` times, each right after a closed loop of the no-op and right before
//! another; each round's ratio is taken against the faster of the two no-op runs beside it (a
//! baseline slowed by something else on the machine would flatter ingest), and the budget is
//! checked on the median round's. The machine's speed drifts by ±10 % between runs a minute
//! apart (a VM's neighbours): a single pair would pass or fail on the drift. The no-op also runs
//! at the fixed rate: the latency floor of the machine and the generator.
//!
//! `hark` runs with its default settings (log level `info`), rate limits aside; its log is
//! `bench/hark-ENGINE.log` in the target directory.
//!
//! Then the inbox (`inbox_bench.rs`): 100,000 complaints filed on each engine, and the
//! dashboard's reads timed one at a time against a p95 of 50 ms. `--no-inbox` skips it,
//! `--inbox-only` runs only it. Then the alerts: complaint ingest with and without a webhook
//! receiver that never answers (which may cost at most 5 %), and (`alerts_bench.rs`) hot-stove
//! webhooks from the 201 to their arrival and how late SLA timers run on the real clock. `--no-alerts` skips them,
//! `--alerts-only` runs only them.
//!
//! Then the insight overview (`insight_bench.rs`): a year of answers generated in each
//! engine's database, 1 M then 10 M, the rollups rebuilt by `hark insight rebuild`, and the
//! overview's reads timed against a p95 of 50 ms. `--no-insight` skips it, `--insight-only`
//! runs only it.
//!
//! Then the imports (`import_bench.rs`): 100,000 answers and 100,000 complaints from CSV, rows
//! per second. `--no-imports` skips them, `--imports-only` runs only them.
//!
//! Then the dashboard's first screen in headless Chromium (`dashboard_bench.rs`): from
//! navigation until interactive, cold and warm, on loopback and on a throttled link.
//! `--no-dashboard` skips it, `--dashboard-only` runs only it (both need the bundles, so
//! `--no-dist` skips it too).
//!
//! Last, the soak (`soak_bench.rs`): answers at 1,000 a second and dashboard reads for 10
//! minutes, the collector's RSS sampled and held flat after the warm-up (growth under 10 %).
//! `--no-soak` skips it, `--soak-only` runs only it; `--soak-minutes N` and `--soak-rate N`
//! make it shorter or lighter, e.g. to try it.
//!
//! `--sqlite-only` skips PostgreSQL. `--no-dist` builds `hark` without the wasm bundles (ingest does not use them); `--hark PATH`
//! and `--noop PATH` measure binaries already built, e.g. two versions in one sitting.

use super::{dist, run, step, target_dir};
use anyhow::{bail, Context as _, Result};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 64;
/// How many times SQLite's closed loop runs, each between two of the no-op's (odd: a median).
const ROUNDS: usize = 3;
const SECONDS: u64 = 10;
const FIXED_RATE: u64 = 5_000;
const COMPLAINTS: &str = "/api/v1/complaints";
/// A receiver that never answers may cost complaint ingest at most this share of its rate.
const MAX_DEAD_RECEIVER_COST: f64 = 0.05;
pub(crate) const ORIGIN: &str = "http://bench.test";

/// Budgets from DESIGN.md.
const MIN_INGEST_SHARE: f64 = 0.5;
const MAX_P99_AT_FIXED_RATE: Duration = Duration::from_millis(25);
const MAX_RSS_KB: u64 = 50 * 1000;

pub(crate) fn run_bench(args: &[String]) -> Result<()> {
    let mut args = args.iter();
    let (mut no_dist, mut given, mut given_noop) = (false, None, None);
    let mut with_postgres = true;
    let (mut with_inbox, mut inbox_only) = (true, false);
    let (mut with_alerts, mut alerts_only) = (true, false);
    let (mut with_insight, mut insight_only) = (true, false);
    let (mut with_imports, mut imports_only) = (true, false);
    let (mut with_dashboard, mut dashboard_only) = (true, false);
    let (mut with_soak, mut soak_only) = (true, false);
    let mut soak = super::soak_bench::Soak::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-dist" => no_dist = true,
            "--sqlite-only" => with_postgres = false,
            "--no-inbox" => with_inbox = false,
            "--inbox-only" => inbox_only = true,
            "--no-alerts" => with_alerts = false,
            "--alerts-only" => alerts_only = true,
            "--no-insight" => with_insight = false,
            "--insight-only" => insight_only = true,
            "--no-imports" => with_imports = false,
            "--imports-only" => imports_only = true,
            "--no-dashboard" => with_dashboard = false,
            "--dashboard-only" => dashboard_only = true,
            "--no-soak" => with_soak = false,
            "--soak-only" => soak_only = true,
            "--soak-minutes" => {
                soak.minutes = args
                    .next()
                    .and_then(|m| m.parse().ok())
                    .filter(|m: &f64| *m >= 1.0)
                    .context("--soak-minutes needs a number of minutes, at least 1")?
            }
            "--soak-rate" => {
                soak.rate = args
                    .next()
                    .and_then(|r| r.parse().ok())
                    .filter(|r: &u64| *r > 0)
                    .context("--soak-rate needs a number of answers a second")?
            }
            "--hark" => given = Some(PathBuf::from(args.next().context("--hark needs a path")?)),
            "--noop" => {
                given_noop = Some(PathBuf::from(args.next().context("--noop needs a path")?))
            }
            other => bail!("unknown bench option {other:?}"),
        }
    }
    if no_dist {
        // The dashboard's bundle is what it measures.
        if dashboard_only {
            bail!("--dashboard-only needs the bundles: leave out --no-dist");
        }
        with_dashboard = false;
    }
    let hark = match given {
        Some(path) => path,
        None if no_dist => {
            // Ingest does not touch the bundles; this skips Trunk and the wasm toolchain.
            step("building the hark binary without bundles (profile server)");
            run(super::cargo()
                .args(["build", "--profile", "server", "--package", "collector"])
                .args(["--bin", "hark"])
                .env_remove("HARK_DIST_DIR"))?;
            target_dir().join("server").join("hark")
        }
        None => dist()?,
    };
    if soak_only {
        let work = target_dir().join("bench");
        std::fs::create_dir_all(&work)?;
        println!();
        println!("  machine: {}", machine());
        return super::soak_bench::soak(&hark, &work, soak);
    }
    if alerts_only {
        println!();
        println!("  machine: {}", machine());
        return alerts(&hark);
    }
    if dashboard_only {
        let work = target_dir().join("bench");
        std::fs::create_dir_all(&work)?;
        println!();
        println!("  machine: {}", machine());
        return super::dashboard_bench::measure(&hark, &work);
    }
    if imports_only {
        let work = target_dir().join("bench");
        std::fs::create_dir_all(&work)?;
        println!();
        println!("  machine: {}", machine());
        return super::import_bench::imports(&hark, &work);
    }
    if insight_only {
        let work = target_dir().join("bench");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work)?;
        println!();
        println!("  machine: {}", machine());
        return insight(&hark, &work, with_postgres);
    }
    if inbox_only {
        let work = target_dir().join("bench");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work)?;
        println!();
        println!("  machine: {}", machine());
        return inbox(&hark, &work, with_postgres);
    }
    let noop = match given_noop {
        Some(path) => path,
        None => {
            step("building the no-op axum server (profile server)");
            run(super::cargo().args([
                "build",
                "--profile",
                "server",
                "--package",
                "collector",
                "--example",
                "noop",
            ]))?;
            target_dir().join("server").join("examples").join("noop")
        }
    };

    let work = target_dir().join("bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;

    println!();
    println!("  machine: {}", machine());
    println!("  load:    {CONNECTIONS} keep-alive connections, {SECONDS} s per run, loopback");
    println!();

    // The baseline.
    let port = free_port()?;
    let server = Server::spawn(Command::new(&noop).arg(format!("127.0.0.1:{port}")), port)?;
    let noop_target = Target::new(port, server.pid(), "/noop", None);
    step("no-op: closed loop");
    let first_baseline = closed_loop(&noop_target)?;
    // The latency floor of this machine and load generator at the budget's rate, for reading
    // ingest's p99 against (no budget of its own).
    step(&format!("no-op: {FIXED_RATE} requests/s"));
    let baseline_fixed = fixed_rate(&noop_target, FIXED_RATE)?;

    // SQLite, a fresh file, its closed loop in rounds between the no-op's.
    let sqlite_url = format!("sqlite://{}", work.join("hark.db").display());
    let (sqlite, baseline) = measure_ingest(
        "SQLite",
        &hark,
        &sqlite_url,
        Some((&noop_target, first_baseline)),
    )?;
    drop(server);
    let baseline = baseline.context("the SQLite rounds give a baseline")?;

    let postgres = if with_postgres {
        Some(measure_postgres(&hark)?)
    } else {
        None
    };

    println!();
    println!(
        "  {:<34} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}  budget",
        "run", "req/s", "p50 ms", "p99 ms", "errors", "srv µs/r", "gen cores", "idle"
    );
    baseline.print(
        "axum no-op, closed loop",
        "(the faster beside the median round)",
    );
    baseline_fixed.print(&format!("axum no-op, {FIXED_RATE}/s offered"), "(floor)");
    let engines: Vec<(&str, &Ingest)> = std::iter::once(("SQLite", &sqlite))
        .chain(postgres.as_ref().map(|m| ("PostgreSQL", m)))
        .collect();
    for &(engine, m) in &engines {
        let share = m.closed.rate() / baseline.rate();
        let verdict = if engine == "SQLite" {
            let rounds: Vec<String> = m
                .shares
                .iter()
                .map(|s| format!("{:.0} %", s * 100.0))
                .collect();
            format!(
                "{} (median of rounds: {})",
                within(share >= MIN_INGEST_SHARE, "≥ 50 % of no-op"),
                rounds.join(", ")
            )
        } else {
            "(no budget)".to_owned()
        };
        m.closed.print(
            &format!("ingest {engine}, closed loop"),
            &format!(
                "{:.0} % of no-op {verdict}; {:.1}/commit",
                share * 100.0,
                m.closed_batch
            ),
        );
        m.fixed.print(
            &format!("ingest {engine}, {FIXED_RATE}/s offered"),
            &format!(
                "{}; {:.1}/commit",
                within(m.fixed.p(0.99) <= MAX_P99_AT_FIXED_RATE, "p99 ≤ 25 ms"),
                m.fixed_batch
            ),
        );
    }
    println!(
        "  srv µs/r: the server's CPU time per answer; gen cores: the CPU this load generator \
         used;\n  idle: the machine's CPU time left unused (idle, or waiting for the disk), \
         over every core;\n  /commit: answers per group commit (transaction), on average"
    );
    for &(engine, m) in &engines {
        println!(
            "  {:<34} {:>9.1} MB peak RSS (VmHWM)  {}",
            format!("collector on {engine}"),
            m.peak_rss_kb as f64 / 1000.0,
            within(m.peak_rss_kb <= MAX_RSS_KB, "≤ 50 MB")
        );
    }
    if with_inbox {
        inbox(&hark, &work, with_postgres)?;
    }
    if with_alerts {
        alerts(&hark)?;
    }
    if with_insight {
        insight(&hark, &work, with_postgres)?;
    }
    if with_imports {
        super::import_bench::imports(&hark, &work)?;
    }
    if with_dashboard {
        super::dashboard_bench::measure(&hark, &work)?;
    }
    if with_soak {
        super::soak_bench::soak(&hark, &work, soak)?;
    }
    println!();
    Ok(())
}

/// Hot-stove webhooks and SLA timers on the real clock, on SQLite (`alerts_bench.rs`).
fn alerts(hark: &Path) -> Result<()> {
    let work = target_dir().join("bench");
    std::fs::create_dir_all(&work)?;
    let db = work.join("alerts.db");
    let _ = std::fs::remove_file(&db);
    let database_url = format!("sqlite://{}", db.display());
    let hark_json = cli(hark, &database_url);
    let (site, token) = site_and_token(&hark_json, "Alerts", "admin")?;
    let port = free_port()?;
    let server = Server::spawn(
        Command::new(hark)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--webhook-allow", "127.0.0.0/8"])
            .args(["--rate-limit-per-client", "4000000000"])
            .args(["--rate-limit-per-site", "4000000000"])
            .env("HARK_DATABASE_URL", &database_url)
            .stderr(std::fs::File::create(work.join("hark-alerts.log"))?),
        port,
    )?;

    // Complaint ingest without a webhook and with one to a receiver that takes connections and
    // never answers: each complaint is an event for it, each delivery waits out its timeout.
    // The two alternate, A B B A A B B A, so that neither gains from running on the smaller
    // database or on a quieter moment of the machine.
    let target = Target::new(port, server.pid(), COMPLAINTS, Some(site.clone()));
    let hole = TcpListener::bind("127.0.0.1:0")?;
    let hole_port = hole.local_addr()?.port();
    std::thread::spawn(move || {
        // Held open, never read, never answered.
        let mut held = Vec::new();
        for stream in hole.incoming() {
            held.push(stream);
        }
    });
    let mut conn = Connection::open(port)?;
    let mut admin = |method: &str, path: &str, body: &str| -> Result<(u16, Vec<u8>)> {
        let status = conn.exchange(
            format!(
                "{method} /api/v1/admin/sites/{site}/webhooks{path} HTTP/1.1\r\n\
                 host: 127.0.0.1:{port}\r\nauthorization: Bearer {token}\r\n\
                 content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )?;
        Ok((status, conn.body().to_vec()))
    };
    let measure = |runs: &mut Vec<Run>, what: &str| -> Result<()> {
        step(&format!(
            "complaints on SQLite: closed loop, {what} ({}/4)",
            runs.len() + 1
        ));
        let run = closed_loop(&target)?;
        println!("    {:.0} req/s", run.rate());
        runs.push(run);
        Ok(())
    };
    let dead = "a webhook receiver that never answers";
    let hook =
        format!(r#"{{"url":"http://127.0.0.1:{hole_port}/hook","events":["complaint.created"]}}"#);
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        measure(&mut without, "no webhook")?;
        let (status, created) = admin("POST", "", &hook)?;
        if status != 201 {
            bail!("adding the dead receiver's webhook: {status}");
        }
        measure(&mut with, dead)?;
        measure(&mut with, dead)?;
        // Removed with its backlog, so that the next runs without one have none.
        let id = serde_json::from_slice::<serde_json::Value>(&created)?["id"]
            .as_i64()
            .context("no endpoint id")?;
        let (status, _) = admin("DELETE", &format!("/{id}"), "")?;
        if status != 204 {
            bail!("removing the dead receiver's webhook: {status}");
        }
        measure(&mut without, "no webhook")?;
    }
    let (without, with) = (Run::combine(without), Run::combine(with));
    let kept = with.rate() / without.rate();
    println!();
    println!(
        "  {:<34} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7}  budget",
        "run (4 × 10 s each, interleaved)",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "srv µs/r",
        "gen cores",
        "idle"
    );
    without.print("complaints SQLite, no webhook", "");
    with.print(
        "complaints SQLite, dead receiver",
        &format!(
            "{:.1} % of the rate without {}",
            kept * 100.0,
            within(kept >= 1.0 - MAX_DEAD_RECEIVER_COST, "(≥ 95 %, same run)")
        ),
    );

    step("alerts on SQLite: hot-stove webhooks and SLA timers");
    super::alerts_bench::measure(port, &site, &token)
}

/// The inbox at 100,000 complaints on each engine (`inbox_bench.rs`).
fn inbox(hark: &Path, work: &Path, with_postgres: bool) -> Result<()> {
    let sqlite_url = format!("sqlite://{}", work.join("inbox.db").display());
    let mut results = vec![("SQLite", inbox_on("SQLite", hark, &sqlite_url)?)];
    if with_postgres {
        let postgres_bin = super::setup::postgres_bin_dir().context(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run `cargo xtask setup`",
        )?;
        let pg_dir =
            std::env::temp_dir().join(format!("hark-bench-inbox-pg-{}", std::process::id()));
        let postgres = Postgres::start(&postgres_bin, &pg_dir)?;
        let result = inbox_on("PostgreSQL", hark, &postgres.url());
        drop(postgres);
        let _ = std::fs::remove_dir_all(&pg_dir);
        results.push(("PostgreSQL", result?));
    }
    println!();
    println!(
        "  {:<44} {:>9} {:>9}  budget   ({} complaints, one request at a time)",
        "inbox read",
        "p50 ms",
        "p95 ms",
        super::inbox_bench::COMPLAINTS
    );
    for (engine, timings) in &results {
        for t in timings {
            t.print(engine, "inbox");
        }
    }
    Ok(())
}

fn inbox_on(
    engine: &str,
    hark: &Path,
    database_url: &str,
) -> Result<Vec<super::inbox_bench::Timing>> {
    let hark_json = cli(hark, database_url);
    let (site, token) = site_and_token(&hark_json, "Inbox", "admin")?;
    let (port, _server) = serve_on(hark, database_url, &format!("hark-inbox-{engine}.log"))?;
    step(&format!("inbox on {engine}: seeding and reading"));
    super::inbox_bench::measure(port, &site, &token)
}

/// A site on the bench's origin, named `name`, and an API token of `role` on it, made with the
/// CLI (`hark_json`, see `cli`).
pub(crate) fn site_and_token(
    hark_json: &dyn Fn(&[&str]) -> Result<serde_json::Value>,
    name: &str,
    role: &str,
) -> Result<(String, String)> {
    let site = hark_json(&[
        "site", "create", "--name", name, "--origin", ORIGIN, "--json",
    ])?;
    let site = site["key"].as_str().context("no site key")?.to_owned();
    let token = hark_json(&["token", "create", "--site", &site, "--role", role, "--json"])?;
    let token = token["token"].as_str().context("no token")?.to_owned();
    Ok((site, token))
}

/// `hark ARGS` on a database, its standard output read as JSON.
pub(crate) fn cli(
    hark: &Path,
    database_url: &str,
) -> impl Fn(&[&str]) -> Result<serde_json::Value> {
    let (hark, database_url) = (hark.to_owned(), database_url.to_owned());
    move |args: &[&str]| {
        let out = Command::new(&hark)
            .args(args)
            .env("HARK_DATABASE_URL", &database_url)
            .output()?;
        if !out.status.success() {
            bail!(
                "hark {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }
}

/// `hark serve` on a database without rate limits, logging to `log` in the bench directory;
/// its port, and the server (stopped when dropped).
pub(crate) fn serve_on(hark: &Path, database_url: &str, log: &str) -> Result<(u16, Server)> {
    let port = free_port()?;
    let server = Server::spawn(
        Command::new(hark)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit-per-client", "4000000000"])
            .args(["--rate-limit-per-site", "4000000000"])
            .env("HARK_DATABASE_URL", database_url)
            .stderr(std::fs::File::create(target_dir().join("bench").join(log))?),
        port,
    )?;
    Ok((port, server))
}

/// The overview at 1 M and 10 M answers on each engine (`insight_bench.rs`).
fn insight(hark: &Path, work: &Path, with_postgres: bool) -> Result<()> {
    use super::insight_bench::{self, Sql};
    let file = work.join("insight.db");
    let sqlite_url = format!("sqlite://{}", file.display());
    let hark_json = cli(hark, &sqlite_url);
    let sqlite = insight_bench::measure("SQLite", &Sql::Sqlite(&file), &hark_json, &|| {
        serve_on(hark, &sqlite_url, "hark-insight-SQLite.log")
    })?;
    let mut results = vec![("SQLite", sqlite)];
    if with_postgres {
        let postgres_bin = super::setup::postgres_bin_dir().context(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run `cargo xtask setup`",
        )?;
        let pg_dir =
            std::env::temp_dir().join(format!("hark-bench-insight-pg-{}", std::process::id()));
        let postgres = Postgres::start(&postgres_bin, &pg_dir)?;
        let url = postgres.url();
        let hark_json = cli(hark, &url);
        let psql = which_psql(&postgres_bin);
        let result = insight_bench::measure(
            "PostgreSQL",
            &Sql::Postgres {
                psql: &psql,
                url: url.clone(),
            },
            &hark_json,
            &|| serve_on(hark, &url, "hark-insight-PostgreSQL.log"),
        );
        drop(postgres);
        let _ = std::fs::remove_dir_all(&pg_dir);
        results.push(("PostgreSQL", result?));
    }
    println!();
    println!(
        "  {:<44} {:>9} {:>9}  budget   (a year of answers, one request at a time)",
        "insight read", "p50 ms", "p95 ms"
    );
    for (engine, r) in &results {
        insight_bench::print(engine, r);
    }
    Ok(())
}

/// `psql`: beside the server's binaries, or on `PATH`.
fn which_psql(postgres_bin: &Path) -> PathBuf {
    let beside = postgres_bin.join("psql");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("psql")
    }
}

pub(crate) fn within(ok: bool, budget: &str) -> String {
    format!("{} ({budget})", if ok { "within" } else { "OVER" })
}

/// Ingest on a fresh PostgreSQL cluster with durable commits (fsync on), stopped at the end.
fn measure_postgres(hark: &Path) -> Result<Ingest> {
    let postgres_bin = super::setup::postgres_bin_dir().context(
        "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run `cargo xtask setup`",
    )?;
    // In the system's temp dir: the `postgres` user may not reach into the build directory
    // (it is under root's home by default).
    let pg_dir = std::env::temp_dir().join(format!("hark-bench-pg-{}", std::process::id()));
    let postgres = Postgres::start(&postgres_bin, &pg_dir)?;
    let result = measure_ingest("PostgreSQL", hark, &postgres.url(), None);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&pg_dir);
    Ok(result?.0)
}

/// What one engine did.
struct Ingest {
    /// The closed loop; of the median round when there were rounds.
    closed: Run,
    /// Each round's rate as a share of the faster no-op run beside it, in the order they ran.
    shares: Vec<f64>,
    fixed: Run,
    /// Answers per group commit, on average, in each run.
    closed_batch: f64,
    fixed_batch: f64,
    peak_rss_kb: u64,
}

/// The collector's count of group commits and of the answers in them, from `/metrics`.
struct Batches {
    commits: f64,
    answers: f64,
}

impl Batches {
    fn read(port: u16) -> Result<Self> {
        let mut connection = Connection::open(port)?;
        let status = connection.exchange(
            format!("GET /metrics HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
        )?;
        if status != 200 {
            bail!("GET /metrics answered {status}");
        }
        let text = String::from_utf8_lossy(&connection.body);
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
                .with_context(|| format!("no {name} in /metrics"))
        };
        Ok(Self {
            commits: value("hark_ingest_batch_size_count")?,
            answers: value("hark_ingest_batch_size_sum")?,
        })
    }

    fn mean_since(&self, earlier: &Self) -> f64 {
        (self.answers - earlier.answers) / (self.commits - earlier.commits).max(1.0)
    }
}

/// Measures ingest on one engine. With a no-op target and its first closed loop, the closed
/// loop runs `ROUNDS` times, each followed by one of the no-op's; the no-op run that is the
/// median round's baseline comes back too.
fn measure_ingest(
    engine: &str,
    hark: &Path,
    database_url: &str,
    against: Option<(&Target, Run)>,
) -> Result<(Ingest, Option<Run>)> {
    let out = Command::new(hark)
        .args([
            "site", "create", "--name", "Bench", "--origin", ORIGIN, "--json",
        ])
        .env("HARK_DATABASE_URL", database_url)
        .output()
        .context("cannot run hark site create")?;
    if !out.status.success() {
        bail!(
            "hark site create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let site: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let site_key = site["key"].as_str().context("no site key")?.to_owned();

    let port = free_port()?;
    // Rate limits out of the way: every request comes from one loopback address.
    let server = Server::spawn(
        Command::new(hark)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit-per-client", "4000000000"])
            .args(["--rate-limit-per-site", "4000000000"])
            .env("HARK_DATABASE_URL", database_url)
            // The default log level, as operators run it; the log goes to a file beside the
            // database rather than between the bench's lines.
            .stderr(std::fs::File::create(
                target_dir()
                    .join("bench")
                    .join(format!("hark-{engine}.log")),
            )?),
        port,
    )?;
    let target = Target::new(port, server.pid(), "/api/v1/responses", Some(site_key));
    let before = Batches::read(port)?;
    let (closed, shares, baseline) = match against {
        None => {
            step(&format!("ingest on {engine}: closed loop"));
            (closed_loop(&target)?, Vec::new(), None)
        }
        Some((noop, first)) => {
            let (mut runs, mut noops) = (Vec::new(), vec![first]);
            for round in 1..=ROUNDS {
                step(&format!(
                    "ingest on {engine}: closed loop ({round} of {ROUNDS})"
                ));
                runs.push(closed_loop(&target)?);
                step(&format!("no-op: closed loop, again ({round} of {ROUNDS})"));
                noops.push(closed_loop(noop)?);
            }
            // Round i ran between no-op runs i and i + 1.
            let faster: Vec<usize> = (0..ROUNDS)
                .map(|i| {
                    if noops[i + 1].rate() > noops[i].rate() {
                        i + 1
                    } else {
                        i
                    }
                })
                .collect();
            let shares: Vec<f64> = (0..ROUNDS)
                .map(|i| runs[i].rate() / noops[faster[i]].rate())
                .collect();
            let mut order: Vec<usize> = (0..ROUNDS).collect();
            order.sort_by(|&a, &b| shares[a].total_cmp(&shares[b]));
            let median = order[ROUNDS / 2];
            (
                runs.swap_remove(median),
                shares,
                Some(noops.swap_remove(faster[median])),
            )
        }
    };
    let after_closed = Batches::read(port)?;
    step(&format!("ingest on {engine}: {FIXED_RATE} requests/s"));
    let fixed = fixed_rate(&target, FIXED_RATE)?;
    let after_fixed = Batches::read(port)?;
    let peak_rss_kb = server.peak_rss_kb()?;
    let ingest = Ingest {
        closed,
        shares,
        fixed,
        closed_batch: after_closed.mean_since(&before),
        fixed_batch: after_fixed.mean_since(&after_closed),
        peak_rss_kb,
    };
    Ok((ingest, baseline))
}

/// A server process, killed when dropped.
pub(crate) struct Server(Child);

impl Server {
    fn spawn(cmd: &mut Command, port: u16) -> Result<Self> {
        let child = cmd
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
        let mut server = Server(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if server.0.try_wait()?.is_some() || started.elapsed() > Duration::from_secs(30) {
                bail!("{:?} did not start", cmd.get_program());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }

    /// The most memory the process has had resident.
    fn peak_rss_kb(&self) -> Result<u64> {
        peak_rss_kb(self.0.id())
    }
}

/// The most memory a process has had resident.
pub(crate) fn peak_rss_kb(pid: u32) -> Result<u64> {
    proc_status_kb(pid, "VmHWM:")
}

/// A line of `/proc/PID/status` in kB, by its name (`VmRSS:`).
pub(crate) fn proc_status_kb(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A throwaway PostgreSQL cluster, run as the `postgres` user when this is root (PostgreSQL
/// refuses to run as root), stopped with a fast shutdown when dropped.
struct Postgres {
    server: Child,
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
}

impl Postgres {
    fn start(bin: &Path, dir: &Path) -> Result<Self> {
        step("starting PostgreSQL");
        std::fs::create_dir_all(dir)?;
        if is_root() {
            run(Command::new("chown").arg("-R").arg("postgres:").arg(dir))?;
        }
        run(as_server_user(bin.join("initdb"))
            .arg("--pgdata")
            .arg(dir.join("data"))
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--no-locale", "--no-instructions"])
            .stdout(Stdio::null()))?;
        let port = free_port()?;
        // Durable commits, as in production: no `-F`, `synchronous_commit` left on.
        let server = as_server_user(bin.join("postgres"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
            .arg("-k")
            .arg(dir)
            .args(["-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log"))?)
            .spawn()
            .context("cannot start postgres")?;
        let mut pg = Postgres {
            server,
            port,
            dir: dir.to_owned(),
            bin: bin.to_owned(),
        };
        let started = Instant::now();
        loop {
            let ready = Command::new(bin.join("pg_isready"))
                .args(["--host=127.0.0.1", "--username=postgres", "--quiet"])
                .arg(format!("--port={port}"))
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(pg);
            }
            if pg.server.try_wait()?.is_some() || started.elapsed() > Duration::from_secs(60) {
                bail!(
                    "PostgreSQL did not start; see {}",
                    pg.dir.join("server.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A fast shutdown, by PostgreSQL's own tool as its own user; `runuser` then exits too.
        let stopped = as_server_user(self.bin.join("pg_ctl"))
            .arg("stop")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.server.kill();
        }
        let _ = self.server.wait();
    }
}

/// Where and what to send.
#[derive(Clone)]
struct Target {
    port: u16,
    /// The server's process, whose CPU time each run reports.
    server_pid: u32,
    path: &'static str,
    site_key: String,
}

impl Target {
    fn new(port: u16, server_pid: u32, path: &'static str, site_key: Option<String>) -> Self {
        Self {
            port,
            server_pid,
            path,
            // The no-op gets the same body; its site key is never looked at.
            site_key: site_key.unwrap_or_else(|| "benchsite0000000".to_owned()),
        }
    }

    /// One request: an NPS answer with a fresh id, as the widget sends it (or, to the
    /// complaints' route, a problem report).
    fn request(&self, ids: &mut Ids) -> Vec<u8> {
        let body = if self.path == COMPLAINTS {
            format!(
                r#"{{"id":"{}","site_key":"{}","kind":"problem","description":"The parcel never came","impact":2,"dwell_ms":5000,"page_url":"http://bench.test/orders"}}"#,
                ids.next_uuid(),
                self.site_key
            )
        } else {
            format!(
                r#"{{"id":"{}","site_key":"{}","survey_id":"nps","answers":[{{"type":"nps","question_id":"q1","score":9}}],"page_url":"http://bench.test/cart"}}"#,
                ids.next_uuid(),
                self.site_key
            )
        };
        format!(
            "POST {} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\norigin: {ORIGIN}\r\n\
             content-type: text/plain;charset=UTF-8\r\ncontent-length: {}\r\n\r\n{body}",
            self.path,
            self.port,
            body.len()
        )
        .into_bytes()
    }
}

/// Version 7 UUIDs, as the widget makes them: the Unix time in milliseconds, then random bits
/// from a xorshift generator seeded per thread; unique within a run, with no dependency for it.
pub(crate) struct Ids(u64);

impl Ids {
    pub(crate) fn new(thread: usize) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Ids((nanos ^ ((thread as u64 + 1) << 48)) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn next_uuid(&mut self) -> String {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            (ms >> 16) & 0xffff_ffff,
            ms & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// One keep-alive HTTP/1.1 connection.
pub(crate) struct Connection {
    reader: BufReader<TcpStream>,
    line: String,
    body: Vec<u8>,
}

impl Connection {
    pub(crate) fn open(port: u16) -> Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(stream),
            line: String::new(),
            body: Vec::new(),
        })
    }

    /// Sends one request and reads its response; the response's status.
    pub(crate) fn exchange(&mut self, request: &[u8]) -> Result<u16> {
        self.reader.get_mut().write_all(request)?;
        self.line.clear();
        self.reader.read_line(&mut self.line)?;
        let status: u16 = self
            .line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an HTTP status line: {:?}", self.line))?;
        let mut length = None;
        loop {
            self.line.clear();
            if self.reader.read_line(&mut self.line)? == 0 {
                bail!("the server closed the connection");
            }
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        // A 204 or 304 has no body, and may not say so.
        let length = match status {
            204 | 304 => length.unwrap_or(0),
            _ => length.context("a response without content-length")?,
        };
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body)?;
        Ok(status)
    }

    /// The last response's body.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Latencies and failures of one run.
struct Run {
    latencies_us: Vec<u32>,
    errors: usize,
    elapsed: Duration,
    /// CPU time (user and system) the server and this load generator used during the run.
    server_cpu: Duration,
    generator_cpu: Duration,
    /// The machine's CPU time (every core) during the run, and how much of it was idle.
    machine: Ticks,
}

impl Run {
    fn rate(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile of the latencies (sorted in `merge`).
    fn p(&self, q: f64) -> Duration {
        if self.latencies_us.is_empty() {
            return Duration::MAX;
        }
        let i = ((self.latencies_us.len() as f64 * q).ceil() as usize)
            .clamp(1, self.latencies_us.len());
        Duration::from_micros(u64::from(self.latencies_us[i - 1]))
    }

    fn print(&self, what: &str, note: &str) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let answered = self.latencies_us.len() + self.errors;
        println!(
            "  {what:<34} {:>9.0} {:>9.2} {:>9.2} {:>7} {:>9.1} {:>9.2} {:>5.0} %  {note}",
            self.rate(),
            ms(self.p(0.5)),
            ms(self.p(0.99)),
            self.errors,
            self.server_cpu.as_secs_f64() * 1e6 / answered.max(1) as f64,
            self.generator_cpu.as_secs_f64() / self.elapsed.as_secs_f64(),
            self.machine.idle_share() * 100.0,
        );
    }

    /// Runs of one kind as one: their requests over their time together.
    fn combine(runs: Vec<Run>) -> Run {
        let mut all = Run {
            latencies_us: Vec::new(),
            errors: 0,
            elapsed: Duration::ZERO,
            server_cpu: Duration::ZERO,
            generator_cpu: Duration::ZERO,
            machine: Ticks::default(),
        };
        for r in runs {
            all.latencies_us.extend(r.latencies_us);
            all.errors += r.errors;
            all.elapsed += r.elapsed;
            all.server_cpu += r.server_cpu;
            all.generator_cpu += r.generator_cpu;
            all.machine.total += r.machine.total;
            all.machine.idle += r.machine.idle;
        }
        all.latencies_us.sort_unstable();
        all
    }

    fn merge(
        parts: Vec<Result<(Vec<u32>, usize)>>,
        elapsed: Duration,
        server_cpu: Duration,
        generator_cpu: Duration,
        machine: Ticks,
    ) -> Result<Run> {
        let mut latencies_us = Vec::new();
        let mut errors = 0;
        for part in parts {
            let (l, e) = part?;
            latencies_us.extend(l);
            errors += e;
        }
        latencies_us.sort_unstable();
        Ok(Run {
            latencies_us,
            errors,
            elapsed,
            server_cpu,
            generator_cpu,
            machine,
        })
    }
}

/// The machine's CPU time over every core, in clock ticks (100 a second, as in `proc_cpu_time`):
/// how much there was (the wall-clock time times the cores) and how much of it was idle (idle,
/// or waiting for I/O with nothing else to run), from `/proc/stat`. The idle time is measured
/// there as it passes, where the busy time is sampled at each clock tick, which misses short
/// bursts of work between idle spells: the share is taken of the wall-clock time, not of the
/// sum of the fields.
#[derive(Debug, Default, Clone, Copy)]
struct Ticks {
    total: u64,
    idle: u64,
}

/// The idle ticks and the cores counted in `/proc/stat` at one instant.
struct Idle {
    at: Instant,
    idle: u64,
    cores: u64,
}

impl Idle {
    fn now() -> Result<Self> {
        let stat = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
        let line = stat
            .lines()
            .find(|l| l.starts_with("cpu "))
            .context("/proc/stat has no cpu line")?;
        // user nice system idle iowait …
        let field = |i: usize| -> Result<u64> {
            line.split_whitespace()
                .nth(i)
                .and_then(|f| f.parse().ok())
                .context("a malformed cpu line in /proc/stat")
        };
        let cores = stat
            .lines()
            .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
            .count();
        Ok(Self {
            at: Instant::now(),
            idle: field(4)? + field(5)?,
            cores: cores.max(1) as u64,
        })
    }

    fn since(&self, before: &Self) -> Ticks {
        let wall = self.at.saturating_duration_since(before.at);
        Ticks {
            total: (wall.as_secs_f64() * 100.0) as u64 * self.cores,
            idle: self.idle.saturating_sub(before.idle),
        }
    }
}

impl Ticks {
    fn idle_share(self) -> f64 {
        (self.idle as f64 / self.total.max(1) as f64).min(1.0)
    }
}

/// A response is counted when it is a 2xx; anything else is an error and not counted.
fn record(status: u16, took: Duration, latencies: &mut Vec<u32>, errors: &mut usize) {
    if (200..300).contains(&status) {
        latencies.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
    } else {
        *errors += 1;
    }
}

/// Every connection sends its next request as soon as the previous one is answered.
fn closed_loop(target: &Target) -> Result<Run> {
    // A second of warm-up, not counted: connections, caches, the database's first pages.
    drive(target, Duration::from_secs(1), None)?;
    drive(target, Duration::from_secs(SECONDS), None)
}

/// `rate` requests per second in all, each connection on its own schedule.
fn fixed_rate(target: &Target, rate: u64) -> Result<Run> {
    drive(target, Duration::from_secs(SECONDS), Some(rate))
}

fn drive(target: &Target, duration: Duration, rate: Option<u64>) -> Result<Run> {
    let start = Instant::now() + Duration::from_millis(200);
    let (server_before, generator_before) = (cpu_time(target.server_pid)?, own_cpu_time()?);
    let machine_before = Idle::now()?;
    let end = start + duration;
    // At a fixed rate a server that cannot keep up falls ever further behind: the run stops
    // sending at this hard deadline, and the achieved rate tells.
    let give_up = end + duration;
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|thread| {
            let target = target.clone();
            std::thread::spawn(move || -> Result<(Vec<u32>, usize)> {
                let mut ids = Ids::new(thread);
                let mut conn = Connection::open(target.port)?;
                let mut latencies = Vec::new();
                let mut errors = 0;
                let interval = rate.map(|r| Duration::from_secs_f64(CONNECTIONS as f64 / r as f64));
                // Connections start spread over one interval, not all at once.
                let mut due = start
                    + interval.map_or(Duration::ZERO, |i| i * thread as u32 / CONNECTIONS as u32);
                while let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                while due < end && Instant::now() < give_up {
                    let request = target.request(&mut ids);
                    let sent = Instant::now();
                    let status = conn.exchange(&request)?;
                    let done = Instant::now();
                    match interval {
                        None => {
                            record(status, done - sent, &mut latencies, &mut errors);
                            due = done;
                        }
                        Some(interval) => {
                            // From when it was due: a late request counts its wait too.
                            record(status, done - due, &mut latencies, &mut errors);
                            due += interval;
                            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                                std::thread::sleep(wait);
                            }
                        }
                    }
                }
                Ok((latencies, errors))
            })
        })
        .collect();
    let parts = threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a load thread panicked")))
        })
        .collect();
    let elapsed = start.elapsed();
    let server_cpu = cpu_time(target.server_pid)?.saturating_sub(server_before);
    let generator_cpu = own_cpu_time()?.saturating_sub(generator_before);
    let machine = Idle::now()?.since(&machine_before);
    Run::merge(parts, elapsed, server_cpu, generator_cpu, machine)
}

/// The CPU time (user and system, all threads) a process has used, from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Result<Duration> {
    proc_cpu_time(&format!("/proc/{pid}/stat"))
}

/// This process's CPU time: the load generator's (its threads are counted when they end).
fn own_cpu_time() -> Result<Duration> {
    proc_cpu_time("/proc/self/stat")
}

fn proc_cpu_time(path: &str) -> Result<Duration> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    // The command name (field 2) may hold spaces; fields 14 and 15 count after its `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("a malformed /proc stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .context("a malformed /proc stat")
    };
    // utime and stime, fields 14 and 15: the 12th and 13th after the command name.
    let ticks = ticks(11)? + ticks(12)?;
    // Clock ticks are 100 a second on Linux (`getconf CLK_TCK`).
    Ok(Duration::from_millis(ticks * 10))
}

/// A port nobody listened on a moment ago.
pub(crate) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `program` as PostgreSQL's own user when this is root (PostgreSQL refuses to run as root).
fn as_server_user(program: PathBuf) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Cores, memory, CPU model and the load average when the run started.
pub(crate) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gb = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1e6);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores (nproc), {mem_gb:.1} GB memory, {model}; load average {}",
        load.join(" ")
    )
}
