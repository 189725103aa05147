-- Where a site's snippet was seen: each allowed origin whose pages fetched the site's config,
-- with the last time it did (written at most once a minute per site and origin by each
-- collector, `sightings.rs`), so that the dashboard can tell whether the snippet is in place.
-- The same as `migrations/sqlite/0031_origin_sightings.sql`, in PostgreSQL's types.
CREATE TABLE origin_sightings (
    site_id      BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    origin       TEXT   NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, origin)
);
