//! The rollups: what the stored answers add up to, per site × survey × question × segment ×
//! UTC day × bucket (migration 0021). A pure fold: the store adds a batch's rows at ingest (on
//! SQLite summed over batches and added between them, `store/sqlite_writer.rs`) and subtracts
//! the rows it deletes in the same transaction, and `hark insight rebuild` folds every stored
//! answer again; both go through [`Deltas::add`], so that the two agree.
//!
//! Segments are one dimension at a time (`''` for all answers): `page` (the path's first
//! segment, so that `/products/123` and `/products/456` are one segment), `device`, `browser`,
//! `locale` and `version`, and `attr.KEY` for each `identify` attribute the site segments by.
//! Their cardinality is bounded by what ingest records: device and browser are a handful of
//! families, a locale is a language tag, versions are few, and a site has few top-level
//! sections. Attributes are the site's choice, at most three keys
//! (`SiteSettings::segment_attributes`, for things like a plan or a country, not a user id);
//! ingest stores the picked pairs with the answer, and the fold reads those, never the
//! settings, so that a change of the settings counts from the next answer on and a rebuild
//! still equals what ingest kept. Values are cut at [`MAX_VALUE`] characters.

use crate::clock::Millis;
use shared::{Answer, MAX_SEGMENT_ATTRIBUTES};
use std::collections::HashMap;

/// A fast hasher, seeded per process: the keys are a few small names and numbers, hashed some 25
/// times per answer on ingest's one writer thread.
type Hasher = foldhash::fast::RandomState;

/// The question id of the row that counts whole responses (bucket 0).
pub const RESPONSES: &str = "";

/// The dimension (and value) of the rows over all answers.
pub const ALL: &str = "";

/// The segment dimensions, as stored and as the API names them.
pub const DIMENSIONS: [&str; 5] = ["page", "device", "browser", "locale", "version"];

/// How an attribute's dimension begins: `attr.plan` for the attribute `plan`.
pub const ATTRIBUTE: &str = "attr.";

/// Whether `dimension` names one: one of [`DIMENSIONS`], or `attr.KEY` for an attribute key.
pub fn is_dimension(dimension: &str) -> bool {
    DIMENSIONS.contains(&dimension)
        || dimension
            .strip_prefix(ATTRIBUTE)
            .is_some_and(shared::is_attribute_key)
}

/// The dimensions of a site that segments by `attributes`: [`DIMENSIONS`], then theirs.
pub fn dimensions(attributes: &[String]) -> Vec<String> {
    DIMENSIONS
        .iter()
        .map(|d| (*d).to_owned())
        .chain(attributes.iter().map(|k| format!("{ATTRIBUTE}{k}")))
        .collect()
}

/// What a bad `segment` parameter is told.
pub const SEGMENT_FORMAT: &str =
    "segment is dimension:value, the dimension one of page, device, browser, locale, version or attr.KEY for an identify attribute the site segments by";

/// The longest segment value kept, in characters.
pub const MAX_VALUE: usize = 64;

const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The UTC day (days since 1970-01-01) of a time.
pub fn day(at: Millis) -> i64 {
    at.div_euclid(DAY_MS)
}

/// The times of a UTC day: from its first millisecond, until the next day's.
pub fn day_span(day: i64) -> (Millis, Millis) {
    (day * DAY_MS, (day + 1) * DAY_MS)
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
    /// The segment attributes ingest picked (`Enrichment::segments`).
    pub attributes: &'a [(String, String)],
}

/// One rollup row's change, as the store writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change<'a> {
    pub site: i64,
    pub survey: &'a str,
    pub question: &'a str,
    pub dimension: &'a str,
    pub value: &'a str,
    pub day: i64,
    pub bucket: i64,
    pub n: i64,
}

/// A row's key with its names as numbers (`Names`): cheap to hash, nothing to allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Packed {
    site: i64,
    survey: u32,
    question: u32,
    dimension: u32,
    value: u32,
    day: i64,
    bucket: i64,
}

/// Names seen, each stored once and known by its number.
#[derive(Debug, Default, Clone)]
struct Names {
    numbers: HashMap<String, u32, Hasher>,
    names: Vec<String>,
}

impl Names {
    fn number(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.numbers.get(name) {
            return n;
        }
        let n = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.numbers.insert(name.to_owned(), n);
        self.names.push(name.to_owned());
        n
    }

