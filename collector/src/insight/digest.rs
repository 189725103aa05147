//! The weekly digest: every Monday at 07:00 UTC, the week before (Monday to Sunday) in a few
//! lines for the admins who opted in (notification event `insight.digest`): answers, each
//! score with its change (called up or down only when significant), the topics customers wrote
//! about (rising ones first), the goals and their status, and some praise. The `insight.digest`
//! job builds it and queues it as an outbox event, which the notifier mails
//! (`notify::templates::render_digest`).
//!
//! Nobody opted in: the job ends without setting the next one, and opting in sets it again
//! (`schedule`). A job run twice mails once (`InsightStore::digest_sent`, one row per week).

use super::overview::{date, Period};
use super::read::{self, Filter};
use super::rollup;
use crate::clock::Millis;
use crate::store::case_store::NewEvent;
use crate::store::insight_store::ResponseFilter;
use crate::store::{Store, StoreResult, DAY_MS};
use serde::{Deserialize, Serialize};
use shared::insight::{Goal, Overview, Praise, ScoreKind, Topic};
use shared::SiteKey;

/// The notification event of the digest, which admins opt in to.
pub const EVENT: &str = "insight.digest";

/// The hour (UTC) on Monday at which it goes out.
const HOUR_MS: Millis = 7 * 3_600_000;

/// The most topics, goals and words of praise it lists.
const TOPICS: usize = 5;
const GOALS: usize = 5;
const PRAISE: usize = 3;

/// The written answers the topics are found in, newest first.
const TEXTS: u32 = 2000;

/// When the digest after `now` goes out: the next Monday at 07:00 UTC.
pub fn next_digest(now: Millis) -> Millis {
    let today = now.div_euclid(DAY_MS);
    // Day 0, 1970-01-01, was a Thursday: Monday is the day `d` with `(d + 3) % 7 == 0`.
    let monday = today - (today + 3).rem_euclid(7);
    let at = monday * DAY_MS + HOUR_MS;
    if at > now {
        at
    } else {
        at + 7 * DAY_MS
    }
}

/// The week a digest sent at `now` speaks of: the seven days before `now`'s day.
pub fn week_before(now: Millis) -> Period {
    let today = rollup::day(now);
    Period {
        from: today - 7,
        to: today - 1,
    }
}

/// A week in a few lines: what the e-mail says, and the outbox event's `digest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub site_name: String,
    /// The week, `YYYY-MM-DD` (UTC), first and last day.
    pub from: String,
    pub to: String,
    pub responses: u64,
    pub previous_responses: u64,
    pub scores: Vec<DigestScore>,
    pub topics: Vec<DigestTopic>,
    pub goals: Vec<DigestGoal>,
    pub praise: Vec<String>,
}

/// One score of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestScore {
    pub survey_name: String,
    pub kind: ScoreKind,
    pub value: Option<f64>,
    pub n: u64,
    /// At least the minimum sample.
    pub enough: bool,
    /// Against the week before, when a z test calls it (at 5 %).
    pub change: Option<f64>,
}

/// A topic of the week's written answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestTopic {
    pub term: String,
    pub answers: u64,
    /// Rising beyond chance against its weekly baseline.
    pub rising: bool,
}

/// A goal and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestGoal {
    pub name: String,
    pub metric: String,
    pub target: f64,
    pub current: Option<f64>,
    /// `on_track`, `off_track`, `too_little_data`, `met` or `missed`.
    pub status: String,
}

/// The digest of a week from what the insight pages would show of it.
pub fn summarize(
    site_name: &str,
    overview: &Overview,
    topics: &[Topic],
    goals: &[Goal],
    praise: &[Praise],
) -> Digest {
    let scores = overview
        .scores
        .iter()
        // A question nobody answered this week has nothing to say.
        .filter(|c| c.score.n > 0)
        .map(|c| DigestScore {
            survey_name: c.survey_name.clone(),
            kind: c.kind,
            value: c.score.value,
            n: c.score.n,
            enough: c.score.enough,
            change: c
                .change
                .as_ref()
                .filter(|ch| ch.significant)
                .map(|ch| ch.delta),
        })
        .collect();
    let mut topics: Vec<DigestTopic> = topics
        .iter()
        .map(|t| DigestTopic {
            term: t.term.clone(),
            answers: t.n,
            rising: t.emerging.is_some(),
        })
        .collect();
    // Rising first, then the most mentioned; the sort is stable, so ties keep their order.
    topics.sort_by_key(|t| (!t.rising, std::cmp::Reverse(t.answers)));
    topics.truncate(TOPICS);
    Digest {
        site_name: site_name.to_owned(),
        from: overview.from.clone(),
        to: overview.to.clone(),
        responses: overview.responses,
        previous_responses: overview.previous_responses,
        scores,
        topics,
        goals: goals
            .iter()
            .take(GOALS)
            .map(|g| DigestGoal {
                name: g.name.clone(),
                metric: g.metric.clone(),
                target: g.target,
                current: g.current,
                status: g.status.clone(),
            })
            .collect(),
        praise: praise.iter().take(PRAISE).map(|p| p.text.clone()).collect(),
    }
}

/// Whether anyone on the site takes the digest: an admin or owner who opted in.
async fn anyone_wants_it(store: &dyn Store, site: &SiteKey) -> StoreResult<bool> {
    let admins = store.admin_emails(site).await?;
    Ok(store
        .site_notification_preferences(site)
        .await?
        .iter()
        .any(|(email, p)| p.wants(EVENT) && admins.contains(email)))
}

