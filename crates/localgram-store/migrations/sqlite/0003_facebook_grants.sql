-- What a Facebook user granted an app in the Login dialog (permissions and chosen Pages), and the
-- index the Pages edge lists a user's roles by.
-- Kept in lockstep with crates/localgram-store-postgres/migrations/0003_facebook_grants.sql.

CREATE TABLE fb_grants (
    app_id     TEXT   NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    fb_user_id TEXT   NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
    scopes     TEXT   NOT NULL, -- JSON array of permission names
    page_ids   TEXT   NOT NULL, -- JSON array of Page ids
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, fb_user_id)
);

CREATE INDEX page_roles_user ON page_roles (fb_user_id, page_id);
CREATE INDEX tokens_app_user ON tokens (app_id, user_id);
