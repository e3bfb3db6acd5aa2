-- 3: import runs, kept passwords and what merges added, so that a run can
-- be listed and undone exactly.
CREATE TABLE import_runs (
	id               text COLLATE "C" PRIMARY KEY,
	started_at       text COLLATE "C" NOT NULL,
	finished_at      text COLLATE "C",
	source_kind      text NOT NULL DEFAULT '',
	source_format    text NOT NULL DEFAULT '',
	options          text NOT NULL DEFAULT '{}',
	status           text NOT NULL,
	report           text NOT NULL DEFAULT '{}',
	pid              integer NOT NULL DEFAULT 0,
	host             text NOT NULL DEFAULT '',
	providers_before text,
	providers_after  text,
	undone_at        text COLLATE "C"
);
CREATE INDEX import_runs_started ON import_runs (started_at, id);
CREATE INDEX users_import_run ON users (import_run);
CREATE INDEX import_sources_run ON import_sources (run_id);

CREATE TABLE user_passwords (
	user_id text COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	hasher  text NOT NULL,
	digest  text NOT NULL DEFAULT ''
);

CREATE TABLE import_merge_changes (
	run_id  text COLLATE "C" NOT NULL,
	user_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    text COLLATE "C" NOT NULL CHECK (kind IN ('link', 'tag', 'meta', 'fields', 'enrollment')),
	k1      text COLLATE "C" NOT NULL DEFAULT '',
	k2      text COLLATE "C" NOT NULL DEFAULT '',
	before  text,
	after   text,
	PRIMARY KEY (run_id, user_id, kind, k1, k2)
);
CREATE INDEX import_merge_changes_user ON import_merge_changes (user_id);
