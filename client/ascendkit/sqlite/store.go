package sqlite

import (
	"context"
	"database/sql"

	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
)

// dialect is SQLite's side of the SQL the shared store runs. Row locks
// are not needed: every write transaction is BEGIN IMMEDIATE on the one
// write connection, so it excludes every other writer.
var dialect = sqlstore.Dialect{
	Btrim: "trim",
	// The text from before the merge when nothing changed metadata since
	// and the run merged into the user once; sqlstore undoes the others
	// (see undoMetadata).
	UndoMetadata: `UPDATE users SET metadata = c.before
		FROM import_merge_changes c
		WHERE c.run_id = $1 AND c.kind = 'meta' AND c.user_id = users.id AND c.after = users.metadata
			AND NOT EXISTS (SELECT 1 FROM import_merge_changes d
				WHERE d.run_id = $1 AND d.kind = 'meta' AND d.user_id = c.user_id AND d.k1 <> c.k1)`,
	// What was there before the merge, unless someone changed the
	// fields since (then they are theirs to keep).
	UndoIdentity: `UPDATE users SET
			username         = json_extract(c.before, '$.username'),
			phone            = json_extract(c.before, '$.phone'),
			phone_verified   = json_extract(c.before, '$.phone_verified'),
			external_id      = json_extract(c.before, '$.external_id'),
			secondary_emails = json_extract(c.before, '$.secondary_emails'),
			private_metadata = json_extract(c.before, '$.private_metadata'),
			unsafe_metadata  = json_extract(c.before, '$.unsafe_metadata')
		FROM import_merge_changes c
		WHERE c.run_id = $1 AND c.kind = 'fields' AND c.user_id = users.id
			AND c.after = ` + identityJSON,
	UserTags: `(SELECT json_group_array(tag) FROM (SELECT tag FROM user_tags WHERE user_id = u.id ORDER BY tag))`,
	UserLinks: `(SELECT json_group_array(json_object('provider', provider, 'providerUserId', provider_user_id, 'email', email))
		FROM (SELECT provider, provider_user_id, email FROM oauth_links WHERE user_id = u.id ORDER BY provider, provider_user_id))`,
}

// newStore returns the shared store over l: reads on the read-only pool,
// writes through l.write.
func newStore(l *Local) *sqlstore.Store { return sqlstore.New(storeDB{sqlQuerier{l.r}, l}, dialect) }

// sqlQuerier adapts a *sql.DB or *sql.Tx to sqlstore.Querier.
type sqlQuerier struct{ q queryer }

func (s sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := s.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s sqlQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err // not a nil *sql.Rows in a non-nil interface
	}
	return rows, nil
}

func (s sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return s.q.QueryRowContext(ctx, query, args...)
}

// storeDB is the sqlstore.DB of a Local.
type storeDB struct {
	sqlQuerier
	l *Local
}

func (d storeDB) Write(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	return d.l.write(ctx, func(tx *sql.Tx) error { return fn(sqlQuerier{tx}) })
}

func (d storeDB) Snapshot(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	tx, err := d.l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(sqlQuerier{tx})
}
