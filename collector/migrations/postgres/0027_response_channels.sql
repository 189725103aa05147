-- How an answer reached the collector: `widget`, or the channel of an answer gathered elsewhere
-- and imported (`email`, `phone`, `chat`, `in_person`, `social`, `other`). The same as
-- `migrations/sqlite/0027_response_channels.sql`.
ALTER TABLE responses ADD COLUMN channel TEXT NOT NULL DEFAULT 'widget';
