//! Small SVG charts drawn here, with no chart library: a goal's weeks against its target with the
//! forecast at the deadline, and complaint volume by category over time. Each is `role="img"`
//! with a label that says what it shows; the table beside it has every number.
// The props builders that #[component] generates are `pub` whatever the components' visibility.
#![allow(unreachable_pub)]

use leptos::prelude::*;
use shared::insight::{Goal, VolumePoint};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const PAD: f64 = 10.0;

/// The day number (days since 1970-01-01, UTC) of a `YYYY-MM-DD` date.
fn day(date: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(date);
    (!ms.is_nan()).then(|| (ms / 86_400_000.0).floor())
}

/// A linear map of `[lo, hi]` onto `[to_lo, to_hi]`, clamped.
fn scale(v: f64, (lo, hi): (f64, f64), (to_lo, to_hi): (f64, f64)) -> f64 {
    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    to_lo + (to_hi - to_lo) * t.clamp(0.0, 1.0)
}

/// A goal from its start to its deadline: each week's value at the week's middle, the target
/// (dashed), the baseline (faint), and the forecast at the deadline with its 95 % interval.
#[component]
pub(crate) fn GoalChart(goal: Goal) -> impl IntoView {
    let (Some(start), Some(deadline)) = (day(&goal.start), day(&goal.deadline)) else {
        return ().into_any();
    };
    let span = (deadline - start).max(1.0);
    let weeks: Vec<(f64, f64)> = goal
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i as f64 * 7.0 + 3.0, p.value?)))
        .collect();
    let mut values: Vec<f64> = weeks.iter().map(|w| w.1).collect();
    values.push(goal.target);
    values.extend(goal.baseline);
    if let Some(f) = &goal.forecast {
        values.extend([f.value, f.interval.low, f.interval.high]);
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.1).max(1.0);
    let range = (lo - pad, hi + pad);
    let x = move |d: f64| scale(d, (0.0, span), (PAD, WIDTH - PAD));
    let y = move |v: f64| scale(v, range, (HEIGHT - PAD, PAD));
    let horizontal = |class: &'static str, v: f64| {
        let at = format!("{:.1}", y(v));
        view! { <line class=class x1=PAD.to_string() x2=(WIDTH - PAD).to_string() y1=at.clone() y2=at /> }
    };
    let line = weeks
        .iter()
        .map(|&(d, v)| format!("{:.1},{:.1}", x(d), y(v)))
        .collect::<Vec<_>>()
        .join(" ");
    let dots = weeks
        .iter()
        .map(|&(d, v)| {
            view! { <circle class="dot" cx=format!("{:.1}", x(d)) cy=format!("{:.1}", y(v)) r="3" /> }
        })
        .collect_view();
    let forecast = goal.forecast.as_ref().map(|f| {
        let (fx, fy) = (format!("{:.1}", x(span)), format!("{:.1}", y(f.value)));
        let from = weeks.last().map_or((x(0.0), y(f.value)), |&(d, v)| (x(d), y(v)));
        view! {
            <line class="forecast" x1=format!("{:.1}", from.0) y1=format!("{:.1}", from.1) x2=fx.clone() y2=fy.clone() />
            <line class="bar" x1=fx.clone() x2=fx.clone() y1=format!("{:.1}", y(f.interval.high)) y2=format!("{:.1}", y(f.interval.low)) />
            <circle class="dot thin" cx=fx cy=fy r="4" />
        }
    });
    let mut label = format!(
        "{} by week since {}: target {} by {}",
        goal.name, goal.start, goal.target, goal.deadline
    );
    if let Some(b) = goal.baseline {
        label.push_str(&format!(", baseline {b:.1}"));
    }
    if let Some(f) = &goal.forecast {
        label.push_str(&format!(
            ", forecast {:.1} (95 % between {:.1} and {:.1})",
            f.value, f.interval.low, f.interval.high
        ));
    }
    label.push_str(". The weeks are in the table below.");
    view! {
        <svg class="trend goal-chart" role="img" aria-label=label viewBox=format!("0 0 {WIDTH} {HEIGHT}")>
            {goal.baseline.map(|b| horizontal("baseline", b))}
            {horizontal("target", goal.target)}
            <polyline class="line" points=line />
            {dots}
            {forecast}
        </svg>
    }
    .into_any()
}

/// The most categories drawn apart; the rest are one "Other".
const CATEGORIES: usize = 6;

/// Volume by category over time, as a table's worth of numbers: the periods in order, the
/// categories most complained about first (at most [`CATEGORIES`], then "Other"), and each
/// period's counts per category and per priority.
pub(crate) struct Volume {
    pub(crate) periods: Vec<(String, String)>,
    pub(crate) categories: Vec<String>,
    /// `[period][category]`.
    pub(crate) counts: Vec<Vec<u64>>,
    pub(crate) priorities: Vec<String>,
    /// `[period][priority]`.
    pub(crate) by_priority: Vec<Vec<u64>>,
}

