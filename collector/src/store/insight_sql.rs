//! `InsightStore`'s SQL, written once for both engines, and how each engine writes a batch of
//! rollup changes (`Rollups::apply`) inside a transaction of its caller: ingest adds the rows it
//! stored, every delete of answers subtracts the rows it deleted (`DELETE … RETURNING` the
//! columns the fold reads), so that the rollups stay the fold of the stored answers.

use crate::insight::rollup::{Change, Deltas, Row};
use async_trait::async_trait;

/// The columns the fold reads, in `Folded::read`'s order, for `RETURNING` and `SELECT`.
pub(super) const FOLD_COLUMNS: &str = "site_id, survey_key, CAST(answers AS TEXT), received_at,
    page_path, device, browser, locale, CAST(survey_version AS BIGINT), segment_attributes";

/// A stored response as the fold reads it, owned.
#[derive(Debug, Clone)]
pub(super) struct Folded {
    pub site: i64,
    pub survey: String,
    pub answers: String,
    pub received_at: i64,
    pub page_path: Option<String>,
    pub device: Option<String>,
    pub browser: Option<String>,
    pub locale: Option<String>,
    pub version: Option<i64>,
    pub segments: Option<String>,
}

impl Folded {
    pub(super) fn read<R>(r: &R) -> Result<Self, sqlx::Error>
    where
        R: sqlx::Row,
        usize: sqlx::ColumnIndex<R>,
        String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        Ok(Folded {
            site: r.try_get(0)?,
            survey: r.try_get(1)?,
            answers: r.try_get(2)?,
            received_at: r.try_get(3)?,
            page_path: r.try_get(4)?,
            device: r.try_get(5)?,
            browser: r.try_get(6)?,
            locale: r.try_get(7)?,
            version: r.try_get(8)?,
            segments: r.try_get(9)?,
        })
    }

    /// Adds (`sign` 1) or subtracts (−1) this response. Stored answers were checked when they
    /// came in; one that no longer reads is left out (and said so), never a failed delete.
    pub(super) fn fold_into(&self, deltas: &mut Deltas, sign: i64) {
        let answers: Vec<shared::Answer> = match serde_json::from_str(&self.answers) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "a stored response's answers do not read; left out of the rollups");
                Vec::new()
            }
        };
        deltas.add(
            &Row {
                site: self.site,
                survey: &self.survey,
                answers: &answers,
                received_at: self.received_at,
                page_path: self.page_path.as_deref(),
                device: self.device.as_deref(),
                browser: self.browser.as_deref(),
                locale: self.locale.as_deref(),
                version: self.version,
                attributes: &crate::enrich::read_segments(self.segments.as_deref()),
            },
            sign,
        );
    }
}

/// The deltas of rows read back from the database.
pub(super) fn fold<R>(rows: &[R], sign: i64) -> Result<Deltas, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut deltas = Deltas::default();
    for r in rows {
        Folded::read(r)?.fold_into(&mut deltas, sign);
    }
    Ok(deltas)
}

/// Adds stored answers (`sign` 1) to the rollups or takes deleted ones (−1) out of them: rows
/// of `FOLD_COLUMNS`, from `INSERT`/`DELETE … RETURNING`, on the writing transaction's
/// connection. Returns how many rows there were.
pub(super) async fn apply_rows<DB>(
    conn: &mut DB::Connection,
    rows: &[DB::Row],
    sign: i64,
) -> super::StoreResult<u64>
where
    DB: Rollups,
    usize: sqlx::ColumnIndex<DB::Row>,
    String: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
{
    let deltas = fold(rows, sign)?;
    DB::apply(conn, &deltas).await?;
    Ok(rows.len() as u64)
}

