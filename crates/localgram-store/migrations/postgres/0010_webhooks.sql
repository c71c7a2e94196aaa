-- Webhooks (docs/webhooks.md): app subscriptions, the accounts and Pages that enabled an app,
-- and the durable queue of deliveries. Kept in lockstep between the sqlite/ and postgres/ histories.

-- POST /{app-id}/subscriptions: one subscription per app and object.
CREATE TABLE webhook_subscriptions (
    app_id         TEXT    NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    object         TEXT    NOT NULL, -- instagram
    callback_url   TEXT    NOT NULL,
    fields         TEXT    NOT NULL, -- name@version, comma-separated, sorted by name
    include_values BOOLEAN NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    PRIMARY KEY (app_id, object)
);

-- POST /{ig-user-id}/subscribed_apps (graph.instagram.com) and /{page-id}/subscribed_apps
-- (graph.facebook.com): an account or a Page enabled an app's webhooks.
CREATE TABLE webhook_subscribed_apps (
    app_id     TEXT   NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    object_id  TEXT   NOT NULL, -- the Instagram account or the Page
    kind       TEXT   NOT NULL, -- instagram or page
    fields     TEXT   NOT NULL, -- subscribed_fields, comma-separated
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, object_id)
);

CREATE INDEX webhook_subscribed_apps_object ON webhook_subscribed_apps (object_id);

-- The queue: one row per update to send, enqueued in the write job of the event that caused it,
-- sent in id order per (app_id, object), one at a time.
CREATE TABLE webhook_deliveries (
    id              BIGSERIAL NOT NULL PRIMARY KEY, -- the order of the queue
    app_id          TEXT    NOT NULL,
    object          TEXT    NOT NULL,
    field           TEXT    NOT NULL,
    kind            TEXT    NOT NULL, -- event or test
    payload         TEXT    NOT NULL, -- the exact body sent
    state           TEXT    NOT NULL, -- pending, delivered, failed (given up), dropped
    attempts        BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL, -- emulator clock, ms
    next_attempt_at BIGINT  NOT NULL, -- emulator clock, ms
    expires_at      BIGINT  NOT NULL, -- emulator clock, ms: given up after this
    lease_owner     TEXT,             -- the instance sending it now
    lease_until     BIGINT,           -- system time, ms
    signature       TEXT,
    last_attempt_at BIGINT,
    last_status     BIGINT,
    last_body       TEXT,
    last_error      TEXT
);

-- The heads of the queues, and what is due.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (state, app_id, object, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
