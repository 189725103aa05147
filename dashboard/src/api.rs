//! Calls to the collector's admin API, on the dashboard's own origin.
//!
//! A signed-in admin holds either an API token, sent as a Bearer credential, or a session: the
//! `hark_session` cookie (HttpOnly, so only the browser sends it) with the session's CSRF token,
//! which every change (`POST`, `DELETE`, …) carries as `X-CSRF-Token`.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use shared::api::{
    Account, AuditList, CreatedToken, ErrorBody, Me, SurveyVersionInfo, SurveyVersionList,
    TokenList,
};
use shared::case::{
    AgentList, CaseList, CaseView, HotStoveRules, Priority, Problem, ProblemList, ProblemView,
    Status, Workflow,
};
use shared::notify::NotificationPreferences;
use shared::sla::{BusinessHours, SlaPolicies};
use shared::team::{
    InvitationList, InvitationPreview, Member, MemberList, RecoveryCodes, SentInvitation,
    TwoFactorEnrolment, TwoFactorProof, TwoFactorStatus,
};
use shared::{ResponseId, SiteKey, SiteSettings, Survey, SurveyDraft, SurveyId};
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCache, RequestCredentials, RequestInit, Response};

/// How a signed-in admin proves who they are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Auth {
    /// An API token (`hark token create`), kept in `sessionStorage`.
    Token(String),
    /// The session cookie, which the browser keeps; this is its CSRF token.
    Cookie { csrf_token: String },
}

/// Why an API call gave no data, in words to show the admin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 401 or 403: the token is unknown, revoked or not allowed here, or the e-mail address or
    /// password is wrong. Holds the server's message.
    Denied(String),
    /// 401 `two_factor_required`: the password was right, and the account signs in with a
    /// second factor too; ask for its code and send all again.
    CodeNeeded(String),
    /// 429: too many attempts; try again after this many seconds.
    TooMany { message: String, retry_after: u64 },
    /// 409: what was asked clashes with how things stand (the site's last owner, a member
    /// already, a case's state); holds the server's message.
    Conflict(String),
    /// 422: the collector refused what was sent; the message names each field that is wrong
    /// (see [`crate::controls::field_errors`]).
    Invalid(String),
    /// 422 from a `shared` check that names the field it refused (`error.field`, a path such
    /// as `questions[2].prompt`), with its message.
    Refused { field: String, message: String },
    /// Anything else: the network, another status, or a body that does not parse.
    Failed(String),
}

