// Package postgres is the AscendKit environment on a PostgreSQL server, for
// teams that import and review a migration together. Importing it (blank,
// as with a database/sql driver) makes "postgres://…" and
// "postgresql://…" targets open through ascendkit.Open.
//
// Tables live in the connection's current schema (search_path), so one
// database can hold several environments. The schema is migrated on open
// under an advisory lock, so two processes opening a new database at once
// do not race. Writers do not serialize globally: unique constraints with
// ON CONFLICT DO NOTHING decide which of two concurrent imports of a user
// wins, and transactions that lose a deadlock or serialization check are
// retried.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func init() {
	ascendkit.Register(ascendkit.TargetPostgres, func(t ascendkit.Target) (ascendkit.Environment, error) {
		open := Open
		if t.Existing {
			open = OpenExisting
		}
		e, err := open(context.Background(), t.URL)
		if err != nil {
			return nil, err
		}
		return e, nil
	})
}

// Env is an AscendKit environment in a PostgreSQL database.
type Env struct {
	// Store is the journey, template, run, undo and settings logic shared
	// with the SQLite backend (see store.go).
	*sqlstore.Store

	pool    *pgxpool.Pool
	display string // the URL with its password redacted
	testURL string // tests: the URL it was opened with
}

var _ ascendkit.Environment = (*Env)(nil)

// Open connects to the database a postgres:// URL names and brings the
// schema of its current schema (search_path) up to date. The password may
// come from the URL, PGPASSWORD or ~/.pgpass (PGPASSFILE). No error it
// returns contains the password.
func Open(ctx context.Context, connURL string) (*Env, error) {
	return open(ctx, connURL, defaultLimits, false)
}

// OpenExisting is Open for a command that only reads: a schema that holds
// no environment yet is refused with an error wrapping
// ascendkit.ErrNoEnvironment, and nothing is created in it.
func OpenExisting(ctx context.Context, connURL string) (*Env, error) {
	return open(ctx, connURL, defaultLimits, true)
}

// limits are the server-side time limits of the environment's sessions.
type limits struct {
	// idleInTx ends a session left idle inside a transaction that long
	// (idle_in_transaction_session_timeout): a client frozen mid-batch
	// (stopped, suspended) would otherwise hold its locks, the run row's
	// among them, and block every other client, forever. No transaction
	// here waits on anything but the database (the Clerk API and the
	// source are read between batches, never inside one), so a live
	// client is never idle in one for long. It is well under
	// ascendkit.RunStaleAfter, so the locks go before another host takes
	// the frozen run for dead.
	idleInTx time.Duration
	// lock bounds a wait for another session's lock (lock_timeout): a
	// client alive but slow to let go fails with ErrBusy instead of
	// hanging. It is longer than idleInTx, so a wait on a frozen client's
	// lock outlasts that client's session.
	lock time.Duration
}

var defaultLimits = limits{idleInTx: time.Minute, lock: 2 * time.Minute}

// open is Open with the session limits lim (tests shorten them). Limits
// the URL sets itself (as query parameters) are the user's and win.
func open(ctx context.Context, connURL string, lim limits, existing bool) (*Env, error) {
	display := ascendkit.RedactURL(connURL)
	// The target's own checks first (a password with an unencoded @ is
	// read differently by url.Parse and pgx: refused, unprinted).
	if _, err := ascendkit.ParseTarget(connURL); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(connURL)
	if err != nil {
		return nil, fmt.Errorf("postgres environment %s: %w", display, scrub(err, connURL))
	}
	rp := cfg.ConnConfig.RuntimeParams
	for k, d := range map[string]time.Duration{"idle_in_transaction_session_timeout": lim.idleInTx, "lock_timeout": lim.lock} {
		if _, set := rp[k]; !set {
			rp[k] = fmt.Sprintf("%dms", d.Milliseconds())
		}
	}
	// An unreachable server fails the command in seconds, not after the
	// operating system's TCP timeout (connect_timeout in the URL wins).
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 15 * time.Second
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres environment %s: %w", display, scrub(err, connURL))
	}
	e := &Env{pool: pool, display: display}
	e.Store = newStore(e)
	if existing {
		// A command that only reads needs only to read: a role granted
		// SELECT, and no CREATE on the schema, must be able to use it.
		if err := e.checkSchema(ctx); err != nil {
			pool.Close()
			return nil, scrub(err, connURL)
		}
	} else if err := e.migrate(ctx); err != nil {
		err = e.denied(ctx, err) // asks the server: before the pool closes
		pool.Close()
		return nil, fmt.Errorf("postgres environment %s: %w", display, scrub(err, connURL))
	}
	if err := e.alignClock(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres environment %s: %w", display, scrub(err, connURL))
	}
	return e, nil
}

