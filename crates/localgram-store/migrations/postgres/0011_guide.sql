-- The App Dashboard's guide steps: the app's contact e-mail (Create App), the Website platform's
-- Site URL (Settings → Basic → Add Platform), and the Instagram app that Instagram Basic Display's
-- "Create New App" makes: its own id, display name and secret (SHA-256 to authenticate it, and
-- sealed like the app secret so it can be shown and sign callbacks).
-- Kept in lockstep with migrations/sqlite/0011_guide.sql.

ALTER TABLE apps ADD COLUMN contact_email TEXT;
ALTER TABLE apps ADD COLUMN site_url TEXT;
ALTER TABLE apps ADD COLUMN instagram_app_id TEXT;
ALTER TABLE apps ADD COLUMN instagram_app_name TEXT;
ALTER TABLE apps ADD COLUMN instagram_secret_hash TEXT;
ALTER TABLE apps ADD COLUMN instagram_secret_sealed TEXT;

CREATE UNIQUE INDEX apps_instagram_app_id ON apps (instagram_app_id);
