//! `InsightStore`'s SQL, written once for both engines, and how each engine writes a batch of
//! rollup changes (`Rollups::apply`) inside a transaction of its caller: ingest adds the rows it
//! stored, every delete of answers subtracts the rows it deleted (`DELETE … RETURNING` the
//! columns the fold reads), so that the rollups stay the fold of the stored answers.

use crate::insight::rollup::{Deltas, Row};
use async_trait::async_trait;

/// The columns the fold reads, in `Folded::read`'s order, for `RETURNING` and `SELECT`.
pub(super) const FOLD_COLUMNS: &str = "site_id, survey_key, CAST(answers AS TEXT), received_at,
    page_path, device, browser, locale, CAST(survey_version AS BIGINT)";

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
        for (k, n) in deltas.changes() {
            sqlx::query(UPSERT)
                .bind(k.site)
                .bind(&k.survey)
                .bind(&k.question)
                .bind(k.dimension)
                .bind(&k.value)
                .bind(k.day)
                .bind(k.bucket)
                .bind(n)
                .execute(&mut *conn)
                .await?;
            if n < 0 {
                sqlx::query(DROP_ZEROS)
                    .bind(k.site)
                    .bind(&k.survey)
                    .bind(&k.question)
                    .bind(k.dimension)
                    .bind(&k.value)
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
        let changes: Vec<_> = deltas.changes().collect();
        let column = |f: &dyn Fn(&crate::insight::rollup::Key) -> String| -> Vec<String> {
            changes.iter().map(|(k, _)| f(k)).collect()
        };
        let int = |f: &dyn Fn(&crate::insight::rollup::Key) -> i64| -> Vec<i64> {
            changes.iter().map(|(k, _)| f(k)).collect()
        };
        let (sites, days, buckets) = (int(&|k| k.site), int(&|k| k.day), int(&|k| k.bucket));
        let (surveys, questions) = (
            column(&|k| k.survey.clone()),
            column(&|k| k.question.clone()),
        );
        let (dimensions, values) = (
            column(&|k| k.dimension.to_owned()),
            column(&|k| k.value.clone()),
        );
        let ns: Vec<i64> = changes.iter().map(|(_, n)| *n).collect();
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

/// Implements `InsightStore` for an engine's store, whose `pool` is a `sqlx::Pool<$db>`.
/// `begin` starts a transaction that writes; `lock` (PostgreSQL) keeps ingest's rollup writes
/// waiting while a site is rebuilt, so that an answer committed meanwhile is neither lost nor
/// counted twice (SQLite's one writer waits for the transaction anyway).
macro_rules! insight_store {
    ($store:ty, $db:ty, begin: $begin:literal, lock: $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::insight_store::InsightStore for $store {
            async fn rollup(
                &self,
                q: &$crate::store::insight_store::RollupQuery<'_>,
            ) -> $crate::store::StoreResult<Vec<$crate::store::insight_store::DayCount>> {
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

            async fn rollup_rows(
                &self,
                site: &shared::SiteKey,
            ) -> $crate::store::StoreResult<Vec<$crate::store::insight_store::RollupRow>> {
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
                use futures_util::TryStreamExt as _;
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
                    let mut tx = self.pool.begin_with($begin).await?;
                    if !$lock.is_empty() {
                        sqlx::query($lock).execute(&mut *tx).await?;
                    }
                    sqlx::query("DELETE FROM insight_rollups WHERE site_id = $1")
                        .bind(site)
                        .execute(&mut *tx)
                        .await?;
                    let mut deltas = $crate::insight::rollup::Deltas::default();
                    {
                        let sql = format!(
                            "SELECT {} FROM responses WHERE site_id = $1",
                            $crate::store::insight_sql::FOLD_COLUMNS
                        );
                        let mut rows = sqlx::query(&sql).bind(site).fetch(&mut *tx);
                        while let Some(row) = rows.try_next().await? {
                            $crate::store::insight_sql::Folded::read(&row)?
                                .fold_into(&mut deltas, 1);
                            folded += 1;
                        }
                    }
                    <$db as $crate::store::insight_sql::Rollups>::apply(&mut *tx, &deltas).await?;
                    tx.commit().await?;
                }
                Ok(folded)
            }
        }
    };
}
pub(super) use insight_store;
