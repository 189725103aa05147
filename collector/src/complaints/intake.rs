//! What happens to a new complaint on its way in: filed under a category (the customer's, else
//! the one the site's keyword rules find), given an urgency (the highest a matching rule sets,
//! else normal) and a priority by the matrix, and, where the site assigns automatically, given
//! to an agent. Each decision is a timeline entry with its actor and reason.

use super::{priority, routing, rules};
use crate::sla::case::SlaEvent;
use shared::case::{Actor, Agent, EntryKind, Priority, Status, Urgency, Workflow};

/// A timeline entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub actor: Actor,
    pub body: Option<String>,
    pub detail: Option<String>,
}

impl NewEntry {
    pub fn new(kind: EntryKind, actor: Actor, detail: impl Into<String>) -> Self {
        Self {
            kind,
            actor,
            body: None,
            detail: Some(detail.into()),
        }
    }
}

/// The case a complaint starts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    pub status: Status,
    pub category: Option<String>,
    pub urgency: Urgency,
    pub priority: Priority,
    pub assignee: Option<i64>,
    /// Received, then categorized, prioritized and assigned as decided.
    pub entries: Vec<NewEntry>,
    /// Set by `cases::intake` from the site's SLA policy and hot-stove rules.
    pub hot: bool,
    pub sla: Option<crate::store::case_store::SlaUpdate>,
    pub jobs: Vec<crate::store::case_store::NewJob>,
    pub events: Vec<crate::store::case_store::NewEvent>,
}

/// How a complaint can reach the team: the widget, or a channel the team logs it from.
pub const CHANNELS: [&str; 8] = [
    "widget",
    "phone",
    "chat",
    "email",
    "in_person",
    "social",
    "review",
    "other",
];

/// A complaint the team logged (or an integration sent) rather than one the customer filed
/// from the widget: its timeline says who logged it and from which channel, and its
/// `complaint.created` event carries the channel.
pub fn logged_by(intake: &mut Intake, actor: Actor, channel: &str) {
    if let Some(first) = intake
        .entries
        .iter_mut()
        .find(|e| e.kind == EntryKind::Received)
    {
        first.actor = actor;
        first.detail = Some(format!(
            "logged by the team from {}",
            channel.replace('_', " ")
        ));
    }
    set_channel(intake, channel);
}

/// A complaint that came by e-mail to the site's intake address (`mail_in`): filed by the
/// customer, as from the widget, but its timeline names the address and its `complaint.created`
/// event carries the channel `email`.
pub fn mailed(intake: &mut Intake, to: &str, note: Option<&str>) {
    if let Some(first) = intake
        .entries
        .iter_mut()
        .find(|e| e.kind == EntryKind::Received)
    {
        first.detail = Some(match note {
            Some(note) => format!("by e-mail to {to}; {note}"),
            None => format!("by e-mail to {to}"),
        });
    }
    set_channel(intake, "email");
}

fn set_channel(intake: &mut Intake, channel: &str) {
    for event in intake
        .events
        .iter_mut()
        .filter(|e| e.kind == "complaint.created")
    {
        if let Ok(mut data) = serde_json::from_str::<serde_json::Value>(&event.payload) {
            data["complaint"]["channel"] = channel.into();
            event.payload = data.to_string();
        }
    }
}

/// Where an imported complaint stands: its status, and when the team first answered and
/// resolved it, if they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    pub status: Status,
    pub first_response_at: Option<crate::clock::Millis>,
    pub resolved_at: Option<crate::clock::Millis>,
}

/// A complaint imported from another system's history (`hark import complaints`): its timeline
/// says so, its SLA clocks are stopped where the history says (first answer, resolution), and
/// nothing is sent or timed for it: no outbox events (no webhooks, no e-mails about the past)
/// and no alarms. `sla` is the clocks it was received with; `levels` the site's.
pub fn imported(
    intake: &mut Intake,
    channel: &str,
    history: History,
    levels: &super::cases::ServiceLevels,
    now: crate::clock::Millis,
) {
    if let Some(first) = intake
        .entries
        .iter_mut()
        .find(|e| e.kind == EntryKind::Received)
    {
        first.actor = Actor::System;
        first.detail = Some(format!("imported: from {}", channel.replace('_', " ")));
    }
    intake.events.clear();
    intake.jobs.clear();
    if history.status != intake.status {
        intake.entries.push(NewEntry::new(
            EntryKind::StatusChanged,
            Actor::System,
            format!(
                "{} → {} (imported)",
                intake.status.as_str(),
                history.status.as_str()
            ),
        ));
        intake.status = history.status;
    }
    if let Some(update) = intake.sla.take() {
        let policy = levels.policy(intake.priority);
        let mut sla = update.sla;
        if let Some(at) = history.first_response_at {
            sla.apply(&[SlaEvent::TeamReplied], &levels.calendar, &policy, at);
        }
        if let Some(at) = history.resolved_at {
            sla.apply(&[SlaEvent::Resolved], &levels.calendar, &policy, at);
        }
        intake.sla = Some(levels.update(sla, now));
    }
}

