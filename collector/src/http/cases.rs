//! The complaint workflow's admin routes under `/api/v1/admin/sites/{site_key}/`: a case's page
//! and each change to it (status, reply or note, assignee, category, priority, problem, merge,
//! bulk changes, deletion), the site's agents, its workflow settings and its problem records.
//! Reads need the viewer role; working cases the agent role; configuring and deleting the admin
//! role. The rules are `complaints::cases`; these handlers parse, authorize, call and respond.

use super::admin::{audit_change, Caller};
use super::{ApiError, AppState};
use crate::access::Role;
use crate::clock::rfc3339;
use crate::complaints::cases::{self, Assign, CaseError, CasePage, PriorityChange, Who};
use crate::complaints::reference::reference;
use crate::complaints::rules;
use crate::store::case_store::{ProblemFields, ProblemRecord, StoredEntry};
use crate::store::StoredComplaint;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use shared::case::{
    AgentList, Case, CaseView, Priority, Problem, ProblemList, ProblemRef, ProblemStatus,
    ProblemView, Status, TimelineEntry, Urgency, Workflow,
};
use shared::{ResponseId, SiteKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show, delete))
        .routes(routes!(set_status))
        .routes(routes!(reply))
        .routes(routes!(share))
        .routes(routes!(assign))
        .routes(routes!(categorize))
        .routes(routes!(prioritize))
        .routes(routes!(link_problem))
        .routes(routes!(merge))
        .routes(routes!(bulk))
        .routes(routes!(agents))
        .routes(routes!(workflow, set_workflow))
        .routes(routes!(problems, create_problem))
        .routes(routes!(problem, update_problem))
        .routes(routes!(resolve_problem))
        .routes(routes!(share_problem))
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound(what) => ApiError::NotFound(what),
            CaseError::Refused(r) => ApiError::InvalidTransition(r),
            CaseError::Invalid(m) => ApiError::Invalid(m),
            CaseError::Forbidden(m) => ApiError::Forbidden(m),
            CaseError::Changed => ApiError::Conflict(CaseError::Changed.to_string()),
            CaseError::Conflict(m) => ApiError::Conflict(m),
            CaseError::Store(e) => e.into(),
        }
    }
}

/// A case as the API sends it.
pub(crate) fn wire(c: StoredComplaint, sla: Vec<shared::sla::SlaClock>) -> Case {
    let e = c.enrichment;
    let sentiment = crate::insight::sentiment::sentiment(&c.description, e.locale.as_deref());
    Case {
        id: c.id,
        reference: reference(c.number),
        status: c.status,
        kind: c.kind,
        category: c.category,
        description: c.description,
        impact: c.impact,
        urgency: c.urgency,
        priority: c.priority,
        priority_overridden: c.priority_overridden,
        assignee: c.assignee,
        problem: c.problem.map(|(id, title)| ProblemRef { id, title }),
        merged_into: c.merged_into,
        email: c.email,
        contact_consent: c.contact_consent,
        page_url: c.page_url,
        received_at: rfc3339(c.received_at),
        updated_at: rfc3339(c.updated_at),
        resolved_at: c.resolved_at.map(rfc3339),
        page_path: e.page_path,
        device: e.device,
        browser: e.browser,
        locale: e.locale,
        visitor: e.visitor,
        user_id: e.user_id,
        attributes: e.attributes,
        hot: c.hot,
        sla,
        sentiment: sentiment.map(|s| s.sentiment),
        sentiment_label: sentiment.map(|s| s.sentiment_label),
        channel: c.channel,
        source_url: c.source_url,
    }
}

fn entry(e: StoredEntry) -> TimelineEntry {
    TimelineEntry {
        id: e.id,
        at: rfc3339(e.at),
        kind: e.kind,
        actor: e.actor,
        body: e.body,
        detail: e.detail,
    }
}