impl ApiError {
    pub(crate) fn message(&self) -> &str {
        match self {
            ApiError::Denied(m)
            | ApiError::CodeNeeded(m)
            | ApiError::Conflict(m)
            | ApiError::Failed(m)
            | ApiError::Invalid(m)
            | ApiError::Refused { message: m, .. }
            | ApiError::TooMany { message: m, .. } => m,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ApiError {}

/// The admin behind an API token.
pub(crate) async fn me(token: &str) -> Result<Me, ApiError> {
    let auth = Auth::Token(token.to_owned());
    let body = call("GET", "/api/v1/admin/me", Some(&auth), None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// The account whose session cookie this browser holds, if it holds a live one.
pub(crate) async fn session() -> Result<Account, ApiError> {
    let body = call("GET", "/api/v1/admin/me", None, None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Signs in with an e-mail address, a password and, for an account with two-factor sign-in,
/// a code (from the authenticator app, or a recovery code): the browser keeps the session
/// cookie. Without a code such an account is [`ApiError::CodeNeeded`].
pub(crate) async fn log_in(
    email: &str,
    password: &str,
    code: Option<&str>,
) -> Result<Account, ApiError> {
    let mut body = json!({ "email": email, "password": password });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    let body = call(
        "POST",
        "/api/v1/admin/session",
        None,
        Some(body.to_string()),
    )
    .await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Ends the session (a token has none to end).
pub(crate) async fn log_out(auth: &Auth) -> Result<(), ApiError> {
    match auth {
        Auth::Token(_) => Ok(()),
        Auth::Cookie { .. } => call("DELETE", "/api/v1/admin/session", Some(auth), None)
            .await
            .map(drop),
    }
}

/// The loader (`GET /widget.js`) as the collector serves it to sites: the survey builder's
/// preview reads from it where the widget's versioned bundle is.
pub(crate) async fn loader() -> Result<String, ApiError> {
    call("GET", "/widget.js", None, None).await
}

/// Whether the collector still needs its first user, and whether it has no site.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct SetupStatus {
    pub(crate) needed: bool,
    pub(crate) needs_site: bool,
}

pub(crate) async fn setup_status() -> Result<SetupStatus, ApiError> {
    let body = call("GET", "/api/v1/setup", None, None).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Creates the first user with the setup link's token, and signs them in.
pub(crate) async fn set_up(request: &serde_json::Value) -> Result<Account, ApiError> {
    let body = call("POST", "/api/v1/setup", None, Some(request.to_string())).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// What an invitation's link offers (`POST /api/v1/invitations/preview`, public); a used,
/// withdrawn, expired or unknown link is refused with the collector's message.
pub(crate) async fn invitation_preview(token: &str) -> Result<InvitationPreview, ApiError> {
    let body = json!({ "token": token }).to_string();
    let body = call("POST", "/api/v1/invitations/preview", None, Some(body)).await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// Accepts an invitation (`POST /api/v1/invitations/accept`, public): someone new with their
/// new `password`; someone with an account with their `password` (and `code`), or, signed in
/// already, with their session (`auth`, which sends its CSRF token) and no password.
pub(crate) async fn accept_invitation(
    token: &str,
    password: Option<&str>,
    code: Option<&str>,
    auth: Option<&Auth>,
) -> Result<Account, ApiError> {
    let mut body = json!({ "token": token });
    if let Some(password) = password {
        body["password"] = json!(password);
    }
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    let body = call(
        "POST",
        "/api/v1/invitations/accept",
        auth,
        Some(body.to_string()),
    )
    .await?;
    serde_json::from_str(&body).map_err(unreadable)
}

/// A proof as the collector takes it: only the field given (the password, or a code).
fn proof_body(proof: &TwoFactorProof) -> Value {
    let mut body = json!({});
    if let Some(password) = &proof.password {
        body["password"] = json!(password);
    }
    if let Some(code) = &proof.code {
        body["code"] = json!(code);
    }
    body
}

/// The signed-in user's own account, `/api/v1/admin/account/*`: a session's routes only (an
/// API token belongs to a site, not to a person).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountApi {
    pub(crate) auth: Auth,
}

impl AccountApi {
    async fn send(
        &self,
        method: &str,
        rest: &str,
        body: Option<Value>,
    ) -> Result<String, ApiError> {
        call(
            method,
            &format!("/api/v1/admin/account/{rest}"),
            Some(&self.auth),
            body.map(|b| b.to_string()),
        )
        .await
    }

    /// Changes the password, given the current one; every other session of the user ends.
    pub(crate) async fn change_password(&self, current: &str, new: &str) -> Result<(), ApiError> {
        let body = json!({ "current_password": current, "new_password": new });
        self.send("PUT", "password", Some(body)).await.map(drop)
    }

    /// Ends every session of the user, this one too.
    pub(crate) async fn sign_out_everywhere(&self) -> Result<(), ApiError> {
        self.send("DELETE", "sessions", None).await.map(drop)
    }

    pub(crate) async fn two_factor(&self) -> Result<TwoFactorStatus, ApiError> {
        let body = self.send("GET", "two-factor", None).await?;
        serde_json::from_str(&body).map_err(unreadable)
    }

    /// Starts enrolment with the password: the secret for the authenticator app.
    pub(crate) async fn start_two_factor(
        &self,
        password: &str,
    ) -> Result<TwoFactorEnrolment, ApiError> {
        let body = self
            .send("POST", "two-factor", Some(json!({ "password": password })))
            .await?;
        serde_json::from_str(&body).map_err(unreadable)
    }

    /// Confirms enrolment with the app's code: the ten recovery codes, shown once.
    pub(crate) async fn confirm_two_factor(&self, code: &str) -> Result<RecoveryCodes, ApiError> {
        let body = self
            .send("POST", "two-factor/confirm", Some(json!({ "code": code })))
            .await?;
        serde_json::from_str(&body).map_err(unreadable)
    }

    /// Turns two-factor sign-in off, with the password or a code.
    pub(crate) async fn disable_two_factor(&self, proof: &TwoFactorProof) -> Result<(), ApiError> {
        self.send("POST", "two-factor/disable", Some(proof_body(proof)))
            .await
            .map(drop)
    }

    /// Ten new recovery codes, with the password or a code; the old ones stop working.
    pub(crate) async fn new_recovery_codes(
        &self,
        proof: &TwoFactorProof,
    ) -> Result<RecoveryCodes, ApiError> {
        let body = self
            .send("POST", "two-factor/recovery-codes", Some(proof_body(proof)))
            .await?;
        serde_json::from_str(&body).map_err(unreadable)
    }
}

/// A page of the responses explorer.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Explored {
    pub(crate) responses: Vec<ExploredResponse>,
    /// Where the next page starts; `None` on the last.
    pub(crate) next: Option<String>,
}

/// A response as the explorer lists it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct ExploredResponse {
    pub(crate) id: String,
    pub(crate) survey_id: String,
    pub(crate) received_at: String,
    #[serde(default)]
    pub(crate) page_url: Option<String>,
    #[serde(default)]
    pub(crate) device: Option<String>,
    #[serde(default)]
    pub(crate) locale: Option<String>,
    pub(crate) answers: Vec<ExploredAnswer>,
}

/// One answer, with a written answer's sentiment and key phrases.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct ExploredAnswer {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) score: Option<i64>,
    #[serde(default)]
    pub(crate) text: Option<String>,
    #[serde(default)]
    pub(crate) sentiment_label: Option<String>,
    #[serde(default)]
    pub(crate) key_phrases: Vec<String>,
}

/// A survey as `GET …/surveys` lists it: its status beside the fields of its current version,
/// read as written (see `shared::SurveyDraft`).
#[derive(Debug, Clone)]
pub(crate) struct ListedSurvey {
    /// `active`, `paused` or `archived`.
    pub(crate) status: String,
    draft: SurveyDraft,
}

impl ListedSurvey {
    pub(crate) fn survey(&self) -> Survey {
        self.draft.clone().unchecked()
    }
}

#[derive(serde::Deserialize)]
struct StatusOf {
    status: String,
}

#[derive(serde::Deserialize)]
struct Surveys<T> {
    surveys: Vec<T>,
}

/// A listed survey from its JSON, read twice rather than through `#[serde(flatten)]`: once for
/// the status, once as the survey (which ignores the status), because flattening the survey's
/// whole type tree into another costs the bundle kilobytes for nothing.
fn listed_survey(text: &str) -> Result<ListedSurvey, ApiError> {
    let StatusOf { status } = serde_json::from_str(text).map_err(unreadable)?;
    let draft = serde_json::from_str(text).map_err(unreadable)?;
    Ok(ListedSurvey { status, draft })
}

fn listed_surveys(text: &str) -> Result<Vec<ListedSurvey>, ApiError> {
    let statuses: Surveys<StatusOf> = serde_json::from_str(text).map_err(unreadable)?;
    let drafts: Surveys<SurveyDraft> = serde_json::from_str(text).map_err(unreadable)?;
    Ok(statuses
        .surveys
        .into_iter()
        .zip(drafts.surveys)
        .map(|(s, draft)| ListedSurvey {
            status: s.status,
            draft,
        })
        .collect())
}

/// One site's admin API, as the signed-in admin calls it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SiteApi {
    pub(crate) auth: Auth,
    pub(crate) site: SiteKey,
}

/// Which cases the inbox asks for: the query of `GET …/complaints`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CaseQuery {
    /// `active`, one status, or empty for every status.
    pub(crate) status: String,
    pub(crate) priority: Option<Priority>,
    pub(crate) category: String,
    /// A user id, `none`, `me`, or empty for anyone.
    pub(crate) assignee: String,
    pub(crate) q: String,
    /// `newest`, `oldest` or `priority`.
    pub(crate) sort: String,
    /// The worst clock's SLA states, comma-separated (`breached,at_risk`), or empty for any.
    pub(crate) sla: String,
}

impl CaseQuery {
    /// The query string, with `after` for a later page.
    pub(crate) fn to_query(&self, after: Option<&str>) -> String {
        let Ok(params) = web_sys::UrlSearchParams::new() else {
            return String::new();
        };
        let priority = self.priority.map(Priority::as_str).unwrap_or_default();
        let fields = [
            ("status", self.status.as_str()),
            ("priority", priority),
            ("category", self.category.as_str()),
            ("assignee", self.assignee.as_str()),
            ("q", self.q.trim()),
            ("sla", self.sla.as_str()),
            ("sort", self.sort.as_str()),
            ("limit", "50"),
            ("after", after.unwrap_or_default()),
        ];
        for (name, value) in fields {
            if !value.is_empty() {
                params.append(name, value);
            }
        }
        String::from(params.to_string())
    }
}

/// One result of `POST …/complaints/bulk`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct BulkResult {
    pub(crate) id: ResponseId,
    pub(crate) ok: bool,
    #[serde(default)]
    pub(crate) error: Option<shared::api::ErrorDetail>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct BulkResults {
    pub(crate) results: Vec<BulkResult>,
}

/// The answer to `POST …/problems/{id}/resolve`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct ProblemResolved {
    pub(crate) problem: Problem,
    pub(crate) resolved: u64,
}

/// A webhook endpoint, as `GET …/webhooks` lists it (the collector's `http/webhooks.rs`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Webhook {
    pub(crate) id: i64,
    pub(crate) url: String,
    /// The event types it takes; `None` is every type.
    #[serde(default)]
    pub(crate) events: Option<Vec<String>>,
    pub(crate) enabled: bool,
    /// Why the collector switched it off (`410 Gone`, a day of failures).
    #[serde(default)]
    pub(crate) disabled_reason: Option<String>,
    /// Deliveries that failed in a row.
    pub(crate) failures: i64,
    pub(crate) created_at: String,
    /// Only in the answer that made the endpoint: it is not shown again.
    #[serde(default)]
    pub(crate) secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct WebhookList {
    pub(crate) webhooks: Vec<Webhook>,
}

/// One try at delivering an event to an endpoint.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Attempt {
    pub(crate) at: String,
    /// The receiver's HTTP status; `None` when there was no answer.
    #[serde(default)]
    pub(crate) status: Option<u16>,
    #[serde(default)]
    pub(crate) latency_ms: Option<i64>,
    #[serde(default)]
    pub(crate) error: Option<String>,
}

/// One event's delivery to an endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Delivery {
    pub(crate) id: i64,
    pub(crate) event_id: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// `pending`, `delivered` or `failed`.
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) next_at: Option<String>,
    pub(crate) created_at: String,
    pub(crate) attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct DeliveryList {
    pub(crate) deliveries: Vec<Delivery>,
}

/// Where the team shares feedback: one of a site's destinations (`GET`/`PUT
/// …/share-destinations`, the collector's `complaints/share.rs`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Destination {
    /// 1 to 60 characters, unique on the site; what an agent picks.
    pub(crate) name: String,
    /// The address the summary is mailed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    /// Also delivered as the `feedback.shared` webhook event.
    #[serde(default)]
    pub(crate) webhook: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Destinations {
    pub(crate) destinations: Vec<Destination>,
}

/// The site's intake address (`GET`/`PUT …/mail-intake`); `None`: it takes no e-mail.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct MailIntake {
    pub(crate) address: Option<String>,
}

