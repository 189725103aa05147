//! The rollups: what the stored answers add up to, per site × survey × question × segment ×
//! UTC day × bucket (migration 0021). A pure fold: the store adds a batch's rows at ingest and
//! subtracts the rows it deletes, in the same transaction, and `hark insight rebuild` folds
//! every stored answer again; both go through [`Deltas::add`], so that the two agree.
//!
//! Segments are one dimension at a time (`''` for all answers): `page` (the path's first
//! segment, so that `/products/123` and `/products/456` are one segment), `device`, `browser`,
//! `locale` and `version`. Their cardinality is bounded by what ingest records: device and
//! browser are a handful of families, a locale is a language tag, versions are few, and a site
//! has few top-level sections. Values are cut at [`MAX_VALUE`] characters.

use crate::clock::Millis;
use shared::Answer;
use std::collections::BTreeMap;

/// The question id of the row that counts whole responses (bucket 0).
pub const RESPONSES: &str = "";

/// The dimension (and value) of the rows over all answers.
pub const ALL: &str = "";

/// The segment dimensions, as stored and as the API names them.
pub const DIMENSIONS: [&str; 5] = ["page", "device", "browser", "locale", "version"];

/// The longest segment value kept, in characters.
pub const MAX_VALUE: usize = 64;

const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The UTC day (days since 1970-01-01) of a time.
pub fn day(at: Millis) -> i64 {
    at.div_euclid(DAY_MS)
}

/// One stored response, as the fold reads it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub site: i64,
    pub survey: &'a str,
    pub answers: &'a [Answer],
    pub received_at: Millis,
    pub page_path: Option<&'a str>,
    pub device: Option<&'a str>,
    pub browser: Option<&'a str>,
    pub locale: Option<&'a str>,
    pub version: Option<i64>,
}

/// One rollup row's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub site: i64,
    pub survey: String,
    pub question: String,
    pub dimension: &'static str,
    pub value: String,
    pub day: i64,
    pub bucket: i64,
}

/// The changes to the rollups, by key, in key order: the order in which the store writes them,
/// so that two writers take the rows' locks in one order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deltas(pub BTreeMap<Key, i64>);

impl Deltas {
    /// Adds `row` (`sign` 1) or takes it away (`sign` −1).
    pub fn add(&mut self, row: &Row<'_>, sign: i64) {
        let segments = segments(row);
        let day = day(row.received_at);
        let mut bump = |question: &str, bucket: i64| {
            for (dimension, value) in &segments {
                let key = Key {
                    site: row.site,
                    survey: row.survey.to_owned(),
                    question: question.to_owned(),
                    dimension,
                    value: value.clone(),
                    day,
                    bucket,
                };
                *self.0.entry(key).or_default() += sign;
            }
        };
        bump(RESPONSES, 0);
        for answer in row.answers {
            let question = answer.question_id().as_str();
            match answer {
                Answer::Choice { selected, .. } => {
                    for &option in selected {
                        bump(question, i64::from(option));
                    }
                }
                Answer::Text { .. } => bump(question, 0),
                scale => bump(question, scale.score().map_or(0, i64::from)),
            }
        }
    }

    /// The changes that change something.
    pub fn changes(&self) -> impl Iterator<Item = (&Key, i64)> {
        self.0.iter().filter(|(_, &n)| n != 0).map(|(k, &n)| (k, n))
    }

    pub fn is_empty(&self) -> bool {
        self.changes().next().is_none()
    }
}

/// The segments a row counts in: all answers, and each dimension it has a value for.
fn segments(row: &Row<'_>) -> Vec<(&'static str, String)> {
    let mut out = vec![(ALL, String::new())];
    let page = row.page_path.map(section);
    let version = row.version.map(|v| v.to_string());
    let values = [
        page.as_deref(),
        row.device,
        row.browser,
        row.locale,
        version.as_deref(),
    ];
    for (dimension, value) in DIMENSIONS.into_iter().zip(values) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.push((dimension, value.chars().take(MAX_VALUE).collect()));
        }
    }
    out
}

