//! `cargo xtask demo`: a collector on SQLite with a demo site, and the example shop page served
//! from another origin, as a site owner would have it.

use super::{dist, root, step, target_dir};
use anyhow::{bail, Context as _, Result};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SITE_NAME: &str = "Demo Shop";
/// The demo's agent, who gets the seeded complaints.
const AGENT_EMAIL: &str = "sam@demo.test";
const AGENT_PASSWORD: &str = "demo-agent-password";
/// What the example page's snippet says, replaced with the real collector and site when served.
const SNIPPET_COLLECTOR: &str = "http://127.0.0.1:8080";
const SNIPPET_SITE_KEY: &str = "SITE_KEY";
/// The demo's survey: NPS and why, shown on the shop and seeded with months of answers.
const DEMO_SURVEY: &str = "experience";

pub(crate) fn run() -> Result<()> {
    let bin = dist()?;
    let port: u16 = match std::env::var("HARK_DEMO_PORT") {
        Ok(p) => p.parse().context("HARK_DEMO_PORT must be a port number")?,
        Err(_) => 8080,
    };
    let shop_port = port + 1;
    // One demo database serves every port it was run on, each port a site of its own: each
    // site's agent needs an address of its own.
    let agent_email = if port == 8080 {
        AGENT_EMAIL.to_owned()
    } else {
        format!("sam+{port}@demo.test")
    };
    let collector_addr = format!("127.0.0.1:{port}");
    if TcpListener::bind(&collector_addr).is_err() {
        bail!("port {port} is taken; pick others with HARK_DEMO_PORT=9080 cargo xtask demo");
    }
    let shop = TcpListener::bind(("127.0.0.1", shop_port))
        .with_context(|| format!("port {shop_port} is taken; pick others with HARK_DEMO_PORT"))?;
    let shop_origin = format!("http://127.0.0.1:{shop_port}");
    let collector = format!("http://{collector_addr}");

    let data = target_dir().join("demo");
    std::fs::create_dir_all(&data)?;
    let database_url = format!("sqlite://{}", data.join("hark.db").display());
    let hark = |args: &[&str]| -> Result<Value> {
        let out = Command::new(&bin)
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
        serde_json::from_slice(&out.stdout).context("hark printed no JSON")
    };

    // Reuse the demo site from an earlier run, so that its answers stay.
    let sites = hark(&["site", "list", "--json"])?;
    let existing = sites["sites"].as_array().into_iter().flatten().find(|s| {
        s["name"] == SITE_NAME
            && s["origins"]
                .as_array()
                .is_some_and(|o| o.iter().any(|o| o == &shop_origin))
    });
    let fresh = existing.is_none();
    let site_key = match existing {
        Some(site) => site["key"].as_str().unwrap_or_default().to_owned(),
        None => {
            let site = hark(&[
                "site",
                "create",
                "--name",
                SITE_NAME,
                "--origin",
                &shop_origin,
                "--json",
            ])?;
            site["key"].as_str().context("no site key")?.to_owned()
        }
    };
    let token = hark(&[
        "token", "create", "--site", &site_key, "--role", "owner", "--json",
    ])?;
    let token = token["token"].as_str().context("no token")?.to_owned();

    step(&format!("starting the collector on {collector}"));
    let mut server = Command::new(&bin)
        .args(["serve", "--listen", &collector_addr])
        .env("HARK_DATABASE_URL", &database_url)
        .spawn()
        .context("cannot start hark serve")?;
    let started = Instant::now();
    while TcpStream::connect(&collector_addr).is_err() {
        if started.elapsed() > Duration::from_secs(15) || server.try_wait()?.is_some() {
            let _ = server.kill();
            bail!("the collector did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    if fresh {
        step("seeding complaints in several states");
        let agent = {
            let mut create = Command::new(&bin)
                .args(["user", "create", "--email", &agent_email, "--role", "agent"])
                .args(["--site", &site_key, "--password-stdin", "--json"])
                .env("HARK_DATABASE_URL", &database_url)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()?;
            create
                .stdin
                .take()
                .context("no stdin")?
                .write_all(AGENT_PASSWORD.as_bytes())?;
            let out = create.wait_with_output()?;
            if !out.status.success() {
                bail!("hark user create failed");
            }
            let user: Value = serde_json::from_slice(&out.stdout)?;
            user["id"].as_i64().context("no user id")?
        };
        let seed = Seed {
            collector: &collector_addr,
            site: &site_key,
            token: &token,
            origin: &shop_origin,
        };
        match seed.complaints(agent) {
            // Kept for the next runs, which seed nothing: the token is not stored in clear.
            Ok(page) => std::fs::write(data.join("customer-page.txt"), page)?,
            Err(e) => {
                let _ = server.kill();
                return Err(e.context("seeding the demo's complaints failed"));
            }
        }
        step("seeding four months of answers and complaints, and two goals");
        if let Err(e) = seed.survey().and_then(|()| {
            hark(&[
                "import",
                "answers",
                "--site",
                &site_key,
                "--sample-days",
                "120",
                "--survey",
                DEMO_SURVEY,
                "--json",
            ])?;
            // Their history: most closed, some still worked, deliveries rising this week.
            hark(&[
                "import",
                "complaints",
                "--site",
                &site_key,
                "--sample-days",
                "120",
                "--json",
            ])?;
            seed.goals()
        }) {
            let _ = server.kill();
            return Err(e.context("seeding the demo's answers failed"));
        }
    }

    let pages = root().join("examples").join("shop");
    let (base, key) = (collector.clone(), site_key.clone());
    std::thread::spawn(move || serve_pages(shop, &pages, &base, &key));

    println!();
    println!(
        "  Hark is running on SQLite ({})",
        data.join("hark.db").display()
    );
    println!();
    println!("  Example shop with the widget:  {shop_origin}/");
    println!("  Dashboard:                     {collector}/dashboard/");
    println!("  Dashboard sign-in API token:   {token}");
    println!("  An agent's sign-in:            {agent_email} / {AGENT_PASSWORD}");
    if let Ok(page) = std::fs::read_to_string(data.join("customer-page.txt")) {
        println!("  A customer's status page:      {}", page.trim());
    }
    println!();
    println!(
        "  The survey shows once per visitor: open the shop in a private window to see it again."
    );
    println!("  Press Ctrl-C to stop.");
    println!();
    let status = server.wait()?;
    if !status.success() {
        bail!("the collector stopped: {status}");
    }
    Ok(())
}

/// A small static file server for the example pages, on its own origin.
fn serve_pages(listener: TcpListener, dir: &Path, collector: &str, site_key: &str) {
    for stream in listener.incoming().flatten() {
        let _ = answer(stream, dir, collector, site_key);
    }
}

fn answer(
    mut stream: TcpStream,
    dir: &Path,
    collector: &str,
    site_key: &str,
) -> std::io::Result<()> {
    let mut request_line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let file: PathBuf = match path {
        "/" => dir.join("index.html"),
        p if p.len() > 1
            && p[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && !p.contains("..") =>
        {
            dir.join(&p[1..])
        }
        _ => PathBuf::new(),
    };
    let (status, content_type, body) = match std::fs::read(&file) {
        Ok(bytes) => {
            let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
            let content_type = match ext {
                "html" => "text/html; charset=utf-8",
                "css" => "text/css; charset=utf-8",
                "js" => "text/javascript; charset=utf-8",
                "svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            let body = if ext == "html" {
                String::from_utf8_lossy(&bytes)
                    .replace(SNIPPET_COLLECTOR, collector)
                    .replace(SNIPPET_SITE_KEY, site_key)
                    .into_bytes()
            } else {
                bytes
            };
            ("200 OK", content_type, body)
        }
        Err(_) => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// What the demo seeds through the collector's own API, as the widget and an agent would.
struct Seed<'a> {
    collector: &'a str,
    site: &'a str,
    token: &'a str,
    origin: &'a str,
}

impl Seed<'_> {
    /// One HTTP/1.1 request with a JSON body; the status and the JSON answer.
    fn call(&self, method: &str, path: &str, body: &Value, admin: bool) -> Result<(u16, Value)> {
        let mut stream = TcpStream::connect(self.collector)?;
        let body = body.to_string();
        let auth = if admin {
            format!("authorization: Bearer {}\r\n", self.token)
        } else {
            // As the shop's visitors' browsers send them: their page and their language.
            format!(
                "origin: {}\r\naccept-language: en-US,en;q=0.9\r\n",
                self.origin
            )
        };
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nhost: {}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            self.collector,
            body.len()
        )?;
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer)?;
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("no HTTP status")?;
        let json = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.trim())
            .filter(|b| !b.is_empty())
            .map(serde_json::from_str)
            .transpose()?
            .unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            bail!("{method} {path}: {status} {json}");
        }
        Ok((status, json))
    }

    fn admin(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        let path = format!("/api/v1/admin/sites/{}{path}", self.site);
        Ok(self.call(method, &path, &body, true)?.1)
    }

    /// The demo's survey (NPS, then why), active in place of the default one.
    fn survey(&self) -> Result<()> {
        use serde_json::json;
        self.admin(
            "POST",
            "/surveys",
            json!({
                "id": DEMO_SURVEY, "name": "How are we doing?",
                "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
                "questions": [
                    {"id": "score", "type": "nps",
                     "prompt": "How likely are you to recommend Demo Shop to a friend or colleague?"},
                    {"id": "why", "type": "text", "optional": true,
                     "prompt": "What is the main reason for your score?"}
                ]
            }),
        )?;
        for (id, status) in [(DEMO_SURVEY, "active"), ("nps", "archived")] {
            self.admin(
                "POST",
                &format!("/surveys/{id}/status"),
                json!({ "status": status }),
            )?;
        }
        // The sample says each customer's plan (`hark('identify', id, {plan})`): a segment.
        self.admin(
            "PATCH",
            "/settings",
            json!({ "segment_attributes": ["plan"] }),
        )?;
        Ok(())
    }

    /// Two service goals: NPS, and first responses.
    fn goals(&self) -> Result<()> {
        use serde_json::json;
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let start = today.checked_sub(jiff::Span::new().days(56))?;
        let deadline = today.checked_add(jiff::Span::new().days(35))?;
        self.admin(
            "POST",
            "/goals",
            json!({
                "name": "NPS 40 by the end of the quarter", "metric": "nps", "target": 40,
                "start": start.to_string(), "deadline": deadline.to_string(),
            }),
        )?;
        // Since phones slipped (the sample's last three weeks).
        let slump = today.checked_sub(jiff::Span::new().days(14))?;
        self.admin(
            "POST",
            "/goals",
            json!({
                "name": "Phones back to NPS 30", "metric": "nps", "target": 30,
                "start": slump.to_string(), "deadline": deadline.to_string(),
                "segment": "device:mobile",
            }),
        )?;
        Ok(())
    }

    /// Files a complaint from the shop's page; its id and its status page's URL.
    fn file(
        &self,
        category: Option<&str>,
        description: &str,
        impact: u8,
        page: &str,
    ) -> Result<(String, String)> {
        let mut body = serde_json::json!({
            "id": uuid_v4(), "site_key": self.site, "kind": "problem",
            "description": description, "impact": impact, "dwell_ms": 9000,
            "page_url": format!("{}{page}", self.origin),
        });
        if let Some(c) = category {
            body["category"] = c.into();
        }
        let (_, filed) = self.call("POST", "/api/v1/complaints", &body, false)?;
        Ok((
            filed["id"].as_str().context("no id")?.to_owned(),
            filed["status_url"]
                .as_str()
                .context("no status_url")?
                .to_owned(),
        ))
    }

    /// Seeds the complaints; the status page of one that waits on its customer.
    fn complaints(&self, agent: i64) -> Result<String> {
        use serde_json::json;
        self.admin(
            "PUT",
            "/workflow",
            json!({
                "rules": [
                    {"category": "Billing", "keywords": ["refund", "charged", "invoice"]},
                    {"category": "Billing", "keywords": ["charged twice"], "urgency": "high"},
                    {"category": "Delivery", "keywords": ["parcel", "courier", "tracking"]},
                    {"category": "Website", "keywords": ["checkout", "coupon", "login"]}
                ],
                "auto_assign": false,
                "auto_close_days": 14
            }),
        )?;
        let (charged, _) =
            self.file(None, "I was charged twice for order #1042.", 3, "/checkout")?;
        let (parcel, parcel_page) = self.file(
            None,
            "The parcel never arrived, but tracking says it was delivered.",
            4,
            "/orders",
        )?;
        let (coupon, _) = self.file(
            Some("Website"),
            "The checkout rejects my coupon code SPRING.",
            2,
            "/checkout",
        )?;
        let (coupon_again, _) = self.file(
            None,
            "Coupon SPRING does not work at checkout.",
            2,
            "/checkout",
        )?;
        let (lid, lid_page) = self.file(
            Some("Product defect"),
            "The grinder arrived with a cracked lid.",
            3,
            "/product/grinder",
        )?;
        self.file(
            Some("Service failure"),
            "Nobody called me back as promised.",
            1,
            "/contact",
        )?;
        let case = |id: &str, what: &str| format!("/complaints/{id}/{what}");
        // Sam works four of them; two wait in the unassigned queue.
        for id in [&charged, &parcel, &coupon, &lid] {
            self.admin("PUT", &case(id, "assignee"), json!({"user_id": agent}))?;
        }
        self.admin(
            "POST",
            &case(&charged, "status"),
            json!({"status": "in_progress"}),
        )?;
        self.admin(
            "POST",
            &case(&charged, "replies"),
            json!({"body": "Sorry about that! We are checking with the bank and will refund the second charge."}),
        )?;
        self.admin(
            "POST",
            &case(&charged, "replies"),
            json!({"body": "The payment log shows two captures 3 s apart.", "internal": true}),
        )?;
        self.admin(
            "POST",
            &case(&parcel, "replies"),
            json!({"body": "Could you check with your neighbours? The courier left it at 14:02."}),
        )?;
        self.admin(
            "POST",
            &case(&parcel, "status"),
            json!({"status": "waiting_on_customer"}),
        )?;
        self.admin(
            "POST",
            &case(&lid, "replies"),
            json!({"body": "A new lid is on its way to you."}),
        )?;
        self.admin("POST", &case(&lid, "status"), json!({"status": "resolved"}))?;
        // The customer rates the resolution on their status page.
        let token = lid_page.rsplit('/').next().unwrap_or_default();
        self.call(
            "POST",
            &format!("/api/v1/c/{token}/rating"),
            &json!({"answers": [
                {"type": "csat", "question_id": "satisfaction", "score": 5},
                {"type": "ces", "question_id": "effort", "score": 6},
                {"type": "text", "question_id": "better", "text": "Quick and friendly, thank you."}
            ]}),
            false,
        )?;
        let problem = self.admin(
            "POST",
            "/problems",
            json!({
                "title": "Coupon SPRING rejected at checkout",
                "category": "Website",
                "root_cause": "The coupon's end date was set in the past.",
                "workaround": "Apply the discount by hand on request."
            }),
        )?;
        for id in [&coupon, &coupon_again] {
            self.admin(
                "PUT",
                &case(id, "problem"),
                json!({"problem_id": problem["id"]}),
            )?;
        }
        Ok(parcel_page)
    }
}

/// A random version 4 UUID, from the kernel's random source.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
