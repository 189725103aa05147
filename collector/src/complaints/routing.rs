//! Who gets a new case: the user the site routes its category to, else the agent with the
//! fewest active cases (round-robin by load).

use shared::case::{Agent, Workflow};

/// How a case found its assignee, as the timeline says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The site routes this category to this user.
    Category(String),
    /// The agent with the fewest active cases.
    LeastLoaded,
}

impl Route {
    pub fn reason(&self) -> String {
        match self {
            Route::Category(c) => format!("routing for {c:?}"),
            Route::LeastLoaded => "round-robin: fewest active cases".into(),
        }
    }
}

/// The agent who gets a case of `category`, among the site's `agents`; `None` when it has none.
/// A routing rule to someone who is no longer an agent of the site is passed over. On a tie of
/// load, the agent with the lowest id (the longest-standing) gets it, and their load then grows,
/// so the next tie goes to the next agent: round-robin.
pub fn assignee<'a>(
    workflow: &Workflow,
    category: Option<&str>,
    agents: &'a [Agent],
) -> Option<(&'a Agent, Route)> {
    if let Some(c) = category {
        if let Some(user) = workflow.routing.get(c) {
            if let Some(agent) = agents.iter().find(|a| a.id == *user) {
                return Some((agent, Route::Category(c.to_owned())));
            }
        }
    }
    agents
        .iter()
        .min_by_key(|a| (a.active_cases, a.id))
        .map(|a| (a, Route::LeastLoaded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, active_cases: u64) -> Agent {
        Agent {
            id,
            email: format!("agent{id}@example.com"),
            role: "agent".into(),
            active_cases,
        }
    }

    #[test]
    fn the_least_loaded_agent_gets_the_case_and_ties_go_round() {
        let w = Workflow::default();
        let mut agents = vec![agent(1, 3), agent(2, 1), agent(3, 1)];
        let mut order = Vec::new();
        for _ in 0..4 {
            let (a, route) = assignee(&w, None, &agents).unwrap();
            assert_eq!(route, Route::LeastLoaded);
            let id = a.id;
            order.push(id);
            agents.iter_mut().find(|a| a.id == id).unwrap().active_cases += 1;
        }
        assert_eq!(order, [2, 3, 2, 3]);
        assert_eq!(assignee(&w, None, &[]), None);
    }

    #[test]
    fn a_categorys_route_wins_while_its_user_is_an_agent() {
        let w = Workflow {
            routing: [("Billing".to_owned(), 7)].into(),
            ..Workflow::default()
        };
        let agents = [agent(1, 0), agent(7, 9)];
        let (a, route) = assignee(&w, Some("Billing"), &agents).unwrap();
        assert_eq!(
            (a.id, route.reason()),
            (7, "routing for \"Billing\"".into())
        );
        assert_eq!(assignee(&w, Some("Delivery"), &agents).unwrap().0.id, 1);
        // User 7 lost their role on the site: load decides.
        assert_eq!(assignee(&w, Some("Billing"), &agents[..1]).unwrap().0.id, 1);
    }
}
