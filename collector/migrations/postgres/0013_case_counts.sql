-- How many cases each site has per status and assignee (0: nobody), kept by a trigger in the
-- statement that changes a case, so that the inbox's queue counts read a few rows instead of
-- counting every case of the site on each page view. Deletions (erasure, retention, an
-- admin's) and a user's removal (which unassigns their cases) are counted too.

CREATE TABLE case_counts (
    site_id     BIGINT NOT NULL,
    status      TEXT   NOT NULL,
    assignee_id BIGINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (site_id, status, assignee_id)
);

INSERT INTO case_counts (site_id, status, assignee_id, n)
SELECT site_id, status, COALESCE(assignee_id, 0), COUNT(*) FROM complaints
GROUP BY site_id, status, COALESCE(assignee_id, 0);

CREATE FUNCTION case_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE case_counts SET n = n - 1
        WHERE site_id = OLD.site_id AND status = OLD.status
          AND assignee_id = COALESCE(OLD.assignee_id, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_counts (site_id, status, assignee_id, n)
        VALUES (NEW.site_id, NEW.status, COALESCE(NEW.assignee_id, 0), 1)
        ON CONFLICT (site_id, status, assignee_id) DO UPDATE SET n = case_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER case_counts_insert_delete AFTER INSERT OR DELETE ON complaints
FOR EACH ROW EXECUTE FUNCTION case_counts_keep();

CREATE TRIGGER case_counts_update AFTER UPDATE OF status, assignee_id ON complaints
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                   OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
EXECUTE FUNCTION case_counts_keep();

-- Sorting by priority walks this index: newest first within a priority, as the inbox shows it.
DROP INDEX complaints_site_priority;
CREATE INDEX complaints_site_priority ON complaints (site_id, priority, received_at DESC, id DESC);
