//! Topics of the written answers, on the box: each answer's key phrases (YAKE, with the stop
//! words of English, German, French, Spanish and Portuguese; answers in other languages are read
//! without stop words), and the words that recur in them across answers as topics.
//!
//! - A topic is one word, lower-case and singular ("deliveries" → "delivery"): the phrases
//!   "slow delivery" and "late delivery" are one topic with two phrases.
//! - A word is a candidate when it is in the key phrases of at least [`MIN_MENTIONS`] answers;
//!   its answers are then every answer that mentions it (`mentions`), so that the topic's count
//!   is what the responses explorer's `topic=` filter finds.
//! - Candidates are taken most mentioned first; one whose answers are mostly
//!   ([`OVERLAP`]) those of a topic taken already is the same topic in other words and is
//!   left out ("slow" beside "delivery" when every slow thing was a delivery).
//!
//! Pure: the handler reads the answers; `drivers` and `emerging` do the statistics.

use super::drivers::{drivers, SegmentHistogram};
use super::emerging::{emerging, Series};
use super::overview::Scale;
use super::sentiment::{sentiment, Label};
use crate::clock::{rfc3339, Millis};
use shared::insight::{Phrase, ScoreKind, Topic, TopicExample};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use yake_rust::{Config, StopWords};

/// A word must be in the key phrases of at least this many answers to be a topic.
pub const MIN_MENTIONS: u64 = 3;

/// A candidate whose answers are at least this share of one topic's is that topic.
pub const OVERLAP: f64 = 0.7;

/// The most topics listed.
pub const MAX_TOPICS: usize = 20;

/// Key phrases taken from one answer.
pub const PHRASES_PER_ANSWER: usize = 3;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One written answer, as the topics read it.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    pub response_id: &'a str,
    pub received_at: Millis,
    pub text: &'a str,
    /// The respondent's locale (`de-DE`), for the stop words and the sentiment.
    pub locale: Option<&'a str>,
    /// The response's NPS answer.
    pub nps: Option<u8>,
}

/// The languages with stop words.
const LANGUAGES: [&str; 5] = ["en", "de", "fr", "es", "pt"];

fn stop_words(locale: Option<&str>) -> &'static StopWords {
    static WORDS: OnceLock<Vec<StopWords>> = OnceLock::new();
    static NONE: OnceLock<StopWords> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        LANGUAGES
            .iter()
            .map(|l| StopWords::predefined(l).unwrap_or_default())
            .collect()
    });
    let language = locale
        .and_then(|l| l.split(['-', '_']).next())
        .map(str::to_ascii_lowercase);
    match LANGUAGES
        .iter()
        .position(|l| Some(*l) == language.as_deref())
    {
        Some(i) => &words[i],
        None => NONE.get_or_init(StopWords::default),
    }
}

/// An answer's key phrases, most important first (at most [`PHRASES_PER_ANSWER`]), lower-case.
pub fn key_phrases(text: &str, locale: Option<&str>) -> Vec<String> {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    let config = CONFIG.get_or_init(|| Config {
        ngrams: 3,
        ..Config::default()
    });
    yake_rust::get_n_best(PHRASES_PER_ANSWER, text, stop_words(locale), config)
        .into_iter()
        .map(|k| k.keyword)
        .collect()
}

/// A word as topics compare it: lower-case, and singular by dropping a plural `s` ("orders" →
/// "order", "deliveries" → "delivery", not "address" → "addres").
pub fn normalize(word: &str) -> String {
    let lower = word.to_lowercase();
    let long = lower.chars().count() > 3;
    if let Some(stem) = lower.strip_suffix("ies").filter(|s| s.chars().count() > 2) {
        return format!("{stem}y");
    }
    match lower.strip_suffix('s') {
        Some(stem) if long && !stem.ends_with('s') && !stem.ends_with('u') => stem.to_owned(),
        _ => lower,
    }
}

/// The words of a text, normalized.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(normalize)
}

/// Whether a text mentions a topic's word.
pub fn mentions(text: &str, term: &str) -> bool {
    let term = normalize(term);
    words(text).any(|w| w == term)
}

/// Whether a text contains `needle` (compared in lower case): the explorer's search.
pub fn contains(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(&needle.to_lowercase())
}

