//! A survey's funnel from the widget's events: each card is `shown`, then `completed` or
//! `dismissed` (or left with the page, which sends nothing), the last two with the questions the
//! card showed, in order. From their counts per path:
//!
//! - started: completed, plus dismissed after the first question (it was answered);
//! - a question's views: the completed and dismissed cards that showed it;
//! - its drop-offs: the cards dismissed while it was shown; the rate is drop-offs over views.
//!
//! Pure: the handler reads the counts per path (`InsightStore::funnel_paths`).

use shared::insight::{QuestionFunnel, SurveyFunnel};

/// The event kinds the widget sends.
pub const KINDS: [&str; 3] = ["shown", "completed", "dismissed"];

/// How many cards of one kind took one path (`seen`: question ids, comma-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCount {
    pub kind: String,
    pub seen: String,
    pub n: u64,
}

/// The funnel of one survey, whose questions are `(id, prompt)` in order.
pub fn funnel(
    survey: (&str, &str),
    questions: &[(&str, &str)],
    paths: &[PathCount],
) -> SurveyFunnel {
    let mut out = SurveyFunnel {
        survey: survey.0.to_owned(),
        survey_name: survey.1.to_owned(),
        shown: 0,
        started: 0,
        completed: 0,
        dismissed: 0,
        questions: questions
            .iter()
            .map(|(id, prompt)| QuestionFunnel {
                question: (*id).to_owned(),
                prompt: (*prompt).to_owned(),
                views: 0,
                drop_offs: 0,
                drop_off_rate: None,
            })
            .collect(),
    };
    for p in paths {
        let seen: Vec<&str> = p.seen.split(',').filter(|s| !s.is_empty()).collect();
        match p.kind.as_str() {
            "shown" => out.shown += p.n,
            "completed" => {
                out.completed += p.n;
                out.started += p.n;
            }
            "dismissed" => {
                out.dismissed += p.n;
                if seen.len() >= 2 {
                    out.started += p.n;
                }
            }
            _ => continue,
        }
        if p.kind == "shown" {
            continue;
        }
        for q in &mut out.questions {
            if seen.contains(&q.question.as_str()) {
                q.views += p.n;
            }
        }
        if p.kind == "dismissed" {
            if let Some(q) = seen
                .last()
                .and_then(|last| out.questions.iter_mut().find(|q| q.question == *last))
            {
                q.drop_offs += p.n;
            }
        }
    }
    for q in &mut out.questions {
        q.drop_off_rate = (q.views > 0).then(|| q.drop_offs as f64 / q.views as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(kind: &str, seen: &str, n: u64) -> PathCount {
        PathCount {
            kind: kind.into(),
            seen: seen.into(),
            n,
        }
    }

    #[test]
    fn shown_started_completed_dismissed_and_drop_off_per_question() {
        let questions = [
            ("q1", "Recommend us?"),
            ("q2", "What went wrong?"),
            ("q3", "Why?"),
        ];
        // 10 shown; 4 completed (3 by the detractor branch q1 → q2 → q3, 1 straight q1 → q3);
        // 3 dismissed on q1, 2 on q2 (after answering q1); 1 left with the page.
        let paths = [
            path("shown", "", 10),
            path("completed", "q1,q2,q3", 3),
            path("completed", "q1,q3", 1),
            path("dismissed", "q1", 3),
            path("dismissed", "q1,q2", 2),
            path("unknown", "q1", 7),
        ];
        let f = funnel(("nps", "NPS"), &questions, &paths);
        assert_eq!(
            (f.shown, f.started, f.completed, f.dismissed),
            (10, 6, 4, 5)
        );
        let q: Vec<(u64, u64)> = f.questions.iter().map(|q| (q.views, q.drop_offs)).collect();
        assert_eq!(q, [(9, 3), (5, 2), (4, 0)]);
        assert_eq!(f.questions[0].drop_off_rate, Some(3.0 / 9.0));
        assert_eq!(f.questions[2].drop_off_rate, Some(0.0));
    }

    #[test]
    fn no_events_is_a_funnel_of_zeros() {
        let f = funnel(("nps", "NPS"), &[("q1", "?")], &[]);
        assert_eq!((f.shown, f.started, f.completed, f.dismissed), (0, 0, 0, 0));
        assert_eq!(f.questions[0].drop_off_rate, None);
        // A dismissal at a question the survey no longer has counts, but drops nowhere.
        let f = funnel(
            ("nps", "NPS"),
            &[("q1", "?")],
            &[path("dismissed", "q9", 2)],
        );
        assert_eq!((f.dismissed, f.questions[0].views), (2, 0));
    }
}
