//! The real `hark` binary as the tests of whole processes run it (`crash.rs`, `cluster.rs`,
//! `faults.rs`): a command that prints JSON, and `hark serve` on a port, killed when dropped.
#![allow(dead_code)]

use serde_json::Value;
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
fn hark(database_url: &str) -> Command {
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

/// A port nobody listened on a moment ago.
pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `hark serve` on `port`, with `args` and the environment's `envs` besides, once it answers
/// `/healthz`. Its log goes to the test's output with `TEST_LOG`.
pub(super) async fn serve_with(
    database_url: &str,
    port: u16,
    args: &[&str],
    envs: &[(&str, String)],
) -> Collector {
    let child = hark(database_url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("cannot start hark serve");
    let mut collector = Collector {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
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
