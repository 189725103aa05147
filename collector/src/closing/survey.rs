//! The resolution survey: the site's active survey whose trigger is `resolution`, else the
//! built-in one (CSAT 1–5, CES 1–7 and an optional "what could we have done better?", in the
//! seven languages). On the status page every question is shown at once (a page without
//! script cannot branch), so its answers are read as a whole: each question answered at most
//! once, every question that is not optional answered, each answer within its question.

use shared::survey::{
    CsatStyle, Frequency, On, Question, QuestionKind, QuestionText, Translation, Trigger,
};
use shared::{Answer, NpsScore, QuestionId, ResponseId, ResponseSubmission, SiteKey, Survey};
use std::collections::BTreeMap;

/// The built-in survey's id, under which its answers are listed.
pub const DEFAULT_ID: &str = "resolution";

/// The site's resolution survey among its active surveys, else the built-in one.
pub fn pick(active: Vec<Survey>) -> Survey {
    active
        .into_iter()
        .find(|s| s.trigger.on == On::Resolution)
        .unwrap_or_else(default_survey)
}

/// The built-in resolution survey.
pub fn default_survey() -> Survey {
    let q = |id: &str, kind: QuestionKind, optional: bool, prompt: &str| Question {
        id: QuestionId::parse(id).expect("a valid id"),
        prompt: prompt.to_owned(),
        kind,
        optional,
        low: None,
        high: None,
        branches: Vec::new(),
        next: None,
    };
    let prompts: [(&str, [&str; 3]); 6] = [
        (
            "de",
            [
                "Wie zufrieden sind Sie damit, wie wir das bearbeitet haben?",
                "Wie einfach war es, das lösen zu lassen?",
                "Was hätten wir besser machen können?",
            ],
        ),
        (
            "fr",
            [
                "Êtes-vous satisfait de la façon dont nous avons traité votre demande ?",
                "Était-il facile d'obtenir une solution ?",
                "Qu'aurions-nous pu mieux faire ?",
            ],
        ),
        (
            "es",
            [
                "¿Qué tan satisfecho está con cómo gestionamos esto?",
                "¿Qué tan fácil fue resolverlo?",
                "¿Qué podríamos haber hecho mejor?",
            ],
        ),
        (
            "pt",
            [
                "Quão satisfeito está com a forma como tratámos isto?",
                "Quão fácil foi resolver isto?",
                "O que poderíamos ter feito melhor?",
            ],
        ),
        (
            "ja",
            [
                "今回の対応にどの程度満足していますか？",
                "解決までの手続きはどの程度簡単でしたか？",
                "改善できた点があれば教えてください。",
            ],
        ),
        (
            "ar",
            [
                "ما مدى رضاك عن طريقة تعاملنا مع هذا الأمر؟",
                "ما مدى سهولة حل هذا الأمر؟",
                "ما الذي كان بإمكاننا فعله بشكل أفضل؟",
            ],
        ),
    ];
    let ids = ["satisfaction", "effort", "better"];
    let translations: BTreeMap<String, Translation> = prompts
        .iter()
        .map(|(lang, texts)| {
            let questions = ids
                .iter()
                .zip(texts)
                .map(|(id, text)| {
                    (
                        QuestionId::parse(*id).expect("a valid id"),
                        QuestionText {
                            prompt: Some((*text).to_owned()),
                            ..QuestionText::default()
                        },
                    )
                })
                .collect();
            (
                (*lang).to_owned(),
                Translation {
                    thank_you: None,
                    questions,
                },
            )
        })
        .collect();
    Survey {
        id: shared::SurveyId::parse(DEFAULT_ID).expect("a valid id"),
        version: 1,
        name: "Resolution".into(),
        trigger: Trigger {
            on: On::Resolution,
            ..Trigger::page_view()
        },
        frequency: Frequency::Once,
        questions: vec![
            q(
                ids[0],
                QuestionKind::Csat {
                    style: CsatStyle::Stars,
                },
                false,
                "How satisfied are you with how we handled this?",
            ),
            q(
                ids[1],
                QuestionKind::Ces,
                false,
                "How easy was it to get this resolved?",
            ),
            q(
                ids[2],
                QuestionKind::Text { max_len: 1000 },
                true,
                "What could we have done better?",
            ),
        ],
        thank_you: None,
        translations,
    }
}

