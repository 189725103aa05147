//! Service levels as the admin API and the dashboard exchange them: a site's business hours, its
//! per-priority targets and escalation ladder, and the state of a case's SLA clocks.
//!
//! These are settings as typed, not yet checked: a time zone is only a name here and a time of
//! day only text. The collector parses them (`collector::sla`), because knowing which time zones
//! exist takes a time zone database that this crate, compiled to wasm for the dashboard, should
//! not carry.

use crate::case::Priority;
use serde::{Deserialize, Serialize};

/// A day of the week, as a working interval names it: `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// Monday first, as ISO 8601 counts.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// `mon` … `sun`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The day after this one (Sunday is followed by Monday).
    pub fn next(self) -> Weekday {
        Weekday::ALL[(self.index() + 1) % 7]
    }
}

/// One stretch of working time on a day of the week, in the site's local time.
///
/// `end` at or before `start` is an overnight interval: `22:00`–`06:00` on `mon` runs from Monday
/// 22:00 to Tuesday 06:00. `24:00` is allowed as an end, for a day worked until midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkingInterval {
    pub day: Weekday,
    /// `HH:MM`, 24-hour.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")
    )]
    pub start: String,
    /// `HH:MM`, 24-hour, or `24:00`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")
    )]
    pub end: String,
}

impl WorkingInterval {
    /// An interval from `start` to `end` on `day`, for tests and defaults.
    pub fn new(day: Weekday, start: &str, end: &str) -> Self {
        Self {
            day,
            start: start.to_owned(),
            end: end.to_owned(),
        }
    }
}

/// When a site's team works, which is when SLA clocks run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct BusinessHours {
    /// An IANA time zone name, such as `Europe/Berlin`; the week and the holidays are in its
    /// local time.
    pub time_zone: String,
    /// Open 24 hours a day, 7 days a week: `week` is then kept (to come back to) but not used.
    /// Holidays still close.
    pub always_open: bool,
    pub week: Vec<WorkingInterval>,
    /// Whole local days closed, as `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::dates))]
    pub holidays: Vec<String>,
}

impl Default for BusinessHours {
    /// UTC, Monday to Friday 09:00–17:00, no holidays.
    fn default() -> Self {
        Self {
            time_zone: "UTC".to_owned(),
            always_open: false,
            week: Weekday::ALL[..5]
                .iter()
                .map(|&day| WorkingInterval::new(day, "09:00", "17:00"))
                .collect(),
            holidays: Vec::new(),
        }
    }
}

/// Which SLA clock of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// From the case's arrival to the team's first public reply.
    FirstResponse,
    /// From a customer's reply to the team's next public reply.
    NextResponse,
    /// From the case's arrival to its resolution.
    Resolution,
}

impl SlaTarget {
    pub const ALL: [SlaTarget; 3] = [
        SlaTarget::FirstResponse,
        SlaTarget::NextResponse,
        SlaTarget::Resolution,
    ];

    /// `first_response`, `next_response` or `resolution`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "first_response",
            SlaTarget::NextResponse => "next_response",
            SlaTarget::Resolution => "resolution",
        }
    }
}

/// Whom a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recipients {
    /// The case's assignee (nobody when it has none).
    Assignee,
    /// The site's admins and owners.
    Admins,
    /// These users, by id.
    Users(Vec<i64>),
}

/// Whom a case is given to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reassignee {
    /// This user, by id.
    User(i64),
    /// The agent next in turn.
    RoundRobin,
}

/// What an escalation level does, as `{"action": "notify", "to": "admins"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum EscalationAction {
    Notify {
        to: Recipients,
    },
    Reassign {
        to: Reassignee,
    },
    /// One step more urgent (P3 → P2); P1 stays P1. A struct variant, empty, so that
    /// `deny_unknown_fields` refuses `{"action": "raise_priority", "by": 2}` (serde lets a unit
    /// variant of a tagged enum ignore extra fields).
    RaisePriority {},
}