/// What is shared with a destination.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ShareSubject {
    Case(ResponseId),
    Problem(i64),
    /// A topic of the written answers, with the insight page's query (`days=…&segment=…`),
    /// which names the period it is a topic of.
    Topic {
        term: String,
        query: String,
    },
}

/// A site as its team places it (`GET`/`PATCH /api/v1/admin/sites/{site_key}`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct SiteInfo {
    pub(crate) name: String,
    pub(crate) origins: Vec<String>,
    /// `None`: answers are kept forever.
    pub(crate) retention_days: Option<u32>,
}

/// An origin whose pages fetched the site's config, and when one last did.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Sighting {
    pub(crate) origin: String,
    pub(crate) last_seen: String,
    /// Whether the site still allows the origin.
    pub(crate) allowed: bool,
}

/// Where the site's snippet was seen (`GET …/sightings`), with the collector's time.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct Sightings {
    pub(crate) origins: Vec<String>,
    pub(crate) sightings: Vec<Sighting>,
    pub(crate) now: String,
}

/// A survey as a choice (`GET …/surveys`, of which only these fields are read).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct SurveyChoice {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: String,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct SurveyChoices {
    surveys: Vec<SurveyChoice>,
}

/// The answer to `POST /api/v1/admin/sites`: the new site, whose owner the caller is.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct CreatedSite {
    pub(crate) site_key: SiteKey,
    pub(crate) site_name: String,
}

