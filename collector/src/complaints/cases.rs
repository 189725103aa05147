//! Working a case: each change the team (or the customer, or a timer) makes, checked against
//! the workflow's rules and stored with its timeline entries in one transaction. Handlers call
//! these with who is asking; nothing here knows of HTTP.

use super::hot_stove;
use super::intake::NewEntry;
use super::transitions::{self, Party, Refused};
use super::{check_text, priority, reference::reference, routing, rules, similar};
use crate::access::Role;
use crate::clock::Millis;
use crate::closing::rating::{self, may_rate, Rated};
use crate::jobs;
use crate::sla::case::{CaseSla, SlaEvent};
use crate::sla::Calendar;
use crate::store::case_store::{
    CaseChange, CaseFilter, NewEvent, NewJob, ProblemFields, ProblemRecord, SiteDocument,
    SlaUpdate, StoredEntry,
};
use crate::store::mail_store::{AttachmentRecord, NewAttachment};
use crate::store::{NewRating, Store, StoreError, StoredComplaint, DAY_MS};
use shared::case::HotStoveRules;
use shared::case::{
    Actor, Agent, EntryKind, Priority, ProblemStatus, SimilarCase, Status, Suggestion, Urgency,
    Workflow,
};
use shared::sla::{BusinessHours, SlaPolicies, SlaPolicy};
use shared::{ResponseId, SiteKey};

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{}", .0.message())]
    Refused(Refused),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("the case changed meanwhile; read it again and retry")]
    Changed,
    /// The case is not where the request needs it (a rating of a case not resolved, say).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type CaseResult<T> = Result<T, CaseError>;

/// Who asks: their part in the workflow, how the timeline names them, and (for a dashboard
/// user) their user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub party: Party,
    pub actor: Actor,
    pub user_id: Option<i64>,
}

impl Who {
    pub fn team(role: Role, actor: Actor, user_id: Option<i64>) -> Self {
        Self {
            party: Party::Team(role),
            actor,
            user_id,
        }
    }

    fn role(&self) -> Option<Role> {
        match self.party {
            Party::Team(r) => Some(r),
            _ => None,
        }
    }

    fn at_least(&self, role: Role) -> bool {
        self.role().is_some_and(|r| r.at_least(role))
    }

    fn require(&self, role: Role, what: &str) -> CaseResult<()> {
        if self.at_least(role) {
            Ok(())
        } else {
            Err(CaseError::Forbidden(format!(
                "{what} needs the {role} role or higher"
            )))
        }
    }
}

/// How a new complaint of `site` starts at `now`: `intake::plan` with the site's workflow and
/// agents, and the SLA timers of its priority.
pub async fn intake(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    category: Option<&str>,
    description: &str,
    impact: Option<u8>,
    now: Millis,
) -> CaseResult<super::Intake> {
    let workflow = workflow(store, site).await?;
    let agents = if workflow.auto_assign {
        store.agents(site).await?
    } else {
        Vec::new()
    };
    let mut intake = super::intake::plan(&workflow, category, description, impact, &agents);
    let rules: HotStoveRules = document(store, site, SiteDocument::HotStove)
        .await?
        .unwrap_or_default();
    let mut counts = Vec::new();
    for minutes in rules
        .rules
        .iter()
        .filter_map(|r| r.spike)
        .map(|s| s.minutes)
    {
        if let Some(c) = intake.category.as_deref() {
            let since = now - i64::from(minutes) * 60_000;
            // This complaint is not stored yet: it is one of them.
            counts.push((minutes, store.recent_complaints(site, c, since).await? + 1));
        }
    }
    let filed = hot_stove::Filed {
        description,
        category: intake.category.as_deref(),
        impact,
    };
    let hot = hot_stove::check(&rules, filed, |m| {
        counts.iter().find(|(w, _)| *w == m).map_or(1, |(_, n)| *n)
    });
    let data = |intake: &super::Intake| {
        serde_json::json!({"complaint": {
            "id": id, "reference": null, "site_key": site, "status": intake.status,
            "priority": intake.priority, "category": intake.category,
            "description": description, "impact": impact, "hot": intake.hot,
            "channel": "widget",
        }})
    };
    if let Some(m) = hot {
        intake.hot = true;
        intake.priority = Priority::P1;
        intake.entries.push(NewEntry::new(
            EntryKind::HotStove,
            Actor::Rule {
                name: m.rule.clone(),
            },
            format!("{}; now P1", m.reason),
        ));
        let mut d = data(&intake);
        d["rule"] = m.rule.into();
        d["reason"] = m.reason.into();
        intake.events.push(NewEvent::new("complaint.hot_stove", &d));
    }
    intake
        .events
        .insert(0, NewEvent::new("complaint.created", &data(&intake)));
    let levels = service_levels(store, site).await?;
    let sla = CaseSla::received(&levels.policy(intake.priority), now);
    intake.jobs.extend(levels.alarm_job(site, id, &sla));
    intake.sla = Some(levels.update(sla, now));
    Ok(intake)
}

