-- Closing the loop with the customer: the capabilities that open a case's status page
-- (`/c/{token}`), the resolution survey's answers linked to their case, and the customer's
-- e-mails linked to theirs, so that erasing a case takes all of them with it. The same as
-- `migrations/postgres/0020_close_the_loop.sql`.

-- Only the SHA-256 of a token, hex: the token itself is in the customer's link and nowhere
-- else. A case has several (its acknowledgement's, each e-mail's); each one expires.
CREATE TABLE case_tokens (
    hash         TEXT    PRIMARY KEY,
    complaint_id TEXT    NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX case_tokens_complaint ON case_tokens (complaint_id);

-- The case a resolution survey's answers are about. No foreign key: a check of it on every
-- deleted complaint would want an index over every answer, which ingest would pay for; the
-- store deletes a case's answers with the case, and erasure finds them by the respondent's
-- e-mail, user id or visitor, which they carry as the case does.
ALTER TABLE responses ADD COLUMN complaint_id TEXT;
CREATE INDEX responses_complaint ON responses (complaint_id, received_at)
    WHERE complaint_id IS NOT NULL;

-- The case of a customer's e-mail, whose link gets a new token when it is sent.
ALTER TABLE email_deliveries ADD COLUMN complaint_id TEXT REFERENCES complaints (id) ON DELETE CASCADE;
CREATE INDEX email_deliveries_complaint ON email_deliveries (complaint_id);
