-- Answers are no longer indexed by visitor hash. A hash is random, so each answer stored wrote a
-- page of that index of its own, on the one writer every answer waits for; a visitor is looked
-- up only to erase their answers, which reads the site's answers instead (outside the writer's
-- lock, see `erase_respondent`). Complaints are few and keep theirs.
DROP INDEX responses_site_visitor;
