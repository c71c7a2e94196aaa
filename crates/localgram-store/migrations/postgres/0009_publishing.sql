-- Content publishing: media containers, from creation to publication.
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