/// Creates a site (`POST /api/v1/admin/sites`): a signed-in owner of a site; `body` is
/// `{name, origins, survey?, survey_status?}`.
pub(crate) async fn create_site(auth: &Auth, body: &Value) -> Result<CreatedSite, ApiError> {
    let body = call(
        "POST",
        "/api/v1/admin/sites",
        Some(auth),
        Some(body.to_string()),
    )
    .await?;
    serde_json::from_str(&body).map_err(unreadable)
}

impl SiteApi {
    /// The site's own admin path, for requests made outside [`call`] (exports).
    pub(crate) fn url(&self, rest: &str) -> String {
        self.path(rest)
    }

    pub(crate) async fn site_info(&self) -> Result<SiteInfo, ApiError> {
        call(
            "GET",
            &format!("/api/v1/admin/sites/{}", self.site),
            Some(&self.auth),
            None,
        )
        .await
        .and_then(|b| serde_json::from_str(&b).map_err(unreadable))
    }

    /// Changes the site's allowed origins and retention window (`{origins, retention_days}`);
    /// the site as it is after.
    pub(crate) async fn update_site(&self, body: &Value) -> Result<SiteInfo, ApiError> {
        call(
            "PATCH",
            &format!("/api/v1/admin/sites/{}", self.site),
            Some(&self.auth),
            Some(body.to_string()),
        )
        .await
        .and_then(|b| serde_json::from_str(&b).map_err(unreadable))
    }

    pub(crate) async fn sightings(&self) -> Result<Sightings, ApiError> {
        self.get("sightings").await
    }

    pub(crate) async fn survey_choices(&self) -> Result<Vec<SurveyChoice>, ApiError> {
        self.get::<SurveyChoices>("surveys")
            .await
            .map(|l| l.surveys)
    }

    /// Changes the widget settings with a JSON merge patch; the settings as they are after.
    pub(crate) async fn patch_settings(&self, patch: &Value) -> Result<SiteSettings, ApiError> {
        self.send("PATCH", "settings", patch).await
    }

    /// Erases one respondent's answers and complaints (`{"email"}`, `{"user_id"}` or
    /// `{"visitor"}`); how many were erased.
    pub(crate) async fn erase(&self, body: &Value) -> Result<u64, ApiError> {
        let erased: Value = self.send("POST", "erasure", body).await?;
        Ok(erased["erased"].as_u64().unwrap_or_default())
    }
}

