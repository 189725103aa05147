//! Who may do what on the admin API: every admin route for every role, on the caller's own site
//! and on another, through a dashboard session and through an API token; and the session's
//! guards (CSRF, idle expiry, login rate limit). A real server on a free port, a fresh SQLite
//! file and a manual clock per test.

#[path = "support/app.rs"]
mod app;

use app::{create_token, Harness};
use collector::access::Role;
use collector::accounts::Password;
use collector::clock::ManualClock;
use collector::store::{Site, Store};
use reqwest::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

const PASSWORD: &str = "correct horse battery staple";
const ROLES: [Role; 4] = [Role::Viewer, Role::Agent, Role::Admin, Role::Owner];
const HOUR: i64 = 60 * 60 * 1000;

/// One Argon2id hash of `PASSWORD`, shared by every user of every test: hashing is slow on
/// purpose.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| Password::new(PASSWORD.into()).unwrap().hash().unwrap())
}

struct TestApp {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    clock: ManualClock,
    /// The site every user and token of the tests has a role on.
    own: Site,
    /// A site they have no role on.
    other: Site,
    _dir: tempfile::TempDir,
}

/// How a request authenticates.
#[derive(Clone)]
enum Credentials {
    None,
    Token(String),
    Session { cookie: String, csrf: String },
}

impl TestApp {
    async fn spawn() -> Self {
        Self::spawn_with(false).await
    }

    async fn spawn_with(secure_cookies: bool) -> Self {
        let harness = Harness::new()
            .await
            .secure_cookies(secure_cookies)
            .two_factor_key(&"4b".repeat(32));
        let own = harness.site("Own Shop", &[]).await;
        let other = harness.site("Other Shop", &[]).await;
        let served = harness.serve().await;
        Self {
            base: served.base,
            client: served.client,
            store: served.store,
            clock: served.clock,
            own,
            other,
            _dir: served.dir,
        }
    }

    /// A user with `role` on each of `sites`, whose password is `PASSWORD`.
    async fn user(&self, email: &str, sites: &[(&Site, Role)]) {
        let id = self
            .store
            .create_user(email, password_hash(), 0)
            .await
            .unwrap();
        for (site, role) in sites {
            self.store
                .set_membership(id, &site.key, *role, 0)
                .await
                .unwrap();
        }
    }

