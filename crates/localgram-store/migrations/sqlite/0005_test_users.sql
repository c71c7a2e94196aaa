-- Facebook test users of an app (api-contract.md §17.3): which Facebook users are test users of
-- which app, in creation order. And the app secret sealed at rest for appsecret_proof (§12.2):
-- ChaCha20-Poly1305 under a key derived from the instance secret, never the cleartext.
-- Kept in lockstep with crates/localgram-store-postgres/migrations/0005_test_users.sql.

CREATE TABLE fb_test_users (
    app_id     TEXT   NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    fb_user_id TEXT   NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, fb_user_id)
);

CREATE INDEX fb_test_users_app_created ON fb_test_users (app_id, created_at, fb_user_id);

ALTER TABLE apps ADD COLUMN secret_sealed TEXT;