impl SiteApi {
    fn path(&self, rest: &str) -> String {
        // A site key is a URL-safe token by construction, so it needs no escaping.
        format!("/api/v1/admin/sites/{}/{rest}", self.site)
    }

    async fn get<T: DeserializeOwned>(&self, rest: &str) -> Result<T, ApiError> {
        let body = call("GET", &self.path(rest), Some(&self.auth), None).await?;
        serde_json::from_str(&body).map_err(unreadable)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        rest: &str,
        body: &Value,
    ) -> Result<T, ApiError> {
        let body = call(
            method,
            &self.path(rest),
            Some(&self.auth),
            Some(body.to_string()),
        )
        .await?;
        serde_json::from_str(&body).map_err(unreadable)
    }

    /// The answer's body as it came.
    async fn text(
        &self,
        method: &str,
        rest: &str,
        body: Option<&Value>,
    ) -> Result<String, ApiError> {
        call(
            method,
            &self.path(rest),
            Some(&self.auth),
            body.map(Value::to_string),
        )
        .await
    }

    /// A change whose answer has no body (`204`, `202`).
    async fn send_empty(
        &self,
        method: &str,
        rest: &str,
        body: Option<&Value>,
    ) -> Result<(), ApiError> {
        call(
            method,
            &self.path(rest),
            Some(&self.auth),
            body.map(Value::to_string),
        )
        .await
        .map(drop)
    }

    /// Replaces one of the site's settings documents (`business-hours`, `sla-policies`, …).
    async fn put<T: serde::Serialize + DeserializeOwned>(
        &self,
        rest: &str,
        value: &T,
    ) -> Result<T, ApiError> {
        let body = serde_json::to_value(value).map_err(unreadable)?;
        self.send("PUT", rest, &body).await
    }

    /// `GET …/insight/overview?QUERY`.
    pub(crate) async fn insight_overview(
        &self,
        query: &str,
    ) -> Result<shared::insight::Overview, ApiError> {
        self.get(&format!("insight/overview?{query}")).await
    }

    /// `GET …/insight/drivers?QUERY`.
    pub(crate) async fn insight_drivers(
        &self,
        query: &str,
    ) -> Result<shared::insight::Drivers, ApiError> {
        self.get(&format!("insight/drivers?{query}")).await
    }

    /// `GET …/insight/complaints?QUERY`.
    pub(crate) async fn insight_complaints(
        &self,
        query: &str,
    ) -> Result<shared::insight::ComplaintReport, ApiError> {
        self.get(&format!("insight/complaints?{query}")).await
    }

    /// `GET …/insight/complaints/export?QUERY`: the CSV.
    pub(crate) async fn insight_complaints_csv(&self, query: &str) -> Result<String, ApiError> {
        call(
            "GET",
            &self.path(&format!("insight/complaints/export?{query}")),
            Some(&self.auth),
            None,
        )
        .await
    }

    /// `GET …/insight/praise?QUERY`.
    pub(crate) async fn insight_praise(
        &self,
        query: &str,
    ) -> Result<shared::insight::PraiseFeed, ApiError> {
        self.get(&format!("insight/praise?{query}")).await
    }

    /// `GET …/insight/emerging`.
    pub(crate) async fn insight_emerging(
        &self,
    ) -> Result<shared::insight::EmergingIssues, ApiError> {
        self.get("insight/emerging").await
    }

    /// `GET …/responses?QUERY`: one page of the explorer.
    pub(crate) async fn explore(&self, query: &str) -> Result<Explored, ApiError> {
        self.get(&format!("responses?limit=50&{query}")).await
    }

    /// `GET …/responses/export?QUERY`: the explorer's view as CSV.
    pub(crate) async fn explore_csv(&self, query: &str) -> Result<String, ApiError> {
        call(
            "GET",
            &self.path(&format!("responses/export?{query}")),
            Some(&self.auth),
            None,
        )
        .await
    }

    /// `GET …/insight/funnel?QUERY`.
    pub(crate) async fn insight_funnel(
        &self,
        query: &str,
    ) -> Result<shared::insight::Funnels, ApiError> {
        self.get(&format!("insight/funnel?{query}")).await
    }

    /// `GET …/insight/topics?QUERY`.
    pub(crate) async fn insight_topics(
        &self,
        query: &str,
    ) -> Result<shared::insight::Topics, ApiError> {
        self.get(&format!("insight/topics?{query}")).await
    }

    pub(crate) async fn goals(&self) -> Result<Vec<shared::insight::Goal>, ApiError> {
        self.get("goals").await
    }

    pub(crate) async fn create_goal(
        &self,
        goal: &shared::insight::NewGoal,
    ) -> Result<shared::insight::Goal, ApiError> {
        let body = serde_json::to_value(goal).map_err(unreadable)?;
        self.send("POST", "goals", &body).await
    }

    /// Logs a complaint for a customer (`POST …/complaints`); the new case's id.
    pub(crate) async fn log_complaint(&self, body: &Value) -> Result<String, ApiError> {
        let filed: Value = self.send("POST", "complaints", body).await?;
        Ok(filed["id"].as_str().unwrap_or_default().to_owned())
    }

