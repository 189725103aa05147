-- SMART service goals (`insight::goals`): a metric, a target, a start and a deadline, and an
-- optional segment (scores) or category (complaint volume). `at_risk` is what the daily check
-- (`goal.check` job) last found, so that `goal.at_risk` goes out once per slip, not once a day.
-- The same as `migrations/postgres/0022_goals.sql`.
CREATE TABLE goals (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    metric       TEXT    NOT NULL,
    target       REAL    NOT NULL,
    start_day    INTEGER NOT NULL,
    deadline_day INTEGER NOT NULL,
    segment      TEXT,
    category     TEXT,
    created_at   INTEGER NOT NULL,
    at_risk      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX goals_site ON goals (site_id);
