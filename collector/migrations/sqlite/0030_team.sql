-- The team and each member's account (`http/team.rs`, `http/account.rs`): invitations to a
-- site, when each user last signed in, and two-factor sign-in (TOTP, RFC 6238) with its
-- recovery codes. The same as `migrations/postgres/0030_team.sql`.

-- Set at each sign-in, shown in the team's list.
ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;

-- An invitation to join a site with a role, mailed as a link. It works once, until it expires,
-- and not after it was revoked (or replaced by a newer invitation of the same address).
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- Normalized as users' addresses are.
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    -- SHA-256 of the token in the link; the token itself is never stored.
    token_hash  TEXT    NOT NULL UNIQUE,
    -- Who invited, as the audit log names actors: an e-mail address or `token:<id>`.
    invited_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at  INTEGER
);
CREATE INDEX invitations_site ON invitations (site_id, created_at);

-- A user's TOTP secret, sealed (ChaCha20-Poly1305 under the `two_factor_key` setting, the
-- user's id as associated data), so that a copy of the database alone does not give it away.
-- `confirmed_at` is NULL while enrolment waits for its first code; `last_step` is the newest
-- 30-second step whose code was accepted: a code works once.
CREATE TABLE two_factor (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0
);

-- One-time recovery codes, shown once: SHA-256 over the user's id and the code (80 random bits).
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);
