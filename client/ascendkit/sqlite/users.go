package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
)

// LookupSourceIDs returns, for the given ids of source, the users they were
// imported or merged into; RunID is the run that recorded the id. Ids not
// found are absent from the map.
func (l *Local) LookupSourceIDs(ctx context.Context, source string, ids []string) (map[string]ascendkit.Match, error) {
	return lookupSourceIDs(ctx, preparedReads{l}, source, ids)
}

// The lookups pass their keys as one JSON array, so that their SQL text is
// the same whatever the number of keys: an "IN (?,?,…)" list of a new
// length each page was parsed and planned anew every time, which cost
// more than running it, and SQLite built a temporary index of the list
// before probing. CROSS JOIN keeps json_each the outer loop, one key probe
// per key, even while the table is empty or not analyzed. Keys JSON cannot
// carry byte for byte (see jsonSafe) are bound one by one as before.
// On the read pool these texts are prepared once (see preparedReads).
const (
	sourceIDsSQL = `SELECT s.source_id, s.user_id, s.run_id FROM json_each(?2) k
		CROSS JOIN import_sources s ON s.source = ?1 AND s.source_id = k.value`
	emailsSQL = `SELECT u.email, u.id, u.import_run, u.email_verified FROM json_each(?1) k
		CROSS JOIN users u ON u.email = k.value`
	// One query per provider (a source has a handful), so that each row
	// is a plain string: a [provider, id] pair per JSON value was parsed
	// again for each of its two fields.
	linksSQL = `SELECT o.provider, o.provider_user_id, u.id, u.import_run FROM json_each(?2) k
		CROSS JOIN oauth_links o ON o.provider = ?1 AND o.provider_user_id = k.value
		JOIN users u ON u.id = o.user_id`
)

// lookupStmts holds the lookups' statements, prepared on the read pool
// at first use; database/sql prepares each again on every connection of
// the pool that runs it, once.
type lookupStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (s *lookupStmts) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[query]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.m == nil {
		s.m = make(map[string]*sql.Stmt)
	}
	s.m[query] = st
	return st, nil
}

func (s *lookupStmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		st.Close()
	}
	s.m = nil
}

// preparedReads runs the lookups' fixed texts through their prepared
// statements and any other query on the read pool as it is.
type preparedReads struct{ l *Local }

