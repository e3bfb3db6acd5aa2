// Package sqlstore is the part of the SQL environments (the sqlite and
// postgres packages) whose logic is the same on both databases — journeys,
// templates, import runs, undo, settings, user and event reads, password
// state — written once over DB, a narrow interface each backend satisfies
// with a small adapter over its driver. A backend embeds *Store, so these
// methods are its own.
//
// Every query here uses $1… placeholders: PostgreSQL's syntax, which
// SQLite also binds by position (modernc.org/sqlite reads $NNN as it does
// ?NNN), so no rebinding is needed. SQL that really differs between the
// two (row locks, JSON functions) comes from the backend's Dialect. The
// merges of an import batch follow one path (ApplyMerges) over each
// backend's own statements (MergeTx), which run inside its transaction.
// What is each backend's own — schema, migrations, the bulk import paths,
// user lookups, error mapping — stays in its package.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// ErrNoRows is what Row.Scan returns when the query found no row. The
// database/sql and pgx sentinels both match it with errors.Is (pgx's
// ErrNoRows wraps database/sql's).
var ErrNoRows = sql.ErrNoRows

// Row is the result of a query for one row.
type Row interface {
	// Scan copies the row's columns into dest, or returns an error
	// matching ErrNoRows when there was no row.
	Scan(dest ...any) error
}

// Rows is the result of a query for many rows, read with Next and Scan
// and closed by the reader.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	// Err is the error that ended the iteration, if any.
	Err() error
	Close() error
}

// Querier runs statements, on a connection pool or inside a transaction.
// Nullable columns scan into *string (nil for NULL), and a nil *string
// argument is NULL.
type Querier interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// DB is what the store needs of a backend: reads outside a transaction
// (the Querier), write transactions and read-only snapshots.
type DB interface {
	Querier
	// Write runs fn in a write transaction, committed when fn returns nil
	// and rolled back otherwise. It may run fn again from the start (the
	// PostgreSQL backend retries a deadlock victim), so fn must not keep
	// state across calls other than what it finally returns.
	Write(ctx context.Context, fn func(tx Querier) error) error
	// Snapshot runs fn in a read-only transaction that sees one snapshot
	// of the data throughout.
	Snapshot(ctx context.Context, fn func(tx Querier) error) error
}

// Dialect is the SQL that differs between the backends.
type Dialect struct {
	// ForUpdate ends a SELECT whose rows the transaction goes on to
	// change, so that concurrent writers take turns: " FOR UPDATE" on
	// PostgreSQL. Empty where a write transaction already excludes every
	// other writer (SQLite's BEGIN IMMEDIATE); then lock-only statements
	// are skipped.
	ForUpdate string
	// SkipLocked ends a SELECT of rows to change only if no one holds
	// them: " FOR UPDATE SKIP LOCKED" on PostgreSQL, empty on SQLite.
	// Settling dead runs uses it, so a reader never waits on a run row a
	// stuck client holds.
	SkipLocked string
	// NoWait, run first in settling's transaction, makes it give up at
	// once on a table another transaction locked (an undo's LockRuns)
	// rather than wait: settling is best-effort, the next reader does it.
	// Empty where writers exclude each other anyway (SQLite).
	NoWait string
	// LockRuns, run first in an undo's transaction, makes a run that
	// starts meanwhile wait for the undo to end, so that it looks users
	// up after them (PostgreSQL: a table lock that conflicts with
	// inserts; empty where write transactions already exclude each other).
	LockRuns string
	// UndoMetadata and UndoIdentity are undo steps ($1 is the run id):
	// put back the metadata of each user the run merged into once and
	// nobody changed since (the text from before; undoMetadata does the
	// others), and the identity fields each merge filled, unless changed
	// since.
	UndoMetadata, UndoIdentity string
	// KeysetScan, run first in a keyset listing's transaction, makes the
	// planner walk the index in the listing's order and stop at a page
	// rather than sort all the rows after the page's start: PostgreSQL
	// does that for a table it has not analyzed yet (just after a bulk
	// import), which makes paging through it quadratic. Empty where the
	// planner walks the index anyway (SQLite); then no transaction is
	// opened.
	KeysetScan string
	// UserTags and UserLinks are the columns of a user's tags and OAuth
	// links, each a JSON array (text) built by a subquery over u.id: tags
	// as strings, links as {provider, providerUserId, email} objects.
	// Their order does not matter (scanUser sorts them).
	UserTags, UserLinks string
	// Btrim is the function that trims a set of characters from both
	// ends of a text, (text, set): trim on SQLite, btrim on PostgreSQL,
	// whose trim takes the set only from version 14.
	Btrim string
}

// Store implements the shared ascendkit.Environment methods over a DB.
type Store struct {
	db         DB
	d          Dialect
	userSelect string
	live       liveness // run heartbeats (runs.go)
}

// New returns a Store over db that speaks d.
func New(db DB, d Dialect) *Store { return &Store{db: db, d: d, userSelect: userSelect(d)} }

// lock runs a statement that only takes row locks for the rest of the
// transaction (query must end where ForUpdate goes); it does nothing where
// the write transaction excludes other writers already.
func (s *Store) lock(ctx context.Context, tx Querier, query string, args ...any) error {
	if s.d.ForUpdate == "" {
		return nil
	}
	_, err := tx.Exec(ctx, query+s.d.ForUpdate, args...)
	return err
}

// found is the result of reading the `what` named key: ErrNotFound when
// there was no row, else err or v, both naming the key.
func found[T any](what, key string, v T, err error) (T, error) {
	var zero T
	if errors.Is(err, ErrNoRows) {
		return zero, fmt.Errorf("%s %q: %w", what, key, ascendkit.ErrNotFound)
	}
	if err != nil {
		return zero, fmt.Errorf("%s %q: %w", what, key, err)
	}
	return v, nil
}

// collect reads every row of a query with scan and closes the rows; the
// result is empty, never nil, when there are none.
func collect[T any](rows Rows, err error, scan func(Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return out, nil
}
