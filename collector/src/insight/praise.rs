//! Celebrating what goes well: the praise feed (what promoters wrote, and any written answer
//! whose sentiment is positive) and shout-outs for the agents whose customers rated their
//! resolutions highly. Pure: the handler reads the answers and the complaint report.

use super::sentiment::{sentiment, Label};
use crate::clock::{rfc3339, Millis};
use crate::store::StoredResponse;
use shared::insight::{ComplaintGroup, Praise, ShoutOut};
use shared::Answer;

/// An NPS answer at or above this is a promoter's.
const PROMOTER: u8 = 9;

/// Shout-outs need at least this many rated resolutions and this mean CSAT (of 5).
pub const SHOUT_OUT_RATINGS: u64 = 2;
pub const SHOUT_OUT_CSAT: f64 = 4.0;

/// The praise among `responses` (newest first) received at or after `since`: each written
/// answer of a promoter, or whose sentiment is positive, newest first, at most `limit`.
pub fn praise(responses: &[StoredResponse], since: Millis, limit: usize) -> Vec<Praise> {
    let mut out = Vec::new();
    for r in responses.iter().filter(|r| r.received_at >= since) {
        let nps = r.answers.iter().find_map(|a| match a {
            Answer::Nps { score, .. } => Some(score.get()),
            _ => None,
        });
        for a in &r.answers {
            if out.len() >= limit {
                return out;
            }
            let Answer::Text { text, .. } = a else {
                continue;
            };
            let s = sentiment(text, r.enrichment.locale.as_deref());
            let positive = s.is_some_and(|s| s.sentiment_label == Label::Positive);
            let promoter = nps.is_some_and(|n| n >= PROMOTER);
            // A promoter's complaint in words is not praise.
            let negative = s.is_some_and(|s| s.sentiment_label == Label::Negative);
            if (positive || promoter) && !negative {
                out.push(Praise {
                    response_id: r.id.to_string(),
                    received_at: rfc3339(r.received_at),
                    survey: r.survey_key.clone(),
                    text: text.clone(),
                    nps,
                    sentiment: s.map(|s| s.sentiment),
                });
            }
        }
    }
    out
}

/// The agents whose rated resolutions average at least [`SHOUT_OUT_CSAT`] over at least
/// [`SHOUT_OUT_RATINGS`] ratings, best first.
pub fn shout_outs(groups: &[ComplaintGroup]) -> Vec<ShoutOut> {
    let mut out: Vec<ShoutOut> = groups
        .iter()
        .filter(|g| g.by == "agent" && g.key != "unassigned")
        .filter_map(|g| {
            let csat = g.csat.value?;
            (g.csat.n >= SHOUT_OUT_RATINGS && csat >= SHOUT_OUT_CSAT).then(|| ShoutOut {
                agent: g.key.clone(),
                ratings: g.csat.n,
                csat,
                resolved: g.resolved,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.csat
            .total_cmp(&a.csat)
            .then(b.ratings.cmp(&a.ratings))
            .then(a.agent.cmp(&b.agent))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::insight::{Estimate, Minutes};

    fn response(at: Millis, nps: Option<u8>, text: &str, locale: &str) -> StoredResponse {
        let mut answers =
            vec![serde_json::json!({"type": "text", "question_id": "why", "text": text})];
        if let Some(n) = nps {
            answers.insert(
                0,
                serde_json::json!({"type": "nps", "question_id": "q1", "score": n}),
            );
        }
        StoredResponse {
            id: shared::ResponseId::parse("0190a0c2-7b6e-7d3f-9a55-3c1f2e4d5a6b").unwrap(),
            survey_key: "nps".into(),
            answers: serde_json::from_value(serde_json::Value::Array(answers)).unwrap(),
            page_url: None,
            received_at: at,
            enrichment: crate::store::Enrichment {
                locale: Some(locale.into()),
                ..Default::default()
            },
            survey_version: None,
        }
    }

    #[test]
    fn promoters_and_happy_words_are_praise_and_complaints_are_not() {
        let feed = praise(
            &[
                response(50, Some(10), "Fast delivery, lovely beans", "en"),
                response(40, Some(3), "Great coffee", "en"),
                response(30, Some(10), "The parcel was broken and I am angry", "en"),
                response(20, None, "Der Service war sehr gut", "de-DE"),
                response(10, Some(9), "ok", "ja"),
                response(5, Some(10), "Too old to show", "en"),
                response(30, Some(2), "Awful", "en"),
            ],
            10,
            10,
        );
        let texts: Vec<&str> = feed.iter().map(|p| p.text.as_str()).collect();
        // A detractor's happy words are praise; a promoter's angry words are not; a promoter's
        // words in a language without a lexicon are.
        assert_eq!(
            texts,
            [
                "Fast delivery, lovely beans",
                "Great coffee",
                "Der Service war sehr gut",
                "ok"
            ]
        );
        assert_eq!(feed[0].nps, Some(10));
        assert!(feed[2].sentiment.unwrap() > 0.0);
        assert_eq!(feed[3].sentiment, None);
        assert_eq!(
            praise(&[response(50, Some(10), "Nice", "en")], 0, 0).len(),
            0
        );
    }

    fn agent(key: &str, csat: Option<f64>, n: u64) -> ComplaintGroup {
        let none = Minutes {
            n: 0,
            median: None,
            p90: None,
        };
        let estimate = |value, n| Estimate {
            value,
            interval: None,
            n,
            enough: false,
        };
        ComplaintGroup {
            by: "agent".into(),
            key: key.into(),
            received: n,
            resolved: n,
            first_response: none.clone(),
            resolution: none,
            sla_met: estimate(None, 0),
            reopened: estimate(None, 0),
            csat: estimate(csat, n),
            ces: estimate(None, 0),
        }
    }

    #[test]
    fn agents_with_high_ratings_get_a_shout_out_best_first() {
        let shouts = shout_outs(&[
            agent("ann@shop.test", Some(4.5), 4),
            agent("bob@shop.test", Some(5.0), 2),
            agent("cy@shop.test", Some(5.0), 1),
            agent("dee@shop.test", Some(3.0), 9),
            agent("unassigned", Some(5.0), 5),
            agent("eve@shop.test", None, 0),
        ]);
        let who: Vec<&str> = shouts.iter().map(|s| s.agent.as_str()).collect();
        assert_eq!(who, ["bob@shop.test", "ann@shop.test"]);
    }
}
