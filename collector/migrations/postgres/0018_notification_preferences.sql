-- Which events reach a user by e-mail on a site, and in which language; a user without a row
-- takes every event in English. The same as `migrations/sqlite/0018_notification_preferences.sql`.

CREATE TABLE notification_preferences (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id      BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    language     TEXT   NOT NULL,
    -- A JSON array of event types.
    email_events TEXT   NOT NULL,
    PRIMARY KEY (user_id, site_id)
);
