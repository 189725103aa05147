//! A site's responses as a file: CSV (one row per answered question) or NDJSON (one line per
//! response). Read a page at a time, so that neither the HTTP route nor the CLI holds a whole
//! site in memory.

use crate::clock::rfc3339;
use crate::complaints::reference::reference;
use crate::insight::sentiment::{annotated, sentiment, Label, Sentiment};
use crate::store::{After, Store, StoreResult, StoredComplaint, StoredResponse};
use shared::{Answer, SiteKey};

/// Responses read per query.
pub const PAGE: u32 = 1000;

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 18] = [
    "id",
    "received_at",
    "survey_id",
    "question_id",
    "type",
    "score",
    "answer",
    "page_url",
    "page_path",
    "device",
    "browser",
    "locale",
    "user_id",
    "survey_version",
    // A JSON object, empty when the site sent none.
    "attributes",
    // A free-text answer's sentiment, −1 to 1, and its label; empty for other answers and
    // where the language has no lexicon (`insight::sentiment`).
    "sentiment",
    "sentiment_label",
    // `widget`, or the channel an imported answer was gathered through.
    "channel",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Ndjson,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "ndjson" => Ok(Format::Ndjson),
            other => Err(format!(
                "unknown export format {other:?}: use csv or ndjson"
            )),
        }
    }
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }

    /// What comes before the first row: CSV's header.
    pub fn header(self) -> Vec<u8> {
        match self {
            Format::Csv => csv_bytes(|w| w.write_record(CSV_COLUMNS)),
            Format::Ndjson => Vec::new(),
        }
    }

    /// One page of responses, encoded.
    pub fn encode(self, rows: &[StoredResponse]) -> Vec<u8> {
        match self {
            Format::Csv => csv_bytes(|w| {
                for r in rows {
                    let received_at = rfc3339(r.received_at);
                    let e = &r.enrichment;
                    let version = r.survey_version.map(|v| v.to_string()).unwrap_or_default();
                    let attributes = if e.attributes.is_empty() {
                        String::new()
                    } else {
                        serde_json::to_string(&e.attributes).unwrap_or_default()
                    };
                    for answer in &r.answers {
                        let score = answer.score().map(|s| s.to_string()).unwrap_or_default();
                        let text = answer_text(answer);
                        let sentiment = matches!(
                            answer,
                            Answer::Text { .. } | Answer::Choice { other: Some(_), .. }
                        )
                        .then(|| sentiment(&text, e.locale.as_deref()))
                        .flatten();
                        let (score_of_text, label) = csv_sentiment(sentiment);
                        w.write_record([
                            r.id.to_string().as_str(),
                            &received_at,
                            &r.survey_key,
                            answer.question_id().as_str(),
                            answer.name(),
                            &score,
                            &text,
                            r.page_url.as_deref().unwrap_or_default(),
                            e.page_path.as_deref().unwrap_or_default(),
                            e.device.as_deref().unwrap_or_default(),
                            e.browser.as_deref().unwrap_or_default(),
                            e.locale.as_deref().unwrap_or_default(),
                            e.user_id.as_deref().unwrap_or_default(),
                            &version,
                            &attributes,
                            &score_of_text,
                            label,
                            e.channel.as_deref().unwrap_or("widget"),
                        ])?;
                    }
                }
                Ok(())
            }),
            Format::Ndjson => {
                let mut out = Vec::new();
                for r in rows {
                    let e = &r.enrichment;
                    let line = serde_json::json!({
                        "id": r.id,
                        "received_at": rfc3339(r.received_at),
                        "survey_id": r.survey_key,
                        "answers": annotated(&r.answers, e.locale.as_deref()),
                        "page_url": r.page_url,
                        "page_path": e.page_path,
                        "device": e.device,
                        "browser": e.browser,
                        "locale": e.locale,
                        "user_id": e.user_id,
                        "survey_version": r.survey_version,
                        "attributes": e.attributes,
                        "channel": e.channel.as_deref().unwrap_or("widget"),
                    });
                    out.extend_from_slice(line.to_string().as_bytes());
                    out.push(b'\n');
                }
                out
            }
        }
    }
}

