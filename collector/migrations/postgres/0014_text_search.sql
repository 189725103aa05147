-- Text search over the cases' descriptions without reading every case: a `pg_trgm` index on
-- the lowercased description, which answers `LOWER(description) LIKE '%…%'`. `pg_trgm` ships
-- with PostgreSQL and is a trusted extension (13 and later), so the database's owner may create
-- it. Where it cannot be created, search still works, by reading the site's cases; the collector
-- says so in its log at start, and creates the index once the extension is there.

DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available: %', SQLERRM;
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS complaints_description_trgm
            ON complaints USING gin (LOWER(description) gin_trgm_ops);
    END IF;
END $$;
