//! Measure, under `/api/v1/admin/sites/{site_key}/insight/` (viewer and up): the overview (every
//! scale question's score with its interval, change and trend over a period, in one segment)
//! and the segments there are to choose from. Read from the rollups; the numbers are
//! `insight::overview`'s.

use super::admin::Caller;
use super::{ApiError, AppState};
use crate::access::Role;
use crate::insight::drivers::{self, SegmentHistogram};
use crate::insight::overview::{self, Period, Scale, MAX_DAYS};
use crate::insight::{read, rollup};
use crate::store::insight_store::RollupQuery;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use shared::insight::{
    Drivers, EmergingIssues, Overview, ScoreKind, Segment, SegmentValue, Segments,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview_route))
        .routes(routes!(segments_route))
        .routes(routes!(drivers_route))
        .routes(routes!(complaints_route))
        .routes(routes!(complaints_export))
        .routes(routes!(emerging_route))
        .routes(routes!(praise_route))
}

/// The period, and the segment, of an insight query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PeriodQuery {
    /// The first day, `YYYY-MM-DD` (UTC); by default `days` before `to`.
    #[param(format = Date)]
    from: Option<String>,
    /// Without `from`: how many days, ending with `to` (1 to 3660; 90 by default).
    #[param(minimum = 1, maximum = 3660)]
    days: Option<i64>,
    /// The last day, `YYYY-MM-DD` (UTC); by default today.
    #[param(format = Date)]
    to: Option<String>,
    /// `dimension:value`, e.g. `device:mobile` or `page:/checkout`; by default all answers.
    #[param(
        pattern = r"^(page|device|browser|locale|version|attr\.[A-Za-z0-9_-]{1,64}):[^\u0000]+$"
    )]
    segment: Option<String>,
    /// Only this survey's questions.
    survey: Option<String>,
    /// Only this question (with `survey`); the drivers' question, by default the first NPS
    /// question (else the first scale question).
    question: Option<String>,
}

impl PeriodQuery {
    /// A period and segment without a survey or question.
    pub(super) fn new(
        from: Option<String>,
        days: Option<i64>,
        to: Option<String>,
        segment: Option<String>,
    ) -> Self {
        PeriodQuery {
            from,
            days,
            to,
            segment,
            survey: None,
            question: None,
        }
    }

    pub(super) fn survey(&self) -> Option<&str> {
        self.survey.as_deref()
    }

    pub(super) fn period(&self, today: i64) -> Result<Period, ApiError> {
        // Every route that reads a period refuses a malformed segment, used or not.
        self.segment()?;
        let day = |what: &str, s: &Option<String>| -> Result<Option<i64>, ApiError> {
            s.as_deref()
                .map(|s| {
                    overview::parse_date(s).ok_or_else(|| {
                        ApiError::Invalid(format!("{what} is a date like 2026-12-31, not {s:?}"))
                    })
                })
                .transpose()
        };
        let to = day("to", &self.to)?.unwrap_or(today);
        let days = self.days.unwrap_or(90);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ApiError::Invalid(format!("days is 1 to {MAX_DAYS}")));
        }
        let from = day("from", &self.from)?.unwrap_or(to - (days - 1));
        if from > to {
            return Err(ApiError::Invalid("from is after to".into()));
        }
        if to - from + 1 > MAX_DAYS {
            return Err(ApiError::Invalid(format!(
                "a period is at most {MAX_DAYS} days"
            )));
        }
        Ok(Period { from, to })
    }

    pub(super) fn segment(&self) -> Result<Option<Segment>, ApiError> {
        let Some(s) = self.segment.as_deref() else {
            return Ok(None);
        };
        match s.split_once(':') {
            Some((dimension, value)) if rollup::is_dimension(dimension) && !value.is_empty() => {
                Ok(Some(Segment {
                    dimension: dimension.to_owned(),
                    value: value.to_owned(),
                }))
            }
            _ => Err(ApiError::Invalid(rollup::SEGMENT_FORMAT.into())),
        }
    }
}

/// The segment dimensions of a site: the built-in ones and its segment attributes.
async fn site_dimensions(
    state: &AppState,
    site: &shared::SiteKey,
) -> Result<Vec<String>, ApiError> {
    let settings = state.store.site_settings(site).await?.unwrap_or_default();
    Ok(rollup::dimensions(&settings.segment_attributes))
}

