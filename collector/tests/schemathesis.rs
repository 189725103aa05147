//! The OpenAPI document read literally by tools that know nothing of Hark: it validates as
//! OpenAPI 3.1 (`openapi-spec-validator`), and schemathesis (`--checks all`) fuzzes every
//! operation of a real server from it (a site, an owner's token, an active survey, a complaint
//! and a problem to reach), finding no request the document calls valid refused, none it calls
//! invalid accepted, no status code or answer it does not describe, and no server error. Both
//! tools are installed on `HARK_PYTHONPATH` by `cargo xtask setup`.
//!
//! `HARK_SCHEMATHESIS_EXAMPLES` (default 5) and `HARK_SCHEMATHESIS_SEED` (default fixed, so that
//! a run is reproducible) tune the fuzzing.

#[path = "support/app.rs"]
mod app;
#[path = "support/postgres.rs"]
mod postgres_server;

use app::{Harness, SHOP};
use collector::access::Role;
use collector::assets::Assets;
use collector::http::{Limits, Rate};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The operations whose rules reach past what JSON Schema can say of one request, and so may
/// answer a request the document calls valid with a documented `422`: rules across fields or
/// parameters (a period from `from`, `to` and `days` of at most 3,660 days up to today; exactly
/// one of `email`, `user_id`, `visitor`; urgency or a priority with a reason; a goal's deadline
/// after its start; a survey's branches leading forward to questions it has), rules about what
/// the site has (its categories, share destinations, topics, agents, surveys' questions, the
/// resolution survey), and the case's state (a case marked spam is not assigned). Every other
/// check, and every other operation, is held to the document as written.
const BUSINESS_RULES: &str = r#"
[[operations]]
include-operation-id-regex = "^(audit|overview_route|segments_route|drivers_route|complaints_route|complaints_export|praise_route|topics_route|funnels|responses|export_responses|share_topic|share|share_problem|categorize|assign|prioritize|bulk|reply|create_goal|set_business_hours|set_share_destinations|set_hot_stove|set_sla_policies|set_workflow|update_site|change_settings|create_survey|update|log|submit_response|submit_complaint|submit_funnel_event|rating_json|page_rating|complaints|answers)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"#;

/// `python3` with the tools of `cargo xtask setup` on its path; `None` (outside CI) without them.
fn python() -> Option<Command> {
    let Some(path) = std::env::var_os("HARK_PYTHONPATH") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "HARK_PYTHONPATH is not set: run the tests through `cargo xtask test`"
        );
        eprintln!("HARK_PYTHONPATH is not set: the OpenAPI tools' test is skipped");
        return None;
    };
    let mut python = Command::new("python3");
    python.env("PYTHONPATH", path);
    Some(python)
}

