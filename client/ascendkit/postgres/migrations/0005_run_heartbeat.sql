-- 5: run liveness on a shared database: a running run refreshes
-- heartbeat_at, and pid_ns (boot id and PID namespace) says where its pid
-- can be checked (see internal/sqlstore/runs.go).
ALTER TABLE import_runs ADD COLUMN heartbeat_at text COLLATE "C";
ALTER TABLE import_runs ADD COLUMN pid_ns text NOT NULL DEFAULT '';
