//! Scores with their uncertainty, as pure functions of counts (the rollups' histograms): NPS
//! with an adjusted-Wald interval, a proportion (CSAT's top-2-box) with a Wilson interval, a
//! mean (CSAT, CES) with a t interval; the change between two periods with a z test and its
//! p-value; and the sample below which a number says little.
//!
//! Every interval is 95 %, two-sided. Distributions come from `statrs`.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Below this many answers a score is shown as "too little data": the normal approximations
/// behind the intervals and the z tests want about 30 observations.
pub const MIN_SAMPLE: u64 = 30;

/// The significance level of a change: two-sided 5 %.
pub const ALPHA: f64 = 0.05;

/// The 97.5th percentile of the standard normal distribution.
const Z95: f64 = 1.959_963_984_540_054;

pub use shared::insight::{Change, Estimate, Interval};

/// A score from `n` answers; `enough` when `n` reaches [`MIN_SAMPLE`].
fn estimate(n: u64, value: Option<f64>, interval: Option<Interval>) -> Estimate {
    Estimate {
        value,
        interval,
        n,
        enough: n >= MIN_SAMPLE,
    }
}

/// An NPS question's answers by kind: 9–10 promoters, 7–8 passives, 0–6 detractors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NpsCounts {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

impl NpsCounts {
    /// From the histogram of scores 0 to 10.
    pub fn from_histogram(h: &[u64; 11]) -> Self {
        NpsCounts {
            detractors: h[..7].iter().sum(),
            passives: h[7..9].iter().sum(),
            promoters: h[9..].iter().sum(),
        }
    }

    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// The shares of promoters and detractors.
    fn shares(&self) -> (f64, f64) {
        let n = self.n() as f64;
        (self.promoters as f64 / n, self.detractors as f64 / n)
    }
}

/// NPS (−100 to 100) with its adjusted-Wald interval (Sauro & Lewis, "Quantifying the User
/// Experience", 2nd ed., ch. 5): add 3 to n and ¾ to the promoters and to the detractors, then
/// take the Wald interval of the difference of the two shares of one sample, whose variance is
/// (p + d − (p − d)²) / n. The value itself is the plain NPS.
pub fn nps(c: &NpsCounts) -> Estimate {
    let n = c.n();
    if n == 0 {
        return estimate(0, None, None);
    }
    let (p, d) = c.shares();
    let adjusted_n = n as f64 + 3.0;
    let pa = (c.promoters as f64 + 0.75) / adjusted_n;
    let da = (c.detractors as f64 + 0.75) / adjusted_n;
    let centre = pa - da;
    let half = Z95 * ((pa + da - centre * centre) / adjusted_n).sqrt();
    estimate(
        n,
        Some(100.0 * (p - d)),
        Some(Interval {
            low: 100.0 * (centre - half).max(-1.0),
            high: 100.0 * (centre + half).min(1.0),
        }),
    )
}

/// The share `k / n` (0 to 1) with its Wilson score interval.
pub fn proportion(k: u64, n: u64) -> Estimate {
    if n == 0 {
        return estimate(0, None, None);
    }
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    estimate(
        n,
        Some(p),
        Some(Interval {
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        }),
    )
}

/// The answers of a scale question as counts per score: `counts[i]` answers scored
/// `lowest + i` (CSAT 1–5, CES 1–7).
#[derive(Debug, Clone, Copy)]
pub struct Histogram<'a> {
    pub lowest: u8,
    pub counts: &'a [u64],
}

impl Histogram<'_> {
    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The mean and the sample variance (n − 1), `None` without answers.
    fn moments(&self) -> Option<(f64, f64)> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let scores = || {
            self.counts
                .iter()
                .enumerate()
                .map(|(i, &c)| (f64::from(self.lowest) + i as f64, c as f64))
        };
        let mean = scores().map(|(s, c)| s * c).sum::<f64>() / n as f64;
        let squares = scores().map(|(s, c)| c * (s - mean).powi(2)).sum::<f64>();
        let variance = if n > 1 { squares / (n - 1) as f64 } else { 0.0 };
        Some((mean, variance))
    }

    /// How many answers scored `at_least` or more (CSAT's top-2-box: 4 and 5).
    pub fn at_least(&self, at_least: u8) -> u64 {
        let from = usize::from(at_least.saturating_sub(self.lowest));
        self.counts.iter().skip(from).sum()
    }
}

/// The mean score with its t interval (Student's t with n − 1 degrees of freedom); one answer
/// has a mean but no interval.
pub fn mean(h: &Histogram<'_>) -> Estimate {
    let n = h.n();
    let Some((mean, variance)) = h.moments() else {
        return estimate(0, None, None);
    };
    let interval = (n > 1).then(|| {
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .map(|t| t.inverse_cdf(0.975))
            .unwrap_or(Z95);
        let half = t * (variance / n as f64).sqrt();
        Interval {
            low: mean - half,
            high: mean + half,
        }
    });
    estimate(n, Some(mean), interval)
}

