//! E-mail in, at its boundaries: messages sent with lettre's SMTP client (and, for what lettre
//! will not send, a raw TCP client) to `hark serve`'s own SMTP listener on a free port, and
//! what they became read back through the admin HTTP API. The customer's notification goes out
//! through a real SMTP server (Python's `aiosmtpd`), whose `Reply-To` the customer answers.

#[path = "support/app.rs"]
mod app;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{Harness, MailIn, Served};
use collector::access::Role;
use collector::store::Site;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const DOMAIN: &str = "feedback.test";
const INTAKE: &str = "support@feedback.test";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn mail_in(max_bytes: usize) -> MailIn {
    MailIn {
        domain: DOMAIN.into(),
        max_bytes,
        tls: false,
    }
}

struct App {
    served: Served,
    site: Site,
    admin: String,
}

/// A server taking e-mail in, whose site's intake address is `INTAKE` (set through the API).
async fn app(harness: Harness) -> App {
    let site = harness.site("Shop", &[app::SHOP]).await;
    let admin = harness.token(&site, Role::Admin).await;
    let served = harness.serve().await;
    let r = served
        .client
        .put(format!(
            "{}/api/v1/admin/sites/{}/mail-intake",
            served.base, site.key
        ))
        .bearer_auth(&admin)
        .json(&json!({"address": "Support@Feedback.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["address"], INTAKE);
    App {
        served,
        site,
        admin,
    }
}

impl App {
    fn smtp(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        let at = self.served.smtp.unwrap();
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(at.ip().to_string())
            .port(at.port())
            .build()
    }

    async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.served
            .client
            .get(format!(
                "{}/api/v1/admin/sites/{}{path}",
                self.served.base, self.site.key
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn complaints(&self) -> Vec<Value> {
        let list: Value = self
            .get("/complaints", &self.admin)
            .await
            .json()
            .await
            .unwrap();
        list["complaints"].as_array().unwrap().clone()
    }

    async fn case(&self, id: &str) -> Value {
        let r = self.get(&format!("/complaints/{id}"), &self.admin).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    async fn metrics(&self) -> String {
        self.served
            .client
            .get(format!("{}/metrics", self.served.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

fn message(from: &str, to: &str, subject: &str, text: &str) -> Message {
    Message::builder()
        .from(from.parse::<Mailbox>().unwrap())
        .to(to.parse::<Mailbox>().unwrap())
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text.to_owned())
        .unwrap()
}

/// How many messages had `outcome`, by `/metrics`.
fn counted(metrics: &str, outcome: &str) -> u64 {
    let line = format!("hark_mail_received_total{{outcome=\"{outcome}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .unwrap_or_else(|| panic!("no {line} in {metrics}"))
        .trim()
        .parse()
        .unwrap()
}

/// A raw SMTP client: sends one line and reads one reply (the last line of a multi-line one).
struct Raw {
    io: BufReader<tokio::net::TcpStream>,
}

impl Raw {
    async fn connect(served: &Served) -> (Self, String) {
        let stream = tokio::net::TcpStream::connect(served.smtp.unwrap())
            .await
            .unwrap();
        let mut raw = Self {
            io: BufReader::new(stream),
        };
        let greeting = raw.reply().await;
        (raw, greeting)
    }

    async fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.io.read_line(&mut line).await.unwrap();
            if line.len() < 4 || &line[3..4] != "-" {
                return line.trim_end().to_owned();
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> String {
        self.io.get_mut().write_all(bytes).await.unwrap();
        self.reply().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_message_becomes_a_complaint_with_channel_email() {
    let app = app(Harness::new().await.mail_in(mail_in(1 << 20))).await;
    let sent = app
        .smtp()
        .send(message(
            "Ann Example <ann@customer.test>",
            "Support <support@feedback.test>",
            "Charged twice",
            "My card was charged twice for order 1234.\n\nAnn",
        ))
        .await
        .unwrap();
    assert_eq!(sent.code().to_string(), "250");

    let complaints = app.complaints().await;
    assert_eq!(complaints.len(), 1);
    let c = &complaints[0];
    assert_eq!(c["channel"], "email");
    assert_eq!(c["email"], "ann@customer.test");
    assert_eq!(c["contact_consent"], true);
    assert_eq!(
        c["description"],
        "Charged twice\n\nMy card was charged twice for order 1234.\n\nAnn"
    );
    // Through the same workflow as the widget's: numbered, prioritized, on the SLA clocks.
    assert_eq!(c["status"], "new");
    let view = app.case(c["id"].as_str().unwrap()).await;
    let received = &view["timeline"][0];
    assert_eq!(received["kind"], "received");
    assert_eq!(received["actor"]["type"], "customer");
    assert_eq!(received["detail"], "by e-mail to support@feedback.test");
    assert!(!view["complaint"]["sla"].as_array().unwrap().is_empty());
    assert_eq!(counted(&app.metrics().await, "complaint"), 1);
}

async fn postgres_harness() -> Harness {
    let url = postgres_server::shared().fresh_database().await;
    let store = collector::store::open(&url).await.unwrap();
    Harness::on(store, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_the_notification_threads_onto_its_case_without_the_quote_on_sqlite() {
    a_reply_to_the_notification_threads_onto_its_case_without_the_quote(Harness::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_the_notification_threads_onto_its_case_without_the_quote_on_postgres() {
    a_reply_to_the_notification_threads_onto_its_case_without_the_quote(postgres_harness().await)
        .await;
}

async fn a_reply_to_the_notification_threads_onto_its_case_without_the_quote(harness: Harness) {
    let Some(outgoing) = peers::smtp_server() else {
        return;
    };
    let harness = harness
        .smtp(
            &format!("smtp://127.0.0.1:{}", outgoing.port),
            "Shop <support@feedback.test>",
        )
        .mail_in(mail_in(1 << 20));
    let app = app(harness).await;
    let smtp = app.smtp();
    for (who, subject) in [("ann", "Parcel missing"), ("bob", "Wrong size")] {
        smtp.send(message(
            &format!("{who}@customer.test"),
            INTAKE,
            subject,
            "Please help.",
        ))
        .await
        .unwrap();
    }
    // Each customer is told their case was received, with the case's reply address.
    let mails = peers::wait_for_messages(&outgoing, 2).await;
    let to_ann = peers::to(&mails, "ann@customer.test");
    assert_eq!(to_ann.len(), 1, "{mails:?}");
    let reply_to = to_ann[0]
        .lines()
        .find_map(|l| l.strip_prefix("Reply-To: "))
        .expect("a Reply-To header")
        .trim()
        .to_owned();
    assert!(
        reply_to.starts_with("c+") && reply_to.ends_with("@feedback.test"),
        "{reply_to}"
    );
    let other = peers::to(&mails, "bob@customer.test")[0]
        .lines()
        .find_map(|l| l.strip_prefix("Reply-To: "))
        .unwrap()
        .trim()
        .to_owned();
    assert_ne!(reply_to, other, "each case has its own address");

    // Ann answers from her mail client, quoting the notification under an attribution.
    let answer = "It arrived today, thank you!\r\n\r\nOn Mon, 1 Nov 2026 at 09:00, Shop <support@feedback.test> wrote:\r\n> Thank you for telling us.\r\n> Your report is with our team.\r\n";
    let sent = smtp
        .send(message(
            "ann@customer.test",
            &reply_to,
            "Re: We received your report",
            answer,
        ))
        .await
        .unwrap();
    assert_eq!(sent.code().to_string(), "250");

    let complaints = app.complaints().await;
    assert_eq!(complaints.len(), 2, "a reply is no new complaint");
    for c in &complaints {
        let view = app.case(c["id"].as_str().unwrap()).await;
        let replies: Vec<&Value> = view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "customer_reply")
            .collect();
        if c["email"] == "ann@customer.test" {
            assert_eq!(replies.len(), 1, "{view}");
            assert_eq!(replies[0]["body"], "It arrived today, thank you!");
            assert_eq!(replies[0]["actor"]["type"], "customer");
        } else {
            assert!(replies.is_empty(), "Bob's case is untouched: {view}");
        }
    }
    let metrics = app.metrics().await;
    assert_eq!(counted(&metrics, "reply"), 1);
    assert_eq!(counted(&metrics, "complaint"), 2);

    // A forged address (another token at the same domain) is no case's.
    let mut forged = reply_to.clone().into_bytes();
    forged[5] = if forged[5] == b'a' { b'b' } else { b'a' };
    let err = smtp
        .send(message(
            "eve@customer.test",
            std::str::from_utf8(&forged).unwrap(),
            "Re:",
            "Let me in",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().to_string(), "550");

    // Bob's case is merged into Ann's: his reply goes to the case that survives.
    let id_of = |email: &str| {
        complaints
            .iter()
            .find(|c| c["email"] == email)
            .and_then(|c| c["id"].as_str())
            .unwrap()
            .to_owned()
    };
    let (ann, bob) = (id_of("ann@customer.test"), id_of("bob@customer.test"));
    let post = |path: String, body: Value| {
        app.served
            .client
            .post(format!(
                "{}/api/v1/admin/sites/{}/complaints/{path}",
                app.served.base, app.site.key
            ))
            .bearer_auth(&app.admin)
            .json(&body)
            .send()
    };
    let merged = post(format!("{bob}/merge"), json!({ "into": ann }))
        .await
        .unwrap();
    assert_eq!(merged.status(), StatusCode::OK);
    smtp.send(message(
        "bob@customer.test",
        &other,
        "Re: Wrong size",
        "Any news?",
    ))
    .await
    .unwrap();
    let replies = |view: &Value| -> Vec<String> {
        view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "customer_reply")
            .map(|e| e["body"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        replies(&app.case(&ann).await),
        ["It arrived today, thank you!", "Any news?"]
    );
    assert_eq!(replies(&app.case(&bob).await), Vec::<String>::new());

    // Ann's case is resolved and closed: her next reply starts a new case that names it.
    for status in ["resolved", "closed"] {
        let moved = post(format!("{ann}/status"), json!({ "status": status }))
            .await
            .unwrap();
        assert_eq!(moved.status(), StatusCode::OK, "{status}");
    }
    smtp.send(message(
        "ann@customer.test",
        &reply_to,
        "Re: We received your report",
        "The second parcel is missing too",
    ))
    .await
    .unwrap();
    let now = app.complaints().await;
    assert_eq!(now.len(), 3, "a new case: {now:?}");
    let new = now
        .iter()
        .find(|c| c["id"] != ann.as_str() && c["id"] != bob.as_str())
        .unwrap();
    assert_eq!(new["email"], "ann@customer.test");
    assert_eq!(new["channel"], "email");
    let view = app.case(new["id"].as_str().unwrap()).await;
    let reference = app.case(&ann).await["complaint"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        view.to_string().contains(&reference),
        "the new case names {reference}: {view}"
    );
    assert!(
        view["complaint"]["description"]
            .as_str()
            .unwrap()
            .contains("The second parcel is missing too"),
        "{view}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_malformed_and_unknown_recipient_messages_are_refused_and_stored_nowhere() {
    let app = app(Harness::new().await.mail_in(mail_in(4096))).await;
    let (mut raw, greeting) = Raw::connect(&app.served).await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    let ehlo = raw.send(b"EHLO client.test\r\n").await;
    assert!(ehlo.starts_with("250 "), "{ehlo}");

    // An unknown recipient, at RCPT: nothing is taken.
    assert_eq!(
        raw.send(b"MAIL FROM:<ann@customer.test>\r\n").await,
        "250 2.1.0 OK"
    );
    let unknown = raw.send(b"RCPT TO:<sales@feedback.test>\r\n").await;
    assert!(unknown.starts_with("550 5.1.1"), "{unknown}");
    let no_case = raw
        .send(b"RCPT TO:<c+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@feedback.test>\r\n")
        .await;
    assert!(no_case.starts_with("550 5.1.1"), "{no_case}");
    let none = raw.send(b"DATA\r\n").await;
    assert!(none.starts_with("554 "), "{none}");
    assert_eq!(raw.send(b"RSET\r\n").await, "250 2.0.0 OK");

    // Too large, announced.
    let announced = raw
        .send(b"MAIL FROM:<ann@customer.test> SIZE=100000\r\n")
        .await;
    assert!(announced.starts_with("552 5.3.4"), "{announced}");
    // Too large, sent: read to its end, then refused.
    raw.send(b"MAIL FROM:<ann@customer.test>\r\n").await;
    assert_eq!(
        raw.send(b"RCPT TO:<support@feedback.test>\r\n").await,
        "250 2.1.5 OK"
    );
    assert!(raw.send(b"DATA\r\n").await.starts_with("354 "));
    let mut big = b"From: ann@customer.test\r\nSubject: big\r\n\r\n".to_vec();
    for _ in 0..200 {
        big.extend_from_slice(&[b'x'; 76]);
        big.extend_from_slice(b"\r\n");
    }
    big.extend_from_slice(b".\r\n");
    let sent = raw.send(&big).await;
    assert!(sent.starts_with("552 5.3.4"), "{sent}");

    // Malformed: no sender, and no text.
    for bad in [
        &b"Subject: who am I\r\n\r\nno From header\r\n.\r\n"[..],
        b"From: ann@customer.test\r\nSubject: \r\n\r\n\r\n.\r\n",
    ] {
        raw.send(b"MAIL FROM:<ann@customer.test>\r\n").await;
        raw.send(b"RCPT TO:<support@feedback.test>\r\n").await;
        raw.send(b"DATA\r\n").await;
        let refused = raw.send(bad).await;
        assert!(refused.starts_with("550 5.6.0"), "{refused}");
    }
    assert!(raw.send(b"QUIT\r\n").await.starts_with("221 "));

    // lettre hears the same refusal of an unknown recipient.
    let err = app
        .smtp()
        .send(message(
            "ann@customer.test",
            "nobody@feedback.test",
            "Hi",
            "Hello",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().to_string(), "550");

    assert!(app.complaints().await.is_empty(), "nothing was stored");
    let metrics = app.metrics().await;
    assert_eq!(counted(&metrics, "unknown_recipient"), 3);
    assert_eq!(counted(&metrics, "too_large"), 2);
    assert_eq!(counted(&metrics, "malformed"), 2);
    assert_eq!(counted(&metrics, "complaint"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_overlong_lines_do_not_stop_the_listener() {
    let app = app(Harness::new().await.mail_in(mail_in(1 << 20))).await;
    // One client sends binary junk and a line of a megabyte, another hangs up mid-message.
    let (mut raw, _) = Raw::connect(&app.served).await;
    let junk = raw.send(b"\x00\xff\xfe\x16\x03\x01 garbage\r\n").await;
    assert!(junk.starts_with("500 "), "{junk}");
    let mut long = vec![b'M'; 1 << 20];
    long.extend_from_slice(b"\r\n");
    let too_long = raw.send(&long).await;
    assert!(too_long.starts_with("500 5.5.2"), "{too_long}");
    assert!(raw.send(b"EHLO x\r\n").await.starts_with("250 "));
    drop(raw);
    let (mut cut, _) = Raw::connect(&app.served).await;
    cut.send(b"HELO x\r\nMAIL FROM:<a@customer.test>\r\n").await;
    cut.send(b"RCPT TO:<support@feedback.test>\r\n").await;
    cut.send(b"DATA\r\n").await;
    cut.io
        .get_mut()
        .write_all(b"From: a@customer.test\r\n\r\nhalf a mess")
        .await
        .unwrap();
    drop(cut);

    // The listener still takes a good message.
    app.smtp()
        .send(message("ann@customer.test", INTAKE, "Still there?", "Yes."))
        .await
        .unwrap();
    let complaints = app.complaints().await;
    assert_eq!(complaints.len(), 1);
    assert_eq!(complaints[0]["description"], "Still there?\n\nYes.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_is_offered_with_a_certificate_and_mail_goes_through_it() {
    let app = app(Harness::new().await.mail_in(MailIn {
        tls: true,
        ..mail_in(1 << 20)
    }))
    .await;
    let at = app.served.smtp.unwrap();
    let tls = TlsParameters::builder("mx.feedback.test".to_owned())
        .dangerous_accept_invalid_certs(true)
        .build()
        .unwrap();
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(at.ip().to_string())
        .port(at.port())
        .tls(Tls::Required(tls))
        .build();
    smtp.send(message(
        "ann@customer.test",
        INTAKE,
        "Over TLS",
        "Private words",
    ))
    .await
    .unwrap();
    assert_eq!(
        app.complaints().await[0]["description"],
        "Over TLS\n\nPrivate words"
    );
    // Offered in clear, not once TLS is on (lettre would have failed otherwise), and a
    // command pipelined after STARTTLS is never read.
    let (mut raw, _) = Raw::connect(&app.served).await;
    raw.io.get_mut().write_all(b"EHLO x\r\n").await.unwrap();
    let mut offered = String::new();
    loop {
        let mut line = String::new();
        raw.io.read_line(&mut line).await.unwrap();
        offered.push_str(&line);
        if &line[3..4] == " " {
            break;
        }
    }
    assert!(
        offered.contains("250-STARTTLS") || offered.contains("250 STARTTLS"),
        "{offered}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_is_listed_and_served_to_the_sites_agents_only_and_goes_with_its_case_on_sqlite(
) {
    an_attachment_is_listed_and_served_to_the_sites_agents_only_and_goes_with_its_case(
        Harness::new().await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_is_listed_and_served_to_the_sites_agents_only_and_goes_with_its_case_on_postgres(
) {
    an_attachment_is_listed_and_served_to_the_sites_agents_only_and_goes_with_its_case(
        postgres_harness().await,
    )
    .await;
}

async fn an_attachment_is_listed_and_served_to_the_sites_agents_only_and_goes_with_its_case(
    harness: Harness,
) {
    let harness = harness.mail_in(mail_in(1 << 20));
    let other = harness.site("Other", &["http://other.test"]).await;
    let app = app(harness).await;
    let store = app.served.store.clone();
    let agent = app::create_token(&store, &app.site, Role::Agent).await.0;
    let viewer = app::create_token(&store, &app.site, Role::Viewer).await.0;
    let stranger = app::create_token(&store, &other, Role::Owner).await.0;

    let with_files = |from: &str| {
        Message::builder()
            .from(from.parse::<Mailbox>().unwrap())
            .to(INTAKE.parse::<Mailbox>().unwrap())
            .subject("Broken on arrival")
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain("See the photo.".to_owned()))
                    .singlepart(
                        Attachment::new("photo.png".into())
                            .body(PNG.to_vec(), ContentType::parse("image/png").unwrap()),
                    )
                    .singlepart(Attachment::new("invoice.html".into()).body(
                        b"<script>alert(1)</script>".to_vec(),
                        ContentType::TEXT_HTML,
                    )),
            )
            .unwrap()
    };
    app.smtp()
        .send(with_files("ann@customer.test"))
        .await
        .unwrap();
    let id = app.complaints().await[0]["id"].as_str().unwrap().to_owned();
    let view = app.case(&id).await;
    let files = view["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{view}");
    assert_eq!(files[0]["filename"], "photo.png");
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[0]["size"], PNG.len());
    let notes: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "internal_note")
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert!(notes.iter().any(|n| n.contains("photo.png")), "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("not kept") && n.contains("invoice.html (text/html")),
        "{notes:?}"
    );

    let path = format!("/complaints/{id}/attachments/{}", files[0]["id"]);
    let r = app.get(&path, &agent).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"photo.png\"; filename*=UTF-8''photo.png"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "sandbox; default-src 'none'");
    assert_eq!(r.bytes().await.unwrap(), PNG);
    // A viewer sees the list, not the file; another site's token neither.
    assert_eq!(
        app.get(&path, &viewer).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&path, &stranger).await.status(),
        StatusCode::FORBIDDEN
    );
    let theirs = app
        .served
        .client
        .get(format!(
            "{}/api/v1/admin/sites/{}{path}",
            app.served.base, other.key
        ))
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        StatusCode::NOT_FOUND,
        "not a case of their site"
    );

    // Erasure of the customer takes the case and its files with it.
    let id = shared::ResponseId::parse(&id).unwrap();
    assert_eq!(store.attachments(&id).await.unwrap().len(), 1);
    let r = app
        .served
        .client
        .post(format!(
            "{}/api/v1/admin/sites/{}/erasure",
            app.served.base, app.site.key
        ))
        .bearer_auth(&app.admin)
        .json(&json!({"email": "ann@customer.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(store.attachments(&id).await.unwrap().is_empty());
    assert_eq!(app.get(&path, &agent).await.status(), StatusCode::NOT_FOUND);

    // So does retention's purge of an old case.
    app.smtp()
        .send(with_files("bob@customer.test"))
        .await
        .unwrap();
    let id = app.complaints().await[0]["id"].as_str().unwrap().to_owned();
    let id = shared::ResponseId::parse(&id).unwrap();
    assert_eq!(store.attachments(&id).await.unwrap().len(), 1);
    store
        .set_retention_days(&app.site.key, Some(1))
        .await
        .unwrap();
    let later = app::START_MS + 2 * collector::store::DAY_MS;
    assert!(store.purge_expired(later).await.unwrap() >= 1);
    assert!(store.attachments(&id).await.unwrap().is_empty());
}
