//! The overview's numbers from the rollups' day counts: a question's score and interval over a
//! period, its change against the period of the same length just before (with its test), and
//! its trend cut into days, weeks (Monday to Sunday) or months. Pure: the handler reads the
//! counts and the surveys, this turns them into `shared::insight` values.

use super::stats::{self, Histogram, NpsCounts};
use crate::store::insight_store::DayCount;
use shared::insight::{Bucketing, Change, Estimate, ScoreKind, TrendPoint};
use shared::survey::QuestionKind;

/// The longest period the overview takes, in days (ten years).
pub const MAX_DAYS: i64 = 3660;

/// A period of whole UTC days, `from ..= to`, and the one of the same length just before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

impl Period {
    pub fn days(&self) -> i64 {
        self.to - self.from + 1
    }

    pub fn previous(&self) -> Period {
        Period {
            from: self.from - self.days(),
            to: self.from - 1,
        }
    }

    pub fn contains(&self, day: i64) -> bool {
        (self.from..=self.to).contains(&day)
    }
}

/// The trend's cut for a period: days up to six weeks, weeks up to about seven months, months
/// beyond (so that a chart has at most about 45 points and each point has answers to speak of).
pub fn bucketing_for(period: Period) -> Bucketing {
    match period.days() {
        ..=45 => Bucketing::Day,
        46..=210 => Bucketing::Week,
        _ => Bucketing::Month,
    }
}

/// The UTC date of a day number, `YYYY-MM-DD`.
pub fn date(day: i64) -> String {
    civil(day).to_string()
}

fn civil(day: i64) -> jiff::civil::Date {
    let epoch = jiff::civil::date(1970, 1, 1);
    epoch
        .checked_add(jiff::Span::new().days(day))
        .unwrap_or(epoch)
}

/// The day number of a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<i64> {
    let d: jiff::civil::Date = s.parse().ok()?;
    let span = d
        .since((jiff::Unit::Day, jiff::civil::date(1970, 1, 1)))
        .ok()?;
    Some(i64::from(span.get_days()))
}

/// The trend's points: consecutive stretches of days covering the period, each cut at a week's
/// Monday or a month's first day, the first and last clipped to the period.
pub fn points(period: Period, by: Bucketing) -> Vec<Period> {
    let mut out = Vec::new();
    let mut start = period.from;
    while start <= period.to {
        let next = match by {
            Bucketing::Day => start + 1,
            // 1970-01-01 was a Thursday: day 4 was a Monday.
            Bucketing::Week => start + 7 - (start - 4).rem_euclid(7),
            Bucketing::Month => {
                let d = civil(start);
                let first = d.first_of_month();
                let next = first
                    .checked_add(jiff::Span::new().months(1))
                    .unwrap_or(first);
                start + i64::from(next.since((jiff::Unit::Day, d)).map_or(1, |s| s.get_days()))
            }
        };
        out.push(Period {
            from: start,
            to: (next - 1).min(period.to),
        });
        start = next;
    }
    out
}

/// A scale question as the overview reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub kind: ScoreKind,
    pub lowest: u8,
    pub highest: u8,
}

impl Scale {
    /// The scale of a question that has a score.
    pub fn of(kind: &QuestionKind) -> Option<Scale> {
        let (kind, lowest, highest) = match kind {
            QuestionKind::Nps => (ScoreKind::Nps, 0, 10),
            QuestionKind::Csat { .. } => (ScoreKind::Csat, 1, 5),
            QuestionKind::Ces => (ScoreKind::Ces, 1, 7),
            QuestionKind::Rating { max } => (ScoreKind::Rating, 1, *max),
            QuestionKind::Choice { .. } | QuestionKind::Text { .. } => return None,
        };
        Some(Scale {
            kind,
            lowest,
            highest,
        })
    }

    /// The histogram of a period's counts, lowest score first; buckets outside the scale (a
    /// rating whose `max` shrank) are left out.
    pub fn histogram(&self, counts: &[DayCount], period: Period) -> Vec<u64> {
        let mut h = vec![0; usize::from(self.highest - self.lowest) + 1];
        for c in counts.iter().filter(|c| period.contains(c.day)) {
            let slot = usize::try_from(c.bucket - i64::from(self.lowest)).ok();
            if let Some(n) = slot.and_then(|s| h.get_mut(s)) {
                *n += c.n;
            }
        }
        h
    }

    /// The score of a histogram: NPS (adjusted Wald) or the mean (t interval).
    pub fn score(&self, h: &[u64]) -> Estimate {
        match self.kind {
            ScoreKind::Nps => stats::nps(&nps_counts(h)),
            _ => stats::mean(&Histogram {
                lowest: self.lowest,
                counts: h,
            }),
        }
    }

    /// CSAT's top-2-box share (4 and 5), with a Wilson interval.
    pub fn top_box(&self, h: &[u64]) -> Option<Estimate> {
        (self.kind == ScoreKind::Csat).then(|| {
            let hist = Histogram {
                lowest: self.lowest,
                counts: h,
            };
            stats::proportion(hist.at_least(4), hist.n())
        })
    }

