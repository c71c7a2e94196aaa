-- Named snapshots of the state (docs/state.md). Each snapshot's rows live in tables of their own,
-- snap_{id}_{table}, created and dropped with it.
CREATE TABLE snapshots (
    name       TEXT   NOT NULL PRIMARY KEY,
    id         BIGINT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    meta       TEXT   NOT NULL
);
