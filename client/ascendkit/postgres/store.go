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
	ForUpdate: " FOR UPDATE",
}

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

func (p pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.q.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (p pgQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := p.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (p pgQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return p.q.QueryRow(ctx, query, args...)
}

// pgRows gives pgx.Rows the Close of sqlstore.Rows.
type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

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
