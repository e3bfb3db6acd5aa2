package ascendkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Target kinds.
const (
	TargetLocal  = "local"
	TargetRemote = "remote"
)

// Target names an environment: a local SQLite file ("local:<path>") or a
// hosted environment by its public key ("pk_…").
type Target struct {
	Kind      string // TargetLocal | TargetRemote
	Path      string // with TargetLocal
	PublicKey string // with TargetRemote
}

// String is the target in the form ParseTarget reads.
func (t Target) String() string {
	if t.Kind == TargetRemote {
		return t.PublicKey
	}
	return "local:" + t.Path
}

// ParseTarget reads "local:<path>" or a public key "pk_…".
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "local:"):
		p := strings.TrimSpace(strings.TrimPrefix(s, "local:"))
		if p == "" {
			return Target{}, fmt.Errorf("environment target %q: missing path after local:", s)
		}
		return Target{Kind: TargetLocal, Path: p}, nil
	case strings.HasPrefix(s, "pk_"):
		if len(s) <= len("pk_") || strings.ContainsAny(s, " \t/:") {
			return Target{}, fmt.Errorf("environment target %q: malformed public key", s)
		}
		return Target{Kind: TargetRemote, PublicKey: s}, nil
	case s == "":
		return Target{}, errors.New("environment target is empty: use local:<path> or a pk_… public key")
	default:
		return Target{}, fmt.Errorf("environment target %q: use local:<path> or a pk_… public key", s)
	}
}

// Open opens the environment a target names. Only local targets are
// supported; a public key returns an error wrapping ErrRemoteUnsupported.
func Open(target string) (Environment, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	if t.Kind == TargetRemote {
		return nil, fmt.Errorf("environment %s: %w", t.PublicKey, ErrRemoteUnsupported)
	}
	l, err := OpenLocal(t.Path)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Local is the embedded AscendKit environment: one SQLite file in WAL
// mode. Writes go through a single connection in BEGIN IMMEDIATE
// transactions (other processes writing the same file wait up to the busy
// timeout); reads use a separate pool of read-only connections and never
// wait for a write transaction.
type Local struct {
	path string
	w    *sql.DB // one connection, _txlock=immediate
	r    *sql.DB // read-only pool
}

var _ Environment = (*Local)(nil)

// busyTimeout is how long a statement waits for another writer's lock.
const busyTimeout = 5 * time.Second

// OpenLocal opens or creates the SQLite environment at path (parent
// directories are created with mode 0700, the file with 0600) and brings
// its schema up to date.
func OpenLocal(path string) (*Local, error) {
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
	return &Local{path: abs, w: w, r: r}, nil
}

func dsn(path string, write bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	if write {
		q.Set("_journal_mode", "WAL")
		q.Set("_txlock", "immediate")
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

// Close closes the database.
func (l *Local) Close() error {
	return errors.Join(l.r.Close(), l.w.Close())
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

// markBusy wraps SQLite's BUSY and LOCKED results (another process held
// the write lock past the busy timeout) with ErrBusy, so callers can wait
// and retry instead of treating the data as bad.
func markBusy(err error) error {
	var coder interface{ Code() int }
	if err != nil && errors.As(err, &coder) {
		if c := coder.Code() & 0xff; c == 5 || c == 6 { // SQLITE_BUSY, SQLITE_LOCKED
			return fmt.Errorf("%w: %w", ErrBusy, err)
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

// Times are stored as fixed-width UTC RFC 3339 text with nanoseconds, so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ID prefixes.
const (
	prefixUser     = "usr_"
	prefixTemplate = "tpl_"
	prefixJourney  = "jrn_"
	prefixEvent    = "evt_"
)

var idGen struct {
	sync.Mutex
	ms  uint64
	seq uint64
}

// newID returns prefix + 24 lower-case hex digits: 48 bits of unix
// milliseconds then 48 bits that start random each millisecond and count
// up within it, so ids made by one process sort in creation order.
func newID(prefix string) string {
	ms := uint64(time.Now().UnixMilli())
	idGen.Lock()
	if ms <= idGen.ms {
		ms = idGen.ms
		idGen.seq++
	} else {
		var b [8]byte
		rand.Read(b[2:])
		idGen.ms = ms
		idGen.seq = binary.BigEndian.Uint64(b[:]) >> 1 // room to count up
	}
	seq := idGen.seq
	idGen.Unlock()
	var b [12]byte
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6], b[7], b[8], b[9], b[10], b[11] = byte(seq>>40), byte(seq>>32), byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
	return prefix + hex.EncodeToString(b[:])
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
