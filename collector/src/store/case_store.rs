//! Complaints as cases: their workflow fields, timelines, problem records, a site's workflow
//! settings, and the timer jobs. A supertrait of `Store`; its SQL is written once for both
//! engines (`case_sql.rs`).

use super::{Enrichment, StoreResult, Stored};
use crate::clock::Millis;
use crate::complaints::{Intake, NewEntry};
use async_trait::async_trait;
use shared::case::{
    Actor, Agent, EntryKind, Priority, ProblemStatus, QueueCounts, Status, Urgency, UserRef,
    Workflow,
};
use shared::{ComplaintKind, ComplaintSubmission, ResponseId, SiteKey};

/// A complaint to store, with what ingest learned (its `email` is the complaint's own, so the
/// enrichment's is not used) and how the workflow starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewComplaint {
    pub complaint: ComplaintSubmission,
    pub enrichment: Enrichment,
    pub received_at: Millis,
    pub intake: Intake,
    /// The status page's token for the acknowledgement, kept for the case whether it is new or
    /// replayed (each acknowledgement has its own).
    pub token: Option<CaseToken>,
    /// How it reached the team (`complaints::CHANNELS`): `widget` unless the team logged it.
    pub channel: &'static str,
    /// Where it came from elsewhere (a chat transcript, a review), if anywhere.
    pub source_url: Option<String>,
    /// When it was resolved: only an imported case comes in resolved.
    pub resolved_at: Option<Millis>,
}

/// A status-page token as stored: only its hash (`closing::token`), and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseToken {
    pub hash: String,
    pub expires_at: Millis,
}

/// A resolution survey's answers about a case, to store with the change that records them.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRating {
    pub id: ResponseId,
    pub survey: shared::SurveyId,
    pub version: u32,
    pub answers: Vec<shared::Answer>,
}

/// A resolution survey's answers about a case, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRating {
    pub id: ResponseId,
    pub survey: String,
    pub answers: Vec<shared::Answer>,
    pub received_at: Millis,
}

/// A stored complaint, as read back: what the customer said, what ingest learned, and where the
/// case is.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredComplaint {
    pub id: ResponseId,
    pub status: Status,
    pub kind: ComplaintKind,
    pub category: Option<String>,
    pub description: String,
    pub impact: Option<u8>,
    pub email: Option<String>,
    pub contact_consent: bool,
    pub page_url: Option<String>,
    pub received_at: Millis,
    /// What ingest learned (`email` always `None`: see the field above).
    pub enrichment: Enrichment,
    /// The site's running number of the case, from which its reference is made.
    pub number: u64,
    pub urgency: Urgency,
    pub priority: Priority,
    pub priority_overridden: bool,
    pub assignee: Option<UserRef>,
    pub problem: Option<(i64, String)>,
    pub merged_into: Option<ResponseId>,
    pub updated_at: Millis,
    pub resolved_at: Option<Millis>,
    /// A hot-stove rule matched it.
    pub hot: bool,
    pub sla: crate::sla::case::CaseSla,
    /// How it reached the team (`complaints::CHANNELS`).
    pub channel: String,
    pub source_url: Option<String>,
}

/// One stored timeline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub at: Millis,
    pub kind: EntryKind,
    pub actor: Actor,
    pub body: Option<String>,
    pub detail: Option<String>,
}

/// How the inbox is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    /// P1 first, newest first within a priority.
    Priority,
}

/// Where a page of the inbox starts: after this case in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub priority: Priority,
    pub received_at: Millis,
    pub id: ResponseId,
}

impl Cursor {
    pub fn of(c: &StoredComplaint) -> Self {
        Self {
            priority: c.priority,
            received_at: c.received_at,
            id: c.id,
        }
    }

    /// `P2.1795000000000.0195…`: opaque to clients, readable in logs.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.priority.rank(), self.received_at, self.id)
    }

    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.splitn(3, '.');
        let priority = Priority::from_rank(parts.next()?.parse().ok()?)?;
        let received_at = parts.next()?.parse().ok()?;
        let id = ResponseId::parse(parts.next()?).ok()?;
        Some(Self {
            priority,
            received_at,
            id,
        })
    }
}

