package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version records how many
// have run. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE users (
	id             TEXT PRIMARY KEY,
	email          TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL DEFAULT '',
	image          TEXT NOT NULL DEFAULT '',
	email_verified INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL,
	last_login_at  TEXT,
	metadata       TEXT NOT NULL DEFAULT '{}',
	banned         INTEGER NOT NULL DEFAULT 0,
	import_run     TEXT NOT NULL DEFAULT '',
	inserted_at    TEXT NOT NULL
);
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE oauth_links (
	user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	provider         TEXT NOT NULL,
	provider_user_id TEXT NOT NULL,
	email            TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (provider, provider_user_id)
) WITHOUT ROWID;
CREATE INDEX oauth_links_user ON oauth_links (user_id);

CREATE TABLE user_tags (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tag     TEXT NOT NULL,
	PRIMARY KEY (user_id, tag)
) WITHOUT ROWID;
CREATE INDEX user_tags_tag ON user_tags (tag, user_id);

CREATE TABLE import_sources (
	source    TEXT NOT NULL,
	source_id TEXT NOT NULL,
	user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	run_id    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (source, source_id)
) WITHOUT ROWID;
CREATE INDEX import_sources_user ON import_sources (user_id);

CREATE TABLE events (
	id         TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
	payload    TEXT NOT NULL DEFAULT '{}',
	created_at TEXT NOT NULL
);
CREATE INDEX events_type ON events (type, created_at, id);
CREATE INDEX events_user ON events (user_id, created_at, id);
CREATE INDEX events_created ON events (created_at, id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE templates (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	category   TEXT NOT NULL DEFAULT 'marketing',
	version    INTEGER NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE template_versions (
	template_id TEXT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
	version     INTEGER NOT NULL,
	subject     TEXT NOT NULL DEFAULT '',
	body_html   TEXT NOT NULL DEFAULT '',
	body_text   TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	PRIMARY KEY (template_id, version)
) WITHOUT ROWID;

CREATE TABLE journeys (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	description  TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused')),
	audience_tag TEXT NOT NULL DEFAULT '',
	entry        TEXT NOT NULL,
	definition   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	activated_at TEXT
);

CREATE TABLE enrollments (
	journey_id   TEXT NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status       TEXT NOT NULL DEFAULT 'active',
	current_node TEXT NOT NULL,
	enrolled_at  TEXT NOT NULL,
	next_step_at TEXT NOT NULL,
	PRIMARY KEY (journey_id, user_id)
) WITHOUT ROWID;
CREATE INDEX enrollments_user ON enrollments (user_id);
`,
	// 2: the identity fields real Clerk data carries beyond the email.
	`
ALTER TABLE users ADD COLUMN username         TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone            TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone_verified   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN external_id      TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN secondary_emails TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN private_metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN unsafe_metadata  TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN locked           INTEGER NOT NULL DEFAULT 0;
`,
	// 3: import runs, kept passwords and what merges added, so that a run can
	// be listed and undone exactly (see internal/sqlstore, passwords.go, undo.go).
	`
CREATE TABLE import_runs (
	id               TEXT PRIMARY KEY,
	started_at       TEXT NOT NULL,
	finished_at      TEXT,
	source_kind      TEXT NOT NULL DEFAULT '',
	source_format    TEXT NOT NULL DEFAULT '',
	options          TEXT NOT NULL DEFAULT '{}',
	status           TEXT NOT NULL,
	report           TEXT NOT NULL DEFAULT '{}',
	pid              INTEGER NOT NULL DEFAULT 0,
	host             TEXT NOT NULL DEFAULT '',
	providers_before TEXT,
	providers_after  TEXT,
	undone_at        TEXT
);
CREATE INDEX import_runs_started ON import_runs (started_at, id);
CREATE INDEX users_import_run ON users (import_run);
CREATE INDEX import_sources_run ON import_sources (run_id);

CREATE TABLE user_passwords (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	hasher  TEXT NOT NULL,
	digest  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE import_merge_changes (
	run_id  TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    TEXT NOT NULL CHECK (kind IN ('link', 'tag', 'meta', 'fields', 'enrollment')),
	k1      TEXT NOT NULL DEFAULT '',
	k2      TEXT NOT NULL DEFAULT '',
	before  TEXT,
	after   TEXT,
	PRIMARY KEY (run_id, user_id, kind, k1, k2)
) WITHOUT ROWID;
CREATE INDEX import_merge_changes_user ON import_merge_changes (user_id);
`,
	// 4: what each merge run brought that was there already (a link, a tag or a
	// journey enrollment it would have added), so that undoing one of
	// several runs that brought it leaves it while another still stands;
	// and the auth providers whose removal on undo passed to a run from an
	// undone one. SQLite cannot alter a CHECK: the table is rebuilt.
	`
CREATE TABLE import_merge_changes_new (
	run_id  TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    TEXT NOT NULL CHECK (kind IN ('link', 'tag', 'meta', 'fields', 'enrollment', 'link-held', 'tag-held', 'enrollment-held')),
	k1      TEXT NOT NULL DEFAULT '',
	k2      TEXT NOT NULL DEFAULT '',
	before  TEXT,
	after   TEXT,
	PRIMARY KEY (run_id, user_id, kind, k1, k2)
) WITHOUT ROWID;
INSERT INTO import_merge_changes_new SELECT run_id, user_id, kind, k1, k2, before, after FROM import_merge_changes;
DROP TABLE import_merge_changes;
ALTER TABLE import_merge_changes_new RENAME TO import_merge_changes;
CREATE INDEX import_merge_changes_user ON import_merge_changes (user_id);
ALTER TABLE import_runs ADD COLUMN providers_owned TEXT;
`,
	// 5: run liveness on a shared database: a running run refreshes
	// heartbeat_at, and pid_ns (boot id and PID namespace) says where its
	// pid can be checked (see internal/sqlstore/runs.go).
	`
ALTER TABLE import_runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE import_runs ADD COLUMN pid_ns TEXT NOT NULL DEFAULT '';
`,
}

// migrate applies the pending migrations in one write transaction. Two
// processes opening a new file at once are serialized by BEGIN IMMEDIATE;
// the second finds the work done.
func migrate(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v == len(migrations) {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program supports (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	return tx.Commit()
}
