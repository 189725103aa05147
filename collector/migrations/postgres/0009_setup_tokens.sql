-- One-time setup links: the same schema as `migrations/sqlite/0009_setup_tokens.sql`, in
-- PostgreSQL's types.

CREATE TABLE setup_tokens (
    -- SHA-256 of the token in the link; the token itself is never stored.
    token_hash  TEXT   PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    -- When it was used: a token works once.
    used_at     BIGINT
);
