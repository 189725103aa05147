//! The `sla.alarm` job: fires a case's SLA alarms that are due, each once. A warning and a
//! breach are timeline entries and outbox events; an escalation level does what the policy's
//! ladder says (notify, reassign, raise the priority) and is an entry and an event too. A job
//! whose alarms were moved (the case was answered, paused, resolved) finds nothing due and does
//! nothing: the change that moved them set the job for their new time.

use crate::clock::Millis;
use crate::complaints::cases::{self, ServiceLevels};
use crate::complaints::{reference::reference, NewEntry};
use crate::sla::case::Fired;
use crate::sla::AlarmKind;
use crate::store::case_store::{CaseChange, NewEvent};
use crate::store::{Store, StoredComplaint};
use shared::case::{Actor, EntryKind, Priority};
use shared::sla::{EscalationAction, Reassignee, Recipients, SlaTarget};
use shared::{ResponseId, SiteKey};

/// How often a firing is tried again at once when the case changed while it was worked out.
const TRIES: usize = 3;

pub(super) async fn fire_alarms(
    store: &dyn Store,
    site: &SiteKey,
    id: &ResponseId,
    now: Millis,
) -> anyhow::Result<()> {
    for _ in 0..TRIES {
        let Some(case) = store.case(site, id).await? else {
            return Ok(());
        };
        let levels = cases::service_levels(store, site).await?;
        let mut sla = case.sla.clone();
        let fired = sla.fire(&levels.calendar, now);
        if fired.is_empty() {
            return Ok(());
        }
        let mut change = CaseChange::new(case.status, now);
        for f in &fired {
            alarm(store, site, &case, &sla, f, &levels, &mut change).await?;
        }
        change.jobs.extend(levels.alarm_job(site, id, &sla));
        change.sla = Some(levels.update(sla, now));
        if store.change_case(site, id, &change).await? {
            return Ok(());
        }
    }
    anyhow::bail!("the case kept changing while its SLA alarms fired")
}

fn target_name(t: SlaTarget) -> &'static str {
    match t {
        SlaTarget::FirstResponse => "first response",
        SlaTarget::NextResponse => "next response",
        SlaTarget::Resolution => "resolution",
    }
}

/// What one alarm does to `change`.
async fn alarm(
    store: &dyn Store,
    site: &SiteKey,
    case: &StoredComplaint,
    sla: &crate::sla::case::CaseSla,
    f: &Fired,
    levels: &ServiceLevels,
    change: &mut CaseChange,
) -> anyhow::Result<()> {
    let timer = sla
        .timers
        .iter()
        .rev()
        .find(|t| t.target() == f.target)
        .expect("an alarm fired from one of the timers");
    let due = timer.due_at(&levels.calendar);
    let mut data = serde_json::json!({
        "complaint": {
            "id": case.id,
            "reference": reference(case.number),
            "site_key": site,
            "status": case.status,
            "priority": change.priority.map_or(case.priority, |(p, _)| p),
            "category": case.category,
        },
        "target": f.target,
        "due_at": due.map(crate::clock::rfc3339),
    });
    let name = target_name(f.target);
    match f.alarm.kind {
        AlarmKind::Warning => {
            change.entries.push(NewEntry::new(
                EntryKind::SlaWarning,
                Actor::System,
                format!(
                    "{name} target near: {} business minutes left",
                    timer.left_minutes(&levels.calendar, f.alarm.at)
                ),
            ));
            change.events.push(NewEvent::new("sla.warning", &data));
        }
        AlarmKind::Breach => {
            change.entries.push(NewEntry::new(
                EntryKind::SlaBreached,
                Actor::System,
                format!("{name} target missed"),
            ));
            change.events.push(NewEvent::new("sla.breached", &data));
        }
        AlarmKind::Escalation { level } => {
            let mut done = Vec::new();
            let mut notify = Vec::new();
            for action in timer
                .escalation_level(level)
                .map_or(&[][..], |l| &l.actions)
            {
                match action {
                    EscalationAction::Notify { to } => {
                        notify.push(to.clone());
                        done.push(match to {
                            Recipients::Assignee => "notified the assignee".to_owned(),
                            Recipients::Admins => "notified the admins".to_owned(),
                            Recipients::Users(ids) => format!("notified users {ids:?}"),
                        });
                    }
                    EscalationAction::Reassign { to } => {
                        let agents = store.agents(site).await?;
                        let pick = match to {
                            Reassignee::User(u) => agents.iter().find(|a| a.id == *u),
                            Reassignee::RoundRobin => agents
                                .iter()
                                .filter(|a| Some(a.id) != case.assignee.as_ref().map(|u| u.id))
                                .min_by_key(|a| (a.active_cases, a.id)),
                        };
                        match pick {
                            Some(agent) => {
                                change.assignee = Some(Some(agent.id));
                                done.push(format!("reassigned to {}", agent.email));
                            }
                            None => done.push("found nobody to reassign to".to_owned()),
                        }
                    }
                    EscalationAction::RaisePriority {} => {
                        let from = change.priority.map_or(case.priority, |(p, _)| p);
                        let to = Priority::from_rank(from.rank().saturating_sub(1))
                            .unwrap_or(Priority::P1);
                        if to != from {
                            change.priority = Some((to, true));
                            done.push(format!("priority {} → {}", from.as_str(), to.as_str()));
                        }
                    }
                }
            }
            data["level"] = level.into();
            data["notify"] = serde_json::to_value(&notify)?;
            data["complaint"]["priority"] =
                serde_json::to_value(change.priority.map_or(case.priority, |(p, _)| p))?;
            change.entries.push(NewEntry::new(
                EntryKind::Escalated,
                Actor::System,
                format!(
                    "{name} escalation level {level}: {}",
                    if done.is_empty() {
                        "nothing to do".to_owned()
                    } else {
                        done.join(", ")
                    }
                ),
            ));
            change
                .events
                .push(NewEvent::new("escalation.raised", &data));
        }
    }
    Ok(())
}
