-- Ingest writes every index of each answer it stores: keep only the ones something looks up by,
-- and in them only the rows that can be looked up.

-- Retention purges go site by site, on (site_id, received_at): the index on the time alone goes.
DROP INDEX responses_received;
DROP INDEX complaints_received;

-- Erasure finds a respondent by user id or e-mail, which most answers do not carry: only the
-- rows that have one are indexed (`= ?` implies NOT NULL, so the lookups still use these).
DROP INDEX responses_site_user;
DROP INDEX responses_site_email;
CREATE INDEX responses_site_user ON responses (site_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX responses_site_email ON responses (site_id, email) WHERE email IS NOT NULL;
DROP INDEX complaints_site_user;
DROP INDEX complaints_site_email;
CREATE INDEX complaints_site_user ON complaints (site_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX complaints_site_email ON complaints (site_id, email) WHERE email IS NOT NULL;

-- Newest first is read by scanning backwards: in ascending order, new answers go to the end of
-- the index, which stays full, where descending order put them at its start and split pages
-- half-empty.
DROP INDEX responses_site_received;
CREATE INDEX responses_site_received ON responses (site_id, received_at, id);
DROP INDEX complaints_site_received;
CREATE INDEX complaints_site_received ON complaints (site_id, received_at, id);
