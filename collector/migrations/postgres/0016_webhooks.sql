-- Webhook endpoints per site (Standard Webhooks), and what the notifier did for each: one
-- delivery per endpoint and outbox event (retried on its schedule, the same `webhook-id` each
-- time), and each attempt's status and latency. The SQLite twin has the same tables.

CREATE TABLE webhook_endpoints (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id        BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    url            TEXT    NOT NULL,
    -- `whsec_…`: kept as it is, since signing needs it.
    secret         TEXT    NOT NULL,
    -- A JSON array of event types, NULL for every type.
    events         TEXT,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    -- Deliveries that failed in a row, and since when.
    failures       BIGINT  NOT NULL DEFAULT 0,
    failing_since  BIGINT,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX webhook_endpoints_site ON webhook_endpoints (site_id);

CREATE TABLE webhook_deliveries (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id  BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id     TEXT   NOT NULL,
    type         TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    event_at     BIGINT NOT NULL,
    -- pending (to be tried at next_at), delivered or failed (the schedule is spent).
    status       TEXT   NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT,
    locked_until BIGINT,
    created_at   BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at           BIGINT NOT NULL,
    status_code  BIGINT,
    latency_ms   BIGINT NOT NULL,
    error        TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