    pub(crate) async fn delete_goal(&self, id: i64) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("goals/{id}"), None)
            .await
    }

    /// `GET …/insight/segments?QUERY`.
    pub(crate) async fn insight_segments(
        &self,
        query: &str,
    ) -> Result<Vec<shared::insight::Segments>, ApiError> {
        self.get(&format!("insight/segments?{query}")).await
    }

    pub(crate) async fn cases(
        &self,
        query: &CaseQuery,
        after: Option<&str>,
    ) -> Result<CaseList, ApiError> {
        self.get(&format!("complaints?{}", query.to_query(after)))
            .await
    }

    pub(crate) async fn case(&self, id: ResponseId) -> Result<CaseView, ApiError> {
        self.get(&format!("complaints/{id}")).await
    }

    /// A change to one case (`what` is `status`, `replies`, `assignee`, …); the case as it is
    /// after.
    pub(crate) async fn change_case(
        &self,
        id: ResponseId,
        method: &str,
        what: &str,
        body: &Value,
    ) -> Result<CaseView, ApiError> {
        self.send(method, &format!("complaints/{id}/{what}"), body)
            .await
    }

    pub(crate) async fn set_status(
        &self,
        id: ResponseId,
        status: Status,
    ) -> Result<CaseView, ApiError> {
        let body = json!({ "status": status.as_str() });
        self.change_case(id, "POST", "status", &body).await
    }

    pub(crate) async fn bulk(&self, body: &Value) -> Result<BulkResults, ApiError> {
        self.send("POST", "complaints/bulk", body).await
    }

    pub(crate) async fn agents(&self) -> Result<AgentList, ApiError> {
        self.get("agents").await
    }

    /// The config the site's visitors in `lang` receive (`GET /api/v1/sites/{key}/config`, the
    /// public route, which the collector's own origin may read), as JSON.
    pub(crate) async fn visitor_config(&self, lang: &str) -> Result<Value, ApiError> {
        let path = format!("/api/v1/sites/{}/config?lang={lang}", self.site);
        let body = call("GET", &path, None, None).await?;
        serde_json::from_str(&body).map_err(unreadable)
    }

    /// The site's surveys with their status, in creation order.
    pub(crate) async fn surveys(&self) -> Result<Vec<ListedSurvey>, ApiError> {
        listed_surveys(&self.text("GET", "surveys", None).await?)
    }

    /// One survey as it was written (read even where a later check would refuse it).
    pub(crate) async fn survey(&self, id: &SurveyId) -> Result<ListedSurvey, ApiError> {
        listed_survey(&self.text("GET", &format!("surveys/{id}"), None).await?)
    }

    /// Adds a survey as version 1, paused.
    pub(crate) async fn create_survey(&self, survey: &Survey) -> Result<ListedSurvey, ApiError> {
        let body = serde_json::to_value(survey).map_err(unreadable)?;
        listed_survey(&self.text("POST", "surveys", Some(&body)).await?)
    }

    /// Saves a survey as its next version.
    pub(crate) async fn update_survey(&self, survey: &Survey) -> Result<ListedSurvey, ApiError> {
        let body = serde_json::to_value(survey).map_err(unreadable)?;
        let rest = format!("surveys/{}", survey.id);
        listed_survey(&self.text("PUT", &rest, Some(&body)).await?)
    }

    /// Activates, pauses or archives a survey.
    pub(crate) async fn set_survey_status(
        &self,
        id: &SurveyId,
        status: &str,
    ) -> Result<ListedSurvey, ApiError> {
        let body = json!({ "status": status });
        let rest = format!("surveys/{id}/status");
        listed_survey(&self.text("POST", &rest, Some(&body)).await?)
    }

    /// Every kept version of a survey, oldest first.
    pub(crate) async fn survey_versions(
        &self,
        id: &SurveyId,
    ) -> Result<Vec<SurveyVersionInfo>, ApiError> {
        self.get::<SurveyVersionList>(&format!("surveys/{id}/versions"))
            .await
            .map(|l| l.versions)
    }

    pub(crate) async fn settings(&self) -> Result<SiteSettings, ApiError> {
        self.get("settings").await
    }

    pub(crate) async fn set_categories(
        &self,
        categories: &[String],
    ) -> Result<SiteSettings, ApiError> {
        let body = json!({ "categories": categories });
        self.send("PATCH", "settings", &body).await
    }

    pub(crate) async fn workflow(&self) -> Result<Workflow, ApiError> {
        self.get("workflow").await
    }

    pub(crate) async fn set_workflow(&self, workflow: &Workflow) -> Result<Workflow, ApiError> {
        let body = serde_json::to_value(workflow).map_err(unreadable)?;
        self.send("PUT", "workflow", &body).await
    }

    pub(crate) async fn business_hours(&self) -> Result<BusinessHours, ApiError> {
        self.get("business-hours").await
    }

    pub(crate) async fn set_business_hours(
        &self,
        hours: &BusinessHours,
    ) -> Result<BusinessHours, ApiError> {
        self.put("business-hours", hours).await
    }

    pub(crate) async fn sla_policies(&self) -> Result<SlaPolicies, ApiError> {
        self.get("sla-policies").await
    }

    pub(crate) async fn set_sla_policies(
        &self,
        policies: &SlaPolicies,
    ) -> Result<SlaPolicies, ApiError> {
        self.put("sla-policies", policies).await
    }

    pub(crate) async fn hot_stove(&self) -> Result<HotStoveRules, ApiError> {
        self.get("hot-stove").await
    }

    pub(crate) async fn set_hot_stove(
        &self,
        rules: &HotStoveRules,
    ) -> Result<HotStoveRules, ApiError> {
        self.put("hot-stove", rules).await
    }

    /// The caller's own notification preferences on the site.
    pub(crate) async fn notifications(&self) -> Result<NotificationPreferences, ApiError> {
        self.get("notifications").await
    }

    pub(crate) async fn set_notifications(
        &self,
        preferences: &NotificationPreferences,
    ) -> Result<NotificationPreferences, ApiError> {
        self.put("notifications", preferences).await
    }

    pub(crate) async fn webhooks(&self) -> Result<WebhookList, ApiError> {
        self.get("webhooks").await
    }

    /// A new endpoint, with its secret (shown once); `events: None` takes every type.
    pub(crate) async fn create_webhook(
        &self,
        url: &str,
        events: Option<&[String]>,
    ) -> Result<Webhook, ApiError> {
        let mut body = json!({ "url": url });
        if let Some(events) = events {
            body["events"] = json!(events);
        }
        self.send("POST", "webhooks", &body).await
    }

    pub(crate) async fn set_webhook_enabled(&self, id: i64, enabled: bool) -> Result<(), ApiError> {
        let body = json!({ "enabled": enabled });
        self.send_empty("PATCH", &format!("webhooks/{id}"), Some(&body))
            .await
    }

    pub(crate) async fn delete_webhook(&self, id: i64) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("webhooks/{id}"), None)
            .await
    }

    pub(crate) async fn deliveries(&self, id: i64) -> Result<DeliveryList, ApiError> {
        self.get(&format!("webhooks/{id}/deliveries")).await
    }

    pub(crate) async fn redeliver(&self, id: i64, delivery: i64) -> Result<(), ApiError> {
        let path = format!("webhooks/{id}/deliveries/{delivery}/redeliver");
        self.send_empty("POST", &path, None).await
    }

    pub(crate) async fn share_destinations(&self) -> Result<Destinations, ApiError> {
        self.get("share-destinations").await
    }

    pub(crate) async fn set_share_destinations(
        &self,
        destinations: &Destinations,
    ) -> Result<Destinations, ApiError> {
        self.put("share-destinations", destinations).await
    }

    /// Shares `subject` with the destination named `destination`, with the team's `note` (a
    /// blank one is left out); for a case, the case as it is after (its timeline says so).
    pub(crate) async fn share(
        &self,
        subject: &ShareSubject,
        destination: &str,
        note: &str,
    ) -> Result<Option<CaseView>, ApiError> {
        let mut body = json!({ "destination": destination });
        if !note.trim().is_empty() {
            body["note"] = json!(note);
        }
        match subject {
            ShareSubject::Case(id) => self
                .change_case(*id, "POST", "share", &body)
                .await
                .map(Some),
            ShareSubject::Problem(id) => self
                .send_empty("POST", &format!("problems/{id}/share"), Some(&body))
                .await
                .map(|()| None),
            ShareSubject::Topic { term, query } => {
                body["term"] = json!(term);
                self.send_empty(
                    "POST",
                    &format!("insight/topics/share?{query}"),
                    Some(&body),
                )
                .await
                .map(|()| None)
            }
        }
    }

    pub(crate) async fn mail_intake(&self) -> Result<MailIntake, ApiError> {
        self.get("mail-intake").await
    }

    /// Sets the intake address, or with `None` stops taking e-mail; the address as kept.
    pub(crate) async fn set_mail_intake(
        &self,
        address: Option<&str>,
    ) -> Result<MailIntake, ApiError> {
        self.send("PUT", "mail-intake", &json!({ "address": address }))
            .await
    }

    pub(crate) async fn members(&self) -> Result<MemberList, ApiError> {
        self.get("members").await
    }

    /// Gives a member another role; the member as they are after.
    pub(crate) async fn change_role(&self, user_id: i64, role: &str) -> Result<Member, ApiError> {
        self.send(
            "PUT",
            &format!("members/{user_id}"),
            &json!({ "role": role }),
        )
        .await
    }

    pub(crate) async fn remove_member(&self, user_id: i64) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("members/{user_id}"), None)
            .await
    }

    /// The pending invitations, newest first.
    pub(crate) async fn invitations(&self) -> Result<InvitationList, ApiError> {
        self.get("invitations").await
    }

    /// Invites `email` with `role`: mailed where the collector has SMTP, else the link to hand
    /// over.
    pub(crate) async fn invite(&self, email: &str, role: &str) -> Result<SentInvitation, ApiError> {
        self.send(
            "POST",
            "invitations",
            &json!({ "email": email, "role": role }),
        )
        .await
    }

    pub(crate) async fn revoke_invitation(&self, id: i64) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("invitations/{id}"), None)
            .await
    }

    /// The site's unrevoked API tokens, newest first, without their secrets.
    pub(crate) async fn tokens(&self) -> Result<TokenList, ApiError> {
        self.get("tokens").await
    }

    /// A new API token with `role`, its secret in the answer this once.
    pub(crate) async fn create_token(&self, role: &str) -> Result<CreatedToken, ApiError> {
        self.send("POST", "tokens", &json!({ "role": role })).await
    }

    pub(crate) async fn revoke_token(&self, id: i64) -> Result<(), ApiError> {
        self.send_empty("DELETE", &format!("tokens/{id}"), None)
            .await
    }

    /// The newest `limit` lines of the site's audit log (1 to 1000).
    /// The audit log: `query` is the search's escaped query string (`limit=…&action=…`).
    pub(crate) async fn audit(&self, query: &str) -> Result<AuditList, ApiError> {
        self.get(&format!("audit?{query}")).await
    }

    pub(crate) async fn problems(&self) -> Result<ProblemList, ApiError> {
        self.get("problems").await
    }

    pub(crate) async fn problem(&self, id: i64) -> Result<ProblemView, ApiError> {
        self.get(&format!("problems/{id}")).await
    }

    pub(crate) async fn create_problem(&self, body: &Value) -> Result<Problem, ApiError> {
        self.send("POST", "problems", body).await
    }

    pub(crate) async fn change_problem(&self, id: i64, body: &Value) -> Result<Problem, ApiError> {
        self.send("PATCH", &format!("problems/{id}"), body).await
    }

    pub(crate) async fn resolve_problem(
        &self,
        id: i64,
        reply: &str,
    ) -> Result<ProblemResolved, ApiError> {
        let body = json!({ "reply": reply });
        self.send("POST", &format!("problems/{id}/resolve"), &body)
            .await
    }
}