fn view(page: CasePage) -> CaseView {
    CaseView {
        complaint: wire(page.case, page.sla),
        timeline: page.timeline.into_iter().map(entry).collect(),
        allowed_transitions: page.allowed,
        suggestion: page.suggestion,
        similar: page.similar,
        attachments: page
            .attachments
            .into_iter()
            .map(|a| shared::case::Attachment {
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
                received_at: rfc3339(a.received_at),
            })
            .collect(),
    }
}

fn problem_wire(p: ProblemRecord) -> Problem {
    Problem {
        id: p.id,
        title: p.title,
        category: p.category,
        status: p.status,
        root_cause: p.root_cause,
        workaround: p.workaround,
        fix: p.fix,
        linked: p.linked,
        linked_active: p.linked_active,
        created_at: rfc3339(p.created_at),
        updated_at: rfc3339(p.updated_at),
    }
}

/// The caller on the site, with at least `role`: the site's key and who they are to the
/// workflow.
pub(super) fn who(caller: &Caller, site: &str, role: Role) -> Result<(SiteKey, Who), ApiError> {
    let grant = caller.on_site(site, role)?;
    Ok((
        grant.site.key.clone(),
        Who::team(grant.role, caller.timeline_actor(), caller.user_id()),
    ))
}

fn case_id(id: &str) -> Result<ResponseId, ApiError> {
    ResponseId::parse(id).map_err(|_| ApiError::NotFound("the site has no such complaint"))
}

/// The case's page after a change, for the answer.
async fn after(
    state: &AppState,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
) -> Result<Json<CaseView>, ApiError> {
    let now = state.clock.now_ms();
    Ok(Json(view(
        cases::page(state.store.as_ref(), site, id, who, now).await?,
    )))
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    Ok(body?.0)
}

/// A case with its timeline, where the caller may move it, the rules' category suggestion and
/// similar open cases (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::CaseView`: `{complaint, timeline, allowed_transitions, suggestion, similar}`", body = CaseView),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Viewer)?;
    after(&state, &site, &case_id(&id)?, &who).await
}

/// Deletes a case and its timeline (admin and up, audited).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}",
    operation_id = "delete_complaint",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Admin)?;
    let id = case_id(&id)?;
    if !state.store.delete_case(&site, &id).await? {
        return Err(ApiError::NotFound("the site has no such complaint"));
    }
    audit_change(&state, &caller, &site, "complaint.delete", id.to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Status,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    reason: Option<String>,
}

/// Moves a case to another status (agent and up; an admin reopens a closed case). A transition
/// the workflow does not allow is a 409 with the allowed ones.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/status",
    operation_id = "set_complaint_status",
    tag = super::openapi::ADMIN,
    request_body(content = StatusBody, description = "`{\"status\": \"resolved\", \"reason\"?: \"…\"}`"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 409, description = "`invalid_transition`, with `allowed`: the statuses it may go to; or `conflict`: it changed meanwhile", body = super::openapi::ErrorDoc),
        (status = 422, description = "Invalid: a reason over 10,000 characters, or `merged` (use …/merge)", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<StatusBody>, JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let b = body(request)?;
    let now = state.clock.now_ms();
    cases::set_status(
        state.store.as_ref(),
        &site,
        &id,
        &who,
        b.status,
        b.reason,
        now,
    )
    .await?;
    state.jobs.notify_one();
    after(&state, &site, &id, &who).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    body: String,
    /// An internal note rather than a reply the customer sees.
    #[serde(default)]
    internal: bool,
    /// What the customer said by another channel (a call, an e-mail), recorded by an agent: it
    /// counts as the customer's reply (it reopens a resolved case).
    #[serde(default)]
    customer: bool,
}