/// A case's facts for the complaint metrics, from its stored columns: what does not read is
/// left out (a case without a clock has no times), never an error.
#[allow(clippy::too_many_arguments)]
pub(super) fn case_facts(
    received_at: i64,
    category: Option<String>,
    priority: Option<i64>,
    status: &str,
    assignee: Option<String>,
    sla: Option<&str>,
    reopened: bool,
    rating: Option<&str>,
) -> crate::insight::complaints::CaseFacts {
    let answers: Vec<shared::Answer> = rating
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let score = |want: fn(&shared::Answer) -> bool| {
        answers.iter().find(|a| want(a)).and_then(|a| a.score())
    };
    crate::insight::complaints::CaseFacts {
        received_at,
        category,
        priority: priority
            .and_then(|p| usize::try_from(p - 1).ok())
            .and_then(|i| shared::case::Priority::ALL.get(i).copied()),
        status: shared::case::Status::parse(status),
        assignee,
        sla: sla.and_then(|s| serde_json::from_str(s).ok()),
        reopened,
        csat: score(|a| matches!(a, shared::Answer::Csat { .. })),
        ces: score(|a| matches!(a, shared::Answer::Ces { .. })),
    }
}

/// How an engine writes rollup changes on a connection inside its caller's transaction, in key
/// order. A row a subtraction brings to 0 is deleted, so that the table holds what a rebuild
/// would write.
#[async_trait]
pub(crate) trait Rollups: sqlx::Database {
    async fn apply(conn: &mut Self::Connection, deltas: &Deltas) -> Result<(), sqlx::Error>;
}

const UPSERT: &str = "INSERT INTO insight_rollups
        (site_id, survey_key, question_id, dimension, value, day, bucket, n)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (site_id, survey_key, question_id, dimension, value, day, bucket)
    DO UPDATE SET n = insight_rollups.n + excluded.n";

const DROP_ZEROS: &str = "DELETE FROM insight_rollups
    WHERE site_id = $1 AND survey_key = $2 AND question_id = $3 AND dimension = $4
      AND value = $5 AND day = $6 AND bucket = $7 AND n = 0";

