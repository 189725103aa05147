-- Secrets of the installation itself, shared by every collector process on this database: the
-- same schema as `migrations/sqlite/0008_server_secrets.sql`, in PostgreSQL's types.
-- Each row is created once by whichever process needs it first (`INSERT … ON CONFLICT DO
-- NOTHING`, then read back), so all processes use the same value.
-- `visitor_salt`: the secret that the daily salt of visitor hashes is derived from.

CREATE TABLE server_secrets (
    name        TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
