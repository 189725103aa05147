//! The harness of the tests of a site's people (`team.rs`, `sites.rs`): users made in the store
//! with one password, signed in over HTTP, and requests made as nobody, with a token or with a
//! session, on SQLite or a fresh PostgreSQL database.
#![allow(dead_code)]

use super::app::{Harness, Served, SHOP};
use super::postgres_server;
use collector::access::Role;
use collector::accounts::Password;
use collector::clock::Clock as _;
use collector::store::Site;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::OnceLock;

pub(super) const PASSWORD: &str = "correct horse battery staple";

/// One Argon2id hash of `PASSWORD` for every user made directly in the store.
pub(super) fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| Password::new(PASSWORD.into()).unwrap().hash().unwrap())
}

pub(super) async fn postgres_harness() -> Harness {
    let url = postgres_server::shared().fresh_database().await;
    let store = collector::store::open(&url).await.unwrap();
    Harness::on(store, url)
}

/// How a request authenticates.
#[derive(Clone)]
pub(super) enum Who {
    Nobody,
    Token(String),
    Session { cookie: String, csrf: String },
}

/// A served collector with one site, Ann's shop.
pub(super) struct App {
    pub(super) served: Served,
    pub(super) site: Site,
}

impl App {
    pub(super) async fn start(harness: Harness) -> Self {
        let site = harness.site("Ann's Shop", &[SHOP]).await;
        let served = harness.serve().await;
        Self { served, site }
    }

    pub(super) fn now(&self) -> i64 {
        self.served.clock.now_ms()
    }

    /// A user whose password is `PASSWORD`, with `role` on the site; their id.
    pub(super) async fn user(&self, email: &str, role: Role) -> i64 {
        let id = self
            .served
            .store
            .create_user(email, password_hash(), 0)
            .await
            .unwrap();
        self.served
            .store
            .set_membership(id, &self.site.key, role, 0)
            .await
            .unwrap();
        id
    }

    /// `user`, signed in.
    pub(super) async fn signed_in(&self, email: &str, role: Role) -> Who {
        self.user(email, role).await;
        self.session(email, PASSWORD, None).await
    }

    pub(super) async fn sign_in_response(
        &self,
        email: &str,
        password: &str,
        code: Option<&str>,
    ) -> reqwest::Response {
        let mut body = json!({ "email": email, "password": password });
        if let Some(code) = code {
            body["code"] = json!(code);
        }
        self.served
            .client
            .post(format!("{}/api/v1/admin/session", self.served.base))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(super) async fn session(&self, email: &str, password: &str, code: Option<&str>) -> Who {
        let r = self.sign_in_response(email, password, code).await;
        assert_eq!(r.status(), StatusCode::OK, "{email} signs in");
        session_of(r).await.0
    }

    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        who: &Who,
    ) -> reqwest::Response {
        let mut req = self
            .served
            .client
            .request(method, format!("{}{path}", self.served.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        req = match who {
            Who::Nobody => req,
            Who::Token(token) => req.bearer_auth(token),
            Who::Session { cookie, csrf } => {
                req.header(COOKIE, cookie).header("X-CSRF-Token", csrf)
            }
        };
        req.send().await.unwrap()
    }

    /// `rest` under the site's admin routes (`""` for the site itself).
    pub(super) fn site_path(&self, rest: &str) -> String {
        if rest.is_empty() {
            format!("/api/v1/admin/sites/{}", self.site.key)
        } else {
            format!("/api/v1/admin/sites/{}/{rest}", self.site.key)
        }
    }
}

/// The session a sign-in (or an invitation's acceptance) answered with, and its body.
pub(super) async fn session_of(r: reqwest::Response) -> (Who, Value) {
    let cookie = r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = r.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    (Who::Session { cookie, csrf }, body)
}
