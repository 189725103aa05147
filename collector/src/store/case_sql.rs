//! `CaseStore`'s SQL, written once for both engines. The statements use `$N` placeholders, which
//! SQLite reads as numbered parameters too, and only SQL both engines accept (`CAST(… AS TEXT)`
//! for ids and JSON). What differs is passed in: the engine, how a complaint id is bound (text on
//! SQLite, `UUID` on PostgreSQL), how a transaction begins (`BEGIN IMMEDIATE` on SQLite, so that
//! one that reads before it writes waits for the write lock instead of failing with `SQLITE_BUSY`
//! when another connection wrote meanwhile), how a job is locked while taken (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, whose runners may race; SQLite has one writer), how the other collectors' runners
//! hear of a new job (`NOTIFY` on PostgreSQL; SQLite has one process) and how text is searched (an FTS5
//! trigram index on SQLite, `LIKE` over a `pg_trgm` index on PostgreSQL).

use super::case_store::{Candidate, Job, ProblemRecord, StoredComplaint, StoredEntry};
use super::{Enrichment, StoreResult};
use crate::complaints::NewEntry;
use anyhow::Context as _;
use shared::case::{Actor, EntryKind, Priority, ProblemStatus, Status, Urgency, UserRef};
use shared::{ComplaintKind, ResponseId};

/// The columns `read_case` reads, in its order, from `complaints c` joined to `users u` (the
/// assignee) and `problems p`.
pub(super) const CASE_COLUMNS: &str = "CAST(c.id AS TEXT), c.status, c.kind, c.category,
    c.description, CAST(c.impact AS BIGINT), c.email, c.contact_consent, c.page_url,
    c.received_at, c.page_path, c.device, c.browser, c.locale, c.visitor, c.user_id,
    CAST(c.attributes AS TEXT), c.number, c.urgency, c.priority, c.priority_overridden,
    c.assignee_id, u.email, c.problem_id, p.title, CAST(c.merged_into AS TEXT), c.updated_at,
    c.resolved_at, c.hot, c.sla, c.channel, c.source_url";

/// The site is picked by `c.site_id = (SELECT …)`, not by a join: PostgreSQL then walks the
/// site's time index in the list's order (with a join it read and sorted every case, 135 ms at
/// 100,000).
pub(super) const CASE_FROM: &str = "complaints c
    LEFT JOIN users u ON u.id = c.assignee_id LEFT JOIN problems p ON p.id = c.problem_id";

/// The statuses the team still works, as an SQL list.
pub(super) const ACTIVE: &str = "('new', 'open', 'in_progress', 'waiting_on_customer', 'reopened')";

pub(super) const PROBLEM_COLUMNS: &str = "p.id, p.title, p.category, p.status, p.root_cause,
    p.workaround, p.fix, p.created_at, p.updated_at,
    (SELECT COUNT(*) FROM complaints c WHERE c.problem_id = p.id),
    (SELECT COUNT(*) FROM complaints c WHERE c.problem_id = p.id AND c.status IN
        ('new', 'open', 'in_progress', 'waiting_on_customer', 'reopened'))";

fn bad(what: &str) -> anyhow::Error {
    anyhow::anyhow!("a stored {what} is invalid")
}

pub(super) fn status(s: &str) -> StoreResult<Status> {
    Ok(Status::parse(s).ok_or_else(|| bad("complaint status"))?)
}

pub(super) fn id(s: &str) -> StoreResult<ResponseId> {
    Ok(ResponseId::parse(s).context("a stored complaint id is invalid")?)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A case row's values, read by position from either engine's row.
pub(super) fn read_case<R>(r: &R) -> StoreResult<StoredComplaint>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let attributes: String = r.try_get(16)?;
    let assignee: Option<i64> = r.try_get(21)?;
    let problem: Option<i64> = r.try_get(23)?;
    Ok(StoredComplaint {
        id: id(&r.try_get::<String, _>(0)?)?,
        status: status(&r.try_get::<String, _>(1)?)?,
        kind: match r.try_get::<String, _>(2)?.as_str() {
            "suggestion" => ComplaintKind::Suggestion,
            _ => ComplaintKind::Problem,
        },
        category: r.try_get(3)?,
        description: r.try_get(4)?,
        impact: r
            .try_get::<Option<i64>, _>(5)?
            .and_then(|i| u8::try_from(i).ok()),
        email: r.try_get(6)?,
        contact_consent: r.try_get(7)?,
        page_url: r.try_get(8)?,
        received_at: r.try_get(9)?,
        enrichment: Enrichment {
            page_path: r.try_get(10)?,
            device: r.try_get(11)?,
            browser: r.try_get(12)?,
            locale: r.try_get(13)?,
            visitor: r.try_get(14)?,
            user_id: r.try_get(15)?,
            email: None,
            attributes: serde_json::from_str(&attributes)
                .context("stored attributes are invalid")?,
            segments: Vec::new(),
            channel: None,
        },
        number: count(r.try_get(17)?),
        urgency: Urgency::parse(&r.try_get::<String, _>(18)?).ok_or_else(|| bad("urgency"))?,
        priority: u8::try_from(r.try_get::<i64, _>(19)?)
            .ok()
            .and_then(Priority::from_rank)
            .ok_or_else(|| bad("priority"))?,
        priority_overridden: r.try_get(20)?,
        assignee: match (assignee, r.try_get::<Option<String>, _>(22)?) {
            (Some(id), Some(email)) => Some(UserRef { id, email }),
            _ => None,
        },
        problem: match (problem, r.try_get::<Option<String>, _>(24)?) {
            (Some(id), Some(title)) => Some((id, title)),
            _ => None,
        },
        merged_into: r
            .try_get::<Option<String>, _>(25)?
            .map(|s| id(&s))
            .transpose()?,
        updated_at: r.try_get(26)?,
        resolved_at: r.try_get(27)?,
        hot: r.try_get(28)?,
        sla: match r.try_get::<Option<String>, _>(29)? {
            Some(json) => serde_json::from_str(&json).context("a stored case's SLA is invalid")?,
            None => Default::default(),
        },
        channel: r.try_get(30)?,
        source_url: r.try_get(31)?,
    })
}

