//! Answers gathered elsewhere, imported from CSV (`hark import answers`): one row per response,
//! with its scores and comment, checked against the site's survey like an answer from the
//! widget, and stored with the time it was given, so that the insight pages show it where it
//! belongs. Each row's `external_id` makes the import idempotent: its response id is derived
//! from the site and that id, and a row imported twice is stored once.
//!
//! Columns (a header row names them, in any order; only `external_id`, `received_at` and
//! `survey_id` are required, and at least one answer):
//! `external_id, received_at (RFC 3339), survey_id, nps, csat, ces, comment, page_url, locale,
//! device, browser, user_id, channel`, and `attr.KEY` for each `identify` attribute the answers
//! carry (`attr.plan`). `nps`, `csat` and `ces` answer the survey's first question of that
//! kind, `comment` its first text question. Attributes the site segments by
//! (`SiteSettings::segment_attributes`) become segments, as they do at ingest.
//!
//! A dry run checks every row and reports each bad one by its line; a real run imports nothing
//! when a row is bad, so that a file is imported whole or not at all.

use crate::clock::Millis;
use crate::enrich::{page_path, Enrichment, MAX_ATTRIBUTE_VALUE};
use crate::store::{NewResponse, Store, Stored};
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use shared::{
    is_attribute_key, Answer, QuestionKind, ResponseId, ResponseSubmission, SiteKey, Survey,
};
use std::collections::HashMap;

/// How an attribute's column begins: `attr.plan`.
const ATTRIBUTE: &str = "attr.";

/// Rows stored per transaction.
const BATCH: usize = 500;

/// The most rows one file may have.
pub const MAX_ROWS: usize = 1_000_000;

/// The channels an answer may have come through.
pub const CHANNELS: [&str; 7] = [
    "widget",
    "email",
    "phone",
    "chat",
    "in_person",
    "social",
    "other",
];

/// A row that cannot be imported: its line in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BadRow {
    pub line: u64,
    pub message: String,
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Report {
    pub rows: u64,
    /// Stored now.
    pub imported: u64,
    /// Stored before (the same `external_id`).
    pub already: u64,
    pub dry_run: bool,
    pub bad: Vec<BadRow>,
}