/// A case with everything its page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    pub case: StoredComplaint,
    /// The case's SLA clocks at the moment the page was read.
    pub sla: Vec<shared::sla::SlaClock>,
    pub timeline: Vec<StoredEntry>,
    pub allowed: Vec<Status>,
    pub suggestion: Option<Suggestion>,
    pub similar: Vec<SimilarCase>,
    /// The files kept from the customer's e-mails, oldest first.
    pub attachments: Vec<AttachmentRecord>,
}

/// How many similar cases a page shows, and among how many recent ones they are looked for.
const SIMILAR: usize = 5;
const CANDIDATES: u32 = 200;

async fn load(store: &dyn Store, site: &SiteKey, id: &ResponseId) -> CaseResult<StoredComplaint> {
    store
        .case(site, id)
        .await?
        .ok_or(CaseError::NotFound("the site has no such complaint"))
}

async fn workflow(store: &dyn Store, site: &SiteKey) -> CaseResult<Workflow> {
    store
        .workflow(site)
        .await?
        .ok_or(CaseError::NotFound("no site has this key"))
}

/// A site's business calendar and SLA policies.
#[derive(Debug, Clone)]
pub struct ServiceLevels {
    pub calendar: Calendar,
    pub policies: SlaPolicies,
}

impl ServiceLevels {
    /// The policy for `priority`: the site's, or the default one.
    pub fn policy(&self, priority: Priority) -> SlaPolicy {
        self.policies
            .get(priority)
            .cloned()
            .unwrap_or_else(|| SlaPolicy::default_for(priority))
    }

    /// The SLA timers `sla` with what the inbox reads of them at `now`.
    pub fn update(&self, sla: CaseSla, now: Millis) -> SlaUpdate {
        let (state, due_at) = sla.summary(&self.calendar, now);
        SlaUpdate { sla, state, due_at }
    }

    /// The job that fires the next of `sla`'s alarms, if any is ahead.
    pub fn alarm_job(&self, site: &SiteKey, id: &ResponseId, sla: &CaseSla) -> Option<NewJob> {
        sla.next_alarm(&self.calendar)
            .map(|at| jobs::sla_alarm(site, id, at))
    }
}

/// The site's business hours and SLA policies (the defaults until an admin sets them).
pub async fn service_levels(store: &dyn Store, site: &SiteKey) -> CaseResult<ServiceLevels> {
    let hours: BusinessHours = document(store, site, SiteDocument::BusinessHours)
        .await?
        .unwrap_or_default();
    let policies: SlaPolicies = document(store, site, SiteDocument::SlaPolicies)
        .await?
        .unwrap_or_default();
    // Stored hours were checked when set; a time zone the tz database has since dropped falls
    // back to the defaults rather than stopping every timer of the site.
    let calendar = Calendar::parse(&hours).or_else(|problems| {
        tracing::warn!(site = %site, ?problems, "stored business hours no longer parse");
        Calendar::parse(&BusinessHours::default())
    });
    Ok(ServiceLevels {
        calendar: calendar.expect("the default business hours parse"),
        policies,
    })
}

/// A site's settings document, `None` until it is set.
pub async fn document<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    site: &SiteKey,
    doc: SiteDocument,
) -> CaseResult<Option<T>> {
    let json = store
        .site_document(site, doc)
        .await?
        .ok_or(CaseError::NotFound("no site has this key"))?;
    json.map(|j| serde_json::from_str(&j))
        .transpose()
        .map_err(|e| {
            CaseError::Store(StoreError::Other(anyhow::anyhow!(
                "a stored {} is invalid: {e}",
                doc.column()
            )))
        })
}

/// What a change does to the case's service levels.
fn sla_events(before: Status, change: &CaseChange) -> Vec<SlaEvent> {
    let mut events = Vec::new();
    for e in &change.entries {
        match e.kind {
            EntryKind::PublicReply => events.push(SlaEvent::TeamReplied),
            EntryKind::CustomerReply => events.push(SlaEvent::CustomerReplied),
            _ => {}
        }
    }
    if let Some(to) = change.status.filter(|to| *to != before) {
        if before == Status::WaitingOnCustomer {
            events.push(SlaEvent::Resumed);
        }
        match to {
            Status::WaitingOnCustomer => events.push(SlaEvent::Paused),
            Status::Resolved => events.push(SlaEvent::Resolved),
            Status::Reopened => events.push(SlaEvent::Reopened),
            Status::Closed | Status::Merged | Status::Spam => events.push(SlaEvent::Ended),
            _ => {}
        }
    }
    events
}

