package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
)

// The multi-row statements of createUsers. The conflict clauses are what
// make a batch idempotent without looking anything up first: a user whose
// email exists, or whose source id another writer recorded, is not
// inserted. Which rows were is told by the count of rows changed (all of
// them, nearly always) and, only when some are missing, by looking the
// batch's ids up: cheaper than RETURNING, which buffered every row in a
// temporary table and handed each back through database/sql.
const (
	insertUsersHead = `INSERT INTO users (id, email, name, image, email_verified, created_at, last_login_at, metadata, banned, import_run, inserted_at,
		username, phone, phone_verified, external_id, secondary_emails, private_metadata, unsafe_metadata, locked) VALUES `
	insertUsersTail   = ` ON CONFLICT (email) DO NOTHING`
	insertUsersCols   = 19
	insertSourcesHead = `INSERT INTO import_sources (source, source_id, user_id, run_id) VALUES `
	insertSourcesTail = ` ON CONFLICT DO NOTHING`
	insertLinksHead   = `INSERT OR IGNORE INTO oauth_links (user_id, provider, provider_user_id, email) VALUES `
	insertTagsHead    = `INSERT OR IGNORE INTO user_tags (user_id, tag) VALUES `
	insertEventsHead  = `INSERT INTO events (id, type, user_id, payload, created_at) VALUES `
	insertEnrollHead  = `INSERT OR IGNORE INTO enrollments (journey_id, user_id, status, current_node, enrolled_at, next_step_at) VALUES `
	insertPassHead    = `INSERT OR REPLACE INTO user_passwords (user_id, hasher, digest) VALUES `
)

// The statements of createUsers, in the order it runs them.
var (
	usersBulk     = bulkSpec{insertUsersHead, insertUsersTail, insertUsersCols}
	sourcesBulk   = bulkSpec{insertSourcesHead, insertSourcesTail, 4}
	linksBulk     = bulkSpec{insertLinksHead, "", 4}
	tagsBulk      = bulkSpec{insertTagsHead, "", 2}
	eventsBulk    = bulkSpec{insertEventsHead, "", 5}
	enrollBulk    = bulkSpec{insertEnrollHead, "", 6}
	passwordsBulk = bulkSpec{insertPassHead, "", 3}
	createBulks   = []bulkSpec{usersBulk, sourcesBulk, linksBulk, tagsBulk, eventsBulk, enrollBulk, passwordsBulk}
)

