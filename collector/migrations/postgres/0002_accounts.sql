-- People who sign in to the dashboard, their roles on sites, their sessions, and the audit log:
-- the same schema as `migrations/sqlite/0002_accounts.sql`, in PostgreSQL's types.
-- Times are Unix milliseconds (UTC) in BIGINT, as in 0001.

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Trimmed and lowercased by the collector, so that one address is one user.
    email          TEXT   NOT NULL UNIQUE,
    -- Argon2id in PHC form (`$argon2id$v=19$m=…`), salt included.
    password_hash  TEXT   NOT NULL,
    created_at     BIGINT NOT NULL
);

-- One role per user and site.
CREATE TABLE memberships (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id     BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    role        TEXT   NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX memberships_site ON memberships (site_id);

CREATE TABLE sessions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the cookie's value; the value itself is never stored.
    token_hash  TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    -- Moved forward on every use: a session ends after a stretch of idleness.
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    -- A user's e-mail address, or `token:<id>` for an API token.
    actor       TEXT   NOT NULL,
    -- NULL for what concerns no one site, like a login.
    site_id     BIGINT REFERENCES sites (id) ON DELETE CASCADE,
    action      TEXT   NOT NULL,
    detail      TEXT   NOT NULL
);
CREATE INDEX audit_log_site_at ON audit_log (site_id, at DESC, id DESC);