fn rule(name: &str) -> Actor {
    Actor::Rule { name: name.into() }
}

/// Decides how a complaint starts. `agents` are the site's users who may work cases, with their
/// load (only read when the site assigns automatically).
pub fn plan(
    workflow: &Workflow,
    category: Option<&str>,
    description: &str,
    impact: Option<u8>,
    agents: &[Agent],
) -> Intake {
    let mut entries = vec![NewEntry::new(
        EntryKind::Received,
        Actor::Customer,
        "filed from the widget",
    )];
    let verdict = rules::judge(&workflow.rules, description);
    let category = match (category, &verdict.suggestion) {
        (Some(c), _) => Some(c.to_owned()),
        (None, Some(s)) => {
            entries.push(NewEntry::new(
                EntryKind::Categorized,
                rule("keyword rule"),
                format!("→ {}: {}", s.category, s.reason),
            ));
            Some(s.category.clone())
        }
        (None, None) => None,
    };
    let (urgency, why) = match verdict.urgency {
        Some((u, reason)) => (u, format!(" ({reason})")),
        None => (Urgency::Normal, String::new()),
    };
    let priority = priority::derive(workflow, impact, urgency);
    entries.push(NewEntry::new(
        EntryKind::Prioritized,
        rule("priority matrix"),
        format!("{}{why}", priority::explain(impact, urgency, priority)),
    ));
    let mut assignee = None;
    let mut status = Status::New;
    if workflow.auto_assign {
        if let Some((agent, route)) = routing::assignee(workflow, category.as_deref(), agents) {
            assignee = Some(agent.id);
            entries.push(NewEntry::new(
                EntryKind::Assigned,
                rule(match route {
                    routing::Route::Category(_) => "routing",
                    routing::Route::LeastLoaded => "round-robin",
                }),
                format!("→ {} ({})", agent.email, route.reason()),
            ));
            // Someone has it: it is no longer waiting to be looked at.
            status = Status::Open;
            entries.push(NewEntry::new(
                EntryKind::StatusChanged,
                Actor::System,
                "new → open",
            ));
        }
    }
    Intake {
        status,
        category,
        urgency,
        priority,
        assignee,
        entries,
        hot: false,
        sla: None,
        jobs: Vec::new(),
        events: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::case::KeywordRule;

    fn workflow(auto_assign: bool) -> Workflow {
        Workflow {
            rules: vec![KeywordRule {
                category: "Billing".into(),
                keywords: vec!["refund".into(), "charged twice".into()],
                urgency: Some(Urgency::High),
            }],
            auto_assign,
            ..Workflow::default()
        }
    }

    fn agent(id: i64, load: u64) -> Agent {
        Agent {
            id,
            email: format!("a{id}@example.com"),
            role: "agent".into(),
            active_cases: load,
        }
    }

    #[test]
    fn a_complaint_without_category_is_filed_by_the_rules_and_prioritized() {
        let i = plan(&workflow(false), None, "I was charged twice", Some(3), &[]);
        assert_eq!(i.category.as_deref(), Some("Billing"));
        assert_eq!(i.urgency, Urgency::High);
        assert_eq!(i.priority, Priority::P2);
        assert_eq!((i.status, i.assignee), (Status::New, None));
        let kinds: Vec<EntryKind> = i.entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Received,
                EntryKind::Categorized,
                EntryKind::Prioritized
            ]
        );
        assert_eq!(
            i.entries[1].detail.as_deref(),
            Some("→ Billing: matched 'charged twice'")
        );
        assert_eq!(
            i.entries[2].detail.as_deref(),
            Some("impact 3 × urgency high → P2 (matched 'charged twice')")
        );
    }

    #[test]
    fn the_customers_category_stands_and_auto_assignment_opens_the_case() {
        let agents = [agent(1, 2), agent(2, 0)];
        let i = plan(
            &workflow(true),
            Some("Delivery"),
            "refund please",
            None,
            &agents,
        );
        assert_eq!(i.category.as_deref(), Some("Delivery"));
        assert_eq!(i.assignee, Some(2));
        assert_eq!(i.status, Status::Open);
        let assigned = i
            .entries
            .iter()
            .find(|e| e.kind == EntryKind::Assigned)
            .unwrap();
        assert_eq!(
            assigned.actor,
            Actor::Rule {
                name: "round-robin".into()
            }
        );
        assert_eq!(
            assigned.detail.as_deref(),
            Some("→ a2@example.com (round-robin: fewest active cases)")
        );
        // No agents: the case waits, new and unassigned.
        let i = plan(&workflow(true), None, "hello", None, &[]);
        assert_eq!((i.status, i.assignee), (Status::New, None));
        assert_eq!(i.priority, Priority::P3);
    }
}