/// The response id of a site's external id: the first 16 bytes of SHA-256 over both, as a UUID
/// (version 8), so that the same row always becomes the same response.
pub fn response_id(site: &SiteKey, external_id: &str) -> ResponseId {
    let digest = Sha256::digest(format!("hark-import\0{site}\0{external_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    ResponseId::from_uuid(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// Reads, checks and (unless `dry_run`) stores the rows of `csv`; `progress` hears how many rows
/// were stored so far, after each batch.
pub async fn import_answers(
    store: &dyn Store,
    site: &SiteKey,
    csv: impl std::io::Read,
    dry_run: bool,
    now: Millis,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<Report> {
    let surveys: HashMap<String, Survey> = store
        .surveys(site)
        .await?
        .into_iter()
        .map(|r| (r.survey.id.as_str().to_owned(), r.survey))
        .collect();
    let segment_attributes = store
        .site_settings(site)
        .await?
        .map(|s| s.segment_attributes)
        .unwrap_or_default();
    let known = [
        "external_id",
        "received_at",
        "survey_id",
        "nps",
        "csat",
        "ces",
        "comment",
        "page_url",
        "locale",
        "device",
        "browser",
        "user_id",
        "channel",
    ];
    let columns = Columns {
        known: &known,
        also: Some((
            "attr.KEY for an attribute (KEY 1 to 64 of A-Z a-z 0-9 _ -)",
            &|h: &str| h.strip_prefix(ATTRIBUTE).is_some_and(is_attribute_key),
        )),
        required: &["external_id", "received_at", "survey_id"],
    };
    let (report, good) = read_rows(csv, &columns, dry_run, &mut |fields| {
        let mut new = row(site, &surveys, fields, now)?;
        new.enrichment.pick_segments(&segment_attributes);
        Ok(new)
    })?;
    let mut report = report;
    if dry_run || !report.bad.is_empty() {
        return Ok(report);
    }
    for chunk in good.chunks(BATCH) {
        for outcome in store.insert_batch(chunk).await? {
            match outcome? {
                Stored::Created => report.imported += 1,
                Stored::Replayed => report.already += 1,
            }
        }
        progress(report.imported + report.already);
    }
    Ok(report)
}

/// Which further columns a file may have, said in words, and the test of a name.
pub(crate) type Also<'a> = (&'a str, &'a (dyn Fn(&str) -> bool + Sync));

/// The columns a file may have: `known` by name, any that `also` accepts (with how to say it),
/// and the `required` ones.
pub(crate) struct Columns<'a> {
    pub(crate) known: &'a [&'a str],
    pub(crate) also: Option<Also<'a>>,
    pub(crate) required: &'a [&'a str],
}

/// Reads a CSV file's rows through `row`: the header checked against `columns` (a wrong one is
/// an error naming line 1), then each row made or refused with its line, an `external_id` seen
/// on an earlier line refused too. The report has the rows and the bad ones; the rows made come
/// with it, in file order.
pub(crate) fn read_rows<T>(
    csv: impl std::io::Read,
    columns: &Columns<'_>,
    dry_run: bool,
    row: &mut dyn FnMut(&Fields<'_>) -> Result<T, String>,
) -> anyhow::Result<(Report, Vec<T>)> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(csv);
    let headers = reader
        .headers()
        .context("the file has no header row")?
        .clone();
    let fine = |h: &str| {
        let h = h.trim();
        columns.known.contains(&h) || columns.also.is_some_and(|(_, accepts)| accepts(h))
    };
    if let Some(unknown) = headers.iter().find(|h| !fine(h)) {
        let also = columns
            .also
            .map_or_else(String::new, |(what, _)| format!(", and {what}"));
        anyhow::bail!(
            "line 1: no column is called {unknown:?}; the columns are {}{also}",
            columns.known.join(", ")
        );
    }
    for required in columns.required {
        anyhow::ensure!(
            headers.iter().any(|h| h.trim() == *required),
            "line 1: the column {required} is missing"
        );
    }
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    let mut good = Vec::new();
    let mut seen = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        report.rows += 1;
        anyhow::ensure!(
            report.rows as usize <= MAX_ROWS,
            "a file has at most {MAX_ROWS} rows"
        );
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.bad.push(BadRow {
                    line,
                    message: format!("not a CSV row: {e}"),
                });
                continue;
            }
        };
        // PostgreSQL cannot keep it, and no field means one: the row is bad on both engines.
        if let Some(column) = headers
            .iter()
            .zip(record.iter())
            .find_map(|(h, v)| v.contains('\0').then_some(h))
        {
            report.bad.push(BadRow {
                line,
                message: format!("{} holds a NUL character", column.trim()),
            });
            continue;
        }
        let fields = Fields {
            headers: &headers,
            record: &record,
        };
        match row(&fields) {
            Ok(made) => {
                let external = fields.get("external_id").unwrap_or_default().to_owned();
                if let Some(first) = seen.insert(external.clone(), line) {
                    report.bad.push(BadRow {
                        line,
                        message: format!("external_id {external:?} is also on line {first}"),
                    });
                    continue;
                }
                good.push(made);
            }
            Err(message) => report.bad.push(BadRow { line, message }),
        }
    }
    Ok((report, good))
}

/// A row's fields by column name, trimmed; empty ones are `None`.
pub(crate) struct Fields<'a> {
    pub(crate) headers: &'a csv::StringRecord,
    pub(crate) record: &'a csv::StringRecord,
}

impl<'a> Fields<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        let column = self.headers.iter().position(|h| h.trim() == name)?;
        self.record
            .get(column)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// One row as a response to store, or why it cannot be.