    pub fn change(&self, before: &[u64], after: &[u64]) -> Option<Change> {
        match self.kind {
            ScoreKind::Nps => stats::nps_change(&nps_counts(before), &nps_counts(after)),
            _ => stats::mean_change(
                &Histogram {
                    lowest: self.lowest,
                    counts: before,
                },
                &Histogram {
                    lowest: self.lowest,
                    counts: after,
                },
            ),
        }
    }

    /// The trend: the score of each point.
    pub fn trend(&self, counts: &[DayCount], period: Period, by: Bucketing) -> Vec<TrendPoint> {
        points(period, by)
            .into_iter()
            .map(|p| TrendPoint {
                start: date(p.from),
                end: date(p.to),
                score: self.score(&self.histogram(counts, p)),
            })
            .collect()
    }
}

fn nps_counts(h: &[u64]) -> NpsCounts {
    let mut full = [0; 11];
    for (slot, n) in full.iter_mut().zip(h) {
        *slot = *n;
    }
    NpsCounts::from_histogram(&full)
}

/// How many of `counts` fall in the period (the responses row's bucket 0).
pub fn total(counts: &[DayCount], period: Period) -> u64 {
    counts
        .iter()
        .filter(|c| period.contains(c.day))
        .map(|c| c.n)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        parse_date(s).unwrap()
    }

    #[test]
    fn dates_and_day_numbers_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1969-12-31"), Some(-1));
        assert_eq!(date(day("2026-12-04")), "2026-12-04");
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let p = Period {
            from: day("2026-11-01"),
            to: day("2026-11-30"),
        };
        let q = p.previous();
        assert_eq!(
            (date(q.from), date(q.to)),
            ("2026-10-02".into(), "2026-10-31".into())
        );
    }

    #[test]
    fn weeks_start_on_mondays_and_months_on_the_first() {
        // 2026-12-04 is a Friday.
        let p = Period {
            from: day("2026-12-04"),
            to: day("2026-12-20"),
        };
        let weeks: Vec<_> = points(p, Bucketing::Week)
            .iter()
            .map(|w| (date(w.from), date(w.to)))
            .collect();
        assert_eq!(
            weeks,
            [
                ("2026-12-04".into(), "2026-12-06".into()),
                ("2026-12-07".into(), "2026-12-13".into()),
                ("2026-12-14".into(), "2026-12-20".into()),
            ]
        );
        let p = Period {
            from: day("2026-01-15"),
            to: day("2026-03-02"),
        };
        let months: Vec<_> = points(p, Bucketing::Month)
            .iter()
            .map(|m| (date(m.from), date(m.to)))
            .collect();
        assert_eq!(
            months,
            [
                ("2026-01-15".into(), "2026-01-31".into()),
                ("2026-02-01".into(), "2026-02-28".into()),
                ("2026-03-01".into(), "2026-03-02".into()),
            ]
        );
        assert_eq!(points(p, Bucketing::Day).len(), 47);
        assert_eq!(bucketing_for(p), Bucketing::Week);
    }

    #[test]
    fn a_period_s_score_comes_from_the_days_in_it() {
        let nps = Scale {
            kind: ScoreKind::Nps,
            lowest: 0,
            highest: 10,
        };
        let counts = [
            DayCount {
                day: 9,
                bucket: 10,
                n: 5,
            },
            DayCount {
                day: 10,
                bucket: 10,
                n: 3,
            },
            DayCount {
                day: 10,
                bucket: 0,
                n: 1,
            },
            DayCount {
                day: 11,
                bucket: 7,
                n: 4,
            },
            // A score the scale does not have is left out.
            DayCount {
                day: 10,
                bucket: 11,
                n: 9,
            },
        ];
        let p = Period { from: 10, to: 11 };
        let h = nps.histogram(&counts, p);
        assert_eq!(h, [1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 3]);
        // 3 promoters, 1 detractor of 8: NPS 25.
        let s = nps.score(&h);
        assert_eq!((s.n, s.value), (8, Some(25.0)));
        assert!(!s.enough);
        let before = nps.histogram(&counts, p.previous());
        assert_eq!(before.iter().sum::<u64>(), 5);
        let change = nps.change(&before, &h).unwrap();
        assert_eq!(change.delta, -75.0);
        assert!(!change.significant, "too few answers to call");

        let csat = Scale {
            kind: ScoreKind::Csat,
            lowest: 1,
            highest: 5,
        };
        let counts = [
            DayCount {
                day: 1,
                bucket: 5,
                n: 3,
            },
            DayCount {
                day: 1,
                bucket: 4,
                n: 1,
            },
            DayCount {
                day: 1,
                bucket: 1,
                n: 1,
            },
        ];
        let h = csat.histogram(&counts, Period { from: 0, to: 1 });
        assert_eq!(h, [1, 0, 0, 1, 3]);
        assert_eq!(csat.score(&h).value, Some(4.0));
        assert_eq!(csat.top_box(&h).unwrap().value, Some(0.8));
        assert_eq!(nps.top_box(&h), None);
    }
}
