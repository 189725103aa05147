//! The real `hark` binary as the tests of whole processes run it (`crash.rs`, `cluster.rs`,
//! `faults.rs`): a command that prints JSON, and `hark serve` on a port, killed when dropped.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `hark serve` process, killed when dropped, so that a failing test leaves none behind.
pub(super) struct Collector {
    pub(super) child: Child,
    pub(super) base: String,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Collector {
    /// Fails the test if the process has exited.
    pub(super) fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("hark serve exited ({status})");
        }
    }
}

/// `hark` with only what the test says: its database, warnings only, no configuration file.
pub(super) fn hark(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hark"));
    command
        .env("HARK_DATABASE_URL", database_url)
        .env("HARK_LOG", "warn")
        .env_remove("HARK_CONFIG");
    command
}

/// Runs a `hark` command that prints one JSON object.
pub(super) fn hark_json(database_url: &str, args: &[&str]) -> Value {
    let out = hark(database_url)
        .args(args)
        .output()
        .expect("cannot run hark");
    assert!(
        out.status.success(),
        "hark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("hark printed one JSON object")
}

/// `hark site create` for a site named Shop whose pages are on `origin`: its key.
pub(super) fn create_site(database_url: &str, origin: &str) -> String {
    hark_json(
        database_url,
        &[
            "site", "create", "--name", "Shop", "--origin", origin, "--json",
        ],
    )["key"]
        .as_str()
        .expect("the new site's key")
        .to_owned()
}

/// A port nobody listened on a moment ago: for a peer a test means to start later (a webhook
/// receiver), never for `hark serve`, which picks its own (`serve_with`).
pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `hark serve` on a port it picks itself, with `args` and the environment's `envs` besides,
/// once it answers `/healthz` (`start`).
pub(super) async fn serve_with(
    database_url: &str,
    args: &[&str],
    envs: &[(&str, String)],
) -> Collector {
    let mut command = hark(database_url);
    command
        .arg("serve")
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null());
    start(command).await
}

/// Starts `serve`, a `hark serve` command, on a port it picks itself (`--listen 127.0.0.1:0`),
/// and returns once it answers `/healthz`. The port is read from its log ("hark is serving",
/// in JSON): a port found free beforehand could be taken by another test's process before this
/// one binds it, and then the test would talk to that one. Its log goes to the test's output
/// with `TEST_LOG`; its standard output is as `serve` says.
pub(super) async fn start(mut serve: Command) -> Collector {
    let mut child = serve
        .args(["--listen", "127.0.0.1:0"])
        // Warnings, and the line that says where it listens.
        .env("HARK_LOG", "warn,collector::cli=info")
        .env("HARK_LOG_JSON", "true")
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start hark serve");
    let (address_tx, mut address_rx) = tokio::sync::mpsc::unbounded_channel();
    let stderr = child.stderr.take().expect("piped");
    // Read to the end, so that the process never waits on a full pipe.
    std::thread::spawn(move || {
        let echo = std::env::var_os("TEST_LOG").is_some();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if echo {
                eprintln!("{line}");
            }
            if let Some(address) = serving_address(&line) {
                let _ = address_tx.send(address);
            }
        }
    });
    let mut collector = Collector {
        child,
        base: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let address = loop {
        collector.assert_running();
        // Waited for on the runtime, not on its thread: other tasks of the test go on.
        match tokio::time::timeout(Duration::from_millis(50), address_rx.recv()).await {
            Ok(Some(address)) => break address,
            // Its log ended: it is exiting, which `assert_running` soon sees.
            Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(_) => {}
        }
        assert!(
            Instant::now() < deadline,
            "hark serve did not say where it listens within 30 s"
        );
    };
    collector.base = format!("http://{address}");
    let client = reqwest::Client::new();
    loop {
        collector.assert_running();
        let health = client
            .get(format!("{}/healthz", collector.base))
            .send()
            .await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return collector;
        }
        assert!(
            Instant::now() < deadline,
            "hark serve did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The address in `hark serve`'s JSON log line "hark is serving", if `line` is that one.
fn serving_address(line: &str) -> Option<String> {
    let entry: Value = serde_json::from_str(line).ok()?;
    let fields = &entry["fields"];
    (fields["message"] == "hark is serving")
        .then(|| fields["address"].as_str().map(str::to_owned))
        .flatten()
}
