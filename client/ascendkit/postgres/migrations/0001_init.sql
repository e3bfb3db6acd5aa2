-- 1: initial schema, as SQLite's migration 1. Text is compared and ordered
-- bytewise (COLLATE "C"), as SQLite does, whatever the database's locale.
-- Times are fixed-width UTC RFC 3339 text with nanoseconds, as in SQLite,
-- so that both backends round-trip them exactly and text order is time
-- order (timestamptz keeps microseconds only).
CREATE TABLE users (
	id             text COLLATE "C" PRIMARY KEY,
	email          text COLLATE "C" NOT NULL UNIQUE,
	name           text NOT NULL DEFAULT '',
	image          text NOT NULL DEFAULT '',
	email_verified boolean NOT NULL DEFAULT false,
	created_at     text COLLATE "C" NOT NULL,
	last_login_at  text COLLATE "C",
	metadata       text NOT NULL DEFAULT '{}',
	banned         boolean NOT NULL DEFAULT false,
	import_run     text COLLATE "C" NOT NULL DEFAULT '',
	inserted_at    text COLLATE "C" NOT NULL
);
CREATE INDEX users_created ON users (created_at, id);

CREATE TABLE oauth_links (
	user_id          text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	provider         text COLLATE "C" NOT NULL,
	provider_user_id text COLLATE "C" NOT NULL,
	email            text NOT NULL DEFAULT '',
	PRIMARY KEY (provider, provider_user_id)
);
CREATE INDEX oauth_links_user ON oauth_links (user_id);

CREATE TABLE user_tags (
	user_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tag     text COLLATE "C" NOT NULL,
	PRIMARY KEY (user_id, tag)
);
CREATE INDEX user_tags_tag ON user_tags (tag, user_id);

CREATE TABLE import_sources (
	source    text COLLATE "C" NOT NULL,
	source_id text COLLATE "C" NOT NULL,
	user_id   text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	run_id    text COLLATE "C" NOT NULL DEFAULT '',
	PRIMARY KEY (source, source_id)
);
CREATE INDEX import_sources_user ON import_sources (user_id);

CREATE TABLE events (
	id         text COLLATE "C" PRIMARY KEY,
	type       text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
	payload    text NOT NULL DEFAULT '{}',
	created_at text COLLATE "C" NOT NULL
);
CREATE INDEX events_type ON events (type, created_at, id);
CREATE INDEX events_user ON events (user_id, created_at, id);
CREATE INDEX events_created ON events (created_at, id);

CREATE TABLE settings (
	key   text COLLATE "C" PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE templates (
	id         text COLLATE "C" PRIMARY KEY,
	slug       text COLLATE "C" NOT NULL UNIQUE,
	name       text NOT NULL,
	category   text NOT NULL DEFAULT 'marketing',
	version    integer NOT NULL,
	created_at text COLLATE "C" NOT NULL
);

CREATE TABLE template_versions (
	template_id text COLLATE "C" NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
	version     integer NOT NULL,
	subject     text NOT NULL DEFAULT '',
	body_html   text NOT NULL DEFAULT '',
	body_text   text NOT NULL DEFAULT '',
	created_at  text COLLATE "C" NOT NULL,
	PRIMARY KEY (template_id, version)
);

CREATE TABLE journeys (
	id           text COLLATE "C" PRIMARY KEY,
	name         text COLLATE "C" NOT NULL UNIQUE,
	description  text NOT NULL DEFAULT '',
	status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused')),
	audience_tag text COLLATE "C" NOT NULL DEFAULT '',
	entry        text NOT NULL,
	definition   text NOT NULL,
	created_at   text COLLATE "C" NOT NULL,
	activated_at text COLLATE "C"
);

CREATE TABLE enrollments (
	journey_id   text COLLATE "C" NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
	user_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status       text NOT NULL DEFAULT 'active',
	current_node text NOT NULL,
	enrolled_at  text COLLATE "C" NOT NULL,
	next_step_at text COLLATE "C" NOT NULL,
	PRIMARY KEY (journey_id, user_id)
);
CREATE INDEX enrollments_user ON enrollments (user_id);
