//! What the insight API answers (`/api/v1/admin/sites/{site_key}/insight/…`): scores with their
//! 95 % intervals, their change against the period before, and their trend. The collector
//! computes them from its rollups; the dashboard draws them.

use serde::{Deserialize, Serialize};

/// A 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// A score from `n` answers: its value and interval (`null` where there is nothing to say: no
/// answers, or one answer for a mean), and whether `n` reaches the minimum sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub value: Option<f64>,
    pub interval: Option<Interval>,
    pub n: u64,
    /// `n` reaches the minimum sample; below it the dashboard says there is too little data.
    pub enough: bool,
}

/// How a score moved from one period to the next, and whether that is more than chance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// After minus before, in the score's unit (NPS points, a share, a mean).
    pub delta: f64,
    /// The z statistic (`null` when infinite: no variance and a change).
    pub z: Option<f64>,
    /// Two-sided.
    pub p_value: f64,
    /// `p_value` < 0.05 and both periods reach the minimum sample: otherwise "not significant",
    /// never an arrow that means nothing.
    pub significant: bool,
}

/// The kind of score a question gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// −100 to 100.
    Nps,
    /// The mean of 1 to 5; `top_box` is the share of 4 and 5.
    Csat,
    /// The mean of 1 to 7.
    Ces,
    /// The mean of 1 to the question's `max`.
    Rating,
}

/// How the trend's points are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Bucketing {
    Day,
    Week,
    Month,
}

/// One point of a trend: the score over the days `start ..= end` (dates, UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub start: String,
    pub end: String,
    pub score: Estimate,
}

/// One question's score over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreCard {
    pub survey: String,
    pub survey_name: String,
    pub question: String,
    /// The question as the survey asks it (its first language).
    pub prompt: String,
    pub kind: ScoreKind,
    /// The lowest and highest answer.
    pub scale: [u8; 2],
    pub score: Estimate,
    /// CSAT only: the share of 4 and 5 (Wilson interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_box: Option<Estimate>,
    /// The same score over the period of the same length just before.
    pub previous: Estimate,
    /// From `previous` to `score`; `null` when either has no answers.
    pub change: Option<Change>,
    /// How many answers each score got, lowest first.
    pub histogram: Vec<u64>,
    pub trend: Vec<TrendPoint>,
}

/// A segment: one dimension and one of its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segment {
    /// `page` (a path's first segment), `device`, `browser`, `locale` or `version`.
    pub dimension: String,
    pub value: String,
}

/// `GET …/insight/overview`: every scale question's score over a period, in one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// The first and last day, inclusive (UTC dates).
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub interval: Bucketing,
    pub segment: Option<Segment>,
    /// Below this many answers a score says little.
    pub min_sample: u64,
    /// Responses in the period, in the segment.
    pub responses: u64,
    pub previous_responses: u64,
    pub scores: Vec<ScoreCard>,
}

/// One value of a dimension, with its responses in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentValue {
    pub value: String,
    pub responses: u64,
}

/// `GET …/insight/segments`: the values each dimension had in the period, most answered first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segments {
    pub dimension: String,
    pub values: Vec<SegmentValue>,
}

/// A segment's pull on a score: its score, everyone else's, the difference and its test, and
/// how many points the whole score would gain if the segment scored like everyone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Driver {
    pub dimension: String,
    pub value: String,
    /// The segment's answers.
    pub n: u64,
    /// Its share of all answers, 0 to 1.
    pub share: f64,
    pub with: Estimate,
    pub without: Estimate,
    /// From everyone else's score to the segment's; `null` when either has no answers.
    pub impact: Option<Change>,
    /// `share` × (everyone else's score − the segment's) when the difference is significant,
    /// else 0: the points at stake. The list is sorted by it, most first.
    pub gain: f64,
}

/// How another scale question of the survey moves with the drivers' question: Pearson's r over
/// the responses that answered both, with its 95 % interval (Fisher's z). A correlation, not a
/// cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionCorrelation {
    pub question: String,
    pub prompt: String,
    pub kind: ScoreKind,
    /// Responses that answered both.
    pub n: u64,
    /// −1 to 1.
    pub r: f64,
    pub interval: Interval,
}

/// `GET …/insight/drivers`: one question's drivers over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drivers {
    pub from: String,
    pub to: String,
    pub survey: String,
    pub question: String,
    pub kind: ScoreKind,
    pub score: Estimate,
    pub drivers: Vec<Driver>,
    /// The survey's other scale questions, the strongest (by |r|) first; from the newest 5,000
    /// responses of the period; a question with fewer than 10 shared answers is left out.
    #[serde(default)]
    pub correlations: Vec<QuestionCorrelation>,
}

