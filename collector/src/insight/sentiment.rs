//! The sentiment of free text, on the box: a score from −1 (negative) to 1 (positive) and a
//! label, in the language the text was written in. English is scored by VADER (Hutto & Gilbert,
//! ICWSM-14), through `vader-parity`, which carries VADER 3.3.2's own lexicon (MIT licence, C.J.
//! Hutto) and matches the Python reference exactly: negation ("not good"), intensifiers ("very",
//! "extremely", capitals, "!") and a contrastive "but" are handled. German, French, Spanish and
//! Portuguese are scored by the same rules over lexicons of their own (`lexicon`). A language
//! without a lexicon here gets no score at all (`None`, shown as `null`): never a guess.
//!
//! The language is the respondent's (the locale ingest recorded from the browser).

use serde::Serialize;
use shared::Answer;
use std::sync::LazyLock;
use vader_parity::SentimentIntensityAnalyzer;

/// VADER's data, parsed once per process.
static VADER: LazyLock<SentimentIntensityAnalyzer> = LazyLock::new(SentimentIntensityAnalyzer::new);

/// VADER's own cut-offs on its compound score: at or above 0.05 positive, at or below −0.05
/// negative, neutral between.
pub const THRESHOLD: f64 = 0.05;

/// The label of a score, as the wire says it.
pub use shared::api::SentimentLabel as Label;

/// A text's sentiment, with the field names of the contract (`sentiment`, `sentiment_label`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    pub sentiment: f64,
    pub sentiment_label: Label,
}

/// The languages with a lexicon here.
pub const LANGS: [&str; 5] = ["en", "de", "fr", "es", "pt"];

/// The sentiment of `text` written in `lang` (a language tag such as `en-GB`), `None` where
/// the language is unknown or has no lexicon.
pub fn sentiment(text: &str, lang: Option<&str>) -> Option<Sentiment> {
    let primary = lang?.split(['-', '_']).next()?.to_ascii_lowercase();
    let score = match primary.as_str() {
        "en" => VADER.polarity_scores(text).compound,
        other => super::lexicon::language(other)?.compound(text),
    };
    Some(Sentiment {
        sentiment: score,
        sentiment_label: label(score),
    })
}

pub fn label(score: f64) -> Label {
    if score >= THRESHOLD {
        Label::Positive
    } else if score <= -THRESHOLD {
        Label::Negative
    } else {
        Label::Neutral
    }
}

/// `answers` as JSON, each free-text answer (and a choice's "Other" text) with `sentiment`
/// and `sentiment_label`, both `null` where the language has no lexicon.
pub fn annotated(answers: &[Answer], lang: Option<&str>) -> serde_json::Value {
    let annotated = answers
        .iter()
        .map(|answer| {
            let mut value = serde_json::to_value(answer).unwrap_or_default();
            let text = match answer {
                Answer::Text { text, .. } => Some(text.as_str()),
                Answer::Choice {
                    other: Some(other), ..
                } => Some(other.as_str()),
                _ => None,
            };
            if let (Some(text), Some(fields)) = (text, value.as_object_mut()) {
                let s = sentiment(text, lang);
                fields.insert("sentiment".into(), s.map(|s| s.sentiment).into());
                fields.insert(
                    "sentiment_label".into(),
                    serde_json::to_value(s.map(|s| s.sentiment_label)).unwrap_or_default(),
                );
            }
            value
        })
        .collect();
    serde_json::Value::Array(annotated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::QuestionId;

    fn scored(text: &str) -> (f64, Label) {
        let s = sentiment(text, Some("en-US")).unwrap();
        (s.sentiment, s.sentiment_label)
    }

    #[test]
    fn english_handles_negation_intensifiers_and_but() {
        // The compound scores of the Python reference, vaderSentiment 3.3.2, for each text.
        for (text, score, want) in [
            ("The delivery was good", 0.4404, Label::Positive),
            ("The delivery was not good", -0.3412, Label::Negative),
            ("The delivery was very good", 0.4927, Label::Positive),
            ("The delivery was VERY good!!", 0.6715, Label::Positive),
            // "but": what follows weighs more than what comes before.
            (
                "The parcel was late, but the staff were great",
                0.7684,
                Label::Positive,
            ),
            ("The parcel arrived", 0.0, Label::Neutral),
            ("I was charged twice", -0.2023, Label::Negative),
            ("Terrible, I want a refund", -0.4215, Label::Negative),
        ] {
            assert_eq!(scored(text), (score, want), "{text}");
        }
    }

    #[test]
    fn a_language_without_a_lexicon_gets_null_not_a_guess() {
        assert_eq!(sentiment("Dat was slecht", Some("nl-NL")), None);
        assert_eq!(sentiment("ひどい", Some("ja")), None);
        assert!(sentiment("Das war schlecht", Some("de-DE")).is_some());
        assert_eq!(sentiment("good", None), None);
        assert_eq!(sentiment("good", Some("")), None);
        assert!(sentiment("good", Some("EN")).is_some());
    }

    #[test]
    fn labels_follow_vaders_thresholds() {
        for (score, want) in [
            (0.05, Label::Positive),
            (0.0499, Label::Neutral),
            (-0.0499, Label::Neutral),
            (-0.05, Label::Negative),
            (1.0, Label::Positive),
            (-1.0, Label::Negative),
        ] {
            assert_eq!(label(score), want, "{score}");
        }
    }

    #[test]
    fn only_free_text_is_annotated() {
        let id = |s: &str| QuestionId::parse(s).unwrap();
        let answers = [
            Answer::Csat {
                question_id: id("csat"),
                score: 2,
            },
            Answer::Text {
                question_id: id("why"),
                text: "Awful delivery".into(),
            },
            Answer::Choice {
                question_id: id("what"),
                selected: vec![1],
                other: None,
            },
        ];
        let json = annotated(&answers, Some("en"));
        assert!(json[0].get("sentiment").is_none());
        assert_eq!(json[1]["sentiment_label"], "negative");
        assert!(json[1]["sentiment"].as_f64().unwrap() < -0.05);
        assert!(json[2].get("sentiment").is_none());
        let dutch = annotated(&answers, Some("nl"));
        assert_eq!(dutch[1]["sentiment"], serde_json::Value::Null);
        assert_eq!(dutch[1]["sentiment_label"], serde_json::Value::Null);
        assert!(dutch[1].as_object().unwrap().contains_key("sentiment"));
    }
}