/// One rung of the escalation ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalationLevel {
    /// Business minutes after the breach; 0 is at the breach itself.
    #[cfg_attr(feature = "openapi", schema(maximum = 525600))]
    pub after_minutes: u32,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::escalation_actions))]
    pub actions: Vec<EscalationAction>,
}

/// The targets of one priority, in business minutes; `None` is no target (no clock runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub priority: Priority,
    /// Business minutes, 1 to a year's (525,600); `null` for no target.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 525600))]
    pub first_response: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 525600))]
    pub next_response: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 525600))]
    pub resolution: Option<u32>,
    /// The share of a target after which its clock is at risk and a warning goes out.
    #[serde(default = "default_warn_at_percent")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 99))]
    pub warn_at_percent: u8,
    /// Levels in order of `after_minutes`, for every target of this priority.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub escalation: Vec<EscalationLevel>,
}

/// The share of a target after which a warning goes out, unless a policy says otherwise.
pub const DEFAULT_WARN_AT_PERCENT: u8 = 80;

fn default_warn_at_percent() -> u8 {
    DEFAULT_WARN_AT_PERCENT
}

impl SlaPolicy {
    /// The target of `target`, in business minutes.
    pub fn minutes(&self, target: SlaTarget) -> Option<u32> {
        match target {
            SlaTarget::FirstResponse => self.first_response,
            SlaTarget::NextResponse => self.next_response,
            SlaTarget::Resolution => self.resolution,
        }
    }

    /// The default for `priority`: first (and next) response and resolution in business minutes
    /// of 1 h / 8 h for P1, 4 h / 24 h for P2, 8 h / 48 h for P3 and 24 h / 120 h for P4, with a
    /// warning at 80 % and the site's admins told at the breach.
    pub fn default_for(priority: Priority) -> Self {
        let (response, resolution) = match priority {
            Priority::P1 => (60, 480),
            Priority::P2 => (240, 1440),
            Priority::P3 => (480, 2880),
            Priority::P4 => (1440, 7200),
        };
        Self {
            priority,
            first_response: Some(response),
            next_response: Some(response),
            resolution: Some(resolution),
            warn_at_percent: DEFAULT_WARN_AT_PERCENT,
            escalation: vec![EscalationLevel {
                after_minutes: 0,
                actions: vec![EscalationAction::Notify {
                    to: Recipients::Admins,
                }],
            }],
        }
    }
}

/// A site's policies, at most one per priority; a priority without one has no targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicies {
    #[cfg_attr(feature = "openapi", schema(max_items = 4))]
    pub policies: Vec<SlaPolicy>,
}

impl SlaPolicies {
    /// The policy of `priority`, if the site has one.
    pub fn get(&self, priority: Priority) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| p.priority == priority)
    }
}

impl Default for SlaPolicies {
    /// `SlaPolicy::default_for` each priority.
    fn default() -> Self {
        Self {
            policies: Priority::ALL.map(SlaPolicy::default_for).into(),
        }
    }
}

/// Where an SLA clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Running, below the warning share.
    OnTrack,
    /// Running, past the warning share.
    AtRisk,
    /// Past the target, whether still running, paused or stopped late.
    Breached,
    /// Stopped within the target.
    Met,
    /// Waiting on the customer, within the target.
    Paused,
}

