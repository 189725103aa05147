//! Surveys to start from: the builder offers them, and a new site may start with one. Each is a
//! whole [`Survey`] that [`Survey::check`] takes, paused until an admin activates it.

use crate::ids::{QuestionId, SurveyId};
use crate::survey::{
    Branch, CsatStyle, Frequency, On, Question, QuestionKind, Step, Survey, Trigger, When,
};

/// A survey to start from, with what it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Its name in a URL or an option's value, and the id of the survey it makes.
    pub slug: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub survey: Survey,
}

fn id(s: &str) -> QuestionId {
    QuestionId::parse(s).expect("a template's question id is valid")
}

fn question(qid: &str, kind: QuestionKind, prompt: &str) -> Question {
    Question {
        id: id(qid),
        prompt: prompt.to_owned(),
        kind,
        optional: false,
        low: None,
        high: None,
        branches: Vec::new(),
        next: None,
    }
}

fn text(qid: &str, prompt: &str) -> Question {
    Question {
        next: Some(Step::End),
        ..question(qid, QuestionKind::Text { max_len: 1000 }, prompt)
    }
}

fn survey(slug: &str, name: &str, trigger: Trigger, frequency: Frequency) -> Survey {
    Survey {
        id: SurveyId::parse(slug).expect("a template's slug is a valid survey id"),
        version: 0,
        name: name.to_owned(),
        trigger,
        frequency,
        questions: Vec::new(),
        thank_you: None,
        translations: Default::default(),
    }
}

fn score(min: u8, max: u8, goto: &str) -> Branch {
    Branch {
        when: When::Score { min, max },
        goto: Step::Question(id(goto)),
    }
}

fn nps(prompt: &str) -> Question {
    question("score", QuestionKind::Nps, prompt)
}

