//! What the insight pages and the weekly digest read from the store: the overview (every scale
//! question's score, interval, change and trend over a period, in one segment, from the rollups,
//! by `overview`'s arithmetic) and the topics of the period's written answers (`topics`).

use super::overview::{bucketing_for, date, total, Period, Scale};
use super::rollup;
use super::stats::MIN_SAMPLE;
use crate::clock::Millis;
use crate::store::insight_store::{ResponseFilter, RollupQuery};
use crate::store::DAY_MS;
use crate::store::{Store, StoreError, StoreResult, SurveyStatus};
use shared::insight::{Overview, ScoreCard, Segment, Topic};
use shared::Answer;
use shared::SiteKey;

/// What an overview is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    pub segment: Option<Segment>,
    pub survey: Option<&'a str>,
    pub question: Option<&'a str>,
}

/// The overview of `site` over `period`.
pub async fn overview(
    store: &dyn Store,
    site: &SiteKey,
    period: Period,
    filter: &Filter<'_>,
) -> StoreResult<Overview> {
    let previous = period.previous();
    let segment = filter.segment.clone();
    let interval = bucketing_for(period);
    let (dimension, value) = segment.as_ref().map_or((rollup::ALL, rollup::ALL), |s| {
        (s.dimension.as_str(), s.value.as_str())
    });
    // The counts from the start of the previous period to the end of this one.
    let days = Period {
        from: previous.from,
        to: period.to,
    };
    let mut scores = Vec::new();
    let (mut responses, mut previous_responses) = (0, 0);
    for record in store.surveys(site).await? {
        let survey = &record.survey;
        if filter.survey.is_some_and(|s| s != survey.id.as_str()) {
            continue;
        }
        let read = |question| async move {
            store
                .rollup(&RollupQuery {
                    site,
                    survey: survey.id.as_str(),
                    question,
                    dimension,
                    value,
                    from_day: days.from,
                    to_day: days.to,
                })
                .await
        };
        let counted = read(rollup::RESPONSES).await?;
        let (now, before) = (total(&counted, period), total(&counted, previous));
        // An archived survey without answers in either period has nothing to show.
        if record.status == SurveyStatus::Archived && now + before == 0 {
            continue;
        }
        responses += now;
        previous_responses += before;
        for question in &survey.questions {
            let Some(scale) = Scale::of(&question.kind) else {
                continue;
            };
            if filter.question.is_some_and(|id| id != question.id.as_str()) {
                continue;
            }
            let counts = read(question.id.as_str()).await?;
            let (now, before) = (
                scale.histogram(&counts, period),
                scale.histogram(&counts, previous),
            );
            scores.push(ScoreCard {
                survey: survey.id.as_str().to_owned(),
                survey_name: survey.name.clone(),
                question: question.id.as_str().to_owned(),
                prompt: question.prompt.clone(),
                kind: scale.kind,
                scale: [scale.lowest, scale.highest],
                score: scale.score(&now),
                top_box: scale.top_box(&now),
                previous: scale.score(&before),
                change: scale.change(&before, &now),
                trend: scale.trend(&counts, period, interval),
                histogram: now,
            });
        }
    }
    Ok(Overview {
        from: date(period.from),
        to: date(period.to),
        previous_from: date(previous.from),
        previous_to: date(previous.to),
        interval,
        segment,
        min_sample: MIN_SAMPLE,
        responses,
        previous_responses,
        scores,
    })
}

/// A written answer, owned, for the topics' thread.
struct OwnedText {
    id: String,
    at: Millis,
    text: String,
    locale: Option<String>,
    nps: Option<u8>,
}

/// The topics of the newest `limit` written answers that `filter` finds in `period`; how many
/// texts were read, and whether that was all of them. The key phrases are CPU work: they are
/// found on a blocking thread, off the async ones.
pub async fn topics(
    store: &dyn Store,
    site: &SiteKey,
    filter: &ResponseFilter<'_>,
    period: Period,
    limit: u32,
) -> StoreResult<(Vec<Topic>, u64, bool)> {
    let filter = ResponseFilter {
        from: Some(period.from * DAY_MS),
        until: Some((period.to + 1) * DAY_MS),
        written: true,
        ..filter.clone()
    };
    let rows = store.explore(site, &filter, limit + 1).await?;
    let complete = rows.len() <= limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let mut owned: Vec<OwnedText> = Vec::new();
    for r in rows {
        let nps = r.answers.iter().find_map(|a| match a {
            Answer::Nps { score, .. } => Some(score.get()),
            _ => None,
        });
        for text in r.answers.iter().filter_map(|a| match a {
            Answer::Text { text, .. } => Some(text.as_str()),
            Answer::Choice { other: Some(o), .. } => Some(o.as_str()),
            _ => None,
        }) {
            owned.push(OwnedText {
                id: r.id.to_string(),
                at: r.received_at,
                text: text.to_owned(),
                locale: r.enrichment.locale.clone(),
                nps,
            });
        }
    }
    let texts_read = owned.len() as u64;
    let found = tokio::task::spawn_blocking(move || {
        let texts: Vec<super::topics::Text<'_>> = owned
            .iter()
            .map(|t| super::topics::Text {
                response_id: &t.id,
                received_at: t.at,
                text: &t.text,
                locale: t.locale.as_deref(),
                nps: t.nps,
            })
            .collect();
        super::topics::topics(&texts, period.to, period.days())
    })
    .await
    .map_err(|e| StoreError::Other(e.into()))?;
    Ok((found, texts_read, complete))
}