// createUsers writes a batch's creates with a few multi-row statements per
// table. A create is skipped (listed in res.Existing, in batch order) when
// its source id or email repeats an earlier create of the batch, when a
// user with its email exists, or when its source id is already recorded;
// the source ids of the users it creates are added to seen (a merge of
// the same id later in the batch then has nothing to do).
func createUsers(ctx context.Context, tx *sql.Tx, shared map[string]*sql.Stmt, batch ascendkit.ImportBatch, nowS string, now time.Time,
	journeys []sqlstore.ActiveJourney, seen map[sourceKey]bool, res *ascendkit.BatchResult) error {
	if len(batch.Create) == 0 {
		return nil
	}
	ids := make([]string, len(batch.Create)) // "" = not created
	keys := make(map[sourceKey]bool, len(batch.Create))
	taken := make(map[string]bool, len(batch.Create))
	args := make([]any, 0, insertUsersCols*len(batch.Create))
	tried := 0
	var given []string // ids the caller set
	for i := range batch.Create {
		c := &batch.Create[i]
		u := &c.User
		key := sourceKey{Source: c.Source, ID: c.SourceID}
		email := rules.NormEmail(u.Email)
		if keys[key] || taken[email] {
			continue
		}
		keys[key], taken[email] = true, true
		id := u.ID
		if id == "" {
			id = rules.NewID(rules.PrefixUser)
		} else {
			given = append(given, id)
		}
		created := u.CreatedAt
		if created.IsZero() {
			created = now
		}
		meta, err := rules.MarshalObject(u.Metadata)
		if err != nil {
			return fmt.Errorf("user %s metadata: %w", c.SourceID, err)
		}
		ident, err := rules.IdentityArgs(u)
		if err != nil {
			return fmt.Errorf("user %s: %w", c.SourceID, err)
		}
		args = append(args, id, email, u.Name, u.Image, boolInt(u.EmailVerified),
			rules.FormatTime(created), rules.FormatTimePtr(u.LastLoginAt), meta, boolInt(u.Banned), batch.RunID, nowS,
			u.Username, u.Phone, boolInt(u.PhoneVerified), u.ExternalID, ident.Secondary, ident.Private, ident.Unsafe, boolInt(u.Locked))
		ids[i] = id
		tried++
	}

	// An id the caller chose may already exist (with the same email, the
	// insert skips the row silently): those are looked up first, so that
	// finding an id afterwards means this insert wrote it. Ids made here
	// are new.
	var before map[string]bool
	if len(given) > 0 {
		var err error
		if before, err = existingIDs(ctx, tx, given); err != nil {
			return fmt.Errorf("insert users: %w", err)
		}
	}
	users := newBulk(tx, shared, usersBulk)
	defer users.close()
	n, err := users.exec(ctx, args)
	if err != nil {
		return fmt.Errorf("insert users: %w", err)
	}
	if n < tried {
		// Some emails were taken: the users kept are those whose id is now
		// in the table and was not before.
		if err := keepInserted(ctx, tx, ids, before); err != nil {
			return fmt.Errorf("insert users: %w", err)
		}
	}

	// Record the source ids of the users just inserted. One another writer
	// recorded meanwhile (its own user has the id) wins: ours is removed
	// before anything refers to it, so no source user is created twice.
	args = args[:0]
	for i, id := range ids {
		if id != "" {
			c := &batch.Create[i]
			args = append(args, c.Source, c.SourceID, id, batch.RunID)
		}
	}
	sources := newBulk(tx, shared, sourcesBulk)
	defer sources.close()
	if n, err = sources.exec(ctx, args); err != nil {
		return fmt.Errorf("record source ids: %w", err)
	}
	if n < len(args)/4 {
		lost, err := lostSources(ctx, tx, batch.Create, ids)
		if err != nil {
			return fmt.Errorf("record source ids: %w", err)
		}
		if err := deleteUsers(ctx, tx, lost); err != nil {
			return err
		}
	}

	links := newBulk(tx, shared, linksBulk)
	defer links.close()
	tags := newBulk(tx, shared, tagsBulk)
	defer tags.close()
	events := newBulk(tx, shared, eventsBulk)
	defer events.close()
	enroll := newBulk(tx, shared, enrollBulk)
	defer enroll.close()
	passwords := newBulk(tx, shared, passwordsBulk)
	defer passwords.close()
	var linkArgs, tagArgs, eventArgs, enrollArgs, passArgs []any
	for i, id := range ids {
		c := &batch.Create[i]
		if id == "" {
			res.Existing = append(res.Existing, c.SourceID)
			continue
		}
		seen[sourceKey{Source: c.Source, ID: c.SourceID}] = true
		u := &c.User
		for _, ln := range u.OAuthLinks {
			linkArgs = append(linkArgs, id, ln.Provider, ln.ProviderUserID, rules.NormEmail(ln.Email))
		}
		ts := rules.CleanTags(u.Tags)
		for _, t := range ts {
			tagArgs = append(tagArgs, id, t)
		}
		if p := c.Password; p != nil && p.Hasher != "" {
			passArgs = append(passArgs, id, p.Hasher, string(p.Digest))
		}
		for _, ev := range c.Events {
			payload, err := rules.MarshalObject(ev.Payload)
			if err != nil {
				return fmt.Errorf("event %s of %s: %w", ev.Type, c.SourceID, err)
			}
			eventArgs = append(eventArgs, rules.NewID(rules.PrefixEvent), ev.Type, id, payload, nowS)
		}
		if !u.Banned {
			for _, j := range journeys {
				if j.Tag == "" || slices.Contains(ts, j.Tag) {
					enrollArgs = append(enrollArgs, j.ID, id, "active", j.Entry, nowS, nowS)
				}
			}
		}
		res.Created++
	}
	n, err = links.exec(ctx, linkArgs)
	if err != nil {
		return fmt.Errorf("insert oauth links: %w", err)
	}
	if planned := len(linkArgs) / 4; n < planned {
		return rules.LinksTaken(planned - n)
	}
	res.Links += n
	if _, err := tags.exec(ctx, tagArgs); err != nil {
		return fmt.Errorf("insert tags: %w", err)
	}
	if _, err := passwords.exec(ctx, passArgs); err != nil {
		// The error names no user and no digest.
		return fmt.Errorf("store passwords: %w", err)
	}
	if n, err = events.exec(ctx, eventArgs); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	res.Events += n
	if n, err = enroll.exec(ctx, enrollArgs); err != nil {
		return fmt.Errorf("enroll users: %w", err)
	}
	res.Enrolled += n
	return nil
}

// keepInserted clears the ids (ids[i] = "") of the users the insert
// skipped: those not in the users table, or there before it.
func keepInserted(ctx context.Context, tx *sql.Tx, ids []string, before map[string]bool) error {
	var want []string
	for _, id := range ids {
		if id != "" {
			want = append(want, id)
		}
	}
	found, err := existingIDs(ctx, tx, want)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if !found[id] || before[id] {
			ids[i] = ""
		}
	}
	return nil
}

// existingIDs returns which of ids are users.
func existingIDs(ctx context.Context, tx *sql.Tx, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	err := inChunks(nil, ids, func(marks string, args []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			found[id] = true
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// lostSources finds the creates whose source id was already recorded for
// another user (another writer imported it first): it clears their ids and
// returns them, for the caller to delete before anything refers to them.
func lostSources(ctx context.Context, tx *sql.Tx, creates []ascendkit.ImportedUser, ids []string) ([]string, error) {
	bySource := make(map[string][]string)
	for i, id := range ids {
		if id != "" {
			bySource[creates[i].Source] = append(bySource[creates[i].Source], creates[i].SourceID)
		}
	}
	owner := make(map[sourceKey]string)
	for src, sids := range bySource {
		found, err := lookupSourceIDs(ctx, tx, src, sids)
		if err != nil {
			return nil, err
		}
		for sid, m := range found {
			owner[sourceKey{Source: src, ID: sid}] = m.UserID
		}
	}
	var lost []string
	for i, id := range ids {
		if id != "" && owner[sourceKey{Source: creates[i].Source, ID: creates[i].SourceID}] != id {
			lost = append(lost, id)
			ids[i] = ""
		}
	}
	return lost, nil
}

// deleteUsers removes users this transaction inserted and then found it
// must not keep (rare: another writer imported the same source ids).
func deleteUsers(ctx context.Context, tx *sql.Tx, ids []string) error {
	return inChunks(nil, ids, func(marks string, args []any) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id IN (`+marks+`)`, args...); err != nil {
			return fmt.Errorf("undo a user another import created: %w", err)
		}
		return nil
	})
}
