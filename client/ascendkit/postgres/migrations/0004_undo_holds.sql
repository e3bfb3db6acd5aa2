-- 4: what each merge run brought that was there already (a link, a tag or a
-- journey enrollment it would have added), so that undoing one of several
-- runs that brought it leaves it while another still stands; and the auth
-- providers whose removal on undo passed to a run from an undone one.
ALTER TABLE import_merge_changes DROP CONSTRAINT import_merge_changes_kind_check;
ALTER TABLE import_merge_changes ADD CONSTRAINT import_merge_changes_kind_check
	CHECK (kind IN ('link', 'tag', 'meta', 'fields', 'enrollment', 'link-held', 'tag-held', 'enrollment-held'));
ALTER TABLE import_runs ADD COLUMN providers_owned text;
