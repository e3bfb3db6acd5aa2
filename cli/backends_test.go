package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit/postgres/pgtest"
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