/// A page path's first segment: `/products/123` → `/products`, `/` → `/`.
pub fn section(path: &str) -> String {
    let rest = path.strip_prefix('/').unwrap_or(path);
    match rest.split('/').next() {
        Some(first) if !first.is_empty() => format!("/{first}"),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers() -> Vec<Answer> {
        serde_json::from_value(serde_json::json!([
            {"type": "nps", "question_id": "q1", "score": 9},
            {"type": "choice", "question_id": "q2", "selected": [0, 2]},
            {"type": "text", "question_id": "q3", "text": "Fine"},
        ]))
        .unwrap()
    }

    fn row(answers: &[Answer]) -> Row<'_> {
        Row {
            site: 1,
            survey: "nps",
            answers,
            received_at: 3 * DAY_MS + 5,
            page_path: Some("/products/123"),
            device: Some("mobile"),
            browser: None,
            locale: Some("de-DE"),
            version: Some(2),
        }
    }

    fn count(d: &Deltas, question: &str, dimension: &str, value: &str, bucket: i64) -> i64 {
        d.0.iter()
            .filter(|(k, _)| {
                k.question == question
                    && k.dimension == dimension
                    && k.value == value
                    && k.bucket == bucket
                    && k.day == 3
            })
            .map(|(_, &n)| n)
            .sum()
    }

    #[test]
    fn a_response_counts_once_per_segment_it_has() {
        let a = answers();
        let mut d = Deltas::default();
        d.add(&row(&a), 1);
        assert_eq!(count(&d, RESPONSES, ALL, ALL, 0), 1);
        assert_eq!(count(&d, "q1", ALL, ALL, 9), 1);
        assert_eq!(count(&d, "q1", "page", "/products", 9), 1);
        assert_eq!(count(&d, "q1", "device", "mobile", 9), 1);
        assert_eq!(count(&d, "q1", "locale", "de-DE", 9), 1);
        assert_eq!(count(&d, "q1", "version", "2", 9), 1);
        // No browser was recorded: no browser segment.
        assert!(d.0.keys().all(|k| k.dimension != "browser"));
        // Each chosen option is a bucket; a written answer counts in bucket 0.
        assert_eq!(count(&d, "q2", ALL, ALL, 0), 1);
        assert_eq!(count(&d, "q2", ALL, ALL, 2), 1);
        assert_eq!(count(&d, "q2", ALL, ALL, 1), 0);
        assert_eq!(count(&d, "q3", ALL, ALL, 0), 1);
        // 1 response row + 1 NPS + 2 options + 1 text, in 5 segments each.
        assert_eq!(d.0.len(), 5 * 5);
    }

    #[test]
    fn taking_a_row_away_undoes_adding_it() {
        let a = answers();
        let mut d = Deltas::default();
        d.add(&row(&a), 1);
        d.add(&row(&a), 1);
        d.add(&row(&a), -1);
        assert_eq!(count(&d, "q1", ALL, ALL, 9), 1);
        d.add(&row(&a), -1);
        assert!(d.is_empty());
    }

    #[test]
    fn days_are_utc_and_times_before_1970_fall_on_earlier_days() {
        assert_eq!(day(0), 0);
        assert_eq!(day(DAY_MS - 1), 0);
        assert_eq!(day(DAY_MS), 1);
        assert_eq!(day(-1), -1);
    }

    #[test]
    fn a_page_counts_in_its_section() {
        assert_eq!(section("/"), "/");
        assert_eq!(section(""), "/");
        assert_eq!(section("/checkout"), "/checkout");
        assert_eq!(section("/products/123/reviews"), "/products");
        let long = format!("/{}", "é".repeat(100));
        let a = answers();
        let mut r = row(&a);
        r.page_path = Some(&long);
        let mut d = Deltas::default();
        d.add(&r, 1);
        let page = d.0.keys().find(|k| k.dimension == "page").unwrap();
        assert_eq!(page.value.chars().count(), MAX_VALUE);
    }
}
