//! SMART service goals: a metric, a target, a start and a deadline. A goal's progress is read
//! week by week from its start; the baseline is the 28 days before the start, the current value
//! the latest 28 days. The forecast is the least-squares line through the weeks that have data,
//! (whole weeks only) read at the deadline with its 95 % prediction interval (Student's t, k − 2 degrees of
//! freedom); its chance of meeting the target is the t distribution's tail beyond the target.
//! A goal whose chance is under one half is off track: at risk.
//!
//! Pure: the caller gives the metric's value over any period (`value_of`), from the rollups or
//! the cases.

use super::overview::{date, Period};
use shared::insight::{Goal, GoalForecast, GoalPoint, Interval, NewGoal};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The weeks with data a forecast needs.
pub const MIN_WEEKS: usize = 3;

/// The days the baseline and the current value are read over.
pub const WINDOW_DAYS: i64 = 28;

/// What a goal measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Nps,
    Csat,
    Ces,
    FirstResponse,
    Resolution,
    SlaCompliance,
    ComplaintVolume,
}

pub const METRICS: [&str; 7] = [
    "nps",
    "csat",
    "ces",
    "first_response",
    "resolution",
    "sla_compliance",
    "complaint_volume",
];

impl Metric {
    pub fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "nps" => Metric::Nps,
            "csat" => Metric::Csat,
            "ces" => Metric::Ces,
            "first_response" => Metric::FirstResponse,
            "resolution" => Metric::Resolution,
            "sla_compliance" => Metric::SlaCompliance,
            "complaint_volume" => Metric::ComplaintVolume,
            _ => return None,
        })
    }

    /// Whether more is better (NPS, CSAT, CES on its 1 "very hard" to 7 "very easy" scale, SLA
    /// compliance) or less (times, volume).
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Metric::Nps | Metric::Csat | Metric::Ces | Metric::SlaCompliance
        )
    }

    /// The values a target may take.
    pub fn range(self) -> (f64, f64) {
        match self {
            Metric::Nps => (-100.0, 100.0),
            Metric::Csat => (1.0, 5.0),
            Metric::Ces => (1.0, 7.0),
            Metric::SlaCompliance => (0.0, 100.0),
            Metric::FirstResponse | Metric::Resolution => (0.0, 1_000_000.0),
            Metric::ComplaintVolume => (0.0, 1_000_000.0),
        }
    }

    /// Whether the metric is read from the answers' rollups (else from the cases).
    pub fn is_score(self) -> bool {
        matches!(self, Metric::Nps | Metric::Csat | Metric::Ces)
    }
}

/// A goal as stored, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalSpec {
    pub id: i64,
    pub name: String,
    pub metric: Metric,
    pub target: f64,
    pub start: i64,
    pub deadline: i64,
    pub segment: Option<String>,
    pub category: Option<String>,
}

/// Checks a new goal: every problem as `(field, message)`, or the goal (with id 0).
pub fn check(new: &NewGoal) -> Result<GoalSpec, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| problems.push((field.to_owned(), message));
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        problem("name", "a name is 1 to 120 characters".into());
    }
    let metric = Metric::parse(&new.metric);
    if metric.is_none() {
        problem("metric", format!("metric is one of {}", METRICS.join(", ")));
    }
    if let Some(m) = metric {
        let (low, high) = m.range();
        if !new.target.is_finite() || new.target < low || new.target > high {
            problem("target", format!("the target is {low} to {high}"));
        }
        if m == Metric::ComplaintVolume
            && new.category.as_deref().is_none_or(|c| c.trim().is_empty())
        {
            problem(
                "category",
                "complaint volume counts one category: name it".into(),
            );
        }
        if !m.is_score() && new.segment.is_some() {
            problem("segment", "only scores have segments".into());
        }
    }
    let start = super::overview::parse_date(&new.start);
    let deadline = super::overview::parse_date(&new.deadline);
    if start.is_none() {
        problem(
            "start",
            format!("start is a date like 2026-12-31, not {:?}", new.start),
        );
    }
    if deadline.is_none() {
        problem(
            "deadline",
            format!("deadline is a date like 2026-12-31, not {:?}", new.deadline),
        );
    }
    if let (Some(s), Some(d)) = (start, deadline) {
        if d <= s {
            problem("deadline", "the deadline is after the start".into());
        } else if d - s > 3660 {
            problem("deadline", "a goal spans at most ten years".into());
        }
    }
    match (metric, start, deadline, problems.is_empty()) {
        (Some(metric), Some(start), Some(deadline), true) => Ok(GoalSpec {
            id: 0,
            name: name.to_owned(),
            metric,
            target: new.target,
            start,
            deadline,
            segment: new.segment.clone(),
            category: new.category.as_deref().map(|c| c.trim().to_owned()),
        }),
        _ => Err(problems),
    }
}