    fn name(&self, n: u32) -> &str {
        self.names.get(n as usize).map_or("", String::as_str)
    }
}

/// The changes to the rollups. The fold runs on ingest's one writer thread and over every
/// answer in a rebuild, so it allocates nothing for a name it has seen and hashes numbers.
#[derive(Debug, Default, Clone)]
pub struct Deltas {
    names: Names,
    counts: HashMap<Packed, i64, Hasher>,
}

impl Deltas {
    /// Adds `row` (`sign` 1) or takes it away (`sign` −1).
    pub fn add(&mut self, row: &Row<'_>, sign: i64) {
        let mut version = String::new();
        let mut segments = [(0u32, 0u32); 1 + DIMENSIONS.len() + MAX_SEGMENT_ATTRIBUTES];
        let mut count = 0;
        let mut push = |names: &mut Names, dimension: &str, value: &str| {
            if count < segments.len() {
                segments[count] = (names.number(dimension), names.number(value));
                count += 1;
            }
        };
        push(&mut self.names, ALL, ALL);
        if let Some(v) = row.version {
            version = v.to_string();
        }
        let values = [
            row.page_path.map(section),
            row.device,
            row.browser,
            row.locale,
            row.version.map(|_| version.as_str()),
        ];
        for (dimension, value) in DIMENSIONS.into_iter().zip(values) {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                push(&mut self.names, dimension, cut(value));
            }
        }
        let mut dimension = String::new();
        for (key, value) in row.attributes {
            if !value.is_empty() {
                dimension.clear();
                dimension.push_str(ATTRIBUTE);
                dimension.push_str(key);
                push(&mut self.names, &dimension, cut(value));
            }
        }
        let segments = &segments[..count];
        let survey = self.names.number(row.survey);
        let day = day(row.received_at);
        let mut bump = |question: u32, bucket: i64| {
            for &(dimension, value) in segments {
                let key = Packed {
                    site: row.site,
                    survey,
                    question,
                    dimension,
                    value,
                    day,
                    bucket,
                };
                *self.counts.entry(key).or_default() += sign;
            }
        };
        let responses = self.names.number(RESPONSES);
        bump(responses, 0);
        for answer in row.answers {
            let question = self.names.number(answer.question_id().as_str());
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

    /// The changes that change something, in key order: the order in which the store writes
    /// them, so that two writers take the rows' locks in one order.
    pub fn changes(&self) -> Vec<Change<'_>> {
        let mut out: Vec<Change<'_>> = self
            .counts
            .iter()
            .filter(|(_, &n)| n != 0)
            .map(|(k, &n)| Change {
                site: k.site,
                survey: self.names.name(k.survey),
                question: self.names.name(k.question),
                dimension: self.names.name(k.dimension),
                value: self.names.name(k.value),
                day: k.day,
                bucket: k.bucket,
                n,
            })
            .collect();
        out.sort_unstable();
        out
    }

    pub fn is_empty(&self) -> bool {
        self.counts.values().all(|&n| n == 0)
    }

    /// An empty fold that names things by this one's numbers, lending it this one's names until
    /// [`Deltas::absorb`] gives them back: a batch folds into it, and only the counts of a batch
    /// that committed are kept, with nothing copied.
    pub fn split(&mut self) -> Self {
        Self {
            names: std::mem::take(&mut self.names),
            counts: HashMap::default(),
        }
    }

    /// Takes back the names lent by [`Deltas::split`] (with any `part` added meanwhile), and
    /// `part`'s counts when `keep`.
    pub fn absorb(&mut self, part: Self, keep: bool) {
        self.names = part.names;
        if keep {
            for (key, n) in part.counts {
                *self.counts.entry(key).or_default() += n;
            }
        }
    }
}

/// A value cut at [`MAX_VALUE`] characters, on a character's boundary.
pub fn cut(value: &str) -> &str {
    match value.char_indices().nth(MAX_VALUE) {
        Some((end, _)) => &value[..end],
        None => value,
    }
}