/// The outbox events a change makes: `complaint.replied` for a public reply or the customer's,
/// `complaint.status_changed` for a new status. (Internal notes are not announced.)
fn outbox_events(site: &SiteKey, case: &StoredComplaint, change: &CaseChange) -> Vec<NewEvent> {
    let to = change.status.filter(|to| *to != change.expect);
    let complaint = serde_json::json!({
        "id": case.id, "reference": reference(case.number), "site_key": site,
        "status": to.unwrap_or(case.status),
        "priority": change.priority.map_or(case.priority, |(p, _)| p),
        "category": change.category.clone().unwrap_or_else(|| case.category.clone()),
    });
    let mut events = Vec::new();
    for e in &change.entries {
        let by = match e.kind {
            EntryKind::PublicReply => "team",
            EntryKind::CustomerReply => "customer",
            _ => continue,
        };
        events.push(NewEvent::new(
            "complaint.replied",
            &serde_json::json!({"complaint": complaint, "reply": {"by": by, "body": e.body}}),
        ));
    }
    if let Some(to) = to {
        let reason = change
            .entries
            .iter()
            .find(|e| e.kind == EntryKind::StatusChanged)
            .and_then(|e| e.body.clone());
        events.push(NewEvent::new(
            "complaint.status_changed",
            &serde_json::json!({
                "complaint": complaint, "from": change.expect, "to": to, "reason": reason,
            }),
        ));
    }
    events
}

async fn apply(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    change: &CaseChange,
) -> CaseResult<()> {
    let events = sla_events(change.expect, change);
    let announced = change.status.is_some_and(|to| to != change.expect)
        || change
            .entries
            .iter()
            .any(|e| matches!(e.kind, EntryKind::PublicReply | EntryKind::CustomerReply));
    let mut owned;
    let mut change = change;
    let timers = !events.is_empty() && change.sla.is_none();
    if timers || announced {
        let case = load(store, site, id).await?;
        owned = change.clone();
        owned.events.extend(outbox_events(site, &case, change));
        if timers && !case.sla.timers.is_empty() {
            let levels = service_levels(store, site).await?;
            let priority = change.priority.map_or(case.priority, |(p, _)| p);
            let mut sla = case.sla;
            sla.apply(
                &events,
                &levels.calendar,
                &levels.policy(priority),
                change.at,
            );
            owned.jobs.extend(levels.alarm_job(site, id, &sla));
            owned.sla = Some(levels.update(sla, change.at));
        }
        change = &owned;
    }
    if store.change_case(site, id, change).await? {
        Ok(())
    } else if store.case(site, id).await?.is_none() {
        Err(CaseError::NotFound("the site has no such complaint"))
    } else {
        Err(CaseError::Changed)
    }
}