// localClock is this machine's clock (tests set it off).
var localClock = time.Now

// alignClock makes run heartbeats use the server's time. Every client
// stamps its own runs' heartbeats and judges the others' by its clock: a
// teammate whose clock is a few minutes behind would have a live run
// taken for dead by everyone else (and undone under it), and one ahead
// would keep a dead run alive. The offset is measured once, at open,
// against PostgreSQL's clock (a round trip's error, well inside the
// minutes RunStaleAfter allows).
func (e *Env) alignClock(ctx context.Context) error {
	local := localClock
	var server time.Time
	t0 := local()
	if err := e.pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&server); err != nil {
		return err
	}
	t1 := local()
	offset := server.Sub(t0.Add(t1.Sub(t0) / 2))
	e.SetClock(func() time.Time { return local().Add(offset) })
	return nil
}

// scrub replaces the URL's password in err's text: pgx redacts it
// itself, but a driver message is not something to trust with a secret.
func scrub(err error, connURL string) error {
	if err == nil {
		return nil
	}
	u, perr := url.Parse(connURL)
	if perr != nil {
		return redactedError{msg: "unreadable connection URL", err: err}
	}
	var secrets []string
	if p, ok := u.User.Password(); ok && p != "" {
		secrets = append(secrets, p, url.QueryEscape(p), url.PathEscape(p))
	}
	// Read from the raw query, as written and decoded: url.Values drops a
	// pair whose escapes do not decode.
	for _, pair := range strings.Split(u.RawQuery, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if !ok || v == "" || !(strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword")) {
			continue
		}
		secrets = append(secrets, v)
		if p, err := url.QueryUnescape(v); err == nil && p != "" {
			secrets = append(secrets, p, url.QueryEscape(p))
		}
	}
	// A fragment has no meaning in a connection URL: most likely the tail
	// of a password with an unencoded #, which pgx quotes in database=….
	if f := u.Fragment; f != "" {
		secrets = append(secrets, f, u.EscapedFragment())
	}
	msg := scrubText(err.Error(), secrets)
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

// minBareSecret is the length from which a password is replaced wherever
// it appears in a message. A shorter one is likely a piece of ordinary
// text ("x" in "context", a word of the message): replacing it there
// would garble the message and, worse, show which word the password is.
// It is replaced only where it stands as a password.
const minBareSecret = 8

// passwordForms are the places a password stands in a connection string
// or URL a message may quote (%s is the password).
var passwordForms = []string{":%s@", "password=%s", "password='%s'", `password="%s"`, `"password":"%s"`, "password: %s", "#%s"}

func scrubText(msg string, secrets []string) string {
	for _, s := range secrets {
		switch {
		case s == "":
		case len(s) >= minBareSecret:
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		default:
			for _, f := range passwordForms {
				msg = strings.ReplaceAll(msg, strings.Replace(f, "%s", s, 1), strings.Replace(f, "%s", "xxxxx", 1))
			}
		}
	}
	return msg
}

// redactedError keeps the wrapped error for errors.Is/As but prints only
// the redacted message.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// Describe returns the connection URL with any password redacted.
func (e *Env) Describe() string { return e.display }

// Close closes the pool (after its runs' heartbeats stop).
func (e *Env) Close() error {
	e.StopHeartbeats()
	e.pool.Close()
	return nil
}

// checkSchema, for a read-only open, checks by reading alone that the
// current schema holds an environment at the version this program
// writes. It fails with ascendkit.ErrNoEnvironment when the schema
// version table, which the first migration creates with every other
// table in one transaction, is not there; and says which role must run a
// write command when the schema is older than this program.
func (e *Env) checkSchema(ctx context.Context) error {
	if err := e.schemaUsable(ctx); err != nil {
		return fmt.Errorf("postgres environment %s: %w", e.display, err)
	}
	var ok bool
	err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
		WHERE schemaname = current_schema() AND tablename = 'ascendkit_schema')`).Scan(&ok)
	if err != nil {
		return fmt.Errorf("postgres environment %s: %w", e.display, err)
	}
	if !ok {
		return fmt.Errorf("%w at %s; run an import or set-env", ascendkit.ErrNoEnvironment, e.display)
	}
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var v int
	err = e.pool.QueryRow(ctx, `SELECT version FROM ascendkit_schema`).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w at %s (its schema version is not recorded); run an import or set-env", ascendkit.ErrNoEnvironment, e.display)
	case err != nil:
		return fmt.Errorf("postgres environment %s: %w", e.display, e.denied(ctx, err))
	case v > len(ms):
		return fmt.Errorf("postgres environment %s: database schema version %d is newer than this program supports (%d)", e.display, v, len(ms))
	case v < len(ms):
		return fmt.Errorf("postgres environment %s: its tables are at schema version %d and this version of ascendkit needs %d; "+
			"run a write command (an import or set-env) once as the role that owns the schema, which upgrades them", e.display, v, len(ms))
	}
	return nil
}

// schemaUsable says when the search_path's schema exists but this role
// may not use it (no USAGE): PostgreSQL then passes over it, as if it
// did not exist, and a read said "no environment" (a preview: every user
// new) and a write "no schema to use" for a schema that is there.
func (e *Env) schemaUsable(ctx context.Context) error {
	var current *string
	if err := e.pool.QueryRow(ctx, `SELECT current_schema()::text`).Scan(&current); err != nil || current != nil {
		return err
	}
	var path, role string
	if err := e.pool.QueryRow(ctx, `SELECT current_setting('search_path'), current_user::text`).Scan(&path, &role); err != nil {
		return err
	}
	for _, name := range strings.Split(path, ",") {
		name = strings.Trim(strings.TrimSpace(name), `"`)
		if name == "$user" {
			name = role
		}
		var usable bool
		err := e.pool.QueryRow(ctx, `SELECT has_schema_privilege(oid, 'USAGE') FROM pg_catalog.pg_namespace WHERE nspname = $1`, name).Scan(&usable)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if !usable {
			return fmt.Errorf("role %q may not use schema %q (it has no USAGE on it, so PostgreSQL passes over it): the schema's owner must run GRANT USAGE ON SCHEMA %s TO %s (and, to read, GRANT SELECT ON ALL TABLES IN SCHEMA %[3]s TO %[4]s)",
				role, name, pgx.Identifier{name}.Sanitize(), pgx.Identifier{role}.Sanitize())
		}
		return nil
	}
	return nil
}

