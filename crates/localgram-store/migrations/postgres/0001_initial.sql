-- Localgram's schema, PostgreSQL flavour. Kept in lockstep with
-- crates/localgram-store-sqlite/migrations/0001_initial.sql: same file names, tables, columns
-- and nullability (the store conformance suite checks this).
--
-- Conventions: ids are TEXT generated in Rust; timestamps are epoch milliseconds (BIGINT);
-- JSON values are JSONB here and TEXT in SQLite; booleans are BOOLEAN.
-- The explicit NOT NULLs on primary keys mirror the SQLite file, where they are needed.

CREATE TABLE apps (
    id                      TEXT    NOT NULL PRIMARY KEY,
    name                    TEXT    NOT NULL,
    secret_hash             TEXT    NOT NULL,
    mode                    TEXT    NOT NULL,
    products                JSONB   NOT NULL, -- JSON array of product spellings
    redirect_uris           JSONB   NOT NULL, -- JSON array of strings
    require_appsecret_proof BOOLEAN NOT NULL,
    token_response_shape    TEXT    NOT NULL,
    test_user_limit         BIGINT  NOT NULL
);

CREATE TABLE ig_users (
    id              TEXT    NOT NULL PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    password_hash   TEXT    NOT NULL,
    account_type    TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    biography       TEXT    NOT NULL,
    website         TEXT    NOT NULL,
    is_private      BOOLEAN NOT NULL,
    followers_count BIGINT  NOT NULL,
    follows_count   BIGINT  NOT NULL,
    profile_picture TEXT
);

CREATE TABLE fb_users (
    id            TEXT    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT    UNIQUE, -- several users may have no email (NULLs never collide)
    password_hash TEXT,
    test_user     BOOLEAN NOT NULL,
    checkpointed  BOOLEAN NOT NULL,
    blocked       BOOLEAN NOT NULL
);

CREATE TABLE app_testers (
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    ig_user_id TEXT NOT NULL REFERENCES ig_users (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    PRIMARY KEY (app_id, ig_user_id)
);

CREATE TABLE app_roles (
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    fb_user_id TEXT NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    PRIMARY KEY (app_id, fb_user_id)
);

CREATE TABLE ig_media (
    id                 TEXT    NOT NULL PRIMARY KEY,
    owner_id           TEXT    NOT NULL REFERENCES ig_users (id) ON DELETE CASCADE,
    parent_id          TEXT    REFERENCES ig_media (id) ON DELETE CASCADE,
    position           BIGINT  NOT NULL,
    media_type         TEXT    NOT NULL,
    caption            TEXT,
    timestamp_ms       BIGINT  NOT NULL,
    file               TEXT,
    thumbnail_file     TEXT,
    shortcode          TEXT    NOT NULL,
    copyright_flagged  BOOLEAN NOT NULL,
    media_product_type TEXT    NOT NULL,
    is_shared_to_feed  BOOLEAN
);

-- Keyset paging of an account's media, newest first.
CREATE INDEX ig_media_owner_timestamp ON ig_media (owner_id, timestamp_ms DESC, id DESC);
-- An album's children, in order.
CREATE INDEX ig_media_parent ON ig_media (parent_id, position);

CREATE TABLE cities (
    id        TEXT             NOT NULL PRIMARY KEY,
    name      TEXT             NOT NULL,
    state     TEXT             NOT NULL,
    country   TEXT             NOT NULL,
    latitude  DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL,
    radius_km DOUBLE PRECISION NOT NULL
);

CREATE TABLE pages (
    id                         TEXT    NOT NULL PRIMARY KEY,
    name                       TEXT    NOT NULL,
    category_enum              TEXT    NOT NULL,
    about                      TEXT    NOT NULL,
    description                TEXT    NOT NULL,
    phone                      TEXT    NOT NULL,
    website                    TEXT    NOT NULL,
    is_place                   BOOLEAN NOT NULL,
    is_promotable              BOOLEAN NOT NULL,
    business_id                TEXT    NOT NULL,
    instagram_business_account TEXT    REFERENCES ig_users (id) ON DELETE SET NULL,
    extra                      JSONB   NOT NULL -- JSON object
);

CREATE TABLE page_roles (
    page_id    TEXT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    fb_user_id TEXT NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
    tasks      JSONB NOT NULL, -- JSON array of task names
    PRIMARY KEY (page_id, fb_user_id)
);

CREATE TABLE auth_codes (
    id                    TEXT   NOT NULL PRIMARY KEY,
    code_hash             TEXT   NOT NULL UNIQUE,
    app_id                TEXT   NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_kind             TEXT   NOT NULL,
    user_id               TEXT,
    redirect_uri          TEXT   NOT NULL,
    scopes                JSONB  NOT NULL, -- JSON array of scope names
    code_challenge        TEXT,
    code_challenge_method TEXT,
    issued_at             BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL,
    consumed_at           BIGINT
);

-- code_id and parent_id are lineage, not foreign keys: purging old codes or tokens must not be
-- blocked by (or cascade into) the tokens that descend from them.
CREATE TABLE tokens (
    id          TEXT   NOT NULL PRIMARY KEY,
    token_hash  TEXT   NOT NULL UNIQUE,
    app_id      TEXT   NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kind        TEXT   NOT NULL,
    user_kind   TEXT   NOT NULL,
    user_id     TEXT,
    page_id     TEXT,
    scopes      JSONB  NOT NULL, -- JSON array of scope names
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT, -- NULL: never expires
    revoked_at  BIGINT,
    code_id     TEXT,
    parent_id   TEXT,
    derived_at  BIGINT
);

CREATE INDEX tokens_code_id ON tokens (code_id);

CREATE TABLE csrf_tokens (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    browser_id TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE INDEX csrf_tokens_expires_at ON csrf_tokens (expires_at);

CREATE TABLE server_secrets (
    name  TEXT NOT NULL PRIMARY KEY,
    value BYTEA NOT NULL
);
