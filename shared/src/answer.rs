//! What a visitor submits: answers to a survey.

use crate::ids::{QuestionId, ResponseId, SiteKey, SurveyId};
use crate::survey::{Invalid, QuestionKind, Survey, MAX_LABEL, MAX_OPTIONS, MAX_TEXT};
use serde::{Deserialize, Serialize};

/// A Net Promoter answer: 0 to 10, and nothing else can be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct NpsScore(u8);

impl NpsScore {
    pub const MAX: u8 = 10;

    pub fn new(score: i64) -> Result<Self, Invalid> {
        match u8::try_from(score) {
            Ok(s) if s <= Self::MAX => Ok(Self(s)),
            _ => Err(Invalid::new(format!(
                "an NPS score is 0 to 10, not {score}"
            ))),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for NpsScore {
    type Error = Invalid;
    fn try_from(score: i64) -> Result<Self, Invalid> {
        Self::new(score)
    }
}

impl From<NpsScore> for u8 {
    fn from(s: NpsScore) -> u8 {
        s.0
    }
}

/// One answered question, tagged by the question's `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    Nps {
        question_id: QuestionId,
        score: NpsScore,
    },
    /// 1 to 5.
    Csat {
        question_id: QuestionId,
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
        score: u8,
    },
    /// 1 to 7.
    Ces {
        question_id: QuestionId,
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 7))]
        score: u8,
    },
    /// 1 to the question's `max`.
    Rating {
        question_id: QuestionId,
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
        score: u8,
    },
    /// The indices of the chosen options, and the text of "Other" if given.
    Choice {
        question_id: QuestionId,
        #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeSet<u16>, max_items = 20))]
        selected: Vec<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 500, pattern = r"\S")
        )]
        other: Option<String>,
    },
    Text {
        question_id: QuestionId,
        #[cfg_attr(
            feature = "openapi",
            schema(min_length = 1, max_length = 5000, pattern = r"\S")
        )]
        text: String,
    },
}

impl Answer {
    pub fn question_id(&self) -> &QuestionId {
        match self {
            Answer::Nps { question_id, .. }
            | Answer::Csat { question_id, .. }
            | Answer::Ces { question_id, .. }
            | Answer::Rating { question_id, .. }
            | Answer::Choice { question_id, .. }
            | Answer::Text { question_id, .. } => question_id,
        }
    }

    /// The score of a scale answer.
    pub fn score(&self) -> Option<u8> {
        match self {
            Answer::Nps { score, .. } => Some(score.get()),
            Answer::Csat { score, .. }
            | Answer::Ces { score, .. }
            | Answer::Rating { score, .. } => Some(*score),
            Answer::Choice { .. } | Answer::Text { .. } => None,
        }
    }

    /// The wire name (`type`), the same as its question's.
    pub fn name(&self) -> &'static str {
        match self {
            Answer::Nps { .. } => "nps",
            Answer::Csat { .. } => "csat",
            Answer::Ces { .. } => "ces",
            Answer::Rating { .. } => "rating",
            Answer::Choice { .. } => "choice",
            Answer::Text { .. } => "text",
        }
    }

    /// What can be checked without the survey.
    fn check(&self) -> Result<(), Invalid> {
        let fail = |why: &'static str| Err(Invalid::new(why));
        match self {
            Answer::Nps { .. } => {}
            Answer::Csat { score, .. } if !(1..=5).contains(score) => {
                return fail("a CSAT score is 1 to 5")
            }
            Answer::Ces { score, .. } if !(1..=7).contains(score) => {
                return fail("a CES score is 1 to 7")
            }
            Answer::Rating { score, .. } if !(1..=10).contains(score) => {
                return fail("a rating is 1 to 10")
            }
            Answer::Choice {
                selected, other, ..
            } => {
                if selected.len() > MAX_OPTIONS {
                    return fail("at most 20 options can be chosen");
                }
                for (i, s) in selected.iter().enumerate() {
                    if selected[..i].contains(s) {
                        return fail("an option is chosen twice");
                    }
                }
                if let Some(other) = other {
                    if other.trim().is_empty() || other.chars().count() > MAX_LABEL {
                        return fail("'other' must be 1 to 500 characters");
                    }
                }
                if selected.is_empty() && other.is_none() {
                    return fail("a choice answer chooses something");
                }
            }
            Answer::Text { text, .. }
                if text.trim().is_empty() || text.chars().count() > usize::from(MAX_TEXT) =>
            {
                return fail("a text answer is 1 to 5000 characters");
            }
            _ => {}
        }
        Ok(())
    }
}

