-- The test clock shared by every instance on one database (docs/faults.md, "Several
-- instances"): one row, written when the clock is set or advanced through the control plane.
-- `frozen` is 1 when the clock stands still at `millis` (Unix milliseconds), 0 when it runs
-- `millis` ahead of the system time; `generation` grows with every write.
-- Kept in lockstep with migrations/postgres/0007_shared_clock.sql.

CREATE TABLE shared_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    frozen BIGINT NOT NULL,
    millis BIGINT NOT NULL,
    generation BIGINT NOT NULL
);
