//! A complaint as a case the team works: its status, priority and timeline, as the admin API
//! sends them and the dashboard reads them. The rules (who may move a case where, how priority
//! follows from impact and urgency) live in the collector's `complaints` module; these are the
//! values and the wire shapes.

use crate::ids::{ResponseId, SiteKey};
use crate::ComplaintKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a case is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    WaitingOnCustomer,
    Reopened,
    Resolved,
    Closed,
    /// Folded into another case (terminal).
    Merged,
    /// Not a real complaint (terminal).
    Spam,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::New,
        Status::Open,
        Status::InProgress,
        Status::WaitingOnCustomer,
        Status::Reopened,
        Status::Resolved,
        Status::Closed,
        Status::Merged,
        Status::Spam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::WaitingOnCustomer => "waiting_on_customer",
            Status::Reopened => "reopened",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Merged => "merged",
            Status::Spam => "spam",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// In English, for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Open => "Open",
            Status::InProgress => "In progress",
            Status::WaitingOnCustomer => "Waiting on customer",
            Status::Reopened => "Reopened",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
            Status::Merged => "Merged",
            Status::Spam => "Spam",
        }
    }

    /// Whether the team still has work on it: not resolved, closed, merged or spam.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::New
                | Status::Open
                | Status::InProgress
                | Status::WaitingOnCustomer
                | Status::Reopened
        )
    }
}

/// P1 (most urgent) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }

    /// 1 for P1 … 4 for P4, as stored and sorted.
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }

    pub fn from_rank(rank: u8) -> Option<Priority> {
        Priority::ALL
            .get(usize::from(rank).checked_sub(1)?)
            .copied()
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// How soon it must be dealt with, set by rules or by an agent.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    #[default]
    Normal,
    High,
    Critical,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Low,
        Urgency::Normal,
        Urgency::High,
        Urgency::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
            Urgency::Critical => "critical",
        }
    }

    /// 0 for low … 3 for critical: the matrix's column.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parse(s: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A dashboard user, as a case names its assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub id: i64,
    pub email: String,
}

/// A problem record, as a case names the one it is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemRef {
    pub id: i64,
    pub title: String,
}

/// One case, as listed and as shown on its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: ResponseId,
    /// A short code to say on the phone or in an e-mail, like `HK-7QF3`.
    pub reference: String,
    pub status: Status,
    pub kind: ComplaintKind,
    #[serde(default)]
    pub category: Option<String>,
    pub description: String,
    /// The customer's 1 (a little) to 4 (urgent).
    #[serde(default)]
    pub impact: Option<u8>,
    pub urgency: Urgency,
    pub priority: Priority,
    /// Set by an agent rather than by the matrix.
    pub priority_overridden: bool,
    #[serde(default)]
    pub assignee: Option<UserRef>,
    #[serde(default)]
    pub problem: Option<ProblemRef>,
    /// The case this one was merged into.
    #[serde(default)]
    pub merged_into: Option<ResponseId>,
    /// Where to reach the customer (only with their consent).
    #[serde(default)]
    pub email: Option<String>,
    pub contact_consent: bool,
    #[serde(default)]
    pub page_url: Option<String>,
    /// RFC 3339 in UTC, as every time below.
    pub received_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub resolved_at: Option<String>,
    #[serde(default)]
    pub page_path: Option<String>,
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub browser: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub visitor: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// A hot-stove rule matched the case.
    #[serde(default)]
    pub hot: bool,
    /// The case's service-level clocks: for each target, its latest timer.
    #[serde(default)]
    pub sla: Vec<crate::sla::SlaClock>,
    /// The description's sentiment, −1 to 1, and its label; both `null` where the case's
    /// language has no lexicon.
    #[serde(default)]
    pub sentiment: Option<f64>,
    #[serde(default)]
    pub sentiment_label: Option<crate::api::SentimentLabel>,
    /// How it reached the team: `widget`, or the channel the team logged it from (`phone`,
    /// `chat`, `email`, `in_person`, `social`, `review`, `other`).
    #[serde(default = "widget")]
    pub channel: String,
    /// Where it came from elsewhere (a chat transcript, a review), if anywhere.
    #[serde(default)]
    pub source_url: Option<String>,
}

fn widget() -> String {
    "widget".to_owned()
}