// denied rewords a permission error (SQLSTATE 42501) to say what the
// role lacks, keeping err for errors.As. Other errors pass unchanged.
func (e *Env) denied(ctx context.Context, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" { // disk_full
		return fmt.Errorf("%w: %w", ascendkit.ErrDiskFull, err)
	}
	if !errors.As(err, &pe) || (pe.Code != "42501" && pe.Code != "25006") {
		return err
	}
	if pe.Code == "25006" { // a read-only transaction: a standby, or default_transaction_read_only
		return fmt.Errorf("%w: %w", ascendkit.ErrReadOnly, err)
	}
	role, schema := "this role", "the current schema"
	var r, s *string
	if e.pool.QueryRow(ctx, `SELECT current_user::text, current_schema()::text`).Scan(&r, &s) == nil {
		if r != nil {
			role = fmt.Sprintf("role %q", *r)
		}
		if s != nil {
			schema = fmt.Sprintf("schema %q", *s)
		}
	}
	return redactedError{err: fmt.Errorf("%w: %w", ascendkit.ErrReadOnly, err), msg: fmt.Sprintf("%s may not use the environment's tables in %s (permission denied: %s). "+
		"Commands that write (import, set-env, undo, settings) need a role that owns the schema, as it creates and upgrades the tables there; "+
		"commands that only read need a role granted USAGE on the schema and SELECT on its tables",
		role, schema, pe.Message)}
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the SQL files of migrations/, in order. Never edit a
// released one: add a file.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, n := range names {
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[i] = string(b)
	}
	return out, nil
}