/// Every scale question's score over the period (viewer and up): the value and its 95 %
/// interval (NPS adjusted Wald, means t, CSAT top-2-box Wilson), the same over the period of the
/// same length just before and the change's z test, the histogram, and the trend by day, week
/// or month. A score under `min_sample` answers says `enough: false`.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/overview",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The scores", body = Overview),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date, period or segment", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn overview_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Overview>, ApiError> {
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let period = q.period(rollup::day(state.clock.now_ms()))?;
    let filter = read::Filter {
        segment: q.segment()?,
        survey: q.survey.as_deref(),
        question: q.question.as_deref(),
    };
    Ok(Json(
        read::overview(state.store.as_ref(), &site, period, &filter).await?,
    ))
}

/// One question's counts in one segment over the days.
async fn counts(
    state: &AppState,
    site: &shared::SiteKey,
    survey: &str,
    question: &str,
    (dimension, value): (&str, &str),
    days: Period,
) -> Result<Vec<crate::store::insight_store::DayCount>, ApiError> {
    Ok(state
        .store
        .rollup(&RollupQuery {
            site,
            survey,
            question,
            dimension,
            value,
            from_day: days.from,
            to_day: days.to,
        })
        .await?)
}

/// The values each segment dimension had in the period (viewer and up), with their responses,
/// most first (at most 50 each): what the overview's `segment` can be.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/segments",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "Each dimension's values", body = Vec<Segments>),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date or period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn segments_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Vec<Segments>>, ApiError> {
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let period = q.period(rollup::day(state.clock.now_ms()))?;
    let surveys = state.store.surveys(&site).await?;
    let mut out = Vec::new();
    for dimension in site_dimensions(&state, &site).await? {
        let dimension = dimension.as_str();
        let mut values: Vec<SegmentValue> = Vec::new();
        for record in &surveys {
            let id = record.survey.id.as_str();
            if q.survey.as_deref().is_some_and(|s| s != id) {
                continue;
            }
            let found = state
                .store
                .segment_values(&site, id, dimension, (period.from, period.to), 50)
                .await?;
            for (value, n) in found {
                match values.iter_mut().find(|v| v.value == value) {
                    Some(v) => v.responses += n,
                    None => values.push(SegmentValue {
                        value,
                        responses: n,
                    }),
                }
            }
        }
        values.sort_by(|a, b| b.responses.cmp(&a.responses).then(a.value.cmp(&b.value)));
        values.truncate(50);
        out.push(Segments {
            dimension: dimension.to_owned(),
            values,
        });
    }
    Ok(Json(out))
}

/// What drives a question's score (viewer and up): for every segment value (at most 20 per
/// dimension, the most answered), its score and everyone else's, the difference with its z test,
/// and the points the whole score would gain if the segment scored like everyone else; most to
/// gain first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/drivers",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The question's drivers", body = Drivers),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 404, description = "No such scale question", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date or period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn drivers_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Drivers>, ApiError> {
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let period = q.period(rollup::day(state.clock.now_ms()))?;
    let surveys = state.store.surveys(&site).await?;
    let scales = surveys.iter().flat_map(|r| {
        r.survey
            .questions
            .iter()
            .filter_map(move |question| Some((&r.survey, question, Scale::of(&question.kind)?)))
    });
    let wanted = |(survey, question, _): &(&shared::Survey, &shared::survey::Question, Scale)| {
        q.survey.as_deref().is_none_or(|s| s == survey.id.as_str())
            && q.question
                .as_deref()
                .is_none_or(|id| id == question.id.as_str())
    };
    let candidates: Vec<_> = scales.filter(wanted).collect();
    // An NPS question if there is one (else any scale question): the most answered in the
    // period, so that an archived survey's question does not hide the one in use.
    let nps: Vec<_> = candidates
        .iter()
        .filter(|(_, _, s)| s.kind == ScoreKind::Nps)
        .collect();
    let pool: Vec<_> = if nps.is_empty() {
        candidates.iter().collect()
    } else {
        nps
    };
    let mut chosen = None;
    let mut most = 0;
    for c in pool {
        let n = overview::total(
            &counts(
                &state,
                &site,
                c.0.id.as_str(),
                c.1.id.as_str(),
                (rollup::ALL, rollup::ALL),
                period,
            )
            .await?,
            period,
        );
        if chosen.is_none() || n > most {
            chosen = Some(c);
            most = n;
        }
    }
    let chosen = chosen.ok_or(ApiError::NotFound("no scale question matches"))?;
    let (survey, question, scale) = (chosen.0.id.as_str(), chosen.1.id.as_str(), chosen.2);
    let all = counts(
        &state,
        &site,
        survey,
        question,
        (rollup::ALL, rollup::ALL),
        period,
    )
    .await?;
    let all = scale.histogram(&all, period);
    let mut segments = Vec::new();
    for dimension in site_dimensions(&state, &site).await? {
        let dimension = dimension.as_str();
        let rows = state
            .store
            .segment_histograms(&site, survey, question, dimension, (period.from, period.to))
            .await?;
        let mut of_dimension: Vec<SegmentHistogram> = Vec::new();
        for (value, bucket, n) in rows {
            if of_dimension.last().is_none_or(|s| s.value != value) {
                of_dimension.push(SegmentHistogram {
                    dimension: dimension.to_owned(),
                    value,
                    histogram: vec![0; all.len()],
                });
            }
            let slot = usize::try_from(bucket - i64::from(scale.lowest)).ok();
            if let Some(c) = of_dimension
                .last_mut()
                .and_then(|s| slot.and_then(|i| s.histogram.get_mut(i)))
            {
                *c += n;
            }
        }
        of_dimension.sort_by_key(|s| std::cmp::Reverse(s.histogram.iter().sum::<u64>()));
        of_dimension.truncate(20);
        segments.extend(of_dimension);
    }
    let correlations = correlations(&state, &site, chosen.0, question, period).await?;
    Ok(Json(Drivers {
        from: overview::date(period.from),
        to: overview::date(period.to),
        survey: survey.to_owned(),
        question: question.to_owned(),
        kind: scale.kind,
        score: scale.score(&all),
        drivers: drivers::drivers(&scale, &all, &segments),
        correlations,
    }))
}

