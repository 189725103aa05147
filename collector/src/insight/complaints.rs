//! Complaint metrics: how the team works its cases over a period, overall, per agent and per
//! category. Times are business minutes as each case's SLA clocks counted them (the site's
//! business hours, paused while the case waited on the customer): first response from the first
//! first-response clock, resolution from the resolution clocks (summed over reopenings). SLA
//! compliance is the share of decided clocks that were met; the reopen rate the share of resolved
//! cases that were reopened; resolution CSAT and CES the means of the customers' ratings. The
//! backlog is the cases still being worked now, by age; `weekly_by_category` counts each
//! category's cases per week for `emerging`. Pure: the store reads the facts.

use super::overview::{date, points, Period};
use super::stats::{self, Histogram};
use crate::clock::Millis;
use crate::sla::case::CaseSla;
use crate::sla::{Calendar, Outcome};
use shared::case::{Priority, Status};
use shared::insight::{
    BacklogAge, Bucketing, ComplaintGroup, ComplaintReport, Minutes, VolumePoint,
};
use shared::sla::SlaTarget;
use std::collections::BTreeMap;

const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// What the metrics read of one case.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    pub received_at: Millis,
    pub category: Option<String>,
    pub priority: Option<Priority>,
    pub status: Option<Status>,
    /// The assignee's e-mail address.
    pub assignee: Option<String>,
    pub sla: Option<CaseSla>,
    pub reopened: bool,
    /// The customer's latest resolution rating.
    pub csat: Option<u8>,
    pub ces: Option<u8>,
}

/// The ages the backlog is cut into: up to (exclusive) so many days.
const AGES: [(&str, Millis); 5] = [
    ("under 1 day", DAY_MS),
    ("1 to 3 days", 3 * DAY_MS),
    ("3 to 7 days", 7 * DAY_MS),
    ("7 to 30 days", 30 * DAY_MS),
    ("30 days or more", Millis::MAX),
];

/// The report over `period` (UTC days) of `cases` (those received in it, and those still being
/// worked at `now` for the backlog), with the trend of volume cut `by`.
pub fn report(
    cases: &[CaseFacts],
    calendar: &Calendar,
    period: Period,
    by: Bucketing,
    now: Millis,
) -> ComplaintReport {
    let in_period: Vec<&CaseFacts> = cases
        .iter()
        .filter(|c| period.contains(c.received_at.div_euclid(DAY_MS)))
        .collect();

    let mut groups = vec![group("all", "all", &in_period, calendar, now)];
    for (by, key) in [
        (
            "agent",
            (|c: &CaseFacts| c.assignee.clone().unwrap_or_else(|| "unassigned".into()))
                as fn(&CaseFacts) -> String,
        ),
        ("category", |c: &CaseFacts| {
            c.category.clone().unwrap_or_else(|| "uncategorized".into())
        }),
    ] {
        let mut split: BTreeMap<String, Vec<&CaseFacts>> = BTreeMap::new();
        for c in &in_period {
            split.entry(key(c)).or_default().push(c);
        }
        groups.extend(
            split
                .into_iter()
                .map(|(k, cases)| group(by, &k, &cases, calendar, now)),
        );
    }

    let mut volume = Vec::new();
    for p in points(period, by) {
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        for c in in_period
            .iter()
            .filter(|c| p.contains(c.received_at.div_euclid(DAY_MS)))
        {
            let category = c.category.clone().unwrap_or_else(|| "uncategorized".into());
            let priority = c.priority.map_or("none", Priority::as_str).to_owned();
            *counts.entry((category, priority)).or_default() += 1;
        }
        volume.extend(
            counts
                .into_iter()
                .map(|((category, priority), n)| VolumePoint {
                    start: date(p.from),
                    end: date(p.to),
                    category,
                    priority,
                    n,
                }),
        );
    }

    let mut backlog: Vec<BacklogAge> = AGES
        .iter()
        .map(|(age, _)| BacklogAge {
            age: (*age).to_owned(),
            n: 0,
        })
        .collect();
    for c in cases
        .iter()
        .filter(|c| c.status.is_some_and(Status::is_active))
    {
        let age = now.saturating_sub(c.received_at);
        if let Some(i) = AGES.iter().position(|(_, below)| age < *below) {
            backlog[i].n += 1;
        }
    }

    ComplaintReport {
        from: date(period.from),
        to: date(period.to),
        groups,
        volume,
        backlog,
    }
}