/// Whose cases the inbox shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Nobody,
    User(i64),
}

/// The inbox's filters; empty lists filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub category: Option<String>,
    pub assignee: Option<AssigneeFilter>,
    pub problem: Option<i64>,
    /// Words in the description (case-insensitive), or a case's reference.
    pub text: Option<String>,
    /// Cases whose SLA clocks are, at worst, in these states (`CaseSla::summary`).
    pub sla: Vec<shared::sla::SlaState>,
    pub sort: Sort,
    pub after: Option<Cursor>,
}

/// A field of a case that a change sets, or leaves as it is (`None`).
pub type Set<T> = Option<T>;

/// A change to a case, made only if the case is still `expect`ed to be in that status, with the
/// timeline entries that record it and the timers it sets, all in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseChange {
    pub expect: Status,
    pub at: Millis,
    pub status: Set<Status>,
    pub category: Set<Option<String>>,
    pub urgency: Set<Urgency>,
    /// The priority, and whether an agent set it rather than the matrix.
    pub priority: Set<(Priority, bool)>,
    pub assignee: Set<Option<i64>>,
    pub problem: Set<Option<i64>>,
    pub merged_into: Set<ResponseId>,
    pub resolved_at: Set<Option<Millis>>,
    pub entries: Vec<NewEntry>,
    pub jobs: Vec<NewJob>,
    pub sla: Set<SlaUpdate>,
    pub hot: Set<bool>,
    pub events: Vec<NewEvent>,
    /// The resolution survey's answers, stored as a response linked to the case.
    pub rating: Set<NewRating>,
    /// Files that came with the customer's e-mail (`mail_in`), kept with the case.
    pub attachments: Vec<super::mail_store::NewAttachment>,
}

impl CaseChange {
    /// A change that sets nothing yet.
    pub fn new(expect: Status, at: Millis) -> Self {
        Self {
            expect,
            at,
            status: None,
            category: None,
            urgency: None,
            priority: None,
            assignee: None,
            problem: None,
            merged_into: None,
            resolved_at: None,
            entries: Vec::new(),
            jobs: Vec::new(),
            sla: None,
            hot: None,
            events: Vec::new(),
            rating: None,
            attachments: Vec::new(),
        }
    }
}

/// A problem record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemRecord {
    pub id: i64,
    pub title: String,
    pub category: Option<String>,
    pub status: ProblemStatus,
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
    pub fix: Option<String>,
    pub linked: u64,
    pub linked_active: u64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What a problem record says (everything but its id, counts and times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemFields {
    pub title: String,
    pub category: Option<String>,
    pub status: ProblemStatus,
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
    pub fix: Option<String>,
}

/// A site's settings kept as one JSON document each (`sites.<column>`), NULL until set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteDocument {
    BusinessHours,
    SlaPolicies,
    HotStove,
    ShareDestinations,
}

impl SiteDocument {
    pub fn column(self) -> &'static str {
        match self {
            SiteDocument::BusinessHours => "business_hours",
            SiteDocument::SlaPolicies => "sla_policies",
            SiteDocument::HotStove => "hot_stove",
            SiteDocument::ShareDestinations => "share_destinations",
        }
    }
}

/// A case's SLA timers, with what the inbox filters and sorts them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaUpdate {
    pub sla: crate::sla::case::CaseSla,
    pub state: Option<shared::sla::SlaState>,
    pub due_at: Option<Millis>,
}

/// An event for the outbox (`outbox_events`), written in the transaction of the change that
/// causes it, so that a notification is never lost nor sent for a change that did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// `msg_…`, the `webhook-id` of each of its deliveries.
    pub event_id: String,
    /// A dotted noun, as `complaint.hot_stove`.
    pub kind: String,
    /// The event's `data`, JSON.
    pub payload: String,
    /// Whether the site's webhooks get it; when not, it is stored as fanned out already (a share
    /// with a destination that takes only e-mail).
    pub webhooks: bool,
}