fn row(
    site: &SiteKey,
    surveys: &HashMap<String, Survey>,
    fields: &Fields<'_>,
    now: Millis,
) -> Result<NewResponse, String> {
    let get = |name: &str| fields.get(name);
    let external = get("external_id").ok_or("external_id is empty")?;
    if external.chars().count() > 200 {
        return Err("external_id is at most 200 characters".into());
    }
    let at = get("received_at").ok_or("received_at is empty")?;
    let received_at = at
        .parse::<jiff::Timestamp>()
        .map_err(|_| format!("received_at is a time like 2026-03-01T09:30:00Z, not {at:?}"))?
        .as_millisecond();
    if received_at > now {
        return Err(format!("received_at {at} is in the future"));
    }
    let survey_id = get("survey_id").ok_or("survey_id is empty")?;
    let survey = surveys
        .get(survey_id)
        .ok_or_else(|| format!("the site has no survey {survey_id:?}"))?;
    if let Some(channel) = get("channel") {
        if !CHANNELS.contains(&channel) {
            return Err(format!("channel is one of {}", CHANNELS.join(", ")));
        }
    }
    let mut answers = Vec::new();
    for (column, label) in [
        ("nps", "NPS"),
        ("csat", "CSAT"),
        ("ces", "CES"),
        ("comment", "text"),
    ] {
        let Some(value) = get(column) else {
            continue;
        };
        let question = survey
            .questions
            .iter()
            .find(|q| {
                matches!(
                    (column, &q.kind),
                    ("nps", QuestionKind::Nps)
                        | ("csat", QuestionKind::Csat { .. })
                        | ("ces", QuestionKind::Ces)
                        | ("comment", QuestionKind::Text { .. })
                )
            })
            .ok_or_else(|| format!("survey {survey_id} has no {label} question"))?;
        let answer = if column == "comment" {
            serde_json::json!({"type": "text", "question_id": question.id, "text": value})
        } else {
            let score: i64 = value
                .parse()
                .map_err(|_| format!("{column} is a whole number, not {value:?}"))?;
            serde_json::json!({"type": column, "question_id": question.id, "score": score})
        };
        let answer: Answer =
            serde_json::from_value(answer).map_err(|e| format!("{column}: {e}"))?;
        answers.push(answer);
    }
    if answers.is_empty() {
        return Err("a row needs at least one of nps, csat, ces and comment".into());
    }
    let page_url = get("page_url").map(str::to_owned);
    let submission: ResponseSubmission = serde_json::from_value(serde_json::json!({
        "id": response_id(site, external),
        "site_key": site,
        "survey_id": survey.id,
        // Checked against the survey's current version, so counted with it (`…/versions`).
        "survey_version": survey.version,
        "answers": answers,
        "page_url": page_url,
    }))
    .map_err(|e| e.to_string())?;
    submission
        .check_against(survey)
        .map_err(|e| e.to_string())?;
    let cut = |s: Option<&str>, max: usize| s.map(|s| s.chars().take(max).collect::<String>());
    let mut attributes = std::collections::BTreeMap::new();
    for (i, header) in fields.headers.iter().enumerate() {
        let Some(key) = header.trim().strip_prefix(ATTRIBUTE) else {
            continue;
        };
        let Some(value) = fields
            .record
            .get(i)
            .map(str::trim)
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        if value.chars().count() > MAX_ATTRIBUTE_VALUE {
            return Err(format!(
                "{header} is at most {MAX_ATTRIBUTE_VALUE} characters"
            ));
        }
        attributes.insert(key.to_owned(), value.to_owned());
    }
    let enrichment = Enrichment {
        page_path: page_url.as_deref().and_then(page_path),
        device: cut(get("device"), 32),
        browser: cut(get("browser"), 32),
        locale: cut(get("locale"), 35),
        visitor: None,
        user_id: cut(get("user_id"), 200),
        email: None,
        attributes,
        segments: Vec::new(),
        // An answer gathered elsewhere came by some channel, if the file does not say which.
        channel: Some(get("channel").unwrap_or("other").to_owned()),
    };
    Ok(NewResponse {
        submission,
        enrichment,
        received_at,
    })
}

