//! The checks a site's SLA policies must pass before they are kept.

use super::{verdict, Problem};
use shared::sla::{EscalationAction, Recipients, SlaPolicies, SlaTarget};

/// The longest target and the latest escalation, in business minutes: a year of them.
pub const MAX_MINUTES: u32 = 365 * 24 * 60;
/// At most this many escalation levels per policy.
pub const MAX_LEVELS: usize = 10;
/// At most this many actions per escalation level.
pub const MAX_ACTIONS: usize = 10;

/// Checks policies and says everything that is wrong, each with its field path: a priority with
/// two policies, a target of 0 or of more than a year, a warning share outside 1 to 99 %, too many
/// escalation levels, levels not in strictly increasing order of `after_minutes`, a level without
/// actions, and a notification to an empty list of users.
pub fn check(policies: &SlaPolicies) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    for (i, policy) in policies.policies.iter().enumerate() {
        let path = format!("policies[{i}]");
        if let Some(j) = policies.policies[..i]
            .iter()
            .position(|p| p.priority == policy.priority)
        {
            problems.push(Problem::new(
                format!("{path}.priority"),
                format!(
                    "{} already has a policy, policies[{j}]",
                    policy.priority.as_str()
                ),
            ));
        }
        for target in SlaTarget::ALL {
            if let Some(minutes) = policy.minutes(target) {
                if !(1..=MAX_MINUTES).contains(&minutes) {
                    problems.push(Problem::new(
                        format!("{path}.{}", target.as_str()),
                        format!("{minutes} minutes; a target is 1 to {MAX_MINUTES} business minutes (a year), or none"),
                    ));
                }
            }
        }
        if !(1..=99).contains(&policy.warn_at_percent) {
            problems.push(Problem::new(
                format!("{path}.warn_at_percent"),
                format!(
                    "{} %; the warning comes at 1 to 99 % of the target",
                    policy.warn_at_percent
                ),
            ));
        }
        if policy.escalation.len() > MAX_LEVELS {
            problems.push(Problem::new(
                format!("{path}.escalation"),
                format!("{} levels; at most {MAX_LEVELS}", policy.escalation.len()),
            ));
            continue;
        }
        for (k, level) in policy.escalation.iter().enumerate() {
            let path = format!("{path}.escalation[{k}]");
            if level.after_minutes > MAX_MINUTES {
                problems.push(Problem::new(
                    format!("{path}.after_minutes"),
                    format!("{} minutes; a level comes 0 to {MAX_MINUTES} business minutes (a year) after the breach", level.after_minutes),
                ));
            }
            if let Some(before) = k.checked_sub(1).map(|b| &policy.escalation[b]) {
                if level.after_minutes <= before.after_minutes {
                    problems.push(Problem::new(
                        format!("{path}.after_minutes"),
                        format!(
                            "{} minutes does not come after escalation[{}]'s {}; each level comes later than the one before",
                            level.after_minutes,
                            k - 1,
                            before.after_minutes
                        ),
                    ));
                }
            }
            if level.actions.is_empty() || level.actions.len() > MAX_ACTIONS {
                problems.push(Problem::new(
                    format!("{path}.actions"),
                    format!(
                        "{} actions; a level has 1 to {MAX_ACTIONS}",
                        level.actions.len()
                    ),
                ));
            }
            for (a, action) in level.actions.iter().enumerate() {
                if let EscalationAction::Notify {
                    to: Recipients::Users(users),
                } = action
                {
                    if users.is_empty() {
                        problems.push(Problem::new(
                            format!("{path}.actions[{a}].to"),
                            "no users to notify",
                        ));
                    }
                }
            }
        }
    }
    verdict(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::case::Priority::*;
    use shared::sla::{EscalationLevel, Reassignee, SlaPolicy};

    fn level(after_minutes: u32, actions: Vec<EscalationAction>) -> EscalationLevel {
        EscalationLevel {
            after_minutes,
            actions,
        }
    }

    fn admins() -> EscalationAction {
        EscalationAction::Notify {
            to: Recipients::Admins,
        }
    }

    #[test]
    fn the_default_policies_pass() {
        check(&SlaPolicies::default()).unwrap();
        check(&SlaPolicies {
            policies: Vec::new(),
        })
        .unwrap();
    }

    #[test]
    fn malformed_policies_say_what_is_wrong_and_where() {
        let p1 = || SlaPolicy::default_for(P1);
        let table: Vec<(Vec<SlaPolicy>, Vec<&str>)> = vec![
            (
                vec![SlaPolicy::default_for(P2), p1(), p1()],
                vec!["policies[2].priority: P1 already has a policy, policies[1]"],
            ),
            (
                vec![SlaPolicy {
                    first_response: Some(0),
                    next_response: None,
                    resolution: Some(MAX_MINUTES + 1),
                    ..p1()
                }],
                vec![
                    "policies[0].first_response: 0 minutes; a target is 1 to 525600 business minutes (a year), or none",
                    "policies[0].resolution: 525601 minutes; a target is 1 to 525600 business minutes (a year), or none",
                ],
            ),
            (
                vec![SlaPolicy { warn_at_percent: 0, ..p1() }],
                vec!["policies[0].warn_at_percent: 0 %; the warning comes at 1 to 99 % of the target"],
            ),
            (
                vec![SlaPolicy { warn_at_percent: 100, ..p1() }],
                vec!["policies[0].warn_at_percent: 100 %; the warning comes at 1 to 99 % of the target"],
            ),
            (
                vec![SlaPolicy {
                    escalation: (0..11).map(|k| level(k * 10, vec![admins()])).collect(),
                    ..p1()
                }],
                vec!["policies[0].escalation: 11 levels; at most 10"],
            ),
            (
                vec![SlaPolicy {
                    escalation: vec![
                        level(30, vec![admins()]),
                        level(30, vec![EscalationAction::RaisePriority {}]),
                        level(10, vec![]),
                        level(MAX_MINUTES + 1, vec![EscalationAction::Notify { to: Recipients::Users(vec![]) }]),
                    ],
                    ..p1()
                }],
                vec![
                    "policies[0].escalation[1].after_minutes: 30 minutes does not come after escalation[0]'s 30; each level comes later than the one before",
                    "policies[0].escalation[2].after_minutes: 10 minutes does not come after escalation[1]'s 30; each level comes later than the one before",
                    "policies[0].escalation[2].actions: 0 actions; a level has 1 to 10",
                    "policies[0].escalation[3].after_minutes: 525601 minutes; a level comes 0 to 525600 business minutes (a year) after the breach",
                    "policies[0].escalation[3].actions[0].to: no users to notify",
                ],
            ),
        ];
        for (policies, expected) in table {
            let found: Vec<String> = check(&SlaPolicies { policies })
                .unwrap_err()
                .iter()
                .map(Problem::to_string)
                .collect();
            assert_eq!(found, expected);
        }
        // A full ladder is fine: 0, then strictly later.
        let ladder = SlaPolicy {
            escalation: vec![
                level(0, vec![admins()]),
                level(
                    30,
                    vec![EscalationAction::Reassign {
                        to: Reassignee::RoundRobin,
                    }],
                ),
                level(120, vec![EscalationAction::RaisePriority {}, admins()]),
            ],
            ..p1()
        };
        check(&SlaPolicies {
            policies: vec![ladder],
        })
        .unwrap();
    }
}