/// A case's page as `who` sees it.
pub async fn page(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    now: Millis,
) -> CaseResult<CasePage> {
    let case = load(store, site, id).await?;
    let sla = case
        .sla
        .clocks(&service_levels(store, site).await?.calendar, now);
    let workflow = workflow(store, site).await?;
    let timeline = store.timeline(id).await?;
    let suggestion = rules::suggest(&workflow.rules, &case.description, case.category.as_deref());
    let similar = match &case.category {
        Some(category) if case.status.is_active() => {
            let candidates = store.candidates(site, category, id, CANDIDATES).await?;
            let texts: Vec<(usize, String)> = candidates
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.description.clone()))
                .collect();
            similar::rank(&case.description, &texts, SIMILAR)
                .into_iter()
                .map(|(i, score)| {
                    let c = &candidates[i];
                    SimilarCase {
                        id: c.id,
                        reference: reference(c.number),
                        status: c.status,
                        description: c.description.clone(),
                        score,
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let attachments = store.attachments(id).await?;
    Ok(CasePage {
        allowed: transitions::allowed(case.status, who.party),
        sla,
        case,
        timeline,
        suggestion,
        similar,
        attachments,
    })
}

/// The change that moves `case` to `to`, with its entry and, for a resolution, the auto-close
/// timer. The caller has checked the transition.
fn status_change(
    site: &SiteKey,
    case: &StoredComplaint,
    to: Status,
    actor: &Actor,
    reason: Option<String>,
    auto_close_days: u16,
    now: Millis,
) -> CaseChange {
    let mut change = CaseChange::new(case.status, now);
    change.status = Some(to);
    change.entries.push(NewEntry {
        kind: EntryKind::StatusChanged,
        actor: actor.clone(),
        body: reason,
        detail: Some(format!("{} → {}", case.status.as_str(), to.as_str())),
    });
    match to {
        Status::Resolved => {
            change.resolved_at = Some(Some(now));
            let due = now + i64::from(auto_close_days) * DAY_MS;
            change.jobs.push(jobs::auto_close(site, &case.id, due));
        }
        Status::Reopened => change.resolved_at = Some(None),
        _ => {}
    }
    change
}

/// Moves a case to `to`. Merging goes through `merge`, which names the case it joins.
pub async fn set_status(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    to: Status,
    reason: Option<String>,
    now: Millis,
) -> CaseResult<()> {
    if let Some(r) = &reason {
        check_text("a reason", r).map_err(CaseError::Invalid)?;
    }
    let case = load(store, site, id).await?;
    transitions::check(case.status, to, who.party).map_err(CaseError::Refused)?;
    if to == Status::Merged {
        return Err(CaseError::Invalid(
            "a case is merged through …/merge, which names the case it joins".into(),
        ));
    }
    let days = workflow(store, site).await?.auto_close_days;
    let change = status_change(site, &case, to, &who.actor, reason, days, now);
    apply(store, site, id, &change).await
}

/// A public reply (the customer sees it) or an internal note (the team only).
pub async fn reply(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    body: String,
    internal: bool,
    now: Millis,
) -> CaseResult<()> {
    who.require(Role::Agent, "replying")?;
    check_text(if internal { "a note" } else { "a reply" }, &body).map_err(CaseError::Invalid)?;
    let case = load(store, site, id).await?;
    let mut change = CaseChange::new(case.status, now);
    change.entries.push(NewEntry {
        kind: if internal {
            EntryKind::InternalNote
        } else {
            EntryKind::PublicReply
        },
        actor: who.actor.clone(),
        body: Some(body),
        detail: None,
    });
    apply(store, site, id, &change).await
}

/// Shares a case with one of the site's destinations (agent and up): the `feedback.shared` event
/// (mailed to the destination's address, delivered to the webhooks that take it) and a timeline
/// entry, with the team's private note. `link` opens the case in the dashboard.
pub async fn share(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    sharing: super::share::Sharing,
    link: &str,
    now: Millis,
) -> CaseResult<()> {
    who.require(Role::Agent, "sharing")?;
    let all = destinations(store, site).await?;
    let (dest, note) = sharing.pick(&all).map_err(CaseError::Invalid)?;
    let case = load(store, site, id).await?;
    let (entry, event) = super::share::share(site, &case, dest, note.as_deref(), &who.actor, link);
    let mut change = CaseChange::new(case.status, now);
    change.entries.push(entry);
    change.events.push(event);
    apply(store, site, id, &change).await
}

/// The site's share destinations (none until an admin sets them).
async fn destinations(store: &dyn Store, site: &SiteKey) -> CaseResult<super::share::Destinations> {
    Ok(document(store, site, SiteDocument::ShareDestinations)
        .await?
        .unwrap_or_default())
}

/// Shares a problem record or a topic (agent and up) with one of the site's destinations: the
/// `feedback.shared` event, with the team's private note. Neither has a timeline; the caller
/// records the share in the audit log.
pub async fn share_other(
    store: &dyn Store,
    site: &SiteKey,
    subject: super::share::Subject<'_>,
    who: &Who,
    sharing: &super::share::Sharing,
    link: &str,
    now: Millis,
) -> CaseResult<String> {
    who.require(Role::Agent, "sharing")?;
    let all = destinations(store, site).await?;
    let (dest, note) = sharing.pick(&all).map_err(CaseError::Invalid)?;
    let event = super::share::event(site, subject, dest, note.as_deref(), link);
    if !store.queue_site_event(site, &event, now).await? {
        return Err(CaseError::NotFound("no such site"));
    }
    Ok(dest.name.clone())
}

/// The customer's reply: on the timeline, and it reopens a resolved case or brings one that
/// waited on them back to work. `recorded_by` is the agent who took it by another channel.
pub async fn customer_reply(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    recorded_by: Option<&Who>,
    body: String,
    now: Millis,
) -> CaseResult<Status> {
    customer_reply_with(store, site, id, recorded_by, body, Files::default(), now).await
}

/// Files that came with a customer's e-mail: those kept, and internal notes about them (which
/// were kept, which were not and why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    pub kept: Vec<NewAttachment>,
    pub notes: Vec<NewEntry>,
}

/// The customer's reply by e-mail (`mail_in`): `customer_reply`, with the files that came with
/// it kept in the same change.
pub async fn customer_mail(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    body: String,
    files: Files,
    now: Millis,
) -> CaseResult<Status> {
    customer_reply_with(store, site, id, None, body, files, now).await
}

/// Keeps the files that came with the e-mail a case was opened from, with their notes, in one
/// change that moves nothing else.
pub async fn attach(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    files: Files,
    now: Millis,
) -> CaseResult<()> {
    if files.kept.is_empty() && files.notes.is_empty() {
        return Ok(());
    }
    let case = load(store, site, id).await?;
    let mut change = CaseChange::new(case.status, now);
    change.entries = files.notes;
    change.attachments = files.kept;
    apply(store, site, id, &change).await
}

async fn customer_reply_with(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    recorded_by: Option<&Who>,
    body: String,
    files: Files,
    now: Millis,
) -> CaseResult<Status> {
    if let Some(who) = recorded_by {
        who.require(Role::Agent, "recording a customer's reply")?;
    }
    check_text("a reply", &body).map_err(CaseError::Invalid)?;
    let case = load(store, site, id).await?;
    if matches!(case.status, Status::Closed | Status::Merged | Status::Spam) {
        return Err(CaseError::Invalid(format!(
            "this case is {}; file a new report instead",
            case.status.label().to_lowercase()
        )));
    }
    let days = workflow(store, site).await?.auto_close_days;
    let next = transitions::on_customer_reply(case.status);
    let mut change = match next {
        Some(to) => status_change(site, &case, to, &Actor::Customer, None, days, now),
        None => CaseChange::new(case.status, now),
    };
    change.entries.insert(
        0,
        NewEntry {
            kind: EntryKind::CustomerReply,
            actor: Actor::Customer,
            body: Some(body),
            detail: recorded_by.map(|who| match &who.actor {
                Actor::User { email, .. } => format!("recorded by {email}"),
                Actor::Token { id } => format!("recorded by token {id}"),
                _ => "recorded by the team".into(),
            }),
        },
    );
    change.entries.extend(files.notes);
    change.attachments = files.kept;
    apply(store, site, id, &change).await?;
    Ok(next.unwrap_or(case.status))
}

/// The customer's rating of their case's resolution: the resolution survey's `answers`
/// (checked against `survey` by the caller), stored as a response linked to the case, on its
/// timeline, and announced as `resolution.rated`. An unhappy rating (the site's
/// `reopen_at_or_below`) reopens a resolved case, with the reason on its timeline.
pub async fn rate(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    survey: &shared::Survey,
    answers: Vec<shared::Answer>,
    now: Millis,
) -> CaseResult<Rated> {
    let case = load(store, site, id).await?;
    let ratings = store.case_ratings(id).await?;
    may_rate(case.status, case.resolved_at, &ratings)
        .map_err(|r| CaseError::Conflict(r.message().to_owned()))?;
    let workflow = workflow(store, site).await?;
    let rated = rating::read(survey, &answers, case.status, workflow.reopen_at_or_below);
    let mut change = if rated.reopens {
        let reason = format!(
            "the customer rated the resolution {}/5",
            rated.csat.unwrap_or_default()
        );
        status_change(
            site,
            &case,
            Status::Reopened,
            &Actor::Customer,
            Some(reason),
            workflow.auto_close_days,
            now,
        )
    } else {
        CaseChange::new(case.status, now)
    };
    change.entries.insert(
        0,
        NewEntry {
            kind: EntryKind::Rated,
            actor: Actor::Customer,
            body: rated.comment.clone(),
            detail: Some(rated.summary.clone()),
        },
    );
    let response_id = ResponseId::from_uuid(
        uuid::Builder::from_unix_timestamp_millis(
            u64::try_from(now).unwrap_or_default(),
            &rand::random(),
        )
        .into_uuid(),
    );
    change.events.push(NewEvent::new(
        "resolution.rated",
        &serde_json::json!({
            "complaint": {
                "id": case.id, "reference": reference(case.number), "site_key": site,
                "status": if rated.reopens { Status::Reopened } else { case.status },
            },
            "rating": {
                "response_id": response_id, "survey_id": survey.id, "csat": rated.csat,
                "ces": rated.ces, "comment": rated.comment, "answers": answers,
                "reopened": rated.reopens,
            },
        }),
    ));
    change.rating = Some(NewRating {
        id: response_id,
        survey: survey.id.clone(),
        version: survey.version,
        answers,
    });
    apply(store, site, id, &change).await?;
    Ok(rated)
}

/// Who a case goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assign {
    User(i64),
    Nobody,
    /// By the site's routing, else to the agent with the fewest active cases.
    Auto,
}

/// Gives a case to someone, or to nobody. Admins assign anyone; agents take a case for
/// themselves, or give back one they have. A new case that someone gets is opened.
pub async fn assign(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    to: Assign,
    now: Millis,
) -> CaseResult<()> {
    who.require(Role::Agent, "assigning")?;
    let case = load(store, site, id).await?;
    if !who.at_least(Role::Admin) {
        let own = who.user_id.is_some();
        let allowed = match to {
            Assign::User(u) => own && who.user_id == Some(u),
            Assign::Nobody => own && case.assignee.as_ref().map(|a| a.id) == who.user_id,
            Assign::Auto => false,
        };
        if !allowed {
            return Err(CaseError::Forbidden(
                "an agent takes a case for themselves or gives back their own; assigning others needs the admin role".into(),
            ));
        }
    }
    if matches!(case.status, Status::Merged | Status::Spam) {
        return Err(CaseError::Invalid(format!(
            "a case marked {} is not worked",
            case.status.as_str()
        )));
    }
    let agents = store.agents(site).await?;
    let (target, how): (Option<&Agent>, String) = match to {
        Assign::User(u) => {
            let agent = agents.iter().find(|a| a.id == u).ok_or_else(|| {
                CaseError::Invalid(format!("user {u} is not an agent of this site"))
            })?;
            let how = if who.user_id == Some(u) {
                "took it"
            } else {
                "manual"
            };
            (Some(agent), how.into())
        }
        Assign::Nobody => (None, "manual".into()),
        Assign::Auto => {
            let wf = workflow(store, site).await?;
            let (agent, route) = routing::assignee(&wf, case.category.as_deref(), &agents)
                .ok_or_else(|| CaseError::Invalid("the site has no agents".into()))?;
            (Some(agent), route.reason())
        }
    };
    let mut change = CaseChange::new(case.status, now);
    change.assignee = Some(target.map(|a| a.id));
    let was = case
        .assignee
        .as_ref()
        .map_or("nobody", |a| a.email.as_str());
    let detail = match target {
        Some(a) => format!("{was} → {} ({how})", a.email),
        None => format!("{was} → nobody"),
    };
    change.entries.push(NewEntry::new(
        EntryKind::Assigned,
        who.actor.clone(),
        detail,
    ));
    if target.is_some() && case.status == Status::New {
        change.status = Some(Status::Open);
        change.entries.push(NewEntry::new(
            EntryKind::StatusChanged,
            Actor::System,
            "new → open",
        ));
    }
    apply(store, site, id, &change).await
}

/// Gives back the cases a member who left the site was working: each active one goes to
/// nobody, with a timeline entry that says why, so that no case waits on someone who can no
/// longer see it (the inbox's "Unassigned" queue shows them). Resolved and closed cases keep
/// who worked them. A case that changes meanwhile is read again and given back then. Returns
/// how many were given back.
pub async fn hand_back(
    store: &dyn Store,
    site: &SiteKey,
    member: i64,
    email: &str,
    who: &Who,
    now: Millis,
) -> CaseResult<u64> {
    const PAGE: u32 = 200;
    let mut filter = CaseFilter {
        statuses: [
            Status::New,
            Status::Open,
            Status::InProgress,
            Status::WaitingOnCustomer,
            Status::Reopened,
        ]
        .into(),
        assignee: Some(crate::store::case_store::AssigneeFilter::User(member)),
        ..Default::default()
    };
    let mut given = 0;
    loop {
        let page = store.cases(site, &filter, PAGE).await?;
        for listed in &page {
            for _ in 0..3 {
                let case = load(store, site, &listed.id).await?;
                if case.assignee.as_ref().map(|a| a.id) != Some(member) || !case.status.is_active()
                {
                    break;
                }
                let mut change = CaseChange::new(case.status, now);
                change.assignee = Some(None);
                change.entries.push(NewEntry::new(
                    EntryKind::Assigned,
                    who.actor.clone(),
                    format!("{email} → nobody (left the team)"),
                ));
                match apply(store, site, &listed.id, &change).await {
                    Ok(()) => {
                        given += 1;
                        break;
                    }
                    Err(CaseError::Changed) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                filter.after = Some(crate::store::case_store::Cursor::of(last));
            }
            _ => return Ok(given),
        }
    }
}

/// Files a case under another of the site's categories.
pub async fn set_category(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    category: String,
    now: Millis,
) -> CaseResult<()> {
    who.require(Role::Agent, "categorizing")?;
    let settings = store
        .site_settings(site)
        .await?
        .ok_or(CaseError::NotFound("no site has this key"))?;
    // A site without a list takes any category, but never a blank one (as a report's).
    if category.trim().is_empty() || category.chars().count() > shared::survey::MAX_LABEL {
        return Err(CaseError::Invalid(
            "a category is 1 to 500 characters".into(),
        ));
    }
    if !settings.categories.is_empty() && !settings.categories.contains(&category) {
        return Err(CaseError::Invalid(format!(
            "the site has no category {category:?}"
        )));
    }
    let case = load(store, site, id).await?;
    let mut change = CaseChange::new(case.status, now);
    let from = case.category.as_deref().unwrap_or("none");
    change.entries.push(NewEntry::new(
        EntryKind::Categorized,
        who.actor.clone(),
        format!("{from} → {category}"),
    ));
    change.category = Some(Some(category));
    apply(store, site, id, &change).await
}

/// A change of priority: a new urgency (the matrix decides again) or an agent's override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriorityChange {
    Urgency(Urgency),
    Override { priority: Priority, reason: String },
}

pub async fn set_priority(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    what: PriorityChange,
    now: Millis,
) -> CaseResult<()> {
    who.require(Role::Agent, "prioritizing")?;
    let case = load(store, site, id).await?;
    let mut change = CaseChange::new(case.status, now);
    match what {
        PriorityChange::Urgency(urgency) => {
            let wf = workflow(store, site).await?;
            let p = priority::derive(&wf, case.impact, urgency);
            change.urgency = Some(urgency);
            change.priority = Some((p, false));
            change.entries.push(NewEntry::new(
                EntryKind::Prioritized,
                who.actor.clone(),
                format!(
                    "{} → {}: {}",
                    case.priority.as_str(),
                    p.as_str(),
                    priority::explain(case.impact, urgency, p)
                ),
            ));
        }
        PriorityChange::Override { priority, reason } => {
            check_text("a reason", &reason).map_err(CaseError::Invalid)?;
            change.priority = Some((priority, true));
            change.entries.push(NewEntry {
                kind: EntryKind::Prioritized,
                actor: who.actor.clone(),
                body: Some(reason),
                detail: Some(format!(
                    "{} → {} (overridden)",
                    case.priority.as_str(),
                    priority.as_str()
                )),
            });
        }
    }
    apply(store, site, id, &change).await
}

/// Links a case to one of the site's problem records, or unlinks it.
pub async fn link_problem(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    who: &Who,
    problem: Option<i64>,
    now: Millis,
) -> CaseResult<()> {
    who.require(Role::Agent, "linking a problem")?;
    let case = load(store, site, id).await?;
    let detail = match problem {
        Some(p) => {
            let record = store
                .problem(site, p)
                .await?
                .ok_or(CaseError::NotFound("the site has no such problem"))?;
            format!("→ problem #{} {:?}", record.id, record.title)
        }
        None => match &case.problem {
            Some((p, title)) => format!("unlinked from problem #{p} {title:?}"),
            None => return Ok(()),
        },
    };
    let mut change = CaseChange::new(case.status, now);
    change.problem = Some(problem);
    change.entries.push(NewEntry::new(
        EntryKind::LinkedProblem,
        who.actor.clone(),
        detail,
    ));
    apply(store, site, id, &change).await
}

/// Folds a duplicate into the case it repeats: the duplicate keeps its timeline, is `merged`
/// and points to the survivor, whose timeline records it.
pub async fn merge(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    into: &ResponseId,
    who: &Who,
    now: Millis,
) -> CaseResult<()> {
    if id == into {
        return Err(CaseError::Invalid(
            "a case cannot be merged into itself".into(),
        ));
    }
    let case = load(store, site, id).await?;
    let survivor = store.case(site, into).await?.ok_or(CaseError::NotFound(
        "the site has no complaint to merge into",
    ))?;
    transitions::check(case.status, Status::Merged, who.party).map_err(CaseError::Refused)?;
    if matches!(survivor.status, Status::Merged | Status::Spam) {
        return Err(CaseError::Invalid(format!(
            "{} is marked {}: merge into a case that is worked",
            reference(survivor.number),
            survivor.status.as_str()
        )));
    }
    let mut change = CaseChange::new(case.status, now);
    change.status = Some(Status::Merged);
    change.merged_into = Some(*into);
    change.entries.push(NewEntry::new(
        EntryKind::Merged,
        who.actor.clone(),
        format!("merged into {}", reference(survivor.number)),
    ));
    apply(store, site, id, &change).await?;
    let mut note = CaseChange::new(survivor.status, now);
    note.entries.push(NewEntry::new(
        EntryKind::Merged,
        who.actor.clone(),
        format!("{} was merged into this case", reference(case.number)),
    ));
    apply(store, site, into, &note).await
}

/// Checks a problem record's fields: a title of 1 to 200 characters, texts up to `MAX_REPLY`.
pub fn check_problem(fields: &ProblemFields) -> Result<(), String> {
    let title = fields.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err("a problem's title is 1 to 200 characters".into());
    }
    for (what, text) in [
        ("the root cause", &fields.root_cause),
        ("the workaround", &fields.workaround),
        ("the fix", &fields.fix),
    ] {
        if let Some(t) = text {
            check_text(what, t)?;
        }
    }
    Ok(())
}

