//! When a customer may rate their case's resolution, and what the rating does: one rating per
//! resolution (a case resolved again after a reopening may be rated again), and an unhappy one
//! (the first CSAT answer at or below the site's `reopen_at_or_below`) reopens a resolved case.

use crate::clock::Millis;
use crate::store::StoredRating;
use shared::case::Status;
use shared::{Answer, Survey};

/// Why a rating is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The case is not resolved (or closed after it was).
    NotResolved,
    /// This resolution was rated already.
    AlreadyRated,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotResolved => "the case is not resolved, so there is nothing to rate yet",
            Refusal::AlreadyRated => "this resolution was rated already",
        }
    }
}

/// Whether a case in `status`, resolved at `resolved_at`, with `ratings` so far, may be rated.
pub fn may_rate(
    status: Status,
    resolved_at: Option<Millis>,
    ratings: &[StoredRating],
) -> Result<(), Refusal> {
    let Some(resolved_at) =
        resolved_at.filter(|_| matches!(status, Status::Resolved | Status::Closed))
    else {
        return Err(Refusal::NotResolved);
    };
    if ratings.iter().any(|r| r.received_at >= resolved_at) {
        return Err(Refusal::AlreadyRated);
    }
    Ok(())
}

/// What a rating says, for the timeline and the `resolution.rated` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    /// The first CSAT answer, if the survey asked one.
    pub csat: Option<u8>,
    /// The first CES answer.
    pub ces: Option<u8>,
    /// Every scale answer as `satisfaction 2/5`, for the timeline.
    pub summary: String,
    /// The first free text, in the customer's words.
    pub comment: Option<String>,
    /// Whether it reopens the case.
    pub reopens: bool,
}

/// Reads `answers` to `survey` for a case in `status`, with the site's threshold (0: never).
pub fn read(survey: &Survey, answers: &[Answer], status: Status, reopen_at_or_below: u8) -> Rated {
    let first = |kind: &str| {
        answers
            .iter()
            .find(|a| a.name() == kind)
            .and_then(Answer::score)
    };
    let csat = first("csat");
    let summary = answers
        .iter()
        .filter_map(|a| {
            let score = a.score()?;
            let (_, max) = survey.question(a.question_id())?.kind.scale()?;
            Some(format!("{} {score}/{max}", a.question_id()))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let comment = answers.iter().find_map(|a| match a {
        Answer::Text { text, .. } if !text.is_empty() => Some(text.clone()),
        Answer::Choice {
            other: Some(text), ..
        } if !text.is_empty() => Some(text.clone()),
        _ => None,
    });
    Rated {
        csat,
        ces: first("ces"),
        summary,
        comment,
        reopens: status == Status::Resolved && csat.is_some_and(|c| c <= reopen_at_or_below),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{QuestionId, ResponseId};

    fn rating(at: Millis) -> StoredRating {
        StoredRating {
            id: ResponseId::from_uuid(uuid::Uuid::nil()),
            survey: "resolution".into(),
            answers: Vec::new(),
            received_at: at,
        }
    }

    #[test]
    fn only_a_resolution_not_yet_rated_may_be_rated() {
        use Status::*;
        for status in [
            New,
            Open,
            InProgress,
            WaitingOnCustomer,
            Reopened,
            Merged,
            Spam,
        ] {
            assert_eq!(
                may_rate(status, Some(10), &[]),
                Err(Refusal::NotResolved),
                "{status:?}"
            );
        }
        assert_eq!(may_rate(Resolved, None, &[]), Err(Refusal::NotResolved));
        assert_eq!(may_rate(Resolved, Some(10), &[]), Ok(()));
        assert_eq!(may_rate(Closed, Some(10), &[]), Ok(()));
        // A rating of an earlier resolution does not count against this one.
        assert_eq!(may_rate(Resolved, Some(10), &[rating(5)]), Ok(()));
        assert_eq!(
            may_rate(Resolved, Some(10), &[rating(10)]),
            Err(Refusal::AlreadyRated)
        );
        assert_eq!(
            may_rate(Closed, Some(10), &[rating(5), rating(20)]),
            Err(Refusal::AlreadyRated)
        );
    }

    fn answers(csat: u8, text: &str) -> Vec<Answer> {
        let id = |s: &str| QuestionId::parse(s).unwrap();
        let mut a = vec![
            Answer::Csat {
                question_id: id("satisfaction"),
                score: csat,
            },
            Answer::Ces {
                question_id: id("effort"),
                score: 3,
            },
        ];
        if !text.is_empty() {
            a.push(Answer::Text {
                question_id: id("better"),
                text: text.into(),
            });
        }
        a
    }

    #[test]
    fn an_unhappy_rating_of_a_resolved_case_reopens_it() {
        let s = super::super::survey::default_survey();
        for (csat, status, threshold, reopens) in [
            (1, Status::Resolved, 2, true),
            (2, Status::Resolved, 2, true),
            (3, Status::Resolved, 2, false),
            (3, Status::Resolved, 3, true),
            (1, Status::Resolved, 0, false),
            // A closed case stays closed: only an admin may take it up again.
            (1, Status::Closed, 2, false),
        ] {
            let r = read(&s, &answers(csat, ""), status, threshold);
            assert_eq!(r.reopens, reopens, "{csat} {status:?} {threshold}");
            assert_eq!(r.csat, Some(csat));
        }
        let r = read(&s, &answers(2, "Too slow"), Status::Resolved, 2);
        assert_eq!(r.summary, "satisfaction 2/5, effort 3/7");
        assert_eq!(r.ces, Some(3));
        assert_eq!(r.comment.as_deref(), Some("Too slow"));
    }
}
