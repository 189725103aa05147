//! The durable timer queue and its runner. A job (kind, due time, JSON payload) is a row in the
//! `jobs` table, set in the same transaction as the change that needs it, so it survives
//! restarts. `hark serve` runs `run`: it sleeps on the injected clock until the earliest job is
//! due, or until it is woken because a job was set (by this process, or by another collector:
//! `Store::watch_jobs`, `LISTEN`/`NOTIFY` on PostgreSQL). It does not poll. It takes each due job with a lease (`CaseStore::claim_job`: on PostgreSQL
//! `FOR UPDATE SKIP LOCKED`, so several collectors take each job once), runs it and removes it.
//! A runner that dies mid-job leaves the job to be taken again when its lease ends; every job's
//! effect is idempotent, so running one twice does what running it once does.

mod sla;

use crate::clock::{Clock, Millis};
use crate::complaints::NewEntry;
use crate::http::Metrics;
use crate::store::case_store::{CaseChange, Job, NewJob};
use crate::store::{Store, StoreResult, DAY_MS};
use serde::{Deserialize, Serialize};
use shared::case::{Actor, EntryKind, Status};
use shared::{ResponseId, SiteKey};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// A resolved case is closed after its site's `auto_close_days`.
pub const AUTO_CLOSE: &str = "complaint.auto_close";

/// How long a runner holds a job it took before another may take it.
const LEASE_MS: Millis = 60_000;
/// How long a runner sleeps at most, in real time, before it reads the clock again: only so that
/// a step of the system's clock (which the sleep, on a monotonic timer, does not see) delays
/// no timer by more than this. Jobs set meanwhile wake it at once.
const LOOK_AGAIN: Duration = Duration::from_secs(60);
/// A job that failed this often is dropped (and logged) rather than tried again.
const MAX_ATTEMPTS: u32 = 10;

#[derive(Debug, Serialize, Deserialize)]
struct CasePayload {
    site: SiteKey,
    complaint: ResponseId,
}

/// The timer that closes a resolved case at `due_at`.
pub fn auto_close(site: &SiteKey, complaint: &ResponseId, due_at: Millis) -> NewJob {
    let payload = CasePayload {
        site: site.clone(),
        complaint: *complaint,
    };
    NewJob {
        kind: AUTO_CLOSE.into(),
        due_at,
        payload: serde_json::to_string(&payload).expect("a payload encodes"),
    }
}

/// The timer that fires a case's next SLA alarm (warning, breach, escalation level).
pub const SLA_ALARM: &str = "sla.alarm";

/// The timer that fires `complaint`'s SLA alarms due at `due_at`.
pub fn sla_alarm(site: &SiteKey, complaint: &ResponseId, due_at: Millis) -> NewJob {
    let payload = CasePayload {
        site: site.clone(),
        complaint: *complaint,
    };
    NewJob {
        kind: SLA_ALARM.into(),
        due_at,
        payload: serde_json::to_string(&payload).expect("a payload encodes"),
    }
}

/// The daily check of a goal (`insight::goal_progress::check`).
pub const GOAL_CHECK: &str = "goal.check";

#[derive(Debug, Serialize, Deserialize)]
struct GoalPayload {
    site: SiteKey,
    goal: i64,
}

/// The timer that checks goal `goal` of `site` at `due_at`.
pub fn goal_check(site: &SiteKey, goal: i64, due_at: Millis) -> NewJob {
    let payload = GoalPayload {
        site: site.clone(),
        goal,
    };
    NewJob {
        kind: GOAL_CHECK.into(),
        due_at,
        payload: serde_json::to_string(&payload).expect("a payload encodes"),
    }
}

/// A site's weekly digest (`insight::digest::send`).
pub const DIGEST: &str = crate::insight::digest::EVENT;

#[derive(Debug, Serialize, Deserialize)]
struct SitePayload {
    site: SiteKey,
}

/// The timer that sends `site`'s weekly digest at `due_at`.
pub fn digest(site: &SiteKey, due_at: Millis) -> NewJob {
    let payload = SitePayload { site: site.clone() };
    NewJob {
        kind: DIGEST.into(),
        due_at,
        payload: serde_json::to_string(&payload).expect("a payload encodes"),
    }
}

