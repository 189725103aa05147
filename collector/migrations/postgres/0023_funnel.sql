-- The widget's funnel events (`insight::funnel`): a survey's card was shown, completed or
-- dismissed, with the questions it showed in order (`seen`, comma-separated; empty when shown).
-- The id is the widget's, so that a retried event counts once. Dismissals are not answers: no
-- score reads this table. Retention purges it with the answers. The same as the other engine's
-- 0023_funnel.sql.
CREATE TABLE funnel_events (
    id          TEXT    NOT NULL PRIMARY KEY,
    site_id     BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    survey_key  TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    seen        TEXT    NOT NULL,
    received_at BIGINT  NOT NULL
);
CREATE INDEX funnel_events_site ON funnel_events (site_id, received_at);
