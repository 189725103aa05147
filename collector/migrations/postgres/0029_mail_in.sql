-- E-mail in (`mail_in/`): the address at which a site takes complaints by e-mail (lower case,
-- unique across sites, NULL until an admin sets one), and the files that came with a message,
-- kept with their case: deleting the case (erasure, retention, the team) deletes them. The
-- same as `migrations/sqlite/0029_mail_in.sql`.
ALTER TABLE sites ADD COLUMN mail_intake TEXT;
CREATE UNIQUE INDEX sites_mail_intake ON sites (mail_intake);

CREATE TABLE complaint_attachments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id  UUID    NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    -- As the sender named it, cleaned of paths and control characters.
    filename      TEXT    NOT NULL,
    -- What the message said it is, and what its first bytes show it is: the one it is served as.
    declared_type TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          BIGINT  NOT NULL,
    -- SHA-256 of the content, hex: the same file of the same case is kept once.
    sha256        TEXT    NOT NULL,
    content       BYTEA   NOT NULL,
    received_at   BIGINT  NOT NULL,
    UNIQUE (complaint_id, sha256)
);
