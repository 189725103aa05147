-- How many cases each site has per status and assignee (0: nobody), kept by triggers in the
-- statement that changes a case, so that the inbox's queue counts read a few rows instead of
-- counting every case of the site on each page view. Deletions (erasure, retention, an
-- admin's) and a user's removal (which unassigns their cases) are counted too.

CREATE TABLE case_counts (
    site_id     INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    assignee_id INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (site_id, status, assignee_id)
) WITHOUT ROWID;

INSERT INTO case_counts (site_id, status, assignee_id, n)
SELECT site_id, status, COALESCE(assignee_id, 0), COUNT(*) FROM complaints
GROUP BY site_id, status, COALESCE(assignee_id, 0);

CREATE TRIGGER case_counts_insert AFTER INSERT ON complaints BEGIN
    INSERT INTO case_counts (site_id, status, assignee_id, n)
    VALUES (NEW.site_id, NEW.status, COALESCE(NEW.assignee_id, 0), 1)
    ON CONFLICT (site_id, status, assignee_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER case_counts_delete AFTER DELETE ON complaints BEGIN
    UPDATE case_counts SET n = n - 1
    WHERE site_id = OLD.site_id AND status = OLD.status
      AND assignee_id = COALESCE(OLD.assignee_id, 0);
END;

CREATE TRIGGER case_counts_update AFTER UPDATE OF status, assignee_id ON complaints
WHEN OLD.status IS NOT NEW.status OR OLD.assignee_id IS NOT NEW.assignee_id BEGIN
    UPDATE case_counts SET n = n - 1
    WHERE site_id = OLD.site_id AND status = OLD.status
      AND assignee_id = COALESCE(OLD.assignee_id, 0);
    INSERT INTO case_counts (site_id, status, assignee_id, n)
    VALUES (NEW.site_id, NEW.status, COALESCE(NEW.assignee_id, 0), 1)
    ON CONFLICT (site_id, status, assignee_id) DO UPDATE SET n = n + 1;
END;

-- Sorting by priority walks this index: newest first within a priority, as the inbox shows it.
DROP INDEX complaints_site_priority;
CREATE INDEX complaints_site_priority ON complaints (site_id, priority, received_at DESC, id DESC);
