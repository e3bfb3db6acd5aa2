package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// freshPlan runs a lookup as an unnamed statement, planned for its
// arguments each time: a cached generic plan for "= ANY($1)", made while
// the tables were small (a sequential scan), would stay as they grow and
// make an import quadratic.
const freshPlan = pgx.QueryExecModeExec

// querier is what reads need from the pool and from a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// LookupSourceIDs implements ascendkit.Environment.
func (e *Env) LookupSourceIDs(ctx context.Context, source string, ids []string) (map[string]ascendkit.Match, error) {
	out, err := lookupSourceIDs(ctx, e.pool, source, ids)
	if err != nil {
		return nil, fmt.Errorf("lookup source ids: %w", lockTimedOut(err))
	}
	return out, nil
}

func lookupSourceIDs(ctx context.Context, q querier, source string, ids []string) (map[string]ascendkit.Match, error) {
	out := make(map[string]ascendkit.Match)
	if len(ids) == 0 {
		return out, nil
	}
	// One primary-key probe per id. "source = $1 AND source_id = ANY($2)",
	// or a join the planner may flatten, lets it scan every row of the
	// source instead while it has no statistics (the tables an import
	// fills are not analyzed during it), making an import quadratic.
	// OFFSET 0 keeps the lateral subquery a per-id probe.
	rows, err := q.Query(ctx, `SELECT s.source_id, s.user_id, s.run_id FROM unnest($2::text[]) AS k (id)
		CROSS JOIN LATERAL (SELECT source_id, user_id, run_id FROM import_sources
			WHERE source = $1 AND source_id = k.id OFFSET 0) s`,
		freshPlan, source, rules.Uniq(ids))
	if err != nil {
		return nil, err
	}
	var sid string
	var m ascendkit.Match
	_, err = pgx.ForEachRow(rows, []any{&sid, &m.UserID, &m.RunID}, func() error {
		out[sid] = m
		return nil
	})
	return out, err
}

// LookupEmails implements ascendkit.Environment: keys are the emails as
// given, compared after normalisation, with the user's email_verified.
func (e *Env) LookupEmails(ctx context.Context, emails []string) (map[string]ascendkit.Match, error) {
	out, err := lookupEmails(ctx, e.pool, emails)
	if err != nil {
		return nil, fmt.Errorf("lookup emails: %w", lockTimedOut(err))
	}
	return out, nil
}

func lookupEmails(ctx context.Context, q querier, emails []string) (map[string]ascendkit.Match, error) {
	out := make(map[string]ascendkit.Match)
	if len(emails) == 0 {
		return out, nil
	}
	normed, given := rules.GroupEmails(emails)
	// Key probes, as in lookupSourceIDs: "email = ANY($1)" took a bitmap
	// scan of the whole array each page, about a third more server time.
	rows, err := q.Query(ctx, `SELECT u.email, u.id, u.import_run, u.email_verified FROM unnest($1::text[]) AS k (e)
		CROSS JOIN LATERAL (SELECT email, id, import_run, email_verified FROM users WHERE email = k.e OFFSET 0) u`, freshPlan, normed)
	if err != nil {
		return nil, err
	}
	var em string
	var m ascendkit.Match
	_, err = pgx.ForEachRow(rows, []any{&em, &m.UserID, &m.RunID, &m.EmailVerified}, func() error {
		for _, g := range given[em] {
			rules.PutEmailMatch(out, g, em, m)
		}
		return nil
	})
	return out, err
}

// LookupLinks implements ascendkit.Environment.
func (e *Env) LookupLinks(ctx context.Context, links []ascendkit.OAuthLink) (map[string]ascendkit.Match, error) {
	out := make(map[string]ascendkit.Match)
	if len(links) == 0 {
		return out, nil
	}
	providers := make([]string, len(links))
	pids := make([]string, len(links))
	for i, l := range links {
		providers[i], pids[i] = l.Provider, l.ProviderUserID
	}
	// Key probes, as in lookupSourceIDs: not a hash join over every link
	// and user, which is what the planner picks while it has no statistics.
	rows, err := e.pool.Query(ctx, `SELECT l.provider, l.provider_user_id, l.id, l.import_run
		FROM (SELECT DISTINCT p, i FROM unnest($1::text[], $2::text[]) AS k (p, i)) k
		CROSS JOIN LATERAL (SELECT o.provider, o.provider_user_id, u.id, u.import_run
			FROM oauth_links o JOIN users u ON u.id = o.user_id
			WHERE o.provider = k.p AND o.provider_user_id = k.i OFFSET 0) l`, freshPlan, providers, pids)
	if err != nil {
		return nil, fmt.Errorf("lookup links: %w", lockTimedOut(err))
	}
	var p, id string
	var m ascendkit.Match
	if _, err := pgx.ForEachRow(rows, []any{&p, &id, &m.UserID, &m.RunID}, func() error {
		out[ascendkit.LinkKey(p, id)] = m
		return nil
	}); err != nil {
		return nil, fmt.Errorf("lookup links: %w", lockTimedOut(err))
	}
	return out, nil
}

