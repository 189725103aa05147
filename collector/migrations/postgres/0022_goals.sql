-- SMART service goals (`insight::goals`): a metric, a target, a start and a deadline, and an
-- optional segment (scores) or category (complaint volume). `at_risk` is what the daily check
-- (`goal.check` job) last found, so that `goal.at_risk` goes out once per slip, not once a day.
-- The same as `migrations/sqlite/0022_goals.sql`.
CREATE TABLE goals (
    id           BIGSERIAL PRIMARY KEY,
    site_id      BIGINT           NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name         TEXT             NOT NULL,
    metric       TEXT             NOT NULL,
    target       DOUBLE PRECISION NOT NULL,
    start_day    BIGINT           NOT NULL,
    deadline_day BIGINT           NOT NULL,
    segment      TEXT,
    category     TEXT,
    created_at   BIGINT           NOT NULL,
    at_risk      BIGINT           NOT NULL DEFAULT 0
);
CREATE INDEX goals_site ON goals (site_id);
