//! Storage behind one trait. Each engine has its own implementation and migrations; the HTTP
//! layer and the CLI see only `Store`.

mod account_sql;
pub mod account_store;
mod case_sql;
pub mod case_store;
mod group;
mod insight_sql;
pub mod insight_store;
mod mail_sql;
pub mod mail_store;
mod notify_sql;
pub mod notify_store;
mod origin_sql;
pub mod origin_store;
mod postgres;
mod postgres_server;
mod postgres_site;
pub mod reach;
mod server_store;
mod site_store;
mod sqlite;
mod sqlite_server;
mod sqlite_site;
mod sqlite_writer;
mod team_sql;
pub mod team_store;

pub use account_store::AccountStore;
pub use case_store::{
    CaseEventRow, CaseStore, CaseToken, NewComplaint, NewRating, StoredComplaint, StoredRating,
};
pub use group::{BatchObserver, GroupCommit, ThreadWriter, MAX_BATCH, QUEUE};
pub use postgres::PostgresStore;
pub use server_store::ServerStore;
pub use site_store::{SiteStore, SurveyRecord, SurveyStatus, SurveyVersion};
pub use sqlite::SqliteStore;
pub use team_store::TeamStore;

use crate::access::Role;
use crate::clock::Millis;
pub use crate::enrich::Enrichment;
use async_trait::async_trait;
use shared::{ResponseId, ResponseSubmission, SiteKey, Survey};
use std::sync::Arc;

/// A site as the collector knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub key: SiteKey,
    pub name: String,
    /// Normalized origins (`scheme://host[:port]`) allowed to embed the widget and submit answers.
    pub origins: Vec<String>,
}

impl Site {
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }
}

/// What an API token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub site: Site,
    pub role: Role,
}

/// A user as stored, for checking a login. Its `Debug` leaves out the password hash.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    /// Argon2id in PHC form.
    pub password_hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// The user a live session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: i64,
    pub email: String,
}

/// An API token as listed: never the token, only what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub role: Role,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// Which of a site's audit log entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this action, e.g. `member.remove`.
    pub action: Option<String>,
    /// Only actors whose e-mail address (or `token:<id>`) contains this, ignoring ASCII case.
    pub actor: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<Millis>,
    /// Only entries before this time.
    pub until: Option<Millis>,
}

impl AuditQuery {
    /// `actor` as a `LIKE` pattern, lower-cased, with `\` escaping LIKE's own characters.
    pub(crate) fn actor_pattern(&self) -> Option<String> {
        self.actor.as_ref().map(|a| {
            let mut pattern = String::from("%");
            for c in a.to_ascii_lowercase().chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            pattern
        })
    }
}

/// One line of the audit log: who did what, when, on which site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Millis,
    /// A user's e-mail address, or `token:<id>`.
    pub actor: String,
    /// `None` for what concerns no one site, like a login.
    pub site: Option<SiteKey>,
    /// What happened, like `token.create`.
    pub action: String,
    pub detail: String,
}

/// A stored response, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub id: ResponseId,
    pub survey_key: String,
    pub answers: Vec<shared::Answer>,
    pub page_url: Option<String>,
    pub received_at: Millis,
    /// What ingest learned besides the answer.
    pub enrichment: Enrichment,
    /// The version of the survey the answers were checked against (`None` before versions).
    pub survey_version: Option<u32>,
}

/// Whose responses a data-subject request names, on one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Respondent {
    Email(String),
    UserId(String),
    /// A visitor hash, as listed with a response.
    Visitor(String),
}

/// Where a page of a keyset walk through a site's responses starts: after this
/// `(received_at, id)`, oldest first.
pub type After = Option<(Millis, ResponseId)>;

/// A milliseconds day, for retention windows.
pub const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The outcome of storing a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new row was committed.
    Created,
    /// The same id was already stored for this site: a replay, acknowledged again.
    Replayed,
}

/// One answer to store with others in one transaction (`Store::insert_batch`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewResponse {
    pub submission: ResponseSubmission,
    pub enrichment: Enrichment,
    pub received_at: Millis,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is overloaded; the caller may retry.
    #[error("storage is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A uniqueness rule was broken; the name says which.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// Unavailable for a reason of the collector's own (a full queue, a busy database).
    pub(crate) fn unavailable(why: impl Into<String>) -> Self {
        StoreError::Unavailable(sqlx::Error::Io(std::io::Error::other(why.into())))
    }

    /// Whether the database was out of reach: the pool gave up waiting for a connection (it
    /// could not open one, or none came free) or a connection broke. Not a full disk, a busy
    /// file or the collector's own full queue (`unavailable`), which leave reads working.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Unavailable(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) => true,
            StoreError::Unavailable(sqlx::Error::Io(e)) => e.kind() != std::io::ErrorKind::Other,
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(ref db) if db.message().contains("database is locked") => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(ref db)
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    && db
                        .code()
                        .and_then(|code| code.parse().ok())
                        .is_some_and(sqlite_is_transient) =>
            {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(ref db)
                if db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|pg| pg_is_transient(pg.code())) =>
            {
                StoreError::Unavailable(e)
            }
            other => StoreError::Other(other.into()),
        }
    }
}