#[async_trait]
impl Rollups for sqlx::Sqlite {
    async fn apply(conn: &mut sqlx::SqliteConnection, deltas: &Deltas) -> Result<(), sqlx::Error> {
        // In-process: one statement per row costs little.
        for k in deltas.changes() {
            sqlx::query(UPSERT)
                .bind(k.site)
                .bind(k.survey)
                .bind(k.question)
                .bind(k.dimension)
                .bind(k.value)
                .bind(k.day)
                .bind(k.bucket)
                .bind(k.n)
                .execute(&mut *conn)
                .await?;
            if k.n < 0 {
                sqlx::query(DROP_ZEROS)
                    .bind(k.site)
                    .bind(k.survey)
                    .bind(k.question)
                    .bind(k.dimension)
                    .bind(k.value)
                    .bind(k.day)
                    .bind(k.bucket)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Rollups for sqlx::Postgres {
    async fn apply(conn: &mut sqlx::PgConnection, deltas: &Deltas) -> Result<(), sqlx::Error> {
        if deltas.is_empty() {
            return Ok(());
        }
        // One statement over arrays, the rows in key order (so that two collectors lock them in
        // one order), then the rows brought to 0.
        let changes = deltas.changes();
        let ints = |f: fn(&Change<'_>) -> i64| -> Vec<i64> { changes.iter().map(f).collect() };
        let texts = |f: for<'k> fn(&Change<'k>) -> &'k str| -> Vec<&str> {
            changes.iter().map(f).collect()
        };
        let (sites, days, buckets, ns) = (
            ints(|k| k.site),
            ints(|k| k.day),
            ints(|k| k.bucket),
            ints(|k| k.n),
        );
        let (surveys, questions, dimensions, values) = (
            texts(|k| k.survey),
            texts(|k| k.question),
            texts(|k| k.dimension),
            texts(|k| k.value),
        );
        sqlx::query(
            "INSERT INTO insight_rollups
                 (site_id, survey_key, question_id, dimension, value, day, bucket, n)
             SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::int8[], $7::int8[], $8::int8[])
             ON CONFLICT (site_id, survey_key, question_id, dimension, value, day, bucket)
             DO UPDATE SET n = insight_rollups.n + excluded.n",
        )
        .bind(&sites)
        .bind(&surveys)
        .bind(&questions)
        .bind(&dimensions)
        .bind(&values)
        .bind(&days)
        .bind(&buckets)
        .bind(&ns)
        .execute(&mut *conn)
        .await?;
        if ns.iter().any(|&n| n < 0) {
            sqlx::query(
                "DELETE FROM insight_rollups r
                 USING UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::int8[], $7::int8[])
                     AS k (site_id, survey_key, question_id, dimension, value, day, bucket)
                 WHERE r.site_id = k.site_id AND r.survey_key = k.survey_key
                   AND r.question_id = k.question_id AND r.dimension = k.dimension
                   AND r.value = k.value AND r.day = k.day AND r.bucket = k.bucket
                   AND r.n = 0",
            )
            .bind(&sites)
            .bind(&surveys)
            .bind(&questions)
            .bind(&dimensions)
            .bind(&values)
            .bind(&days)
            .bind(&buckets)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

/// `%`, `_` and `\` taken literally in a `LIKE … ESCAPE '\'` pattern.
pub(super) fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A bound value of the explorer's query.
pub(super) enum Bind {
    Text(String),
    Int(i64),
}

/// The explorer's `WHERE` after the site (`$1`), and its values from `$2`, in order.
pub(super) fn explore_where(
    f: &super::insight_store::ResponseFilter<'_>,
) -> Option<(String, Vec<Bind>)> {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut add = |clause: &str, values: Vec<Bind>| {
        let mut clause = clause.to_owned();
        for (k, _) in values.iter().enumerate() {
            clause = clause.replacen('?', &format!("${}", binds.len() + k + 2), 1);
        }
        sql.push_str(" AND ");
        sql.push_str(&clause);
        binds.extend(values);
    };
    if let Some(from) = f.from {
        add("r.received_at >= ?", vec![Bind::Int(from)]);
    }
    if let Some(until) = f.until {
        add("r.received_at < ?", vec![Bind::Int(until)]);
    }
    if let Some(survey) = f.survey {
        add("r.survey_key = ?", vec![Bind::Text(survey.to_owned())]);
    }
    match f.segment {
        None => {}
        Some(("page", value)) => add(
            "(r.page_path = ? OR r.page_path LIKE ? ESCAPE '\\')",
            vec![
                Bind::Text(value.to_owned()),
                Bind::Text(format!("{}/%", like_literal(value))),
            ],
        ),
        Some(("device", v)) => add("r.device = ?", vec![Bind::Text(v.to_owned())]),
        Some(("browser", v)) => add("r.browser = ?", vec![Bind::Text(v.to_owned())]),
        Some(("locale", v)) => add("r.locale = ?", vec![Bind::Text(v.to_owned())]),
        Some(("version", v)) => add("r.survey_version = ?", vec![Bind::Int(v.parse().ok()?)]),
        Some((d, v)) => {
            // As ingest stored it (`enrich::segments_json`): `"key":"value"` inside the
            // object, the quotes of the value's own text escaped, so that only the pair matches.
            let key = d.strip_prefix(crate::insight::rollup::ATTRIBUTE)?;
            let pair = format!(
                "{}:{}",
                serde_json::Value::from(key),
                serde_json::Value::from(v)
            );
            add(
                "r.segment_attributes LIKE ? ESCAPE '\\'",
                vec![Bind::Text(format!("%{}%", like_literal(&pair)))],
            )
        }
    }
    if let Some(like) = f.like {
        add(
            "LOWER(CAST(r.answers AS TEXT)) LIKE ? ESCAPE '\\'",
            vec![Bind::Text(format!("%{}%", like_literal(like)))],
        );
    }
    if f.written {
        add("CAST(r.answers AS TEXT) LIKE '%\"text\"%'", vec![]);
    }
    if let Some((at, id)) = f.before {
        add(
            "(r.received_at < ? OR (r.received_at = ? AND CAST(r.id AS TEXT) < ?))",
            vec![Bind::Int(at), Bind::Int(at), Bind::Text(id.to_owned())],
        );
    }
    Some((sql, binds))
}

/// A `goals` row: id, name, metric, target, start_day, deadline_day, segment, category, at_risk.
pub(super) type GoalRow = (
    i64,
    String,
    String,
    f64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    i64,
);

pub(super) fn read_goal(r: GoalRow) -> super::insight_store::StoredGoal {
    let (id, name, metric, target, start, deadline, segment, category, at_risk) = r;
    super::insight_store::StoredGoal {
        spec: crate::insight::goals::GoalSpec {
            id,
            name,
            // A metric this version does not know reads as NPS rather than failing the list.
            metric: crate::insight::goals::Metric::parse(&metric)
                .unwrap_or(crate::insight::goals::Metric::Nps),
            target,
            start,
            deadline,
            segment,
            category,
        },
        at_risk: at_risk != 0,
    }
}

/// Implements `InsightStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`, which
/// rebuilds one site's rollups by its own `rebuild_site(site_id)` and reads a `responses` row
/// (the columns of `EXPLORE_COLUMNS`) with `$read`.
macro_rules! insight_store {
    ($store:ty, $db:ty, $read:path, notify: $notify:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::insight_store::InsightStore for $store {
            async fn record_funnel(
                &self,
                site: &shared::SiteKey,
                event: &$crate::store::insight_store::FunnelRecord<'_>,
                at: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO funnel_events (id, site_id, survey_key, kind, seen, received_at)
                     SELECT $2, id, $3, $4, $5, $6 FROM sites WHERE key = $1
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(site.as_str())
                .bind(event.id)
                .bind(event.survey)
                .bind(event.kind)
                .bind(event.seen)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn funnel_paths(
                &self,
                site: &shared::SiteKey,
                from: $crate::clock::Millis,
                until: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Vec<(String, $crate::insight::funnel::PathCount)>> {
                let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
                    "SELECT survey_key, kind, seen, COUNT(*) FROM funnel_events
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1)
                       AND received_at >= $2 AND received_at < $3
                     GROUP BY survey_key, kind, seen ORDER BY survey_key, kind, seen",
                )
                .bind(site.as_str())
                .bind(from)
                .bind(until)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(survey, kind, seen, n)| {
                        (
                            survey,
                            $crate::insight::funnel::PathCount {
                                kind,
                                seen,
                                n: u64::try_from(n).unwrap_or(0),
                            },
                        )
                    })
                    .collect())
            }

            async fn create_goal(
                &self,
                site: &shared::SiteKey,
                goal: &$crate::insight::goals::GoalSpec,
                now: $crate::clock::Millis,
                first_check: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.pool.begin().await?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO goals (site_id, name, metric, target, start_day, deadline_day,
                                        segment, category, created_at)
                     SELECT id, $2, $3, $4, $5, $6, $7, $8, $9 FROM sites WHERE key = $1
                     RETURNING id",
                )
                .bind(site.as_str())
                .bind(&goal.name)
                .bind($crate::insight::goals::METRICS[goal.metric as usize])
                .bind(goal.target)
                .bind(goal.start)
                .bind(goal.deadline)
                .bind(&goal.segment)
                .bind(&goal.category)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let id = id.ok_or_else(|| anyhow::anyhow!("no site has the key {site}"))?;
                let check = $crate::jobs::goal_check(site, id, first_check);
                Self::set_job(&mut *tx, &check, now, false).await?;
                tx.commit().await?;
                self.committed(true, false);
                Ok(id)
            }

            async fn goals(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::insight_store::StoredGoal>> {
                let rows: Vec<$crate::store::insight_sql::GoalRow> = sqlx::query_as(
                    "SELECT id, name, metric, target, start_day, deadline_day, segment, category,
                         CAST(at_risk AS BIGINT)
                     FROM goals WHERE site_id = (SELECT id FROM sites WHERE key = $1) ORDER BY id",
                )
                .bind(site.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::store::insight_sql::read_goal).collect())
            }

            async fn delete_goal(
                &self,
                site: &shared::SiteKey,
                id: i64,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "DELETE FROM goals WHERE id = $2
                       AND site_id = (SELECT id FROM sites WHERE key = $1)",
                )
                .bind(site.as_str())
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn goal_checked(
                &self,
                site: &shared::SiteKey,
                id: i64,
                at_risk: bool,
                event: Option<&$crate::store::case_store::NewEvent>,
                next: Option<&$crate::store::case_store::NewJob>,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let site_id: Option<i64> = sqlx::query_scalar(
                    "UPDATE goals SET at_risk = $3 WHERE id = $2
                       AND site_id = (SELECT id FROM sites WHERE key = $1)
                     RETURNING site_id",
                )
                .bind(site.as_str())
                .bind(id)
                .bind(i64::from(at_risk))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(site_id) = site_id else {
                    return Ok(false);
                };
                if let Some(e) = event {
                    Self::add_event(&mut *tx, site_id, e, now).await?;
                }
                if let Some(j) = next {
                    Self::set_job(&mut *tx, j, now, false).await?;
                }
                tx.commit().await?;
                self.committed(next.is_some(), event.is_some());
                Ok(true)
            }

            async fn digest_sent(
                &self,
                site: &shared::SiteKey,
                week: i64,
                event: &$crate::store::case_store::NewEvent,
                next: &$crate::store::case_store::NewJob,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let site_id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO insight_digests (site_id, week, sent_at)
                     SELECT id, $2, $3 FROM sites WHERE key = $1
                     ON CONFLICT (site_id, week) DO NOTHING
                     RETURNING site_id",
                )
                .bind(site.as_str())
                .bind(week)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(site_id) = site_id {
                    Self::add_event(&mut *tx, site_id, event, now).await?;
                }
                Self::set_job(&mut *tx, next, now, false).await?;
                tx.commit().await?;
                self.committed(true, site_id.is_some());
                Ok(site_id.is_some())
            }

            async fn schedule_once(
                &self,
                job: &$crate::store::case_store::NewJob,
                now: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let set = Self::set_job(&mut *tx, job, now, true).await?;
                tx.commit().await?;
                self.committed(set, false);
                Ok(set)
            }

            async fn newest_answer(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Option<$crate::clock::Millis>> {
                Ok(sqlx::query_scalar(
                    "SELECT MAX(received_at) FROM responses
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1)",
                )
                .bind(site.as_str())
                .fetch_one(&self.pool)
                .await?)
            }

            async fn explore(
                &self,
                site: &shared::SiteKey,
                filter: &$crate::store::insight_store::ResponseFilter<'_>,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::StoredResponse>> {
                use $crate::store::insight_sql::Bind;
                // A segment that cannot match (an unknown dimension, a version that is no
                // number) matches nothing.
                let Some((conditions, binds)) = $crate::store::insight_sql::explore_where(filter)
                else {
                    return Ok(Vec::new());
                };
                let sql = format!(
                    "SELECT CAST(r.id AS TEXT), r.survey_key, CAST(r.answers AS TEXT), r.page_url,
                         r.received_at, r.page_path, r.device, r.browser, r.locale, r.visitor,
                         r.user_id, r.email, r.survey_version, CAST(r.attributes AS TEXT), r.channel
                     FROM responses r
                     WHERE r.site_id = (SELECT id FROM sites WHERE key = $1){conditions}
                     ORDER BY r.received_at DESC, r.id DESC LIMIT {limit}"
                );
                let mut query = sqlx::query(&sql).bind(site.as_str());
                for b in binds {
                    query = match b {
                        Bind::Text(s) => query.bind(s),
                        Bind::Int(n) => query.bind(n),
                    };
                }
                let rows = query.fetch_all(&self.pool).await?;
                rows.into_iter().map($read).collect()
            }

            async fn rollup(
                &self,
                q: &$crate::store::insight_store::RollupQuery<'_>,
            ) -> $crate::store::StoreResult<Vec<$crate::store::insight_store::DayCount>> {
                self.settle_rollups().await;
                let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT day, bucket, n FROM insight_rollups
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1)
                       AND survey_key = $2 AND question_id = $3 AND dimension = $4
                       AND value = $5 AND day BETWEEN $6 AND $7
                     ORDER BY day, bucket",
                )
                .bind(q.site.as_str())
                .bind(q.survey)
                .bind(q.question)
                .bind(q.dimension)
                .bind(q.value)
                .bind(q.from_day)
                .bind(q.to_day)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(day, bucket, n)| $crate::store::insight_store::DayCount {
                        day,
                        bucket,
                        n: u64::try_from(n).unwrap_or(0),
                    })
                    .collect())
            }

            async fn segment_values(
                &self,
                site: &shared::SiteKey,
                survey: &str,
                dimension: &str,
                days: (i64, i64),
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<(String, u64)>> {
                self.settle_rollups().await;
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT value, CAST(SUM(n) AS BIGINT) AS total FROM insight_rollups
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1)
                       AND survey_key = $2 AND question_id = '' AND dimension = $3
                       AND day BETWEEN $4 AND $5
                     GROUP BY value ORDER BY total DESC, value LIMIT $6",
                )
                .bind(site.as_str())
                .bind(survey)
                .bind(dimension)
                .bind(days.0)
                .bind(days.1)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(v, n)| (v, u64::try_from(n).unwrap_or(0)))
                    .collect())
            }

            async fn segment_histograms(
                &self,
                site: &shared::SiteKey,
                survey: &str,
                question: &str,
                dimension: &str,
                days: (i64, i64),
            ) -> $crate::store::StoreResult<Vec<(String, i64, u64)>> {
                self.settle_rollups().await;
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT value, bucket, CAST(SUM(n) AS BIGINT) FROM insight_rollups
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1)
                       AND survey_key = $2 AND question_id = $3 AND dimension = $4
                       AND day BETWEEN $5 AND $6
                     GROUP BY value, bucket ORDER BY value, bucket",
                )
                .bind(site.as_str())
                .bind(survey)
                .bind(question)
                .bind(dimension)
                .bind(days.0)
                .bind(days.1)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(v, b, n)| (v, b, u64::try_from(n).unwrap_or(0)))
                    .collect())
            }

            async fn case_facts(
                &self,
                site: &shared::SiteKey,
                from: $crate::clock::Millis,
                to: $crate::clock::Millis,
            ) -> $crate::store::StoreResult<Vec<$crate::insight::complaints::CaseFacts>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT c.received_at, c.category, CAST(c.priority AS BIGINT), c.status, u.email,
                         CAST(c.sla AS TEXT),
                         (SELECT COUNT(*) FROM complaint_events e
                          WHERE e.complaint_id = c.id AND e.kind = 'status_changed'
                            AND e.detail LIKE '% → reopened'),
                         (SELECT CAST(r.answers AS TEXT) FROM responses r
                          WHERE r.complaint_id = c.id ORDER BY r.received_at DESC LIMIT 1)
                     FROM complaints c LEFT JOIN users u ON u.id = c.assignee_id
                     WHERE c.site_id = (SELECT id FROM sites WHERE key = $1)
                       AND ((c.received_at BETWEEN $2 AND $3)
                            OR c.status IN ('new', 'open', 'in_progress', 'waiting_on_customer',
                                            'reopened'))",
                )
                .bind(site.as_str())
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let sla: Option<String> = r.try_get(5)?;
                        let rating: Option<String> = r.try_get(7)?;
                        Ok($crate::store::insight_sql::case_facts(
                            r.try_get(0)?,
                            r.try_get(1)?,
                            r.try_get(2)?,
                            &r.try_get::<String, _>(3)?,
                            r.try_get(4)?,
                            sla.as_deref(),
                            r.try_get::<i64, _>(6)? > 0,
                            rating.as_deref(),
                        ))
                    })
                    .collect()
            }

            async fn rollup_rows(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::insight_store::RollupRow>> {
                self.settle_rollups().await;
                let rows: Vec<(String, String, String, String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT survey_key, question_id, dimension, value, day, bucket, n
                     FROM insight_rollups
                     WHERE site_id = (SELECT id FROM sites WHERE key = $1) AND n <> 0
                     ORDER BY survey_key, question_id, dimension, value, day, bucket",
                )
                .bind(site.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(survey, question, dimension, value, day, bucket, n)| {
                        $crate::store::insight_store::RollupRow {
                            survey,
                            question,
                            dimension,
                            value,
                            day,
                            bucket,
                            n,
                        }
                    })
                    .collect())
            }

            async fn rebuild_rollups(
                &self,
                site: Option<&shared::SiteKey>,
            ) -> $crate::store::StoreResult<u64> {
                let sites: Vec<i64> = match site {
                    Some(key) => {
                        sqlx::query_scalar("SELECT id FROM sites WHERE key = $1")
                            .bind(key.as_str())
                            .fetch_all(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query_scalar("SELECT id FROM sites ORDER BY id")
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                let mut folded = 0;
                for site in sites {
                    folded += self.rebuild_site(site).await?;
                }
                Ok(folded)
            }

            async fn recover_rollups(&self) -> $crate::store::StoreResult<u64> {
                self.recover_owed().await
            }
        }

        impl $store {
            /// Queues an outbox event of `site_id` in `conn`'s transaction, and (PostgreSQL)
            /// tells every collector's notifier at its commit.
            async fn add_event(
                conn: &mut <$db as sqlx::Database>::Connection,
                site_id: i64,
                e: &$crate::store::case_store::NewEvent,
                now: $crate::clock::Millis,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(
                    "INSERT INTO outbox_events
                         (site_id, event_id, type, payload, created_at, fanned_out_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(site_id)
                .bind(&e.event_id)
                .bind(&e.kind)
                .bind(&e.payload)
                .bind(now)
                .bind(e.fanned_out_at(now))
                .execute(&mut *conn)
                .await?;
                if !$notify.is_empty() {
                    sqlx::query(concat!($notify, "hark_outbox")).execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Sets a timer in `conn`'s transaction unless the same one is set already: the same
            /// kind, payload and time, or (`any_time`) the same kind and payload at any time.
            /// True when it was set.
            async fn set_job(
                conn: &mut <$db as sqlx::Database>::Connection,
                j: &$crate::store::case_store::NewJob,
                now: $crate::clock::Millis,
                any_time: bool,
            ) -> Result<bool, sqlx::Error> {
                let set = sqlx::query(
                    "INSERT INTO jobs (kind, due_at, payload, created_at)
                     SELECT $1, $2, $3, $4 WHERE NOT EXISTS
                         (SELECT 1 FROM jobs WHERE kind = $1 AND payload = $3
                            AND (due_at = $2 OR $5 = 1))",
                )
                .bind(&j.kind)
                .bind(j.due_at)
                .bind(&j.payload)
                .bind(now)
                .bind(i64::from(any_time))
                .execute(&mut *conn)
                .await?
                .rows_affected()
                    == 1;
                if set && !$notify.is_empty() {
                    // Delivered at commit, to every collector's runner (`Store::watch_jobs`).
                    sqlx::query(concat!($notify, "hark_jobs")).execute(&mut *conn).await?;
                }
                Ok(set)
            }
        }
    };
}
pub(super) use insight_store;