    /// A new complaint on `site`, straight into the store; its id.
    async fn case(&self, site: &Site) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let complaint: shared::ComplaintSubmission = serde_json::from_value(json!({
            "id": id, "site_key": site.key, "description": "The card was charged twice",
        }))
        .unwrap();
        let intake = collector::complaints::intake::plan(
            &Default::default(),
            None,
            &complaint.description,
            None,
            &[],
        );
        self.store
            .insert_complaint(&collector::store::NewComplaint {
                complaint,
                enrichment: Default::default(),
                received_at: 0,
                intake,
                token: None,
                channel: "widget",
                source_url: None,
                resolved_at: None,
            })
            .await
            .unwrap();
        id
    }

    /// Written answers on `site` that make "delivery" a topic, and a share destination.
    async fn topic(&self, site: &Site) {
        let survey: shared::Survey = serde_json::from_value(json!({
            "id": "why", "name": "Why",
            "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
            "questions": [{"id": "q1", "type": "text", "prompt": "Why?"}]
        }))
        .unwrap();
        // Made once per site; later calls find it there.
        let _ = self
            .store
            .create_survey(
                &site.key,
                &survey,
                collector::store::SurveyStatus::Active,
                0,
            )
            .await;
        for text in ["The delivery was late", "Slow delivery"] {
            let answer: shared::ResponseSubmission = serde_json::from_value(json!({
                "id": uuid::Uuid::new_v4().to_string(), "site_key": site.key, "survey_id": "why",
                "answers": [{"type": "text", "question_id": "q1", "text": text}],
            }))
            .unwrap();
            self.store
                .insert_response(&answer, collector::clock::Clock::now_ms(&self.clock))
                .await
                .unwrap();
        }
        self.destinations(site).await;
    }

    /// A share destination ("Product", a webhook only: nothing is mailed) on `site`.
    async fn destinations(&self, site: &Site) {
        self.store
            .set_site_document(
                &site.key,
                collector::store::case_store::SiteDocument::ShareDestinations,
                r#"{"destinations": [{"name": "Product", "webhook": true}]}"#,
            )
            .await
            .unwrap();
    }

    /// A change `what` with `body` to a fresh case of `site`.
    async fn on_case(
        &self,
        site: &Site,
        what: &str,
        body: Value,
    ) -> (Method, String, Option<Value>) {
        let id = self.case(site).await;
        let key = &site.key;
        let method = match what {
            "status" | "replies" | "merge" | "share" => Method::POST,
            _ => Method::PUT,
        };
        (
            method,
            format!("/api/v1/admin/sites/{key}/complaints/{id}/{what}"),
            Some(body),
        )
    }

    /// A new case of `site` with a file kept (as e-mail in keeps one); the ids of both.
    async fn attachment(&self, site: &Site) -> (String, i64) {
        let id = self.case(site).await;
        let rid = shared::ResponseId::parse(&id).unwrap();
        let status = self
            .store
            .case(&site.key, &rid)
            .await
            .unwrap()
            .unwrap()
            .status;
        let mut change = collector::store::case_store::CaseChange::new(status, 0);
        change
            .attachments
            .push(collector::store::mail_store::NewAttachment {
                filename: "note.txt".into(),
                declared_type: "text/plain".into(),
                content_type: "text/plain; charset=utf-8".into(),
                content: b"order 1234".to_vec(),
            });
        assert!(self
            .store
            .change_case(&site.key, &rid, &change)
            .await
            .unwrap());
        let file = self.store.attachments(&rid).await.unwrap()[0].id;
        (id, file)
    }

    /// A new problem record on `site`; its id.
    async fn problem(&self, site: &Site) -> i64 {
        let fields = collector::store::case_store::ProblemFields {
            title: "Checkout fails".into(),
            category: None,
            status: shared::case::ProblemStatus::Investigating,
            root_cause: None,
            workaround: None,
            fix: None,
        };
        self.store
            .create_problem(&site.key, &fields, 0)
            .await
            .unwrap()
            .unwrap()
    }

    async fn webhook(&self, site: &Site) -> i64 {
        self.store
            .create_webhook(
                &site.key,
                "https://hooks.example.com/hark",
                None,
                "whsec_AAAA",
                0,
            )
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// A new user with `role` on `site` only; their id.
    async fn member(&self, site: &Site, role: Role) -> i64 {
        let email = format!("{}@member.test", uuid::Uuid::new_v4().simple());
        let id = self
            .store
            .create_user(&email, password_hash(), 0)
            .await
            .unwrap();
        self.store
            .set_membership(id, &site.key, role, 0)
            .await
            .unwrap();
        id
    }

    /// A pending invitation to `site` as a viewer; its id.
    async fn invitation(&self, site: &Site) -> i64 {
        let token = collector::team::InvitationToken::generate();
        let now = collector::clock::Clock::now_ms(&self.clock);
        self.store
            .create_invitation(
                &site.key,
                &format!("{}@invited.test", uuid::Uuid::new_v4().simple()),
                Role::Viewer,
                &collector::team::InvitationToken::hash(token.expose()),
                "owner@own.test",
                now,
                now + collector::team::INVITATION_MS,
            )
            .await
            .unwrap()
            .unwrap()
            .0
    }

    /// A new API token with `role` on `site`, and its id.
    async fn token(&self, site: &Site, role: Role) -> (String, i64) {
        create_token(&self.store, site, role).await
    }

    async fn login_response(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/admin/session", self.base))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Signs in and returns the session's credentials and the answer's body.
    async fn login(&self, email: &str) -> (Credentials, Value) {
        let response = self.login_response(email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        (Credentials::Session { cookie, csrf }, body)
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        credentials: &Credentials,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        match body {
            // A file, for the imports.
            Some(Value::String(csv)) => {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "text/csv")
                    .body(csv);
            }
            Some(body) => req = req.json(&body),
            None => {}
        }
        req = match credentials {
            Credentials::None => req,
            Credentials::Token(token) => req.bearer_auth(token),
            Credentials::Session { cookie, csrf } => {
                req.header(COOKIE, cookie).header("X-CSRF-Token", csrf)
            }
        };
        req.send().await.unwrap()
    }
}

/// The admin routes that name a site, and the least role each needs.
#[derive(Debug, Clone, Copy)]
enum Route {
    ListResponses,
    ListTokens,
    CreateToken,
    RevokeToken,
    ReadAudit,
    SetRetention,
    Erase,
    Export,
    ReadSettings,
    ChangeSettings,
    ListComplaints,
    ExportComplaints,
    ListSurveys,
    CreateSurvey,
    ReadSurvey,
    EditSurvey,
    SetSurveyStatus,
    SurveyVersions,
    ShowCase,
    DeleteCase,
    SetStatus,
    Reply,
    AutoAssign,
    Categorize,
    Prioritize,
    LinkProblem,
    Merge,
    Bulk,
    Agents,
    ReadWorkflow,
    SetWorkflow,
    ReadBusinessHours,
    SetBusinessHours,
    ReadSlaPolicies,
    SetSlaPolicies,
    ReadHotStove,
    SetHotStove,
    ListWebhooks,
    CreateWebhook,
    ChangeWebhook,
    DeleteWebhook,
    WebhookDeliveries,
    ListProblems,
    CreateProblem,
    ReadProblem,
    UpdateProblem,
    ResolveProblem,
    ReadNotifications,
    SetNotifications,
    LogComplaint,
    ReadOverview,
    CreateGoal,
    ImportAnswers,
    ImportComplaints,
    ReadShareDestinations,
    SetShareDestinations,
    ShareCase,
    LiveEvents,
    ShareProblem,
    ShareTopic,
    ReadMailIntake,
    SetMailIntake,
    DownloadAttachment,
    ListMembers,
    ChangeMemberRole,
    RemoveMember,
    ListInvitations,
    CreateInvitation,
    RevokeInvitation,
    ReadSite,
    SetOrigins,
    Sightings,
}

impl Route {
    const ALL: [Route; 72] = [
        Route::ListResponses,
        Route::ListTokens,
        Route::CreateToken,
        Route::RevokeToken,
        Route::ReadAudit,
        Route::SetRetention,
        Route::Erase,
        Route::Export,
        Route::ReadSettings,
        Route::ChangeSettings,
        Route::ListComplaints,
        Route::ExportComplaints,
        Route::ListSurveys,
        Route::CreateSurvey,
        Route::ReadSurvey,
        Route::EditSurvey,
        Route::SetSurveyStatus,
        Route::SurveyVersions,
        Route::ShowCase,
        Route::DeleteCase,
        Route::SetStatus,
        Route::Reply,
        Route::AutoAssign,
        Route::Categorize,
        Route::Prioritize,
        Route::LinkProblem,
        Route::Merge,
        Route::Bulk,
        Route::Agents,
        Route::ReadWorkflow,
        Route::SetWorkflow,
        Route::ReadBusinessHours,
        Route::SetBusinessHours,
        Route::ReadSlaPolicies,
        Route::SetSlaPolicies,
        Route::ReadHotStove,
        Route::SetHotStove,
        Route::ListWebhooks,
        Route::CreateWebhook,
        Route::ChangeWebhook,
        Route::DeleteWebhook,
        Route::WebhookDeliveries,
        Route::ListProblems,
        Route::CreateProblem,
        Route::ReadProblem,
        Route::UpdateProblem,
        Route::ResolveProblem,
        Route::ReadNotifications,
        Route::SetNotifications,
        Route::LogComplaint,
        Route::ReadOverview,
        Route::CreateGoal,
        Route::ImportAnswers,
        Route::ImportComplaints,
        Route::ReadShareDestinations,
        Route::SetShareDestinations,
        Route::ShareCase,
        Route::LiveEvents,
        Route::ShareProblem,
        Route::ShareTopic,
        Route::ReadMailIntake,
        Route::SetMailIntake,
        Route::DownloadAttachment,
        Route::ListMembers,
        Route::ChangeMemberRole,
        Route::RemoveMember,
        Route::ListInvitations,
        Route::CreateInvitation,
        Route::RevokeInvitation,
        Route::ReadSite,
        Route::SetOrigins,
        Route::Sightings,
    ];

    /// One's own notification preferences: a user's, so no API token has them.
    fn users_only(self) -> bool {
        matches!(self, Route::ReadNotifications | Route::SetNotifications)
    }

    fn least_role(self) -> Role {
        match self {
            Route::ListResponses
            | Route::Export
            | Route::ReadSettings
            | Route::ListComplaints
            | Route::ExportComplaints
            | Route::ListSurveys
            | Route::ReadSurvey
            | Route::SurveyVersions
            | Route::ShowCase
            | Route::Agents
            | Route::ReadWorkflow
            | Route::ReadBusinessHours
            | Route::ReadSlaPolicies
            | Route::ReadHotStove
            | Route::ListProblems
            | Route::ReadProblem
            | Route::ReadNotifications
            | Route::SetNotifications
            | Route::ReadOverview
            | Route::ReadShareDestinations
            | Route::LiveEvents
            | Route::ReadMailIntake
            | Route::ListMembers
            | Route::ReadSite
            | Route::Sightings => Role::Viewer,
            Route::SetStatus
            | Route::Reply
            | Route::Categorize
            | Route::Prioritize
            | Route::LinkProblem
            | Route::Merge
            | Route::Bulk
            | Route::CreateProblem
            | Route::UpdateProblem
            | Route::ResolveProblem
            | Route::LogComplaint
            | Route::ImportComplaints
            | Route::ShareCase
            | Route::ShareProblem
            | Route::ShareTopic
            | Route::DownloadAttachment => Role::Agent,
            // Assigning someone else (here: automatically) needs an admin; agents only take a
            // case for themselves (`tests/workflow.rs`).
            Route::AutoAssign
            | Route::DeleteCase
            | Route::SetWorkflow
            | Route::SetBusinessHours
            | Route::SetSlaPolicies
            | Route::SetHotStove
            | Route::CreateGoal
            | Route::SetShareDestinations
            | Route::SetMailIntake
            | Route::ImportAnswers
            | Route::ListWebhooks
            | Route::CreateWebhook
            | Route::ChangeWebhook
            | Route::DeleteWebhook
            | Route::WebhookDeliveries
            | Route::ChangeMemberRole
            | Route::RemoveMember
            | Route::ListInvitations
            | Route::CreateInvitation
            | Route::RevokeInvitation => Role::Admin,
            Route::CreateSurvey
            | Route::EditSurvey
            | Route::SetSurveyStatus
            | Route::ChangeSettings
            | Route::ListTokens
            | Route::CreateToken
            | Route::RevokeToken
            | Route::ReadAudit
            | Route::SetRetention
            | Route::SetOrigins
            | Route::Erase => Role::Admin,
        }
    }

    /// Calls the route on `site`; a revocation gets a fresh viewer token of that site to revoke.
    async fn call(self, app: &TestApp, site: &Site, credentials: &Credentials) -> StatusCode {
        let key = &site.key;
        let (method, path, body) = match self {
            Route::ListResponses => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/responses"),
                None,
            ),
            Route::ListTokens => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/tokens"),
                None,
            ),
            Route::CreateToken => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/tokens"),
                Some(json!({ "role": "viewer" })),
            ),
            Route::RevokeToken => {
                let (_, id) = app.token(site, Role::Viewer).await;
                (
                    Method::DELETE,
                    format!("/api/v1/admin/sites/{key}/tokens/{id}"),
                    None,
                )
            }
            Route::ReadAudit => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/audit"),
                None,
            ),
            Route::SetRetention => (
                Method::PATCH,
                format!("/api/v1/admin/sites/{key}"),
                Some(json!({ "retention_days": 30 })),
            ),
            Route::ReadSite => (Method::GET, format!("/api/v1/admin/sites/{key}"), None),
            Route::SetOrigins => (
                Method::PATCH,
                format!("/api/v1/admin/sites/{key}"),
                Some(json!({ "origins": ["https://own.test"] })),
            ),
            Route::Sightings => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/sightings"),
                None,
            ),
            Route::Erase => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/erasure"),
                Some(json!({ "email": "ann@example.com" })),
            ),
            Route::Export => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/export?format=csv"),
                None,
            ),
            Route::ReadSettings => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/settings"),
                None,
            ),
            Route::ChangeSettings => (
                Method::PATCH,
                format!("/api/v1/admin/sites/{key}/settings"),
                Some(json!({ "cooldown_days": 3 })),
            ),
            Route::ListComplaints => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/complaints"),
                None,
            ),
            Route::ExportComplaints => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/complaints/export?format=ndjson"),
                None,
            ),
            Route::ListSurveys => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/surveys"),
                None,
            ),
            // A fresh id each time, so that every allowed call creates one.
            Route::CreateSurvey => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/surveys"),
                Some(survey(&format!("s{}", uuid::Uuid::new_v4().simple()))),
            ),
            Route::ReadSurvey => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/surveys/nps"),
                None,
            ),
            Route::EditSurvey => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/surveys/nps"),
                Some(survey("nps")),
            ),
            Route::SetSurveyStatus => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/surveys/nps/status"),
                Some(json!({ "status": "active" })),
            ),
            Route::SurveyVersions => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/surveys/nps/versions"),
                None,
            ),
            // Each call on a case works on a fresh one, so that every allowed call can succeed.
            Route::ShowCase | Route::DeleteCase => {
                let id = app.case(site).await;
                let method = if matches!(self, Route::ShowCase) {
                    Method::GET
                } else {
                    Method::DELETE
                };
                (
                    method,
                    format!("/api/v1/admin/sites/{key}/complaints/{id}"),
                    None,
                )
            }
            Route::SetStatus => app.on_case(site, "status", json!({"status": "open"})).await,
            Route::Reply => app.on_case(site, "replies", json!({"body": "On it"})).await,
            Route::ShareCase => {
                app.destinations(site).await;
                app.on_case(site, "share", json!({"destination": "Product"}))
                    .await
            }
            Route::ShareProblem => {
                app.destinations(site).await;
                let id = app.problem(site).await;
                (
                    Method::POST,
                    format!("/api/v1/admin/sites/{key}/problems/{id}/share"),
                    Some(json!({"destination": "Product"})),
                )
            }
            Route::ShareTopic => {
                app.topic(site).await;
                (
                    Method::POST,
                    format!("/api/v1/admin/sites/{key}/insight/topics/share?days=30"),
                    Some(json!({"term": "delivery", "destination": "Product"})),
                )
            }
            Route::AutoAssign => app.on_case(site, "assignee", json!({"auto": true})).await,
            Route::Categorize => {
                app.on_case(site, "category", json!({"category": "Billing"}))
                    .await
            }
            Route::Prioritize => {
                app.on_case(site, "priority", json!({"urgency": "high"}))
                    .await
            }
            Route::LinkProblem => {
                app.on_case(site, "problem", json!({"problem_id": null}))
                    .await
            }
            Route::Merge => {
                let into = app.case(site).await;
                app.on_case(site, "merge", json!({ "into": into })).await
            }
            Route::Bulk => {
                let id = app.case(site).await;
                (
                    Method::POST,
                    format!("/api/v1/admin/sites/{key}/complaints/bulk"),
                    Some(json!({"ids": [id], "status": "open"})),
                )
            }
            Route::Agents => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/agents"),
                None,
            ),
            // A stream that stays open: its status comes with its headers.
            Route::LiveEvents => (
                Method::GET,
                format!("/api/v1/admin/events?site={key}"),
                None,
            ),
            Route::ReadWorkflow => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/workflow"),
                None,
            ),
            Route::SetWorkflow => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/workflow"),
                Some(json!({ "auto_close_days": 7 })),
            ),
            Route::ReadBusinessHours => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/business-hours"),
                None,
            ),
            Route::SetBusinessHours => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/business-hours"),
                Some(json!({ "time_zone": "Europe/Berlin", "always_open": true })),
            ),
            Route::ReadSlaPolicies => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/sla-policies"),
                None,
            ),
            Route::SetSlaPolicies => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/sla-policies"),
                Some(json!({ "policies": [{"priority": "P1", "first_response": 30}] })),
            ),
            Route::ReadHotStove => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/hot-stove"),
                None,
            ),
            Route::SetHotStove => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/hot-stove"),
                Some(json!({ "rules": [{"name": "Down", "phrases": ["site is down"]}] })),
            ),
            Route::ListWebhooks => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/webhooks"),
                None,
            ),
            Route::CreateWebhook => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/webhooks"),
                Some(json!({ "url": "https://hooks.example.com/hark" })),
            ),
            Route::ChangeWebhook | Route::DeleteWebhook | Route::WebhookDeliveries => {
                let id = app.webhook(site).await;
                let path = format!("/api/v1/admin/sites/{key}/webhooks/{id}");
                match self {
                    Route::ChangeWebhook => {
                        (Method::PATCH, path, Some(json!({ "enabled": false })))
                    }
                    Route::DeleteWebhook => (Method::DELETE, path, None),
                    _ => (Method::GET, format!("{path}/deliveries"), None),
                }
            }
            Route::ListProblems => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/problems"),
                None,
            ),
            Route::CreateProblem => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/problems"),
                Some(json!({ "title": "Checkout fails" })),
            ),
            Route::LogComplaint => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/complaints"),
                Some(json!({ "channel": "phone", "description": "Called: charged twice" })),
            ),
            Route::ImportAnswers => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/responses/import?dry_run=true"),
                Some(json!("external_id,received_at,survey_id\n")),
            ),
            Route::ImportComplaints => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/complaints/import?dry_run=true"),
                Some(json!("external_id,received_at,description\n")),
            ),
            Route::ReadMailIntake => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/mail-intake"),
                None,
            ),
            Route::SetMailIntake => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/mail-intake"),
                Some(
                    json!({"address": format!("in-{}@feedback.test", key.as_str().to_lowercase())}),
                ),
            ),
            Route::DownloadAttachment => {
                let (id, file) = app.attachment(site).await;
                (
                    Method::GET,
                    format!("/api/v1/admin/sites/{key}/complaints/{id}/attachments/{file}"),
                    None,
                )
            }
            Route::ListMembers => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/members"),
                None,
            ),
            // Each change works on a fresh viewer of the site, whom every admin may change.
            Route::ChangeMemberRole | Route::RemoveMember => {
                let id = app.member(site, Role::Viewer).await;
                let path = format!("/api/v1/admin/sites/{key}/members/{id}");
                match self {
                    Route::ChangeMemberRole => {
                        (Method::PUT, path, Some(json!({ "role": "agent" })))
                    }
                    _ => (Method::DELETE, path, None),
                }
            }
            Route::ListInvitations => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/invitations"),
                None,
            ),
            Route::CreateInvitation => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/invitations"),
                Some(json!({
                    "email": format!("{}@invited.test", uuid::Uuid::new_v4().simple()),
                    "role": "viewer",
                })),
            ),
            Route::RevokeInvitation => {
                let id = app.invitation(site).await;
                (
                    Method::DELETE,
                    format!("/api/v1/admin/sites/{key}/invitations/{id}"),
                    None,
                )
            }
            Route::ReadShareDestinations => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/share-destinations"),
                None,
            ),
            Route::SetShareDestinations => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/share-destinations"),
                Some(json!({"destinations": [{"name": "Billing", "email": "billing@own.test"}]})),
            ),
            Route::ReadOverview => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/insight/overview?days=7"),
                None,
            ),
            Route::CreateGoal => (
                Method::POST,
                format!("/api/v1/admin/sites/{key}/goals"),
                Some(
                    json!({ "name": "NPS 40", "metric": "nps", "target": 40, "start": "2026-11-01", "deadline": "2027-01-31" }),
                ),
            ),
            Route::ReadNotifications => (
                Method::GET,
                format!("/api/v1/admin/sites/{key}/notifications"),
                None,
            ),
            Route::SetNotifications => (
                Method::PUT,
                format!("/api/v1/admin/sites/{key}/notifications"),
                Some(json!({ "language": "de", "email": ["sla.breached"] })),
            ),
            Route::ReadProblem | Route::UpdateProblem | Route::ResolveProblem => {
                let id = app.problem(site).await;
                let path = format!("/api/v1/admin/sites/{key}/problems/{id}");
                match self {
                    Route::ReadProblem => (Method::GET, path, None),
                    Route::UpdateProblem => (
                        Method::PATCH,
                        path,
                        Some(json!({ "status": "known_error" })),
                    ),
                    _ => (
                        Method::POST,
                        format!("{path}/resolve"),
                        Some(json!({ "reply": "Fixed" })),
                    ),
                }
            }
        };
        app.request(method, &path, body, credentials).await.status()
    }
}