/// How many cases each queue of the inbox holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    /// Every case the team still works (`Status::is_active`).
    pub active: u64,
    /// Active and nobody's.
    pub unassigned: u64,
    /// Active and the caller's (0 for an API token).
    pub mine: u64,
    /// By status, every status present.
    pub by_status: BTreeMap<String, u64>,
}

/// `GET /api/v1/admin/sites/{site_key}/complaints`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseList {
    pub site_key: SiteKey,
    pub complaints: Vec<Case>,
    /// Pass as `after` for the next page; `None` on the last one.
    #[serde(default)]
    pub next: Option<String>,
    pub counts: QueueCounts,
}

/// Who made a timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    User {
        id: i64,
        email: String,
    },
    Token {
        id: i64,
    },
    Customer,
    /// A site's rule (a keyword rule, routing, the matrix), named.
    Rule {
        name: String,
    },
    System,
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Received,
    Categorized,
    Prioritized,
    Assigned,
    /// Seen by the customer.
    PublicReply,
    /// Never leaves the team.
    InternalNote,
    CustomerReply,
    StatusChanged,
    Merged,
    LinkedProblem,
    /// A service-level target is near (its warning share used).
    SlaWarning,
    SlaBreached,
    /// A level of the SLA policy's escalation ladder fired.
    Escalated,
    /// A hot-stove rule matched: the case is urgent and the team was alerted.
    HotStove,
    /// The customer answered the resolution survey.
    Rated,
}

impl EntryKind {
    pub const ALL: [EntryKind; 15] = [
        EntryKind::Received,
        EntryKind::Categorized,
        EntryKind::Prioritized,
        EntryKind::Assigned,
        EntryKind::PublicReply,
        EntryKind::InternalNote,
        EntryKind::CustomerReply,
        EntryKind::StatusChanged,
        EntryKind::Merged,
        EntryKind::LinkedProblem,
        EntryKind::SlaWarning,
        EntryKind::SlaBreached,
        EntryKind::Escalated,
        EntryKind::HotStove,
        EntryKind::Rated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Received => "received",
            EntryKind::Categorized => "categorized",
            EntryKind::Prioritized => "prioritized",
            EntryKind::Assigned => "assigned",
            EntryKind::PublicReply => "public_reply",
            EntryKind::InternalNote => "internal_note",
            EntryKind::CustomerReply => "customer_reply",
            EntryKind::StatusChanged => "status_changed",
            EntryKind::Merged => "merged",
            EntryKind::LinkedProblem => "linked_problem",
            EntryKind::SlaWarning => "sla_warning",
            EntryKind::SlaBreached => "sla_breached",
            EntryKind::Escalated => "escalated",
            EntryKind::HotStove => "hot_stove",
            EntryKind::Rated => "rated",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One entry of a case's append-only timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: i64,
    /// RFC 3339 in UTC.
    pub at: String,
    pub kind: EntryKind,
    pub actor: Actor,
    /// A reply's or a note's text (plain text, never HTML).
    #[serde(default)]
    pub body: Option<String>,
    /// What changed, as a sentence: `open → in_progress`, `matched 'refund', 'charged'`.
    #[serde(default)]
    pub detail: Option<String>,
}

/// A change recorded on a case, as the live event stream (`GET /api/v1/admin/events`) sends it:
/// which case, what its timeline recorded, and the case's status, priority and hot marker as
/// they are now. It carries none of the case's text: a dashboard reads the case again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseEvent {
    pub site_key: SiteKey,
    pub case: ResponseId,
    /// `HK-7QF3`.
    pub reference: String,
    pub kind: EntryKind,
    pub status: Status,
    pub priority: Priority,
    pub hot: bool,
}

/// A category the site's keyword rules suggest for a case, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub category: String,
    /// The rule's words found in the text.
    pub matched: Vec<String>,
    /// `matched 'refund', 'charged'`.
    pub reason: String,
}

/// An open case that looks like this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimilarCase {
    pub id: ResponseId,
    pub reference: String,
    pub status: Status,
    pub description: String,
    /// 0 to 1: the share of words the two have in common.
    pub score: f64,
}

