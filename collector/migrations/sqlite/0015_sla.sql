-- Service levels and notifications. A site has its business hours, its SLA policies and its
-- hot-stove rules (JSON, the defaults while NULL). A case keeps its SLA timers (JSON:
-- `sla::CaseSla`) with, for the inbox, their worst state and the next due time, and whether a
-- hot-stove rule matched it. `outbox_events` is the durable outbox: an event is written in the
-- transaction of the change that causes it, and the notifier fans it out to webhooks and e-mail.
-- The same as `migrations/postgres/0015_sla.sql`.

ALTER TABLE sites ADD COLUMN business_hours TEXT;
ALTER TABLE sites ADD COLUMN sla_policies TEXT;
ALTER TABLE sites ADD COLUMN hot_stove TEXT;

ALTER TABLE complaints ADD COLUMN sla TEXT;
-- on_track, at_risk, breached, met or paused: the worst of the case's timers.
ALTER TABLE complaints ADD COLUMN sla_state TEXT;
ALTER TABLE complaints ADD COLUMN sla_due_at INTEGER;
ALTER TABLE complaints ADD COLUMN hot INTEGER NOT NULL DEFAULT 0;
CREATE INDEX complaints_site_sla ON complaints (site_id, sla_state, received_at);

CREATE TABLE outbox_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- `msg_…`: the `webhook-id` of every delivery of this event.
    event_id    TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    -- The event's `data`, JSON.
    payload     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Set once the notifier has made its deliveries.
    fanned_out_at INTEGER
);
CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE fanned_out_at IS NULL;
