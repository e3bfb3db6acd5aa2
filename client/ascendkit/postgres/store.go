package postgres

import (
	"context"

	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// dialect is PostgreSQL's side of the SQL the shared store runs: writers
// run concurrently, so rows a transaction goes on to change are locked.
var dialect = sqlstore.Dialect{
	Btrim:      "btrim",
	ForUpdate:  " FOR UPDATE",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	NoWait:     `SET LOCAL lock_timeout = '100ms'`,
	// SHARE ROW EXCLUSIVE: conflicts with the INSERT of StartRun (and
	// with itself), not with a batch's FOR UPDATE of its own run row.
	LockRuns: `LOCK TABLE import_runs IN SHARE ROW EXCLUSIVE MODE`,
	// A sort is then priced out, not forbidden: the index walk is chosen
	// whenever there is one (100k users, unanalyzed: 126 ms a page with a
	// sort of the rest, 3 ms walking the primary key).
	KeysetScan: `SET LOCAL enable_sort = off`,
	// The text from before the merge when nothing changed metadata since
	// and the run merged into the user once; sqlstore undoes the others
	// (see undoMetadata).
	UndoMetadata: `UPDATE users SET metadata = c.before
		FROM import_merge_changes c
		WHERE c.run_id = $1 AND c.kind = 'meta' AND c.user_id = users.id AND c.after = users.metadata
			AND NOT EXISTS (SELECT 1 FROM import_merge_changes d
				WHERE d.run_id = $1 AND d.kind = 'meta' AND d.user_id = c.user_id AND d.k1 <> c.k1)`,
	// What was there before the merge, unless someone changed the fields
	// since (then they are theirs to keep).
	UndoIdentity: `UPDATE users SET
			username         = c.before::json->>'username',
			phone            = c.before::json->>'phone',
			phone_verified   = (c.before::json->>'phone_verified')::boolean,
			external_id      = c.before::json->>'external_id',
			secondary_emails = c.before::json->>'secondary_emails',
			private_metadata = c.before::json->>'private_metadata',
			unsafe_metadata  = c.before::json->>'unsafe_metadata'
		FROM import_merge_changes c
		WHERE c.run_id = $1 AND c.kind = 'fields' AND c.user_id = users.id
			AND c.after = ` + qualifiedIdentityJSON,
	UserTags: `COALESCE((SELECT json_agg(tag ORDER BY tag) FROM user_tags WHERE user_id = u.id), '[]')::text`,
	UserLinks: `COALESCE((SELECT json_agg(json_build_object('provider', provider, 'providerUserId', provider_user_id, 'email', email)
		ORDER BY provider, provider_user_id) FROM oauth_links WHERE user_id = u.id), '[]')::text`,
}

// qualifiedIdentityJSON is identityJSON over the users row of an UPDATE …
// FROM, whose column names the merge record table shares none of.
const qualifiedIdentityJSON = `json_build_object('username', users.username, 'phone', users.phone, 'phone_verified', users.phone_verified,
	'external_id', users.external_id, 'secondary_emails', users.secondary_emails,
	'private_metadata', users.private_metadata, 'unsafe_metadata', users.unsafe_metadata)::text`

// newStore returns the shared store over e: reads on the pool, writes
// through e.write (retried when PostgreSQL aborts a deadlock victim).
func newStore(e *Env) *sqlstore.Store { return sqlstore.New(storeDB{pgQuerier{e.pool}, e}, dialect) }

// pgxQuerier is what the pool and a pgx.Tx share.
type pgxQuerier interface {
	querier
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// pgQuerier adapts a pool or a pgx.Tx to sqlstore.Querier.
type pgQuerier struct{ q pgxQuerier }

// Every statement's error goes through lockTimedOut, so a read that waits
// on a lock past the limit says so as a write does.
func (p pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), lockTimedOut(err)
}

func (p pgQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := p.q.Query(ctx, query, args...)
	if err != nil {
		return nil, lockTimedOut(err)
	}
	return pgRows{rows}, nil
}

func (p pgQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return pgRow{p.q.QueryRow(ctx, query, args...)}
}

// pgRows gives pgx.Rows the Close of sqlstore.Rows.
type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error {
	r.Rows.Close()
	return lockTimedOut(r.Rows.Err())
}

func (r pgRows) Err() error { return lockTimedOut(r.Rows.Err()) }

// pgRow is a pgx.Row whose Scan reports a lock timeout clearly.
type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error { return lockTimedOut(r.Row.Scan(dest...)) }

// storeDB is the sqlstore.DB of an Env.
type storeDB struct {
	pgQuerier
	e *Env
}

func (d storeDB) Write(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	return d.e.write(ctx, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) })
}

// Snapshot reads in a repeatable-read transaction: one snapshot for every
// statement of fn.
func (d storeDB) Snapshot(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	tx, err := d.e.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(pgQuerier{tx})
}
