-- Content publishing (media containers, from creation to publication) and comments.
-- Kept in lockstep between the sqlite/ and postgres/ histories.

CREATE TABLE ig_containers (
    id                 TEXT    NOT NULL PRIMARY KEY,
    owner_id           TEXT    NOT NULL REFERENCES ig_users (id) ON DELETE CASCADE,
    app_id             TEXT    NOT NULL,
    kind               TEXT    NOT NULL, -- IMAGE, VIDEO, REELS, STORIES, CAROUSEL
    is_video           BOOLEAN NOT NULL,
    is_carousel_item   BOOLEAN NOT NULL,
    children           TEXT    NOT NULL, -- item container ids, comma-separated, in order
    caption            TEXT,
    alt_text           TEXT,
    location_id        TEXT,
    user_tags          TEXT,             -- the JSON array as sent
    share_to_feed      BOOLEAN,
    thumb_offset       BIGINT,
    source_url         TEXT,
    cover_url          TEXT,
    media_blob         TEXT,
    thumbnail_blob     TEXT,
    created_at         BIGINT  NOT NULL,
    ready_at           BIGINT  NOT NULL,
    error_subcode      BIGINT,
    published_media_id TEXT,
    published_at       BIGINT
);

-- The 400-containers-per-24-hours limit counts an account's recent containers.
CREATE INDEX ig_containers_owner_created ON ig_containers (owner_id, created_at);
-- The publishing quota counts an account's recent publications.
CREATE INDEX ig_containers_owner_published ON ig_containers (owner_id, published_at);

-- Comments on media: top-level comments (parent_id NULL) and their replies.
CREATE TABLE ig_comments (
    id            TEXT    NOT NULL PRIMARY KEY,
    media_id      TEXT    NOT NULL REFERENCES ig_media (id) ON DELETE CASCADE,
    parent_id     TEXT    REFERENCES ig_comments (id) ON DELETE CASCADE,
    from_id       TEXT    NOT NULL,
    from_username TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    timestamp_ms  BIGINT  NOT NULL,
    hidden        BOOLEAN NOT NULL
);

-- A media's comments (or a comment's replies), newest first.
CREATE INDEX ig_comments_media_parent_time ON ig_comments (media_id, parent_id, timestamp_ms DESC, id DESC);
CREATE INDEX ig_comments_parent ON ig_comments (parent_id);

-- Media whose comments were turned off (comment_enabled=false); absent: enabled.
CREATE TABLE ig_comments_disabled (
    media_id TEXT NOT NULL PRIMARY KEY REFERENCES ig_media (id) ON DELETE CASCADE
);