/// The longest page URL kept with an answer, in characters; longer ones are refused rather
/// than cut.
pub const MAX_PAGE_URL: usize = 2048;

/// The body of `POST /api/v1/responses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawSubmission")]
pub struct ResponseSubmission {
    pub id: ResponseId,
    pub site_key: SiteKey,
    pub survey_id: SurveyId,
    /// The version of the survey the visitor answered (the current one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = Int64, minimum = 0, maximum = 4294967295_u64))]
    pub survey_version: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub answers: Vec<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub page_url: Option<String>,
}

#[derive(Deserialize)]
struct RawSubmission {
    id: ResponseId,
    site_key: SiteKey,
    survey_id: SurveyId,
    #[serde(default)]
    survey_version: Option<u32>,
    answers: Vec<Answer>,
    #[serde(default)]
    page_url: Option<String>,
}

impl TryFrom<RawSubmission> for ResponseSubmission {
    type Error = Invalid;
    fn try_from(raw: RawSubmission) -> Result<Self, Invalid> {
        if raw.answers.is_empty() {
            return Err(Invalid::new("a response needs at least one answer"));
        }
        check_page_url(&raw.page_url)?;
        for (i, a) in raw.answers.iter().enumerate() {
            a.check()?;
            if raw.answers[..i]
                .iter()
                .any(|b| b.question_id() == a.question_id())
            {
                return Err(Invalid::new(format!(
                    "question {} is answered twice",
                    a.question_id()
                )));
            }
        }
        Ok(Self {
            id: raw.id,
            site_key: raw.site_key,
            survey_id: raw.survey_id,
            survey_version: raw.survey_version,
            answers: raw.answers,
            page_url: raw.page_url,
        })
    }
}

pub(crate) fn check_page_url(url: &Option<String>) -> Result<(), Invalid> {
    match url {
        Some(url) if url.chars().count() > MAX_PAGE_URL => {
            Err(Invalid::new("page_url is longer than 2048 characters"))
        }
        _ => Ok(()),
    }
}

