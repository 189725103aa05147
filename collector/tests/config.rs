//! Where `hark`'s settings come from, through the real binary: a flag over a `HARK_*` variable
//! over the `--config` file over the default, and clear errors for bad input.

use serde_json::Value;
use std::process::{Command, Output};

/// `hark ARGS` with only the given `HARK_*` variables set.
fn hark(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hark"));
    cmd.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("HARK_") {
            cmd.env_remove(name);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("cannot run hark")
}

fn settings(args: &[&str], env: &[(&str, &str)]) -> Value {
    let out = hark(args, env);
    assert!(
        out.status.success(),
        "hark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hark.toml");
    std::fs::write(
        &file,
        r#"
database_url = "sqlite:///var/lib/hark/hark.db"
listen = "0.0.0.0:9000"
secure_cookies = true
rate_limit_per_client = 100
rate_limit_per_site = 200
log = "hark=debug"
trusted_proxies = ["10.0.0.0/8", "192.0.2.7"]
"#,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let s = settings(
        &[
            "config",
            "--json",
            "--config",
            file,
            "--rate-limit-per-site",
            "300",
        ],
        &[
            ("HARK_RATE_LIMIT_PER_CLIENT", "150"),
            ("HARK_RATE_LIMIT_PER_SITE", "250"),
            ("HARK_SECURE_COOKIES", "false"),
        ],
    );
    // The flag beats both the environment (250) and the file (200).
    assert_eq!(s["serve"]["rate_limit_per_site"], 300);
    // The environment beats the file.
    assert_eq!(s["serve"]["rate_limit_per_client"], 150);
    assert_eq!(s["serve"]["secure_cookies"], false);
    // The file beats the defaults.
    assert_eq!(s["serve"]["listen"], "0.0.0.0:9000");
    assert_eq!(s["database_url"], "sqlite:///var/lib/hark/hark.db");
    assert_eq!(s["log"], "hark=debug");
    assert_eq!(
        s["serve"]["trusted_proxies"],
        serde_json::json!(["10.0.0.0/8", "192.0.2.7/32"])
    );
    // Nothing anywhere: the default.
    assert_eq!(s["log_json"], false);
    assert_eq!(s["serve"]["public_url"], Value::Null);

    // HARK_CONFIG names the file as well as --config does.
    let s = settings(&["config", "--json"], &[("HARK_CONFIG", file)]);
    assert_eq!(s["serve"]["listen"], "0.0.0.0:9000");
    // A list in a variable is comma-separated, and replaces the file's.
    let s = settings(
        &["config", "--json"],
        &[
            ("HARK_CONFIG", file),
            ("HARK_TRUSTED_PROXIES", "127.0.0.1,fd00::/8"),
        ],
    );
    assert_eq!(
        s["serve"]["trusted_proxies"],
        serde_json::json!(["127.0.0.1/32", "fd00::/8"])
    );

    // Without a file, the defaults.
    let s = settings(&["config", "--json"], &[]);
    assert_eq!(s["serve"]["listen"], "127.0.0.1:8080");
    assert_eq!(s["serve"]["rate_limit_per_client"], 60);
    assert_eq!(s["serve"]["rate_limit_per_site"], 6000);
    assert_eq!(s["database_url"], "sqlite://hark.db");
}

#[test]
fn a_database_password_is_not_printed() {
    let s = settings(
        &["config", "--json"],
        &[(
            "HARK_DATABASE_URL",
            "postgres://hark:s3cret@db.internal/hark",
        )],
    );
    let url = s["database_url"].as_str().unwrap();
    assert!(
        !url.contains("s3cret") && url.contains("db.internal"),
        "{url}"
    );
}

#[test]
fn an_unknown_key_is_an_error_naming_it_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:0\"\nrate_limit_per_clients = 5\n",
    )
    .unwrap();
    // `serve` refuses before it opens the database or listens.
    let out = hark(&["serve", "--config", file.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rate_limit_per_clients"), "{err}");
    assert!(err.contains("typo.toml"), "{err}");
    assert!(!dir.path().join("hark.db").exists());
}

#[test]
fn bad_values_are_errors_that_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hark.toml");
    for (text, expected) in [
        ("rate_limit_per_site = \"lots\"\n", "expected u32"),
        (
            "rate_limit_per_site = 0\n",
            "`rate_limit_per_site` must be at least 1",
        ),
        (
            "listen = \"everywhere\"\n",
            "`listen` = \"everywhere\" is not an address",
        ),
        ("secure_cookies = \"yes\"\n", "expected a boolean"),
        (
            "public_url = \"feedback.example\"\n",
            "not an http:// or https:// URL",
        ),
        ("listen = \n", "hark.toml"),
        (
            "trusted_proxies = [\"proxy\"]\n",
            "`trusted_proxies`: \"proxy\" is not an IP address",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let out = hark(&["config", "--config", file.to_str().unwrap()], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(expected), "{text}: {err}");
        assert!(
            err.contains("hark.toml") || expected.contains("URL"),
            "{text}: {err}"
        );
    }
    let missing = hark(&["config", "--config", "/nonexistent/hark.toml"], &[]);
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("cannot read the settings file /nonexistent/hark.toml"),
        "{err}"
    );
    // A bad flag or variable is refused by the command line parser, naming the option.
    let out = hark(&["config"], &[("HARK_RATE_LIMIT_PER_CLIENT", "-3")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate-limit-per-client"));
}

#[test]
fn e_mail_in_is_off_by_default_and_its_settings_go_together() {
    let s = settings(&["config", "--json"], &[]);
    assert_eq!(s["serve"]["mail_in"]["smtp_listen"], Value::Null);
    assert_eq!(s["serve"]["mail_in"]["mail_max_bytes"], 10 * 1024 * 1024);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hark.toml");
    std::fs::write(
        &file,
        "smtp_listen = \"0.0.0.0:2525\"\nmail_domain = \"Feedback.Example\"\nmail_max_bytes = 5000000\n",
    )
    .unwrap();
    let s = settings(
        &["config", "--json", "--config", file.to_str().unwrap()],
        &[("HARK_SMTP_LISTEN", "127.0.0.1:25")],
    );
    let m = &s["serve"]["mail_in"];
    assert_eq!(m["smtp_listen"], "127.0.0.1:25", "the environment wins");
    assert_eq!(m["mail_domain"], "feedback.example");
    assert_eq!(m["mail_max_bytes"], 5_000_000);

    for (env, expected) in [
        (
            &[("HARK_SMTP_LISTEN", "0.0.0.0:25")][..],
            "smtp_listen is set without mail_domain",
        ),
        (
            &[
                ("HARK_SMTP_LISTEN", "0.0.0.0:25"),
                ("HARK_MAIL_DOMAIN", "feedback.example"),
                ("HARK_SMTP_TLS_CERT", "/etc/hark/cert.pem"),
            ][..],
            "smtp_tls_cert is set without smtp_tls_key",
        ),
        (
            &[("HARK_MAIL_DOMAIN", "support@feedback.example")][..],
            "is not a domain",
        ),
    ] {
        let out = hark(&["config"], env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{env:?}: {err}");
        assert!(err.contains(expected), "{env:?}: {err}");
    }
}
