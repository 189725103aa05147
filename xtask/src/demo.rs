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
/// What the example page's snippet says, replaced with the real collector and site when served.
const SNIPPET_COLLECTOR: &str = "http://127.0.0.1:8080";
const SNIPPET_SITE_KEY: &str = "SITE_KEY";

pub(crate) fn run() -> Result<()> {
    let bin = dist()?;
    let port: u16 = match std::env::var("HARK_DEMO_PORT") {
        Ok(p) => p.parse().context("HARK_DEMO_PORT must be a port number")?,
        Err(_) => 8080,
    };
    let shop_port = port + 1;
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
