//! Complaints from another system's history, imported from CSV (`hark import complaints`): one
//! row per complaint, with the time it came in, its channel and where it stands (status, when
//! the team first answered, when it was resolved). Each goes through the site's intake rules
//! (category, priority, routing, hot-stove) at its own time, then `complaints::imported` stops
//! its SLA clocks where its history says and sends nothing: no webhook, no e-mail, no alarm is
//! about the past. `external_id` makes it idempotent, and is the same id the intake API uses, so
//! a complaint an integration sent is not imported again.
//!
//! Columns (a header names them, in any order; `external_id`, `received_at` and `description`
//! are required): `external_id, received_at, description, channel, kind, category, impact,
//! email, contact_consent, locale, user_id, source_url, status, first_response_at,
//! resolved_at`. A dry run checks every row and reports each bad one by line; a real run
//! imports nothing when a row is bad.

use crate::clock::Millis;
use crate::complaints::{cases, History, CHANNELS};
use crate::enrich::Enrichment;
use crate::import::{read_rows, response_id, Columns, Fields, Report};
use crate::store::{NewComplaint, Store, Stored};
use shared::case::Status;
use shared::{ComplaintSubmission, SiteKey};

/// The columns, in the order the sample writes them.
pub const COLUMNS: [&str; 15] = [
    "external_id",
    "received_at",
    "description",
    "channel",
    "kind",
    "category",
    "impact",
    "email",
    "contact_consent",
    "locale",
    "user_id",
    "source_url",
    "status",
    "first_response_at",
    "resolved_at",
];

/// The statuses a complaint may be imported in.
const STATUSES: [Status; 6] = [
    Status::New,
    Status::Open,
    Status::InProgress,
    Status::WaitingOnCustomer,
    Status::Resolved,
    Status::Closed,
];

/// One row, checked.
struct Row {
    complaint: ComplaintSubmission,
    received_at: Millis,
    channel: &'static str,
    locale: Option<String>,
    user_id: Option<String>,
    source_url: Option<String>,
    history: History,
}

/// Imports `csv` into `site`'s cases; `progress` hears how many rows were stored so far.
pub async fn import_complaints(
    store: &dyn Store,
    site: &SiteKey,
    csv: impl std::io::Read,
    dry_run: bool,
    now: Millis,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<Report> {
    let categories = store
        .site_settings(site)
        .await?
        .map(|s| s.categories)
        .unwrap_or_default();
    let columns = Columns {
        known: &COLUMNS,
        also: None,
        required: &["external_id", "received_at", "description"],
    };
    let (mut report, good) = read_rows(csv, &columns, dry_run, &mut |fields| {
        row(site, &categories, fields, now)
    })?;
    if dry_run || !report.bad.is_empty() {
        return Ok(report);
    }
    let levels = cases::service_levels(store, site).await?;
    for (i, r) in good.into_iter().enumerate() {
        let mut intake = cases::intake(
            store,
            site,
            &r.complaint.id,
            r.complaint.category.as_deref(),
            &r.complaint.description,
            r.complaint.impact,
            r.received_at,
        )
        .await?;
        crate::complaints::imported(&mut intake, r.channel, r.history, &levels, now);
        let (stored, _) = store
            .insert_complaint(&NewComplaint {
                complaint: r.complaint,
                enrichment: Enrichment {
                    locale: r.locale,
                    user_id: r.user_id,
                    ..Enrichment::default()
                },
                received_at: r.received_at,
                intake,
                token: None,
                channel: r.channel,
                source_url: r.source_url,
                resolved_at: r.history.resolved_at,
            })
            .await?;
        match stored {
            Stored::Created => report.imported += 1,
            Stored::Replayed => report.already += 1,
        }
        if (i + 1) % 500 == 0 {
            progress(report.imported + report.already);
        }
    }
    progress(report.imported + report.already);
    Ok(report)
}

/// A time column: RFC 3339, not in the future.
fn time(fields: &Fields<'_>, column: &str, now: Millis) -> Result<Option<Millis>, String> {
    let Some(at) = fields.get(column) else {
        return Ok(None);
    };
    let ms = at
        .parse::<jiff::Timestamp>()
        .map_err(|_| format!("{column} is a time like 2026-03-01T09:30:00Z, not {at:?}"))?
        .as_millisecond();
    if ms > now {
        return Err(format!("{column} {at} is in the future"));
    }
    Ok(Some(ms))
}

/// One row as a complaint to store, or why it cannot be.
fn row(
    site: &SiteKey,
    categories: &[String],
    fields: &Fields<'_>,
    now: Millis,
) -> Result<Row, String> {
    let get = |name: &str| fields.get(name);
    let external = get("external_id").ok_or("external_id is empty")?;
    if external.chars().count() > 200 {
        return Err("external_id is at most 200 characters".into());
    }
    let received_at = time(fields, "received_at", now)?.ok_or("received_at is empty")?;
    let channel = match get("channel") {
        None => "other",
        Some(c) => CHANNELS
            .iter()
            .copied()
            .find(|known| *known == c)
            .ok_or_else(|| format!("channel is one of {}", CHANNELS.join(", ")))?,
    };
    let consent = match get("contact_consent") {
        None | Some("false" | "no" | "0") => false,
        Some("true" | "yes" | "1") => true,
        Some(other) => return Err(format!("contact_consent is true or false, not {other:?}")),
    };
    let impact = get("impact")
        .map(|i| {
            i.parse::<u8>()
                .map_err(|_| format!("impact is 1 to 4, not {i:?}"))
        })
        .transpose()?;
    let complaint: ComplaintSubmission = serde_json::from_value(serde_json::json!({
        "id": response_id(site, &format!("complaint:{external}")),
        "site_key": site,
        "kind": get("kind").unwrap_or("problem"),
        "category": get("category"),
        "description": get("description").ok_or("description is empty")?,
        "impact": impact,
        "email": get("email"),
        "contact_consent": consent,
    }))
    .map_err(|e| e.to_string())?;
    complaint
        .check_category(categories)
        .map_err(|e| e.message().to_owned())?;
    let locale = match get("locale") {
        None => None,
        Some(l) => Some(
            crate::enrich::locale(l)
                .filter(|t| t == l)
                .ok_or_else(|| format!("locale {l:?} is not a language tag"))?,
        ),
    };
    let source_url = match get("source_url") {
        None => None,
        Some(u)
            if u.chars().count() <= shared::MAX_PAGE_URL
                && url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https")) =>
        {
            Some(u.to_owned())
        }
        Some(_) => return Err("source_url is an http(s) URL".into()),
    };
    let status = match get("status") {
        None => Status::New,
        Some(s) => STATUSES
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = STATUSES.iter().map(|s| s.as_str()).collect();
                format!("status is one of {}", names.join(", "))
            })?,
    };
    let first_response_at = time(fields, "first_response_at", now)?;
    let resolved_at = time(fields, "resolved_at", now)?;
    let done = matches!(status, Status::Resolved | Status::Closed);
    match (done, resolved_at) {
        (true, None) => return Err(format!("a {} complaint needs resolved_at", status.as_str())),
        (false, Some(_)) => {
            return Err(format!(
                "resolved_at is for resolved and closed complaints, not {}",
                status.as_str()
            ))
        }
        _ => {}
    }
    for (name, at) in [
        ("first_response_at", first_response_at),
        ("resolved_at", resolved_at),
    ] {
        if at.is_some_and(|at| at < received_at) {
            return Err(format!("{name} is before received_at"));
        }
    }
    if let (Some(first), Some(resolved)) = (first_response_at, resolved_at) {
        if first > resolved {
            return Err("first_response_at is after resolved_at".into());
        }
    }
    let user_id = get("user_id").map(|u| u.chars().take(crate::enrich::MAX_USER_ID).collect());
    Ok(Row {
        complaint,
        received_at,
        channel,
        locale,
        user_id,
        source_url,
        history: History {
            status,
            first_response_at,
            resolved_at,
        },
    })
}

