package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTargetPathsPrintedClean: a path holding an escape sequence (in the
// set-env target, the config dir or the data dir) reaches the terminal
// only cleaned, on stdout and stderr, while the file itself is made at
// the path as given.
func TestTargetPathsPrintedClean(t *testing.T) {
	const esc = "\x1b[31m"
	h := newHarness(t)
	h.envs["XDG_CONFIG_HOME"] = filepath.Join(h.dir, "conf"+esc+"ig")
	dir := filepath.Join(h.dir, "a"+esc+"red")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "x.db")
	r := h.ok("set-env", "local:"+db)
	if strings.Contains(r.stdout+r.stderr, "\x1b") {
		t.Fatalf("set-env printed an ESC:\nstdout %q\nstderr %q", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Environment set to") || !strings.Contains(r.stdout, "red") {
		t.Fatalf("set-env output lost the path: %q", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(h.envs["XDG_CONFIG_HOME"], "ascendkit", "config.json")); err != nil {
		t.Fatalf("config not saved at the path as given: %v", err)
	}

	// The default environment, created in a data dir holding an ESC.
	h2 := newHarness(t)
	h2.envs["XDG_DATA_HOME"] = filepath.Join(h2.dir, "da"+esc+"ta")
	r = h2.ok("import", "migration-journey", "create")
	if !strings.Contains(r.stderr, "Creating the local AscendKit environment") {
		t.Fatalf("no creation notice: %q", r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "\x1b") {
		t.Fatalf("creation notice printed an ESC: %q", r.stderr)
	}
}

// set-env showing a PostgreSQL target it cannot reach says so (without
// the password), rather than that the environment does not exist.
func TestSetEnvShowsWhyItCannotOpen(t *testing.T) {
	h := newHarness(t)
	h.envs["ASCENDKIT_ENV"] = "postgres://ascendkit:Sup3r-s3cret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	var c currentEnv
	h.json(&c, "set-env")
	if c.Exists || c.OpenError == "" || strings.Contains(c.OpenError+c.Env, "Sup3r-s3cret") {
		t.Errorf("set-env --json: %+v", c)
	}
	r := h.ok("set-env")
	if !strings.Contains(r.stdout, "cannot be opened: ") || strings.Contains(r.stdout+r.stderr, "Sup3r-s3cret") {
		t.Errorf("set-env:\n%s%s", r.stdout, r.stderr)
	}
}

// set-env under $ASCENDKIT_ENV said "Environment set to B" while every
// later command went on using the variable's environment. It saves B
// and warns that the variable comes first (its password not shown);
// without the variable it says nothing more.
func TestSetEnvWarnsOfEnvVar(t *testing.T) {
	h := newHarness(t)
	b := "local:" + filepath.Join(h.dir, "b.db")
	h.envs["ASCENDKIT_ENV"] = "postgres://ascendkit:Sup3r-s3cret@127.0.0.1:1/a?sslmode=disable"
	r := h.ok("set-env", b)
	if !strings.Contains(r.stderr, "$ASCENDKIT_ENV is set (postgres://ascendkit:") || !strings.Contains(r.stderr, "unset ASCENDKIT_ENV") ||
		strings.Contains(r.stdout+r.stderr, "Sup3r-s3cret") {
		t.Errorf("set-env under $ASCENDKIT_ENV:\nstdout %q\nstderr %q", r.stdout, r.stderr)
	}
	// A password with an unencoded @ or # does not parse: never shown.
	h.envs["ASCENDKIT_ENV"] = "postgres://alice:p@ss#1s3cr3t@db.example.com/app"
	if r := h.ok("set-env", b); !strings.Contains(r.stderr, "$ASCENDKIT_ENV is set") || strings.Contains(r.stdout+r.stderr, "s3cr3t") {
		t.Errorf("set-env under an unparsed $ASCENDKIT_ENV: %q", r.stderr)
	}
	delete(h.envs, "ASCENDKIT_ENV")
	if r := h.ok("set-env", b); strings.Contains(r.stderr, "ASCENDKIT_ENV") {
		t.Errorf("set-env without the variable warns: %q", r.stderr)
	}
}