/// The topics of `texts` (newest first), most mentioned first. `today` is the period's last UTC
/// day (`rollup::day`), `days` its length: a topic's last seven days are read against the
/// weeks before them in the period when there are two or more.
pub fn topics(texts: &[Text<'_>], today: i64, days: i64) -> Vec<Topic> {
    // Each answer's key phrases and the candidate words in them.
    let mut phrases_of: Vec<Vec<String>> = Vec::with_capacity(texts.len());
    let mut candidates: HashMap<String, u64> = HashMap::new();
    for t in texts {
        let stop = stop_words(t.locale);
        let phrases = key_phrases(t.text, t.locale);
        let mut seen = HashSet::new();
        for phrase in &phrases {
            for word in phrase.split(' ') {
                if word.chars().count() < 3
                    || stop.contains(word)
                    || word.chars().all(|c| c.is_numeric())
                {
                    continue;
                }
                let word = normalize(word);
                if seen.insert(word.clone()) {
                    *candidates.entry(word).or_default() += 1;
                }
            }
        }
        phrases_of.push(phrases);
    }
    let mut ranked: Vec<(String, Vec<usize>, u64)> = candidates
        .into_iter()
        .filter(|(_, n)| *n >= MIN_MENTIONS)
        .map(|(term, n)| {
            let members = (0..texts.len())
                .filter(|&i| words(texts[i].text).any(|w| w == term))
                .collect();
            (term, members, n)
        })
        .collect();
    // The most answers first; among words of the same answers ("the delivery was late
    // again"), the one most often in their key phrases, then the longer (more specific) one.
    ranked.sort_by(|a, b| {
        (b.1.len().cmp(&a.1.len()))
            .then(b.2.cmp(&a.2))
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(&b.0))
    });

    let mut chosen: Vec<(String, Vec<usize>)> = Vec::new();
    for (term, members, _) in ranked {
        if chosen.len() == MAX_TOPICS {
            break;
        }
        let same = chosen.iter().any(|(_, taken)| {
            let shared = members
                .iter()
                .filter(|i| taken.binary_search(i).is_ok())
                .count();
            shared as f64 >= OVERLAP * members.len() as f64
        });
        if !same {
            chosen.push((term, members));
        }
    }

    let nps_scale = Scale {
        kind: ScoreKind::Nps,
        lowest: 0,
        highest: 10,
    };
    let mut all_nps = vec![0u64; 11];
    for t in texts {
        if let Some(s) = t.nps.filter(|s| *s <= 10) {
            all_nps[usize::from(s)] += 1;
        }
    }
    let weeks = ((days - 7) / 7).max(0) as usize;
    chosen
        .into_iter()
        .map(|(term, members)| {
            topic(
                texts,
                &phrases_of,
                term,
                &members,
                (&nps_scale, &all_nps),
                today,
                weeks,
            )
        })
        .collect()
}