fn group(
    by: &str,
    key: &str,
    cases: &[&CaseFacts],
    calendar: &Calendar,
    now: Millis,
) -> ComplaintGroup {
    let mut first_response = Vec::new();
    let mut resolution = Vec::new();
    let (mut met, mut decided) = (0, 0);
    let mut resolved = 0;
    let mut reopened = 0;
    let mut csat = [0u64; 5];
    let mut ces = [0u64; 7];
    for c in cases {
        let done = matches!(c.status, Some(Status::Resolved | Status::Closed));
        if done {
            resolved += 1;
        }
        if c.reopened {
            reopened += 1;
        }
        if let Some(sla) = &c.sla {
            let mut resolution_minutes = None;
            let mut first = true;
            for timer in &sla.timers {
                let outcome = timer.outcome(calendar, now);
                match outcome {
                    Some(Outcome::Met { .. }) => {
                        met += 1;
                        decided += 1;
                    }
                    Some(Outcome::Breached { .. }) => decided += 1,
                    None => {}
                }
                let stopped = timer.stopped_at().is_some();
                match timer.target() {
                    SlaTarget::FirstResponse if first && stopped => {
                        first = false;
                        first_response.push(timer.used_minutes(calendar, now) as f64);
                    }
                    SlaTarget::Resolution if stopped => {
                        *resolution_minutes.get_or_insert(0) += timer.used_minutes(calendar, now);
                    }
                    _ => {}
                }
            }
            if let (true, Some(m)) = (done, resolution_minutes) {
                resolution.push(m as f64);
            }
        }
        if let Some(s) = c.csat.filter(|s| (1..=5).contains(s)) {
            csat[usize::from(s - 1)] += 1;
        }
        if let Some(s) = c.ces.filter(|s| (1..=7).contains(s)) {
            ces[usize::from(s - 1)] += 1;
        }
    }
    ComplaintGroup {
        by: by.to_owned(),
        key: key.to_owned(),
        received: cases.len() as u64,
        resolved,
        first_response: minutes(first_response),
        resolution: minutes(resolution),
        sla_met: stats::proportion(met, decided),
        reopened: stats::proportion(reopened, resolved.max(reopened)),
        csat: stats::mean(&Histogram {
            lowest: 1,
            counts: &csat,
        }),
        ces: stats::mean(&Histogram {
            lowest: 1,
            counts: &ces,
        }),
    }
}

/// The median and 90th percentile of `values` (linear between the closest ranks, as
/// spreadsheets' `PERCENTILE.INC` does).
fn minutes(mut values: Vec<f64>) -> Minutes {
    values.sort_by(f64::total_cmp);
    Minutes {
        n: values.len() as u64,
        median: percentile(&values, 0.5),
        p90: percentile(&values, 0.9),
    }
}

pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p * last as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let weight = rank - low as f64;
    Some(sorted[low] + (sorted[high.min(last)] - sorted[low]) * weight)
}

