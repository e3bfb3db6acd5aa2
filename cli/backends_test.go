package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// eachBackend runs a CLI test with the default SQLite environment and
// with ASCENDKIT_ENV naming a fresh PostgreSQL schema.
func eachBackend(t *testing.T, test func(t *testing.T, newHarness func(*testing.T) *harness)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newHarness) })
	t.Run("postgres", func(t *testing.T) {
		test(t, func(t *testing.T) *harness {
			h := newHarness(t)
			h.envs["ASCENDKIT_ENV"] = pgtest.Target(t)
			return h
		})
	})
}

// TestSetEnvPostgres saves a postgres:// target: the password never
// reaches the output, the config file is 0600 and the user is told, and
// later commands use the saved target.
func TestSetEnvPostgres(t *testing.T) {
	h := newHarness(t)
	target := pgtest.Target(t)
	withPass := strings.Replace(target, "postgres://ascendkit@", "postgres://ascendkit:Sup3r-s3cret@", 1)
	if withPass == target {
		t.Fatalf("test target %s has no user to add a password to", target)
	}
	for _, args := range [][]string{{"set-env", withPass}, {"set-env", withPass, "--json"}} {
		r := h.ok(args...)
		if strings.Contains(r.stdout+r.stderr, "Sup3r-s3cret") {
			t.Fatalf("%v printed the password:\n%s%s", args[len(args)-1], r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "xxxxx") {
			t.Errorf("%v: saved target not shown redacted: %s", args, r.stdout)
		}
		if !strings.Contains(r.stderr, "0600") {
			t.Errorf("%v: no note that the password is stored 0600: %q", args, r.stderr)
		}
	}
	// set-env with no argument shows the saved target, redacted too.
	for _, args := range [][]string{{"set-env"}, {"set-env", "--json"}} {
		r := h.ok(args...)
		if strings.Contains(r.stdout+r.stderr, "Sup3r-s3cret") || !strings.Contains(r.stdout, "xxxxx") {
			t.Fatalf("%v: password shown or target not redacted:\n%s%s", args, r.stdout, r.stderr)
		}
	}
	cfg := filepath.Join(h.dir, "config", "ascendkit", "config.json")
	st, err := os.Stat(cfg)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config %v mode %v", err, st)
	}
	var c config
	b, _ := os.ReadFile(cfg)
	if err := json.Unmarshal(b, &c); err != nil || c.Env != withPass {
		t.Fatalf("saved %q, %v", c.Env, err)
	}
	// Without a password in the URL there is nothing to warn about.
	if r := h.ok("set-env", target); strings.Contains(r.stderr, "0600") {
		t.Errorf("password note without a password: %q", r.stderr)
	}
	h.ok("import", "migration-journey", "create")
	var js []map[string]any
	h.json(&js, "journey", "list")
	if len(js) != 2 {
		t.Fatalf("saved postgres env has %d journeys", len(js))
	}
	// A server that is not there: a clear error, exit 1, no password.
	bad := "postgres://ascendkit:Sup3r-s3cret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	r := h.run("", "set-env", bad)
	if r.code == 0 || strings.Contains(r.stdout+r.stderr, "Sup3r-s3cret") || !strings.Contains(r.stderr, "127.0.0.1") {
		t.Fatalf("unreachable server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Read-only commands and a preview refuse (or preview against nothing) a
// PostgreSQL schema that holds no environment, as they do a missing local
// file, and create no table there.
func TestReadOnlyCommandsCreateNothingOnPostgres(t *testing.T) {
	h := newHarness(t)
	target := pgtest.Target(t)
	h.envs["ASCENDKIT_ENV"] = target
	file := writeClerkFile(t, h.dir, twoUsers)
	for _, args := range [][]string{{"user", "list"}, {"import", "runs"}, {"import", "runs", "show", "run_x"},
		{"import", "undo", "run_x", "--yes"}, {"journey", "list"}, {"auth", "show"}} {
		r := h.run("", args...)
		if r.code != 1 || !strings.Contains(r.stderr, "no environment at postgres://") || !strings.Contains(r.stderr, "run an import or set-env") {
			t.Errorf("%v on an empty schema: exit %d %q", args, r.code, r.stderr)
		}
	}
	r := h.ok("import", "clerk", "preview", "--file", file)
	if !strings.Contains(r.stderr, "does not exist yet") || !strings.Contains(r.stdout, "(does not exist yet)") {
		t.Errorf("preview of an empty schema:\n%s%s", r.stdout, r.stderr)
	}
	if n := schemaTables(t, target); n != 0 {
		t.Fatalf("read-only commands created %d tables", n)
	}
	h.ok("import", "clerk", "run", "--file", file)
	if r := h.ok("user", "list"); !strings.Contains(r.stdout, "@") {
		t.Errorf("user list once the environment exists:\n%s", r.stdout)
	}
}

// schemaTables counts the tables in the schema target's search_path names.
func schemaTables(t *testing.T, target string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
