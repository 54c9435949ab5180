-- One row the readiness check (/readyz, /healthz) writes, so that a full
-- disk or a read-only database shows as "not ready".
CREATE TABLE health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at INTEGER NOT NULL
);