fn unreadable(e: serde_json::Error) -> ApiError {
    ApiError::Failed(format!(
        "the collector sent data the dashboard cannot read: {e}"
    ))
}

/// `METHOD path` with `auth` and a JSON `body`; the body of a 2xx, an [`ApiError`] otherwise.
async fn call(
    method: &str,
    path: &str,
    auth: Option<&Auth>,
    body: Option<String>,
) -> Result<String, ApiError> {
    let unreachable =
        |_| ApiError::Failed("the collector could not be reached; try again".to_owned());
    let window =
        web_sys::window().ok_or_else(|| ApiError::Failed("no browser window".to_owned()))?;

    let headers = Headers::new().map_err(unreachable)?;
    match auth {
        Some(Auth::Token(token)) => headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(unreachable)?,
        Some(Auth::Cookie { csrf_token }) if method != "GET" => headers
            .set("X-CSRF-Token", csrf_token)
            .map_err(unreachable)?,
        _ => {}
    }
    headers
        .set("Accept", "application/json")
        .map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .map_err(unreachable)?;
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    // The session cookie goes to this origin only.
    init.set_credentials(RequestCredentials::SameOrigin);
    // Admin data must be current after "Refresh", so no HTTP cache may answer for the server.
    init.set_cache(RequestCache::NoStore);
    let request = Request::new_with_str_and_init(path, &init).map_err(unreachable)?;

    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into())
        .map_err(unreachable)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|b| b.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();

    let status = response.status();
    if response.ok() {
        return Ok(text);
    }
    let (code, message, field) = serde_json::from_str::<ErrorBody>(&text)
        .map(|e| (e.error.code, e.error.message, e.error.field))
        .unwrap_or_else(|_| {
            (
                String::new(),
                format!("the collector answered {status}"),
                None,
            )
        });
    Err(match status {
        401 if code == "two_factor_required" => ApiError::CodeNeeded(message),
        401 | 403 => ApiError::Denied(message),
        409 => ApiError::Conflict(message),
        422 => match field {
            Some(field) => ApiError::Refused { field, message },
            None => ApiError::Invalid(message),
        },
        429 => {
            let retry_after = response
                .headers()
                .get("Retry-After")
                .ok()
                .flatten()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(60);
            ApiError::TooMany {
                message: too_many(retry_after),
                retry_after,
            }
        }
        _ => ApiError::Failed(message),
    })
}

/// What a 429 says to the admin.
pub(crate) fn too_many(retry_after: u64) -> String {
    format!("too many attempts, try again in {retry_after} s")
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_rate_limit_says_when_to_try_again() {
        assert_eq!(super::too_many(42), "too many attempts, try again in 42 s");
    }
}