/// A page path's first segment: `/products/123` → `/products`, `/` → `/` (and anything that is
/// not a path, which ingest never records).
pub fn section(path: &str) -> &str {
    let Some(rest) = path.strip_prefix('/') else {
        return "/";
    };
    match rest.find('/') {
        Some(0) => "/",
        Some(end) => &path[..end + 1],
        None if rest.is_empty() => "/",
        None => path,
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
            attributes: &[],
        }
    }

    fn count(d: &Deltas, question: &str, dimension: &str, value: &str, bucket: i64) -> i64 {
        d.changes()
            .iter()
            .filter(|k| {
                k.question == question
                    && k.dimension == dimension
                    && k.value == value
                    && k.bucket == bucket
                    && k.day == 3
            })
            .map(|k| k.n)
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
        assert!(d.changes().iter().all(|k| k.dimension != "browser"));
        // Each chosen option is a bucket; a written answer counts in bucket 0.
        assert_eq!(count(&d, "q2", ALL, ALL, 0), 1);
        assert_eq!(count(&d, "q2", ALL, ALL, 2), 1);
        assert_eq!(count(&d, "q2", ALL, ALL, 1), 0);
        assert_eq!(count(&d, "q3", ALL, ALL, 0), 1);
        // 1 response row + 1 NPS + 2 options + 1 text, in 5 segments each.
        assert_eq!(d.changes().len(), 5 * 5);
        let changes = d.changes();
        assert!(changes.windows(2).all(|w| w[0] < w[1]), "in key order");
    }

    #[test]
    fn each_segment_attribute_is_a_dimension_of_its_own() {
        let a = answers();
        let attributes = [
            ("plan".to_owned(), "pro".to_owned()),
            ("country".to_owned(), "DE".to_owned()),
            ("empty".to_owned(), String::new()),
        ];
        let mut r = row(&a);
        r.attributes = &attributes;
        let mut d = Deltas::default();
        d.add(&r, 1);
        assert_eq!(count(&d, "q1", "attr.plan", "pro", 9), 1);
        assert_eq!(count(&d, "q1", "attr.country", "DE", 9), 1);
        assert_eq!(count(&d, RESPONSES, "attr.plan", "pro", 0), 1);
        // An empty value is no segment; the others are as before.
        assert!(d.changes().iter().all(|k| k.dimension != "attr.empty"));
        assert_eq!(d.changes().len(), 5 * 7);
        d.add(&r, -1);
        assert!(d.is_empty());
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
    fn a_split_part_is_kept_only_when_told() {
        let a = answers();
        let mut other = a.clone();
        other.push(
            serde_json::from_value(serde_json::json!(
                {"type": "csat", "question_id": "q4", "score": 5}
            ))
            .unwrap(),
        );
        let mut whole = Deltas::default();
        whole.add(&row(&a), 1);

        // A part folded and dropped leaves the counts as they were, its new names kept.
        let mut part = whole.split();
        part.add(&row(&other), 1);
        whole.absorb(part, false);
        assert_eq!(count(&whole, "q1", ALL, ALL, 9), 1);
        assert_eq!(count(&whole, "q4", ALL, ALL, 5), 0);

        // A part kept adds its counts, named as the part named them.
        let mut part = whole.split();
        part.add(&row(&other), 1);
        whole.absorb(part, true);
        assert_eq!(count(&whole, "q1", ALL, ALL, 9), 2);
        assert_eq!(count(&whole, "q4", "device", "mobile", 5), 1);
        let mut direct = Deltas::default();
        direct.add(&row(&a), 1);
        direct.add(&row(&other), 1);
        assert_eq!(whole.changes(), direct.changes());
    }

    #[test]
    fn days_are_utc_and_times_before_1970_fall_on_earlier_days() {
        assert_eq!(day(0), 0);
        assert_eq!(day(DAY_MS - 1), 0);
        assert_eq!(day(DAY_MS), 1);
        for d in [-1, 0, 20_000] {
            let (from, until) = day_span(d);
            assert_eq!((day(from), day(until - 1), day(until)), (d, d, d + 1));
        }
        assert_eq!(day(-1), -1);
    }

    #[test]
    fn a_page_counts_in_its_section() {
        assert_eq!(section("/"), "/");
        assert_eq!(section(""), "/");
        assert_eq!(section("/checkout"), "/checkout");
        assert_eq!(section("/products/123/reviews"), "/products");
        assert_eq!(section("//x"), "/");
        assert_eq!(section("relative/path"), "/");
        let long = format!("/{}", "é".repeat(100));
        let a = answers();
        let mut r = row(&a);
        r.page_path = Some(&long);
        let mut d = Deltas::default();
        d.add(&r, 1);
        let changes = d.changes();
        let page = changes.iter().find(|k| k.dimension == "page").unwrap();
        assert_eq!(page.value.chars().count(), MAX_VALUE);
    }
}