impl ResponseSubmission {
    /// Checks that every answer belongs to a question of `survey`, of the same kind, within its
    /// scale, options and length.
    pub fn check_against(&self, survey: &Survey) -> Result<(), Invalid> {
        if survey.id != self.survey_id {
            return Err(Invalid::new("the answers are for another survey"));
        }
        for answer in &self.answers {
            let Some(question) = survey.question(answer.question_id()) else {
                return Err(Invalid::new(format!(
                    "survey {} has no question {}",
                    survey.id,
                    answer.question_id()
                )));
            };
            let fits = match (answer, &question.kind) {
                (
                    Answer::Choice {
                        selected, other, ..
                    },
                    QuestionKind::Choice {
                        options,
                        multiple,
                        other: has_other,
                    },
                ) => {
                    selected.iter().all(|&i| usize::from(i) < options.len())
                        && (other.is_none() || *has_other)
                        && (*multiple || selected.len() + usize::from(other.is_some()) == 1)
                }
                (Answer::Text { text, .. }, QuestionKind::Text { max_len }) => {
                    text.chars().count() <= usize::from(*max_len)
                }
                (answer, kind) => {
                    answer.name() == kind.name()
                        && kind
                            .scale()
                            .zip(answer.score())
                            .is_some_and(|((lo, hi), s)| lo <= s && s <= hi)
                }
            };
            if !fits {
                return Err(Invalid::new(format!(
                    "the answer to question {} does not fit it ({} question)",
                    question.id,
                    question.kind.name()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn submission(answers: serde_json::Value) -> serde_json::Value {
        json!({
            "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
            "site_key": "demo",
            "survey_id": "nps",
            "answers": answers,
            "page_url": "https://shop.example/cart"
        })
    }

    fn survey() -> Survey {
        serde_json::from_value(json!({
            "id": "nps", "name": "NPS",
            "trigger": {"type": "page_view"}, "frequency": {"type": "once"},
            "questions": [
                {"id": "q1", "type": "nps", "prompt": "How likely?"},
                {"id": "sat", "type": "csat", "prompt": "Happy?", "style": "faces"},
                {"id": "effort", "type": "ces", "prompt": "Easy?"},
                {"id": "stars", "type": "rating", "prompt": "Rate", "max": 3},
                {"id": "one", "type": "choice", "prompt": "One", "options": ["a", "b"], "other": true},
                {"id": "many", "type": "choice", "prompt": "Many", "options": ["a", "b", "c"], "multiple": true},
                {"id": "why", "type": "text", "prompt": "Why?", "max_len": 10}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn nps_scores_are_0_to_10() {
        for (input, ok) in [
            (-1, false),
            (0, true),
            (9, true),
            (10, true),
            (11, false),
            (256, false),
        ] {
            assert_eq!(NpsScore::new(input).is_ok(), ok, "{input}");
        }
    }

    #[test]
    fn every_kind_of_answer_fits_its_question() {
        let s: ResponseSubmission = serde_json::from_value(submission(json!([
            {"type": "nps", "question_id": "q1", "score": 9},
            {"type": "csat", "question_id": "sat", "score": 5},
            {"type": "ces", "question_id": "effort", "score": 7},
            {"type": "rating", "question_id": "stars", "score": 3},
            {"type": "choice", "question_id": "one", "selected": [], "other": "c"},
            {"type": "choice", "question_id": "many", "selected": [0, 2]},
            {"type": "text", "question_id": "why", "text": "fast ✓"}
        ])))
        .unwrap();
        s.check_against(&survey()).unwrap();
        assert_eq!(s.answers[0].score(), Some(9));
    }

    #[test]
    fn answers_that_do_not_fit_are_refused() {
        for answer in [
            json!({"type": "nps", "question_id": "q9", "score": 3}),
            json!({"type": "csat", "question_id": "q1", "score": 3}),
            json!({"type": "rating", "question_id": "stars", "score": 4}),
            json!({"type": "choice", "question_id": "one", "selected": [0, 1]}),
            json!({"type": "choice", "question_id": "one", "selected": [2]}),
            json!({"type": "choice", "question_id": "many", "selected": [0], "other": "x"}),
            json!({"type": "text", "question_id": "why", "text": "eleven char"}),
        ] {
            let s: ResponseSubmission =
                serde_json::from_value(submission(json!([answer]))).unwrap();
            assert!(s.check_against(&survey()).is_err(), "{answer}");
        }
    }

    #[test]
    fn invalid_submissions_say_why() {
        let cases = [
            (
                json!([{"type": "nps", "question_id": "q1", "score": 11}]),
                "0 to 10, not 11",
            ),
            (json!([]), "at least one answer"),
            (
                json!([{"type": "nps", "question_id": "q1", "score": 1}, {"type": "nps", "question_id": "q1", "score": 2}]),
                "answered twice",
            ),
            (
                json!([{"type": "essay", "question_id": "q1"}]),
                "unknown variant",
            ),
            (
                json!([{"type": "csat", "question_id": "q1", "score": 0}]),
                "1 to 5",
            ),
            (
                json!([{"type": "ces", "question_id": "q1", "score": 8}]),
                "1 to 7",
            ),
            (
                json!([{"type": "choice", "question_id": "q1", "selected": [1, 1]}]),
                "twice",
            ),
            (
                json!([{"type": "choice", "question_id": "q1", "selected": []}]),
                "chooses something",
            ),
            (
                json!([{"type": "text", "question_id": "q1", "text": "  "}]),
                "1 to 5000",
            ),
        ];
        for (answers, expected) in cases {
            let err =
                serde_json::from_value::<ResponseSubmission>(submission(answers)).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "{err} should mention {expected}"
            );
        }
    }

    #[test]
    fn a_long_page_url_is_refused() {
        let mut body = submission(json!([{"type": "nps", "question_id": "q1", "score": 3}]));
        body["page_url"] = json!("x".repeat(MAX_PAGE_URL + 1));
        assert!(serde_json::from_value::<ResponseSubmission>(body).is_err());
    }
}