/// `GET /api/v1/admin/sites/{site_key}/complaints/{id}` and the answer to every change of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    pub complaint: Case,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Where the caller may move the case from here.
    pub allowed_transitions: Vec<Status>,
    /// Where the site's rules would file it, when that is not its category.
    #[serde(default)]
    pub suggestion: Option<Suggestion>,
    pub similar: Vec<SimilarCase>,
    /// The files that came with the customer's e-mails, oldest first (the team downloads them
    /// from `…/complaints/{id}/attachments/{attachment_id}`).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// A file that came with a customer's e-mail, as a case lists it (never its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    /// As the sender named it.
    pub filename: String,
    /// What its content is (`image/png`, `application/pdf`, `text/plain`), checked from its
    /// first bytes: the type it is served as, always as a download.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// RFC 3339 in UTC.
    pub received_at: String,
}

/// A site's keyword rule: text with any of `keywords` suggests `category` and, if set, raises
/// the urgency to `urgency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeywordRule {
    pub category: String,
    /// Words or phrases, matched case-insensitively on word boundaries.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 50))]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
}

/// A hot-stove rule: a complaint that matches every condition it sets is urgent at once (P1,
/// marked hot, the team alerted on every channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HotStoveRule {
    /// Said on the timeline and in the alert: "Charged twice".
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: String,
    /// Any of these, case-insensitively: on word boundaries, or anywhere for phrases in scripts
    /// written without spaces (Japanese).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100, inline, value_type = Vec<crate::openapi::Phrase>))]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// The customer's impact at least this (1–4).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4))]
    pub min_impact: Option<u8>,
    /// `count` complaints of the complaint's category (this one included) within `minutes`.
    #[serde(default)]
    pub spike: Option<Spike>,
}

/// A burst of complaints of one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Spike {
    #[cfg_attr(feature = "openapi", schema(minimum = 2, maximum = 10000))]
    pub count: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10080))]
    pub minutes: u32,
}

/// A site's hot-stove rules, checked in order; the first that matches names the alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HotStoveRules {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub rules: Vec<HotStoveRule>,
}

impl Default for HotStoveRules {
    /// Money taken twice, a checkout or a site that does not work: in each of the widget's
    /// languages.
    fn default() -> Self {
        let phrases = [
            "charged twice",
            "double charged",
            "charged me twice",
            "can't check out",
            "cannot check out",
            "can't pay",
            "cannot pay",
            "site is down",
            "website is down",
            "doppelt abgebucht",
            "zweimal abgebucht",
            "kann nicht bezahlen",
            "seite ist down",
            "débité deux fois",
            "prélevé deux fois",
            "impossible de payer",
            "site est en panne",
            "cobrado dos veces",
            "cobro doble",
            "no puedo pagar",
            "sitio caído",
            "cobrado duas vezes",
            "cobrança duplicada",
            "não consigo pagar",
            "site caiu",
            "二重請求",
            "支払いできない",
            "サイトが落ちて",
            "خصم مرتين",
            "لا أستطيع الدفع",
        ];
        Self {
            rules: vec![HotStoveRule {
                name: "Charged twice or cannot pay".into(),
                phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
                category: None,
                min_impact: None,
                spike: None,
            }],
        }
    }
}

/// How a site's cases are filed, prioritized, routed and closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workflow {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub rules: Vec<KeywordRule>,
    /// `matrix[impact - 1][urgency.index()]`: impact 1 (a little) to 4 (urgent) by urgency low,
    /// normal, high, critical.
    #[serde(default = "default_matrix")]
    #[cfg_attr(feature = "openapi", schema(schema_with = matrix_schema))]
    pub matrix: [[Priority; 4]; 4],
    /// Category → the user who gets its cases.
    #[serde(default)]
    pub routing: BTreeMap<String, i64>,
    /// Give each new case to an agent (by routing, else to whoever has the fewest active cases).
    #[serde(default)]
    pub auto_assign: bool,
    /// A resolved case is closed this many days after it was resolved (1 to 365).
    #[serde(default = "default_auto_close_days")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    pub auto_close_days: u16,
    /// A resolution rated this CSAT or lower (1 to 5) reopens the case; 0 never does.
    #[serde(default = "default_reopen_at_or_below")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 5))]
    pub reopen_at_or_below: u8,
}

