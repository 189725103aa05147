//! E-mail notifications through a real SMTP server the test starts (Python's `aiosmtpd`,
//! installed by `cargo xtask setup`, printing each message it receives): the hot-stove alert of
//! a complaint filed from the shop reaches the site's admins, in plain text with an HTML
//! alternative in which the customer's words are escaped.

#[path = "support/app.rs"]
mod app;

use app::{uuid, Harness, SHOP};
use collector::access::Role;
use reqwest::header::ORIGIN;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An SMTP server, killed when dropped; what it printed so far.
struct SmtpServer {
    child: Child,
    port: u16,
    printed: Arc<Mutex<String>>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// `aiosmtpd` on a free port, once it takes connections; `None` (outside CI) without it.
fn smtp_server() -> Option<SmtpServer> {
    let Some(path) = std::env::var_os("HARK_PYTHONPATH") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "HARK_PYTHONPATH is not set: run the tests through `cargo xtask test`"
        );
        eprintln!("HARK_PYTHONPATH is not set: the SMTP test is skipped");
        return None;
    };
    let port = free_port();
    let mut child = Command::new("python3")
        .args([
            "-u",
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
        ])
        .env("PYTHONPATH", path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start python3 -m aiosmtpd");
    let printed: Arc<Mutex<String>> = Arc::default();
    let out = child.stdout.take().unwrap();
    let sink = printed.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not listen within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(SmtpServer {
        child,
        port,
        printed,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hot_stove_alert_is_mailed_to_the_sites_admins() {
    let Some(smtp) = smtp_server() else { return };
    let harness = Harness::new().await.smtp(
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "Hark <hark@shop.test>",
    );
    let site = harness.site("Shop", &[SHOP]).await;
    for (email, role) in [
        ("boss@shop.test", Role::Admin),
        ("agent@shop.test", Role::Agent),
    ] {
        let id = harness.store.create_user(email, "x", 0).await.unwrap();
        harness
            .store
            .set_membership(id, &site.key, role, 0)
            .await
            .unwrap();
    }
    let served = harness.serve().await;
    let response = served
        .client
        .post(format!("{}/api/v1/complaints", served.base))
        .header(ORIGIN, SHOP)
        .json(&json!({
            "id": uuid(), "site_key": site.key, "kind": "problem",
            "description": "I was charged twice <b>today</b>", "impact": 3, "dwell_ms": 5000,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let filed: Value = response.json().await.unwrap();
    let reference = filed["reference"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(20);
    let mail = loop {
        let printed = smtp.printed.lock().unwrap().clone();
        if printed.contains("END MESSAGE") {
            break printed;
        }
        assert!(Instant::now() < deadline, "no mail within 20 s: {printed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The bodies are quoted-printable: undo its soft line breaks and `=3D`.
    let mail = mail.replace("=\n", "").replace("=3D", "=");
    assert!(mail.contains("To: boss@shop.test"), "{mail}");
    assert!(
        !mail.contains("agent@shop.test"),
        "agents are not alerted: {mail}"
    );
    assert!(
        mail.contains(&format!(
            "Subject: [Hark] Hot stove: {reference} needs someone now"
        )),
        "{mail}"
    );
    assert!(mail.contains("From: Hark <hark@shop.test>"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains("text/plain") && mail.contains("text/html"),
        "{mail}"
    );
    assert!(
        mail.contains("I was charged twice <b>today</b>"),
        "the text part: {mail}"
    );
    assert!(
        mail.contains("I was charged twice &lt;b&gt;today&lt;/b&gt;"),
        "the HTML part escapes it: {mail}"
    );
    assert_eq!(
        mail.matches("END MESSAGE").count(),
        1,
        "one message: {mail}"
    );
}
