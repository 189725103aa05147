-- Service levels and notifications. A site has its business hours, its SLA policies and its
-- hot-stove rules (JSON, the defaults while NULL). A case keeps its SLA timers (JSON:
-- `sla::CaseSla`) with, for the inbox, their worst state and the next due time, and whether a
-- hot-stove rule matched it. `outbox_events` is the durable outbox: an event is written in the
-- transaction of the change that causes it, and the notifier fans it out to webhooks and e-mail.
-- The SQLite twin has the same tables and columns.

ALTER TABLE sites ADD COLUMN business_hours TEXT;
ALTER TABLE sites ADD COLUMN sla_policies TEXT;
ALTER TABLE sites ADD COLUMN hot_stove TEXT;

ALTER TABLE complaints ADD COLUMN sla TEXT;
-- on_track, at_risk, breached, met or paused: the worst of the case's timers.
ALTER TABLE complaints ADD COLUMN sla_state TEXT;
ALTER TABLE complaints ADD COLUMN sla_due_at BIGINT;
ALTER TABLE complaints ADD COLUMN hot BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX complaints_site_sla ON complaints (site_id, sla_state, received_at);

CREATE TABLE outbox_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- `msg_…`: the `webhook-id` of every delivery of this event.
    event_id    TEXT   NOT NULL UNIQUE,
    type        TEXT   NOT NULL,
    -- The event's `data`, JSON.
    payload     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    -- Set once the notifier has made its deliveries.
    fanned_out_at BIGINT
);
CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE fanned_out_at IS NULL;

-- The text search index (0014) without GIN's pending list: a search then never reads an
-- unsorted backlog of new cases (with it, a rare word took 7 ms at the median and 119 ms at
-- p95 over 100,000 freshly filed cases); each filed case pays for its entries at once instead.
ALTER INDEX IF EXISTS complaints_description_trgm SET (fastupdate = off);