// ApplyImport writes one batch in a single transaction, with the same
// rules as the SQLite backend (see its ApplyImport). Concurrent writers are
// settled by the database: a user, source id or OAuth link another writer
// committed first is skipped through ON CONFLICT DO NOTHING, and the
// skipped creates are listed in Existing.
func (e *Env) ApplyImport(ctx context.Context, batch ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if err := rules.ValidateBatch(batch); err != nil {
		return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w", err)
	}
	if len(batch.Create) == 0 && len(batch.Merge) == 0 {
		return ascendkit.BatchResult{}, nil
	}
	var res ascendkit.BatchResult
	err := e.write(ctx, func(tx pgx.Tx) error {
		res = ascendkit.BatchResult{}
		if err := e.CheckRunLive(ctx, pgQuerier{tx}, batch.RunID); err != nil {
			return err
		}
		return applyImport(ctx, tx, batch, now.UTC(), &res)
	})
	if err != nil {
		return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w", err)
	}
	return res, nil
}

// sourceKey is a user's (source, source id) import record.
type sourceKey = sqlstore.SourceKey

// newUser is a create that passed the lookups, with its stored values.
type newUser struct {
	c     *ascendkit.ImportedUser
	id    string
	email string
	tags  []string
}

func applyImport(ctx context.Context, tx pgx.Tx, batch ascendkit.ImportBatch, now time.Time, res *ascendkit.BatchResult) error {
	nowS := rules.FormatTime(now)

	// Journeys are locked in SHARE mode for the transaction: imports do not
	// block each other, but a journey being activated (or created active)
	// waits for in-flight imports, and an import for the activation, so
	// that activation's backfill sees every user an import committed and
	// an import sees every journey activated before it.
	if _, err := tx.Exec(ctx, `LOCK TABLE journeys IN SHARE MODE`); err != nil {
		return fmt.Errorf("lock journeys: %w", err)
	}
	journeys, err := sqlstore.ActiveJourneys(ctx, pgQuerier{tx})
	if err != nil {
		return fmt.Errorf("active journeys: %w", err)
	}

	// Creates are not looked up first: the unique constraints skip a user
	// whose email or source id is taken, whoever took it and when (the
	// importer has looked them up before the batch, so such collisions
	// are rare). Repeats within the batch are dropped here, first wins.
	// Merges are looked up, as a merge whose source id is recorded is
	// reported existing even when its email matches nobody.
	seen := make(map[sourceKey]bool)
	err = sqlstore.RecordedMerges(ctx, batch.Merge, seen, func(ctx context.Context, source string, ids []string) (map[string]ascendkit.Match, error) {
		return lookupSourceIDs(ctx, tx, source, ids)
	})
	if err != nil {
		return err
	}
	emails := make([]string, len(batch.Create))
	for i, c := range batch.Create {
		emails[i] = rules.NormEmail(c.User.Email)
	}
	taken := make(map[string]bool, len(emails))
	// A source id is seen (merges of it are reported existing) once its
	// create is made, as in SQLite: a create the database drops leaves a
	// merge of the same id free to find the email's owner.
	repeated := make(map[sourceKey]bool, len(batch.Create))

	var users []newUser
	for i := range batch.Create {
		c := &batch.Create[i]
		key := sourceKey{Source: c.Source, ID: c.SourceID}
		if seen[key] || repeated[key] || taken[emails[i]] {
			continue
		}
		repeated[key] = true
		taken[emails[i]] = true
		id := c.User.ID
		if id == "" {
			id = rules.NewID(rules.PrefixUser)
		}
		users = append(users, newUser{c: c, id: id, email: emails[i], tags: rules.CleanTags(c.User.Tags)})
	}
	if len(users) > 0 {
		if users, err = insertUsers(ctx, tx, users, batch.RunID, now); err != nil {
			return err
		}
	}
	// Existing lists, in batch order, the creates that were not made.
	made := make(map[*ascendkit.ImportedUser]bool, len(users))
	for _, nu := range users {
		made[nu.c] = true
		seen[sourceKey{Source: nu.c.Source, ID: nu.c.SourceID}] = true
	}
	for i := range batch.Create {
		if !made[&batch.Create[i]] {
			res.Existing = append(res.Existing, batch.Create[i].SourceID)
		}
	}
	if len(users) > 0 {
		if err := insertUserRows(ctx, tx, users, journeys, nowS, res); err != nil {
			return err
		}
	}
	res.Created = len(users)

	return sqlstore.ApplyMerges(ctx, mergeTx{tx}, batch, seen, journeys, nowS, res)
}

