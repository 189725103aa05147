-- One-time setup links: `hark serve` makes one at a start on a database without users. Any of
-- them, used once before it expires, creates the first user.

CREATE TABLE setup_tokens (
    -- SHA-256 of the token in the link; the token itself is never stored.
    token_hash  TEXT    PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    -- When it was used: a token works once.
    used_at     INTEGER
);
