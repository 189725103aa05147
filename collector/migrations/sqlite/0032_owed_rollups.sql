-- SQLite's ingest writer keeps the rollups' counts of the answers it stores in memory and adds
-- them to `insight_rollups` between batches, at most a quarter of a second later (or sooner, when
-- something reads the rollups), rather than inside each batch's transaction
-- (`store/sqlite_writer.rs`). What it owes meanwhile is recorded here, in the batches'
-- transactions: each site and UTC day it stored answers for since it last added its counts,
-- by writer (a random number per writer, so that two processes on one file each clear only their
-- own). A row left behind by a process that stopped without adding its counts tells
-- `hark serve`, as it starts, which days to recompute from the stored answers. PostgreSQL adds the
-- counts in each batch's transaction and has no such table.
CREATE TABLE insight_rollups_owed (
    site_id INTEGER NOT NULL,
    day     INTEGER NOT NULL,
    writer  INTEGER NOT NULL,
    PRIMARY KEY (site_id, day, writer)
) WITHOUT ROWID;

-- Counted up whenever a writer recomputes days that other writers owe: a writer that finds it
-- changed knows that the counts it held were recomputed from the answers, and drops them.
CREATE TABLE insight_rollups_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO insight_rollups_epoch (id, epoch) VALUES (1, 0);
