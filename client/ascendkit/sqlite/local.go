// Package sqlite is the embedded AscendKit environment: one SQLite file.
// Importing it (blank, as with a database/sql driver) makes "local:<path>"
// targets open through ascendkit.Open.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

func init() {
	ascendkit.Register(ascendkit.TargetLocal, func(t ascendkit.Target) (ascendkit.Environment, error) {
		l, err := openLocal(t.Path, t.Existing)
		if err != nil {
			return nil, err
		}
		return l, nil
	})
}

// Local is the embedded AscendKit environment: one SQLite file in WAL
// mode. Writes go through a single connection in BEGIN IMMEDIATE
// transactions (other processes writing the same file wait up to the busy
// timeout); reads use a separate pool of read-only connections and never
// wait for a write transaction.
type Local struct {
	// Store is the journey, template, run, undo and settings logic shared
	// with the PostgreSQL backend (see store.go).
	*sqlstore.Store

	path string
	w    *sql.DB // one connection, _txlock=immediate
	r    *sql.DB // read-only pool

	// chunks holds the full-chunk statements of an import's multi-row
	// INSERTs, prepared once on w (see fullChunks).
	chunksMu sync.Mutex
	chunks   map[string]*sql.Stmt

	lookups lookupStmts // see users.go
}

var _ ascendkit.Environment = (*Local)(nil)

// busyTimeout is how long a statement waits for another writer's lock.
const busyTimeout = 5 * time.Second

// OpenLocal opens or creates the SQLite environment at path (parent
// directories are created with mode 0700, the file with 0600) and brings
// its schema up to date.
func OpenLocal(path string) (*Local, error) { return openLocal(path, false) }

// openLocal is OpenLocal; existing (a command that only reads, or a
// preview) refuses a file that holds no environment yet rather than
// creating one in it.
func openLocal(path string, existing bool) (*Local, error) {
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("local environment: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("local environment %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("local environment %s: %w", abs, err)
	}
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("local environment %s: %w", abs, err)
	} else {
		f.Close()
	}
	if err := checkFile(abs, existing); err != nil {
		return nil, err
	}

	w, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return nil, fmt.Errorf("local environment %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("local environment %s: %w", abs, err)
	}

	r, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("local environment %s: %w", abs, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	if err := r.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("local environment %s: %w", abs, err)
	}
	l := &Local{path: abs, w: w, r: r}
	l.Store = newStore(l)
	return l, nil
}

// checkFile looks at what the file at abs holds before anything writes
// to it. Another program's SQLite database (tables, but no schema version
// of ours) is refused: a mistyped --env must not add thirteen tables to
// it, nor a read of it. An empty file, or a database without tables,
// holds no environment: refused when existing, else made one, and then
// readable by its owner only (a file made with touch is 0644, and the
// environment holds password digests).
func checkFile(abs string, existing bool) error {
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("local environment %s: %w", abs, err)
	}
	version, tables := 0, []string(nil)
	if st.Size() > 0 {
		db, err := sql.Open("sqlite", dsn(abs, false))
		if err != nil {
			return fmt.Errorf("local environment %s: %w", abs, err)
		}
		defer db.Close()
		if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
			return unreadable(abs, err)
		}
		if version == 0 {
			rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name LIMIT 4")
			if err != nil {
				return unreadable(abs, err)
			}
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					rows.Close()
					return fmt.Errorf("local environment %s: %w", abs, err)
				}
				tables = append(tables, name)
			}
			rows.Close()
		}
	}
	switch {
	case version > 0:
		return nil
	case len(tables) > 0:
		if len(tables) > 3 {
			tables = append(tables[:3], "…")
		}
		return fmt.Errorf("local environment %s is a SQLite database of something else (tables %s), not an AscendKit environment: name another file",
			abs, strings.Join(tables, ", "))
	case existing:
		return fmt.Errorf("%w at %s: the file holds no environment yet; run an import or set-env", ascendkit.ErrNoEnvironment, abs)
	}
	if err := os.Chmod(abs, 0o600); err != nil {
		return fmt.Errorf("local environment %s: %w", abs, err)
	}
	return nil
}

// writePragmas tune the one write connection for batch imports:
//   - temp_store(memory): a multi-row INSERT keeps a statement journal
//     (to undo a half-applied statement) and RETURNING an ephemeral table;
//     on disk these were 470k of 1.08M write syscalls of a 100k-user run.
//     Both are bounded by one statement's pages.
//   - cache_size(-16384): a 16 MiB page cache (default 2 MiB), kept across
//     transactions while no other process writes; it is memory the write
//     connection holds at most, whatever the import's size.
//   - wal_autocheckpoint(8000): checkpoint (copy the WAL into the database,
//     fsync) every 32 MiB of WAL rather than every 4 MiB, which with
//     2,000-user batches was after nearly every commit.
var writePragmas = []string{"temp_store(memory)", "cache_size(-16384)", "wal_autocheckpoint(8000)"}

