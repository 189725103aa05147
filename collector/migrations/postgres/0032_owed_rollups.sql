-- The twin of `migrations/sqlite/0032_owed_rollups.sql`, kept so that both engines' migrations
-- keep one numbering. It creates nothing: there, SQLite's ingest writer adds the rollups' counts
-- between batches and records what it owes meanwhile; here, every transaction that stores
-- answers adds their counts itself (`store/insight_sql.rs`, `Rollups`), and nothing is ever owed.
SELECT 1;
