//! The harness the HTTP tests share: a fresh SQLite file, a `ManualClock` and a real server on a
//! free port. Each test binary uses a subset of it.
#![allow(dead_code)]

use collector::access::{ApiToken, Role};
use collector::assets::Assets;
use collector::clock::ManualClock;
use collector::http::Limits;
use collector::store::{self, GroupCommit, Site, Store};
use collector::AppState;
use reqwest::header::{CONTENT_TYPE, ORIGIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

pub(super) const SHOP: &str = "http://shop.test";
/// Where every test's clock starts unless it says otherwise.
pub(super) const START_MS: i64 = 1_795_000_000_000;

/// A store in a fresh SQLite file, and how the server on it will be configured.
pub(super) struct Harness {
    pub(super) store: Arc<dyn Store>,
    pub(super) database_url: String,
    pub(super) dir: tempfile::TempDir,
    clock_at: i64,
    assets: Option<Assets>,
    limits: Option<Limits>,
    secure_cookies: Option<bool>,
    webhook_allow: Vec<collector::http::IpNet>,
    smtp: Option<collector::notify::email::SmtpSettings>,
    mail_in: Option<MailIn>,
    two_factor_key: Option<collector::two_factor::TwoFactorKey>,
}

/// E-mail in: the domain of reply addresses, the largest message, and whether STARTTLS is
/// offered (with `tests/data/smtp-test-cert.pem`).
#[derive(Clone)]
pub(super) struct MailIn {
    pub(super) domain: String,
    pub(super) max_bytes: usize,
    pub(super) tls: bool,
}

/// A running server and what the tests reach it through.
pub(super) struct Served {
    pub(super) base: String,
    pub(super) client: reqwest::Client,
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: ManualClock,
    /// The server's group commit, to watch its queue.
    pub(super) ingest: GroupCommit,
    pub(super) database_url: String,
    pub(super) dir: tempfile::TempDir,
    /// The SMTP listener's address, with `Harness::mail_in`.
    pub(super) smtp: Option<std::net::SocketAddr>,
}

impl Harness {
    pub(super) async fn new() -> Self {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("debug")
                .try_init();
        }
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("hark.db").display());
        let store = store::open(&database_url).await.unwrap();
        Self {
            store,
            database_url,
            dir,
            clock_at: START_MS,
            assets: None,
            limits: None,
            secure_cookies: None,
            webhook_allow: Vec::new(),
            smtp: None,
            mail_in: None,
            two_factor_key: None,
        }
    }

    /// A harness on a store the test opened (a PostgreSQL database, say).
    pub(super) fn on(store: Arc<dyn Store>, database_url: String) -> Self {
        Self {
            store,
            database_url,
            dir: tempfile::tempdir().unwrap(),
            clock_at: START_MS,
            assets: None,
            limits: None,
            secure_cookies: None,
            webhook_allow: Vec::new(),
            smtp: None,
            mail_in: None,
            two_factor_key: None,
        }
    }

    /// Sends e-mail through the SMTP server at `url`, from `from`.
    pub(super) fn smtp(mut self, url: &str, from: &str) -> Self {
        self.smtp = Some(collector::notify::email::SmtpSettings {
            url: url.into(),
            from: from.into(),
        });
        self
    }

    /// Seals second-factor secrets with this key (64 hex digits), as `hark serve
    /// --two-factor-key` does: two-factor sign-in can be turned on.
    pub(super) fn two_factor_key(mut self, hex: &str) -> Self {
        self.two_factor_key = Some(collector::two_factor::TwoFactorKey::parse(hex).unwrap());
        self
    }

    /// Takes e-mail in on a free port, as `hark serve --smtp-listen … --mail-domain DOMAIN` does.
    pub(super) fn mail_in(mut self, mail_in: MailIn) -> Self {
        self.mail_in = Some(mail_in);
        self
    }

    /// Lets webhooks reach these networks (a receiver on loopback, in the tests).
    pub(super) fn webhook_allow(mut self, nets: &[&str]) -> Self {
        self.webhook_allow = nets.iter().map(|n| n.parse().unwrap()).collect();
        self
    }

    pub(super) fn clock_at(mut self, ms: i64) -> Self {
        self.clock_at = ms;
        self
    }

    pub(super) fn assets(mut self, assets: Assets) -> Self {
        self.assets = Some(assets);
        self
    }

    pub(super) fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    pub(super) fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = Some(secure);
        self
    }

    pub(super) async fn site(&self, name: &str, origins: &[&str]) -> Site {
        let origins: Vec<String> = origins.iter().map(|o| (*o).to_owned()).collect();
        self.store.create_site(name, &origins, 0).await.unwrap()
    }

    pub(super) async fn token(&self, site: &Site, role: Role) -> String {
        create_token(&self.store, site, role).await.0
    }

    pub(super) async fn serve(self) -> Served {
        let (served, server) = self.serve_until(std::future::pending()).await;
        // A server that cannot start says why, rather than leaving its clients a reset.
        tokio::spawn(async move {
            if let Ok(Err(e)) = server.await {
                eprintln!("the collector stopped: {e}");
            }
        });
        served
    }

    /// `serve`, stopping gracefully when `shutdown` completes; the handle says how `serve` ended.
    pub(super) async fn serve_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> (Served, tokio::task::JoinHandle<std::io::Result<()>>) {
        let clock = ManualClock::at(self.clock_at);
        let mut state = AppState::new(self.store.clone())
            .with_clock(Arc::new(clock.clone()))
            .with_assets(self.assets.unwrap_or_else(|| Assets::from_files(&[], &[])));
        if let Some(limits) = self.limits {
            state = state.with_limits(limits);
        }
        if let Some(secure) = self.secure_cookies {
            state = state.with_secure_cookies(secure);
        }
        state = state
            .with_webhook_allow(self.webhook_allow)
            .with_two_factor_key(self.two_factor_key);
        if let Some(s) = &self.smtp {
            let mailer = collector::notify::email::Mailer::new(s).unwrap();
            state = state.with_mail(Some(mailer), Some("http://hark.test".into()));
        }
        let mut smtp = None;
        if let Some(m) = self.mail_in {
            state = state.with_mail_domain(Some(m.domain.clone()));
            let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
            let tls = m.tls.then(|| {
                collector::mail_in::tls_acceptor(
                    std::path::Path::new(&format!("{data}/smtp-test-cert.pem")),
                    std::path::Path::new(&format!("{data}/smtp-test-key.pem")),
                )
                .unwrap()
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            smtp = Some(listener.local_addr().unwrap());
            let listening = collector::mail_in::Listening {
                domain: m.domain,
                max_bytes: m.max_bytes,
                tls,
            };
            tokio::spawn(collector::mail_in::serve(
                listener,
                state.clone(),
                listening,
            ));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let ingest = state.ingest.clone();
        let server = tokio::spawn(collector::serve(listener, state, shutdown));
        let served = Served {
            base,
            client: reqwest::Client::new(),
            store: self.store,
            clock,
            ingest,
            database_url: self.database_url,
            dir: self.dir,
            smtp,
        };
        (served, server)
    }
}

impl Served {
    /// Runs the `hark` command line on this server's database, as an operator would.
    pub(super) fn hark(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(args)
            .env("HARK_DATABASE_URL", &self.database_url)
            .env("HARK_LOG", "warn")
            .env_remove("HARK_CONFIG")
            .output()
            .expect("cannot run hark")
    }
}

/// A new API token with `role` on `site`, and its id.
pub(super) async fn create_token(store: &Arc<dyn Store>, site: &Site, role: Role) -> (String, i64) {
    let token = ApiToken::generate();
    let id = store
        .create_token(&site.key, role, &ApiToken::hash(token.expose()), 0)
        .await
        .unwrap();
    (token.expose().to_owned(), id)
}

pub(super) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An NPS answer to the `nps` survey on `site`.
pub(super) fn submission(site: &Site, score: i64, page_url: &str) -> Value {
    json!({
        "id": uuid(),
        "site_key": site.key,
        "survey_id": "nps",
        "answers": [{"type": "nps", "question_id": "q1", "score": score}],
        "page_url": page_url,
    })
}

/// A widget-style post of `body` to the ingest route, from `origin` if any.
pub(super) fn ingest_request(
    client: &reqwest::Client,
    base: &str,
    body: impl Into<reqwest::Body>,
    origin: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut req = client
        .post(format!("{base}/api/v1/responses"))
        .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(body);
    if let Some(o) = origin {
        req = req.header(ORIGIN, o);
    }
    req
}

/// Status, error code and message of an error answer.
pub(super) async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("errors are JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("an error code")
        .to_owned();
    let message = body["error"]["message"]
        .as_str()
        .expect("an error message")
        .to_owned();
    (status, code, message)
}

/// Adds the active survey `why`: the NPS (`q1`), then an optional written answer (`q2`).
pub(super) async fn why_survey(harness: &Harness, site: &Site) {
    let survey: shared::Survey = serde_json::from_value(json!({
        "id": "why", "name": "Why",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [
            {"id": "q1", "type": "nps", "prompt": "Recommend us?"},
            {"id": "q2", "type": "text", "prompt": "Why?", "optional": true}
        ]
    }))
    .unwrap();
    harness
        .store
        .create_survey(
            &site.key,
            &survey,
            collector::store::SurveyStatus::Active,
            1,
        )
        .await
        .unwrap();
}