/// The surveys to start from, in the order the builder offers them.
pub fn templates() -> Vec<Template> {
    let follow_ups = Survey {
        questions: vec![
            Question {
                branches: vec![
                    score(0, 6, "detractor"),
                    score(7, 8, "passive"),
                    score(9, 10, "promoter"),
                ],
                ..nps("How likely are you to recommend us to a friend or colleague?")
            },
            text("detractor", "We are sorry to hear that. What went wrong?"),
            text("passive", "What would make us a 10 for you?"),
            text("promoter", "What do you like most about us?"),
        ],
        thank_you: Some("Thank you: every answer is read.".to_owned()),
        ..survey(
            "nps-follow-ups",
            "NPS with follow-ups",
            Trigger::page_view(),
            Frequency::Once,
        )
    };

    let post_purchase = Survey {
        questions: vec![
            question(
                "satisfaction",
                QuestionKind::Csat {
                    style: CsatStyle::Stars,
                },
                "How satisfied are you with your purchase?",
            ),
            Question {
                optional: true,
                ..question(
                    "why",
                    QuestionKind::Text { max_len: 1000 },
                    "What could we do better?",
                )
            },
        ],
        ..survey(
            "post-purchase-csat",
            "Post-purchase CSAT",
            Trigger {
                on: On::Event {
                    name: "purchase".to_owned(),
                },
                ..Trigger::page_view()
            },
            Frequency::UntilAnswered,
        )
    };

    let periodic = Survey {
        questions: vec![
            nps("How likely are you to recommend us to a friend or colleague?"),
            Question {
                optional: true,
                ..question(
                    "why",
                    QuestionKind::Text { max_len: 1000 },
                    "What is the main reason for your score?",
                )
            },
        ],
        ..survey(
            "periodic-nps",
            "Periodic NPS every 90 days",
            Trigger {
                delay_seconds: 10,
                ..Trigger::page_view()
            },
            Frequency::EveryDays { days: 90 },
        )
    };

    let support = Survey {
        questions: vec![
            Question {
                low: Some("Very difficult".to_owned()),
                high: Some("Very easy".to_owned()),
                branches: vec![score(1, 3, "hard")],
                next: Some(Step::End),
                ..question(
                    "effort",
                    QuestionKind::Ces,
                    "How easy was it to get the help you needed?",
                )
            },
            text("hard", "What made it hard?"),
        ],
        ..survey(
            "ces-after-support",
            "CES after support",
            Trigger {
                on: On::Event {
                    name: "support_closed".to_owned(),
                },
                ..Trigger::page_view()
            },
            Frequency::EveryDays { days: 30 },
        )
    };

    // Answered on a case's status page, where every question shows at once (so no branches),
    // as a whole: a CSAT the collector reads as the rating, the effort, and an optional why.
    let resolution = Survey {
        questions: vec![
            question(
                "satisfaction",
                QuestionKind::Csat {
                    style: CsatStyle::Stars,
                },
                "How satisfied are you with how we handled this?",
            ),
            question(
                "effort",
                QuestionKind::Ces,
                "How easy was it to get this resolved?",
            ),
            Question {
                optional: true,
                ..question(
                    "better",
                    QuestionKind::Text { max_len: 1000 },
                    "What could we have done better?",
                )
            },
        ],
        ..survey(
            "resolution",
            "The resolution survey",
            Trigger {
                on: On::Resolution,
                ..Trigger::page_view()
            },
            Frequency::Once,
        )
    };

    vec![
        Template {
            slug: "nps-follow-ups",
            title: "NPS with follow-ups",
            description: "The recommendation score, then one question for detractors (0–6), \
                          passives (7–8) and promoters (9–10) each.",
            survey: follow_ups,
        },
        Template {
            slug: "post-purchase-csat",
            title: "Post-purchase CSAT",
            description: "Satisfaction with a purchase, asked when the page calls \
                          hark('track', 'purchase').",
            survey: post_purchase,
        },
        Template {
            slug: "periodic-nps",
            title: "Periodic NPS every 90 days",
            description: "The recommendation score and its reason, asked again 90 days after \
                          it was last shown.",
            survey: periodic,
        },
        Template {
            slug: "ces-after-support",
            title: "CES after support",
            description: "How easy getting help was, with a follow-up when it was hard, asked \
                          when the page calls hark('track', 'support_closed').",
            survey: support,
        },
        Template {
            slug: "resolution",
            title: "The resolution survey",
            description: "What a customer answers about their resolved case on its status \
                          page: satisfaction (the case's rating), effort and what could have \
                          been better. Replaces the built-in one while active.",
            survey: resolution,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_a_valid_survey_whose_questions_all_reachable() {
        let all = templates();
        assert_eq!(all.len(), 5);
        for t in &all {
            assert_eq!(t.survey.check(), Ok(()), "{}", t.slug);
            assert_eq!(t.survey.id.as_str(), t.slug);
            assert_eq!(t.survey.unreachable(), Vec::<usize>::new(), "{}", t.slug);
            // It survives the wire as it is.
            let json = serde_json::to_value(&t.survey).unwrap();
            assert_eq!(serde_json::from_value::<Survey>(json).unwrap(), t.survey);
        }
    }

    #[test]
    fn each_template_does_what_its_title_says() {
        let all = templates();
        let by = |slug| &all.iter().find(|t| t.slug == slug).unwrap().survey;
        let follow = by("nps-follow-ups");
        assert_eq!(follow.path_with_score(3), vec![0, 1]);
        assert_eq!(follow.path_with_score(8), vec![0, 2]);
        assert_eq!(follow.path_with_score(10), vec![0, 3]);
        assert_eq!(
            by("post-purchase-csat").trigger.on,
            On::Event {
                name: "purchase".into()
            }
        );
        assert_eq!(
            by("periodic-nps").frequency,
            Frequency::EveryDays { days: 90 }
        );
        assert_eq!(by("ces-after-support").questions[0].kind, QuestionKind::Ces);
        let resolution = by("resolution");
        assert_eq!(resolution.trigger.on, On::Resolution);
        assert!(!resolution.on_pages());
        assert!(resolution.questions.iter().all(|q| q.branches.is_empty()));
    }
}