/// Business minutes: how many cases had the time, its median and 90th percentile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Minutes {
    pub n: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// The complaint metrics of a group of cases (all, one agent's, one category's) received in the
/// period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintGroup {
    /// `all`, `agent` or `category`.
    pub by: String,
    /// `all`, the agent's e-mail address (`unassigned`), or the category (`uncategorized`).
    pub key: String,
    pub received: u64,
    /// Resolved or closed now.
    pub resolved: u64,
    /// First response, business minutes by the SLA clock.
    pub first_response: Minutes,
    /// Resolution, business minutes by the SLA clocks (summed over reopenings), resolved cases.
    pub resolution: Minutes,
    /// The share of decided SLA clocks that were met (Wilson interval).
    pub sla_met: Estimate,
    /// The share of resolved cases that were reopened.
    pub reopened: Estimate,
    /// The customers' resolution ratings: CSAT 1 to 5, CES 1 to 7 (t intervals).
    pub csat: Estimate,
    pub ces: Estimate,
}

/// Cases received in one stretch of the period, of one category and priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VolumePoint {
    pub start: String,
    pub end: String,
    pub category: String,
    /// `P1` … `P4`, or `none`.
    pub priority: String,
    pub n: u64,
}

/// Cases still being worked, of one age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BacklogAge {
    pub age: String,
    pub n: u64,
}

/// `GET …/insight/complaints`: the complaint metrics of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintReport {
    pub from: String,
    pub to: String,
    /// All cases first, then per agent, then per category.
    pub groups: Vec<ComplaintGroup>,
    pub volume: Vec<VolumePoint>,
    /// Now, whatever the period.
    pub backlog: Vec<BacklogAge>,
}

/// A series (a complaint category) that rose beyond chance against its own baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Emerging {
    pub key: String,
    /// The mean count per period of the baseline.
    pub baseline_rate: f64,
    /// The count of the period read.
    pub current: u64,
    /// `current` over the baseline rate (at least 0.5).
    pub ratio: f64,
    /// The chance of a count this high or higher, had the rate not changed.
    pub p_value: f64,
}

/// `GET …/insight/emerging`: the complaint categories that came up in the last seven days more
/// often than their weeks before make likely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmergingIssues {
    /// The last seven days (UTC dates).
    pub from: String,
    pub to: String,
    /// How many weeks before them are the baseline.
    pub baseline_weeks: usize,
    /// Most surprising first.
    pub categories: Vec<Emerging>,
}

/// A promoter's or a happy customer's own words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Praise {
    pub response_id: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub survey: String,
    pub text: String,
    /// The response's NPS answer, if it had one.
    pub nps: Option<u8>,
    /// The text's sentiment, `null` where its language has no lexicon.
    pub sentiment: Option<f64>,
}

/// An agent whose customers rated their resolutions highly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShoutOut {
    /// The agent's e-mail address.
    pub agent: String,
    /// Rated resolutions in the period.
    pub ratings: u64,
    /// Their mean CSAT, 1 to 5.
    pub csat: f64,
    pub resolved: u64,
}

/// `GET …/insight/praise`: what to celebrate in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PraiseFeed {
    pub from: String,
    pub to: String,
    /// Newest first.
    pub praise: Vec<Praise>,
    /// Best rated first.
    pub shout_outs: Vec<ShoutOut>,
}

/// A key phrase and how many written answers had it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Phrase {
    pub phrase: String,
    pub n: u64,
}

/// One written answer that mentions a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopicExample {
    pub response_id: String,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub text: String,
}

/// A topic: a word that recurs in the key phrases of written answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topic {
    /// The word, lower-case and singular: what `GET …/responses?topic=` matches.
    pub term: String,
    /// The key phrases it came in, most frequent first (at most 5).
    pub phrases: Vec<Phrase>,
    /// The written answers that mention it.
    pub n: u64,
    /// Their share of the written answers read, 0 to 1.
    pub share: f64,
    /// Their mean sentiment, −1 to 1 (`null` when none is in a language with a lexicon).
    pub sentiment: Option<f64>,
    /// The share of them whose sentiment is negative, 0 to 1.
    pub negative: f64,
    /// Its pull on NPS: the NPS of the responses that mention it against the other written
    /// responses' (`null` without NPS answers on both sides).
    pub nps: Option<Driver>,
    /// Set when its count in the period's last seven days rose beyond chance against its
    /// weekly baseline in the period (periods of 21 days and more).
    pub emerging: Option<Emerging>,
    /// The newest answers that mention it (at most 3).
    pub examples: Vec<TopicExample>,
}

