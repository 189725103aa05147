-- How a complaint reached the team: `widget` (the customer filed it on the site), or, logged by
-- the team or sent by an integration, `phone`, `chat`, `email`, `in_person`, `social`,
-- `review` or `other`; and the page it came from elsewhere (a chat transcript, a review), if
-- any. The same as `migrations/sqlite/0026_complaint_channels.sql`.
ALTER TABLE complaints ADD COLUMN channel TEXT NOT NULL DEFAULT 'widget';
ALTER TABLE complaints ADD COLUMN source_url TEXT;