/// Checks answers to `survey` as the status page asks it: all questions at once.
pub fn check(survey: &Survey, site: &SiteKey, answers: Vec<Answer>) -> Result<Vec<Answer>, String> {
    if answers.is_empty() {
        return Err("a rating needs at least one answer".into());
    }
    for (i, a) in answers.iter().enumerate() {
        if answers[..i]
            .iter()
            .any(|b| b.question_id() == a.question_id())
        {
            return Err(format!("question {} is answered twice", a.question_id()));
        }
    }
    if let Some(q) = survey
        .questions
        .iter()
        .find(|q| !q.optional && !answers.iter().any(|a| a.question_id() == &q.id))
    {
        return Err(format!("question {} needs an answer", q.id));
    }
    let submission = ResponseSubmission {
        // Only the answers are checked; the response gets its id when it is stored.
        id: ResponseId::from_uuid(uuid::Uuid::nil()),
        site_key: site.clone(),
        survey_id: survey.id.clone(),
        survey_version: Some(survey.version),
        answers,
        page_url: None,
    };
    submission
        .check_against(survey)
        .map_err(|e| e.message().to_owned())?;
    Ok(submission.answers)
}

/// Reads the status page's form: `q.ID` for each question (once per chosen option of a multiple
/// choice), `q.ID.other` for a choice's "Other" text. Empty fields are unanswered.
pub fn from_form(survey: &Survey, fields: &[(String, String)]) -> Result<Vec<Answer>, String> {
    let values = |name: String| -> Vec<&str> {
        fields
            .iter()
            .filter(|(k, v)| *k == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let mut answers = Vec::new();
    for q in &survey.questions {
        let id = q.id.clone();
        let given = values(format!("q.{id}"));
        let score = || -> Result<Option<u8>, String> {
            match given.as_slice() {
                [] => Ok(None),
                [one] => one
                    .trim()
                    .parse::<u8>()
                    .map(Some)
                    .map_err(|_| format!("the answer to {id} is not a score: {one:?}")),
                _ => Err(format!("question {id} takes one answer")),
            }
        };
        let answer = match &q.kind {
            QuestionKind::Nps => score()?
                .map(|s| {
                    NpsScore::new(i64::from(s))
                        .map(|score| Answer::Nps {
                            question_id: id.clone(),
                            score,
                        })
                        .map_err(|e| e.message().to_owned())
                })
                .transpose()?,
            QuestionKind::Csat { .. } => score()?.map(|score| Answer::Csat {
                question_id: id.clone(),
                score,
            }),
            QuestionKind::Ces => score()?.map(|score| Answer::Ces {
                question_id: id.clone(),
                score,
            }),
            QuestionKind::Rating { .. } => score()?.map(|score| Answer::Rating {
                question_id: id.clone(),
                score,
            }),
            QuestionKind::Choice { .. } => {
                let selected = given
                    .iter()
                    .map(|v| {
                        v.trim()
                            .parse::<u16>()
                            .map_err(|_| format!("the answer to {id} is not an option: {v:?}"))
                    })
                    .collect::<Result<Vec<u16>, String>>()?;
                let other = values(format!("q.{id}.other"))
                    .first()
                    .map(|t| t.trim().to_owned());
                (!selected.is_empty() || other.is_some()).then(|| Answer::Choice {
                    question_id: id.clone(),
                    selected,
                    other,
                })
            }
            QuestionKind::Text { .. } => match given.as_slice() {
                [] => None,
                [text] => Some(Answer::Text {
                    question_id: id.clone(),
                    text: text.trim().to_owned(),
                }),
                _ => return Err(format!("question {id} takes one answer")),
            },
        };
        answers.extend(answer);
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteKey {
        SiteKey::parse("shop".to_owned()).unwrap()
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_default_survey_is_valid_and_speaks_every_language() {
        let s = default_survey();
        s.check().unwrap();
        assert!(!s.on_pages());
        for lang in shared::i18n::LANGS {
            let l = s.clone().localized(lang);
            assert_eq!(l.questions.len(), 3);
            if lang != "en" {
                assert_ne!(l.questions[0].prompt, s.questions[0].prompt, "{lang}");
            }
        }
        assert_eq!(
            s.questions
                .iter()
                .map(|q| q.kind.name())
                .collect::<Vec<_>>(),
            ["csat", "ces", "text"]
        );
        assert!(s.questions[2].optional);
    }

    #[test]
    fn a_sites_own_resolution_survey_wins_over_the_default() {
        let mut own = default_survey();
        own.id = shared::SurveyId::parse("after-support").unwrap();
        let mut nps = default_survey();
        nps.id = shared::SurveyId::parse("nps").unwrap();
        nps.trigger.on = On::PageView;
        assert_eq!(pick(vec![nps.clone(), own.clone()]).id, own.id);
        assert_eq!(pick(vec![nps]).id.as_str(), DEFAULT_ID);
    }

    #[test]
    fn the_form_is_read_question_by_question() {
        let s = default_survey();
        let answers = from_form(
            &s,
            &form(&[
                ("q.satisfaction", "2"),
                ("q.effort", "3"),
                ("q.better", " Faster "),
            ]),
        )
        .unwrap();
        let answers = check(&s, &site(), answers).unwrap();
        assert_eq!(answers.len(), 3);
        assert_eq!(answers[0].score(), Some(2));
        assert!(matches!(&answers[2], Answer::Text { text, .. } if text == "Faster"));
        // The optional question may stay empty.
        let some = from_form(
            &s,
            &form(&[("q.satisfaction", "5"), ("q.effort", "7"), ("q.better", "")]),
        );
        assert_eq!(check(&s, &site(), some.unwrap()).unwrap().len(), 2);
    }

    #[test]
    fn bad_answers_are_refused_with_the_reason() {
        let s = default_survey();
        let refused = |pairs: &[(&str, &str)]| {
            from_form(&s, &form(pairs))
                .and_then(|a| check(&s, &site(), a))
                .unwrap_err()
        };
        assert_eq!(
            refused(&[("q.satisfaction", "6"), ("q.effort", "3")]),
            "the answer to question satisfaction does not fit it (csat question)"
        );
        assert_eq!(
            refused(&[("q.effort", "3")]),
            "question satisfaction needs an answer"
        );
        assert_eq!(refused(&[]), "a rating needs at least one answer");
        assert!(refused(&[("q.satisfaction", "x"), ("q.effort", "3")]).contains("not a score"));
        assert_eq!(
            refused(&[
                ("q.satisfaction", "1"),
                ("q.satisfaction", "2"),
                ("q.effort", "3")
            ]),
            "question satisfaction takes one answer"
        );
        let twice = vec![
            Answer::Csat {
                question_id: QuestionId::parse("satisfaction").unwrap(),
                score: 1,
            },
            Answer::Csat {
                question_id: QuestionId::parse("satisfaction").unwrap(),
                score: 2,
            },
        ];
        assert_eq!(
            check(&s, &site(), twice).unwrap_err(),
            "question satisfaction is answered twice"
        );
    }

    #[test]
    fn every_question_type_is_read_from_the_form() {
        let json = r#"{"id":"mixed","name":"Mixed","trigger":{"type":"resolution"},
            "frequency":{"type":"once"},"questions":[
            {"id":"n","prompt":"NPS","type":"nps"},
            {"id":"r","prompt":"Rate","type":"rating","max":4},
            {"id":"m","prompt":"Which","type":"choice","options":["a","b","c"],"multiple":true,"other":true},
            {"id":"o","prompt":"One","type":"choice","options":["x","y"],"optional":true}]}"#;
        let s: Survey = serde_json::from_str(json).unwrap();
        let a = from_form(
            &s,
            &form(&[
                ("q.n", "0"),
                ("q.r", "4"),
                ("q.m", "0"),
                ("q.m", "2"),
                ("q.m.other", "d"),
            ]),
        )
        .unwrap();
        let a = check(&s, &site(), a).unwrap();
        assert_eq!(a.len(), 3);
        assert!(
            matches!(&a[2], Answer::Choice { selected, other: Some(o), .. } if selected == &[0, 2] && o == "d")
        );
        let bad = from_form(
            &s,
            &form(&[
                ("q.n", "0"),
                ("q.r", "4"),
                ("q.m", "0"),
                ("q.o", "0"),
                ("q.o", "1"),
            ]),
        );
        assert_eq!(
            check(&s, &site(), bad.unwrap()).unwrap_err(),
            "the answer to question o does not fit it (choice question)"
        );
        assert!(from_form(&s, &form(&[("q.n", "11")]))
            .unwrap_err()
            .contains("0 to 10"));
    }
}
