-- Sites, their allowed origins, surveys, responses and API tokens.
-- Times are Unix milliseconds (UTC) so that they sort and compare the same on every engine.

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE site_origins (
    site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    origin  TEXT    NOT NULL,
    PRIMARY KEY (site_id, origin)
);
CREATE INDEX site_origins_origin ON site_origins (origin);

CREATE TABLE surveys (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    -- The survey as `shared::Survey` JSON: what the widget receives.
    definition  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (site_id, key)
);

CREATE TABLE responses (
    -- The client's UUID: a replayed submission hits this key and is stored once.
    id           TEXT    PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    survey_key   TEXT    NOT NULL,
    answers      TEXT    NOT NULL,
    page_url     TEXT,
    received_at  INTEGER NOT NULL
);
CREATE INDEX responses_site_received ON responses (site_id, received_at DESC, id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