func (p preparedReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	switch query {
	case sourceIDsSQL, emailsSQL, linksSQL, statesSQL:
		st, err := p.l.lookups.get(ctx, p.l.r, query)
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return p.l.r.QueryContext(ctx, query, args...)
}

// rowsQueryer is what the lookups need: *sql.DB, *sql.Tx or preparedReads.
type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func lookupSourceIDs(ctx context.Context, q rowsQueryer, source string, ids []string) (map[string]ascendkit.Match, error) {
	out := make(map[string]ascendkit.Match)
	if len(ids) == 0 {
		return out, nil
	}
	if err := lookupSourceIDsIn(ctx, q, source, ids, out); err != nil {
		return nil, fmt.Errorf("lookup source ids: %w", err)
	}
	return out, nil
}

func lookupSourceIDsIn(ctx context.Context, q rowsQueryer, source string, ids []string, out map[string]ascendkit.Match) error {
	// A repeated id is looked up twice, to the same answer.
	if keys, ok := jsonKeys(ids); ok {
		rows, err := q.QueryContext(ctx, sourceIDsSQL, source, keys)
		if err != nil {
			return err
		}
		return scanSourceIDs(rows, out)
	}
	return inChunks([]any{source}, rules.Uniq(ids), func(marks string, args []any) error {
		rows, err := q.QueryContext(ctx,
			`SELECT source_id, user_id, run_id FROM import_sources WHERE source = ? AND source_id IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		return scanSourceIDs(rows, out)
	})
}

func scanSourceIDs(rows *sql.Rows, out map[string]ascendkit.Match) error {
	for rows.Next() {
		var sid string
		var m ascendkit.Match
		if err := rows.Scan(&sid, &m.UserID, &m.RunID); err != nil {
			rows.Close()
			return err
		}
		out[sid] = m
	}
	return closeRows(rows)
}

// jsonKeys writes keys as a JSON array of strings for json_each; ok is
// false when one of them would not come back from it unchanged: with
// invalid UTF-8 (which an encoder would replace) or a control character
// (NUL would end the string inside SQLite).
func jsonKeys(keys []string) (string, bool) {
	n := 2
	for _, k := range keys {
		n += len(k) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		ascii := true
		for j := 0; j < len(k); j++ {
			switch c := k[j]; {
			case c < 0x20:
				return "", false
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			default:
				ascii = ascii && c < utf8.RuneSelf
				b = append(b, c)
			}
		}
		if !ascii && !utf8.ValidString(k) {
			return "", false
		}
		b = append(b, '"')
	}
	return string(append(b, ']')), true
}

// LookupEmails returns the users owning the given emails, keyed by the
// emails as given (compared case-insensitively). RunID is the import run
// that created the user ("" if it was not imported); EmailVerified is the
// user's email_verified.
func (l *Local) LookupEmails(ctx context.Context, emails []string) (map[string]ascendkit.Match, error) {
	return lookupEmails(ctx, preparedReads{l}, emails)
}

func lookupEmails(ctx context.Context, q rowsQueryer, emails []string) (map[string]ascendkit.Match, error) {
	out := make(map[string]ascendkit.Match)
	if len(emails) == 0 {
		return out, nil
	}
	// The importer's emails are normalised already: then each is its own
	// group, and grouping them (a map of slices) is skipped.
	norm, given := emails, map[string][]string(nil)
	if !normalEmails(emails) {
		norm, given = rules.GroupEmails(emails)
	}
	if err := lookupEmailsIn(ctx, q, norm, given, out); err != nil {
		return nil, fmt.Errorf("lookup emails: %w", err)
	}
	return out, nil
}

// normalEmails reports whether every email is ASCII and its own
// rules.NormEmail.
func normalEmails(emails []string) bool {
	for _, e := range emails {
		if !rules.IsNormASCIIEmail(e) {
			return false
		}
	}
	return true
}

func lookupEmailsIn(ctx context.Context, q rowsQueryer, norm []string, given map[string][]string, out map[string]ascendkit.Match) error {
	if keys, ok := jsonKeys(norm); ok {
		rows, err := q.QueryContext(ctx, emailsSQL, keys)
		if err != nil {
			return err
		}
		return scanEmails(rows, given, out)
	}
	return inChunks(nil, norm, func(marks string, args []any) error {
		rows, err := q.QueryContext(ctx,
			`SELECT email, id, import_run, email_verified FROM users WHERE email IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		return scanEmails(rows, given, out)
	})
}

// scanEmails maps each email found to the emails given for it (itself
// when given is nil).
func scanEmails(rows *sql.Rows, given map[string][]string, out map[string]ascendkit.Match) error {
	for rows.Next() {
		var e string
		var m ascendkit.Match
		if err := rows.Scan(&e, &m.UserID, &m.RunID, &m.EmailVerified); err != nil {
			rows.Close()
			return err
		}
		if given == nil {
			out[e] = m
		}
		for _, g := range given[e] {
			rules.PutEmailMatch(out, g, e, m)
		}
	}
	return closeRows(rows)
}

// LookupLinks implements Environment.
func (l *Local) LookupLinks(ctx context.Context, links []ascendkit.OAuthLink) (map[string]ascendkit.Match, error) {
	out := make(map[string]ascendkit.Match)
	if err := lookupLinks(ctx, preparedReads{l}, links, out); err != nil {
		return nil, fmt.Errorf("lookup links: %w", err)
	}
	return out, nil
}

func lookupLinks(ctx context.Context, q rowsQueryer, links []ascendkit.OAuthLink, out map[string]ascendkit.Match) error {
	var providers []string
	ids := map[string][]string{}
	for _, ln := range links {
		if _, ok := ids[ln.Provider]; !ok {
			providers = append(providers, ln.Provider)
		}
		ids[ln.Provider] = append(ids[ln.Provider], ln.ProviderUserID)
	}
	for _, p := range providers {
		keys, ok := jsonKeys(rules.Uniq(ids[p])) // the provider is bound as it is
		if !ok {
			return lookupLinksListed(ctx, q, links, out)
		}
		rows, err := q.QueryContext(ctx, linksSQL, p, keys)
		if err != nil {
			return err
		}
		if err := scanLinks(rows, out); err != nil {
			return err
		}
	}
	return nil
}

// lookupLinksListed is lookupLinks binding each pair, for links JSON
// cannot carry (see jsonSafe).
func lookupLinksListed(ctx context.Context, q rowsQueryer, links []ascendkit.OAuthLink, out map[string]ascendkit.Match) error {
	for len(links) > 0 {
		n := min(len(links), maxVars/2)
		chunk := links[:n]
		links = links[n:]
		args := make([]any, 0, 2*n)
		var rowsSQL strings.Builder
		for i, ln := range chunk {
			if i > 0 {
				rowsSQL.WriteString(",")
			}
			rowsSQL.WriteString("(?,?)")
			args = append(args, ln.Provider, ln.ProviderUserID)
		}
		rows, err := q.QueryContext(ctx, `SELECT o.provider, o.provider_user_id, u.id, u.import_run
			FROM oauth_links o JOIN users u ON u.id = o.user_id
			WHERE (o.provider, o.provider_user_id) IN (VALUES `+rowsSQL.String()+`)`, args...)
		if err != nil {
			return err
		}
		if err := scanLinks(rows, out); err != nil {
			return err
		}
	}
	return nil
}

func scanLinks(rows *sql.Rows, out map[string]ascendkit.Match) error {
	for rows.Next() {
		var p, id string
		var m ascendkit.Match
		if err := rows.Scan(&p, &id, &m.UserID, &m.RunID); err != nil {
			rows.Close()
			return err
		}
		out[ascendkit.LinkKey(p, id)] = m
	}
	return closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sourceKey is a user's (source, source id) import record.
type sourceKey = sqlstore.SourceKey

// ApplyImport writes one batch in a single transaction.
//
// A Create is skipped, and its SourceID listed in Existing, when its
// (Source, SourceID) is already recorded or repeated in the batch, or when
// a user with its email exists: a batch never fails on a duplicate. A Merge
// whose (Source, SourceID) is already recorded is skipped the same way; a
// Merge whose email matches no user (including users created earlier in
// the batch) is skipped silently. Creates run before merges.
//
// Created users that are not banned are enrolled into every active journey
// whose audience they join; merged users into those whose audience tag
// they newly gained. Enrollments start at the journey's entry, scheduled
// at now.
func (l *Local) ApplyImport(ctx context.Context, batch ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if err := rules.ValidateBatch(batch); err != nil {
		return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w", err)
	}
	if len(batch.Create) == 0 && len(batch.Merge) == 0 {
		return ascendkit.BatchResult{}, nil
	}
	shared, err := l.fullChunks(ctx)
	if err != nil {
		return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w", markBusy(err))
	}
	var res ascendkit.BatchResult
	err = l.write(ctx, func(tx *sql.Tx) error {
		res = ascendkit.BatchResult{}
		if err := l.CheckRunLive(ctx, sqlQuerier{tx}, batch.RunID); err != nil {
			return err
		}
		return applyImport(ctx, tx, shared, batch, now.UTC(), &res)
	})
	if err != nil {
		return ascendkit.BatchResult{}, fmt.Errorf("apply import: %w", err)
	}
	return res, nil
}

func applyImport(ctx context.Context, tx *sql.Tx, shared map[string]*sql.Stmt, batch ascendkit.ImportBatch, now time.Time, res *ascendkit.BatchResult) error {
	nowS := rules.FormatTime(now)
	journeys, err := sqlstore.ActiveJourneys(ctx, sqlQuerier{tx})
	if err != nil {
		return fmt.Errorf("active journeys: %w", err)
	}
	// seen holds the source ids recorded in this batch (or before it, for
	// merges), so a later Create or Merge of the same id is skipped.
	seen := make(map[sourceKey]bool, len(batch.Create)+len(batch.Merge))
	if err := createUsers(ctx, tx, shared, batch, nowS, now, journeys, seen, res); err != nil {
		return err
	}
	if len(batch.Merge) == 0 {
		return nil
	}

	// Merges are few (duplicates the user chose to merge), so they keep
	// one lookup of their source ids and per-row statements.
	err = sqlstore.RecordedMerges(ctx, batch.Merge, seen, func(ctx context.Context, source string, ids []string) (map[string]ascendkit.Match, error) {
		return lookupSourceIDs(ctx, tx, source, ids)
	})
	if err != nil {
		return err
	}
	st, err := prepareImport(ctx, tx)
	if err != nil {
		return err
	}
	defer st.close()
	return sqlstore.ApplyMerges(ctx, mergeTx{tx, st}, batch, seen, journeys, nowS, res)
}

// identityJSON snapshots the identity columns a merge may fill, as one
// JSON object (the before/after of a 'fields' merge record).
const identityJSON = `json_object('username', username, 'phone', phone, 'phone_verified', phone_verified,
	'external_id', external_id, 'secondary_emails', secondary_emails,
	'private_metadata', private_metadata, 'unsafe_metadata', unsafe_metadata)`
