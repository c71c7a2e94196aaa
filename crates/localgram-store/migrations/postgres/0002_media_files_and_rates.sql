-- Media files stored content-addressed, rate-limit counters, per-app rate limits.
-- Kept in lockstep with crates/localgram-store-sqlite/migrations/0002_media_files_and_rates.sql.

CREATE TABLE blobs (
    sha256       TEXT   NOT NULL PRIMARY KEY,
    content_type TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    bytes        BYTEA  NOT NULL
);

ALTER TABLE ig_media ADD COLUMN media_blob TEXT;
ALTER TABLE ig_media ADD COLUMN thumbnail_blob TEXT;
ALTER TABLE ig_users ADD COLUMN profile_blob TEXT;
ALTER TABLE apps ADD COLUMN rate_limits JSONB; -- JSON object, NULL: server defaults

-- Keyset paging compares and orders media ids bytewise (Rust's `String` order) on both backends:
-- COLLATE "C" here (whatever the database's collation), BINARY in SQLite. The index is rebuilt
-- with that collation so the keyset order (`id COLLATE "C" DESC`) is read straight off it.
DROP INDEX ig_media_owner_timestamp;
CREATE INDEX ig_media_owner_timestamp ON ig_media (owner_id, timestamp_ms DESC, id COLLATE "C" DESC);

CREATE TABLE rate_counters (
    bucket       TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