/// Each category's complaints per week: the `weeks` weeks before the last seven days (oldest
/// first) and the last seven days, ending with the UTC day `today` (cases received after it are
/// left out). What `emerging` reads.
pub fn weekly_by_category(
    cases: &[CaseFacts],
    today: i64,
    weeks: usize,
) -> BTreeMap<String, (Vec<u64>, u64)> {
    let mut out: BTreeMap<String, (Vec<u64>, u64)> = BTreeMap::new();
    for c in cases {
        let age_days = today - c.received_at.div_euclid(DAY_MS);
        if age_days < 0 {
            continue;
        }
        let week = usize::try_from(age_days / 7).unwrap_or(usize::MAX);
        if week > weeks {
            continue;
        }
        let category = c.category.clone().unwrap_or_else(|| "uncategorized".into());
        let (baseline, current) = out.entry(category).or_insert_with(|| (vec![0; weeks], 0));
        match week {
            0 => *current += 1,
            w => baseline[weeks - w] += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::case::SlaEvent;
    use shared::sla::{BusinessHours, SlaPolicy};

    const HOUR: Millis = 60 * 60 * 1000;
    const MINUTE: Millis = 60 * 1000;

    fn always_open() -> Calendar {
        Calendar::parse(&BusinessHours {
            always_open: true,
            ..BusinessHours::default()
        })
        .unwrap()
    }

    fn policy() -> SlaPolicy {
        let mut p = SlaPolicy::default_for(Priority::P2);
        p.first_response = Some(60);
        p.next_response = None;
        p.resolution = Some(8 * 60);
        p
    }

    /// A case received at `at`, answered after `reply` and resolved after `resolve` (if given).
    fn case(at: Millis, reply: Option<Millis>, resolve: Option<Millis>, who: &str) -> CaseFacts {
        let calendar = always_open();
        let mut sla = CaseSla::received(&policy(), at);
        if let Some(r) = reply {
            sla.apply(&[SlaEvent::TeamReplied], &calendar, &policy(), at + r);
        }
        if let Some(r) = resolve {
            sla.apply(&[SlaEvent::Resolved], &calendar, &policy(), at + r);
        }
        CaseFacts {
            received_at: at,
            category: Some("Billing".into()),
            priority: Some(Priority::P2),
            status: Some(if resolve.is_some() {
                Status::Resolved
            } else {
                Status::Open
            }),
            assignee: Some(who.into()),
            sla: Some(sla),
            ..CaseFacts::default()
        }
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        // Rank 0.9 × 9 = 8.1 of 1..=10: 9.1.
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((percentile(&ten, 0.9).unwrap() - 9.1).abs() < 1e-12);
    }

    #[test]
    fn times_compliance_and_backlog_come_from_the_clocks() {
        let day = 20_000 * DAY_MS;
        let now = day + 10 * DAY_MS;
        let cases = vec![
            // Answered in 30 min, resolved in 2 h: both met.
            case(day, Some(30 * MINUTE), Some(2 * HOUR), "ann@shop.test"),
            // Answered in 90 min (breached), resolved in 10 h (breached).
            case(
                day + HOUR,
                Some(90 * MINUTE),
                Some(10 * HOUR),
                "ann@shop.test",
            ),
            // Answered in 10 min, still open: the first response met, the resolution breached
            // long ago (8 h), and it is in the backlog, 9 days old.
            case(day + DAY_MS, Some(10 * MINUTE), None, "bob@shop.test"),
        ];
        let period = Period {
            from: day / DAY_MS,
            to: day / DAY_MS + 6,
        };
        let r = report(&cases, &always_open(), period, Bucketing::Day, now);
        let all = &r.groups[0];
        assert_eq!((all.by.as_str(), all.received, all.resolved), ("all", 3, 2));
        assert_eq!(all.first_response.n, 3);
        assert_eq!(all.first_response.median, Some(30.0));
        // 10, 30, 90: rank 1.8 → 30 + 0.8 × 60.
        assert!((all.first_response.p90.unwrap() - 78.0).abs() < 1e-9);
        assert_eq!(all.resolution.n, 2);
        assert_eq!(all.resolution.median, Some(360.0));
        // Met: ann's two of the first case, bob's first response; breached: the other three.
        assert_eq!(all.sla_met.value, Some(0.5));
        assert_eq!(all.sla_met.n, 6);
        let ann = r.groups.iter().find(|g| g.key == "ann@shop.test").unwrap();
        assert_eq!((ann.by.as_str(), ann.received), ("agent", 2));
        assert!(r
            .groups
            .iter()
            .any(|g| g.by == "category" && g.key == "Billing" && g.received == 3));
        assert_eq!(
            r.backlog.iter().map(|b| b.n).collect::<Vec<_>>(),
            [0, 0, 0, 1, 0]
        );
        let volume: u64 = r.volume.iter().map(|v| v.n).sum();
        assert_eq!(volume, 3);
        assert_eq!(r.volume[0].priority, "P2");
        assert_eq!(r.volume.len(), 2, "two days had cases");
    }

    #[test]
    fn ratings_and_reopenings_are_shares_and_means() {
        let day = 20_000 * DAY_MS;
        let mut a = case(day, Some(MINUTE), Some(HOUR), "ann@shop.test");
        a.csat = Some(5);
        a.ces = Some(6);
        let mut b = case(day, Some(MINUTE), Some(HOUR), "ann@shop.test");
        b.csat = Some(2);
        b.reopened = true;
        let r = report(
            &[a, b],
            &always_open(),
            Period {
                from: day / DAY_MS,
                to: day / DAY_MS,
            },
            Bucketing::Day,
            day + DAY_MS,
        );
        let all = &r.groups[0];
        assert_eq!(all.csat.value, Some(3.5));
        assert_eq!(all.ces.value, Some(6.0));
        assert_eq!(all.reopened.value, Some(0.5));
        // Nothing in the period: empty numbers, not errors.
        let empty = report(
            &[],
            &always_open(),
            Period { from: 0, to: 0 },
            Bucketing::Day,
            0,
        );
        assert_eq!(empty.groups[0].received, 0);
        assert_eq!(empty.groups[0].first_response.median, None);
        assert_eq!(empty.groups[0].sla_met.value, None);
    }

    #[test]
    fn weeks_count_back_from_today() {
        let today = 20_000;
        let at = |days_ago: i64, category: &str| CaseFacts {
            received_at: (today - days_ago) * DAY_MS + 1000,
            category: Some(category.into()),
            ..CaseFacts::default()
        };
        let cases = [
            at(0, "Billing"),
            at(6, "Billing"),
            at(7, "Billing"),
            at(20, "Billing"),
            at(21, "Billing"),
            at(-1, "Billing"),
            at(3, "Delivery"),
        ];
        let weekly = weekly_by_category(&cases, today, 3);
        // The week before the last seven days is the baseline's last; 21 days ago is the first.
        assert_eq!(weekly["Billing"], (vec![1, 1, 1], 2));
        assert_eq!(weekly["Delivery"], (vec![0, 0, 0], 1));
    }
}