/// One topic's numbers.
fn topic(
    texts: &[Text<'_>],
    phrases_of: &[Vec<String>],
    term: String,
    members: &[usize],
    (scale, all_nps): (&Scale, &[u64]),
    today: i64,
    weeks: usize,
) -> Topic {
    let mut phrases: HashMap<&str, u64> = HashMap::new();
    let mut nps = vec![0u64; 11];
    let (mut sum, mut scored, mut negative) = (0.0, 0u64, 0u64);
    let mut baseline = vec![0u64; weeks];
    let mut current = 0u64;
    for &i in members {
        let t = &texts[i];
        for p in &phrases_of[i] {
            if p.split(' ').any(|w| normalize(w) == term) {
                *phrases.entry(p.as_str()).or_default() += 1;
            }
        }
        if let Some(s) = t.nps.filter(|s| *s <= 10) {
            nps[usize::from(s)] += 1;
        }
        if let Some(s) = sentiment(t.text, t.locale) {
            sum += s.sentiment;
            scored += 1;
            negative += u64::from(s.sentiment_label == Label::Negative);
        }
        let age = today - t.received_at.div_euclid(DAY_MS);
        if (0..7).contains(&age) {
            current += 1;
        } else if age >= 7 {
            let week = ((age - 7) / 7) as usize;
            if week < weeks {
                baseline[weeks - 1 - week] += 1;
            }
        }
    }
    let mut phrases: Vec<Phrase> = phrases
        .into_iter()
        .map(|(phrase, n)| Phrase {
            phrase: phrase.to_owned(),
            n,
        })
        .collect();
    phrases.sort_by(|a, b| b.n.cmp(&a.n).then(a.phrase.cmp(&b.phrase)));
    phrases.truncate(5);
    let driver = drivers(
        scale,
        all_nps,
        &[SegmentHistogram {
            dimension: "topic".into(),
            value: term.clone(),
            histogram: nps,
        }],
    )
    .pop();
    let emerging = if weeks >= 2 {
        emerging(&[Series {
            key: &term,
            baseline: &baseline,
            current,
        }])
        .pop()
    } else {
        None
    };
    let n = members.len() as u64;
    Topic {
        examples: members
            .iter()
            .take(3)
            .map(|&i| TopicExample {
                response_id: texts[i].response_id.to_owned(),
                received_at: rfc3339(texts[i].received_at),
                text: texts[i].text.to_owned(),
            })
            .collect(),
        term,
        phrases,
        n,
        share: if texts.is_empty() {
            0.0
        } else {
            n as f64 / texts.len() as f64
        },
        sentiment: (scored > 0).then(|| sum / scored as f64),
        negative: if scored == 0 {
            0.0
        } else {
            negative as f64 / scored as f64
        },
        nps: driver,
        emerging,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(text: &'a str, day: i64, nps: Option<u8>) -> Text<'a> {
        Text {
            response_id: "r",
            received_at: day * DAY_MS + 1,
            text,
            locale: Some("en-US"),
            nps,
        }
    }

    #[test]
    fn words_are_compared_lower_case_and_singular() {
        assert_eq!(normalize("Deliveries"), "delivery");
        assert_eq!(normalize("Orders"), "order");
        assert_eq!(normalize("address"), "address");
        assert_eq!(normalize("menu"), "menu");
        assert_eq!(normalize("bus"), "bus");
        assert_eq!(normalize("status"), "status");
        assert!(mentions("The DELIVERY was late.", "delivery"));
        assert!(mentions("two late orders", "order"));
        assert!(!mentions("reorder please", "order"));
        assert!(contains("Zahlung FEHLGESCHLAGEN", "fehlgeschlagen"));
    }

    #[test]
    fn key_phrases_leave_out_stop_words_in_each_language() {
        let en = key_phrases(
            "The delivery was very slow and the courier was rude",
            Some("en"),
        );
        assert!(!en.is_empty());
        assert!(
            en.iter().all(|p| !p.starts_with("the ") && p != "the"),
            "{en:?}"
        );
        assert!(
            en.iter()
                .any(|p| p.contains("delivery") || p.contains("courier")),
            "{en:?}"
        );
        let de = key_phrases("Die Lieferung war leider viel zu langsam", Some("de-DE"));
        assert!(de.iter().any(|p| p.contains("lieferung")), "{de:?}");
        assert!(de.iter().all(|p| !p.starts_with("die ")), "{de:?}");
        // No stop words for Italian: still phrases, never a panic.
        let it = key_phrases("La consegna è stata lenta", Some("it"));
        assert!(!it.is_empty());
        assert!(key_phrases("", None).is_empty());
        assert!(key_phrases("!!! ??? …", Some("en")).is_empty());
    }

    #[test]
    fn recurring_words_become_topics_with_their_phrases() {
        let answers = [
            "The delivery was slow",
            "Slow delivery again",
            "delivery took two weeks, deliveries are always late",
            "Late delivery and a broken box",
            "Checkout kept failing with my card",
            "The checkout page crashed",
            "checkout is confusing",
            "Great prices",
        ];
        let texts: Vec<Text<'_>> = answers.iter().map(|t| text(t, 100, None)).collect();
        let found = topics(&texts, 100, 30);
        let terms: Vec<&str> = found.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms.first(), Some(&"delivery"), "{terms:?}");
        assert!(terms.contains(&"checkout"), "{terms:?}");
        assert!(
            !terms.contains(&"price"),
            "one answer is no topic: {terms:?}"
        );
        let delivery = &found[0];
        assert_eq!(delivery.n, 4);
        assert!((delivery.share - 0.5).abs() < 1e-9);
        assert!(delivery
            .phrases
            .iter()
            .all(|p| p.phrase.contains("deliver")));
        assert_eq!(delivery.examples.len(), 3);
        assert!(delivery.sentiment.is_some());
        // Every topic's count is what `mentions` finds, as the explorer will.
        for t in &found {
            let n = answers.iter().filter(|a| mentions(a, &t.term)).count() as u64;
            assert_eq!(t.n, n, "{}", t.term);
        }
    }

    #[test]
    fn a_word_that_always_comes_with_a_topic_is_that_topic() {
        // "slow" is only ever said of deliveries: no topic of its own.
        let answers = [
            "slow delivery",
            "very slow delivery",
            "slow delivery again today",
            "delivery was slow",
            "delivery was fine",
        ];
        let texts: Vec<Text<'_>> = answers.iter().map(|t| text(t, 100, None)).collect();
        let found = topics(&texts, 100, 30);
        let terms: Vec<&str> = found.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["delivery"]);
    }

    #[test]
    fn a_topic_that_tripled_this_week_is_emerging_and_its_nps_gap_is_measured() {
        let mut texts = Vec::new();
        // Six weeks of baseline: three refund answers a week among others; this week, fifteen.
        for week in 0..6 {
            for k in 0..3 {
                texts.push(text("refund took forever", 100 - 7 - 7 * week - k, Some(3)));
            }
            for k in 0..6 {
                texts.push(text(
                    "nice product quality",
                    100 - 7 - 7 * week - k,
                    Some(10),
                ));
            }
        }
        for k in 0..15 {
            texts.push(text("still waiting for my refund", 100 - (k % 7), Some(2)));
        }
        texts.sort_by_key(|t| std::cmp::Reverse(t.received_at));
        let found = topics(&texts, 100, 49);
        let refund = found.iter().find(|t| t.term == "refund").expect("refund");
        let rise = refund.emerging.as_ref().expect("emerging");
        assert_eq!(rise.current, 15);
        assert!((rise.baseline_rate - 3.0).abs() < 1e-9);
        let driver = refund.nps.as_ref().expect("an NPS driver");
        assert_eq!(driver.with.value, Some(-100.0));
        assert!(driver.impact.as_ref().is_some_and(|c| c.significant));
        // The steady praise is a topic too, and not emerging.
        assert_eq!(
            found.iter().filter(|t| t.emerging.is_some()).count(),
            1,
            "{found:?}"
        );
        assert!(found.len() >= 2);
    }

    #[test]
    fn nothing_to_read_is_no_topic() {
        assert!(topics(&[], 100, 30).is_empty());
        let one = [text("fine", 100, Some(9))];
        assert!(topics(&one, 100, 30).is_empty());
    }
}
