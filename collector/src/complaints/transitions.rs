//! Where a case may go from each status, and who may move it there.
//!
//! ```text
//! new → open → in_progress ⇄ waiting_on_customer → resolved → closed
//!                waiting_on_customer → open (the customer replied)
//!                                    resolved/closed → reopened → open
//! any active status → resolved; any status but closed → merged | spam (terminal)
//! ```

use crate::access::Role;
use shared::case::Status;

/// Who asks for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// A dashboard user or an API token, with its role on the case's site.
    Team(Role),
    /// The customer who filed the case (a reply from the status page).
    Customer,
    /// A timer job (auto-close).
    System,
}

/// Who may make a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Agents and up.
    Agent,
    /// Admins and owners.
    Admin,
    /// Agents and up, and the customer.
    AgentOrCustomer,
    /// Agents and up, and the timer.
    AgentOrSystem,
}

impl Who {
    fn admits(self, party: Party) -> bool {
        let team = |least: Role| matches!(party, Party::Team(r) if r.at_least(least));
        match self {
            Who::Agent => team(Role::Agent),
            Who::Admin => team(Role::Admin),
            Who::AgentOrCustomer => team(Role::Agent) || party == Party::Customer,
            Who::AgentOrSystem => team(Role::Agent) || party == Party::System,
        }
    }
}

/// Every transition there is, with who may make it.
const TRANSITIONS: &[(Status, Status, Who)] = {
    use Status::*;
    use Who::*;
    &[
        (New, Open, Agent),
        (New, InProgress, Agent),
        (New, Resolved, Agent),
        (New, Merged, Agent),
        (New, Spam, Agent),
        (Open, InProgress, Agent),
        (Open, WaitingOnCustomer, Agent),
        (Open, Resolved, Agent),
        (Open, Merged, Agent),
        (Open, Spam, Agent),
        (InProgress, WaitingOnCustomer, Agent),
        (InProgress, Resolved, Agent),
        (InProgress, Merged, Agent),
        (InProgress, Spam, Agent),
        // The customer's reply brings a case that waited on them back to the queue.
        (WaitingOnCustomer, Open, AgentOrCustomer),
        (WaitingOnCustomer, InProgress, Agent),
        (WaitingOnCustomer, Resolved, Agent),
        (WaitingOnCustomer, Merged, Agent),
        (WaitingOnCustomer, Spam, Agent),
        (Reopened, Open, AgentOrSystem),
        (Reopened, InProgress, Agent),
        (Reopened, Resolved, Agent),
        (Reopened, Merged, Agent),
        (Reopened, Spam, Agent),
        // The customer's reply to a resolved case reopens it.
        (Resolved, Reopened, AgentOrCustomer),
        (Resolved, Closed, AgentOrSystem),
        (Resolved, Merged, Agent),
        (Resolved, Spam, Agent),
        // A closed case is done; only an admin may take it up again.
        (Closed, Reopened, Admin),
    ]
};

/// A refused transition: what the party may do from here instead (`409` with this list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub from: Status,
    pub to: Status,
    pub allowed: Vec<Status>,
}

impl Refused {
    pub fn message(&self) -> String {
        let allowed: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
        let options = if allowed.is_empty() {
            "nothing".to_owned()
        } else {
            allowed.join(", ")
        };
        format!(
            "a case cannot go from {} to {} here; it may go to: {options}",
            self.from.as_str(),
            self.to.as_str()
        )
    }
}

/// Where `party` may move a case that is `from`, in the order of `Status::ALL`.
pub fn allowed(from: Status, party: Party) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|to| may(from, *to, party))
        .collect()
}

fn may(from: Status, to: Status, party: Party) -> bool {
    TRANSITIONS
        .iter()
        .any(|(f, t, who)| *f == from && *t == to && who.admits(party))
}

/// Whether `party` may move a case from `from` to `to`; the refusal lists what it may do.
pub fn check(from: Status, to: Status, party: Party) -> Result<(), Refused> {
    if may(from, to, party) {
        Ok(())
    } else {
        Err(Refused {
            from,
            to,
            allowed: allowed(from, party),
        })
    }
}