/// Marks a problem fixed and resolves each of its active cases with one public reply.
/// Returns how many cases it resolved.
pub async fn resolve_problem(
    store: &dyn Store,
    site: &SiteKey,
    problem: &ProblemRecord,
    who: &Who,
    reply: String,
    now: Millis,
) -> CaseResult<u32> {
    who.require(Role::Agent, "resolving a problem")?;
    check_text("a reply", &reply).map_err(CaseError::Invalid)?;
    let days = workflow(store, site).await?.auto_close_days;
    let fields = ProblemFields {
        status: ProblemStatus::Fixed,
        title: problem.title.clone(),
        category: problem.category.clone(),
        root_cause: problem.root_cause.clone(),
        workaround: problem.workaround.clone(),
        fix: problem.fix.clone(),
    };
    store.update_problem(site, problem.id, &fields, now).await?;
    let filter = CaseFilter {
        problem: Some(problem.id),
        statuses: Status::ALL.into_iter().filter(|s| s.is_active()).collect(),
        ..CaseFilter::default()
    };
    let mut resolved = 0;
    // Page by page: each resolved case leaves the filter, so the first page is read again.
    loop {
        let cases = store.cases(site, &filter, 100).await?;
        if cases.is_empty() {
            return Ok(resolved);
        }
        for case in cases {
            let mut change =
                status_change(site, &case, Status::Resolved, &who.actor, None, days, now);
            change.entries.insert(
                0,
                NewEntry {
                    kind: EntryKind::PublicReply,
                    actor: who.actor.clone(),
                    body: Some(reply.clone()),
                    detail: Some(format!("problem #{} fixed", problem.id)),
                },
            );
            match apply(store, site, &case.id, &change).await {
                Ok(()) => resolved += 1,
                // Someone moved it meanwhile; it is read again on the next page.
                Err(CaseError::Changed) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_fields_are_checked() {
        let mut f = ProblemFields {
            title: "Checkout times out".into(),
            category: None,
            status: ProblemStatus::Investigating,
            root_cause: None,
            workaround: Some("Pay by card".into()),
            fix: None,
        };
        check_problem(&f).unwrap();
        f.title = " ".into();
        assert_eq!(
            check_problem(&f).unwrap_err(),
            "a problem's title is 1 to 200 characters"
        );
        f.title = "ok".into();
        f.fix = Some("x".repeat(10_001));
        assert!(check_problem(&f)
            .unwrap_err()
            .starts_with("the fix is 10001"));
    }

    #[test]
    fn a_resolution_sets_the_auto_close_timer() {
        let site = SiteKey::parse("demo").unwrap();
        let id = ResponseId::parse("0195b5d3-0000-7000-8000-000000000001").unwrap();
        let case = StoredComplaint {
            id,
            status: Status::InProgress,
            kind: shared::ComplaintKind::Problem,
            category: None,
            description: "x".into(),
            impact: None,
            email: None,
            contact_consent: false,
            page_url: None,
            received_at: 0,
            enrichment: Default::default(),
            number: 1,
            urgency: Urgency::Normal,
            priority: Priority::P3,
            priority_overridden: false,
            assignee: None,
            problem: None,
            merged_into: None,
            updated_at: 0,
            resolved_at: None,
            hot: false,
            sla: Default::default(),
            channel: "widget".into(),
            source_url: None,
        };
        let c = status_change(
            &site,
            &case,
            Status::Resolved,
            &Actor::System,
            None,
            14,
            1000,
        );
        assert_eq!(c.resolved_at, Some(Some(1000)));
        assert_eq!(c.jobs.len(), 1);
        assert_eq!(c.jobs[0].due_at, 1000 + 14 * DAY_MS);
        assert_eq!(
            c.entries[0].detail.as_deref(),
            Some("in_progress → resolved")
        );
        let c = status_change(
            &site,
            &case,
            Status::WaitingOnCustomer,
            &Actor::System,
            None,
            14,
            0,
        );
        assert!(c.jobs.is_empty() && c.resolved_at.is_none());
    }
}