/// The CSV columns of a complaints export, in order. Like the answers' export, it names no
/// e-mail address and no visitor hash (the admin listing shows them).
pub const COMPLAINT_CSV_COLUMNS: [&str; 23] = [
    "id",
    "reference",
    "received_at",
    "status",
    "priority",
    "kind",
    "category",
    "description",
    "impact",
    "page_url",
    "page_path",
    "device",
    "browser",
    "locale",
    "user_id",
    // A JSON object, empty when the site sent none.
    "attributes",
    // The assignee's e-mail address, empty when nobody has the case.
    "assignee",
    // The linked problem record's id and title, empty when there is none.
    "problem_id",
    "problem",
    // The description's sentiment, −1 to 1, and its label; empty where the language has no
    // lexicon.
    "sentiment",
    "sentiment_label",
    "channel",
    "source_url",
];

impl Format {
    /// What comes before the first complaint: CSV's header.
    pub fn complaint_header(self) -> Vec<u8> {
        match self {
            Format::Csv => csv_bytes(|w| w.write_record(COMPLAINT_CSV_COLUMNS)),
            Format::Ndjson => Vec::new(),
        }
    }

    /// One page of complaints, encoded: a CSV row or an NDJSON line each.
    pub fn encode_complaints(self, rows: &[StoredComplaint]) -> Vec<u8> {
        let kind = |c: &StoredComplaint| match c.kind {
            shared::ComplaintKind::Problem => "problem",
            shared::ComplaintKind::Suggestion => "suggestion",
        };
        match self {
            Format::Csv => csv_bytes(|w| {
                for c in rows {
                    let e = &c.enrichment;
                    let attributes = if e.attributes.is_empty() {
                        String::new()
                    } else {
                        serde_json::to_string(&e.attributes).unwrap_or_default()
                    };
                    let (sentiment, label) =
                        csv_sentiment(sentiment(&c.description, e.locale.as_deref()));
                    let (problem_id, problem) = c
                        .problem
                        .as_ref()
                        .map(|(id, title)| (id.to_string(), title.as_str()))
                        .unwrap_or_default();
                    w.write_record([
                        c.id.to_string().as_str(),
                        &reference(c.number),
                        &rfc3339(c.received_at),
                        c.status.as_str(),
                        c.priority.as_str(),
                        kind(c),
                        c.category.as_deref().unwrap_or_default(),
                        &c.description,
                        &c.impact.map(|i| i.to_string()).unwrap_or_default(),
                        c.page_url.as_deref().unwrap_or_default(),
                        e.page_path.as_deref().unwrap_or_default(),
                        e.device.as_deref().unwrap_or_default(),
                        e.browser.as_deref().unwrap_or_default(),
                        e.locale.as_deref().unwrap_or_default(),
                        e.user_id.as_deref().unwrap_or_default(),
                        &attributes,
                        c.assignee
                            .as_ref()
                            .map(|a| a.email.as_str())
                            .unwrap_or_default(),
                        &problem_id,
                        problem,
                        &sentiment,
                        label,
                        &c.channel,
                        c.source_url.as_deref().unwrap_or_default(),
                    ])?;
                }
                Ok(())
            }),
            Format::Ndjson => {
                let mut out = Vec::new();
                for c in rows {
                    let e = &c.enrichment;
                    let s = sentiment(&c.description, e.locale.as_deref());
                    let line = serde_json::json!({
                        "id": c.id,
                        "reference": reference(c.number),
                        "received_at": rfc3339(c.received_at),
                        "status": c.status,
                        "priority": c.priority,
                        "kind": kind(c),
                        "category": c.category,
                        "description": c.description,
                        "impact": c.impact,
                        "page_url": c.page_url,
                        "page_path": e.page_path,
                        "device": e.device,
                        "browser": e.browser,
                        "locale": e.locale,
                        "user_id": e.user_id,
                        "attributes": e.attributes,
                        "assignee": c.assignee.as_ref().map(|a| &a.email),
                        "problem_id": c.problem.as_ref().map(|(id, _)| id),
                        "problem": c.problem.as_ref().map(|(_, title)| title),
                        "sentiment": s.map(|s| s.sentiment),
                        "sentiment_label": s.map(|s| s.sentiment_label),
                        "channel": c.channel,
                        "source_url": c.source_url,
                    });
                    out.extend_from_slice(line.to_string().as_bytes());
                    out.push(b'\n');
                }
                out
            }
        }
    }
}