// insertUsers inserts the users and their import records by COPY or, when
// a key is taken, in two multi-row statements. A user whose email or
// source id is already taken (by an earlier import or a concurrent
// writer) is skipped, its row removed again. It returns the users that
// were created.
func insertUsers(ctx context.Context, tx pgx.Tx, users []newUser, runID string, now time.Time) ([]newUser, error) {
	// Rows go in email order so that two writers inserting overlapping
	// emails take their index locks in the same order and cannot deadlock
	// on them.
	order := slices.Clone(users)
	slices.SortFunc(order, func(a, b newUser) int { return strings.Compare(a.email, b.email) })
	n := len(order)
	var (
		ids, emails, names, images, created, metas, usernames, phones, externals = mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n)
		secondaries, privates, unsafes                                           = mk(n), mk(n), mk(n)
		verified, banned, phoneVerified, locked                                  = make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n)
		lastLogin                                                                = make([]*string, n)
	)
	for i, nu := range order {
		u := &nu.c.User
		ct := u.CreatedAt
		if ct.IsZero() {
			ct = now
		}
		meta, err := rules.MarshalObject(u.Metadata)
		if err != nil {
			return nil, fmt.Errorf("user %s metadata: %w", nu.c.SourceID, err)
		}
		ident, err := rules.IdentityArgs(u)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", nu.c.SourceID, err)
		}
		ids[i], emails[i], names[i], images[i], created[i], metas[i] = nu.id, nu.email, u.Name, u.Image, rules.FormatTime(ct), meta
		usernames[i], phones[i], externals[i] = u.Username, u.Phone, u.ExternalID
		secondaries[i], privates[i], unsafes[i] = ident.Secondary, ident.Private, ident.Unsafe
		verified[i], banned[i], phoneVerified[i], locked[i] = u.EmailVerified, u.Banned, u.PhoneVerified, u.Locked
		if u.LastLoginAt != nil {
			s := rules.FormatTime(*u.LastLoginAt)
			lastLogin[i] = &s
		}
	}
	// The importer looked every create up before the batch, so they are
	// almost always new: COPY the users and their import records, and
	// only when a unique key is taken (by an earlier import, a concurrent
	// writer or a repeat in the batch) take the row-by-row path below.
	nowS := rules.FormatTime(now)
	copied, err := copyNew(ctx, tx,
		copySpec{"users", []string{"id", "email", "name", "image", "email_verified", "created_at", "last_login_at", "metadata", "banned",
			"import_run", "inserted_at", "username", "phone", "phone_verified", "external_id", "secondary_emails", "private_metadata", "unsafe_metadata", "locked"},
			n, func(i int, w *copyRow) {
				w.text(ids[i])
				w.text(emails[i])
				w.text(names[i])
				w.text(images[i])
				w.boolean(verified[i])
				w.text(created[i])
				w.textOrNull(lastLogin[i])
				w.text(metas[i])
				w.boolean(banned[i])
				w.text(runID)
				w.text(nowS)
				w.text(usernames[i])
				w.text(phones[i])
				w.boolean(phoneVerified[i])
				w.text(externals[i])
				w.text(secondaries[i])
				w.text(privates[i])
				w.text(unsafes[i])
				w.boolean(locked[i])
			}},
		copySpec{"import_sources", []string{"source", "source_id", "user_id", "run_id"},
			n, func(i int, w *copyRow) {
				w.text(order[i].c.Source)
				w.text(order[i].c.SourceID)
				w.text(ids[i])
				w.text(runID)
			}})
	if err != nil {
		return nil, err
	}
	if copied {
		return users, nil
	}
	ok, err := returnedIDs(tx.Query(ctx, `INSERT INTO users (id, email, name, image, email_verified, created_at, last_login_at, metadata, banned,
			import_run, inserted_at, username, phone, phone_verified, external_id, secondary_emails, private_metadata, unsafe_metadata, locked)
		SELECT id, email, name, image, ev, ca, ll, md, b, $14, $15, un, ph, pv, ex, se, pm, um, lk
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::bool[],
			$10::text[], $11::text[], $12::bool[], $13::text[], $16::text[], $17::text[], $18::text[], $19::bool[])
			AS t (id, email, name, image, ev, ca, ll, md, b, un, ph, pv, ex, se, pm, um, lk)
		ON CONFLICT DO NOTHING
		RETURNING id`,
		ids, emails, names, images, verified, created, lastLogin, metas, banned,
		usernames, phones, phoneVerified, externals, runID, nowS, secondaries, privates, unsafes, locked))
	if err != nil {
		return nil, fmt.Errorf("insert users: %w", err)
	}

	var srcs, sids, uids []string
	for _, nu := range order {
		if ok[nu.id] {
			srcs, sids, uids = append(srcs, nu.c.Source), append(sids, nu.c.SourceID), append(uids, nu.id)
		}
	}
	if len(uids) > 0 {
		has, err := returnedIDs(tx.Query(ctx, `INSERT INTO import_sources (source, source_id, user_id, run_id)
			SELECT s, i, u, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t (s, i, u)
			ON CONFLICT DO NOTHING RETURNING user_id`, srcs, sids, uids, runID))
		if err != nil {
			return nil, fmt.Errorf("insert import records: %w", err)
		}
		var lost []string
		for _, id := range uids {
			if !has[id] {
				lost = append(lost, id)
				delete(ok, id)
			}
		}
		// Another writer recorded these source ids for other users first:
		// the users this batch made for them go again.
		if len(lost) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ANY($1)`, lost); err != nil {
				return nil, fmt.Errorf("drop duplicate users: %w", err)
			}
		}
	}
	out := users[:0:0]
	for _, nu := range users {
		if ok[nu.id] {
			out = append(out, nu)
		}
	}
	return out, nil
}

func mk(n int) []string { return make([]string, n) }

// returnedIDs is the set of ids an INSERT … RETURNING wrote.
func returnedIDs(rows pgx.Rows, err error) (map[string]bool, error) {
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// uniqueViolation is PostgreSQL's SQLSTATE unique_violation.
const uniqueViolation = "23505"

// copyNew COPYs rows that are expected to take no unique key, all of them
// or none: it reports false, with nothing written, when one is taken, so
// that the caller can write them again through ON CONFLICT DO NOTHING.
// COPY skips the per-row conflict checks, which cost about as much as the
// insert itself.
func copyNew(ctx context.Context, tx pgx.Tx, copies ...copySpec) (bool, error) {
	sp, err := tx.Begin(ctx) // a savepoint
	if err != nil {
		return false, err
	}
	for _, c := range copies {
		if _, err := copyText(ctx, sp, c); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == uniqueViolation {
				if err := sp.Rollback(ctx); err != nil {
					return false, fmt.Errorf("copy %s: %w", c.table, err)
				}
				return false, nil
			}
			return false, fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	if err := sp.Commit(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// insertUserRows writes the links, tags, events, passwords and
// enrollments of users created in this transaction. Rows keyed by the new
// users alone cannot conflict with anyone, so they go through COPY; links
// are global and fall back to ON CONFLICT DO NOTHING when one is taken.
func insertUserRows(ctx context.Context, tx pgx.Tx, users []newUser, journeys []sqlstore.ActiveJourney, nowS string, res *ascendkit.BatchResult) error {
	var lu, lp, lpid, le []string
	// Most users have two tags and two events.
	tagUser, tagName := make([]string, 0, 2*len(users)), make([]string, 0, 2*len(users))
	evID, evType, evUser, evPayload := make([]string, 0, 2*len(users)), make([]string, 0, 2*len(users)), make([]string, 0, 2*len(users)), make([]string, 0, 2*len(users))
	var pwUser, pwHasher, pwDigest []string
	var enJourney, enUser, enEntry []string
	for i := range users {
		nu := &users[i]
		u := &nu.c.User
		for _, ln := range u.OAuthLinks {
			lu, lp, lpid, le = append(lu, nu.id), append(lp, ln.Provider), append(lpid, ln.ProviderUserID), append(le, rules.NormEmail(ln.Email))
		}
		for _, t := range nu.tags {
			tagUser, tagName = append(tagUser, nu.id), append(tagName, t)
		}
		for _, ev := range nu.c.Events {
			payload, err := rules.MarshalObject(ev.Payload)
			if err != nil {
				return fmt.Errorf("event %s of %s: %w", ev.Type, nu.c.SourceID, err)
			}
			evID, evType, evUser, evPayload = append(evID, rules.NewID(rules.PrefixEvent)), append(evType, ev.Type), append(evUser, nu.id), append(evPayload, payload)
		}
		if p := nu.c.Password; p != nil && p.Hasher != "" {
			pwUser, pwHasher, pwDigest = append(pwUser, nu.id), append(pwHasher, p.Hasher), append(pwDigest, string(p.Digest))
		}
		if !u.Banned {
			for _, j := range journeys {
				if j.Tag == "" || slices.Contains(nu.tags, j.Tag) {
					enJourney, enUser, enEntry = append(enJourney, j.ID), append(enUser, nu.id), append(enEntry, j.Entry)
				}
			}
		}
	}
	copied := false
	if len(lu) > 0 {
		// Links are global keys another user may hold: COPY them, and on a
		// taken one insert them again skipping those.
		var err error
		copied, err = copyNew(ctx, tx, copySpec{"oauth_links", []string{"user_id", "provider", "provider_user_id", "email"},
			len(lu), func(i int, w *copyRow) { w.text(lu[i]); w.text(lp[i]); w.text(lpid[i]); w.text(le[i]) }})
		if err != nil {
			return err
		}
		if copied {
			res.Links += len(lu)
		}
	}
	if len(lu) > 0 && !copied {
		tag, err := tx.Exec(ctx, `INSERT INTO oauth_links (user_id, provider, provider_user_id, email)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`, lu, lp, lpid, le)
		if err != nil {
			return fmt.Errorf("insert links: %w", err)
		}
		if n := int(tag.RowsAffected()); n < len(lu) {
			return rules.LinksTaken(len(lu) - n)
		}
		res.Links += len(lu)
	}
	copies := []copySpec{
		{"user_tags", []string{"user_id", "tag"},
			len(tagUser), func(i int, w *copyRow) { w.text(tagUser[i]); w.text(tagName[i]) }},
		{"events", []string{"id", "type", "user_id", "payload", "created_at"},
			len(evID), func(i int, w *copyRow) {
				w.text(evID[i])
				w.text(evType[i])
				w.text(evUser[i])
				w.text(evPayload[i])
				w.text(nowS)
			}},
		{"user_passwords", []string{"user_id", "hasher", "digest"},
			len(pwUser), func(i int, w *copyRow) { w.text(pwUser[i]); w.text(pwHasher[i]); w.text(pwDigest[i]) }},
		{"enrollments", []string{"journey_id", "user_id", "status", "current_node", "enrolled_at", "next_step_at"},
			len(enJourney), func(i int, w *copyRow) {
				w.text(enJourney[i])
				w.text(enUser[i])
				w.text("active")
				w.text(enEntry[i])
				w.text(nowS)
				w.text(nowS)
			}},
	}
	for _, c := range copies {
		if c.n == 0 {
			continue
		}
		if _, err := copyText(ctx, tx, c); err != nil {
			// Never the row values: they may hold a password digest.
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	res.Events += len(evID)
	res.Enrolled += len(enJourney)
	return nil
}

// identityJSON snapshots the identity columns a merge may fill, as one
// JSON object (the before/after of a 'fields' merge record).
const identityJSON = `json_build_object('username', username, 'phone', phone, 'phone_verified', phone_verified,
	'external_id', external_id, 'secondary_emails', secondary_emails,
	'private_metadata', private_metadata, 'unsafe_metadata', unsafe_metadata)::text`

// mergeTx is PostgreSQL's sqlstore.MergeTx. Writers run concurrently:
// FindUser locks the user row, and the inserts skip a row another writer
// committed first.
type mergeTx struct{ tx pgx.Tx }

func (m mergeTx) FindUser(ctx context.Context, email string) (id string, banned bool, meta string, ok bool, err error) {
	err = m.tx.QueryRow(ctx, `SELECT id, banned, metadata FROM users WHERE email = $1 FOR UPDATE`, email).Scan(&id, &banned, &meta)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, "", false, nil
	}
	return id, banned, meta, err == nil, err
}

// OtherSource reads committed rows: FindUser's row lock has made a
// concurrent merge into the user wait for, and see, this one's commit.
func (m mergeTx) OtherSource(ctx context.Context, userID, source, sourceID string, runs, own []string) (other string, err error) {
	if own == nil {
		own = []string{} // an empty array, not NULL (<> ALL(NULL) is NULL)
	}
	err = m.tx.QueryRow(ctx, `SELECT COALESCE(MIN(source_id), '') FROM import_sources WHERE user_id = $1 AND source = $2 AND source_id <> $3 AND run_id <> ALL($4::text[]) AND source_id <> ALL($5::text[])`,
		userID, source, sourceID, runs, own).Scan(&other)
	return other, err
}

func (m mergeTx) AddSource(ctx context.Context, source, sourceID, userID, runID string) (bool, error) {
	return wrote(m.tx.Exec(ctx, `INSERT INTO import_sources (source, source_id, user_id, run_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		source, sourceID, userID, runID))
}