/// How each other scale question of `survey` moves with `question`, from the newest 5,000
/// responses of the period, strongest first.
async fn correlations(
    state: &AppState,
    site: &shared::SiteKey,
    survey: &shared::Survey,
    question: &str,
    period: Period,
) -> Result<Vec<shared::insight::QuestionCorrelation>, ApiError> {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let others: Vec<_> = survey
        .questions
        .iter()
        .filter(|q| q.id.as_str() != question)
        .filter_map(|q| Some((q, Scale::of(&q.kind)?)))
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let filter = crate::store::insight_store::ResponseFilter {
        from: Some(period.from * DAY_MS),
        until: Some((period.to + 1) * DAY_MS),
        survey: Some(survey.id.as_str()),
        ..Default::default()
    };
    let rows = state.store.explore(site, &filter, 5000).await?;
    let score_of = |r: &crate::store::StoredResponse, id: &str| {
        r.answers
            .iter()
            .find(|a| a.question_id().as_str() == id)
            .and_then(shared::Answer::score)
            .map(f64::from)
    };
    let mut out: Vec<shared::insight::QuestionCorrelation> = others
        .into_iter()
        .filter_map(|(q, s)| {
            let pairs: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| Some((score_of(r, q.id.as_str())?, score_of(r, question)?)))
                .collect();
            let (r, interval) = crate::insight::correlation::pearson(&pairs)?;
            Some(shared::insight::QuestionCorrelation {
                question: q.id.as_str().to_owned(),
                prompt: q.prompt.clone(),
                kind: s.kind,
                n: pairs.len() as u64,
                r,
                interval,
            })
        })
        .collect();
    out.sort_by(|a, b| b.r.abs().total_cmp(&a.r.abs()));
    Ok(out)
}

/// The complaint report of a period: the cases received in it.
async fn complaint_report(
    state: &AppState,
    site: &shared::SiteKey,
    q: &PeriodQuery,
) -> Result<shared::insight::ComplaintReport, ApiError> {
    let now = state.clock.now_ms();
    let period = q.period(rollup::day(now))?;
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let facts = state
        .store
        .case_facts(site, period.from * DAY_MS, (period.to + 1) * DAY_MS - 1)
        .await?;
    let levels = crate::complaints::cases::service_levels(state.store.as_ref(), site).await?;
    Ok(crate::insight::complaints::report(
        &facts,
        &levels.calendar,
        period,
        overview::bucketing_for(period),
        now,
    ))
}