/// A public reply (the customer sees it), an internal note, or the customer's reply as an agent
/// took it (agent and up).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/replies",
    tag = super::openapi::ADMIN,
    request_body(content = ReplyBody, description = "`{\"body\": \"…\", \"internal\": false, \"customer\": false}`: 1 to 10,000 characters of plain text; `internal` for a note the customer never sees, `customer` to record what the customer said by phone or e-mail (it reopens a resolved case)"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 422, description = "An empty body, or over 10,000 characters", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<ReplyBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let b = body(request)?;
    let now = state.clock.now_ms();
    let store = state.store.as_ref();
    match (b.customer, b.internal) {
        (false, internal) => cases::reply(store, &site, &id, &who, b.body, internal, now).await?,
        (true, false) => {
            cases::customer_reply(store, &site, &id, Some(&who), b.body, now).await?;
            state.jobs.notify_one();
        }
        (true, true) => {
            return Err(ApiError::Invalid(
                "a customer's reply is not an internal note".into(),
            ))
        }
    }
    Ok((StatusCode::CREATED, after(&state, &site, &id, &who).await?).into_response())
}

/// Shares the case with one of the site's destinations (agent and up): the summary, a link and
/// the note are mailed to its address and/or delivered as the `feedback.shared` webhook event;
/// the timeline records it.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/share",
    tag = super::openapi::ADMIN,
    request_body(content = crate::complaints::share::Sharing, description = "`{\"destination\": \"Product team\", \"note\": \"…\"}`: a destination of the site's, a note of at most 2,000 characters"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 422, description = "No such destination, or too long a note", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, headers, request))]
async fn share(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    request: Result<Json<crate::complaints::share::Sharing>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let Json(sharing) = request?;
    let link = dashboard_link(&state, &headers, &format!("#/cases/{id}"));
    let now = state.clock.now_ms();
    cases::share(state.store.as_ref(), &site, &id, &who, sharing, &link, now).await?;
    Ok((StatusCode::CREATED, after(&state, &site, &id, &who).await?).into_response())
}

/// The dashboard's page `fragment` (`#/cases/…`), for a link in a message: at the collector's
/// public URL, else at the host the request came to.
pub(super) fn dashboard_link(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    fragment: &str,
) -> String {
    let base = state.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{base}/dashboard/{fragment}")
}

/// Shares a problem record with one of the site's destinations (agent and up): its record, the
/// number of complaints linked, a link and the note, mailed and/or delivered as the
/// `feedback.shared` webhook event; the audit log records it.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/problems/{id}/share",
    tag = super::openapi::ADMIN,
    request_body(content = crate::complaints::share::Sharing, description = "`{\"destination\": \"Product team\", \"note\": \"…\"}`: a destination of the site's, a note of at most 2,000 characters"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = i64, Path, description = "The problem's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Shared"),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such problem", body = super::openapi::ErrorDoc),
        (status = 422, description = "No such destination, or too long a note", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, headers, request))]
