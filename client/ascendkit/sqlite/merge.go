package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
)

// importStmts are the statements of a batch's merges, prepared once per
// transaction.
type importStmts struct {
	link, tag, source, other, enroll, findUser, setMeta, fill, fields, record *sql.Stmt
}

func prepareImport(ctx context.Context, tx *sql.Tx) (*importStmts, error) {
	var s importStmts
	var err error
	prep := func(dst **sql.Stmt, query string) {
		if err != nil {
			return
		}
		*dst, err = tx.PrepareContext(ctx, query)
	}
	prep(&s.link, `INSERT OR IGNORE INTO oauth_links (user_id, provider, provider_user_id, email) VALUES (?, ?, ?, ?)`)
	prep(&s.tag, `INSERT OR IGNORE INTO user_tags (user_id, tag) VALUES (?, ?)`)
	prep(&s.source, `INSERT OR IGNORE INTO import_sources (source, source_id, user_id, run_id) VALUES (?, ?, ?, ?)`)
	prep(&s.other, `SELECT COALESCE(MIN(source_id), '') FROM import_sources WHERE user_id = ? AND source = ? AND source_id <> ? AND run_id NOT IN (SELECT value FROM json_each(?)) AND source_id NOT IN (SELECT value FROM json_each(?))`)
	prep(&s.enroll, `INSERT OR IGNORE INTO enrollments (journey_id, user_id, status, current_node, enrolled_at, next_step_at)
		VALUES (?, ?, 'active', ?, ?, ?)`)
	prep(&s.findUser, `SELECT id, banned, metadata FROM users WHERE email = ?`)
	prep(&s.setMeta, `UPDATE users SET metadata = ? WHERE id = ?`)
	prep(&s.fields, `SELECT `+identityJSON+` FROM users WHERE id = ?`)
	// Prepared too: a merge records each link and tag it brings.
	// A second merge of the run into the same user moves the identity
	// record's after on (its before stays what was there first), so that
	// undo, which restores where the fields still read after, puts back
	// what both filled. Other records are kept as first made.
	prep(&s.record, `INSERT INTO import_merge_changes (run_id, user_id, kind, k1, k2, before, after)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, user_id, kind, k1, k2) DO UPDATE SET after = excluded.after WHERE excluded.kind = 'fields'`)
	// A merge never overwrites: each identity field is set only while the
	// existing user has none (phone and its verification move together).
	prep(&s.fill, `UPDATE users SET
		username         = CASE WHEN username = '' THEN ? ELSE username END,
		phone_verified   = CASE WHEN phone = '' AND ? <> '' THEN ? ELSE phone_verified END,
		phone            = CASE WHEN phone = '' THEN ? ELSE phone END,
		external_id      = CASE WHEN external_id = '' THEN ? ELSE external_id END,
		secondary_emails = CASE WHEN secondary_emails IN ('', '[]', 'null') THEN ? ELSE secondary_emails END,
		private_metadata = CASE WHEN private_metadata IN ('', '{}', 'null') THEN ? ELSE private_metadata END,
		unsafe_metadata  = CASE WHEN unsafe_metadata IN ('', '{}', 'null') THEN ? ELSE unsafe_metadata END
		WHERE id = ?`)
	if err != nil {
		s.close()
		return nil, err
	}
	return &s, nil
}

func (s *importStmts) close() {
	for _, st := range []*sql.Stmt{s.link, s.tag, s.source, s.other, s.enroll, s.findUser, s.setMeta, s.fill, s.fields, s.record} {
		if st != nil {
			st.Close()
		}
	}
}

// mergeTx is SQLite's sqlstore.MergeTx: the batch's prepared statements.
// FindUser takes no lock: the write transaction excludes other writers.
type mergeTx struct {
	tx *sql.Tx
	st *importStmts
}

func (m mergeTx) FindUser(ctx context.Context, email string) (id string, banned bool, meta string, ok bool, err error) {
	err = m.st.findUser.QueryRowContext(ctx, email).Scan(&id, &banned, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, "", false, nil
	}
	return id, banned, meta, err == nil, err
}

func (m mergeTx) OtherSource(ctx context.Context, userID, source, sourceID string, runs, own []string) (other string, err error) {
	runList, ok := jsonKeys(runs)
	ownList, ownOK := jsonKeys(own)
	if ok && ownOK {
		err = m.st.other.QueryRowContext(ctx, userID, source, sourceID, runList, ownList).Scan(&other)
		return other, err
	}
	// An id json_each would not give back unchanged: bound one by one
	// (the lists are a merge's few runs and ids).
	args := []any{userID, source, sourceID}
	for _, k := range append(slices.Clone(runs), own...) {
		args = append(args, k)
	}
	err = m.tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(source_id), '') FROM import_sources WHERE user_id = ? AND source = ? AND source_id <> ?
		AND run_id NOT IN (`+placeholders(len(runs))+`) AND source_id NOT IN (`+placeholders(len(own))+`)`, args...).Scan(&other)
	return other, err
}

func (m mergeTx) AddSource(ctx context.Context, source, sourceID, userID, runID string) (bool, error) {
	return wrote(m.st.source.ExecContext(ctx, source, sourceID, userID, runID))
}

func (m mergeTx) AddLink(ctx context.Context, userID string, ln ascendkit.OAuthLink) (bool, error) {
	return wrote(m.st.link.ExecContext(ctx, userID, ln.Provider, ln.ProviderUserID, ln.Email))
}

func (m mergeTx) AddTag(ctx context.Context, userID, tag string) (bool, error) {
	return wrote(m.st.tag.ExecContext(ctx, userID, tag))
}

func (m mergeTx) SetMetadata(ctx context.Context, userID, metadata string) error {
	_, err := m.st.setMeta.ExecContext(ctx, metadata, userID)
	return err
}

func (m mergeTx) FillIdentity(ctx context.Context, userID string, f *ascendkit.User, ident rules.Identity) (before, after string, err error) {
	if err := m.st.fields.QueryRowContext(ctx, userID).Scan(&before); err != nil {
		return "", "", err
	}
	if _, err := m.st.fill.ExecContext(ctx, f.Username, f.Phone, boolInt(f.PhoneVerified), f.Phone,
		f.ExternalID, ident.Secondary, ident.Private, ident.Unsafe, userID); err != nil {
		return "", "", err
	}
	if err := m.st.fields.QueryRowContext(ctx, userID).Scan(&after); err != nil {
		return "", "", err
	}
	return before, after, nil
}

func (m mergeTx) Enroll(ctx context.Context, j sqlstore.ActiveJourney, userID, now string) (bool, error) {
	return wrote(m.st.enroll.ExecContext(ctx, j.ID, userID, j.Entry, now, now))
}

func (m mergeTx) Record(ctx context.Context, runID, userID, kind, k1, k2 string, before, after any) error {
	_, err := m.st.record.ExecContext(ctx, runID, userID, kind, k1, k2, before, after)
	return err
}

// wrote reports whether an insert wrote its row.
func wrote(r sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n > 0, err
}
