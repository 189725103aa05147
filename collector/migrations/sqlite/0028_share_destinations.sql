-- Where a site's team shares feedback (`complaints::share`): a JSON document of named
-- destinations, each an e-mail address and/or the `feedback.shared` webhook event; NULL until
-- an admin sets them. The same as `migrations/postgres/0028_share_destinations.sql`.
ALTER TABLE sites ADD COLUMN share_destinations TEXT;