fn change(delta: f64, standard_error: f64, n_before: u64, n_after: u64) -> Change {
    let z = if standard_error > 0.0 {
        delta / standard_error
    } else if delta == 0.0 {
        0.0
    } else {
        // No spread at all on either side, and still a difference: as far from chance as it gets.
        delta.signum() * f64::INFINITY
    };
    let normal = Normal::new(0.0, 1.0).expect("the standard normal distribution");
    let p_value = (2.0 * (1.0 - normal.cdf(z.abs()))).clamp(0.0, 1.0);
    Change {
        delta,
        z: z.is_finite().then_some(z),
        p_value,
        significant: p_value < ALPHA && n_before >= MIN_SAMPLE && n_after >= MIN_SAMPLE,
    }
}

/// The change of NPS between two independent periods: a z test of the difference, each
/// period's variance (p + d − (p − d)²) / n. `None` when a period has no answers.
pub fn nps_change(before: &NpsCounts, after: &NpsCounts) -> Option<Change> {
    if before.n() == 0 || after.n() == 0 {
        return None;
    }
    let variance = |c: &NpsCounts| {
        let (p, d) = c.shares();
        (p + d - (p - d).powi(2)) / c.n() as f64
    };
    let (pb, db) = before.shares();
    let (pa, da) = after.shares();
    let delta = 100.0 * ((pa - da) - (pb - db));
    let se = 100.0 * (variance(before) + variance(after)).sqrt();
    Some(change(delta, se, before.n(), after.n()))
}

/// The change of a share between two periods: the two-proportion z test, pooled.
pub fn proportion_change(
    k_before: u64,
    n_before: u64,
    k_after: u64,
    n_after: u64,
) -> Option<Change> {
    if n_before == 0 || n_after == 0 {
        return None;
    }
    let (nb, na) = (n_before as f64, n_after as f64);
    let pooled = (k_before + k_after) as f64 / (nb + na);
    let se = (pooled * (1.0 - pooled) * (1.0 / nb + 1.0 / na)).sqrt();
    let delta = k_after as f64 / na - k_before as f64 / nb;
    Some(change(delta, se, n_before, n_after))
}

