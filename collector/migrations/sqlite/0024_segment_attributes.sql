-- The `identify` attributes a response is segmented by (`SiteSettings::segment_attributes`,
-- picked at ingest): a JSON object of key → value, or NULL. The rollups fold this column, not
-- the settings, so that the rollups kept at ingest and the ones rebuilt later agree whatever
-- the settings became meanwhile. The same as the other engine's 0024_segment_attributes.sql.
ALTER TABLE responses ADD COLUMN segment_attributes TEXT;
