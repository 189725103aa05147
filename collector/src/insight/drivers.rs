//! Drivers: which segments pull a score down or up. For each segment value, its score, the
//! score of everyone else (all answers minus the segment's, from the same histograms), the
//! difference with its z test, and the points the whole score would gain if the segment scored
//! like everyone else (its share × the gap). Ranked by that gain, so that what to fix first
//! comes first; a difference that is not significant gains nothing.

use super::overview::Scale;
use shared::insight::Driver;

/// One segment's histogram, as the rollups give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentHistogram {
    pub dimension: String,
    pub value: String,
    pub histogram: Vec<u64>,
}

/// The drivers of a question's score, most to gain first. `all` is the histogram of every
/// answer in the period; a segment with every answer (nothing to compare with) is left out.
pub fn drivers(scale: &Scale, all: &[u64], segments: &[SegmentHistogram]) -> Vec<Driver> {
    let total: u64 = all.iter().sum();
    let mut out: Vec<Driver> = segments
        .iter()
        .filter_map(|s| {
            let n: u64 = s.histogram.iter().sum();
            if n == 0 || n >= total {
                return None;
            }
            let rest: Vec<u64> = all
                .iter()
                .zip(s.histogram.iter().chain(std::iter::repeat(&0)))
                .map(|(a, b)| a.saturating_sub(*b))
                .collect();
            let with = scale.score(&s.histogram);
            let without = scale.score(&rest);
            let impact = scale.change(&rest, &s.histogram);
            let share = n as f64 / total as f64;
            let gain = match (&impact, without.value, with.value) {
                (Some(c), Some(w), Some(v)) if c.significant => share * (w - v),
                _ => 0.0,
            };
            Some(Driver {
                dimension: s.dimension.clone(),
                value: s.value.clone(),
                n,
                share,
                with,
                without,
                impact,
                gain,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.gain
            .total_cmp(&a.gain)
            .then(b.n.cmp(&a.n))
            .then(a.dimension.cmp(&b.dimension))
            .then(a.value.cmp(&b.value))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::insight::ScoreKind;

    const NPS: Scale = Scale {
        kind: ScoreKind::Nps,
        lowest: 0,
        highest: 10,
    };

    /// A histogram of `p` promoters (10), `q` passives (8) and `d` detractors (0).
    fn h(p: u64, q: u64, d: u64) -> Vec<u64> {
        let mut h = vec![0; 11];
        h[10] = p;
        h[8] = q;
        h[0] = d;
        h
    }

    fn segment(dimension: &str, value: &str, histogram: Vec<u64>) -> SegmentHistogram {
        SegmentHistogram {
            dimension: dimension.into(),
            value: value.into(),
            histogram,
        }
    }

    #[test]
    fn the_segment_that_costs_most_comes_first_and_chance_costs_nothing() {
        // Phones: 100 answers, NPS −40; desktops: 300 answers, NPS +40. Everyone: +20.
        let phones = h(20, 20, 60);
        let desktops = h(180, 60, 60);
        let all: Vec<u64> = phones.iter().zip(&desktops).map(|(a, b)| a + b).collect();
        // A locale that is like everyone else: no gain, whatever its size.
        let german = h(50, 25, 25);
        let d = drivers(
            &NPS,
            &all,
            &[
                segment("device", "desktop", desktops),
                segment("locale", "de", german),
                segment("device", "mobile", phones),
                segment("browser", "All", all.clone()),
            ],
        );
        assert_eq!(
            d.len(),
            3,
            "a segment of every answer has nothing to compare with"
        );
        let first = &d[0];
        assert_eq!(
            (first.dimension.as_str(), first.value.as_str()),
            ("device", "mobile")
        );
        assert_eq!(first.with.value, Some(-40.0));
        assert_eq!(first.without.value, Some(40.0));
        let impact = first.impact.unwrap();
        assert_eq!(impact.delta, -80.0);
        assert!(impact.significant);
        // A quarter of the answers, 80 points below the rest: 20 points to gain.
        assert!((first.gain - 20.0).abs() < 1e-9, "{}", first.gain);
        assert!((first.share - 0.25).abs() < 1e-12);
        // Desktops pull the score up: nothing to gain from them.
        let desktop = d.iter().find(|x| x.value == "desktop").unwrap();
        assert!(desktop.gain < 0.0);
        let german = d.iter().find(|x| x.value == "de").unwrap();
        assert_eq!(german.gain, 0.0, "{german:?}");
        assert!(!german.impact.unwrap().significant);
        assert_eq!(d.last().unwrap().value, "desktop");
    }

    #[test]
    fn no_answers_no_drivers() {
        assert!(drivers(&NPS, &[0; 11], &[segment("device", "mobile", vec![0; 11])]).is_empty());
        assert!(drivers(&NPS, &h(1, 0, 0), &[]).is_empty());
    }
}