/// The change of a mean score between two periods: a z test with each period's own variance
/// (Welch's statistic, read against the normal distribution, as the samples it is trusted on
/// have [`MIN_SAMPLE`] answers at least).
pub fn mean_change(before: &Histogram<'_>, after: &Histogram<'_>) -> Option<Change> {
    let (mb, vb) = before.moments()?;
    let (ma, va) = after.moments()?;
    let se = (vb / before.n() as f64 + va / after.n() as f64).sqrt();
    Some(change(ma - mb, se, before.n(), after.n()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tolerance: f64) -> bool {
        (got - want).abs() <= tolerance
    }

    fn counts(promoters: u64, passives: u64, detractors: u64) -> NpsCounts {
        NpsCounts {
            promoters,
            passives,
            detractors,
        }
    }

    #[test]
    fn nps_and_its_adjusted_wald_interval() {
        // Hand-computed: e.g. 50/30/20 → n' = 103, p' = 50.75/103, d' = 20.75/103,
        // p' − d' = 0.29126, var = (p' + d' − 0.29126²)/103 = 0.0059159, ± 1.95996 × 0.076915.
        for (c, value, low, high) in [
            (counts(50, 30, 20), 30.0, 14.0511, 44.2013),
            (counts(30, 40, 30), 0.0, -14.9227, 14.9227),
            (counts(120, 50, 30), 45.0, 34.1354, 54.5345),
            // All promoters: the interval stops at 100.
            (counts(10, 0, 0), 100.0, 47.5036, 100.0),
            // One answer: a value, and an interval that says how little it means.
            (counts(1, 0, 0), 100.0, -48.4986, 98.4986),
            (counts(0, 0, 1), -100.0, -98.4986, 48.4986),
        ] {
            let e = nps(&c);
            let i = e.interval.unwrap();
            assert!(close(e.value.unwrap(), value, 1e-9), "{c:?}: {e:?}");
            assert!(
                close(i.low, low, 1e-4) && close(i.high, high, 1e-4),
                "{c:?}: {e:?}"
            );
            assert_eq!(e.n, c.n());
        }
        let none = nps(&NpsCounts::default());
        assert_eq!(
            (none.value, none.interval, none.n, none.enough),
            (None, None, 0, false)
        );
        assert!(!nps(&counts(10, 10, 9)).enough);
        assert!(nps(&counts(10, 10, 10)).enough);
    }

    #[test]
    fn the_nps_histogram_is_read_by_kind() {
        let mut h = [0u64; 11];
        h[0] = 2;
        h[6] = 3;
        h[7] = 4;
        h[8] = 1;
        h[9] = 5;
        h[10] = 6;
        assert_eq!(NpsCounts::from_histogram(&h), counts(11, 5, 5));
    }

    #[test]
    fn wilson_intervals_match_newcombe_1998() {
        // Newcombe, "Two-sided confidence intervals for the single proportion", Statistics in
        // Medicine 17 (1998), table I, method 3.
        for (k, n, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
            // Hand-computed boundaries: every answer, and a single one.
            (29, 29, 0.8830, 1.0),
            (1, 1, 0.2065, 1.0),
        ] {
            let e = proportion(k, n);
            let i = e.interval.unwrap();
            assert!(close(e.value.unwrap(), k as f64 / n as f64, 1e-12));
            assert!(
                close(i.low, low, 5e-5) && close(i.high, high, 5e-5),
                "{k}/{n}: {i:?}"
            );
        }
        assert_eq!(proportion(0, 0).value, None);
    }

    #[test]
    fn a_mean_has_a_t_interval() {
        // CES answers 3, 4, 4, 5, 5, 5, 6, 6, 7, 7: mean 5.2, s = 1.316561,
        // t(0.975, 9) = 2.262157 → 5.2 ± 0.941817.
        let ces = Histogram {
            lowest: 1,
            counts: &[0, 0, 1, 2, 3, 2, 2],
        };
        let e = mean(&ces);
        let i = e.interval.unwrap();
        assert!(close(e.value.unwrap(), 5.2, 1e-12));
        assert!(
            close(i.low, 4.2582, 1e-4) && close(i.high, 6.1418, 1e-4),
            "{i:?}"
        );
        assert_eq!(ces.at_least(6), 4);
        assert_eq!(ces.at_least(1), 10);
        let one = mean(&Histogram {
            lowest: 1,
            counts: &[0, 0, 0, 1, 0],
        });
        assert_eq!((one.value, one.interval), (Some(4.0), None));
        let none = mean(&Histogram {
            lowest: 1,
            counts: &[0; 5],
        });
        assert_eq!(none.value, None);
        // Every answer the same: no spread, an interval of width 0.
        let same = mean(&Histogram {
            lowest: 1,
            counts: &[0, 0, 0, 0, 40],
        });
        assert_eq!(
            same.interval,
            Some(Interval {
                low: 5.0,
                high: 5.0
            })
        );
    }

    #[test]
    fn changes_are_tested_and_only_significant_ones_say_so() {
        // Two proportions, pooled: 45/100 → 60/100, z = 0.15 / 0.070622 = 2.1240, p = 0.0337.
        let c = proportion_change(45, 100, 60, 100).unwrap();
        assert!(close(c.delta, 0.15, 1e-12));
        assert!(
            close(c.z.unwrap(), 2.1240, 1e-4) && close(c.p_value, 0.03367, 1e-5),
            "{c:?}"
        );
        assert!(c.significant);
        // NPS 30 → 10 on 100 answers each: var 0.0061 + 0.0069, z = −1.7541, p = 0.0794.
        let c = nps_change(&counts(50, 30, 20), &counts(40, 30, 30)).unwrap();
        assert!(close(c.delta, -20.0, 1e-9));
        assert!(
            close(c.z.unwrap(), -1.7541, 1e-4) && close(c.p_value, 0.07941, 1e-5),
            "{c:?}"
        );
        assert!(
            !c.significant,
            "20 points on 100 answers each can be chance"
        );
        // The same shares on ten times the answers: z = −5.547.
        let c = nps_change(&counts(500, 300, 200), &counts(400, 300, 300)).unwrap();
        assert!(close(c.z.unwrap(), -5.5470, 1e-4) && c.p_value < 1e-7 && c.significant);
        // Means, Welch: 5.2 → 4.3, z = −1.4290, p = 0.1530.
        let before = Histogram {
            lowest: 1,
            counts: &[0, 0, 1, 2, 3, 2, 2],
        };
        let after = Histogram {
            lowest: 1,
            counts: &[0, 1, 2, 3, 2, 1, 1],
        };
        let c = mean_change(&before, &after).unwrap();
        assert!(close(c.delta, -0.9, 1e-12));
        assert!(
            close(c.z.unwrap(), -1.4290, 1e-4) && close(c.p_value, 0.15301, 1e-5),
            "{c:?}"
        );
        assert!(!c.significant);
        // Boundaries: a period without answers, nothing moved, and a move with no spread at
        // all (every promoter before, every detractor after) on too few answers to trust.
        assert_eq!(nps_change(&NpsCounts::default(), &counts(1, 0, 0)), None);
        assert_eq!(proportion_change(1, 0, 1, 1), None);
        let still = nps_change(&counts(10, 0, 0), &counts(10, 0, 0)).unwrap();
        assert_eq!(
            (still.z, still.p_value, still.significant),
            (Some(0.0), 1.0, false)
        );
        let flipped = nps_change(&counts(5, 0, 0), &counts(0, 0, 5)).unwrap();
        assert_eq!(flipped.p_value, 0.0);
        assert!(
            !flipped.significant,
            "5 answers a period are too few to call"
        );
        let flipped = nps_change(&counts(40, 0, 0), &counts(0, 0, 40)).unwrap();
        assert!(flipped.significant);
    }
}