/// A valid survey with this id.
fn survey(id: &str) -> Value {
    json!({
        "id": id, "name": "Survey",
        "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
        "questions": [{"id": "q1", "type": "nps", "prompt": "Would you recommend us?"}]
    })
}

#[tokio::test]
async fn every_admin_route_checks_the_role_on_the_site_it_names() {
    let app = TestApp::spawn().await;
    let mut callers = Vec::new();
    for role in ROLES {
        let email = format!("{role}@own.test");
        app.user(&email, &[(&app.own, role)]).await;
        let (session, _) = app.login(&email).await;
        callers.push((format!("{role} session"), role, session));
        let (token, _) = app.token(&app.own, role).await;
        callers.push((format!("{role} token"), role, Credentials::Token(token)));
    }

    let mut wrong = Vec::new();
    let mut checked = 0;
    for route in Route::ALL {
        for (site, is_own) in [(&app.own, true), (&app.other, false)] {
            let status = route.call(&app, site, &Credentials::None).await;
            checked += 1;
            if status != StatusCode::UNAUTHORIZED {
                wrong.push(format!(
                    "{route:?} on {site:?} without credentials: {status}",
                    site = site.name
                ));
            }
            for (who, role, credentials) in &callers {
                let allowed = is_own
                    && role.at_least(route.least_role())
                    && !(route.users_only() && who.ends_with("token"));
                let status = route.call(&app, site, credentials).await;
                checked += 1;
                let as_designed = if allowed {
                    status.is_success()
                } else {
                    status == StatusCode::FORBIDDEN
                };
                if !as_designed {
                    wrong.push(format!(
                        "{route:?} on {} by a {who}: {status}, expected {}",
                        site.name,
                        if allowed { "2xx" } else { "403" }
                    ));
                }
            }
        }
    }
    assert_eq!(checked, Route::ALL.len() * 2 * (1 + 8));
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // `me` answers every caller, and no one without credentials.
    for (who, _, credentials) in &callers {
        let status = app
            .request(Method::GET, "/api/v1/admin/me", None, credentials)
            .await
            .status();
        assert_eq!(status, StatusCode::OK, "{who}");
    }
    let status = app
        .request(Method::GET, "/api/v1/admin/me", None, &Credentials::None)
        .await
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// `POST /api/v1/admin/sites` names no site: a session whose user owns a site may create one
/// (and owns it then); every other role's session and every API token, even an owner's, may not;
/// nobody unsigned.
#[tokio::test]
async fn creating_a_site_takes_the_session_of_an_owner_of_a_site() {
    let app = TestApp::spawn().await;
    let mut made = 0;
    for role in ROLES {
        let email = format!("{role}@own.test");
        app.user(&email, &[(&app.own, role)]).await;
        let (session, _) = app.login(&email).await;
        let (token, _) = app.token(&app.own, role).await;
        for (who, credentials, allowed) in [
            ("session", session, role == Role::Owner),
            ("token", Credentials::Token(token), false),
        ] {
            let body =
                json!({ "name": format!("{role}'s {who} site"), "origins": ["https://new.test"] });
            let status = app
                .request(
                    Method::POST,
                    "/api/v1/admin/sites",
                    Some(body),
                    &credentials,
                )
                .await
                .status();
            let expected = if allowed {
                made += 1;
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "a {role} {who}");
        }
    }
    let body = json!({ "name": "Nobody's", "origins": ["https://new.test"] });
    let status = app
        .request(
            Method::POST,
            "/api/v1/admin/sites",
            Some(body),
            &Credentials::None,
        )
        .await
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(made, 1);
    assert_eq!(app.store.sites().await.unwrap().len(), 3);
}

/// The routes of the caller's own account, which name no site: every role's session may use
/// them (each call here succeeds), no API token may (they are nobody's), and nobody unsigned.
#[tokio::test]
async fn the_account_routes_are_every_signed_in_users_own_and_no_tokens() {
    let app = TestApp::spawn().await;
    const ROUTES: [(&str, &str); 7] = [
        ("GET", "/api/v1/admin/account/two-factor"),
        ("POST", "/api/v1/admin/account/two-factor"),
        ("POST", "/api/v1/admin/account/two-factor/confirm"),
        ("POST", "/api/v1/admin/account/two-factor/recovery-codes"),
        ("POST", "/api/v1/admin/account/two-factor/disable"),
        ("PUT", "/api/v1/admin/account/password"),
        // Last: it ends the session.
        ("DELETE", "/api/v1/admin/account/sessions"),
    ];
    let mut wrong = Vec::new();
    for role in ROLES {
        let email = format!("{role}@own.test");
        app.user(&email, &[(&app.own, role)]).await;
        let (token, _) = app.token(&app.own, role).await;
        let (session, _) = app.login(&email).await;
        let mut secret = Vec::new();
        for (method, path) in ROUTES {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let body = match path.rsplit('/').next().unwrap() {
                "confirm" => {
                    let now = collector::clock::Clock::now_ms(&app.clock);
                    let step = collector::two_factor::step_at(now);
                    Some(json!({ "code": collector::two_factor::code_at_step(&secret, step) }))
                }
                "password" => {
                    Some(json!({ "current_password": PASSWORD, "new_password": PASSWORD }))
                }
                "sessions" => None,
                _ if method == Method::GET => None,
                _ => Some(json!({ "password": PASSWORD })),
            };
            for (who, credentials, expected) in [
                ("nobody", Credentials::None, Some(StatusCode::UNAUTHORIZED)),
                (
                    "token",
                    Credentials::Token(token.clone()),
                    Some(StatusCode::FORBIDDEN),
                ),
                ("session", session.clone(), None),
            ] {
                let r = app
                    .request(method.clone(), path, body.clone(), &credentials)
                    .await;
                let status = r.status();
                let as_designed = match expected {
                    Some(expected) => status == expected,
                    None => status.is_success(),
                };
                if !as_designed {
                    wrong.push(format!("{method} {path} by a {role} {who}: {status}"));
                } else if who == "session"
                    && path.ends_with("/two-factor")
                    && method == Method::POST
                {
                    let base32 = r.json::<Value>().await.unwrap()["secret"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    secret = totp_rs::Secret::Encoded(base32).to_bytes().unwrap();
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_session_acts_with_its_role_on_each_of_its_sites() {
    let app = TestApp::spawn().await;
    app.user(
        "ann@own.test",
        &[(&app.own, Role::Owner), (&app.other, Role::Viewer)],
    )
    .await;
    let (ann, body) = app.login("ann@own.test").await;
    assert_eq!(body["email"], "ann@own.test");
    assert_eq!(
        body["sites"],
        json!([
            {"site_key": app.own.key, "site_name": "Own Shop", "role": "owner"},
            {"site_key": app.other.key, "site_name": "Other Shop", "role": "viewer"},
        ])
    );
    let me: Value = app
        .request(Method::GET, "/api/v1/admin/me", None, &ann)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["sites"], body["sites"]);
    assert_eq!(me["csrf_token"], body["csrf_token"]);

    assert_eq!(
        Route::CreateToken.call(&app, &app.own, &ann).await,
        StatusCode::CREATED
    );
    assert_eq!(
        Route::CreateToken.call(&app, &app.other, &ann).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        Route::ListResponses.call(&app, &app.other, &ann).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_token_caller_still_gets_me_for_its_one_site() {
    let app = TestApp::spawn().await;
    let (token, _) = app.token(&app.own, Role::Agent).await;
    let me: shared::api::Me = app
        .request(
            Method::GET,
            "/api/v1/admin/me",
            None,
            &Credentials::Token(token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.site_key, app.own.key);
    assert_eq!(me.role, "agent");
}

#[tokio::test]
async fn nobody_grants_or_revokes_more_than_their_own_role() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.token(&app.own, Role::Admin).await;
    let admin = Credentials::Token(admin);
    let (owner, _) = app.token(&app.own, Role::Owner).await;
    let owner = Credentials::Token(owner);
    let tokens = format!("/api/v1/admin/sites/{}/tokens", app.own.key);

    let refused = app
        .request(
            Method::POST,
            &tokens,
            Some(json!({"role": "owner"})),
            &admin,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let created = app
        .request(
            Method::POST,
            &tokens,
            Some(json!({"role": "admin"})),
            &admin,
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["role"], "admin");
    // The token works as soon as it is shown.
    let minted = Credentials::Token(created["token"].as_str().unwrap().to_owned());
    assert_eq!(
        Route::ReadAudit.call(&app, &app.own, &minted).await,
        StatusCode::OK
    );

    let created = app
        .request(
            Method::POST,
            &tokens,
            Some(json!({"role": "owner"})),
            &owner,
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let owner_token_id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let revoke_owner = format!("{tokens}/{owner_token_id}");
    assert_eq!(
        app.request(Method::DELETE, &revoke_owner, None, &admin)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.request(Method::DELETE, &revoke_owner, None, &owner)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // The list shows tokens by id and role, never their secrets; a revoked one leaves it.
    let listed: Value = app
        .request(Method::GET, &tokens, None, &owner)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&owner_token_id), "{listed}");
    assert!(ids.contains(&admin_id), "{listed}");
    assert!(
        listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none() && t["created_at"].is_string()),
        "{listed}"
    );
    assert_eq!(
        app.request(Method::DELETE, &revoke_owner, None, &owner)
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a token is revoked once"
    );
    let bad_role = app
        .request(Method::POST, &tokens, Some(json!({"role": "god"})), &owner)
        .await;
    assert_eq!(bad_role.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A revoked token stops working at once, even for itself.
    let revoke_self = format!("{tokens}/{admin_id}");
    assert_eq!(
        app.request(Method::DELETE, &revoke_self, None, &admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        Route::ListResponses.call(&app, &app.own, &admin).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changes_and_logins_are_in_the_audit_log_with_their_actor() {
    let app = TestApp::spawn().await;
    app.user("ann@own.test", &[(&app.own, Role::Owner)]).await;
    let (ann, _) = app.login("ann@own.test").await;
    let (token, token_id) = app.token(&app.own, Role::Admin).await;
    let token = Credentials::Token(token);
    let tokens = format!("/api/v1/admin/sites/{}/tokens", app.own.key);

    let created: Value = app
        .request(Method::POST, &tokens, Some(json!({"role": "agent"})), &ann)
        .await
        .json()
        .await
        .unwrap();
    let agent_id = created["id"].as_i64().unwrap();
    app.clock.advance(1000);
    let status = app
        .request(
            Method::DELETE,
            &format!("{tokens}/{agent_id}"),
            None,
            &token,
        )
        .await
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);

    let audit: Value = app
        .request(
            Method::GET,
            &format!("/api/v1/admin/sites/{}/audit", app.own.key),
            None,
            &ann,
        )
        .await
        .json()
        .await
        .unwrap();
    let lines: Vec<(String, String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let as_tuple = |a: &str, b: &str, c: String| (a.to_owned(), b.to_owned(), c);
    assert_eq!(
        lines,
        [
            as_tuple(
                &format!("token:{token_id}"),
                "token.revoke",
                format!("token:{agent_id} role=agent")
            ),
            as_tuple(
                "ann@own.test",
                "token.create",
                format!("token:{agent_id} role=agent")
            ),
            as_tuple("ann@own.test", "session.create", String::new()),
        ]
    );
    // The log names tokens by id, never by their secret.
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(created["token"].as_str().unwrap()), "{text}");

    // Searched by the collector: an action, part of an actor, days.
    let search = |query: &str| {
        let (app, ann) = (&app, ann.clone());
        let path = format!("/api/v1/admin/sites/{}/audit?{query}", app.own.key);
        async move { app.request(Method::GET, &path, None, &ann).await }
    };
    let actions = |list: Value| -> Vec<String> {
        list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let found = search("action=token.create").await;
    assert_eq!(found.status(), StatusCode::OK);
    assert_eq!(actions(found.json().await.unwrap()), ["token.create"]);
    let found = search("actor=ANN%40OWN").await;
    assert_eq!(
        actions(found.json().await.unwrap()),
        ["token.create", "session.create"]
    );
    // The day of the entries (on the test's clock).
    let today = audit["entries"][0]["at"].as_str().unwrap()[..10].to_owned();
    let found = search(&format!("from={today}&to={today}")).await;
    assert_eq!(actions(found.json().await.unwrap()).len(), 3);
    let found = search("to=2001-01-01").await;
    assert_eq!(actions(found.json().await.unwrap()), Vec::<String>::new());
    for (bad, says) in [
        ("from=yesterday", "from must be a day"),
        (
            "from=2026-02-01&to=2026-01-01",
            "from must not come after to",
        ),
        (
            &*format!("action={}", "a".repeat(65)),
            "action is at most 64",
        ),
    ] {
        let refused = search(bad).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: Value = refused.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn a_change_with_the_session_cookie_needs_the_csrf_token() {
    let app = TestApp::spawn().await;
    app.user("ann@own.test", &[(&app.own, Role::Owner)]).await;
    let (ann, _) = app.login("ann@own.test").await;
    let Credentials::Session { cookie, csrf } = &ann else {
        unreachable!()
    };
    let tokens = format!("{}/api/v1/admin/sites/{}/tokens", app.base, app.own.key);

    let without = app
        .client
        .post(&tokens)
        .header(COOKIE, cookie)
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let wrong = app
        .client
        .post(&tokens)
        .header(COOKIE, cookie)
        .header("X-CSRF-Token", csrf.replace(|c: char| c != '0', "0"))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let logout_without = app
        .client
        .delete(format!("{}/api/v1/admin/session", app.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout_without.status(), StatusCode::FORBIDDEN);
    let log = app.store.audit_log(&app.own.key, 10).await.unwrap();
    assert_eq!(log.len(), 1, "only the login: {log:?}");

    // Reading needs no CSRF token; the right one lets the change through.
    let read = app
        .client
        .get(format!("{}/api/v1/admin/me", app.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(
        Route::CreateToken.call(&app, &app.own, &ann).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_session_ends_after_twelve_idle_hours_or_at_logout() {
    let app = TestApp::spawn().await;
    app.user("ann@own.test", &[(&app.own, Role::Viewer)]).await;
    let (ann, _) = app.login("ann@own.test").await;
    let me = |credentials: Credentials| {
        let app = &app;
        async move {
            app.request(Method::GET, "/api/v1/admin/me", None, &credentials)
                .await
                .status()
        }
    };

    // Each use keeps it alive for another twelve hours.
    app.clock.advance(11 * HOUR);
    assert_eq!(me(ann.clone()).await, StatusCode::OK);
    app.clock.advance(11 * HOUR);
    assert_eq!(me(ann.clone()).await, StatusCode::OK);
    app.clock.advance(12 * HOUR);
    assert_eq!(me(ann.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        Route::ListResponses.call(&app, &app.own, &ann).await,
        StatusCode::UNAUTHORIZED
    );

    let (again, _) = app.login("ann@own.test").await;
    assert_eq!(me(again.clone()).await, StatusCode::OK);
    let logout = app
        .request(Method::DELETE, "/api/v1/admin/session", None, &again)
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let cleared = logout.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(me(again).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_cookie_is_locked_down() {
    for secure in [false, true] {
        let app = TestApp::spawn_with(secure).await;
        app.user("ann@own.test", &[(&app.own, Role::Viewer)]).await;
        let response = app.login_response("ann@own.test", PASSWORD).await;
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("hark_session="), "{cookie}");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
        assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
    }
}

#[tokio::test]
async fn a_wrong_email_and_a_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    app.user("ann@own.test", &[(&app.own, Role::Viewer)]).await;
    let wrong_password = app.login_response("ann@own.test", "not the password").await;
    let wrong_email = app.login_response("bob@own.test", PASSWORD).await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_email.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong_password.headers().get(SET_COOKIE).is_none());
    let (a, b): (Value, Value) = (
        wrong_password.json().await.unwrap(),
        wrong_email.json().await.unwrap(),
    );
    assert_eq!(a, b);
    // Logins are case-blind in the address.
    assert_eq!(
        app.login_response(" Ann@Own.Test", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn failed_logins_are_limited_per_email_and_per_client() {
    let app = TestApp::spawn().await;
    app.user("ann@own.test", &[(&app.own, Role::Viewer)]).await;
    app.user("bob@own.test", &[(&app.own, Role::Viewer)]).await;

    for _ in 0..5 {
        let status = app
            .login_response("ann@own.test", "guess guess guess")
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The right password is refused too now: the limit is checked first.
    let limited = app.login_response("ann@own.test", PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    // This client has used up its failures too, whatever the address.
    assert_eq!(
        app.login_response("bob@own.test", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    app.clock.advance(15 * 60 * 1000);
    assert_eq!(
        app.login_response("ann@own.test", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn each_user_sets_their_own_notification_preferences() {
    let app = TestApp::spawn().await;
    app.user("ann@own.test", &[(&app.own, Role::Agent)]).await;
    app.user("bob@own.test", &[(&app.own, Role::Admin)]).await;
    let (ann, _) = app.login("ann@own.test").await;
    let (bob, _) = app.login("bob@own.test").await;
    let path = format!("/api/v1/admin/sites/{}/notifications", app.own.key);
    let read = |who: Credentials| {
        let (app, path) = (&app, &path);
        async move {
            let r = app.request(Method::GET, path, None, &who).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()
        }
    };
    // Every event but the weekly digest, which is asked for.
    let defaults = json!(shared::notify::EMAIL_EVENTS[..6]);
    assert_eq!(shared::notify::EMAIL_EVENTS[6], "insight.digest");
    assert_eq!(
        read(ann.clone()).await,
        json!({"language": "en", "email": defaults})
    );

    for (body, field) in [
        (json!({"language": "xx", "email": []}), "language"),
        (
            json!({"language": "de", "email": ["sla.breached", "complaint.eaten"]}),
            "email[1]",
        ),
    ] {
        let r = app.request(Method::PUT, &path, Some(body), &ann).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error: Value = r.json().await.unwrap();
        assert!(
            error.to_string().contains(field),
            "{field} is named: {error}"
        );
    }
    assert_eq!(read(ann.clone()).await["language"], "en", "nothing stored");

    let r = app
        .request(
            Method::PUT,
            &path,
            Some(json!({"language": "de", "email": ["sla.breached", "complaint.hot_stove", "sla.breached"]})),
            &ann,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let stored = json!({"language": "de", "email": ["complaint.hot_stove", "sla.breached"]});
    assert_eq!(r.json::<Value>().await.unwrap(), stored);
    assert_eq!(read(ann.clone()).await, stored);
    assert_eq!(
        read(bob).await,
        json!({"language": "en", "email": defaults}),
        "another user's are their own"
    );
}
