-- Insight reads counts, not answers: per site × survey × question × segment × UTC day, how many
-- answers fell in each bucket (a scale's score, a choice's option, 0 for a written answer; the
-- question '' counts whole responses). Every score and its interval for any period and segment
-- is a sum over these rows. `dimension` is '' for all answers (value ''), or one of `page` (the
-- path's first segment), `device`, `browser`, `locale`, `version` (the survey's), each with its
-- value: one segment at a time, so that a response adds at most six rows per question.
--
-- Kept equal to the fold of the stored answers: ingest adds, every delete subtracts, in the
-- same transaction (`insight::rollup`); `hark insight rebuild` recomputes it. The same as
-- `migrations/sqlite/0021_insight_rollups.sql`.
CREATE TABLE insight_rollups (
    site_id     BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    survey_key  TEXT    NOT NULL,
    question_id TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    day         BIGINT  NOT NULL,
    bucket      BIGINT  NOT NULL,
    n           BIGINT  NOT NULL,
    PRIMARY KEY (site_id, survey_key, question_id, dimension, value, day, bucket)
);
