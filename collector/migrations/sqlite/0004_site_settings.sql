-- What an admin sets for a site's widget (`shared::SiteSettings` as JSON): theme, launcher,
-- complaint categories, cooldown. NULL reads as `SiteSettings::default()`, which is what every
-- site starts with.

ALTER TABLE sites ADD COLUMN settings TEXT;
