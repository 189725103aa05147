//! The rollups (`insight::rollup`, migration 0021) as the store keeps and reads them. A supertrait
//! of `Store`; its SQL is written once for both engines (`insight_sql.rs`).

use super::StoreResult;
use async_trait::async_trait;
use shared::SiteKey;

/// Which rollup rows to add up: one question of one survey, in one segment (`dimension` and
/// `value` both `""` for all answers), over the UTC days `from_day ..= to_day`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupQuery<'a> {
    pub site: &'a SiteKey,
    pub survey: &'a str,
    pub question: &'a str,
    pub dimension: &'a str,
    pub value: &'a str,
    pub from_day: i64,
    pub to_day: i64,
}

/// One day's count in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub day: i64,
    pub bucket: i64,
    pub n: u64,
}

/// One stored rollup row (for `hark insight rebuild`'s check and the tests).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RollupRow {
    pub survey: String,
    pub question: String,
    pub dimension: String,
    pub value: String,
    pub day: i64,
    pub bucket: i64,
    pub n: i64,
}

/// Which responses the explorer reads, newest first. Text is matched loosely here (`like`
/// is looked for in the stored answers' JSON) and exactly by the caller.
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter<'a> {
    /// Received at or after (Unix milliseconds).
    pub from: Option<crate::clock::Millis>,
    /// Received before.
    pub until: Option<crate::clock::Millis>,
    pub survey: Option<&'a str>,
    /// A rollup segment: `page` (a path's first segment), `device`, `browser`, `locale` or
    /// `version`, and its value.
    pub segment: Option<(&'a str, &'a str)>,
    /// Lower-case ASCII that the stored answers contain.
    pub like: Option<&'a str>,
    /// Only responses with a written answer.
    pub written: bool,
    /// Received before this response (keyset: its time and id).
    pub before: Option<(crate::clock::Millis, &'a str)>,
}

/// A stored goal and what its last check found.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGoal {
    pub spec: crate::insight::goals::GoalSpec,
    pub at_risk: bool,
}

/// A funnel event from the widget, checked.
#[derive(Debug, Clone, Copy)]
pub struct FunnelRecord<'a> {
    /// The widget's id for it (a UUID): a retry is counted once.
    pub id: &'a str,
    pub survey: &'a str,
    /// One of `insight::funnel::KINDS`.
    pub kind: &'a str,
    /// The questions shown, in order, comma-separated.
    pub seen: &'a str,
}

#[async_trait]
pub trait InsightStore {
    /// Records a funnel event of `site`; false when its id was recorded before or no site has
    /// the key.
    async fn record_funnel(
        &self,
        site: &SiteKey,
        event: &FunnelRecord<'_>,
        at: crate::clock::Millis,
    ) -> StoreResult<bool>;

    /// The site's funnel events received in `from .. until`, counted per survey, kind and path.
    async fn funnel_paths(
        &self,
        site: &SiteKey,
        from: crate::clock::Millis,
        until: crate::clock::Millis,
    ) -> StoreResult<Vec<(String, crate::insight::funnel::PathCount)>>;

    /// Stores a goal of `site` with the timer of its first check (`jobs::goal_check`, at
    /// `first_check`); returns its id.
    async fn create_goal(
        &self,
        site: &SiteKey,
        goal: &crate::insight::goals::GoalSpec,
        now: crate::clock::Millis,
        first_check: crate::clock::Millis,
    ) -> StoreResult<i64>;

    /// A site's goals, by id.
    async fn goals(&self, site: &SiteKey) -> StoreResult<Vec<StoredGoal>>;

    /// Deletes a goal; false when the site has none with this id.
    async fn delete_goal(&self, site: &SiteKey, id: i64) -> StoreResult<bool>;

    /// Records a check of a goal, in one transaction: whether it is at risk now, the
    /// `goal.at_risk` event when it just became so, and the next check's timer (unless that
    /// timer is set already: a check run twice sets it once). False (and nothing written) when
    /// the goal is gone.
    async fn goal_checked(
        &self,
        site: &SiteKey,
        id: i64,
        at_risk: bool,
        event: Option<&super::case_store::NewEvent>,
        next: Option<&super::case_store::NewJob>,
        now: crate::clock::Millis,
    ) -> StoreResult<bool>;

    /// Records the weekly digest of `week` (its Monday's day number), in one transaction: the
    /// `insight.digest` event unless that week's digest was queued already, and the next
    /// digest's timer unless it is set. True when the event was queued now.
    async fn digest_sent(
        &self,
        site: &SiteKey,
        week: i64,
        event: &super::case_store::NewEvent,
        next: &super::case_store::NewJob,
        now: crate::clock::Millis,
    ) -> StoreResult<bool>;

    /// Sets `job` unless a job of its kind with its payload is set already, at any time. True
    /// when it was set.
    async fn schedule_once(
        &self,
        job: &super::case_store::NewJob,
        now: crate::clock::Millis,
    ) -> StoreResult<bool>;

    /// When the site's newest answer was received (`None` without answers): what the live
    /// stream watches to tell a dashboard that the scores moved.
    async fn newest_answer(&self, site: &SiteKey) -> StoreResult<Option<crate::clock::Millis>>;

    /// A site's responses that pass `filter`, newest first, at most `limit`.
    async fn explore(
        &self,
        site: &SiteKey,
        filter: &ResponseFilter<'_>,
        limit: u32,
    ) -> StoreResult<Vec<super::StoredResponse>>;

    /// The counts of one question in one segment, by day and bucket, days in order.
    async fn rollup(&self, q: &RollupQuery<'_>) -> StoreResult<Vec<DayCount>>;

    /// A survey's segment values in `dimension` over the days, with their number of responses,
    /// most first, at most `limit`.
    async fn segment_values(
        &self,
        site: &SiteKey,
        survey: &str,
        dimension: &str,
        days: (i64, i64),
        limit: u32,
    ) -> StoreResult<Vec<(String, u64)>>;

    /// One question's counts over the days in every value of `dimension`: (value, bucket, n),
    /// in value order.
    async fn segment_histograms(
        &self,
        site: &SiteKey,
        survey: &str,
        question: &str,
        dimension: &str,
        days: (i64, i64),
    ) -> StoreResult<Vec<(String, i64, u64)>>;

    /// The facts the complaint metrics read of every case received in `from ..= to` (Unix
    /// milliseconds) and of every case still being worked.
    async fn case_facts(
        &self,
        site: &SiteKey,
        from: crate::clock::Millis,
        to: crate::clock::Millis,
    ) -> StoreResult<Vec<crate::insight::complaints::CaseFacts>>;

    /// Every rollup row of a site, in key order, leaving out counts of 0.
    async fn rollup_rows(&self, site: &SiteKey) -> StoreResult<Vec<RollupRow>>;

    /// Recomputes the rollups of one site (or of every site) from the stored answers, in one
    /// transaction per site, while answers keep arriving. Returns how many answers it folded.
    async fn rebuild_rollups(&self, site: Option<&SiteKey>) -> StoreResult<u64>;

    /// Recomputes from the stored answers the days whose counts a writer that stopped (a crash)
    /// still owed the rollups; `hark serve` calls it as it starts. Returns how many answers it
    /// folded: always 0 on PostgreSQL, whose writes owe nothing.
    async fn recover_rollups(&self) -> StoreResult<u64>;
}
