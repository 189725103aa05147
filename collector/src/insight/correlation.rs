//! How each question of a multi-question survey moves with its NPS (or CSAT) question: Pearson's
//! r over the responses that answered both, with its 95 % interval by Fisher's z
//! (atanh r ± 1.96 / sqrt(n − 3)), so that an admin sees which part of the experience goes with
//! the score. A correlation, not a cause; the dashboard says so.
//!
//! Pure: the handler reads the responses.

use shared::insight::Interval;

/// The fewest pairs a correlation is given for.
pub const MIN_PAIRS: usize = 10;

/// Pearson's r of the pairs, with its interval; `None` under [`MIN_PAIRS`] pairs or when either
/// side never varies.
pub fn pearson(pairs: &[(f64, f64)]) -> Option<(f64, Interval)> {
    let n = pairs.len();
    if n < MIN_PAIRS {
        return None;
    }
    let nf = n as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    let r = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
    // Fisher's z; at |r| = 1 the interval is the point.
    let interval = if r.abs() >= 1.0 {
        Interval { low: r, high: r }
    } else {
        let z = r.atanh();
        let half = 1.959_963_984_540_054 / (nf - 3.0).sqrt();
        Interval {
            low: (z - half).tanh(),
            high: (z + half).tanh(),
        }
    };
    Some((r, interval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_r_and_its_fisher_interval() {
        // A perfect line, rising and falling.
        let up: Vec<(f64, f64)> = (0..12)
            .map(|i| (f64::from(i), 2.0 * f64::from(i) + 1.0))
            .collect();
        assert_eq!(pearson(&up).unwrap().0, 1.0);
        let down: Vec<(f64, f64)> = (0..12).map(|i| (f64::from(i), -f64::from(i))).collect();
        assert_eq!(pearson(&down).unwrap().0, -1.0);
        // Hand-computed: x = 1..10, y = 2, 1, 4, 3, 6, 5, 8, 7, 10, 9 → sxy = 77.5, sxx = syy =
        // 82.5, r = 77.5 / 82.5 = 0.93939; z = atanh r = 1.7346; ± 1.96 / sqrt 7 = 0.74081.
        let pairs: Vec<(f64, f64)> = (1..=10)
            .map(|i| {
                (
                    f64::from(i),
                    f64::from(if i % 2 == 0 { i - 1 } else { i + 1 }),
                )
            })
            .collect();
        let (r, i) = pearson(&pairs).unwrap();
        assert!((r - 77.5 / 82.5).abs() < 1e-12, "{r}");
        let z = r.atanh();
        assert!((i.low - (z - 0.740_81).tanh()).abs() < 1e-4, "{i:?}");
        assert!((i.high - (z + 0.740_81).tanh()).abs() < 1e-4, "{i:?}");
        assert!(i.low < r && r < i.high && i.high < 1.0);
        // Too few pairs, or no variance: nothing.
        assert!(pearson(&pairs[..9]).is_none());
        assert!(pearson(&[(1.0, 3.0); 12]).is_none());
    }
}
