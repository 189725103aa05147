//! Scoring: pure functions over answers.

use crate::answer::NpsScore;
use serde::{Deserialize, Serialize};

/// The Net Promoter Score of a set of answers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// Percent promoters minus percent detractors, from -100 to 100.
    pub score: f64,
}

/// Scores 9–10 promote, 7–8 are passive, 0–6 detract. `None` when there are no answers.
pub fn nps(scores: impl IntoIterator<Item = NpsScore>) -> Option<Nps> {
    let (mut promoters, mut passives, mut detractors) = (0u64, 0u64, 0u64);
    for s in scores {
        match s.get() {
            9..=10 => promoters += 1,
            7..=8 => passives += 1,
            _ => detractors += 1,
        }
    }
    let total = promoters + passives + detractors;
    (total > 0).then(|| Nps {
        promoters,
        passives,
        detractors,
        score: (promoters as f64 - detractors as f64) * 100.0 / total as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_table() {
        let cases: &[(&[i64], Option<f64>)] = &[
            (&[], None),
            (&[10], Some(100.0)),
            (&[0], Some(-100.0)),
            (&[7, 8], Some(0.0)),
            (&[9, 6], Some(0.0)),
            (&[9, 9, 9, 7, 3], Some(40.0)),
            (&[6, 6, 6, 10], Some(-50.0)),
        ];
        for (input, expected) in cases {
            let got = nps(input.iter().map(|&s| NpsScore::new(s).unwrap())).map(|n| n.score);
            assert_eq!(got, *expected, "{input:?}");
        }
    }

    #[test]
    fn nps_counts_each_group() {
        let n = nps([0, 6, 7, 8, 9, 10].map(|s| NpsScore::new(s).unwrap())).unwrap();
        assert_eq!((n.promoters, n.passives, n.detractors), (2, 2, 2));
    }
}