/// The least-squares line through `(x, y)`, read at `at`: the value, its 95 % prediction
/// interval and the chance that the value there is at least (`higher`) or at most `target`.
pub fn forecast(points: &[(f64, f64)], at: f64, target: f64, higher: bool) -> Option<GoalForecast> {
    let k = points.len();
    if k < MIN_WEEKS {
        return None;
    }
    let kf = k as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / kf;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / kf;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let value = intercept + slope * at;
    let ssr: f64 = points
        .iter()
        .map(|p| (p.1 - (intercept + slope * p.0)).powi(2))
        .sum();
    let s = (ssr / (kf - 2.0)).sqrt();
    let se = s * (1.0 + 1.0 / kf + (at - mean_x).powi(2) / sxx).sqrt();
    let t = StudentsT::new(0.0, 1.0, kf - 2.0).ok()?;
    let q = t.inverse_cdf(0.975);
    let chance = if se == 0.0 {
        let meets = if higher {
            value >= target
        } else {
            value <= target
        };
        f64::from(u8::from(meets))
    } else {
        let z = (value - target) / se;
        if higher {
            t.cdf(z)
        } else {
            1.0 - t.cdf(z)
        }
    };
    Some(GoalForecast {
        value,
        interval: Interval {
            low: value - q * se,
            high: value + q * se,
        },
        chance,
    })
}

