-- Where a site's snippet was seen: each allowed origin whose pages fetched the site's config,
-- with the last time it did (written at most once a minute per site and origin by each
-- collector, `sightings.rs`), so that the dashboard can tell whether the snippet is in place.
-- The same as `migrations/postgres/0031_origin_sightings.sql`.
CREATE TABLE origin_sightings (
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    origin       TEXT    NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, origin)
);
