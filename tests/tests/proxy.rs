//! The nginx examples in `examples/proxy/` pass `nginx -t` with the nginx Debian ships (1.22 in
//! Debian 12; `cargo xtask setup` installs it), each in the place its comments say it goes: the
//! collectors' file in an `http { }` block, the site owner's inside their `server { }` block.
//! Only what cannot exist here is replaced: the certificate paths (with a certificate made for
//! the test) and the cache directory; `feedback.example` is given an `upstream` of that name, so
//! that nginx need not look the name up.

use anyhow::{ensure, Context as _, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> Result<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/proxy")
        .join(name);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

fn nginx() -> Result<PathBuf> {
    let nginx =
        PathBuf::from(std::env::var("HARK_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into()));
    ensure!(
        nginx.exists(),
        "{} is missing: `cargo xtask setup` installs Debian's nginx",
        nginx.display()
    );
    Ok(nginx)
}

/// A self-signed certificate and key for `feedback.example` in `dir`.
fn certificate(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let (cert, key) = (dir.join("fullchain.pem"), dir.join("privkey.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=feedback.example", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .context("openssl")?;
    ensure!(
        made.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    Ok((cert, key))
}

/// `nginx -t` on a whole configuration whose `http { }` block is `http`; its output.
fn check(nginx: &Path, dir: &Path, http: &str) -> Result<String> {
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "pid {pid};\nerror_log {log};\nevents {{}}\nhttp {{\n{http}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            log = dir.join("error.log").display(),
        ),
    )?;
    let out = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .output()?;
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    ensure!(out.status.success(), "nginx -t refused it:\n{said}\n{http}");
    Ok(said)
}

#[test]
fn the_collectors_nginx_example_passes_nginx_t() -> Result<()> {
    let nginx = nginx()?;
    let dir = tempfile::tempdir()?;
    let (cert, key) = certificate(dir.path())?;
    let cache = dir.path().join("cache");
    let conf = example("nginx.conf")?
        .replace(
            "/etc/letsencrypt/live/feedback.example/fullchain.pem",
            &cert.display().to_string(),
        )
        .replace(
            "/etc/letsencrypt/live/feedback.example/privkey.pem",
            &key.display().to_string(),
        )
        .replace("/var/cache/nginx/hark", &cache.display().to_string());
    let said = check(&nginx, dir.path(), &conf)?;
    ensure!(said.contains("test is successful"), "{said}");
    ensure!(!said.contains("[warn]"), "nginx warned:\n{said}");
    Ok(())
}

#[test]
fn the_site_owners_nginx_example_passes_nginx_t() -> Result<()> {
    let nginx = nginx()?;
    let dir = tempfile::tempdir()?;
    let http = format!(
        "upstream feedback.example {{ server 127.0.0.1:9; }}\n\
         server {{\n    listen 127.0.0.1:8088;\n    server_name shop.example;\n{}\n}}",
        example("site-owner.conf")?
    );
    let said = check(&nginx, dir.path(), &http)?;
    ensure!(said.contains("test is successful"), "{said}");
    ensure!(!said.contains("[warn]"), "nginx warned:\n{said}");
    Ok(())
}