// migrate applies pending migrations in one transaction holding a
// transaction-level advisory lock keyed by the schema: a second process
// opening the same new database waits, then finds the work done. DDL is
// transactional in PostgreSQL, so a failed migration leaves nothing half
// applied.
func (e *Env) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return e.write(ctx, func(tx pgx.Tx) error {
		var schema *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return err
		}
		if schema == nil {
			if err := e.schemaUsable(ctx); err != nil {
				return err
			}
			return errors.New("no schema to use: the search_path names none that exists (create it, or fix search_path in the URL)")
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('ascendkit.migrate.' || $1, 0))`, *schema); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		if err := ownSchema(ctx, tx, *schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS ascendkit_schema (version integer NOT NULL)`); err != nil {
			return fmt.Errorf("schema version table: %w", err)
		}
		var v int
		err := tx.QueryRow(ctx, `SELECT version FROM ascendkit_schema`).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := tx.Exec(ctx, `INSERT INTO ascendkit_schema (version) VALUES (0)`); err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if v > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this program supports (%d)", v, len(ms))
		}
		for i := v; i < len(ms); i++ {
			if _, err := tx.Exec(ctx, ms[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if v < len(ms) {
			if _, err := tx.Exec(ctx, `UPDATE ascendkit_schema SET version = $1`, len(ms)); err != nil {
				return fmt.Errorf("set schema version: %w", err)
			}
		}
		return nil
	})
}

// ownSchema refuses to make an environment in a schema that holds another
// program's tables (an application's public schema named by mistake):
// its tables would be added among them. A schema with the environment, or
// an empty one, is fine.
func ownSchema(ctx context.Context, tx pgx.Tx, schema string) error {
	var ours bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'ascendkit_schema')`).Scan(&ours); err != nil {
		return fmt.Errorf("looking at schema %s: %w", schema, err)
	}
	if ours {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename LIMIT 4`)
	if err != nil {
		return fmt.Errorf("looking at schema %s: %w", schema, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("looking at schema %s: %w", schema, err)
	}
	if len(names) == 0 {
		return nil
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return fmt.Errorf("schema %q holds tables of something else (%s), not an AscendKit environment: give the environment a schema of its own (search_path=<schema> in the URL; see README)",
		schema, strings.Join(names, ", "))
}

// maxAttempts bounds the retries of a transaction that lost a deadlock or
// serialization check; each waits a little longer, with jitter so the
// losers do not collide again.
const maxAttempts = 8

// write runs fn in a read-committed transaction, committing when fn
// returns nil, and runs it again from the start when PostgreSQL aborts it
// as a deadlock victim or serialization failure. fn must therefore not
// keep state across attempts.
func (e *Env) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = e.tryWrite(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			break
		}
		wait := time.Duration(attempt*attempt)*5*time.Millisecond + time.Duration(rand.IntN(10))*time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	if retryable(err) {
		return fmt.Errorf("%w: %w", ascendkit.ErrBusy, err)
	}
	// A role that may only read (auth update, journey pause as it) is
	// told what it lacks, as an import is, not PostgreSQL's SQLSTATE.
	return e.denied(ctx, lockTimedOut(err))
}

// lockTimedOut says what a lock_timeout means: another session held a
// lock this statement needed past the limit. It is ErrBusy, as the same
// statement may succeed later.
func lockTimedOut(err error) error {
	var pe *pgconn.PgError
	if errors.Is(err, ascendkit.ErrBusy) {
		return err // said already, by the statement inside a write
	}
	if errors.As(err, &pe) && pe.Code == "55P03" {
		return fmt.Errorf("%w: another client of this environment held a lock this needs for too long "+
			"(an import or undo still going, or a client stuck in one; try again later): %w", ascendkit.ErrBusy, err)
	}
	return err
}

func (e *Env) tryWrite(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return tx.Commit(ctx)
}

// retryable: serialization_failure and deadlock_detected, which PostgreSQL
// reports for a transaction that may well succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}
