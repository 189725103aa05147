//! Every HTML page the collector serves (the dashboard and its setup page, the customer's status
//! page in each of its states, the hosted survey page and its "not found") carries a strict
//! Content-Security-Policy, `Referrer-Policy`, `X-Content-Type-Options` and, where framing is not
//! the point, `frame-ancestors 'none'` and `X-Frame-Options`; `Strict-Transport-Security` comes
//! with `secure_cookies`; and only the widget's public files are readable from any origin. A real
//! server on a free port.

#[path = "support/app.rs"]
mod app;

use app::{uuid, Harness, Served, SHOP};
use base64::Engine as _;
use collector::access::Role;
use collector::assets::Assets;
use collector::store::Site;
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ORIGIN, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A dashboard build as the bundler writes it: an inline start-up module, then its files.
const INDEX: &str = "<!doctype html>\n<html lang=\"en\"><head><title>Hark dashboard</title>\n\
    <script type=\"module\">\nimport init from '/dashboard/dashboard.js';\nawait init();\n</script>\n\
    <link rel=\"stylesheet\" href=\"/dashboard/style.css\"></head><body></body></html>\n";

fn assets() -> Assets {
    Assets::from_files(
        &[
            ("widget.js", b"export default function init() {}"),
            ("widget_bg.wasm", b"\0asm\x01\0\0\0"),
        ],
        &[
            ("index.html", INDEX.as_bytes()),
            ("dashboard.js", b"export default async function init() {}"),
            ("style.css", b"body{margin:0}"),
        ],
    )
}

struct App {
    served: Served,
    site: Site,
    /// The status page's token of a filed complaint.
    token: String,
}

