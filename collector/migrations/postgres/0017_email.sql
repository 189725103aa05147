-- E-mail notifications: one message per outbox event and recipient (made once however many
-- collectors run), retried on the webhooks' schedule. `outbox_events.mailed_at` is set once an
-- event's messages are made. The SQLite twin has the same tables.

ALTER TABLE outbox_events ADD COLUMN mailed_at BIGINT;
CREATE INDEX outbox_events_unmailed ON outbox_events (id) WHERE mailed_at IS NULL;

CREATE TABLE email_deliveries (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    event_id     TEXT   NOT NULL,
    recipient    TEXT   NOT NULL,
    subject      TEXT   NOT NULL,
    text_body    TEXT   NOT NULL,
    html_body    TEXT   NOT NULL,
    status       TEXT   NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT,
    locked_until BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    UNIQUE (event_id, recipient)
);
CREATE INDEX email_deliveries_due ON email_deliveries (next_at) WHERE status = 'pending';
