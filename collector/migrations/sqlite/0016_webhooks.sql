-- Webhook endpoints per site (Standard Webhooks), and what the notifier did for each: one
-- delivery per endpoint and outbox event (retried on its schedule, the same `webhook-id` each
-- time), and each attempt's status and latency. The same as `migrations/postgres/0016_webhooks.sql`.

CREATE TABLE webhook_endpoints (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id        INTEGER  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    url            TEXT    NOT NULL,
    -- `whsec_…`: kept as it is, since signing needs it.
    secret         TEXT    NOT NULL,
    -- A JSON array of event types, NULL for every type.
    events         TEXT,
    enabled        INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    -- Deliveries that failed in a row, and since when.
    failures       INTEGER  NOT NULL DEFAULT 0,
    failing_since  INTEGER,
    created_at     INTEGER  NOT NULL
);
CREATE INDEX webhook_endpoints_site ON webhook_endpoints (site_id);

CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id  INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id     TEXT   NOT NULL,
    type         TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    event_at     INTEGER NOT NULL,
    -- pending (to be tried at next_at), delivered or failed (the schedule is spent).
    status       TEXT   NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER,
    locked_until INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    latency_ms   INTEGER NOT NULL,
    error        TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
