//! A client generated from the live OpenAPI document by a generator that knows nothing of Hark
//! (`openapi-python-client`, installed on `HARK_PYTHONPATH` by `cargo xtask setup`) imports, and
//! its call to list a site's responses, with an owner's token, returns the answer a visitor sent,
//! as the generated model reads it.

#[path = "support/app.rs"]
mod app;

use app::{Harness, SHOP};
use collector::access::Role;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_python_client_lists_a_sites_responses() {
    let Some(pythonpath) = std::env::var_os("HARK_PYTHONPATH") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "HARK_PYTHONPATH is not set: run the tests through `cargo xtask test`"
        );
        eprintln!("HARK_PYTHONPATH is not set: the generated client's test is skipped");
        return;
    };
    let harness = Harness::new().await;
    let site = harness.site("Shop", &[SHOP]).await;
    let token = harness.token(&site, Role::Owner).await;
    let served = harness.serve().await;
    let answered = served
        .client
        .post(format!("{}/api/v1/responses", served.base))
        .header("origin", SHOP)
        .json(&app::submission(&site, 9, "https://shop.test/checkout"))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 201, "{}", answered.text().await.unwrap());

    let dir = tempfile::tempdir().unwrap();
    let document = served
        .client
        .get(format!("{}/api/openapi.json", served.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::write(dir.path().join("openapi.json"), document).unwrap();
    // No post hooks: the generator would run a formatter that is not installed.
    std::fs::write(
        dir.path().join("generator.yaml"),
        "post_hooks: []\npackage_name_override: hark_client\n",
    )
    .unwrap();
    let python = |args: &[&str]| {
        let out = Command::new("python3")
            .args(args)
            .current_dir(dir.path())
            .env(
                "PYTHONPATH",
                format!("{}:{}", dir.path().display(), pythonpath.to_string_lossy()),
            )
            .output()
            .expect("python3 runs");
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "python3 {args:?}:\n{said}");
        said
    };
    python(&[
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        "openapi.json",
        "--config",
        "generator.yaml",
        "--meta",
        "none",
        "--output-path",
        "hark_client",
    ]);

    let script = format!(
        r#"
import hark_client
from hark_client import AuthenticatedClient
from hark_client.api.admin import responses
from hark_client.models import ListedResponses

client = AuthenticatedClient(base_url="{base}", token="{token}")
with client as c:
    answer = responses.sync_detailed(site_key="{site}", client=c)
assert answer.status_code == 200, answer
listed = answer.parsed
assert isinstance(listed, ListedResponses), type(listed)
assert listed.site_key == "{site}", listed.site_key
assert len(listed.responses) == 1, listed.responses
first = listed.responses[0].to_dict()
assert first["survey_id"] == "nps", first
assert first["answers"][0]["score"] == 9, first
print("listed", len(listed.responses), "response(s) of", listed.site_key)
"#,
        base = served.base,
        site = site.key,
    );
    let said = python(&["-c", &script]);
    println!("{}", said.trim());
    assert!(said.contains("listed 1 response(s)"), "{said}");
}
