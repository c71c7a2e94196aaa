-- One-time reveals of the App Dashboard (a new app secret, a generated token), kept between the
-- POST that made one and the GET it redirects to, so that instances sharing one PostgreSQL
-- database behind a load balancer serve the GET wherever it lands. The value is sealed with the
-- instance key and bound to its browser and slot; reading a reveal deletes it.
-- Kept in lockstep between the sqlite/ and postgres/ histories.

CREATE TABLE dashboard_reveals (
    browser_id TEXT   NOT NULL,
    slot       TEXT   NOT NULL,
    sealed     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (browser_id, slot)
);
