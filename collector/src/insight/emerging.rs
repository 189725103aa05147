//! Recurring and emerging issues: which topics or complaint categories came up this period more
//! often than their own past makes likely. Each series is a count per period (a week, say). If
//! the latest period had the same rate as the baseline's periods, its share of all the series'
//! counts would be binomial with p = 1 / (periods + 1) (the conditional test of two Poisson
//! rates, which also allows for the baseline being an estimate); a count whose upper tail is
//! below the threshold rose beyond chance. The threshold is divided among the series read
//! (Bonferroni), so that many steady series do not make one false alarm by chance.

use statrs::distribution::{Binomial, DiscreteCDF};

/// A series' latest count must be at least this: three complaints in a week are no trend,
/// whatever their baseline.
pub const MIN_COUNT: u64 = 5;

/// It must also be at least this many times its baseline rate.
pub const MIN_RATIO: f64 = 2.0;

/// The family-wise false-alarm rate across all the series read at once.
pub const ALPHA: f64 = 0.01;

/// A baseline rate counts as at least this in the ratio, so that a category that never came up
/// before has a finite one.
const FLOOR_RATE: f64 = 0.5;

/// A topic's or a category's counts.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub key: &'a str,
    /// The counts of the periods before, oldest first (the baseline).
    pub baseline: &'a [u64],
    /// The count of the period read.
    pub current: u64,
}

pub use shared::insight::Emerging;

/// The series whose current count rose beyond chance against their baseline, most surprising
/// first. A series without a baseline is not read.
pub fn emerging(series: &[Series<'_>]) -> Vec<Emerging> {
    let read = series.iter().filter(|s| !s.baseline.is_empty()).count();
    if read == 0 {
        return Vec::new();
    }
    let threshold = ALPHA / read as f64;
    let mut found: Vec<Emerging> = series
        .iter()
        .filter(|s| !s.baseline.is_empty() && s.current >= MIN_COUNT)
        .filter_map(|s| {
            let periods = s.baseline.len() as u64;
            let before = s.baseline.iter().sum::<u64>();
            let mean = before as f64 / periods as f64;
            let ratio = s.current as f64 / mean.max(FLOOR_RATE);
            if ratio < MIN_RATIO {
                return None;
            }
            // P(Y ≥ current) = 1 − P(Y ≤ current − 1), Y ~ Binomial(all, 1 / (periods + 1)).
            let share = 1.0 / (periods + 1) as f64;
            let p_value = Binomial::new(share, before + s.current)
                .ok()?
                .sf(s.current - 1);
            (p_value < threshold).then(|| Emerging {
                key: s.key.to_owned(),
                baseline_rate: mean,
                current: s.current,
                ratio,
                p_value,
            })
        })
        .collect();
    found.sort_by(|a, b| a.p_value.total_cmp(&b.p_value));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng as _};

    /// A Poisson draw at `rate` (Knuth's method; the rates here are small).
    fn poisson(rng: &mut rand::rngs::StdRng, rate: f64) -> u64 {
        let limit = (-rate).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= rng.random::<f64>();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    /// 60 categories at steady rates of 2 to 30 a week: 12 weeks of baseline, then the week read.
    fn steady(rng: &mut rand::rngs::StdRng) -> Vec<(String, Vec<u64>, u64)> {
        (0..60)
            .map(|i| {
                let rate = 2.0 + (i % 15) as f64 * 2.0;
                let weeks: Vec<u64> = (0..13).map(|_| poisson(rng, rate)).collect();
                (format!("category-{i}"), weeks[..12].to_vec(), weeks[12])
            })
            .collect()
    }

    fn as_series(data: &[(String, Vec<u64>, u64)]) -> Vec<Series<'_>> {
        data.iter()
            .map(|(key, baseline, current)| Series {
                key,
                baseline,
                current: *current,
            })
            .collect()
    }

    #[test]
    fn steady_random_counts_raise_no_alarm() {
        // Many seeds, each a whole set of steady series: not one false alarm.
        for seed in 0..50 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let data = steady(&mut rng);
            let found = emerging(&as_series(&data));
            assert!(found.is_empty(), "seed {seed}: {found:?}");
        }
    }

    #[test]
    fn a_category_that_triples_in_a_week_is_flagged() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let mut data = steady(&mut rng);
        // "Delivery" ran at about 6 a week; this week it came up three times as often.
        let baseline: Vec<u64> = (0..12).map(|_| poisson(&mut rng, 6.0)).collect();
        let mean = baseline.iter().sum::<u64>() as f64 / 12.0;
        let tripled = (3.0 * mean).round() as u64;
        data.push(("Delivery".into(), baseline, tripled));
        let found = emerging(&as_series(&data));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "Delivery");
        assert!(
            found[0].ratio >= 2.9 && found[0].p_value < ALPHA / 61.0,
            "{found:?}"
        );
    }

    #[test]
    fn few_complaints_or_no_baseline_are_no_trend() {
        // From nothing to four: below the minimum count.
        let quiet = [Series {
            key: "new",
            baseline: &[0, 0, 0, 0],
            current: 4,
        }];
        assert!(emerging(&quiet).is_empty());
        // From nothing to twelve: a real rise.
        let burst = [Series {
            key: "new",
            baseline: &[0, 0, 0, 0],
            current: 12,
        }];
        assert_eq!(emerging(&burst)[0].key, "new");
        // Twice a high rate, well within its spread? 40 → 80 is far beyond chance; 40 → 60 is
        // below the ratio.
        let high = [
            Series {
                key: "a",
                baseline: &[40, 38, 42, 40],
                current: 80,
            },
            Series {
                key: "b",
                baseline: &[40, 38, 42, 40],
                current: 60,
            },
            Series {
                key: "c",
                baseline: &[],
                current: 100,
            },
        ];
        let found = emerging(&high);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "a");
        assert!(emerging(&[]).is_empty());
    }
}