/// Where a customer's reply takes a case: a resolved case is reopened, one that waited on the
/// customer is open again (for whoever picks it up next); otherwise it stays where it is.
pub fn on_customer_reply(from: Status) -> Option<Status> {
    match from {
        Status::Resolved => Some(Status::Reopened),
        Status::WaitingOnCustomer => Some(Status::Open),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    const PARTIES: [Party; 6] = [
        Party::Team(Role::Viewer),
        Party::Team(Role::Agent),
        Party::Team(Role::Admin),
        Party::Team(Role::Owner),
        Party::Customer,
        Party::System,
    ];

    /// The rules written out as a table of their own: for every status and party, the set of
    /// statuses it may go to. Every one of the 9 × 9 × 6 cases is checked against it.
    fn expected(from: Status, party: Party) -> Vec<Status> {
        let agent = matches!(party, Party::Team(r) if r >= Role::Agent);
        let admin = matches!(party, Party::Team(r) if r >= Role::Admin);
        let customer = party == Party::Customer;
        let system = party == Party::System;
        let mut to = Vec::new();
        let mut add = |s: Status, ok: bool| {
            if ok {
                to.push(s)
            }
        };
        match from {
            New => {
                add(Open, agent);
                add(InProgress, agent);
            }
            Open => {
                add(InProgress, agent);
                add(WaitingOnCustomer, agent);
            }
            InProgress => add(WaitingOnCustomer, agent),
            WaitingOnCustomer => {
                add(Open, agent || customer);
                add(InProgress, agent);
            }
            Reopened => {
                add(Open, agent || system);
                add(InProgress, agent);
            }
            Resolved => {
                add(Reopened, agent || customer);
                add(Closed, agent || system);
            }
            Closed => add(Reopened, admin),
            Merged | Spam => {}
        }
        if from.is_active() {
            add(Resolved, agent);
        }
        if !matches!(from, Closed | Merged | Spam) {
            add(Merged, agent);
            add(Spam, agent);
        }
        to.sort();
        to
    }

    #[test]
    fn every_status_transition_and_party_follows_the_rules() {
        let mut checked = 0;
        for from in Status::ALL {
            for party in PARTIES {
                let want = expected(from, party);
                assert_eq!(allowed(from, party), want, "{from:?} by {party:?}");
                for to in Status::ALL {
                    checked += 1;
                    match check(from, to, party) {
                        Ok(()) => assert!(want.contains(&to), "{from:?} → {to:?} by {party:?}"),
                        Err(refused) => {
                            assert!(!want.contains(&to), "{from:?} → {to:?} by {party:?}");
                            assert_eq!(refused.allowed, want);
                            assert_eq!((refused.from, refused.to), (from, to));
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 9 * 9 * 6);
    }

    #[test]
    fn viewers_and_terminal_cases_go_nowhere() {
        for from in Status::ALL {
            assert!(allowed(from, Party::Team(Role::Viewer)).is_empty());
        }
        for terminal in [Merged, Spam] {
            for party in PARTIES {
                assert!(allowed(terminal, party).is_empty());
            }
        }
    }

    #[test]
    fn a_refusal_says_where_the_case_may_go() {
        let refused = check(New, Closed, Party::Team(Role::Agent)).unwrap_err();
        assert_eq!(
            refused.message(),
            "a case cannot go from new to closed here; it may go to: open, in_progress, resolved, merged, spam"
        );
        let refused = check(Merged, Open, Party::Team(Role::Owner)).unwrap_err();
        assert!(refused.message().ends_with("it may go to: nothing"));
    }

    #[test]
    fn a_customer_reply_reopens_a_resolved_case() {
        assert_eq!(on_customer_reply(Resolved), Some(Reopened));
        assert_eq!(on_customer_reply(WaitingOnCustomer), Some(Open));
        assert_eq!(on_customer_reply(Open), None);
        assert_eq!(on_customer_reply(Closed), None);
        for from in [Resolved, WaitingOnCustomer] {
            check(from, on_customer_reply(from).unwrap(), Party::Customer).unwrap();
        }
    }
}
