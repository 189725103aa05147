//! A goal's progress from the store: scores from the rollups (every question of the goal's kind,
//! in its segment), complaint metrics from the cases; then `goals::progress`. And the daily
//! check (the `goal.check` job), which sends `goal.at_risk` when a goal slips off track.

use super::complaints::{report, CaseFacts};
use super::goals::{progress, GoalSpec, Metric, WINDOW_DAYS};
use super::overview::{Period, Scale};
use super::rollup;
use crate::clock::Millis;
use crate::store::case_store::NewEvent;
use crate::store::insight_store::{DayCount, RollupQuery};
use crate::store::{Store, DAY_MS};
use shared::insight::{Bucketing, Goal, ScoreKind};
use shared::survey::QuestionKind;
use shared::SiteKey;

/// The hour (UTC) of the daily check.
const CHECK_HOUR_MS: Millis = 6 * 3_600_000;

/// When the check after `now` runs: 06:00 UTC the next day.
pub fn next_check(now: Millis) -> Millis {
    (now.div_euclid(DAY_MS) + 1) * DAY_MS + CHECK_HOUR_MS
}

/// What the goal's value is read from.
enum Source {
    Scores(Scale, Vec<DayCount>),
    Cases(Vec<CaseFacts>, Box<crate::sla::Calendar>),
}

/// `goal`'s progress on the clock's `now`.
pub async fn read(
    store: &dyn Store,
    site: &SiteKey,
    goal: &GoalSpec,
    now: Millis,
) -> anyhow::Result<Goal> {
    let today = rollup::day(now);
    let days = Period {
        from: goal.start - WINDOW_DAYS,
        to: today.min(goal.deadline).max(goal.start),
    };
    let source = if goal.metric.is_score() {
        let (kind, lowest, highest) = match goal.metric {
            Metric::Nps => (ScoreKind::Nps, 0, 10),
            Metric::Csat => (ScoreKind::Csat, 1, 5),
            _ => (ScoreKind::Ces, 1, 7),
        };
        let (dimension, value) = goal
            .segment
            .as_deref()
            .and_then(|s| s.split_once(':'))
            .unwrap_or((rollup::ALL, rollup::ALL));
        let mut counts = Vec::new();
        for record in store.surveys(site).await? {
            for question in &record.survey.questions {
                let same = matches!(
                    (&question.kind, goal.metric),
                    (QuestionKind::Nps, Metric::Nps)
                        | (QuestionKind::Csat { .. }, Metric::Csat)
                        | (QuestionKind::Ces, Metric::Ces)
                );
                if same {
                    counts.extend(
                        store
                            .rollup(&RollupQuery {
                                site,
                                survey: record.survey.id.as_str(),
                                question: question.id.as_str(),
                                dimension,
                                value,
                                from_day: days.from,
                                to_day: days.to,
                            })
                            .await?,
                    );
                }
            }
        }
        Source::Scores(
            Scale {
                kind,
                lowest,
                highest,
            },
            counts,
        )
    } else {
        let facts = store
            .case_facts(site, days.from * DAY_MS, (days.to + 1) * DAY_MS - 1)
            .await?;
        let levels = crate::complaints::cases::service_levels(store, site).await?;
        Source::Cases(facts, Box::new(levels.calendar))
    };
    let value_of = |period: Period| -> (Option<f64>, u64) {
        match &source {
            Source::Scores(scale, counts) => {
                let h = scale.histogram(counts, period);
                let e = scale.score(&h);
                (e.value, e.n)
            }
            Source::Cases(facts, calendar) => {
                if goal.metric == Metric::ComplaintVolume {
                    // Cases of the category per week.
                    let n = facts
                        .iter()
                        .filter(|c| period.contains(c.received_at.div_euclid(DAY_MS)))
                        .filter(|c| c.category.as_deref() == goal.category.as_deref())
                        .count() as u64;
                    return (Some(n as f64 * 7.0 / period.days() as f64), n);
                }
                let r = report(facts, calendar, period, Bucketing::Week, now);
                let Some(all) = r.groups.first() else {
                    return (None, 0);
                };
                match goal.metric {
                    Metric::FirstResponse => (all.first_response.median, all.first_response.n),
                    Metric::Resolution => (all.resolution.median, all.resolution.n),
                    _ => (all.sla_met.value.map(|v| v * 100.0), all.sla_met.n),
                }
            }
        }
    };
    Ok(progress(goal, today, &value_of))
}

/// The daily check of goal `id`: records whether it is at risk, sends `goal.at_risk` when it
/// just slipped off track, and sets the next check until the day after the deadline. A goal
/// deleted since is left alone.
pub async fn check(store: &dyn Store, site: &SiteKey, id: i64, now: Millis) -> anyhow::Result<()> {
    let Some(stored) = store
        .goals(site)
        .await?
        .into_iter()
        .find(|g| g.spec.id == id)
    else {
        return Ok(());
    };
    let goal = read(store, site, &stored.spec, now).await?;
    let at_risk = goal.status == "off_track";
    let event = (at_risk && !stored.at_risk).then(|| {
        NewEvent::new(
            "goal.at_risk",
            &serde_json::json!({"site_key": site, "goal": goal}),
        )
    });
    let next = next_check(now);
    let next = (rollup::day(next) <= stored.spec.deadline + 1)
        .then(|| crate::jobs::goal_check(site, id, next));
    store
        .goal_checked(site, id, at_risk, event.as_ref(), next.as_ref(), now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_runs_at_six_the_next_morning() {
        assert_eq!(next_check(0), DAY_MS + CHECK_HOUR_MS);
        assert_eq!(next_check(DAY_MS - 1), DAY_MS + CHECK_HOUR_MS);
        assert_eq!(
            next_check(DAY_MS + CHECK_HOUR_MS),
            2 * DAY_MS + CHECK_HOUR_MS
        );
    }
}