/// Whether a PostgreSQL error (by SQLSTATE) says "not now" rather than "never": the connection
/// broke (class 08), the server is out of connections, memory or disk (class 53), or it is
/// shutting down or starting up (57P01 to 57P03). Retrying later may succeed.
fn pg_is_transient(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || matches!(sqlstate, "57P01" | "57P02" | "57P03")
}

/// Whether a SQLite error (by its extended result code, whose low byte is the primary one) says
/// "not now" rather than "never": the database is busy or locked, the disk is full
/// (`SQLITE_FULL`, which a write of the log or the database meets when the file system has no
/// room), a read or write of a file failed (`SQLITE_IOERR_*`, such as `ENOSPC` while the shared
/// memory index grows), a file cannot be opened, or memory ran out. The ingest writer's
/// `store_error` reads the same codes through rusqlite.
fn sqlite_is_transient(extended: i32) -> bool {
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const NOMEM: i32 = 7;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    matches!(
        extended & 0xff,
        BUSY | LOCKED | NOMEM | IOERR | FULL | CANTOPEN
    )
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Answers, sites, tokens, users, sessions and the audit log; with `SiteStore`, a site's settings,
/// surveys; with `CaseStore`, complaints as cases and the timer jobs; with `InsightStore`, the
/// rollups; with `MailStore`, intake addresses and attachments; with `TeamStore`, a site's
/// members and invitations and each user's password, sessions and second factor; with
/// `OriginStore`, a site's allowed origins and where its snippet was seen; with
/// `ServerStore`, the installation's own secrets.
#[async_trait]
pub trait Store:
    SiteStore
    + AccountStore
    + CaseStore
    + notify_store::NotifyStore
    + insight_store::InsightStore
    + mail_store::MailStore
    + TeamStore
    + origin_store::OriginStore
    + ServerStore
    + Send
    + Sync
    + 'static
{
    /// Answers when the database does.
    async fn ping(&self) -> StoreResult<()>;

    /// Wakes `wake` whenever a change sets a timer job (in any collector on the database), for
    /// as long as it runs: the job runner's alarm clock.
    async fn watch_jobs(&self, wake: std::sync::Arc<tokio::sync::Notify>);

    /// Wakes `wake` whenever a change writes outbox events, as `watch_jobs` does for jobs.
    async fn watch_outbox(&self, wake: std::sync::Arc<tokio::sync::Notify>);

    /// Wakes `wake` whenever a change appends to a case's timeline, as `watch_jobs` does for
    /// jobs (`NOTIFY hark_live` on PostgreSQL, so another collector's change wakes it too).
    async fn watch_case_events(&self, wake: std::sync::Arc<tokio::sync::Notify>);

    /// Frees the timer jobs, deliveries and e-mails that a collector held when it stopped, so
    /// that those a `kill -9` interrupted run again at once rather than when their lease ends; how
    /// many. On SQLite, where one `hark serve` runs them, at its start; on PostgreSQL, whose
    /// collectors share the work, nothing: a lease there ends by itself.
    async fn release_leases(&self) -> StoreResult<u64>;

    /// Creates a site with a random key and one active NPS survey, shown once per visitor on
    /// any page, so that the snippet works as pasted.
    async fn create_site(&self, name: &str, origins: &[String], now: Millis) -> StoreResult<Site>;

    /// `create_site`, with `owner` its owner, in the same transaction: a site is never left
    /// without the user who made it.
    async fn create_owned_site(
        &self,
        name: &str,
        origins: &[String],
        owner: i64,
        now: Millis,
    ) -> StoreResult<Site>;

    async fn sites(&self) -> StoreResult<Vec<Site>>;

    async fn site(&self, key: &SiteKey) -> StoreResult<Option<Site>>;

    /// Whether any site allows this origin (for CORS preflights, which carry no site key).
    async fn any_site_allows(&self, origin: &str) -> StoreResult<bool>;

    async fn active_surveys(&self, site: &SiteKey) -> StoreResult<Vec<Survey>>;

    /// Commits a submission durably before returning. A replayed id for the same site is stored
    /// once; the same id for another site is a conflict.
    async fn insert_response(&self, r: &ResponseSubmission, now: Millis) -> StoreResult<Stored> {
        self.insert_enriched(r, &Enrichment::default(), now).await
    }

    /// `insert_response` with what ingest learned about the answer.
    async fn insert_enriched(
        &self,
        r: &ResponseSubmission,
        e: &Enrichment,
        now: Millis,
    ) -> StoreResult<Stored>;

    /// Commits several submissions in ONE transaction, durably, before returning. Each item gets,
    /// in order, what `insert_enriched` would have given it on its own: an id repeated within
    /// the batch is stored once, the later items are replays. `Err` when the transaction as a
    /// whole failed, and then none of the items was stored.
    async fn insert_batch(&self, items: &[NewResponse]) -> StoreResult<Vec<StoreResult<Stored>>>;

    /// For an engine whose writes block the calling thread (SQLite): `insert_batch` as a writer
    /// that the group commit runs on a thread of its own, so that a batch costs no hand-over
    /// to another thread. `None` (the default): the group commit awaits `insert_batch`.
    fn thread_writer(&self) -> Option<Box<dyn ThreadWriter>> {
        None
    }

    /// A site's responses, newest first.
    async fn responses(&self, site: &SiteKey, limit: u32) -> StoreResult<Vec<StoredResponse>>;

    /// A site's responses oldest first, `limit` at a time, after `after` (keyset on
    /// `(received_at, id)`, so that a long export never holds the whole site in memory).
    async fn responses_page(
        &self,
        site: &SiteKey,
        after: After,
        limit: u32,
    ) -> StoreResult<Vec<StoredResponse>>;

    /// How many days a site keeps responses; `None` keeps them forever.
    async fn retention_days(&self, site: &SiteKey) -> StoreResult<Option<u32>>;

    /// Sets how many days a site keeps responses; false when no site has the key.
    async fn set_retention_days(&self, site: &SiteKey, days: Option<u32>) -> StoreResult<bool>;

    /// Deletes every response older than its site's retention window at `now`; returns how
    /// many. Sites without a window keep everything.
    async fn purge_expired(&self, now: Millis) -> StoreResult<u64>;

    /// Deletes every response of one respondent on one site; returns how many.
    async fn erase_respondent(&self, site: &SiteKey, who: &Respondent) -> StoreResult<u64>;
}

/// Opens the database a URL names and migrates it: a SQLite file is created if missing, a
/// PostgreSQL database must exist.
pub async fn open(database_url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(database_url).await?))
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(database_url).await?))
    } else {
        // Not the URL itself: a PostgreSQL URL with a typo in its scheme may carry a password.
        let scheme = database_url.split(':').next().unwrap_or_default();
        anyhow::bail!(
            "unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE"
        )
    }
}