/// How an actor is stored: its type, id and name.
pub(super) fn actor_columns(actor: &Actor) -> (&'static str, Option<i64>, Option<&str>) {
    match actor {
        Actor::User { id, email } => ("user", Some(*id), Some(email)),
        Actor::Token { id } => ("token", Some(*id), None),
        Actor::Customer => ("customer", None, None),
        Actor::Rule { name } => ("rule", None, Some(name)),
        Actor::System => ("system", None, None),
    }
}

pub(super) fn read_entry<R>(r: &R) -> StoreResult<StoredEntry>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let actor_id: Option<i64> = r.try_get(3)?;
    let actor_name: Option<String> = r.try_get(4)?;
    let actor = match (r.try_get::<String, _>(2)?.as_str(), actor_id, actor_name) {
        ("user", Some(id), Some(email)) => Actor::User { id, email },
        ("token", Some(id), _) => Actor::Token { id },
        ("customer", _, _) => Actor::Customer,
        ("rule", _, Some(name)) => Actor::Rule { name },
        ("system", _, _) => Actor::System,
        _ => return Err(bad("timeline actor").into()),
    };
    Ok(StoredEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        kind: EntryKind::parse(&r.try_get::<String, _>(5)?).ok_or_else(|| bad("entry kind"))?,
        actor,
        body: r.try_get(6)?,
        detail: r.try_get(7)?,
    })
}

pub(super) fn read_problem<R>(r: &R) -> StoreResult<ProblemRecord>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(ProblemRecord {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        category: r.try_get(2)?,
        status: ProblemStatus::parse(&r.try_get::<String, _>(3)?)
            .ok_or_else(|| bad("problem status"))?,
        root_cause: r.try_get(4)?,
        workaround: r.try_get(5)?,
        fix: r.try_get(6)?,
        created_at: r.try_get(7)?,
        updated_at: r.try_get(8)?,
        linked: count(r.try_get(9)?),
        linked_active: count(r.try_get(10)?),
    })
}

pub(super) fn read_job<R>(r: &R) -> StoreResult<Job>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Job {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        due_at: r.try_get(2)?,
        payload: r.try_get(3)?,
        attempts: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or(u32::MAX),
    })
}

pub(super) fn read_candidate<R>(r: &R) -> StoreResult<Candidate>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Candidate {
        id: id(&r.try_get::<String, _>(0)?)?,
        number: count(r.try_get(1)?),
        status: status(&r.try_get::<String, _>(2)?)?,
        description: r.try_get(3)?,
    })
}

/// `e` with its `complaint.reference` set from the case's `number`.
pub(super) fn with_reference(
    e: &super::case_store::NewEvent,
    number: i64,
) -> super::case_store::NewEvent {
    let mut e = e.clone();
    if let Ok(mut data) = serde_json::from_str::<serde_json::Value>(&e.payload) {
        if let Some(c) = data.get_mut("complaint").and_then(|c| c.as_object_mut()) {
            let n = u64::try_from(number).unwrap_or(0);
            c.insert(
                "reference".into(),
                crate::complaints::reference::reference(n).into(),
            );
            e.payload = data.to_string();
        }
    }
    e
}

/// How an SLA state is stored (`complaints.sla_state`).
pub(super) fn sla_state(s: shared::sla::SlaState) -> &'static str {
    use shared::sla::SlaState;
    match s {
        SlaState::OnTrack => "on_track",
        SlaState::AtRisk => "at_risk",
        SlaState::Breached => "breached",
        SlaState::Met => "met",
        SlaState::Paused => "paused",
    }
}