/// One SLA clock of a case, as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaClock {
    pub target: SlaTarget,
    pub state: SlaState,
    /// When the target is (or was) reached, in Unix milliseconds; `None` while paused within
    /// the target, since the time left is not running.
    pub due_at: Option<i64>,
    /// Business minutes counted so far.
    pub used_minutes: i64,
    /// Business minutes until the target, negative once it is breached.
    pub left_minutes: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn business_hours_default_to_utc_office_hours_and_read_lowercase_days() {
        let hours = BusinessHours::default();
        assert_eq!(hours.time_zone, "UTC");
        assert_eq!(hours.week.len(), 5);
        assert_eq!(
            hours.week[4],
            WorkingInterval::new(Weekday::Fri, "09:00", "17:00")
        );
        let read: BusinessHours = serde_json::from_value(json!({
            "time_zone": "Europe/Berlin",
            "week": [{"day": "sun", "start": "22:00", "end": "06:00"}],
        }))
        .unwrap();
        assert_eq!(
            read.week,
            [WorkingInterval::new(Weekday::Sun, "22:00", "06:00")]
        );
        assert!(!read.always_open && read.holidays.is_empty());
        assert_eq!(Weekday::Sun.next(), Weekday::Mon);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let typo = json!({"time_zone": "UTC", "holiday": ["2026-12-25"]});
        assert!(serde_json::from_value::<BusinessHours>(typo).is_err());
        let typo = json!({"day": "mon", "start": "09:00", "end": "17:00", "lunch": true});
        assert!(serde_json::from_value::<WorkingInterval>(typo).is_err());
        let typo = json!({"action": "raise_priority", "by": 2});
        assert!(serde_json::from_value::<EscalationAction>(typo).is_err());
        let typo = json!({"action": "notify", "to": "admins", "cc": "assignee"});
        assert!(serde_json::from_value::<EscalationAction>(typo).is_err());
    }

    #[test]
    fn escalation_actions_are_tagged_by_action() {
        let table = [
            (
                json!({"action": "notify", "to": "assignee"}),
                EscalationAction::Notify {
                    to: Recipients::Assignee,
                },
            ),
            (
                json!({"action": "notify", "to": {"users": [3, 4]}}),
                EscalationAction::Notify {
                    to: Recipients::Users(vec![3, 4]),
                },
            ),
            (
                json!({"action": "reassign", "to": {"user": 7}}),
                EscalationAction::Reassign {
                    to: Reassignee::User(7),
                },
            ),
            (
                json!({"action": "reassign", "to": "round_robin"}),
                EscalationAction::Reassign {
                    to: Reassignee::RoundRobin,
                },
            ),
            (
                json!({"action": "raise_priority"}),
                EscalationAction::RaisePriority {},
            ),
        ];
        for (wire, action) in table {
            assert_eq!(serde_json::to_value(&action).unwrap(), wire);
            assert_eq!(
                serde_json::from_value::<EscalationAction>(wire).unwrap(),
                action
            );
        }
    }

    #[test]
    fn default_policies_cover_every_priority_and_a_policy_defaults_its_warning() {
        let all = SlaPolicies::default();
        let p2 = all.get(Priority::P2).unwrap();
        assert_eq!(p2.minutes(SlaTarget::FirstResponse), Some(240));
        assert_eq!(p2.minutes(SlaTarget::NextResponse), Some(240));
        assert_eq!(p2.minutes(SlaTarget::Resolution), Some(1440));
        assert_eq!(all.get(Priority::P4).unwrap().resolution, Some(7200));
        assert_eq!(all.policies.len(), 4);
        let read: SlaPolicy =
            serde_json::from_value(json!({"priority": "P1", "resolution": 120})).unwrap();
        assert_eq!(read.warn_at_percent, 80);
        assert_eq!(read.first_response, None);
        assert!(read.escalation.is_empty());
        let round = serde_json::to_value(&all).unwrap();
        assert_eq!(serde_json::from_value::<SlaPolicies>(round).unwrap(), all);
    }

    #[test]
    fn clocks_serialize_in_snake_case() {
        let clock = SlaClock {
            target: SlaTarget::FirstResponse,
            state: SlaState::AtRisk,
            due_at: Some(1_000),
            used_minutes: 50,
            left_minutes: 10,
        };
        assert_eq!(
            serde_json::to_value(&clock).unwrap(),
            json!({"target": "first_response", "state": "at_risk", "due_at": 1000,
                   "used_minutes": 50, "left_minutes": 10})
        );
    }
}
