-- When a story's `story_insights` webhook update was sent (or found not to be due: a story that
-- had already expired when its world was loaded). NULL until then. The delivery worker looks for
-- expired stories through the partial index, and marks each one in the transaction that enqueues
-- its deliveries, so that one story causes one update however many instances share the database.
-- Kept in lockstep between the sqlite/ and postgres/ histories.

ALTER TABLE ig_media ADD COLUMN story_insights_sent_ms BIGINT;

-- Stories stored before this migration send no update: counted as sent when they expired.
UPDATE ig_media SET story_insights_sent_ms = timestamp_ms + 86400000
    WHERE media_product_type = 'STORY';

CREATE INDEX ig_media_story_insights_due ON ig_media (timestamp_ms)
    WHERE media_product_type = 'STORY' AND story_insights_sent_ms IS NULL;