/// How `one_case` finds a case.
#[derive(Clone, Copy)]
pub(super) enum CaseKey<'a> {
    Id(&'a ResponseId),
    Number(u64),
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(super) fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// How a text search joins the list's query, as the engine decides from how much matches.
pub(super) enum TextMatch {
    /// So few cases match that they are fetched by their numbers and then sorted: walking the
    /// list's order would read every case to find them.
    Numbers(Vec<i64>),
    /// So many match that walking the list in its order soon fills a page: the condition
    /// `prefix` value `suffix`, checked on each case walked.
    Walk {
        prefix: &'static str,
        value: String,
        suffix: &'static str,
    },
}

impl TextMatch {
    /// The plain `LOWER(…) LIKE` substring test, on each case walked.
    pub(super) fn like(text: &str) -> Self {
        TextMatch::Walk {
            prefix: "LOWER(c.description) LIKE ",
            value: like_pattern(text),
            suffix: " ESCAPE '\\'",
        }
    }
}

/// The most matches a search fetches by number (`TextMatch::Numbers`); more are walked.
pub(super) const MOST_BY_NUMBER: usize = 1_000;

/// The entries' columns in `INSERT INTO complaint_events` order, but the complaint's id and time.
pub(super) fn entry_values(
    e: &NewEntry,
) -> (&'static str, Option<i64>, Option<&str>, &'static str) {
    let (actor_type, actor_id, actor_name) = actor_columns(&e.actor);
    (actor_type, actor_id, actor_name, e.kind.as_str())
}

/// A row of `case_events_after`, read by position from either engine's row.
pub(super) fn read_case_event<R>(r: &R) -> StoreResult<super::CaseEventRow>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let site: String = r.try_get(1)?;
    let number = count(r.try_get(3)?);
    Ok(super::CaseEventRow {
        id: r.try_get(0)?,
        event: shared::case::CaseEvent {
            site_key: shared::SiteKey::parse(&site).map_err(|_| bad("site key"))?,
            case: id(&r.try_get::<String, _>(2)?)?,
            reference: crate::complaints::reference::reference(number),
            kind: EntryKind::parse(&r.try_get::<String, _>(4)?)
                .ok_or_else(|| bad("timeline entry"))?,
            status: status(&r.try_get::<String, _>(5)?)?,
            priority: u8::try_from(r.try_get::<i64, _>(6)?)
                .ok()
                .and_then(Priority::from_rank)
                .ok_or_else(|| bad("priority"))?,
            hot: r.try_get(7)?,
        },
    })
}