/// The usual ITIL matrix: priority by the sum of impact and urgency.
/// Four rows of four priorities.
#[cfg(feature = "openapi")]
fn matrix_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::ArrayBuilder;
    use utoipa::PartialSchema as _;
    let row = ArrayBuilder::new()
        .items(Priority::schema())
        .min_items(Some(4))
        .max_items(Some(4));
    ArrayBuilder::new()
        .items(row)
        .min_items(Some(4))
        .max_items(Some(4))
        .build()
}

pub fn default_matrix() -> [[Priority; 4]; 4] {
    use Priority::*;
    [
        [P4, P4, P3, P3],
        [P4, P3, P3, P2],
        [P3, P3, P2, P1],
        [P3, P2, P1, P1],
    ]
}

fn default_auto_close_days() -> u16 {
    14
}

fn default_reopen_at_or_below() -> u8 {
    2
}

impl Default for Workflow {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            matrix: default_matrix(),
            routing: BTreeMap::new(),
            auto_assign: false,
            auto_close_days: default_auto_close_days(),
            reopen_at_or_below: default_reopen_at_or_below(),
        }
    }
}

/// A problem record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    Investigating,
    KnownError,
    Fixed,
}

impl ProblemStatus {
    pub const ALL: [ProblemStatus; 3] = [
        ProblemStatus::Investigating,
        ProblemStatus::KnownError,
        ProblemStatus::Fixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemStatus::Investigating => "investigating",
            ProblemStatus::KnownError => "known_error",
            ProblemStatus::Fixed => "fixed",
        }
    }

    pub fn parse(s: &str) -> Option<ProblemStatus> {
        ProblemStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A problem record: the root cause several complaints share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub category: Option<String>,
    pub status: ProblemStatus,
    #[serde(default)]
    pub root_cause: Option<String>,
    #[serde(default)]
    pub workaround: Option<String>,
    #[serde(default)]
    pub fix: Option<String>,
    /// How many complaints are linked to it, and how many of them are active.
    pub linked: u64,
    pub linked_active: u64,
    /// RFC 3339 in UTC.
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /api/v1/admin/sites/{site_key}/problems`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemList {
    pub site_key: SiteKey,
    pub problems: Vec<Problem>,
}

/// `GET /api/v1/admin/sites/{site_key}/problems/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProblemView {
    pub problem: Problem,
    pub complaints: Vec<Case>,
}

/// A user who can be given cases, with how many active cases they have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub active_cases: u64,
}

/// `GET /api/v1/admin/sites/{site_key}/agents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentList {
    pub agents: Vec<Agent>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
            assert_eq!(Priority::from_rank(p.rank()), Some(p));
        }
        for u in Urgency::ALL {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
        }
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Priority::from_rank(0), None);
        assert_eq!(Priority::from_rank(5), None);
    }

    #[test]
    fn a_workflow_without_fields_is_the_default() {
        let w: Workflow = serde_json::from_str("{}").unwrap();
        assert_eq!(w, Workflow::default());
        assert_eq!(w.matrix[3][3], Priority::P1);
        assert_eq!(w.matrix[0][0], Priority::P4);
    }
}

/// A case as its customer sees it on the status page (`GET /api/v1/c/{token}`): their report,
/// the team's public replies, their own replies, status changes and their rating. Never an
/// internal note, who in the team did what, or another case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicCase {
    pub reference: String,
    pub status: Status,
    /// Where the case is, in the customer's words and language.
    pub state: String,
    /// The language of `state`, the timeline's words and the survey, one of `i18n::LANGS`.
    pub lang: String,
    pub timeline: Vec<PublicEntry>,
    /// The customer may reply (the case is not closed, merged or spam).
    pub can_reply: bool,
    /// The resolution survey, in `lang`, while the resolution waits for its rating.
    #[serde(default)]
    pub rating: Option<crate::Survey>,
}

/// One entry of a [`PublicCase`]'s timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEntry {
    /// RFC 3339 in UTC.
    pub at: String,
    /// `received`, `public_reply`, `customer_reply`, `status_changed` or `rated`.
    pub kind: EntryKind,
    /// The report, a reply, or the rating's comment (plain text, never HTML).
    #[serde(default)]
    pub body: Option<String>,
    /// A status change's new status, and in the customer's words.
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub state: Option<String>,
    /// A rating's scores, as `satisfaction 4/5, effort 6/7`.
    #[serde(default)]
    pub detail: Option<String>,
}