impl Volume {
    pub(crate) fn of(points: &[VolumePoint]) -> Volume {
        let mut periods: Vec<(String, String)> = Vec::new();
        let mut totals: Vec<(String, u64)> = Vec::new();
        let mut priorities: Vec<String> = Vec::new();
        for p in points {
            if !periods.iter().any(|(s, _)| *s == p.start) {
                periods.push((p.start.clone(), p.end.clone()));
            }
            match totals.iter_mut().find(|(c, _)| *c == p.category) {
                Some((_, n)) => *n += p.n,
                None => totals.push((p.category.clone(), p.n)),
            }
            if !priorities.contains(&p.priority) {
                priorities.push(p.priority.clone());
            }
        }
        periods.sort();
        priorities.sort();
        totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut categories: Vec<String> = totals.iter().map(|(c, _)| c.clone()).collect();
        let other = categories.len() > CATEGORIES;
        if other {
            categories.truncate(CATEGORIES - 1);
            categories.push("Other".to_owned());
        }
        let mut counts = vec![vec![0; categories.len()]; periods.len()];
        let mut by_priority = vec![vec![0; priorities.len()]; periods.len()];
        for p in points {
            let Some(row) = periods.iter().position(|(s, _)| *s == p.start) else {
                continue;
            };
            let column = categories
                .iter()
                .position(|c| *c == p.category)
                .unwrap_or(categories.len() - 1);
            counts[row][column] += p.n;
            if let Some(i) = priorities.iter().position(|q| *q == p.priority) {
                by_priority[row][i] += p.n;
            }
        }
        Volume {
            periods,
            categories,
            counts,
            priorities,
            by_priority,
        }
    }
}

/// Complaint volume as stacked bars, a colour per category, with its legend.
#[component]
pub(crate) fn VolumeChart(volume: std::rc::Rc<Volume>) -> impl IntoView {
    let most = volume
        .counts
        .iter()
        .map(|row| row.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slots = volume.periods.len().max(1) as f64;
    let slot = (WIDTH - 2.0 * PAD) / slots;
    let bar = (slot * 0.7).max(1.0);
    let mut rects = Vec::new();
    for (i, row) in volume.counts.iter().enumerate() {
        let mut top = HEIGHT - PAD;
        for (c, &n) in row.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let h = (HEIGHT - 2.0 * PAD) * n as f64 / most;
            top -= h;
            rects.push(view! {
                <rect
                    class=format!("c{c}")
                    x=format!("{:.1}", PAD + slot * i as f64 + (slot - bar) / 2.0)
                    y=format!("{top:.1}")
                    width=format!("{bar:.1}")
                    height=format!("{h:.1}")
                />
            });
        }
    }
    let total: u64 = volume.counts.iter().flatten().sum();
    let label = format!(
        "Complaints by category, {} periods from {} to {}, {total} in all, most in one period {}. The numbers are in the table below.",
        volume.periods.len(),
        volume.periods.first().map_or("", |p| p.0.as_str()),
        volume.periods.last().map_or("", |p| p.1.as_str()),
        most as u64
    );
    let legend = volume
        .categories
        .iter()
        .enumerate()
        .map(|(c, name)| view! { <li><span class=format!("swatch c{c}") aria-hidden="true"></span>{name.clone()}</li> })
        .collect_view();
    view! {
        <svg class="trend volume-chart" role="img" aria-label=label viewBox=format!("0 0 {WIDTH} {HEIGHT}")>
            {rects}
        </svg>
        <ul class="legend">{legend}</ul>
    }
}

/// The volume's numbers: a row per period, a column per category and per priority.
#[component]
pub(crate) fn VolumeTable(volume: std::rc::Rc<Volume>) -> impl IntoView {
    let heads = volume
        .categories
        .iter()
        .chain(volume.priorities.iter())
        .map(|h| view! { <th scope="col">{h.clone()}</th> })
        .collect_view();
    let rows = volume
        .periods
        .iter()
        .enumerate()
        .map(|(i, (start, end))| {
            let cells = volume.counts[i]
                .iter()
                .chain(volume.by_priority[i].iter())
                .map(|n| view! { <td>{*n}</td> })
                .collect_view();
            view! { <tr><th scope="row">{format!("{start} – {end}")}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="trend-table volume">
            <thead><tr><th scope="col">"Period"</th>{heads}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn point(start: &str, category: &str, priority: &str, n: u64) -> VolumePoint {
        VolumePoint {
            start: start.into(),
            end: start.into(),
            category: category.into(),
            priority: priority.into(),
            n,
        }
    }

    #[wasm_bindgen_test]
    fn volume_orders_periods_and_categories_and_folds_the_rest_into_other() {
        let mut points = vec![
            point("2026-11-09", "Billing", "P2", 3),
            point("2026-11-02", "Billing", "P1", 1),
            point("2026-11-02", "Delivery", "P3", 5),
        ];
        for (i, c) in ["A", "B", "C", "D", "E"].into_iter().enumerate() {
            points.push(point("2026-11-09", c, "none", 1 + i as u64 % 2));
        }
        let v = Volume::of(&points);
        assert_eq!(v.periods[0].0, "2026-11-02");
        assert_eq!(
            v.categories,
            ["Delivery", "Billing", "B", "D", "A", "Other"]
        );
        // Week 1: Delivery 5, Billing 1; week 2: Billing 3, B 2, D 2, A 1, C + E in Other.
        assert_eq!(v.counts, [vec![5, 1, 0, 0, 0, 0], vec![0, 3, 2, 2, 1, 2]]);
        assert_eq!(v.priorities, ["P1", "P2", "P3", "none"]);
        assert_eq!(v.by_priority, [vec![1, 0, 5, 0], vec![0, 3, 0, 7]]);
    }

    #[wasm_bindgen_test]
    fn dates_are_utc_day_numbers() {
        assert_eq!(day("1970-01-02"), Some(1.0));
        assert_eq!(day("2026-11-30"), Some(20_787.0));
        assert_eq!(day("not a date"), None);
    }
}
