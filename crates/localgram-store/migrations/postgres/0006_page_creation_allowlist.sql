-- Meta's allowlist for Page creation: an allowlisted app's users may create Pages with
-- POST /{user-id}/accounts even when they are not test users. Apps stored before are not
-- allowlisted.
-- Kept in lockstep with migrations/sqlite/0006_page_creation_allowlist.sql.

ALTER TABLE apps ADD COLUMN page_creation_allowed BOOLEAN NOT NULL DEFAULT FALSE;
