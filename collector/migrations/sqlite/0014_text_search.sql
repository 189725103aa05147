-- Text search over the cases' descriptions without reading every case: an FTS5 index of
-- trigrams, which finds any substring of three characters or more, in any case. It keeps no copy
-- of the text (`content=''`); its rowid is the case's `site_id · 2³² + number`, which is unique
-- (`complaints_site_number`) and, unlike the table's own rowid, never changes on `VACUUM`. A case
-- leaves the index by FTS5's `'delete'` command with the text it was indexed with (rather than
-- `contentless_delete`, which SQLite's own shell before 3.43 cannot open).

CREATE VIRTUAL TABLE complaint_text USING fts5 (
    description, content = '', tokenize = 'trigram'
);

INSERT INTO complaint_text (rowid, description)
    SELECT site_id * 4294967296 + number, description FROM complaints;

CREATE TRIGGER complaint_text_insert AFTER INSERT ON complaints BEGIN
    INSERT INTO complaint_text (rowid, description)
        VALUES (new.site_id * 4294967296 + new.number, new.description);
END;

CREATE TRIGGER complaint_text_delete AFTER DELETE ON complaints BEGIN
    INSERT INTO complaint_text (complaint_text, rowid, description)
        VALUES ('delete', old.site_id * 4294967296 + old.number, old.description);
END;

CREATE TRIGGER complaint_text_update AFTER UPDATE OF site_id, number, description ON complaints
BEGIN
    INSERT INTO complaint_text (complaint_text, rowid, description)
        VALUES ('delete', old.site_id * 4294967296 + old.number, old.description);
    INSERT INTO complaint_text (rowid, description)
        VALUES (new.site_id * 4294967296 + new.number, new.description);
END;
