//! Surveys as a site configures them, and the answers a visitor submits.

use crate::ids::{QuestionId, ResponseId, SiteKey, SurveyId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A question of a survey. Tagged by `type` on the wire so that new kinds can be added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Question {
    /// "How likely are you to recommend …?" answered 0 to 10.
    Nps { id: QuestionId, prompt: String },
}

impl Question {
    pub fn id(&self) -> &QuestionId {
        match self {
            Question::Nps { id, .. } => id,
        }
    }
}

/// When a survey may be shown on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// Any page view.
    PageView,
}

/// How often one visitor may see a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frequency {
    /// Once per visitor, answered or dismissed.
    Once,
}

/// A survey as the widget receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub id: SurveyId,
    pub name: String,
    pub trigger: Trigger,
    pub frequency: Frequency,
    pub questions: Vec<Question>,
}

impl Survey {
    pub fn question(&self, id: &QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| q.id() == id)
    }
}

/// What `GET /api/v1/sites/{site_key}/config` returns: the site's active surveys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteConfig {
    pub site_key: SiteKey,
    pub surveys: Vec<Survey>,
}

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

/// One answered question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    Nps {
        question_id: QuestionId,
        score: NpsScore,
    },
}

impl Answer {
    pub fn question_id(&self) -> &QuestionId {
        match self {
            Answer::Nps { question_id, .. } => question_id,
        }
    }
}

/// The longest page URL kept with an answer; longer ones are refused rather than cut.
pub const MAX_PAGE_URL: usize = 2048;

/// The body of `POST /api/v1/responses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSubmission")]
pub struct ResponseSubmission {
    pub id: ResponseId,
    pub site_key: SiteKey,
    pub survey_id: SurveyId,
    pub answers: Vec<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
}

#[derive(Deserialize)]
struct RawSubmission {
    id: ResponseId,
    site_key: SiteKey,
    survey_id: SurveyId,
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
        if let Some(url) = &raw.page_url {
            if url.len() > MAX_PAGE_URL {
                return Err(Invalid::new(format!(
                    "page_url is longer than {MAX_PAGE_URL} bytes"
                )));
            }
        }
        for (i, a) in raw.answers.iter().enumerate() {
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
            answers: raw.answers,
            page_url: raw.page_url,
        })
    }
}

impl ResponseSubmission {
    /// Checks that every answer belongs to a question of `survey`, of the same kind.
    pub fn check_against(&self, survey: &Survey) -> Result<(), Invalid> {
        if survey.id != self.survey_id {
            return Err(Invalid::new("the answers are for another survey"));
        }
        for answer in &self.answers {
            match (answer, survey.question(answer.question_id())) {
                (Answer::Nps { .. }, Some(Question::Nps { .. })) => {}
                (_, None) => {
                    return Err(Invalid::new(format!(
                        "survey {} has no question {}",
                        survey.id,
                        answer.question_id()
                    )))
                }
            }
        }
        Ok(())
    }
}

/// Why a value was refused, in words a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

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
        Survey {
            id: SurveyId::parse("nps").unwrap(),
            name: "NPS".into(),
            trigger: Trigger::PageView,
            frequency: Frequency::Once,
            questions: vec![Question::Nps {
                id: QuestionId::parse("q1").unwrap(),
                prompt: "How likely?".into(),
            }],
        }
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
    fn a_valid_submission_parses_and_fits_its_survey() {
        let s: ResponseSubmission = serde_json::from_value(submission(
            json!([{"type": "nps", "question_id": "q1", "score": 9}]),
        ))
        .unwrap();
        assert_eq!(
            s.answers,
            vec![Answer::Nps {
                question_id: QuestionId::parse("q1").unwrap(),
                score: NpsScore::new(9).unwrap()
            }]
        );
        s.check_against(&survey()).unwrap();
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
    fn answers_must_match_the_survey() {
        let s: ResponseSubmission = serde_json::from_value(submission(
            json!([{"type": "nps", "question_id": "q9", "score": 3}]),
        ))
        .unwrap();
        assert!(s
            .check_against(&survey())
            .unwrap_err()
            .message()
            .contains("no question q9"));
    }

    #[test]
    fn a_long_page_url_is_refused() {
        let mut body = submission(json!([{"type": "nps", "question_id": "q1", "score": 3}]));
        body["page_url"] = json!("x".repeat(MAX_PAGE_URL + 1));
        assert!(serde_json::from_value::<ResponseSubmission>(body).is_err());
    }
}