/// New answers on a site, as the live event stream (`GET /api/v1/admin/events`) says it: an
/// `answers` event, sent at most every 15 seconds, so that an overview reads its scores again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswersEvent {
    pub site_key: crate::SiteKey,
    /// When the newest answer was received, RFC 3339 in UTC.
    pub newest: String,
}

/// `GET …/insight/topics`: the topics of a period's written answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topics {
    pub from: String,
    pub to: String,
    /// The written answers read: the newest, at most `limit`.
    pub texts: u64,
    /// The most written answers read per request; `complete` is false when the period had more.
    pub limit: u64,
    pub complete: bool,
    /// The most mentioned first (at most 20).
    pub topics: Vec<Topic>,
}

/// `POST …/goals`: a SMART service goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewGoal {
    /// 1 to 120 characters, e.g. "Answer within two hours by March".
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 120, pattern = r"\S")
    )]
    pub name: String,
    /// `nps` (−100 to 100), `csat` (1 to 5), `ces` (1 to 7), `first_response` and `resolution`
    /// (median business minutes), `sla_compliance` (percent of SLA clocks met) or
    /// `complaint_volume` (cases of `category` per week).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^(nps|csat|ces|first_response|resolution|sla_compliance|complaint_volume)$"
        )
    )]
    pub metric: String,
    pub target: f64,
    /// `YYYY-MM-DD` (UTC).
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub start: String,
    /// `YYYY-MM-DD` (UTC), after `start`, within ten years.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub deadline: String,
    /// For scores: `dimension:value`, as the overview's segment.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(page|device|browser|locale|version|attr\.[A-Za-z0-9_-]{1,64}):.")
    )]
    pub segment: Option<String>,
    /// For `complaint_volume`, required: the category counted.
    #[serde(default)]
    pub category: Option<String>,
}

/// A week of a goal's metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalPoint {
    pub start: String,
    pub end: String,
    pub value: Option<f64>,
    /// Answers or cases behind it.
    pub n: u64,
}

/// Where the trend of a goal's weeks leads by its deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalForecast {
    /// The trend line's value at the deadline, and its 95 % prediction interval.
    pub value: f64,
    pub interval: Interval,
    /// The chance that the value at the deadline meets the target, 0 to 1.
    pub chance: f64,
}

/// A goal with its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Goal {
    pub id: i64,
    pub name: String,
    pub metric: String,
    pub target: f64,
    pub start: String,
    pub deadline: String,
    pub segment: Option<String>,
    pub category: Option<String>,
    /// The metric over the 28 days before the start.
    pub baseline: Option<f64>,
    /// The metric over the latest 28 days (to the deadline once it has passed).
    pub current: Option<f64>,
    /// How far from the baseline to the target `current` is, 0 to 1 (`null` without a
    /// baseline, or when the target is not beyond it in the metric's good direction).
    pub progress: Option<f64>,
    /// Week by week from the start.
    pub points: Vec<GoalPoint>,
    /// `null` with fewer than three weeks that have data.
    pub forecast: Option<GoalForecast>,
    /// `on_track`, `off_track` (at risk: the forecast misses the target), `too_little_data`,
    /// and after the deadline `met` or `missed`.
    pub status: String,
}

/// One question's step of a survey's funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionFunnel {
    pub question: String,
    pub prompt: String,
    /// Cards that showed it.
    pub views: u64,
    /// Cards dismissed while it was shown.
    pub drop_offs: u64,
    /// `drop_offs` over `views`, 0 to 1 (`null` without views).
    pub drop_off_rate: Option<f64>,
}

/// How a survey's cards went in a period: shown → started → completed, or dismissed; and the
/// drop-off per question. Dismissals are never answers: no score counts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyFunnel {
    pub survey: String,
    pub survey_name: String,
    /// Cards shown to visitors.
    pub shown: u64,
    /// Cards where the visitor answered at least the first question.
    pub started: u64,
    pub completed: u64,
    pub dismissed: u64,
    /// In the survey's order.
    pub questions: Vec<QuestionFunnel>,
}

/// `GET …/insight/funnel`: every survey's funnel in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnels {
    pub from: String,
    pub to: String,
    pub surveys: Vec<SurveyFunnel>,
}