/// A goal's progress on `today` (a UTC day), reading the metric's value and its count over any
/// period with `value_of`.
pub fn progress(
    goal: &GoalSpec,
    today: i64,
    value_of: &dyn Fn(Period) -> (Option<f64>, u64),
) -> Goal {
    let higher = goal.metric.higher_is_better();
    let last = today.min(goal.deadline);
    let mut points = Vec::new();
    // Each week at its middle day, counted from the start, and its value: whole weeks only, so
    // that the first answers of a new week do not swing the line.
    let mut xy: Vec<(f64, f64)> = Vec::new();
    let mut week = goal.start;
    while week <= last {
        let period = Period {
            from: week,
            to: (week + 6).min(last),
        };
        let (value, n) = value_of(period);
        let whole = period.to == week + 6 && (period.to < today || today > goal.deadline);
        if let (true, true, Some(v)) = (whole, n > 0, value) {
            xy.push(((week - goal.start) as f64 + 3.0, v));
        }
        points.push(GoalPoint {
            start: date(period.from),
            end: date(period.to),
            value,
            n,
        });
        week += 7;
    }
    let baseline = value_of(Period {
        from: goal.start - WINDOW_DAYS,
        to: goal.start - 1,
    })
    .0;
    let current = (last >= goal.start)
        .then(|| {
            value_of(Period {
                from: (last - WINDOW_DAYS + 1).max(goal.start),
                to: last,
            })
            .0
        })
        .flatten();
    // Only a target beyond the baseline, in the metric's good direction, has a way to go.
    let progress = match (baseline, current) {
        (Some(b), Some(c)) if (goal.target > b) == higher && goal.target != b => {
            Some(((c - b) / (goal.target - b)).clamp(0.0, 1.0))
        }
        _ => None,
    };
    let at = (goal.deadline - goal.start) as f64;
    let forecast = forecast(&xy, at, goal.target, higher);
    let meets = |v: f64| {
        if higher {
            v >= goal.target
        } else {
            v <= goal.target
        }
    };
    let status = if today > goal.deadline {
        if current.is_some_and(meets) {
            "met"
        } else {
            "missed"
        }
    } else {
        match &forecast {
            None => "too_little_data",
            Some(f) if f.chance >= 0.5 => "on_track",
            Some(_) => "off_track",
        }
    };
    Goal {
        id: goal.id,
        name: goal.name.clone(),
        metric: METRICS[goal.metric as usize].to_owned(),
        target: goal.target,
        start: date(goal.start),
        deadline: date(goal.deadline),
        segment: goal.segment.clone(),
        category: goal.category.clone(),
        baseline,
        current,
        progress,
        points,
        forecast,
        status: status.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(metric: &str, target: f64, start: &str, deadline: &str) -> NewGoal {
        NewGoal {
            name: "Faster answers".into(),
            metric: metric.into(),
            target,
            start: start.into(),
            deadline: deadline.into(),
            segment: None,
            category: None,
        }
    }

    #[test]
    fn a_goal_is_checked_field_by_field() {
        assert!(check(&new("nps", 40.0, "2026-01-01", "2026-04-01")).is_ok());
        let fields = |g: NewGoal| -> Vec<String> {
            check(&g).unwrap_err().into_iter().map(|(f, _)| f).collect()
        };
        assert_eq!(
            fields(new("happiness", 1.0, "2026-01-01", "2026-04-01")),
            ["metric"]
        );
        assert_eq!(
            fields(new("nps", 140.0, "2026-01-01", "2026-04-01")),
            ["target"]
        );
        assert_eq!(
            fields(new("csat", f64::NAN, "2026-01-01", "2026-04-01")),
            ["target"]
        );
        assert_eq!(
            fields(new("nps", 40.0, "2026-04-01", "2026-01-01")),
            ["deadline"]
        );
        assert_eq!(fields(new("nps", 40.0, "soon", "2026-01-01")), ["start"]);
        assert_eq!(
            fields(new("nps", 40.0, "2026-01-01", "2040-01-01")),
            ["deadline"]
        );
        assert_eq!(
            fields(new("complaint_volume", 5.0, "2026-01-01", "2026-04-01")),
            ["category"]
        );
        let mut g = new("first_response", 120.0, "2026-01-01", "2026-04-01");
        g.segment = Some("device:mobile".into());
        assert_eq!(fields(g), ["segment"]);
        let mut g = new("nps", 40.0, "2026-01-01", "2026-04-01");
        g.name = " ".into();
        assert_eq!(fields(g), ["name"]);
    }

    #[test]
    fn the_forecast_is_the_least_squares_line_with_its_prediction_interval() {
        // y = 10 + 2x exactly: the value at 10 is 30, no spread, certain.
        let line: Vec<(f64, f64)> = (0..5)
            .map(|x| (f64::from(x), 10.0 + 2.0 * f64::from(x)))
            .collect();
        let f = forecast(&line, 10.0, 25.0, true).unwrap();
        assert!((f.value - 30.0).abs() < 1e-9);
        assert!((f.interval.high - f.interval.low).abs() < 1e-9);
        assert_eq!(f.chance, 1.0);
        assert_eq!(forecast(&line, 10.0, 35.0, true).unwrap().chance, 0.0);
        assert_eq!(forecast(&line, 10.0, 35.0, false).unwrap().chance, 1.0);
        // Hand-computed: x = 1..4, y = 2, 4, 5, 4 → slope 0.7, intercept 2.0; at x = 5: 5.5.
        // Residuals −0.7, 0.6, 0.9, −0.8: s² = 2.3 / 2 = 1.15; se = sqrt(1.15 · (1 + 1/4 +
        // 6.25/5)) = sqrt(2.875); t(0.975, 2) = 4.302653.
        let pts = [(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0)];
        let f = forecast(&pts, 5.0, 5.5, true).unwrap();
        assert!((f.value - 5.5).abs() < 1e-9, "{f:?}");
        let se = 2.875_f64.sqrt();
        assert!(
            (f.interval.high - (5.5 + 4.302_653 * se)).abs() < 1e-4,
            "{f:?}"
        );
        assert!((f.chance - 0.5).abs() < 1e-9);
        // Target 5: (5.5 − 5) / se = 0.29488 on t with 2 degrees of freedom → 0.60206.
        let f = forecast(&pts, 5.0, 5.0, true).unwrap();
        assert!((f.chance - 0.602_06).abs() < 1e-4, "{f:?}");
        // Too few weeks, or all in one week: no forecast.
        assert!(forecast(&pts[..2], 5.0, 5.0, true).is_none());
        assert!(forecast(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)], 5.0, 5.0, true).is_none());
    }

    #[test]
    fn progress_reads_the_weeks_the_baseline_and_the_current_value() {
        // NPS rising 2 points a week from 10, target 40 in 20 weeks (day 140): on track.
        let goal = check(&new("nps", 40.0, "2026-01-05", "2026-05-25")).unwrap();
        let start = goal.start;
        let value = move |p: Period| -> (Option<f64>, u64) {
            if p.to < start {
                return (Some(5.0), 100);
            }
            let week = (p.from - start) / 7;
            (Some(10.0 + 2.0 * week as f64), 50)
        };
        let at_week_6 = progress(&goal, start + 6 * 7 + 2, &value);
        assert_eq!(at_week_6.points.len(), 7);
        assert_eq!(at_week_6.baseline, Some(5.0));
        assert_eq!(at_week_6.status, "on_track");
        let f = at_week_6.forecast.as_ref().unwrap();
        assert!(f.value > 40.0, "{f:?}");
        // The current value is the latest 28 days' (the value function's week of their start).
        assert_eq!(at_week_6.current, Some(14.0));
        assert!((at_week_6.progress.unwrap() - 9.0 / 35.0).abs() < 1e-9);
        // Falling instead: off track, at risk.
        let falling = move |p: Period| -> (Option<f64>, u64) {
            let week = (p.from - start).max(0) / 7;
            (
                Some(20.0 - 3.0 * week as f64 + if week % 2 == 0 { 1.0 } else { -1.0 }),
                50,
            )
        };
        let g = progress(&goal, start + 6 * 7 + 2, &falling);
        assert_eq!(g.status, "off_track");
        assert!(g.forecast.unwrap().chance < 0.01);
        // Two weeks in: too little data. After the deadline: met or missed.
        assert_eq!(
            progress(&goal, start + 10, &value).status,
            "too_little_data"
        );
        assert_eq!(progress(&goal, goal.deadline + 1, &value).status, "met");
        assert_eq!(
            progress(&goal, goal.deadline + 1, &falling).status,
            "missed"
        );
        // Less is better for times: a falling first response meets a lower target.
        let mut faster = check(&new("first_response", 60.0, "2026-01-05", "2026-05-25")).unwrap();
        faster.id = 3;
        let g = progress(&faster, faster.deadline + 1, &|_| (Some(45.0), 9));
        assert_eq!(
            (g.id, g.status.as_str(), g.metric.as_str()),
            (3, "met", "first_response")
        );
        // A target short of the baseline (in the good direction) has no way to go.
        let mut easy = goal.clone();
        easy.target = 4.0;
        assert_eq!(progress(&easy, start + 44, &value).progress, None);
        // No data at all.
        let g = progress(&goal, start + 50, &|_| (None, 0));
        assert_eq!(
            (g.status.as_str(), g.baseline, g.progress),
            ("too_little_data", None, None)
        );
    }
}
