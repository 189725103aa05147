//! Priority from impact × urgency, through a site's matrix (ITIL's, by default).

use shared::case::{Priority, Urgency, Workflow};

/// The impact a complaint counts with when the customer gave none (a suggestion, or a report
/// without it): "some".
pub const DEFAULT_IMPACT: u8 = 2;

/// The priority the site's matrix gives `impact` (1 to 4; out of range is clamped) at `urgency`.
pub fn derive(workflow: &Workflow, impact: Option<u8>, urgency: Urgency) -> Priority {
    let row = usize::from(impact.unwrap_or(DEFAULT_IMPACT).clamp(1, 4)) - 1;
    workflow.matrix[row][urgency.index()]
}

/// How a derived priority reads on the timeline: `impact 3 × urgency high → P2`.
pub fn explain(impact: Option<u8>, urgency: Urgency, priority: Priority) -> String {
    let impact = impact.map_or_else(
        || format!("impact {DEFAULT_IMPACT} (none given)"),
        |i| format!("impact {i}"),
    );
    format!(
        "{impact} × urgency {} → {}",
        urgency.as_str(),
        priority.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::*;
    use Urgency::*;

    #[test]
    fn the_default_matrix_is_itils() {
        let w = Workflow::default();
        // (impact, urgency, priority): every cell of the 4 × 4 default.
        let table = [
            (4, Critical, P1),
            (4, High, P1),
            (4, Normal, P2),
            (4, Low, P3),
            (3, Critical, P1),
            (3, High, P2),
            (3, Normal, P3),
            (3, Low, P3),
            (2, Critical, P2),
            (2, High, P3),
            (2, Normal, P3),
            (2, Low, P4),
            (1, Critical, P3),
            (1, High, P3),
            (1, Normal, P4),
            (1, Low, P4),
        ];
        for (impact, urgency, priority) in table {
            assert_eq!(
                derive(&w, Some(impact), urgency),
                priority,
                "{impact} × {urgency:?}"
            );
        }
    }

    #[test]
    fn a_sites_matrix_decides_and_a_missing_impact_counts_as_two() {
        let mut w = Workflow::default();
        w.matrix[1][1] = P1;
        assert_eq!(derive(&w, Some(2), Normal), P1);
        assert_eq!(derive(&w, None, Normal), P1);
        assert_eq!(derive(&w, Some(9), Critical), P1, "clamped to 4");
        assert_eq!(
            explain(None, Normal, P3),
            "impact 2 (none given) × urgency normal → P3"
        );
        assert_eq!(explain(Some(4), High, P1), "impact 4 × urgency high → P1");
    }
}
