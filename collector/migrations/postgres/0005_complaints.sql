-- What visitors report from the widget: problems and suggestions (`shared::ComplaintSubmission`)
-- with what ingest learned on the way in (never the client's address), and who the host page
-- said the visitor is (`user_id`, `attributes`). The same as `migrations/sqlite/0005_complaints.sql`.

CREATE TABLE complaints (
    -- The client's UUID: a replayed report hits this key and is stored once.
    id               UUID    PRIMARY KEY,
    site_id          BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- Where the complaint is in its workflow; every report starts `open`.
    status           TEXT    NOT NULL DEFAULT 'open',
    kind             TEXT    NOT NULL CHECK (kind IN ('problem', 'suggestion')),
    category         TEXT,
    description      TEXT    NOT NULL,
    -- 1 (a little) to 4 (urgent); problems only.
    impact           SMALLINT,
    -- Only with contact_consent.
    email            TEXT,
    contact_consent  BOOLEAN NOT NULL DEFAULT FALSE,
    page_url         TEXT,
    page_path        TEXT,
    device           TEXT,
    browser          TEXT,
    locale           TEXT,
    visitor          TEXT,
    user_id          TEXT,
    -- A JSON object of string → string, `{}` when none.
    attributes       JSONB   NOT NULL DEFAULT '{}',
    received_at      BIGINT  NOT NULL
);
CREATE INDEX complaints_site_received ON complaints (site_id, received_at DESC, id DESC);
CREATE INDEX complaints_received ON complaints (received_at);
CREATE INDEX complaints_site_visitor ON complaints (site_id, visitor);
CREATE INDEX complaints_site_user ON complaints (site_id, user_id);
CREATE INDEX complaints_site_email ON complaints (site_id, email);
