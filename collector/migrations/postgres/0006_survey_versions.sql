-- Every edit of a survey makes a new version; each answer records the version it answered, so
-- that it is read (and was validated) against the questions the visitor saw.

-- The current version; `definition` is that version's survey (its JSON carries it too).
ALTER TABLE surveys ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Every version of every survey, the current one included.
CREATE TABLE survey_versions (
    survey_id   BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    definition  JSONB NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (survey_id, version)
);
INSERT INTO survey_versions (survey_id, version, definition, created_at)
    SELECT id, version, definition, created_at FROM surveys;

-- NULL for answers stored before versions were kept.
ALTER TABLE responses ADD COLUMN survey_version BIGINT;