/// A sample of `days` days of complaints up to `now`, in the import's columns, for trying Hark
/// (`cargo xtask demo`): a few a day in the site's default categories, from several channels,
/// most answered and resolved within a day or two, deliveries piling up in the last week.
pub fn sample_complaints(days: u32, now: Millis, seed: u64) -> String {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const HOUR_MS: i64 = 60 * 60 * 1000;
    const WORDS: [(&str, &str); 10] = [
        ("Delivery", "The parcel arrived two days late"),
        ("Delivery", "The courier left the box in the rain"),
        ("Billing", "The invoice shows a fee I did not expect"),
        ("Billing", "My refund has not arrived yet"),
        ("Product defect", "The grinder stopped working after a week"),
        ("Product defect", "The beans were stale"),
        ("Website", "The checkout page froze on my phone"),
        ("Service failure", "Nobody answered my e-mail for days"),
        ("Website", "I cannot change my address in the account"),
        ("Other", "The store opening hours are wrong online"),
    ];
    const CHANNELS_USED: [&str; 5] = ["widget", "phone", "email", "chat", "review"];
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let time = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    let mut out = COLUMNS.join(",");
    out.push('\n');
    let today = now.div_euclid(DAY_MS);
    let mut n = 0;
    for day in (1..=i64::from(days)).rev() {
        let date = today - day;
        let mut count = 1 + next() % 4;
        // Deliveries pile up in the last week: an emerging issue.
        let late_week = day <= 7;
        if late_week {
            count += 3;
        }
        for _ in 0..count {
            n += 1;
            let at = date * DAY_MS + 8 * HOUR_MS + (next() % (10 * HOUR_MS as u64)) as i64;
            let (category, words) = if late_week && next() % 2 == 0 {
                WORDS[(next() % 2) as usize]
            } else {
                WORDS[(next() % WORDS.len() as u64) as usize]
            };
            let channel = CHANNELS_USED[(next() % CHANNELS_USED.len() as u64) as usize];
            let impact = 1 + next() % 4;
            let answered = at + (1 + next() % 20) as i64 * HOUR_MS;
            let resolved = answered + (2 + next() % 60) as i64 * HOUR_MS;
            // Older cases are closed; recent ones are still worked.
            let (status, first, done) = if resolved < now - 3 * DAY_MS {
                ("closed", time(answered), time(resolved))
            } else if answered < now {
                ("in_progress", time(answered), String::new())
            } else {
                ("new", String::new(), String::new())
            };
            out.push_str(&format!(
                "sample-complaint-{n},{},{words},{channel},problem,{category},{impact},,,,,,{status},{first},{done}\n",
                time(at)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_the_same_for_a_seed_and_reads_as_csv() {
        let now = 20_787 * 24 * 60 * 60 * 1000;
        let a = sample_complaints(60, now, 7);
        assert_eq!(a, sample_complaints(60, now, 7));
        let mut reader = csv::Reader::from_reader(a.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(rows.len() >= 60, "{}", rows.len());
        assert!(rows.iter().all(|r| r.len() == COLUMNS.len()));
        assert!(rows.iter().any(|r| &r[12] == "closed") && rows.iter().any(|r| &r[12] != "closed"));
    }
}
