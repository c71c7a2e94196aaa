-- The App Dashboard: an app's deauthorize and data-deletion callback URLs. Tester invitations
-- may now also be 'declined' (app_testers.status is free text, so no change there).
-- Kept in lockstep with crates/localgram-store-sqlite/migrations/0004_dashboard.sql.

ALTER TABLE apps ADD COLUMN deauthorize_callback_url TEXT;
ALTER TABLE apps ADD COLUMN data_deletion_url TEXT;

-- The Instagram side lists an account's invitations and authorized apps.
CREATE INDEX app_testers_ig_user ON app_testers (ig_user_id);
CREATE INDEX tokens_user ON tokens (user_kind, user_id);
