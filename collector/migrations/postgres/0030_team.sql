-- The team and each member's account (`http/team.rs`, `http/account.rs`): invitations to a
-- site, when each user last signed in, and two-factor sign-in (TOTP, RFC 6238) with its
-- recovery codes. The same as `migrations/sqlite/0030_team.sql`, in PostgreSQL's types.

-- Set at each sign-in, shown in the team's list.
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;

-- An invitation to join a site with a role, mailed as a link. It works once, until it expires,
-- and not after it was revoked (or replaced by a newer invitation of the same address).
CREATE TABLE invitations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- Normalized as users' addresses are.
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    -- SHA-256 of the token in the link; the token itself is never stored.
    token_hash  TEXT    NOT NULL UNIQUE,
    -- Who invited, as the audit log names actors: an e-mail address or `token:<id>`.
    invited_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    accepted_at BIGINT,
    accepted_by BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    revoked_at  BIGINT
);
CREATE INDEX invitations_site ON invitations (site_id, created_at);

-- A user's TOTP secret, sealed (ChaCha20-Poly1305 under the `two_factor_key` setting, the
-- user's id as associated data), so that a copy of the database alone does not give it away.
-- `confirmed_at` is NULL while enrolment waits for its first code; `last_step` is the newest
-- 30-second step whose code was accepted: a code works once.
CREATE TABLE two_factor (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT  NOT NULL DEFAULT 0
);

-- One-time recovery codes, shown once: SHA-256 over the user's id and the code (80 random bits).
CREATE TABLE recovery_codes (
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