/// A sample of `days` days of answers up to `now`, in the import's columns, for trying Hark
/// (`cargo xtask demo`): a survey's NPS (improving over the months, worse on phones lately),
/// with `comments` a third of them with a comment in one of five languages; several pages,
/// devices and browsers. The same `seed` gives the same file.
pub fn sample_answers(survey: &str, days: u32, now: Millis, seed: u64, comments: bool) -> String {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const COMMENTS: [(&str, &str, bool); 16] = [
        ("en-US", "Fast delivery and great coffee", true),
        ("en-US", "The delivery was slow again", false),
        ("en-GB", "Checkout kept failing with my card", false),
        ("en-US", "Love the new espresso beans", true),
        ("en-US", "Late delivery and a broken box", false),
        ("en-GB", "Friendly support, quick refund", true),
        ("en-US", "The checkout page is confusing on my phone", false),
        ("en-US", "Great prices, fast delivery", true),
        ("de-DE", "Die Lieferung war leider sehr langsam", false),
        ("de-DE", "Sehr guter Kaffee, schnelle Lieferung", true),
        ("fr-FR", "Livraison rapide, café excellent", true),
        ("fr-FR", "Le paiement ne fonctionne pas", false),
        ("es-ES", "El envío fue muy lento", false),
        ("es-ES", "Excelente café y buen servicio", true),
        ("pt-BR", "Entrega rápida e café ótimo", true),
        ("en-US", "Refund took forever", false),
    ];
    const PAGES: [&str; 4] = ["/", "/products/espresso", "/checkout", "/account/orders"];
    let mut state = seed;
    let mut next = move || {
        // SplitMix64.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = String::from(
        "external_id,received_at,survey_id,nps,comment,page_url,locale,device,browser,channel,attr.plan\n",
    );
    let today = now.div_euclid(DAY_MS);
    let mut n = 0;
    for day in (0..i64::from(days)).rev() {
        let date = today - day;
        // Busier on weekdays; 8 to 20 answers a day.
        let count = 8 + next() % 13;
        for _ in 0..count {
            n += 1;
            let at = date * DAY_MS + (next() % DAY_MS as u64) as i64;
            if at > now {
                continue;
            }
            let phone = next() % 2 == 0;
            // The customer's plan (`hark('identify', id, {plan})`): teams are the happiest.
            let plan = ["free", "free", "pro", "team"][(next() % 4) as usize];
            // NPS improves over the period; on phones it slips in the last three weeks.
            let progress = 1.0 - day as f64 / f64::from(days.max(1));
            let mut happy = 0.45 + 0.25 * progress;
            if phone && day < 21 {
                happy -= 0.3;
            }
            happy += match plan {
                "team" => 0.15,
                "free" => -0.1,
                _ => 0.0,
            };
            let roll = (next() % 1000) as f64 / 1000.0;
            let score = if roll < happy {
                9 + next() % 2
            } else if roll < happy + 0.25 {
                7 + next() % 2
            } else {
                next() % 7
            };
            let with_comment = next() % 3 == 0 && comments;
            let (locale, comment) = if with_comment {
                // A happy score says something happy.
                let wanted = score >= 9;
                let mut pick = COMMENTS[(next() % COMMENTS.len() as u64) as usize];
                for _ in 0..8 {
                    if pick.2 == wanted {
                        break;
                    }
                    pick = COMMENTS[(next() % COMMENTS.len() as u64) as usize];
                }
                (pick.0, pick.1)
            } else {
                (
                    ["en-US", "en-GB", "de-DE", "fr-FR"][(next() % 4) as usize],
                    "",
                )
            };
            let page = PAGES[(next() % PAGES.len() as u64) as usize];
            let (device, browser) = if phone {
                ("mobile", ["Safari", "Chrome"][(next() % 2) as usize])
            } else {
                (
                    "desktop",
                    ["Chrome", "Firefox", "Edge"][(next() % 3) as usize],
                )
            };
            let time = jiff::Timestamp::from_millisecond(at)
                .map(|t| t.to_string())
                .unwrap_or_default();
            out.push_str(&format!(
                "sample-{n},{time},{survey},{score},\"{comment}\",https://shop.example{page},{locale},{device},{browser},widget,{plan}\n"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_external_id_is_one_response_id_per_site() {
        let a = SiteKey::parse("site0000000000a1").unwrap();
        let b = SiteKey::parse("site0000000000b2").unwrap();
        assert_eq!(response_id(&a, "row-1"), response_id(&a, "row-1"));
        assert_ne!(response_id(&a, "row-1"), response_id(&a, "row-2"));
        assert_ne!(response_id(&a, "row-1"), response_id(&b, "row-1"));
    }

    #[test]
    fn a_row_with_a_nul_character_is_bad_with_its_line_and_column() {
        let columns = Columns {
            known: &["external_id", "comment"],
            required: &["external_id"],
            also: None,
        };
        let csv = "external_id,comment\nx1,fine\nx2,fine\u{0}thanks\n";
        let (report, good) = read_rows(csv.as_bytes(), &columns, true, &mut |fields| {
            Ok(fields.get("external_id").unwrap_or_default().to_owned())
        })
        .unwrap();
        assert_eq!(good, ["x1"]);
        assert_eq!(report.bad.len(), 1);
        assert_eq!(report.bad[0].line, 3);
        assert_eq!(report.bad[0].message, "comment holds a NUL character");
    }

    #[test]
    fn the_sample_is_the_same_for_a_seed_and_reads_as_csv() {
        let now = 1_780_000_000_000;
        let a = sample_answers("nps", 30, now, 7, true);
        assert_eq!(a, sample_answers("nps", 30, now, 7, true));
        assert_ne!(a, sample_answers("nps", 30, now, 8, true));
        let quiet = sample_answers("nps", 30, now, 7, false);
        assert!(quiet.lines().skip(1).all(|l| l.contains(",\"\",")));
        let mut reader = csv::Reader::from_reader(a.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(rows.len() >= 30 * 8, "{}", rows.len());
        assert!(rows.iter().all(|r| r.len() == 11));
        assert!(rows.iter().any(|r| !r[4].is_empty()));
    }
}