async fn share_problem(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
    headers: axum::http::HeaderMap,
    request: Result<Json<crate::complaints::share::Sharing>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let Json(sharing) = request?;
    let problem = load_problem(&state, &site, id).await?;
    let link = dashboard_link(&state, &headers, &format!("#/problems/{id}"));
    let subject = crate::complaints::share::Subject::Problem(&problem);
    let now = state.clock.now_ms();
    let to = cases::share_other(
        state.store.as_ref(),
        &site,
        subject,
        &who,
        &sharing,
        &link,
        now,
    )
    .await?;
    audit_change(
        &state,
        &caller,
        &site,
        "problem.share",
        format!("problem {id} with {to}"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    /// A user's id, or null for nobody; absent with `auto`.
    #[serde(default, with = "double_option")]
    user_id: Option<Option<i64>>,
    #[serde(default)]
    auto: bool,
}

/// Tells an absent field (`None`) from an explicit null (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};
    pub(super) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn assign_target(b: &AssignBody) -> Result<Assign, ApiError> {
    match (b.user_id, b.auto) {
        (Some(Some(u)), false) => Ok(Assign::User(u)),
        (Some(None), false) => Ok(Assign::Nobody),
        (None, true) => Ok(Assign::Auto),
        _ => Err(ApiError::Invalid(
            "send {\"user_id\": ID}, {\"user_id\": null} or {\"auto\": true}".into(),
        )),
    }
}

/// Gives a case to a user, to nobody, or automatically (routing, else the least-loaded agent).
/// Agents take a case for themselves or give back their own; admins assign anyone.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/assignee",
    tag = super::openapi::ADMIN,
    request_body(content = AssignBody, description = "`{\"user_id\": 4}`, `{\"user_id\": null}` or `{\"auto\": true}`"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "Too low a role for this assignment", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 422, description = "Not an agent of the site, no agents, or a merged or spam case", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<AssignBody>, JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let to = assign_target(&body(request)?)?;
    let now = state.clock.now_ms();
    cases::assign(state.store.as_ref(), &site, &id, &who, to, now).await?;
    after(&state, &site, &id, &who).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CategoryBody {
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    category: String,
}

/// Files a case under another of the site's categories (agent and up).
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/category",
    tag = super::openapi::ADMIN,
    request_body(content = CategoryBody, description = "`{\"category\": \"Billing\"}`: one of the site's categories"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 422, description = "The site has no such category", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn categorize(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<CategoryBody>, JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let b = body(request)?;
    let now = state.clock.now_ms();
    cases::set_category(state.store.as_ref(), &site, &id, &who, b.category, now).await?;
    after(&state, &site, &id, &who).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PriorityBody {
    #[serde(default)]
    urgency: Option<Urgency>,
    #[serde(default)]
    priority: Option<Priority>,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    reason: Option<String>,
}

/// Sets a case's urgency (the site's matrix gives the priority) or overrides its priority with
/// a reason (agent and up).
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/priority",
    tag = super::openapi::ADMIN,
    request_body(content = PriorityBody, description = "`{\"urgency\": \"high\"}` or `{\"priority\": \"P1\", \"reason\": \"…\"}`"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 422, description = "Neither or both of urgency and priority, or an override without a reason", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn prioritize(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<PriorityBody>, JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let what = match body(request)? {
        PriorityBody {
            urgency: Some(u),
            priority: None,
            reason: None,
        } => PriorityChange::Urgency(u),
        PriorityBody {
            urgency: None,
            priority: Some(priority),
            reason: Some(reason),
        } => PriorityChange::Override { priority, reason },
        PriorityBody {
            priority: Some(_),
            reason: None,
            ..
        } => {
            return Err(ApiError::Invalid(
                "overriding the priority needs a reason".into(),
            ))
        }
        _ => {
            return Err(ApiError::Invalid(
                "send {\"urgency\": …} or {\"priority\": …, \"reason\": …}".into(),
            ))
        }
    };
    let now = state.clock.now_ms();
    cases::set_priority(state.store.as_ref(), &site, &id, &who, what, now).await?;
    after(&state, &site, &id, &who).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ProblemLinkBody {
    problem_id: Option<i64>,
}

/// Links a case to one of the site's problem records, or unlinks it (agent and up).
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/problem",
    tag = super::openapi::ADMIN,
    request_body(content = ProblemLinkBody, description = "`{\"problem_id\": 2}` or `{\"problem_id\": null}`"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The complaint's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint or problem", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn link_problem(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<ProblemLinkBody>, JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let b = body(request)?;
    let now = state.clock.now_ms();
    cases::link_problem(state.store.as_ref(), &site, &id, &who, b.problem_id, now).await?;
    after(&state, &site, &id, &who).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    /// The survivor: a case's id or its reference.
    into: String,
}

/// Merges a duplicate into another case of the site, named by id or reference (agent and up).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints/{id}/merge",
    tag = super::openapi::ADMIN,
    request_body(content = MergeBody, description = "`{\"into\": \"<id or HK-reference>\"}`"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = String, Path, description = "The duplicate's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The merged case's `shared::case::CaseView`", body = CaseView),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such complaint", body = super::openapi::ErrorDoc),
        (status = 409, description = "`invalid_transition`: this case cannot be merged from its status", body = super::openapi::ErrorDoc),
        (status = 422, description = "Into itself, or into a merged or spam case", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, String)>,
    request: Result<Json<MergeBody>, JsonRejection>,
) -> Result<Json<CaseView>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let id = case_id(&id)?;
    let into = body(request)?.into;
    let into = match crate::complaints::reference::number(&into) {
        Some(n) => {
            state
                .store
                .case_by_number(&site, n)
                .await?
                .ok_or(ApiError::NotFound(
                    "the site has no complaint to merge into",
                ))?
                .id
        }
        None => ResponseId::parse(&into)
            .map_err(|_| ApiError::NotFound("the site has no complaint to merge into"))?,
    };
    let now = state.clock.now_ms();
    cases::merge(state.store.as_ref(), &site, &id, &into, &who, now).await?;
    after(&state, &site, &id, &who).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    /// Cases' ids or references.
    #[schema(min_items = 1, max_items = 500)]
    ids: Vec<String>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    assignee: Option<AssignBody>,
}

/// The most cases one bulk change takes.
const MAX_BULK: usize = 500;

/// One status and/or assignee change to many cases; each case's outcome is reported (agent and
/// up, with the rules of the single changes).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/complaints/bulk",
    tag = super::openapi::ADMIN,
    request_body(content = BulkBody, description = "`{\"ids\": [...], \"status\"?: \"resolved\", \"assignee\"?: {\"user_id\": 4}}`, up to 500 ids"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"results\": [{\"id\", \"ok\": true} | {\"id\", \"ok\": false, \"error\": {\"code\", \"message\"}}]}`", body = super::openapi::BulkResults),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "No ids, too many, or nothing to change", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<BulkBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let b = body(request)?;
    if b.ids.is_empty() || b.ids.len() > MAX_BULK {
        return Err(ApiError::Invalid(format!("1 to {MAX_BULK} ids")));
    }
    if b.status.is_none() && b.assignee.is_none() {
        return Err(ApiError::Invalid(
            "nothing to change: send status or assignee".into(),
        ));
    }
    let target = b.assignee.as_ref().map(assign_target).transpose()?;
    let store = state.store.as_ref();
    let mut results = Vec::with_capacity(b.ids.len());
    for raw in &b.ids {
        let outcome = async {
            let id = case_id(raw)?;
            if let Some(to) = target {
                cases::assign(store, &site, &id, &who, to, state.clock.now_ms()).await?;
            }
            if let Some(status) = b.status {
                let now = state.clock.now_ms();
                cases::set_status(store, &site, &id, &who, status, None, now).await?;
            }
            Ok::<_, ApiError>(())
        }
        .await;
        results.push(match outcome {
            Ok(()) => serde_json::json!({"id": raw, "ok": true}),
            Err(e) => {
                let (status, message) = (e.status_and_code().1, e.to_string());
                serde_json::json!({"id": raw, "ok": false, "error": {"code": status, "message": message}})
            }
        });
    }
    state.jobs.notify_one();
    Ok(Json(serde_json::json!({ "results": results })))
}

/// The site's users who may work cases, with their active cases (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/agents",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::AgentList`: `{agents: [{id, email, role, active_cases}]}`", body = shared::case::AgentList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn agents(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<AgentList>, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Viewer)?;
    Ok(Json(AgentList {
        agents: state.store.agents(&site).await?,
    }))
}

/// The site's workflow settings: keyword rules, priority matrix, routing, auto-assignment and
/// auto-close (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/workflow",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::Workflow`", body = Workflow),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn workflow(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<Workflow>, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Viewer)?;
    let workflow = state
        .store
        .workflow(&site)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    Ok(Json(workflow))
}

/// Replaces the site's workflow settings (admin and up, audited). Rules and routing name the
/// site's categories (`…/settings`); routes name its agents.
#[utoipa::path(
    put,
    path = "/api/v1/admin/sites/{site_key}/workflow",
    tag = super::openapi::ADMIN,
    request_body(content = Workflow, description = "`shared::case::Workflow`: `{rules: [{category, keywords, urgency?}], matrix: [[P1..P4; 4]; 4], routing: {category: user_id}, auto_assign, auto_close_days}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The new `shared::case::Workflow`", body = Workflow),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No admin role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A malformed rule or route, with what is wrong", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn set_workflow(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<Workflow>, JsonRejection>,
) -> Result<Json<Workflow>, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Admin)?;
    let workflow = body(request)?;
    let settings = state
        .store
        .site_settings(&site)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    rules::check(&workflow, &settings.categories).map_err(ApiError::Invalid)?;
    let agents = state.store.agents(&site).await?;
    if let Some((category, user)) = workflow
        .routing
        .iter()
        .find(|(_, u)| !agents.iter().any(|a| a.id == **u))
    {
        return Err(ApiError::Invalid(format!(
            "routing: user {user} (for {category:?}) is not an agent of this site"
        )));
    }
    if !state.store.set_workflow(&site, &workflow).await? {
        return Err(ApiError::UnknownSite);
    }
    audit_change(
        &state,
        &caller,
        &site,
        "workflow.update",
        format!(
            "{} rules, {} routes",
            workflow.rules.len(),
            workflow.routing.len()
        ),
    )
    .await?;
    Ok(Json(workflow))
}

