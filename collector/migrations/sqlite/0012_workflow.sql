-- The complaint workflow: a complaint is a case with a status, an urgency and a priority, an
-- assignee, maybe a problem record, and an append-only timeline; a site has its workflow
-- settings and a running number for its cases' references; timers are jobs. Times are Unix
-- milliseconds (UTC). The PostgreSQL twin has the same tables and columns.

ALTER TABLE sites ADD COLUMN workflow TEXT;
-- How many cases the site has numbered (the next one is this + 1).
ALTER TABLE sites ADD COLUMN complaint_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE problems (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    category    TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('investigating', 'known_error', 'fixed')),
    root_cause  TEXT,
    workaround  TEXT,
    fix         TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX problems_site ON problems (site_id, id);

-- The site's running number of the case: its reference (`HK-7QF3`) is derived from it.
ALTER TABLE complaints ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal'
    CHECK (urgency IN ('low', 'normal', 'high', 'critical'));
-- 1 (P1) to 4 (P4).
ALTER TABLE complaints ADD COLUMN priority INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 4);
ALTER TABLE complaints ADD COLUMN priority_overridden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE complaints ADD COLUMN problem_id INTEGER REFERENCES problems (id) ON DELETE SET NULL;
ALTER TABLE complaints ADD COLUMN merged_into TEXT;
ALTER TABLE complaints ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN resolved_at INTEGER;

-- Complaints stored before the workflow: numbered in the order they came, prioritized by the
-- default matrix at normal urgency, updated when received.
UPDATE complaints SET
    number = (SELECT COUNT(*) FROM complaints o
              WHERE o.site_id = complaints.site_id
                AND (o.received_at < complaints.received_at
                     OR (o.received_at = complaints.received_at AND o.id <= complaints.id))),
    priority = CASE impact WHEN 4 THEN 2 WHEN 1 THEN 4 ELSE 3 END,
    updated_at = received_at;
UPDATE sites SET complaint_count = (SELECT COUNT(*) FROM complaints c WHERE c.site_id = sites.id);

CREATE UNIQUE INDEX complaints_site_number ON complaints (site_id, number);
-- The inbox's queues and filters, each newest first.
CREATE INDEX complaints_site_status ON complaints (site_id, status, received_at);
CREATE INDEX complaints_site_assignee ON complaints (site_id, assignee_id, received_at);
CREATE INDEX complaints_site_priority ON complaints (site_id, priority, received_at);
CREATE INDEX complaints_problem ON complaints (problem_id) WHERE problem_id IS NOT NULL;

CREATE TABLE complaint_events (
    id           INTEGER PRIMARY KEY,
    complaint_id TEXT    NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    -- user, token, customer, rule or system; a user's or token's id, a user's e-mail address
    -- or a rule's name.
    actor_type   TEXT    NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT,
    body         TEXT,
    detail       TEXT
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

-- Timers: a job is due at `due_at`; a runner that takes it holds it until `locked_until`, so
-- that a runner that dies mid-job leaves it to another. Its effect is idempotent.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    due_at        INTEGER NOT NULL,
    payload       TEXT    NOT NULL,
    locked_until  INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (due_at);