/// The survey every new site starts with.
pub(crate) fn default_survey(site_name: &str) -> Survey {
    use shared::{Frequency, Question, QuestionId, QuestionKind, SurveyId, Trigger};
    Survey {
        id: SurveyId::parse("nps").expect("a valid id"),
        version: 1,
        name: "Net Promoter Score".into(),
        trigger: Trigger::page_view(),
        frequency: Frequency::Once,
        questions: vec![Question {
            id: QuestionId::parse("q1").expect("a valid id"),
            prompt: format!(
                "How likely are you to recommend {site_name} to a friend or colleague?"
            ),
            kind: QuestionKind::Nps,
            optional: false,
            low: None,
            high: None,
            branches: Vec::new(),
            next: None,
        }],
        thank_you: None,
        translations: Default::default(),
    }
}

/// Normalizes an origin as browsers send it in the `Origin` header: `scheme://host[:port]`.
pub fn normalize_origin(input: &str) -> Result<String, String> {
    let url = url::Url::parse(input.trim()).map_err(|e| format!("{input:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{input:?} is not an http or https origin"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{input:?} has a path; an origin is only scheme://host[:port]"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    #[test]
    fn postgres_errors_worth_retrying_are_told_apart() {
        for (sqlstate, transient) in [
            ("08006", true),  // connection_failure
            ("53300", true),  // too_many_connections
            ("57P01", true),  // admin_shutdown
            ("57P03", true),  // cannot_connect_now
            ("23505", false), // unique_violation
            ("42P01", false), // undefined_table
            ("57014", false), // query_canceled
        ] {
            assert_eq!(super::pg_is_transient(sqlstate), transient, "{sqlstate}");
        }
    }

    #[test]
    fn origins_normalize_like_browsers_send_them() {
        use super::normalize_origin as n;
        assert_eq!(n("https://Shop.Example/").unwrap(), "https://shop.example");
        assert_eq!(n("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        assert_eq!(
            n("https://shop.example:443").unwrap(),
            "https://shop.example"
        );
        assert!(n("shop.example").is_err());
        assert!(n("ftp://shop.example").is_err());
        assert!(n("https://shop.example/cart").is_err());
    }
}