/// Reads the next page of a site's complaints after `after`; `None` once there are no more.
pub async fn next_complaint_page(
    store: &dyn Store,
    site: &SiteKey,
    after: &mut After,
) -> StoreResult<Option<Vec<StoredComplaint>>> {
    let rows = store.complaints_page(site, *after, PAGE).await?;
    match rows.last() {
        Some(last) => {
            *after = Some((last.received_at, last.id));
            Ok(Some(rows))
        }
        None => Ok(None),
    }
}

/// Writes CSV into memory; writing into a `Vec` cannot fail but for a bug.
/// The complaint metrics' groups as CSV, a row per group (all, each agent, each category); times
/// in business minutes, shares 0 to 1, empty where there is no number.
pub fn complaint_report_csv(report: &shared::insight::ComplaintReport) -> Vec<u8> {
    let num = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
    csv_bytes(|w| {
        w.write_record([
            "from",
            "to",
            "by",
            "key",
            "received",
            "resolved",
            "first_response_n",
            "first_response_median_minutes",
            "first_response_p90_minutes",
            "resolution_n",
            "resolution_median_minutes",
            "resolution_p90_minutes",
            "sla_clocks_decided",
            "sla_met_share",
            "reopened_share",
            "csat_n",
            "csat_mean",
            "ces_n",
            "ces_mean",
        ])?;
        for g in &report.groups {
            w.write_record([
                report.from.clone(),
                report.to.clone(),
                g.by.clone(),
                g.key.clone(),
                g.received.to_string(),
                g.resolved.to_string(),
                g.first_response.n.to_string(),
                num(g.first_response.median),
                num(g.first_response.p90),
                g.resolution.n.to_string(),
                num(g.resolution.median),
                num(g.resolution.p90),
                g.sla_met.n.to_string(),
                num(g.sla_met.value),
                num(g.reopened.value),
                g.csat.n.to_string(),
                num(g.csat.value),
                g.ces.n.to_string(),
                num(g.ces.value),
            ])?;
        }
        Ok(())
    })
}

fn csv_bytes(write: impl FnOnce(&mut csv::Writer<&mut Vec<u8>>) -> csv::Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        write(&mut w).expect("CSV into memory");
        w.flush().expect("CSV into memory");
    }
    out
}

/// Reads the next page of a site's responses after `after`; `None` once there are no more.
pub async fn next_page(
    store: &dyn Store,
    site: &SiteKey,
    after: &mut After,
) -> StoreResult<Option<Vec<StoredResponse>>> {
    let rows = store.responses_page(site, *after, PAGE).await?;
    match rows.last() {
        Some(last) => {
            *after = Some((last.received_at, last.id));
            Ok(Some(rows))
        }
        None => Ok(None),
    }
}

/// The non-numeric part of an answer, as one CSV cell: a text answer's text, or a choice's
/// chosen option indices separated by `;`, then `other: …` when the visitor wrote one.
fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Text { text, .. } => text.clone(),
        Answer::Choice {
            selected, other, ..
        } => {
            let mut cell: Vec<String> = selected.iter().map(u16::to_string).collect();
            if let Some(other) = other {
                cell.push(format!("other: {other}"));
            }
            cell.join(";")
        }
        _ => String::new(),
    }
}

/// A sentiment as two CSV cells: the score and the label, both empty without one.
fn csv_sentiment(s: Option<Sentiment>) -> (String, &'static str) {
    match s {
        Some(s) => (
            s.sentiment.to_string(),
            match s.sentiment_label {
                Label::Negative => "negative",
                Label::Neutral => "neutral",
                Label::Positive => "positive",
            },
        ),
        None => (String::new(), ""),
    }
}
