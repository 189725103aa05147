-- Who the host page says the respondent is, besides `user_id`: `hark('identify', id, attrs)`'s
-- attributes, a JSON object of up to 20 string → string pairs. NULL when none were sent.

ALTER TABLE responses ADD COLUMN attributes JSONB;