/// Sets the site's digest timer unless it is set (an admin just opted in).
pub async fn schedule(store: &dyn Store, site: &SiteKey, now: Millis) -> StoreResult<()> {
    store
        .schedule_once(&crate::jobs::digest(site, next_digest(now)), now)
        .await?;
    Ok(())
}

/// The digest job: the week before `now`, queued for the admins who take it, and the next
/// week's timer; nothing (and no next timer) when nobody takes it any more or the site is gone.
pub async fn send(store: &dyn Store, site: &SiteKey, now: Millis) -> anyhow::Result<()> {
    let Some(record) = store.site(site).await? else {
        return Ok(());
    };
    if !anyone_wants_it(store, site).await? {
        return Ok(());
    }
    let week = week_before(now);
    let overview = read::overview(store, site, week, &Filter::default()).await?;
    let (topics, _, _) = read::topics(store, site, &ResponseFilter::default(), week, TEXTS).await?;
    let mut goals = Vec::new();
    for stored in store.goals(site).await? {
        goals.push(super::goal_progress::read(store, site, &stored.spec, now).await?);
    }
    let until = (week.to + 1) * DAY_MS;
    let latest: Vec<_> = store
        .responses(site, 500)
        .await?
        .into_iter()
        .filter(|r| r.received_at < until)
        .collect();
    let praise = super::praise::praise(&latest, week.from * DAY_MS, PRAISE);
    let digest = summarize(&record.name, &overview, &topics, &goals, &praise);
    let event = NewEvent::new(
        EVENT,
        &serde_json::json!({
            "site_key": site,
            "link": format!("#/insight?from={}&to={}", date(week.from), date(week.to)),
            "digest": digest,
        }),
    );
    store
        .digest_sent(
            site,
            week.from,
            &event,
            &crate::jobs::digest(site, next_digest(now)),
            now,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30, a Monday, as a day number.
    const MONDAY: i64 = 20_787;

    #[test]
    fn it_goes_out_on_monday_at_seven_utc() {
        assert_eq!(date(MONDAY), "2026-11-30");
        let seven = MONDAY * DAY_MS + HOUR_MS;
        // From any time of the week before, the coming Monday.
        for offset in [1, DAY_MS, 3 * DAY_MS + 5, 6 * DAY_MS + HOUR_MS] {
            assert_eq!(next_digest(seven - 7 * DAY_MS + offset), seven, "{offset}");
        }
        // On Monday before seven, that morning; at seven or after, the next Monday.
        assert_eq!(next_digest(MONDAY * DAY_MS), seven);
        assert_eq!(next_digest(seven), seven + 7 * DAY_MS);
        // Before 1970 too.
        assert_eq!((next_digest(-1).div_euclid(DAY_MS) + 3).rem_euclid(7), 0);
    }

    #[test]
    fn it_speaks_of_the_seven_days_before() {
        let week = week_before(MONDAY * DAY_MS + HOUR_MS);
        assert_eq!(
            (date(week.from), date(week.to)),
            ("2026-11-23".into(), "2026-11-29".into())
        );
        assert_eq!(week.days(), 7);
    }

    #[test]
    fn changes_are_told_only_when_significant_and_rising_topics_come_first() {
        let card = |delta: f64, significant: bool| -> shared::insight::ScoreCard {
            serde_json::from_value(serde_json::json!({
                "survey": "nps", "survey_name": "NPS", "question": "q1", "prompt": "?",
                "kind": "nps", "scale": [0, 10],
                "score": {"value": 40.0, "interval": null, "n": 120, "enough": true},
                "top_box": null,
                "previous": {"value": 40.0 - delta, "interval": null, "n": 100, "enough": true},
                "change": {"delta": delta, "z": 2.5, "p_value": if significant { 0.01 } else { 0.4 }, "significant": significant},
                "histogram": [], "trend": [],
            }))
            .unwrap()
        };
        let overview: Overview = serde_json::from_value(serde_json::json!({
            "from": "2026-11-23", "to": "2026-11-29",
            "previous_from": "2026-11-16", "previous_to": "2026-11-22",
            "interval": "day", "segment": null, "min_sample": 30,
            "responses": 120, "previous_responses": 100, "scores": [],
        }))
        .unwrap();
        let overview = Overview {
            scores: vec![card(12.0, true), card(3.0, false)],
            ..overview
        };
        let topic = |term: &str, n: u64, rising: bool| -> Topic {
            serde_json::from_value(serde_json::json!({
                "term": term, "phrases": [], "n": n, "share": 0.1, "sentiment": null,
                "negative": 0.0, "nps": null,
                "emerging": if rising { serde_json::json!({"key": term, "baseline_rate": 1.0, "current": 6, "ratio": 6.0, "p_value": 0.001}) } else { serde_json::Value::Null },
                "examples": [],
            }))
            .unwrap()
        };
        let topics: Vec<Topic> = (0..8)
            .map(|i| topic(&format!("t{i}"), 10 + i, i == 2))
            .collect();
        let d = summarize("Shop", &overview, &topics, &[], &[]);
        assert_eq!(d.scores[0].change, Some(12.0));
        assert_eq!(d.scores[1].change, None);
        let terms: Vec<&str> = d.topics.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["t2", "t7", "t6", "t5", "t4"]);
        assert_eq!((d.responses, d.previous_responses), (120, 100));
    }
}
