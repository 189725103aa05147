//! `cargo xtask`: everything that is not plain cargo.
//!
//! - `setup`: installs the tools the build and the tests need, skipping what is present.
//! - `dist`:  builds the widget and the dashboard to wasm, then the `hark` binary with both inside.
//! - `test`:  every check and every test: formatting, lints, unit, API, wasm component and browser.
//! - `demo`:  `dist`, then a collector on SQLite with a demo site and the example shop page.
//! - `bench`: ingest throughput, latency and memory against an axum no-op, on SQLite and PostgreSQL.

mod alerts_bench;
mod bench;
mod dashboard_bench;
mod demo;
mod import_bench;
mod inbox_bench;
mod insight_bench;
mod setup;
mod soak_bench;

use anyhow::{bail, Context as _, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install the wasm target, Trunk, wasm-bindgen, wasm-opt, Chromium and PostgreSQL if missing
  dist    build the widget, the dashboard and the `hark` binary with both embedded
  test    run every check and test (installs what is missing first)
  demo    build, then start a collector on SQLite with a demo site and an example shop page
  bench   measure ingest (SQLite, PostgreSQL) against an axum no-op endpoint, over loopback
          [--no-dist: build `hark` without the wasm bundles, which ingest does not use]
          [--sqlite-only: skip PostgreSQL]
          then the inbox at 100,000 complaints on each engine (list, filters, search, case page)
          [--no-inbox: skip it; --inbox-only: only it]
          [--hark PATH, --noop PATH: measure these binaries instead of building them]
          last a soak: answers at 1,000/s and dashboard reads for 10 minutes, RSS held flat
          [--no-soak: skip it; --soak-only: only it; --soak-minutes N, --soak-rate N]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| ()),
        Some("dist") => dist().map(|_| ()),
        Some("test") => test(),
        Some("demo") => demo::run(),
        Some("bench") => bench::run_bench(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown command {other:?}\n\n{USAGE}")),
    };
    if let Err(e) = result {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

/// The workspace root. `cargo run` gives xtask's own directory at run time; the path baked in
/// at build time is only the fallback, as a binary built in one clone may be reused from a
/// shared target directory by another clone elsewhere.
fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("xtask sits in the workspace")
        .to_owned()
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR`.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

/// Where `dist` puts the wasm bundles that the `hark` binary embeds.
fn dist_dir() -> PathBuf {
    target_dir().join("hark-dist")
}

/// Prints a step the way cargo prints its own.
fn step(what: &str) {
    eprintln!("\x1b[1;32m{:>12}\x1b[0m {what}", "xtask");
}

/// Runs a command in the workspace root, failing with its command line if it fails.
fn run(cmd: &mut Command) -> Result<()> {
    cmd.current_dir(root());
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// `cargo`, as the one running xtask.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// How terser minifies the loader: every byte counts, it is on every page (budget: 2 KB gzip).
const TERSER_ARGS: &[&str] = &[
    "--compress",
    "passes=3,unsafe=true,unsafe_arrows=true,pure_getters=true,booleans_as_integers=true",
    "--mangle",
    "--ecma",
    "2021",
];

/// Builds the widget and the dashboard with Trunk into `dist_dir()`, and minifies the loader
/// into `dist_dir()/loader/widget.js` (the collector embeds it instead of the source).
fn build_bundles(tools: &setup::Tools) -> Result<PathBuf> {
    let dist = dist_dir();
    step("minifying the loader (terser)");
    std::fs::create_dir_all(dist.join("loader"))?;
    run(tools
        .command("terser")
        .arg("widget/loader.js")
        .args(TERSER_ARGS)
        .arg("--output")
        .arg(dist.join("loader").join("widget.js")))?;
    for (name, public_url) in [("widget", "/assets/"), ("dashboard", "/dashboard/")] {
        step(&format!("building the {name} (wasm, release)"));
        let out = dist.join(name);
        run(tools
            .command("trunk")
            // `--offline` takes an optional value: without `=true` it would swallow the next argument.
            .args(["build", "--release", "--offline=true", "--dist"])
            .arg(&out)
            .args(["--public-url", public_url])
            .arg(root().join(name).join("index.html")))?;
        precompress(&out)?;
    }
    Ok(dist)
}

/// Files larger than this are compressed here, once, rather than by every collector at its start
/// (brotli's best on the dashboard's wasm takes seconds and a hundred MB).
const PRECOMPRESS_FROM: u64 = 64 * 1024;

/// Writes `FILE.gz` (zlib's best) and `FILE.br` (brotli's best, a 4 MB window) beside each large
/// file in `dir`, unless they are newer than it; the collector embeds them (`collector/build.rs`).
fn precompress(dir: &Path) -> Result<()> {
    use std::io::Write as _;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !path.is_file()
            || matches!(ext, "gz" | "br")
            || path.metadata()?.len() <= PRECOMPRESS_FROM
        {
            continue;
        }
        let modified = path.metadata()?.modified()?;
        let raw = std::fs::read(&path)?;
        for (suffix, compress) in [("gz", gzip as fn(&[u8]) -> Result<Vec<u8>>), ("br", brotli)] {
            let target = PathBuf::from(format!("{}.{suffix}", path.display()));
            let fresh = target
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= modified);
            if !fresh {
                let bytes = compress(&raw)?;
                let mut file = std::fs::File::create(&target)?;
                file.write_all(&bytes)?;
                step(&format!(
                    "compressed {} ({} → {} bytes)",
                    target.display(),
                    raw.len(),
                    bytes.len()
                ));
            }
        }
    }
    Ok(())
}

fn gzip(raw: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(raw)?;
    Ok(enc.finish()?)
}

fn brotli(raw: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params)?;
    Ok(out)
}

fn dist() -> Result<PathBuf> {
    let tools = setup::run()?;
    let dist = build_bundles(&tools)?;
    step("building the hark binary (profile server)");
    run(cargo()
        .args([
            "build",
            "--profile",
            "server",
            "--package",
            "collector",
            "--bin",
            "hark",
        ])
        .env("HARK_DIST_DIR", &dist))?;
    let bin = target_dir().join("server").join("hark");
    step(&format!("built {}", bin.display()));
    Ok(bin)
}

fn test() -> Result<()> {
    step("checking formatting");
    run(cargo().args(["fmt", "--all", "--check"]))?;
    let tools = setup::run()?;
    let dist = build_bundles(&tools)?;
    // The storage tests start their own PostgreSQL server from these binaries.
    let postgres_bin = setup::postgres_bin_dir()
        .context("setup found no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")?;
    let host = |cmd: &mut Command| -> Result<()> {
        run(cmd
            .env("HARK_DIST_DIR", &dist)
            .env("HARK_CHROMEDRIVER", &tools.chromedriver)
            .env("HARK_CHROMIUM", &tools.chromium)
            .env("HARK_AXE", &tools.axe)
            .env("HARK_XSS_CORPUS", &tools.xss_corpus)
            .env("HARK_PYTHONPATH", &tools.python)
            .env("HARK_POSTGRES_BIN", &postgres_bin))
    };

    step("linting (clippy, warnings are errors)");
    host(cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "widget",
        "--exclude",
        "dashboard",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    host(cargo().args([
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "widget",
        "-p",
        "dashboard",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("unit, API and browser tests");
    host(cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "widget",
        "--exclude",
        "dashboard",
    ]))?;

    step("size budgets");
    host(cargo().args([
        "test",
        "-p",
        "e2e",
        "--test",
        "size",
        "--",
        "--nocapture",
        "--quiet",
    ]))?;

    step("widget and dashboard component tests (wasm, headless Chromium)");
    run(tools
        .command("cargo")
        .args([
            "test",
            "-p",
            "widget",
            "-p",
            "dashboard",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", &tools.chromedriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
    step("all tests passed");
    Ok(())
}