/// Implements `CaseStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`.
macro_rules! case_store {
    ($store:ty, $db:ty, bind_id: $bind_id:expr, begin: $begin:literal, lock: $lock:literal, notify: $notify:literal, serialize: $serialize:literal, text: $text:path) => {
        impl $store {
            /// Appends timeline entries and sets timers inside a transaction.
            async fn append(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: &shared::ResponseId,
                at: $crate::clock::Millis,
                entries: &[$crate::complaints::NewEntry],
                jobs: &[$crate::store::case_store::NewJob],
                events: &[$crate::store::case_store::NewEvent],
            ) -> $crate::store::StoreResult<()> {
                for e in events {
                    sqlx::query(
                        "INSERT INTO outbox_events
                             (site_id, event_id, type, payload, created_at, fanned_out_at)
                         SELECT site_id, $2, $3, $4, $5, $6 FROM complaints WHERE id = $1",
                    )
                    .bind(($bind_id)(id))
                    .bind(&e.event_id)
                    .bind(&e.kind)
                    .bind(&e.payload)
                    .bind(at)
                    .bind(e.fanned_out_at(at))
                    .execute(&mut *conn)
                    .await?;
                }
                if !events.is_empty() && !$notify.is_empty() {
                    sqlx::query(concat!($notify, "hark_outbox"))
                        .execute(&mut *conn)
                        .await?;
                }
                for j in jobs {
                    sqlx::query(
                        "INSERT INTO jobs (kind, due_at, payload, created_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&j.kind)
                    .bind(j.due_at)
                    .bind(&j.payload)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
                if !jobs.is_empty() && !$notify.is_empty() {
                    // Delivered at commit, to every collector's runner (`Store::watch_jobs`).
                    sqlx::query(concat!($notify, "hark_jobs"))
                        .execute(&mut *conn)
                        .await?;
                }
                if entries.is_empty() {
                    return Ok(());
                }
                // The timeline last, as the transaction's last statements (the callers commit
                // next): on PostgreSQL under a lock held to the commit, so that entries are
                // numbered in the order their changes commit and the live stream, reading
                // entries after the last one it sent, never skips one that commits late.
                if !$serialize.is_empty() {
                    sqlx::query($serialize).execute(&mut *conn).await?;
                    sqlx::query(concat!($notify, "hark_live"))
                        .execute(&mut *conn)
                        .await?;
                }
                for e in entries {
                    let (actor_type, actor_id, actor_name, kind) =
                        $crate::store::case_sql::entry_values(e);
                    sqlx::query(
                        "INSERT INTO complaint_events
                             (complaint_id, at, kind, actor_type, actor_id, actor_name, body, detail)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(($bind_id)(id))
                    .bind(at)
                    .bind(kind)
                    .bind(actor_type)
                    .bind(actor_id)
                    .bind(actor_name)
                    .bind(e.body.as_deref())
                    .bind(e.detail.as_deref())
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            }

            /// Keeps a status-page token's hash for case `id`.
            async fn insert_token(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: &shared::ResponseId,
                token: &$crate::store::case_store::CaseToken,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO case_tokens (hash, complaint_id, created_at, expires_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&token.hash)
                .bind(($bind_id)(id))
                .bind(now)
                .bind(token.expires_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// One case of a site, by its id or by its number.
            async fn one_case(
                &self,
                site: &shared::SiteKey,
                key: $crate::store::case_sql::CaseKey<'_>,
            ) -> $crate::store::StoreResult<Option<$crate::store::StoredComplaint>> {
                use $crate::store::case_sql::{CaseKey, CASE_COLUMNS, CASE_FROM};
                let condition = match key {
                    CaseKey::Id(_) => "c.id = $2",
                    CaseKey::Number(_) => "c.number = $2",
                };
                let sql = format!(
                    "SELECT {CASE_COLUMNS} FROM {CASE_FROM}
                     WHERE c.site_id = (SELECT id FROM sites WHERE key = $1) AND {condition}"
                );
                let query = sqlx::query(&sql).bind(site.as_str());
                let query = match key {
                    CaseKey::Id(id) => query.bind(($bind_id)(id)),
                    CaseKey::Number(n) => query.bind(i64::try_from(n).unwrap_or(i64::MAX)),
                };
                let row = query.fetch_optional(&self.pool).await?;
                row.map(|r| $crate::store::case_sql::read_case(&r)).transpose()
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::CaseStore for $store {
            async fn insert_complaint(
                &self,
                n: &$crate::store::NewComplaint,
            ) -> $crate::store::StoreResult<($crate::store::Stored, u64)> {
                use $crate::store::{StoreError, Stored};
                let (c, e, intake) = (&n.complaint, &n.enrichment, &n.intake);
                let mut tx = self.pool.begin_with($begin).await?;
                // Taking the site's next number locks its row (on PostgreSQL), so concurrent
                // complaints of one site are numbered one after another.
                let number: Option<i64> = sqlx::query_scalar(
                    "UPDATE sites SET complaint_count = complaint_count + 1 WHERE key = $1
                     RETURNING complaint_count",
                )
                .bind(c.site_key.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(number) = number else {
                    return Err(StoreError::Other(anyhow::anyhow!(
                        "no site has the key {}",
                        c.site_key
                    )));
                };
                let inserted = sqlx::query(
                    "INSERT INTO complaints (id, site_id, status, kind, category, description,
                         impact, email, contact_consent, page_url, page_path, device, browser,
                         locale, visitor, user_id, attributes, received_at, number, urgency,
                         priority, assignee_id, updated_at, hot, sla, sla_state, sla_due_at,
                         channel, source_url, resolved_at)
                     SELECT $1, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                         $16, $17, $18, $19, $20, $21, $17, $23, $24, $25, $26, $27, $28, $29
                     FROM sites WHERE key = $22
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(($bind_id)(&c.id))
                .bind(intake.status.as_str())
                .bind($crate::store::site_store::kind_name(c.kind))
                .bind(intake.category.as_deref())
                .bind(&c.description)
                .bind(c.impact.map(i64::from))
                .bind(c.email.as_deref())
                .bind(c.contact_consent)
                .bind(c.page_url.as_deref())
                .bind(e.page_path.as_deref())
                .bind(e.device.as_deref())
                .bind(e.browser.as_deref())
                .bind(e.locale.as_deref())
                .bind(e.visitor.as_deref())
                .bind(e.user_id.as_deref())
                .bind(sqlx::types::Json(&e.attributes))
                .bind(n.received_at)
                .bind(number)
                .bind(intake.urgency.as_str())
                .bind(i64::from(intake.priority.rank()))
                .bind(intake.assignee)
                .bind(c.site_key.as_str())
                .bind(intake.hot)
                .bind(intake.sla.as_ref().map(|u| $crate::store::site_store::encode(&u.sla)).transpose()?)
                .bind(intake.sla.as_ref().and_then(|u| u.state).map($crate::store::case_sql::sla_state))
                .bind(intake.sla.as_ref().and_then(|u| u.due_at))
                .bind(n.channel)
                .bind(n.source_url.as_deref())
                .bind(n.resolved_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    // The events were written before the case had its number.
                    let events: Vec<_> = intake
                        .events
                        .iter()
                        .map(|e| $crate::store::case_sql::with_reference(e, number))
                        .collect();
                    Self::append(
                        &mut *tx,
                        &c.id,
                        n.received_at,
                        &intake.entries,
                        &intake.jobs,
                        &events,
                    )
                    .await?;
                    if let Some(token) = &n.token {
                        Self::insert_token(&mut *tx, &c.id, token, n.received_at).await?;
                    }
                    tx.commit().await?;
                    self.committed(!intake.jobs.is_empty(), !intake.events.is_empty());
                    self.appended();
                    return Ok((Stored::Created, number as u64));
                }
                // A replay: the number is not taken after all.
                tx.rollback().await?;
                let owner = sqlx::query(
                    "SELECT t.key, c.number FROM complaints c JOIN sites t ON t.id = c.site_id
                     WHERE c.id = $1",
                )
                .bind(($bind_id)(&c.id))
                .fetch_optional(&self.pool)
                .await?;
                use sqlx::Row as _;
                match owner {
                    Some(row) if row.try_get::<String, _>(0)? == c.site_key.as_str() => {
                        if let Some(token) = &n.token {
                            let mut conn = self.pool.acquire().await?;
                            Self::insert_token(&mut *conn, &c.id, token, n.received_at).await?;
                        }
                        Ok((Stored::Replayed, row.try_get::<i64, _>(1)? as u64))
                    }
                    Some(_) => Err(StoreError::Conflict("complaints.id")),
                    None => Err(StoreError::Other(anyhow::anyhow!(
                        "a complaint was neither stored nor found"
                    ))),
                }
            }

            async fn case(
                &self,
                site: &shared::SiteKey,
                id: &shared::ResponseId,
            ) -> $crate::store::StoreResult<Option<$crate::store::StoredComplaint>> {
                self.one_case(site, $crate::store::case_sql::CaseKey::Id(id))
                    .await
            }

            async fn add_case_token(
                &self,
                id: &shared::ResponseId,
                token: &$crate::store::case_store::CaseToken,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<()> {
                let mut conn = self.pool.acquire().await?;
                Self::insert_token(&mut *conn, id, token, now).await
            }

            async fn case_of_token(
                &self,
                hash: &str,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Option<(shared::SiteKey, shared::ResponseId)>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT s.key, CAST(c.id AS TEXT) FROM case_tokens t
                     JOIN complaints c ON c.id = t.complaint_id JOIN sites s ON s.id = c.site_id
                     WHERE t.hash = $1 AND t.expires_at > $2",
                )
                .bind(hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let site = shared::SiteKey::parse(row.try_get::<String, _>(0)?).map_err(|e| {
                    $crate::store::StoreError::Other(anyhow::anyhow!("a stored site key: {e}"))
                })?;
                Ok(Some((site, $crate::store::case_sql::id(&row.try_get::<String, _>(1)?)?)))
            }

            async fn case_ratings(
                &self,
                id: &shared::ResponseId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::case_store::StoredRating>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT CAST(id AS TEXT), survey_key, CAST(answers AS TEXT), received_at
                     FROM responses WHERE complaint_id = $1 ORDER BY received_at, id",
                )
                .bind(($bind_id)(id))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let answers: String = r.try_get(2)?;
                        Ok($crate::store::case_store::StoredRating {
                            id: $crate::store::case_sql::id(&r.try_get::<String, _>(0)?)?,
                            survey: r.try_get(1)?,
                            answers: serde_json::from_str(&answers).map_err(|e| {
                                $crate::store::StoreError::Other(anyhow::anyhow!(
                                    "stored answers are invalid: {e}"
                                ))
                            })?,
                            received_at: r.try_get(3)?,
                        })
                    })
                    .collect()
            }

            async fn case_by_number(
                &self,
                site: &shared::SiteKey,
                number: u64,
            ) -> $crate::store::StoreResult<Option<$crate::store::StoredComplaint>> {
                self.one_case(site, $crate::store::case_sql::CaseKey::Number(number))
                    .await
            }

            async fn timeline(
                &self,
                id: &shared::ResponseId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::case_store::StoredEntry>> {
                let rows = sqlx::query(
                    "SELECT id, at, actor_type, actor_id, actor_name, kind, body, detail
                     FROM complaint_events WHERE complaint_id = $1 ORDER BY id",
                )
                .bind(($bind_id)(id))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map($crate::store::case_sql::read_entry).collect()
            }

            async fn cases(
                &self,
                site: &shared::SiteKey,
                f: &$crate::store::case_store::CaseFilter,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredComplaint>> {
                use $crate::store::case_sql::{TextMatch, CASE_COLUMNS, CASE_FROM};
                use $crate::store::case_store::{AssigneeFilter, Sort};
                let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {CASE_COLUMNS} FROM {CASE_FROM}
                     WHERE c.site_id = (SELECT id FROM sites WHERE key = "
                ));
                q.push_bind(site.as_str());
                q.push(")");
                if !f.statuses.is_empty() {
                    q.push(" AND c.status IN (");
                    let mut list = q.separated(", ");
                    for s in &f.statuses {
                        list.push_bind(s.as_str());
                    }
                    q.push(")");
                }
                if !f.priorities.is_empty() {
                    q.push(" AND c.priority IN (");
                    let mut list = q.separated(", ");
                    for p in &f.priorities {
                        list.push_bind(i64::from(p.rank()));
                    }
                    q.push(")");
                }
                if let Some(category) = &f.category {
                    q.push(" AND c.category = ").push_bind(category.clone());
                }
                match f.assignee {
                    Some(AssigneeFilter::Nobody) => {
                        q.push(" AND c.assignee_id IS NULL");
                    }
                    Some(AssigneeFilter::User(u)) => {
                        q.push(" AND c.assignee_id = ").push_bind(u);
                    }
                    None => {}
                }
                if !f.sla.is_empty() {
                    q.push(" AND c.sla_state IN (");
                    let mut list = q.separated(", ");
                    for s in &f.sla {
                        list.push_bind($crate::store::case_sql::sla_state(*s));
                    }
                    q.push(")");
                }
                if let Some(problem) = f.problem {
                    q.push(" AND c.problem_id = ").push_bind(problem);
                }
                // A search for a case's reference finds that case too.
                let mut by_number = false;
                if let Some(text) = &f.text {
                    let number = $crate::complaints::reference::number(text)
                        .and_then(|n| i64::try_from(n).ok());
                    match $text(&self.pool, site, text).await? {
                        TextMatch::Numbers(mut numbers) => {
                            numbers.extend(number);
                            if numbers.is_empty() {
                                return Ok(Vec::new());
                            }
                            by_number = true;
                            q.push(" AND c.number IN (");
                            let mut list = q.separated(", ");
                            for n in numbers {
                                list.push_bind(n);
                            }
                            q.push(")");
                        }
                        TextMatch::Walk {
                            prefix,
                            value,
                            suffix,
                        } => {
                            q.push(" AND (")
                                .push(prefix)
                                .push_bind(value)
                                .push(suffix)
                                .push(" OR c.number = ")
                                .push_bind(number.unwrap_or(-1))
                                .push(")");
                        }
                    }
                }
                // Fetched by number, the cases are sorted by an expression rather than walked in
                // an index's order, so that the engine looks them up by number instead.
                let (cmp, order) = match (f.sort, by_number) {
                    (Sort::Oldest, false) => (">", "c.received_at, c.id"),
                    (Sort::Oldest, true) => (">", "c.received_at + 0, c.id"),
                    (Sort::Newest | Sort::Priority, false) => ("<", "c.received_at DESC, c.id DESC"),
                    (Sort::Newest | Sort::Priority, true) => {
                        ("<", "c.received_at + 0 DESC, c.id DESC")
                    }
                };
                if let Some(after) = &f.after {
                    let at = after.received_at;
                    q.push(" AND (");
                    if f.sort == Sort::Priority {
                        let p = i64::from(after.priority.rank());
                        q.push("c.priority > ")
                            .push_bind(p)
                            .push(" OR (c.priority = ")
                            .push_bind(p)
                            .push(" AND (");
                    }
                    q.push(format!("c.received_at {cmp} "))
                        .push_bind(at)
                        .push(" OR (c.received_at = ")
                        .push_bind(at)
                        .push(format!(" AND c.id {cmp} "))
                        .push_bind(($bind_id)(&after.id))
                        .push("))");
                    if f.sort == Sort::Priority {
                        q.push("))");
                    }
                }
                q.push(" ORDER BY ");
                if f.sort == Sort::Priority {
                    q.push(if by_number { "c.priority + 0, " } else { "c.priority, " });
                }
                q.push(order).push(" LIMIT ").push_bind(i64::from(limit));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map($crate::store::case_sql::read_case).collect()
            }

            async fn queue_counts(
                &self,
                site: &shared::SiteKey,
                me: Option<i64>,
            ) -> $crate::store::StoreResult<shared::case::QueueCounts> {
                use sqlx::Row as _;
                // Kept by triggers (migration 0013): a few rows, however many cases.
                let rows = sqlx::query(
                    "SELECT status, CAST(SUM(n) AS BIGINT),
                         CAST(SUM(CASE WHEN assignee_id = 0 THEN n ELSE 0 END) AS BIGINT),
                         CAST(SUM(CASE WHEN assignee_id = $2 THEN n ELSE 0 END) AS BIGINT)
                     FROM case_counts
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1) AND n > 0
                     GROUP BY status",
                )
                .bind(site.as_str())
                .bind(me.unwrap_or(-1))
                .fetch_all(&self.pool)
                .await?;
                let mut counts = shared::case::QueueCounts::default();
                for r in rows {
                    let status = $crate::store::case_sql::status(&r.try_get::<String, _>(0)?)?;
                    let n = |i: usize| -> $crate::store::StoreResult<u64> {
                        Ok(u64::try_from(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0))
                            .unwrap_or(0))
                    };
                    counts.by_status.insert(status.as_str().to_owned(), n(1)?);
                    if status.is_active() {
                        counts.active += n(1)?;
                        counts.unassigned += n(2)?;
                        counts.mine += n(3)?;
                    }
                }
                Ok(counts)
            }

            async fn change_case(
                &self,
                site: &shared::SiteKey,
                id: &shared::ResponseId,
                ch: &$crate::store::case_store::CaseChange,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let done = sqlx::query(
                    "UPDATE complaints SET updated_at = $1,
                         status = COALESCE($2, status),
                         category = CASE WHEN $3 THEN $4 ELSE category END,
                         urgency = COALESCE($5, urgency),
                         priority = COALESCE($6, priority),
                         priority_overridden = COALESCE($7, priority_overridden),
                         assignee_id = CASE WHEN $8 THEN $9 ELSE assignee_id END,
                         problem_id = CASE WHEN $10 THEN $11 ELSE problem_id END,
                         merged_into = COALESCE($12, merged_into),
                         resolved_at = CASE WHEN $13 THEN $14 ELSE resolved_at END,
                         sla = CASE WHEN $18 THEN $19 ELSE sla END,
                         sla_state = CASE WHEN $18 THEN $20 ELSE sla_state END,
                         sla_due_at = CASE WHEN $18 THEN $21 ELSE sla_due_at END,
                         hot = COALESCE($22, hot)
                     WHERE id = $15 AND status = $16
                       AND site_id = (SELECT id FROM sites WHERE key = $17)",
                )
                .bind(ch.at)
                .bind(ch.status.map(|s| s.as_str()))
                .bind(ch.category.is_some())
                .bind(ch.category.clone().flatten())
                .bind(ch.urgency.map(|u| u.as_str()))
                .bind(ch.priority.map(|(p, _)| i64::from(p.rank())))
                .bind(ch.priority.map(|(_, overridden)| overridden))
                .bind(ch.assignee.is_some())
                .bind(ch.assignee.flatten())
                .bind(ch.problem.is_some())
                .bind(ch.problem.flatten())
                .bind(ch.merged_into.as_ref().map($bind_id))
                .bind(ch.resolved_at.is_some())
                .bind(ch.resolved_at.flatten())
                .bind(($bind_id)(id))
                .bind(ch.expect.as_str())
                .bind(site.as_str())
                .bind(ch.sla.is_some())
                .bind(ch.sla.as_ref().map(|u| $crate::store::site_store::encode(&u.sla)).transpose()?)
                .bind(ch.sla.as_ref().and_then(|u| u.state).map($crate::store::case_sql::sla_state))
                .bind(ch.sla.as_ref().and_then(|u| u.due_at))
                .bind(ch.hot)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    return Ok(false);
                }
                if let Some(r) = &ch.rating {
                    // An answer of the case's customer: who they are is the case's, so that
                    // erasing them finds it.
                    let sql = format!(
                        "INSERT INTO responses (id, site_id, survey_key, answers, received_at,
                             locale, device, browser, visitor, user_id, email, survey_version,
                             attributes, complaint_id)
                         SELECT $1, site_id, $2, $3, $4, locale, device, browser, visitor,
                             user_id, email, $5, attributes, id
                         FROM complaints WHERE id = $6
                         RETURNING {}",
                        $crate::store::insight_sql::FOLD_COLUMNS
                    );
                    let stored = sqlx::query(&sql)
                    .bind(($bind_id)(&r.id))
                    .bind(r.survey.as_str())
                    .bind(sqlx::types::Json(&r.answers))
                    .bind(ch.at)
                    .bind(i64::from(r.version))
                    .bind(($bind_id)(id))
                    .fetch_all(&mut *tx)
                    .await?;
                    $crate::store::insight_sql::apply_rows::<$db>(&mut *tx, &stored, 1).await?;
                }
                Self::append(&mut *tx, id, ch.at, &ch.entries, &ch.jobs, &ch.events).await?;
                $crate::store::mail_sql::insert_attachments!(tx, $bind_id, id, ch.at, &ch.attachments);
                tx.commit().await?;
                self.committed(!ch.jobs.is_empty(), !ch.events.is_empty());
                self.appended();
                Ok(true)
            }

            async fn queue_site_event(
                &self,
                site: &shared::SiteKey,
                event: &$crate::store::case_store::NewEvent,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "INSERT INTO outbox_events
                         (site_id, event_id, type, payload, created_at, fanned_out_at)
                     SELECT id, $2, $3, $4, $5, $6 FROM sites WHERE key = $1",
                )
                .bind(site.as_str())
                .bind(&event.event_id)
                .bind(&event.kind)
                .bind(&event.payload)
                .bind(now)
                .bind(event.fanned_out_at(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 1 && !$notify.is_empty() {
                    sqlx::query(concat!($notify, "hark_outbox"))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                self.committed(false, done == 1);
                Ok(done == 1)
            }

            async fn case_events_after(
                &self,
                after: i64,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::CaseEventRow>> {
                let rows = sqlx::query(
                    "SELECT e.id, t.key, CAST(c.id AS TEXT), c.number, e.kind, c.status,
                         c.priority, c.hot
                     FROM complaint_events e
                     JOIN complaints c ON c.id = e.complaint_id
                     JOIN sites t ON t.id = c.site_id
                     WHERE e.id > $1 ORDER BY e.id LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map($crate::store::case_sql::read_case_event).collect()
            }

            async fn last_case_event(&self) -> $crate::store::StoreResult<i64> {
                let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM complaint_events")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(last.unwrap_or(0))
            }

            async fn delete_case(
                &self,
                site: &shared::SiteKey,
                id: &shared::ResponseId,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin_with($begin).await?;
                let done = sqlx::query(
                    "DELETE FROM complaints
                     WHERE id = $1 AND site_id = (SELECT id FROM sites WHERE key = $2)",
                )
                .bind(($bind_id)(id))
                .bind(site.as_str())
                .execute(&mut *tx)
                .await?;
                // Its resolution answers have no foreign key to follow (migration 0020).
                let sql = format!(
                    "DELETE FROM responses WHERE complaint_id = $1 RETURNING {}",
                    $crate::store::insight_sql::FOLD_COLUMNS
                );
                let gone = sqlx::query(&sql)
                    .bind(($bind_id)(id))
                    .fetch_all(&mut *tx)
                    .await?;
                $crate::store::insight_sql::apply_rows::<$db>(&mut *tx, &gone, -1).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn agents(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<shared::case::Agent>> {
                use sqlx::Row as _;
                let sql = format!(
                    "SELECT u.id, u.email, m.role,
                         (SELECT COUNT(*) FROM complaints c
                          WHERE c.site_id = m.site_id AND c.assignee_id = u.id
                            AND c.status IN {active})
                     FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.site_id = (SELECT id FROM sites WHERE key = $1)
                       AND m.role IN ('agent', 'admin', 'owner')
                     ORDER BY u.id",
                    active = $crate::store::case_sql::ACTIVE
                );
                let rows = sqlx::query(&sql)
                    .bind(site.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(shared::case::Agent {
                            id: r.try_get(0)?,
                            email: r.try_get(1)?,
                            role: r.try_get(2)?,
                            active_cases: u64::try_from(r.try_get::<i64, _>(3)?).unwrap_or(0),
                        })
                    })
                    .collect()
            }

            async fn workflow(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Option<shared::case::Workflow>> {
                use anyhow::Context as _;
                let row: Option<Option<String>> =
                    sqlx::query_scalar("SELECT workflow FROM sites WHERE key = $1")
                        .bind(site.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(match row {
                    None => None,
                    Some(None) => Some(shared::case::Workflow::default()),
                    Some(Some(json)) => Some(
                        serde_json::from_str(&json).context("a stored workflow is invalid")?,
                    ),
                })
            }

            async fn recent_complaints(
                &self,
                site: &shared::SiteKey,
                category: &str,
                since: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<u64> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM complaints
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1)
                       AND received_at >= $2 AND category = $3",
                )
                .bind(site.as_str())
                .bind(since)
                .bind(category)
                .fetch_one(&self.pool)
                .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn site_document(
                &self,
                site: &shared::SiteKey,
                doc: $crate::store::case_store::SiteDocument,
            ) -> $crate::store::StoreResult<Option<Option<String>>> {
                let sql = format!("SELECT {} FROM sites WHERE key = $1", doc.column());
                Ok(sqlx::query_scalar(&sql)
                    .bind(site.as_str())
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_site_document(
                &self,
                site: &shared::SiteKey,
                doc: $crate::store::case_store::SiteDocument,
                json: &str,
            ) -> $crate::store::StoreResult<bool> {
                let sql = format!("UPDATE sites SET {} = $1 WHERE key = $2", doc.column());
                let done = sqlx::query(&sql)
                    .bind(json)
                    .bind(site.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_workflow(
                &self,
                site: &shared::SiteKey,
                workflow: &shared::case::Workflow,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("UPDATE sites SET workflow = $1 WHERE key = $2")
                    .bind($crate::store::site_store::encode(workflow)?)
                    .bind(site.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn problems(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::case_store::ProblemRecord>> {
                let sql = format!(
                    "SELECT {} FROM problems p JOIN sites t ON t.id = p.site_id
                     WHERE t.key = $1 ORDER BY p.id DESC",
                    $crate::store::case_sql::PROBLEM_COLUMNS
                );
                let rows = sqlx::query(&sql)
                    .bind(site.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map($crate::store::case_sql::read_problem).collect()
            }

            async fn problem(
                &self,
                site: &shared::SiteKey,
                id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::case_store::ProblemRecord>>
            {
                let sql = format!(
                    "SELECT {} FROM problems p JOIN sites t ON t.id = p.site_id
                     WHERE t.key = $1 AND p.id = $2",
                    $crate::store::case_sql::PROBLEM_COLUMNS
                );
                let row = sqlx::query(&sql)
                    .bind(site.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref()
                    .map($crate::store::case_sql::read_problem)
                    .transpose()
            }

            async fn create_problem(
                &self,
                site: &shared::SiteKey,
                p: &$crate::store::case_store::ProblemFields,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Option<i64>> {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO problems (site_id, title, category, status, root_cause,
                         workaround, fix, created_at, updated_at)
                     SELECT id, $1, $2, $3, $4, $5, $6, $7, $7 FROM sites WHERE key = $8
                     RETURNING id",
                )
                .bind(&p.title)
                .bind(p.category.as_deref())
                .bind(p.status.as_str())
                .bind(p.root_cause.as_deref())
                .bind(p.workaround.as_deref())
                .bind(p.fix.as_deref())
                .bind(now)
                .bind(site.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(id)
            }

            async fn update_problem(
                &self,
                site: &shared::SiteKey,
                id: i64,
                p: &$crate::store::case_store::ProblemFields,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE problems SET title = $1, category = $2, status = $3, root_cause = $4,
                         workaround = $5, fix = $6, updated_at = $7
                     WHERE id = $8 AND site_id = (SELECT id FROM sites WHERE key = $9)",
                )
                .bind(&p.title)
                .bind(p.category.as_deref())
                .bind(p.status.as_str())
                .bind(p.root_cause.as_deref())
                .bind(p.workaround.as_deref())
                .bind(p.fix.as_deref())
                .bind(now)
                .bind(id)
                .bind(site.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn candidates(
                &self,
                site: &shared::SiteKey,
                category: &str,
                except: &shared::ResponseId,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::case_store::Candidate>> {
                let sql = format!(
                    "SELECT CAST(c.id AS TEXT), c.number, c.status, c.description
                     FROM complaints c
                     WHERE c.site_id = (SELECT id FROM sites WHERE key = $1)
                       AND c.category = $2 AND c.id <> $3
                       AND c.status IN {}
                     ORDER BY c.received_at DESC LIMIT $4",
                    $crate::store::case_sql::ACTIVE
                );
                let rows = sqlx::query(&sql)
                    .bind(site.as_str())
                    .bind(category)
                    .bind(($bind_id)(except))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map($crate::store::case_sql::read_candidate)
                    .collect()
            }

            async fn claim_job(
                &self,
                now: $crate::clock::Millis,
                lease_until: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Option<$crate::store::case_store::Job>> {
                let row = sqlx::query(concat!(
                    "UPDATE jobs SET locked_until = $1, attempts = attempts + 1
                     WHERE id = (SELECT id FROM jobs
                                 WHERE due_at <= $2 AND (locked_until IS NULL OR locked_until <= $2)
                                 ORDER BY due_at, id LIMIT 1",
                    $lock,
                    ")
                     RETURNING id, kind, due_at, payload, attempts"
                ))
                .bind(lease_until)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map($crate::store::case_sql::read_job).transpose()
            }

            async fn finish_job(&self, id: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("DELETE FROM jobs WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn next_job_due(
                &self,
            ) -> $crate::store::StoreResult<Option<$crate::clock::Millis>> {
                let due: Option<Option<i64>> = sqlx::query_scalar(
                    "SELECT MIN(CASE WHEN locked_until > due_at THEN locked_until ELSE due_at END)
                     FROM jobs",
                )
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(due.flatten())
            }
        }
    };
}

pub(super) use case_store;

#[cfg(test)]
mod tests {
    #[test]
    fn search_text_is_escaped_for_like() {
        assert_eq!(
            super::like_pattern("50% OFF_now\\"),
            "%50\\% off\\_now\\\\%"
        );
    }
}
