-- What ingest learns about an answer besides the answer itself (never the client's address), a
-- site's retention window, and the indexes that erasure and retention purges look things up by.

ALTER TABLE responses ADD COLUMN page_path TEXT;
ALTER TABLE responses ADD COLUMN device TEXT;
ALTER TABLE responses ADD COLUMN browser TEXT;
ALTER TABLE responses ADD COLUMN locale TEXT;
-- SHA-256 over (the day's salt, site key, client address, User-Agent), hex-truncated; the salt
-- lives in memory for one UTC day only, so a hash cannot be linked across days.
ALTER TABLE responses ADD COLUMN visitor TEXT;
ALTER TABLE responses ADD COLUMN user_id TEXT;
ALTER TABLE responses ADD COLUMN email TEXT;

-- NULL keeps answers forever.
ALTER TABLE sites ADD COLUMN retention_days INTEGER;

CREATE INDEX responses_received ON responses (received_at);
CREATE INDEX responses_site_visitor ON responses (site_id, visitor);
CREATE INDEX responses_site_user ON responses (site_id, user_id);
CREATE INDEX responses_site_email ON responses (site_id, email);