/// A server on `harness`'s database with room to be fuzzed: rate limits no fuzzer reaches, and
/// a widget bundle so that `/assets/{version}/{file}` has something to serve.
async fn server(harness: Harness) -> (app::Served, String, String) {
    let many = Rate {
        per_minute: 1_000_000,
        burst: 1_000_000,
    };
    let widget: [(&str, &[u8]); 2] = [
        ("widget.js", b"export default function init() {}\n"),
        ("widget_bg.wasm", b"\0asm\x01\0\0\0"),
    ];
    let harness = harness
        .limits(Limits {
            per_client: many,
            per_site: many,
        })
        .assets(Assets::from_files(&widget, &[]));
    let site = harness.site("Shop", &[SHOP]).await;
    let token = harness.token(&site, Role::Owner).await;
    let served = harness.serve().await;
    (served, site.key.as_str().to_owned(), token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_the_document_true_to_the_server_on_sqlite() {
    if python().is_some() {
        fuzz(Harness::new().await).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_the_document_true_to_the_server_on_postgresql() {
    if python().is_some() {
        let url = postgres_server::shared().fresh_database().await;
        let store = collector::store::open(&url).await.unwrap();
        fuzz(Harness::on(store, url)).await;
    }
}

/// Both tools against a server on `harness`'s database.
async fn fuzz(harness: Harness) {
    let mut schemathesis = python().expect("checked by the caller");
    let (served, site_key, token) = server(harness).await;
    let base = served.base.clone();
    let client = &served.client;
    let admin = format!("{base}/api/v1/admin/sites/{site_key}");

    // What the fuzzer's paths name: the site's survey, a complaint (and the customer's status
    // page token), a problem, and the version of the widget bundle.
    let surveys: Value = client
        .get(format!("{admin}/surveys"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let survey = surveys["surveys"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(surveys["surveys"][0]["status"], "active");
    let filed: Value = client
        .post(format!("{base}/api/v1/complaints"))
        .header("origin", SHOP)
        .json(&json!({
            "id": app::uuid(), "site_key": site_key, "description": "The checkout page fails",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let complaint = filed["id"].as_str().unwrap().to_owned();
    let status_token = filed["status_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let problem: Value = client
        .post(format!("{admin}/problems"))
        .bearer_auth(&token)
        .json(&json!({"title": "Checkout fails"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let problem = problem["id"].as_i64().unwrap();
    let loader = client
        .get(format!("{base}/widget.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let version = loader
        .split("/assets/")
        .nth(1)
        .and_then(|rest| rest.split(['/', '"', '\'']).next())
        .expect("the loader names its bundle's version")
        .to_owned();

    let dir = tempfile::tempdir().unwrap();
    let document = client
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let document_path = dir.path().join("openapi.json");
    std::fs::write(&document_path, &document).unwrap();

    // The document validates as OpenAPI 3.1.
    let validated = python()
        .unwrap()
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(&document_path)
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&validated.stdout).into_owned()
        + &String::from_utf8_lossy(&validated.stderr);
    println!("openapi-spec-validator: {}", said.trim());
    assert!(validated.status.success(), "{said}");
    assert!(said.contains(": OK"), "{said}");

    // Schemathesis, with every path parameter naming something that exists (an id the site
    // has not, for what the fuzzer would otherwise delete: the owner's token, members).
    let config = format!(
        r#"
[headers]
Authorization = "Bearer {token}"
Origin = "{SHOP}"

[parameters]
"path.site_key" = "{site_key}"
"path.survey_id" = "{survey}"
"path.token" = "{status_token}"
"path.user_id" = 999999
"path.token_id" = 999999
"path.delivery" = 999999
"path.attachment_id" = 999999
"path.version" = "{version}"
"path.file" = "widget.js"

[[operations]]
include-path-regex = "/complaints/\\{{id\\}}"
parameters = {{ "path.id" = "{complaint}" }}

[[operations]]
include-path-regex = "/problems/\\{{id\\}}"
parameters = {{ "path.id" = {problem} }}

[[operations]]
include-path-regex = "/(goals|webhooks|invitations)/\\{{id\\}}"
parameters = {{ "path.id" = 999999 }}
{BUSINESS_RULES}"#
    );
    let config_path = dir.path().join("schemathesis.toml");
    std::fs::write(&config_path, config).unwrap();
    let examples = std::env::var("HARK_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "5".into());
    let seed = std::env::var("HARK_SCHEMATHESIS_SEED").unwrap_or_else(|_| "1".into());
    schemathesis
        .current_dir(dir.path())
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(&config_path)
        .args(["run", &format!("{base}/api/openapi.json")])
        .args(["--checks", "all", "--workers", "1"])
        .args(["--max-examples", &examples, "--seed", &seed])
        // A new webhook endpoint would have the server deliver events to whatever host the
        // fuzzer names: not from a test. Its routes by id are still fuzzed.
        .args(["--exclude-operation-id", "create_webhook"])
        .args(["--report", "junit", "--report-dir"])
        .arg(dir.path().join("report"))
        .env("NO_COLOR", "1");
    let started = Instant::now();
    let run = tokio::task::spawn_blocking(move || schemathesis.output().expect("python3 runs"))
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    let summary = out.rfind("SUMMARY").map_or(out.as_ref(), |at| &out[at..]);
    println!(
        "schemathesis ({examples} examples an operation, seed {seed}, {:.0} s):\n{summary}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        run.status.success(),
        "schemathesis found failures:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        tested(&out) > 100,
        "schemathesis tested too few operations:\n{summary}"
    );
    drop_report(dir.path());
}

/// The number after `Tested:` in schemathesis's summary.
fn tested(out: &str) -> usize {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("Tested:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Keeps the JUnit report in `HARK_SCHEMATHESIS_REPORT`, if set, to read the failures at leisure.
fn drop_report(dir: &Path) {
    if let Some(keep) = std::env::var_os("HARK_SCHEMATHESIS_REPORT") {
        let _ = std::fs::create_dir_all(&keep);
        for entry in std::fs::read_dir(dir.join("report")).into_iter().flatten() {
            let entry = entry.unwrap();
            let _ = std::fs::copy(entry.path(), Path::new(&keep).join(entry.file_name()));
        }
    }
}