/// The site's problem records, newest first, with their linked counts (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/problems",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::ProblemList`", body = shared::case::ProblemList),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn problems(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
) -> Result<Json<ProblemList>, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Viewer)?;
    let problems = state.store.problems(&site).await?;
    Ok(Json(ProblemList {
        site_key: site,
        problems: problems.into_iter().map(problem_wire).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ProblemBody {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    title: Option<String>,
    #[serde(default, with = "double_option")]
    category: Option<Option<String>>,
    status: Option<ProblemStatus>,
    #[serde(default, with = "double_option")]
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    root_cause: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    workaround: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    fix: Option<Option<String>>,
}

impl ProblemBody {
    /// `fields` with what this body sets.
    fn apply(self, mut fields: ProblemFields) -> Result<ProblemFields, ApiError> {
        if let Some(t) = self.title {
            fields.title = t;
        }
        if let Some(c) = self.category {
            fields.category = c;
        }
        if let Some(s) = self.status {
            fields.status = s;
        }
        if let Some(r) = self.root_cause {
            fields.root_cause = r;
        }
        if let Some(w) = self.workaround {
            fields.workaround = w;
        }
        if let Some(f) = self.fix {
            fields.fix = f;
        }
        cases::check_problem(&fields).map_err(ApiError::Invalid)?;
        Ok(fields)
    }
}

/// Opens a problem record (agent and up).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/problems",
    tag = super::openapi::ADMIN,
    request_body(content = super::openapi::NewProblem, description = "`{\"title\", \"category\"?, \"status\"?, \"root_cause\"?, \"workaround\"?, \"fix\"?}`"),
    params(("site_key" = String, Path, description = "The site's key")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "The new `shared::case::Problem`", body = Problem),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "No title, or a text too long", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn create_problem(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    request: Result<Json<ProblemBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Agent)?;
    let fields = body(request)?.apply(ProblemFields {
        title: String::new(),
        category: None,
        status: ProblemStatus::Investigating,
        root_cause: None,
        workaround: None,
        fix: None,
    })?;
    let now = state.clock.now_ms();
    let id = state
        .store
        .create_problem(&site, &fields, now)
        .await?
        .ok_or(ApiError::UnknownSite)?;
    let record = state
        .store
        .problem(&site, id)
        .await?
        .ok_or(ApiError::NotFound("the site has no such problem"))?;
    Ok((StatusCode::CREATED, Json(problem_wire(record))).into_response())
}

async fn load_problem(
    state: &AppState,
    site: &SiteKey,
    id: i64,
) -> Result<ProblemRecord, ApiError> {
    state
        .store
        .problem(site, id)
        .await?
        .ok_or(ApiError::NotFound("the site has no such problem"))
}

/// A problem record with its linked cases (viewer and up).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/problems/{id}",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), ("id" = i64, Path, description = "The problem's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`shared::case::ProblemView`: `{problem, complaints}`", body = shared::case::ProblemView),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such problem", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn problem(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
) -> Result<Json<ProblemView>, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Viewer)?;
    let problem = load_problem(&state, &site, id).await?;
    let filter = crate::store::case_store::CaseFilter {
        problem: Some(id),
        ..Default::default()
    };
    let complaints = state.store.cases(&site, &filter, 500).await?;
    let calendar = cases::service_levels(state.store.as_ref(), &site)
        .await?
        .calendar;
    let now = state.clock.now_ms();
    Ok(Json(ProblemView {
        problem: problem_wire(problem),
        complaints: complaints
            .into_iter()
            .map(|c| {
                let sla = c.sla.clocks(&calendar, now);
                wire(c, sla)
            })
            .collect(),
    }))
}

