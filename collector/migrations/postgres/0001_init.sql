-- Sites, their allowed origins, surveys, responses and API tokens: the same schema as
-- `migrations/sqlite/0001_init.sql`, in PostgreSQL's types.
-- Times are Unix milliseconds (UTC) in BIGINT so that they sort and compare the same on every
-- engine, and the store reads them back as `i64` whatever the engine.

CREATE TABLE sites (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT   NOT NULL UNIQUE,
    name        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE site_origins (
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    origin  TEXT   NOT NULL,
    PRIMARY KEY (site_id, origin)
);
CREATE INDEX site_origins_origin ON site_origins (origin);

CREATE TABLE surveys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    key         TEXT   NOT NULL,
    status      TEXT   NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
    -- The survey as `shared::Survey` JSON: what the widget receives. JSONB so that reports can
    -- look inside it; the store writes and reads it as text, and serde does not mind that JSONB
    -- reorders keys.
    definition  JSONB  NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (site_id, key)
);

CREATE TABLE responses (
    -- The client's UUID: a replayed submission hits this key and is stored once.
    -- UUID rather than TEXT: 16 bytes instead of 36 in the table and its indexes, and the database
    -- itself refuses anything that is not a UUID. Its order is that of the lowercase hyphenated
    -- text SQLite stores, so "newest first, then by id" lists ties the same way on both engines.
    id           UUID   PRIMARY KEY,
    site_id      BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    survey_key   TEXT   NOT NULL,
    -- `Vec<shared::Answer>` as JSON, for rollups that read single answers in SQL.
    answers      JSONB  NOT NULL,
    page_url     TEXT,
    received_at  BIGINT NOT NULL
);
CREATE INDEX responses_site_received ON responses (site_id, received_at DESC, id DESC);

CREATE TABLE api_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    role        TEXT   NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash  TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
