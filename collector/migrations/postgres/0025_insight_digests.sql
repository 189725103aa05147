-- The weekly digests sent (`insight::digest`): one row per site and week (the UTC day number of
-- the week's Monday), written in the transaction that queues the digest's outbox event, so that
-- a digest job run twice mails once. The same as `migrations/sqlite/0025_insight_digests.sql`.
CREATE TABLE insight_digests (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    week    BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, week)
);
