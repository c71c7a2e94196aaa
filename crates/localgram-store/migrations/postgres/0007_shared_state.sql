-- The test clock shared by every instance on one database (docs/faults.md, "Several
-- instances"): one row, written when the clock is set or advanced through the control plane.
-- `frozen` is 1 when the clock stands still at `millis` (Unix milliseconds), 0 when it runs
-- `millis` ahead of the system time; `generation` grows with every write.
-- Kept in lockstep with migrations/sqlite/0007_shared_state.sql.

CREATE TABLE shared_clock (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    frozen BIGINT NOT NULL,
    millis BIGINT NOT NULL,
    generation BIGINT NOT NULL
);

-- The request journal shared by the instances on one PostgreSQL database (on SQLite the
-- journal stays in the process and this table stays empty): one row per call answered on an
-- emulated Meta host, secrets already redacted; the oldest rows beyond the configured size are
-- deleted as new ones come in.
CREATE TABLE journal_calls (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    method TEXT NOT NULL,
    host TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT,
    form TEXT,
    status BIGINT NOT NULL,
    graph_code BIGINT NOT NULL,
    latency_ms BIGINT NOT NULL,
    app TEXT,
    user_id TEXT,
    faults TEXT NOT NULL
);

-- Fault rules shared by the instances on one PostgreSQL database (on SQLite they stay in the
-- process and this table stays empty): the rule as JSON (its seed filled in), its place in the
-- order rules are tried, and its counts, raised in one transaction per matching call so that
-- "at most K times" holds across instances.
CREATE TABLE fault_rules (
    id TEXT NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL,
    spec TEXT NOT NULL,
    matched BIGINT NOT NULL,
    fired BIGINT NOT NULL
);
