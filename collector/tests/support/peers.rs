//! The real peers the notification tests talk to, shared by the collector's tests and the
//! browser tests: an SMTP server (Python's `aiosmtpd`) and the Standard Webhooks reference
//! library (Python's `standardwebhooks`), both installed by `cargo xtask setup` on
//! `HARK_PYTHONPATH`.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An SMTP server, killed when dropped; what it printed so far.
pub(crate) struct SmtpServer {
    child: Child,
    pub(crate) port: u16,
    printed: Arc<Mutex<String>>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `aiosmtpd`, taking connections, on a port it chose itself; `None` (outside CI) without it.
///
/// The server binds port 0 and prints the port it got before anything else: a port found free
/// here and handed to the server could be taken by another test's peer before the server binds
/// it, and then this test would read one server while its collector mails the other.
pub(crate) fn smtp_server() -> Option<SmtpServer> {
    let Some(path) = std::env::var_os("HARK_PYTHONPATH") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "HARK_PYTHONPATH is not set: run the tests through `cargo xtask test`"
        );
        eprintln!("HARK_PYTHONPATH is not set: the SMTP test is skipped");
        return None;
    };
    // What `python -m aiosmtpd -n` runs (its `Debugging` handler, printing each message), but
    // on a socket bound and listening before its port is printed.
    let script = r#"
import asyncio, socket, sys
from aiosmtpd.handlers import Debugging
from aiosmtpd.smtp import SMTP
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(128)
print(sock.getsockname()[1], flush=True)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(loop.create_server(lambda: SMTP(Debugging(sys.stdout)), sock=sock))
loop.run_forever()
"#;
    let mut child = Command::new("python3")
        .args(["-u", "-c", script])
        .env("PYTHONPATH", path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start python3 with aiosmtpd");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).expect("aiosmtpd's output");
    let Ok(port) = first.trim().parse::<u16>() else {
        let _ = child.kill();
        panic!(
            "aiosmtpd did not start ({:?}): it printed {first:?}",
            child.wait()
        )
    };
    let printed: Arc<Mutex<String>> = Arc::default();
    let sink = printed.clone();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let mut all = sink.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    Some(SmtpServer {
        child,
        port,
        printed,
    })
}

/// Each message the server printed so far, with quoted-printable's soft line breaks and `=3D`
/// undone.
pub(crate) fn messages(smtp: &SmtpServer) -> Vec<String> {
    let printed = smtp.printed.lock().unwrap().clone();
    printed
        .split_inclusive("END MESSAGE")
        .filter(|m| m.contains("END MESSAGE"))
        .map(|m| m.replace("=\n", "").replace("=3D", "="))
        .collect()
}

/// Waits until the server has `n` messages; then a moment more, to catch any extra.
pub(crate) async fn wait_for_messages(smtp: &SmtpServer, n: usize) -> Vec<String> {
    messages_within(smtp, n)
        .await
        .unwrap_or_else(|got| panic!("{n} messages not within 20 s: {got:?}"))
}

/// What `wait_for_messages` waits for, or (`Err`) the messages there were when 20 s had gone
/// by without `n`, so that a test can say more about why.
pub(crate) async fn messages_within(
    smtp: &SmtpServer,
    n: usize,
) -> Result<Vec<String>, Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while messages(smtp).len() < n {
        if Instant::now() >= deadline {
            return Err(messages(smtp));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(messages(smtp))
}

pub(crate) fn to<'a>(all: &'a [String], address: &str) -> Vec<&'a String> {
    let header = format!("To: {address}");
    all.iter().filter(|m| m.contains(&header)).collect()
}

/// Whether the Standard Webhooks reference library verifies `r` with `secret`.
pub(crate) fn verified_by_the_reference_library(
    secret: &str,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &str,
) -> Result<(), String> {
    let script = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
secret, msg_id, ts, sig, body = sys.argv[1:6]
payload = Webhook(secret).verify(body, {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": sig})
print(json.dumps(payload))
"#;
    let Some(path) = std::env::var_os("HARK_PYTHONPATH") else {
        if std::env::var_os("CI").is_some() {
            panic!("HARK_PYTHONPATH is not set: run the tests through `cargo xtask test`");
        }
        eprintln!("HARK_PYTHONPATH is not set: the reference library's check is skipped");
        return Ok(());
    };
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args([secret, id, timestamp, signature, body])
        .env("PYTHONPATH", path)
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Each message the server received, decoded by Python's own `email` package: the subject,
/// then each text part's content (base64 and quoted-printable undone, headers' encoded words
/// read), so that a test can read words in any language.
pub(crate) fn decoded_messages(smtp: &SmtpServer) -> Vec<String> {
    let printed = smtp.printed.lock().unwrap().clone();
    printed
        .split_inclusive("END MESSAGE")
        .filter(|m| m.contains("END MESSAGE"))
        .map(|m| {
            // Between the server's "MESSAGE FOLLOWS" and "END MESSAGE" lines.
            let raw: String = m
                .lines()
                .skip_while(|l| !l.contains("MESSAGE FOLLOWS"))
                .skip(1)
                .take_while(|l| !l.contains("END MESSAGE"))
                .map(|l| format!("{l}\n"))
                .collect();
            let mut child = Command::new("python3")
                .args([
                    "-c",
                    "import sys, email\nfrom email import policy\n\
                     m = email.message_from_string(sys.stdin.read(), policy=policy.default)\n\
                     print('To: ' + str(m['to']))\nprint('Subject: ' + str(m['subject']))\n\
                     [print(p.get_content()) for p in m.walk() if p.get_content_maintype() == 'text']",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("python3 runs");
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(raw.trim_start().as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect()
}