impl App {
    async fn start(secure_cookies: bool) -> Self {
        let harness = Harness::new()
            .await
            .assets(assets())
            .secure_cookies(secure_cookies);
        let site = harness.site("Shop", &[SHOP]).await;
        let _ = harness.token(&site, Role::Owner).await;
        let served = harness.serve().await;
        let filed: Value = served
            .client
            .post(format!("{}/api/v1/complaints", served.base))
            .header(ORIGIN, SHOP)
            .json(&json!({
                "id": uuid(), "site_key": site.key, "kind": "problem",
                "description": "The parcel arrived broken", "impact": 2,
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = filed["status_url"]
            .as_str()
            .expect("a status page")
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        Self {
            served,
            site,
            token,
        }
    }

    async fn request(&self, method: Method, path: &str) -> reqwest::Response {
        let request = self
            .served
            .client
            .request(method.clone(), format!("{}{path}", self.served.base));
        let request = if method == Method::POST {
            request
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("text=")
        } else {
            request
        };
        request.send().await.unwrap()
    }

    /// Every HTML page, in each state it can answer in: (method, path, status).
    fn pages(&self) -> Vec<(Method, String, StatusCode)> {
        let (key, token) = (&self.site.key, &self.token);
        vec![
            (Method::GET, "/dashboard/".into(), StatusCode::OK),
            (Method::GET, "/dashboard/index.html".into(), StatusCode::OK),
            (Method::GET, "/dashboard/setup".into(), StatusCode::OK),
            (Method::GET, format!("/c/{token}"), StatusCode::OK),
            (
                Method::GET,
                format!("/c/{token}?sent=reply"),
                StatusCode::OK,
            ),
            (
                Method::GET,
                "/c/no-such-token".into(),
                StatusCode::NOT_FOUND,
            ),
            // An empty reply: the page again, saying what is missing.
            (
                Method::POST,
                format!("/c/{token}/reply"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // A rating form without a rating: the page again, with the answers.
            (
                Method::POST,
                format!("/c/{token}/rating"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (Method::GET, format!("/s/nps?site={key}"), StatusCode::OK),
            (Method::GET, format!("/s/menu?site={key}"), StatusCode::OK),
            (
                Method::GET,
                format!("/s/no-such-survey?site={key}"),
                StatusCode::NOT_FOUND,
            ),
        ]
    }
}

/// Splits a policy into its directives, by name.
fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_whitespace().map(str::to_owned);
            (words.next().unwrap(), words.collect())
        })
        .collect()
}

fn sources<'a>(csp: &'a [(String, Vec<String>)], name: &str) -> Option<&'a [String]> {
    csp.iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.as_slice())
}

/// What every page's policy holds to: nothing by default, no inline script or style but by
/// hash, no `eval`, no plugins, no `<base>`; framing as the page's purpose says.
fn assert_strict(path: &str, csp: &str, framed: bool) {
    let parsed = directives(csp);
    assert_eq!(
        sources(&parsed, "default-src"),
        Some(&["'none'".to_owned()][..]),
        "{path}: {csp}"
    );
    for (name, values) in &parsed {
        for v in values {
            assert!(
                !matches!(
                    v.as_str(),
                    "'unsafe-inline'" | "'unsafe-eval'" | "*" | "data:" | "http:" | "https:"
                ) || (name == "img-src" && v == "data:")
                    || (name == "frame-ancestors" && v == "*" && framed),
                "{path}: {name} allows {v}: {csp}"
            );
        }
    }
    assert_eq!(
        sources(&parsed, "base-uri"),
        Some(&["'none'".to_owned()][..]),
        "{path}: {csp}"
    );
    let ancestors = sources(&parsed, "frame-ancestors").expect("frame-ancestors");
    if framed {
        assert_eq!(ancestors, ["*"], "{path}: {csp}");
    } else {
        assert_eq!(ancestors, ["'none'"], "{path}: {csp}");
    }
}

async fn check_every_page(app: &App, hsts: bool) {
    for (method, path, status) in app.pages() {
        let response = app.request(method.clone(), &path).await;
        assert_eq!(response.status(), status, "{method} {path}");
        let h = response.headers().clone();
        let body = response.text().await.unwrap();
        assert_eq!(h[CONTENT_TYPE], "text/html; charset=utf-8", "{path}");
        assert!(
            body.starts_with("<!doctype html>"),
            "{path} is a page: {body}"
        );
        let csp = h
            .get(CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{method} {path} has no CSP"))
            .to_str()
            .unwrap();
        let framed = path.starts_with("/s/");
        assert_strict(&path, csp, framed);
        assert_eq!(h[REFERRER_POLICY], "no-referrer", "{path}");
        assert_eq!(h[X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        if framed {
            assert!(h.get(X_FRAME_OPTIONS).is_none(), "{path} is for framing");
        } else {
            assert_eq!(h[X_FRAME_OPTIONS], "DENY", "{path}");
        }
        assert!(
            h.get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
            "{path} is not for other origins"
        );
        match h.get(STRICT_TRANSPORT_SECURITY) {
            Some(v) if hsts => assert_eq!(v, "max-age=31536000", "{path}"),
            None if !hsts => {}
            other => panic!("{path}: Strict-Transport-Security {other:?} with secure={hsts}"),
        }
        // Whatever scripts the page has are the ones its policy lets run, and no more.
        let parsed = directives(csp);
        let scripts = sources(&parsed, "script-src").unwrap_or_default();
        let inline = inline_scripts(&body);
        let hashes: Vec<&String> = scripts
            .iter()
            .filter(|s| s.starts_with("'sha256-"))
            .collect();
        assert_eq!(hashes.len(), inline.len(), "{path}: {csp}");
        for script in inline {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
            assert!(
                scripts.contains(&format!("'sha256-{hash}'")),
                "{path}: its inline script is not allowed by {csp}"
            );
        }
        assert!(!body.contains(" style=\""), "{path}: an inline style");
    }
}

fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let body = open + rest[open..].find('>').unwrap() + 1;
        let len = rest[body..].find("</script>").unwrap();
        if !rest[open..body].contains(" src=") {
            found.push(&rest[body..body + len]);
        }
        rest = &rest[body + len..];
    }
    found
}

#[tokio::test]
async fn every_page_carries_a_strict_policy_and_the_security_headers() {
    let app = App::start(false).await;
    check_every_page(&app, false).await;

    // The dashboard's policy is its own: its scripts, styles, wasm and API, nothing else.
    let csp = app.request(Method::GET, "/dashboard/").await.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let parsed = directives(&csp);
    assert_eq!(
        sources(&parsed, "connect-src"),
        Some(&["'self'".to_owned()][..])
    );
    assert_eq!(
        sources(&parsed, "style-src"),
        Some(&["'self'".to_owned()][..])
    );
    assert!(sources(&parsed, "script-src")
        .unwrap()
        .contains(&"'wasm-unsafe-eval'".to_owned()));
    // The status page runs no script at all.
    let token = app.token.clone();
    let status = app.request(Method::GET, &format!("/c/{token}")).await;
    let csp = status.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(sources(&directives(csp), "script-src").is_none(), "{csp}");
}

#[tokio::test]
async fn over_https_every_answer_says_to_come_back_only_that_way() {
    let app = App::start(true).await;
    check_every_page(&app, true).await;
    // The API's answers too, errors included.
    for path in [
        "/api/v1/admin/me",
        "/healthz",
        "/widget.js",
        "/no/such/route",
    ] {
        let response = app.request(Method::GET, path).await;
        assert_eq!(
            response.headers()[STRICT_TRANSPORT_SECURITY],
            "max-age=31536000",
            "{path}"
        );
    }
}

#[tokio::test]
async fn only_the_widgets_public_files_are_readable_from_any_origin() {
    let app = App::start(false).await;
    let version = assets().version;
    for path in [
        "/widget.js".to_owned(),
        format!("/assets/{version}/widget.js"),
        format!("/assets/{version}/widget_bg.wasm"),
    ] {
        let response = app.request(Method::GET, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            "*",
            "{path}"
        );
    }
    let key = app.site.key.clone();
    for path in [
        "/dashboard/dashboard.js".to_owned(),
        "/dashboard/style.css".to_owned(),
        "/api/v1/admin/me".to_owned(),
        format!("/api/v1/admin/sites/{key}/responses"),
        "/api/openapi.json".to_owned(),
        "/metrics".to_owned(),
        "/healthz".to_owned(),
        "/no/such/route".to_owned(),
    ] {
        for origin in [None, Some("https://elsewhere.test"), Some(SHOP)] {
            let mut request = app.served.client.get(format!("{}{path}", app.served.base));
            if let Some(o) = origin {
                request = request.header(ORIGIN, o);
            }
            let response = request.send().await.unwrap();
            assert_ne!(
                response
                    .headers()
                    .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                    .map(|v| v.to_str().unwrap().to_owned()),
                Some("*".to_owned()),
                "{path} from {origin:?}"
            );
        }
    }
}