impl NewEvent {
    /// An event of `kind` with `data`, and a new random id.
    pub fn new(kind: &str, data: &serde_json::Value) -> Self {
        let bytes: [u8; 16] = rand::random();
        Self {
            event_id: format!("msg_{}", hex::encode(bytes)),
            kind: kind.to_owned(),
            payload: data.to_string(),
            webhooks: true,
        }
    }

    /// The same event, for e-mail only.
    pub fn mail_only(self) -> Self {
        Self {
            webhooks: false,
            ..self
        }
    }

    /// What `outbox_events.fanned_out_at` starts as at `now`.
    pub fn fanned_out_at(&self, now: Millis) -> Option<Millis> {
        (!self.webhooks).then_some(now)
    }
}

/// A timer to set: run `kind` with `payload` (JSON) at `due_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    pub due_at: Millis,
    pub payload: String,
}

/// A job a runner has taken, held until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub due_at: Millis,
    pub payload: String,
    /// How many times a runner has taken it, this time included.
    pub attempts: u32,
}

/// A timeline entry as the live event stream reads it: its number, and its case now.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEventRow {
    pub id: i64,
    pub event: shared::case::CaseEvent,
}

/// An active case of the same category, for "similar open complaints".
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: ResponseId,
    pub number: u64,
    pub status: Status,
    pub description: String,
}

