-- Ingest writes every index of each answer it stores: keep only the ones something looks up by,
-- and in them only the rows that can be looked up.
--
-- Answers are kept in the order of their id (version 7 UUIDs from the widget: the time first),
-- WITHOUT ROWID: the table is the id's index, one b-tree fewer to write per answer.
-- Newest first is read by scanning the time index backwards: in ascending order, new answers go
-- to its end, which stays full, where descending order put them at its start and split pages
-- half-empty. Retention purges go site by site on it: no index on the time alone. Erasure finds
-- a respondent by user id or e-mail, which most answers do not carry: only the rows that have
-- one are indexed (`= ?` implies NOT NULL, so the lookups still use these).
CREATE TABLE responses_by_id (
    -- The client's UUID: a replayed submission hits this key and is stored once.
    id              TEXT    NOT NULL PRIMARY KEY,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    survey_key      TEXT    NOT NULL,
    answers         TEXT    NOT NULL,
    page_url        TEXT,
    received_at     INTEGER NOT NULL,
    page_path       TEXT,
    device          TEXT,
    browser         TEXT,
    locale          TEXT,
    visitor         TEXT,
    user_id         TEXT,
    email           TEXT,
    survey_version  INTEGER,
    attributes      TEXT
) WITHOUT ROWID;
INSERT INTO responses_by_id (id, site_id, survey_key, answers, page_url, received_at, page_path,
        device, browser, locale, visitor, user_id, email, survey_version, attributes)
    SELECT id, site_id, survey_key, answers, page_url, received_at, page_path, device, browser,
        locale, visitor, user_id, email, survey_version, attributes
    FROM responses;
DROP TABLE responses;
ALTER TABLE responses_by_id RENAME TO responses;
CREATE INDEX responses_site_received ON responses (site_id, received_at, id);
CREATE INDEX responses_site_visitor ON responses (site_id, visitor);
CREATE INDEX responses_site_user ON responses (site_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX responses_site_email ON responses (site_id, email) WHERE email IS NOT NULL;

-- Complaints are few: the same indexes, in their rowid table.
DROP INDEX complaints_received;
DROP INDEX complaints_site_user;
DROP INDEX complaints_site_email;
CREATE INDEX complaints_site_user ON complaints (site_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX complaints_site_email ON complaints (site_id, email) WHERE email IS NOT NULL;
DROP INDEX complaints_site_received;
CREATE INDEX complaints_site_received ON complaints (site_id, received_at, id);