/// Complaint metrics (viewer and up): for the cases received in the period, overall, per agent
/// and per category: how many came and were resolved, first-response and resolution time
/// (median and p90, business minutes by the SLA clocks), SLA compliance, reopen rate and the
/// customers' resolution CSAT and CES; the volume by category and priority over time; and the
/// backlog now, by age.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/complaints",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The complaint metrics", body = shared::insight::ComplaintReport),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date or period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn complaints_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<shared::insight::ComplaintReport>, ApiError> {
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    Ok(Json(complaint_report(&state, &site, &q).await?))
}

/// The complaint metrics' groups as CSV (viewer and up): a row for all cases, each agent and
/// each category, with the columns of `GET …/insight/complaints`.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/complaints/export",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "CSV, a header row then a row per group", body = String, content_type = "text/csv"),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date or period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn complaints_export(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse as _;
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let report = complaint_report(&state, &site, &q).await?;
    let filename = format!(
        "hark-{site}-complaint-report-{}-{}.csv",
        report.from, report.to
    );
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        crate::export::complaint_report_csv(&report),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EmergingQuery {
    /// The weeks of baseline before the last seven days: 2 to 52, 8 by default.
    #[param(minimum = 2, maximum = 52)]
    weeks: Option<usize>,
}

/// Emerging issues (viewer and up): the complaint categories whose count in the last seven
/// days rose beyond chance against their own weekly baseline (a conditional binomial test of
/// the two rates, Bonferroni across the categories; at least 5 cases and twice the baseline).
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/emerging",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), EmergingQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The categories that rose", body = EmergingIssues),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "Weeks out of range", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn emerging_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<EmergingQuery>, QueryRejection>,
) -> Result<Json<EmergingIssues>, ApiError> {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let weeks = q.weeks.unwrap_or(8);
    if !(2..=52).contains(&weeks) {
        return Err(ApiError::Invalid("weeks is 2 to 52".into()));
    }
    let today = rollup::day(state.clock.now_ms());
    let first = today - 7 * (weeks as i64 + 1) + 1;
    let facts = state
        .store
        .case_facts(&site, first * DAY_MS, (today + 1) * DAY_MS - 1)
        .await?;
    let weekly = crate::insight::complaints::weekly_by_category(&facts, today, weeks);
    let series: Vec<crate::insight::emerging::Series<'_>> = weekly
        .iter()
        .map(
            |(key, (baseline, current))| crate::insight::emerging::Series {
                key,
                baseline,
                current: *current,
            },
        )
        .collect();
    Ok(Json(EmergingIssues {
        from: overview::date(today - 6),
        to: overview::date(today),
        baseline_weeks: weeks,
        categories: crate::insight::emerging::emerging(&series),
    }))
}

/// What to celebrate (viewer and up): the praise feed (promoters' words and positive free text
/// among the latest 1,000 answers in the period, newest first, at most 50) and shout-outs for
/// agents whose rated resolutions average 4 or more (of 5) over at least two ratings.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites/{site_key}/insight/praise",
    tag = super::openapi::ADMIN,
    params(("site_key" = String, Path, description = "The site's key"), PeriodQuery),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "Praise and shout-outs", body = shared::insight::PraiseFeed),
        (status = 400, description = "A malformed query", body = super::openapi::ErrorDoc),
        (status = 401, description = "No valid credentials", body = super::openapi::ErrorDoc),
        (status = 403, description = "No role on this site", body = super::openapi::ErrorDoc),
        (status = 422, description = "A bad date or period", body = super::openapi::ErrorDoc),
    )
)]
#[tracing::instrument(skip(state, caller))]
async fn praise_route(
    State(state): State<AppState>,
    caller: Caller,
    Path(site_key): Path<String>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<shared::insight::PraiseFeed>, ApiError> {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let Query(q) = query?;
    let site = caller.on_site(&site_key, Role::Viewer)?.site.key.clone();
    let period = q.period(rollup::day(state.clock.now_ms()))?;
    let latest = state.store.responses(&site, 1000).await?;
    let until = (period.to + 1) * DAY_MS;
    let latest: Vec<_> = latest
        .into_iter()
        .filter(|r| r.received_at < until)
        .collect();
    let report = complaint_report(&state, &site, &q).await?;
    Ok(Json(shared::insight::PraiseFeed {
        from: overview::date(period.from),
        to: overview::date(period.to),
        praise: crate::insight::praise::praise(&latest, period.from * DAY_MS, 50),
        shout_outs: crate::insight::praise::shout_outs(&report.groups),
    }))
}
