package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var ctx = context.Background()

// TestConformance runs the backend-agnostic suite, each test in its own
// schema of the ASCENDKIT_TEST_POSTGRES database.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Backend{
		Open: func(t testing.TB) ascendkit.Environment { return OpenTest(t) },
		Reopen: func(t testing.TB, env ascendkit.Environment) ascendkit.Environment {
			e, err := Open(ctx, env.(*Env).testURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			return e
		},
		Tables: func(t testing.TB, env ascendkit.Environment) []string {
			var out []string
			for _, r := range query(t, env, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
				AND table_name <> 'ascendkit_schema'`) {
				out = append(out, r[0])
			}
			return out
		},
		Query: query,
		Exec: func(t testing.TB, env ascendkit.Environment, q string, args ...any) {
			t.Helper()
			if _, err := env.(*Env).pool.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		},
	})
}

func query(t testing.TB, env ascendkit.Environment, q string, args ...any) [][]string {
	t.Helper()
	rows, err := env.(*Env).pool.Query(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]string, error) {
		vals, err := r.Values()
		if err != nil {
			return nil, err
		}
		s := make([]string, len(vals))
		for i, v := range vals {
			s[i] = "NULL"
			if v != nil {
				s[i] = fmt.Sprint(v)
			}
		}
		return s, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDescribeAndErrorsRedactPassword(t *testing.T) {
	// Nothing listens on port 1: the open fails, and neither the error
	// nor Describe may show the password.
	const secret = "s3cr3t-Pa55"
	for _, u := range []string{
		"postgres://ak:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgresql://ak@127.0.0.1:1/db?sslmode=disable&connect_timeout=2&password=" + secret,
		"postgres://ak:" + secret + "@127.0.0.1:1/db?sslmode=bogus", // config error
	} {
		_, err := ascendkit.Open(u)
		if err == nil {
			t.Fatalf("Open(%s) succeeded", ascendkit.RedactURL(u))
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("error does not say which server: %v", err)
		}
	}
	e := OpenTest(t)
	withPass := strings.Replace(e.testURL, "://", "://"+url.UserPassword("ascendkit", secret).String()+"@", 1)
	withPass = strings.Replace(withPass, "@ascendkit@", "@", 1)
	if got := ascendkit.RedactURL(withPass); strings.Contains(got, secret) || !strings.Contains(got, "xxxxx") {
		t.Errorf("RedactURL = %s", got)
	}
	if strings.Contains(e.Describe(), "password") || !strings.HasPrefix(e.Describe(), "postgres://") {
		t.Errorf("Describe = %s", e.Describe())
	}
}

// TestConcurrentOpenMigratesOnce opens one new schema from several
// "processes" at once: every open succeeds and the schema is migrated once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	u := pgtest.Target(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := Open(ctx, u)
			if err != nil {
				errs <- err
				return
			}
			e.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ms, _ := migrations()
	if got := query(t, e, `SELECT version, (SELECT COUNT(*) FROM ascendkit_schema) FROM ascendkit_schema`); got[0][0] != fmt.Sprint(len(ms)) || got[0][1] != "1" {
		t.Errorf("schema version rows %v, want one at %d", got, len(ms))
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	e := OpenTest(t)
	if _, err := e.pool.Exec(ctx, `UPDATE ascendkit_schema SET version = 99`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, e.testURL); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

// OpenTest opens a new, empty environment in a schema of its own.
func OpenTest(t testing.TB) *Env {
	t.Helper()
	u := pgtest.Target(t)
	e, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	e.testURL = u
	t.Cleanup(func() { e.Close() })
	return e
}

func TestMissingSchemaIsClear(t *testing.T) {
	u := pgtest.Target(t)
	u = strings.Replace(u, "search_path=t_", "search_path=missing_", 1)
	_, err := Open(ctx, u)
	if err == nil || !strings.Contains(err.Error(), "search_path") {
		t.Fatalf("open with a missing schema: %v", err)
	}
}

// scrub hides a password where it stands as one, and a long one
// everywhere, but leaves a short one that is ordinary text alone: a
// message must neither be garbled nor point at the word that is the
// password.
func TestScrub(t *testing.T) {
	for _, tc := range []struct{ url, msg, want string }{
		{"postgres://ak:x@h/db", "context deadline exceeded", "context deadline exceeded"},
		{"postgres://ak:failed@h/db", "password authentication failed for user", "password authentication failed for user"},
		{"postgres://ak:x@h/db", "dial postgres://ak:x@h/db: refused", "dial postgres://ak:xxxxx@h/db: refused"},
		{"postgres://ak@h/db?password=pw", "bad conn string host=h password=pw user=ak", "bad conn string host=h password=xxxxx user=ak"},
		{"postgres://ak@h/db?password=pw", `bad password='pw' and password="pw"`, `bad password='xxxxx' and password="xxxxx"`},
		{"postgres://ak:Wd9Secret-long@h/db", "lookup Wd9Secret-long.h: no such host", "lookup xxxxx.h: no such host"},
		{"postgres://ak:p%40ss%2Fw@h/db", "at ak:p@ss/w@h and ak:p%40ss%2Fw@h", "at ak:xxxxx@h and ak:xxxxx@h"},
		// A fragment (a password's tail after an unencoded #) pgx quotes in
		// database=…; a query password url.Values cannot decode.
		{"postgres://u@h:1/db#SECRET6", "failed to connect to `user=u database=db#SECRET6`", "failed to connect to `user=u database=db#xxxxx`"},
		{"postgres://u@h/db?password=SecretZZ%", "bad password=SecretZZ% here", "bad password=xxxxx here"},
	} {
		got := scrub(errors.New(tc.msg), tc.url)
		if got.Error() != tc.want {
			t.Errorf("scrub(%q) with %s = %q, want %q", tc.msg, ascendkit.RedactURL(tc.url), got.Error(), tc.want)
		}
	}
	inner := errors.New("wrapped ak:x@h")
	if got := scrub(fmt.Errorf("outer: %w", inner), "postgres://ak:x@h/db"); !errors.Is(got, inner) {
		t.Error("scrub loses the wrapped error")
	}
}

// Open refuses a URL whose password has an unencoded @ before pgx reads
// part of the password as a host name (and an error prints it).
func TestOpenRefusesUnencodedAt(t *testing.T) {
	for _, open := range []func(string) error{
		func(u string) error { _, err := Open(ctx, u); return err },
		func(u string) error { _, err := ascendkit.Open(u); return err },
	} {
		err := open("postgres://team:p@ss@Wd9Secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
		if err == nil || !strings.Contains(err.Error(), "percent-encode it as %40") || strings.Contains(err.Error(), "Wd9Secret") || strings.Contains(err.Error(), "ss@") {
			t.Errorf("open: %v", err)
		}
	}
}

// A read-only open of a schema that holds no environment is refused with
// ErrNoEnvironment and creates nothing; once an environment exists there,
// it opens.
func TestOpenExistingCreatesNothing(t *testing.T) {
	u := pgtest.Target(t)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tables := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, open := range []func() error{
		func() error { _, err := OpenExisting(ctx, u); return err },
		func() error { _, err := ascendkit.OpenExisting(u); return err },
	} {
		err := open()
		if !errors.Is(err, ascendkit.ErrNoEnvironment) || !strings.Contains(err.Error(), "no environment at postgres://") ||
			!strings.Contains(err.Error(), "; run an import or set-env") {
			t.Fatalf("read-only open of an empty schema: %v", err)
		}
		if n := tables(); n != 0 {
			t.Fatalf("the read-only open created %d tables", n)
		}
	}
	e, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e, err = OpenExisting(ctx, u)
	if err != nil {
		t.Fatalf("read-only open of an environment: %v", err)
	}
	e.Close()
}

// withRole creates a login role (the test cluster trusts 127.0.0.1, so it
// needs no password), grants it what grants say ({role} stands for it), and
// returns u connecting as it. The role goes when the test ends.
func withRole(t *testing.T, u string, grants ...string) string {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	role := "ro_" + hex.EncodeToString(b[:])
	admin, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(ctx, `DROP OWNED BY `+role)
		admin.Exec(ctx, `DROP ROLE `+role)
		admin.Close(ctx)
	})
	for _, q := range append([]string{`CREATE ROLE ` + role + ` LOGIN`}, grants...) {
		if _, err := admin.Exec(ctx, strings.ReplaceAll(q, "{role}", role)); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.User = url.User(role)
	return pu.String()
}

// A role granted only USAGE and SELECT opens an environment for reading
// (nothing it cannot do is tried) and reads it; opening it to write says
// the role must own the schema rather than showing a bare SQLSTATE.
func TestReadOnlyRoleReads(t *testing.T) {
	e := OpenTest(t)
	var schema string
	if err := e.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	ro := withRole(t, e.testURL, `GRANT USAGE ON SCHEMA `+schema+` TO {role}`, `GRANT SELECT ON ALL TABLES IN SCHEMA `+schema+` TO {role}`)
	r, err := OpenExisting(ctx, ro)
	if err != nil {
		t.Fatalf("read-only open as a SELECT-only role: %v", err)
	}
	defer r.Close()
	if _, err := r.ListUsers(ctx, ascendkit.UserFilter{}); err != nil {
		t.Fatalf("listing users as a SELECT-only role: %v", err)
	}
	if _, err := r.ListRuns(ctx); err != nil {
		t.Fatalf("listing runs as a SELECT-only role: %v", err)
	}
	if _, err := r.ListJourneys(ctx); err != nil {
		t.Fatalf("listing journeys as a SELECT-only role: %v", err)
	}
	// A preview lists the users earlier imports created (its settings
	// are the transaction's own).
	if _, err := r.ListSourceUsers(ctx, ascendkit.SourceUserFilter{Source: "clerk", Limit: 10}); err != nil {
		t.Fatalf("listing imported users as a SELECT-only role: %v", err)
	}
	// A write through the read-only open (auth update, journey pause)
	// says what the role lacks, not PostgreSQL's SQLSTATE.
	if err := r.SetSetting(ctx, "x", "y"); err == nil || !strings.Contains(err.Error(), "may not use the environment's tables") || strings.Contains(err.Error(), "SQLSTATE") {
		t.Errorf("a write as a SELECT-only role: %v", err)
	}
	_, err = Open(ctx, ro)
	if err == nil {
		t.Fatal("a SELECT-only role opened the environment to write")
	}
	if msg := err.Error(); !strings.Contains(msg, "owns the schema") || strings.Contains(msg, "SQLSTATE") || !strings.Contains(msg, "role \"ro_") {
		t.Errorf("write open as a SELECT-only role: %v", err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" {
		t.Errorf("the permission error is not kept for errors.As: %v", err)
	}
}

// A role that may only read lists a dead run (here another host's, its
// heartbeat long stale) as interrupted, as a role that may write does,
// rather than failing on the write that records it; the record waits for
// a role that may write.
func TestReadOnlyRoleListsDeadRunInterrupted(t *testing.T) {
	e := OpenTest(t)
	var schema string
	if err := e.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if err := e.StartRun(ctx, ascendkit.Run{ID: "run_far", StartedAt: time.Now().Add(-time.Hour), SourceKind: "file", Options: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	e.StopHeartbeats()
	if _, err := e.pool.Exec(ctx, `UPDATE import_runs SET host = 'laptop-2', pid_ns = '', pid = 1, heartbeat_at = $1 WHERE id = 'run_far'`,
		rules.FormatTime(time.Now().Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	ro := withRole(t, e.testURL, `GRANT USAGE ON SCHEMA `+schema+` TO {role}`, `GRANT SELECT ON ALL TABLES IN SCHEMA `+schema+` TO {role}`)
	r, err := OpenExisting(ctx, ro)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	runs, err := r.ListRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != ascendkit.RunInterrupted {
		t.Fatalf("ListRuns as a SELECT-only role: %+v, %v", runs, err)
	}
	if run, err := r.GetRun(ctx, "run_far"); err != nil || run.Status != ascendkit.RunInterrupted {
		t.Fatalf("GetRun as a SELECT-only role: %+v, %v", run, err)
	}
	var status string
	if err := e.pool.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = 'run_far'`).Scan(&status); err != nil || status != ascendkit.RunRunning {
		t.Fatalf("stored status %q, %v: the read-only role wrote", status, err)
	}
	if runs, err := e.ListRuns(ctx); err != nil || runs[0].Status != ascendkit.RunInterrupted {
		t.Fatalf("ListRuns as the owner: %+v, %v", runs, err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT status FROM import_runs WHERE id = 'run_far'`).Scan(&status); err != nil || status != ascendkit.RunInterrupted {
		t.Fatalf("stored status %q, %v: the owner did not record it", status, err)
	}
}

// A read-only open of an environment at an older schema version says
// which role must upgrade it, and upgrades nothing itself.
func TestReadOnlyOpenOfOlderSchema(t *testing.T) {
	e := OpenTest(t)
	if _, err := e.pool.Exec(ctx, `UPDATE ascendkit_schema SET version = 1`); err != nil {
		t.Fatal(err)
	}
	_, err := OpenExisting(ctx, e.testURL)
	if err == nil || !strings.Contains(err.Error(), "schema version 1") || !strings.Contains(err.Error(), "as the role that owns the schema") {
		t.Fatalf("read-only open of an older schema: %v", err)
	}
	var v int
	if err := e.pool.QueryRow(ctx, `SELECT version FROM ascendkit_schema`).Scan(&v); err != nil || v != 1 {
		t.Fatalf("the read-only open changed the schema version to %d (%v)", v, err)
	}
}

// An application's schema named by mistake got the environment's tables
// among its own; it is refused now, and left as it was.
func TestOpenRefusesAnotherProgramsSchema(t *testing.T) {
	u := pgtest.Target(t)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE accounts (id int)`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, u); err == nil || !strings.Contains(err.Error(), "holds tables of something else (accounts)") {
		t.Fatalf("open of an application's schema: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d tables in the schema (%v), want its own one", n, err)
	}
}

// A role without USAGE on the environment's schema: PostgreSQL passes
// over the schema as if it did not exist, so a read said "no
// environment" (and a preview counted every user new) and a write "no
// schema to use". Both now say what the role lacks.
func TestRoleWithoutUsageIsTold(t *testing.T) {
	e := OpenTest(t)
	var schema string
	if err := e.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	none := withRole(t, e.testURL)
	for name, open := range map[string]func() error{
		"read":  func() error { _, err := OpenExisting(ctx, none); return err },
		"write": func() error { _, err := Open(ctx, none); return err },
	} {
		err := open()
		if err == nil || errors.Is(err, ascendkit.ErrNoEnvironment) || !strings.Contains(err.Error(), "may not use schema \""+schema+"\" (it has no USAGE on it") ||
			!strings.Contains(err.Error(), "GRANT USAGE ON SCHEMA") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