/// Changes a problem record: what is set in the body, the rest kept (agent and up).
#[utoipa::path(
    patch,
    path = "/api/v1/admin/sites/{site_key}/problems/{id}",
    tag = super::openapi::ADMIN,
    request_body(content = ProblemBody, description = "Any of `title`, `category`, `status`, `root_cause`, `workaround`, `fix` (null clears a text)"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = i64, Path, description = "The problem's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The `shared::case::Problem`", body = Problem),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such problem", body = super::openapi::ErrorDoc),
        (status = 422, description = "An empty title, or a text too long", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn update_problem(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
    request: Result<Json<ProblemBody>, JsonRejection>,
) -> Result<Json<Problem>, ApiError> {
    let (site, _) = who(&caller, &site_key, Role::Agent)?;
    let b = body(request)?;
    let current = load_problem(&state, &site, id).await?;
    let fields = b.apply(ProblemFields {
        title: current.title,
        category: current.category,
        status: current.status,
        root_cause: current.root_cause,
        workaround: current.workaround,
        fix: current.fix,
    })?;
    state
        .store
        .update_problem(&site, id, &fields, state.clock.now_ms())
        .await?;
    Ok(Json(problem_wire(load_problem(&state, &site, id).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    reply: String,
}

/// Marks a problem fixed and resolves its active cases, each with the same public reply
/// (agent and up).
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites/{site_key}/problems/{id}/resolve",
    tag = super::openapi::ADMIN,
    request_body(content = ResolveBody, description = "`{\"reply\": \"…\"}`: the public reply every linked active case gets"),
    params(("site_key" = String, Path, description = "The site's key"), ("id" = i64, Path, description = "The problem's id")),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"problem\": Problem, \"resolved\": n}`", body = super::openapi::ResolvedProblem),
        (status = 400, description = "Malformed JSON", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No agent role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "The site has no such problem", body = super::openapi::ErrorDoc),
        (status = 422, description = "An empty reply, or over 10,000 characters", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller, request))]
async fn resolve_problem(
    State(state): State<AppState>,
    caller: Caller,
    Path((site_key, id)): Path<(String, i64)>,
    request: Result<Json<ResolveBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (site, who) = who(&caller, &site_key, Role::Agent)?;
    let reply = body(request)?.reply;
    let problem = load_problem(&state, &site, id).await?;
    let now = state.clock.now_ms();
    let resolved =
        cases::resolve_problem(state.store.as_ref(), &site, &problem, &who, reply, now).await?;
    state.jobs.notify_one();
    let problem = problem_wire(load_problem(&state, &site, id).await?);
    Ok(Json(
        serde_json::json!({ "problem": problem, "resolved": resolved }),
    ))
}