func (m mergeTx) AddLink(ctx context.Context, userID string, ln ascendkit.OAuthLink) (bool, error) {
	return wrote(m.tx.Exec(ctx, `INSERT INTO oauth_links (user_id, provider, provider_user_id, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		userID, ln.Provider, ln.ProviderUserID, ln.Email))
}

func (m mergeTx) AddTag(ctx context.Context, userID, tag string) (bool, error) {
	return wrote(m.tx.Exec(ctx, `INSERT INTO user_tags (user_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, tag))
}

func (m mergeTx) SetMetadata(ctx context.Context, userID, metadata string) error {
	_, err := m.tx.Exec(ctx, `UPDATE users SET metadata = $1 WHERE id = $2`, metadata, userID)
	return err
}

// FillIdentity snapshots the identity columns before and after in the
// one UPDATE.
func (m mergeTx) FillIdentity(ctx context.Context, userID string, f *ascendkit.User, ident rules.Identity) (before, after string, err error) {
	err = m.tx.QueryRow(ctx, `WITH old AS (SELECT `+identityJSON+` AS j FROM users WHERE id = $9)
		UPDATE users SET
		username         = CASE WHEN username = '' THEN $1 ELSE username END,
		phone_verified   = CASE WHEN phone = '' AND $2 <> '' THEN $3 ELSE phone_verified END,
		phone            = CASE WHEN phone = '' THEN $2 ELSE phone END,
		external_id      = CASE WHEN external_id = '' THEN $4 ELSE external_id END,
		secondary_emails = CASE WHEN secondary_emails IN ('', '[]', 'null') THEN $5 ELSE secondary_emails END,
		private_metadata = CASE WHEN private_metadata IN ('', '{}', 'null') THEN $6 ELSE private_metadata END,
		unsafe_metadata  = CASE WHEN unsafe_metadata IN ('', '{}', 'null') THEN $7 ELSE unsafe_metadata END
		WHERE id = $8
		RETURNING (SELECT j FROM old), `+identityJSON,
		f.Username, f.Phone, f.PhoneVerified, f.ExternalID, ident.Secondary, ident.Private, ident.Unsafe, userID, userID).
		Scan(&before, &after)
	return before, after, err
}

func (m mergeTx) Enroll(ctx context.Context, j sqlstore.ActiveJourney, userID, now string) (bool, error) {
	return wrote(m.tx.Exec(ctx, `INSERT INTO enrollments (journey_id, user_id, status, current_node, enrolled_at, next_step_at)
		VALUES ($1, $2, 'active', $3, $4, $4) ON CONFLICT DO NOTHING`, j.ID, userID, j.Entry, now))
}

func (m mergeTx) Record(ctx context.Context, runID, userID, kind, k1, k2 string, before, after any) error {
	// As in SQLite: a second merge of the run into the same user moves
	// the identity record's after on; other records stay as first made.
	_, err := m.tx.Exec(ctx, `INSERT INTO import_merge_changes (run_id, user_id, kind, k1, k2, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (run_id, user_id, kind, k1, k2) DO UPDATE SET after = EXCLUDED.after WHERE EXCLUDED.kind = 'fields'`,
		runID, userID, kind, k1, k2, before, after)
	return err
}

// wrote reports whether an insert wrote its row.
func wrote(tag pgconn.CommandTag, err error) (bool, error) {
	return err == nil && tag.RowsAffected() > 0, err
}