#[async_trait]
pub trait CaseStore: Send + Sync + 'static {
    /// Commits a complaint, started as `intake` says, with its first timeline entries, durably
    /// before returning, and gives it the site's next number. A replayed id for the same site is
    /// stored once (and keeps its number); the same id for another site is
    /// `Conflict("complaints.id")`.
    async fn insert_complaint(&self, c: &NewComplaint) -> StoreResult<(Stored, u64)>;

    async fn case(&self, site: &SiteKey, id: &ResponseId) -> StoreResult<Option<StoredComplaint>>;

    /// Keeps another status-page token of case `id`.
    async fn add_case_token(
        &self,
        id: &ResponseId,
        token: &CaseToken,
        now: Millis,
    ) -> StoreResult<()>;

    /// The site and case of a token's hash, unless it expired by `now` (or never was).
    async fn case_of_token(
        &self,
        hash: &str,
        now: Millis,
    ) -> StoreResult<Option<(SiteKey, ResponseId)>>;

    /// The resolution survey's answers about case `id`, oldest first.
    async fn case_ratings(&self, id: &ResponseId) -> StoreResult<Vec<StoredRating>>;

    async fn case_by_number(
        &self,
        site: &SiteKey,
        number: u64,
    ) -> StoreResult<Option<StoredComplaint>>;

    /// A case's timeline, oldest first.
    async fn timeline(&self, id: &ResponseId) -> StoreResult<Vec<StoredEntry>>;

    /// A page of a site's cases, filtered and sorted, after the filter's cursor.
    async fn cases(
        &self,
        site: &SiteKey,
        filter: &CaseFilter,
        limit: u32,
    ) -> StoreResult<Vec<StoredComplaint>>;

    /// A site's complaints, newest first.
    async fn complaints(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredComplaint>> {
        self.cases(site, &CaseFilter::default(), limit).await
    }

    /// A site's complaints oldest first, `limit` at a time, after `after` (keyset on
    /// `(received_at, id)`, as `Store::responses_page`).
    async fn complaints_page(
        &self,
        site: &SiteKey,
        after: super::After,
        limit: u32,
    ) -> StoreResult<Vec<StoredComplaint>> {
        let filter = CaseFilter {
            sort: Sort::Oldest,
            after: after.map(|(received_at, id)| Cursor {
                priority: Priority::P4,
                received_at,
                id,
            }),
            ..CaseFilter::default()
        };
        self.cases(site, &filter, limit).await
    }

    /// How many cases each queue holds; `me` is the caller's user id.
    async fn queue_counts(&self, site: &SiteKey, me: Option<i64>) -> StoreResult<QueueCounts>;

    /// Applies a change; false when the site has no such case or it is no longer in
    /// `change.expect`ed status (someone else changed it first).
    async fn change_case(
        &self,
        site: &SiteKey,
        id: &ResponseId,
        change: &CaseChange,
    ) -> StoreResult<bool>;

    /// Queues an outbox event of the site (one that belongs to no case: a shared problem or
    /// topic); false when no site has the key.
    async fn queue_site_event(
        &self,
        site: &SiteKey,
        event: &NewEvent,
        now: Millis,
    ) -> StoreResult<bool>;

    /// The timeline entries written after entry `after`, oldest first, at most `limit`, each
    /// with its case as it is now: what the live event stream sends (`live.rs`). Entries are
    /// numbered in the order their changes committed (on PostgreSQL, the transactions that
    /// append to a timeline take one lock for their last statements), so that a reader that has
    /// seen entry `n` has seen every entry before it.
    async fn case_events_after(&self, after: i64, limit: u32) -> StoreResult<Vec<CaseEventRow>>;

    /// The newest timeline entry's number, 0 when there is none.
    async fn last_case_event(&self) -> StoreResult<i64>;

    /// Deletes a case and its timeline; false when the site has no such case.
    async fn delete_case(&self, site: &SiteKey, id: &ResponseId) -> StoreResult<bool>;

    /// The site's users who may work cases (agents and up), with their active cases, by id.
    async fn agents(&self, site: &SiteKey) -> StoreResult<Vec<Agent>>;

    /// How many complaints of `category` the site received at or after `since` (a hot-stove
    /// rule's spike).
    async fn recent_complaints(
        &self,
        site: &SiteKey,
        category: &str,
        since: Millis,
    ) -> StoreResult<u64>;

    /// A site's settings document: `None` when no site has the key, `Some(None)` while unset.
    async fn site_document(
        &self,
        site: &SiteKey,
        doc: SiteDocument,
    ) -> StoreResult<Option<Option<String>>>;

    /// Sets a site's settings document (JSON); false when no site has the key.
    async fn set_site_document(
        &self,
        site: &SiteKey,
        doc: SiteDocument,
        json: &str,
    ) -> StoreResult<bool>;

    /// A site's workflow settings (the defaults until an admin sets them); `None` when no site
    /// has the key.
    async fn workflow(&self, site: &SiteKey) -> StoreResult<Option<Workflow>>;

    /// false when no site has the key. The caller has checked it (`complaints::rules::check`).
    async fn set_workflow(&self, site: &SiteKey, workflow: &Workflow) -> StoreResult<bool>;

    /// A site's problem records, newest first.
    async fn problems(&self, site: &SiteKey) -> StoreResult<Vec<ProblemRecord>>;

    async fn problem(&self, site: &SiteKey, id: i64) -> StoreResult<Option<ProblemRecord>>;

    /// `None` when no site has the key.
    async fn create_problem(
        &self,
        site: &SiteKey,
        fields: &ProblemFields,
        now: Millis,
    ) -> StoreResult<Option<i64>>;

    /// false when the site has no such problem.
    async fn update_problem(
        &self,
        site: &SiteKey,
        id: i64,
        fields: &ProblemFields,
        now: Millis,
    ) -> StoreResult<bool>;

    /// Up to `limit` active cases of a site filed under `category`, newest first, but `except`.
    async fn candidates(
        &self,
        site: &SiteKey,
        category: &str,
        except: &ResponseId,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>>;

    /// Takes the earliest job due at `now` that no runner holds, holding it until `lease_until`.
    async fn claim_job(&self, now: Millis, lease_until: Millis) -> StoreResult<Option<Job>>;

    /// A job is done: it is removed.
    async fn finish_job(&self, id: i64) -> StoreResult<()>;

    /// When a runner may next take a job: the earliest due time, or for a held job the end of
    /// its lease.
    async fn next_job_due(&self) -> StoreResult<Option<Millis>>;
}
