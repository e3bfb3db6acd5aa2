-- 2: the identity fields real Clerk data carries beyond the email.
ALTER TABLE users
	ADD COLUMN username         text NOT NULL DEFAULT '',
	ADD COLUMN phone            text NOT NULL DEFAULT '',
	ADD COLUMN phone_verified   boolean NOT NULL DEFAULT false,
	ADD COLUMN external_id      text NOT NULL DEFAULT '',
	ADD COLUMN secondary_emails text NOT NULL DEFAULT '[]',
	ADD COLUMN private_metadata text NOT NULL DEFAULT '{}',
	ADD COLUMN unsafe_metadata  text NOT NULL DEFAULT '{}',
	ADD COLUMN locked           boolean NOT NULL DEFAULT false;