func dsn(path string, write bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	if write {
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
		// An import's batches touch pages all over the email and events
		// indexes. With SQLite's 2 MB default cache those pages were
		// spilled to the WAL mid-transaction and read back (half the
		// syscalls of a 100k-user run); writePragmas keep them.
		for _, p := range writePragmas {
			q.Add("_pragma", p)
		}
	} else {
		q.Set("_query_only", "1")
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letters: file:///C:/…
	}
	return (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
}

// Describe returns "local:<absolute path>".
func (l *Local) Describe() string { return "local:" + l.path }

// Path is the absolute path of the database file.
func (l *Local) Path() string { return l.path }

// Close closes the database (after its runs' heartbeats stop).
func (l *Local) Close() error {
	l.StopHeartbeats()
	l.chunksMu.Lock()
	for _, st := range l.chunks {
		st.Close()
	}
	l.chunks = nil
	l.chunksMu.Unlock()
	l.lookups.close()
	return errors.Join(l.r.Close(), l.w.Close())
}

// fullChunks returns the statements of an import's multi-row INSERTs for
// a full chunk of rows (the most of an import's statements), keyed by
// text. Parsing one, a few hundred rows of placeholders, cost more than
// executing it once; prepared on the write connection, outside any
// transaction (the one connection is not free inside one), they are
// reused by every batch through tx.StmtContext.
func (l *Local) fullChunks(ctx context.Context) (map[string]*sql.Stmt, error) {
	l.chunksMu.Lock()
	defer l.chunksMu.Unlock()
	if l.chunks != nil {
		return l.chunks, nil
	}
	m := make(map[string]*sql.Stmt, len(createBulks))
	for _, b := range createBulks {
		q := b.text(b.perStmt())
		st, err := l.w.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range m {
				st.Close()
			}
			return nil, err
		}
		m[q] = st
	}
	l.chunks = m
	return m, nil
}

// write runs fn in one write transaction (BEGIN IMMEDIATE), committing when
// fn returns nil.
func (l *Local) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return markBusy(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return markBusy(err)
	}
	return markBusy(tx.Commit())
}

// unreadable is checkFile's error for a file SQLite could not read: only
// SQLite's own "not a database" says the file is something else. A WAL
// database is read with -wal and -shm files beside it, which SQLite must
// be able to create: a directory this user may not write reads as
// READONLY, not as a file that is no database.
func unreadable(abs string, err error) error {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		switch coder.Code() & 0xff {
		case 26: // SQLITE_NOTADB
			return fmt.Errorf("local environment %s: not a SQLite database (%w)", abs, err)
		case 8, 14: // SQLITE_READONLY, SQLITE_CANTOPEN
			return fmt.Errorf("local environment %s: cannot open it: SQLite writes its -wal and -shm files beside the database, so this user needs write access to the file and its directory, %s (%w)",
				abs, filepath.Dir(abs), err)
		}
	}
	return fmt.Errorf("local environment %s: cannot read it (%w)", abs, err)
}

// markBusy wraps SQLite's BUSY and LOCKED results (another process held
// the write lock past the busy timeout) with ErrBusy, so callers can wait
// and retry instead of treating the data as bad, READONLY with
// ErrReadOnly and FULL with ErrDiskFull.
func markBusy(err error) error {
	var coder interface{ Code() int }
	if err != nil && errors.As(err, &coder) {
		switch coder.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return fmt.Errorf("%w: %w", ascendkit.ErrBusy, err)
		case 8: // SQLITE_READONLY: a database file this user may only read
			return fmt.Errorf("%w: %w", ascendkit.ErrReadOnly, err)
		case 13: // SQLITE_FULL
			return fmt.Errorf("%w: %w", ascendkit.ErrDiskFull, err)
		}
	}
	return err
}

// queryer is what reads need from *sql.DB and *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// maxVars bounds the parameters of one IN (…) query.
const maxVars = 500

// placeholders returns "?,?,…" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// inChunks calls fn on successive chunks of up to maxVars keys, with the
// chunk's placeholders and its arguments: lead, then the chunk's keys.
func inChunks(lead []any, keys []string, fn func(marks string, args []any) error) error {
	for len(keys) > 0 {
		n := min(len(keys), maxVars)
		args := make([]any, 0, len(lead)+n)
		args = append(args, lead...)
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		keys = keys[n:]
		if err := fn(placeholders(n), args); err != nil {
			return err
		}
	}
	return nil
}