/// Runs every job due at the clock's `now`; returns how many ran.
pub async fn run_due(store: &dyn Store, clock: &dyn Clock, metrics: &Metrics) -> StoreResult<u32> {
    let mut ran = 0;
    loop {
        let now = clock.now_ms();
        let Some(job) = store.claim_job(now, now + LEASE_MS).await? else {
            return Ok(ran);
        };
        let outcome = match execute(store, &job, now).await {
            Ok(()) => {
                store.finish_job(job.id).await?;
                "done"
            }
            Err(e) if job.attempts >= MAX_ATTEMPTS => {
                tracing::error!(job = job.id, kind = %job.kind, error = %e, "a job failed too often and is dropped");
                store.finish_job(job.id).await?;
                "dropped"
            }
            // Left held: it is taken again when its lease ends.
            Err(e) => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, "a job failed; it runs again later");
                "failed"
            }
        };
        metrics.job_ran(&job.kind, outcome, now - job.due_at);
        ran += 1;
    }
}

async fn execute(store: &dyn Store, job: &Job, now: Millis) -> anyhow::Result<()> {
    match job.kind.as_str() {
        AUTO_CLOSE => {
            let p: CasePayload = serde_json::from_str(&job.payload)?;
            close_if_due(store, &p.site, &p.complaint, now).await
        }
        SLA_ALARM => {
            let p: CasePayload = serde_json::from_str(&job.payload)?;
            sla::fire_alarms(store, &p.site, &p.complaint, now).await
        }
        GOAL_CHECK => {
            let p: GoalPayload = serde_json::from_str(&job.payload)?;
            crate::insight::goal_progress::check(store, &p.site, p.goal, now).await
        }
        DIGEST => {
            let p: SitePayload = serde_json::from_str(&job.payload)?;
            crate::insight::digest::send(store, &p.site, now).await
        }
        other => anyhow::bail!("no job is called {other:?}"),
    }
}

/// Closes a case that has been resolved for its site's `auto_close_days`. A case that was
/// reopened (or closed, merged, erased) meanwhile is left alone; one whose site lengthened its
/// window gets a timer for the new time.
async fn close_if_due(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    now: Millis,
) -> anyhow::Result<()> {
    let (Some(case), Some(workflow)) = (store.case(site, id).await?, store.workflow(site).await?)
    else {
        return Ok(());
    };
    let Some(resolved_at) = case.resolved_at.filter(|_| case.status == Status::Resolved) else {
        return Ok(());
    };
    let due = resolved_at + i64::from(workflow.auto_close_days) * DAY_MS;
    let mut change = CaseChange::new(Status::Resolved, now);
    if due > now {
        // Not yet: the window grew since the timer was set. `change_case` sets the new timer
        // only while the case is still resolved.
        change.jobs.push(auto_close(site, id, due));
    } else {
        change.status = Some(Status::Closed);
        change.entries.push(NewEntry::new(
            EntryKind::StatusChanged,
            Actor::System,
            format!(
                "resolved → closed ({} days after it was resolved)",
                workflow.auto_close_days
            ),
        ));
    }
    store.change_case(site, id, &change).await?;
    Ok(())
}

/// Runs jobs as they fall due, forever: inside `hark serve`. `wake` is notified when a job is
/// set in this process or, through `Store::watch_jobs`, in another.
pub async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
) {
    let watcher = {
        let (store, wake) = (store.clone(), wake.clone());
        tokio::spawn(async move { store.watch_jobs(wake).await })
    };
    let _stop_watching = AbortOnDrop(watcher);
    loop {
        if let Err(e) = run_due(store.as_ref(), clock.as_ref(), &metrics).await {
            tracing::warn!(error = %e, "the job runner could not reach the database");
        }
        let next = store.next_job_due().await.ok().flatten();
        let woken = wake.notified();
        tokio::select! {
            () = clock.sleep_until(next.unwrap_or(Millis::MAX), LOOK_AGAIN) => {}
            () = woken => {}
        }
    }
}

/// Stops a task when the runner that started it stops (`hark serve` aborts the runner).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
