package cli

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/jackc/pgx/v5"
)

// execTarget runs one statement on the environment's database, as a
// process killed mid-run leaves it (the store has no way to do this).
func execTarget(t *testing.T, target, q string) {
	t.Helper()
	ctx := context.Background()
	if path, ok := strings.CutPrefix(target, "local:"); ok {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
		return
	}
	conn, err := pgx.Connect(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatal(err)
	}
}

// envTarget is the target the harness's commands open: its backend's,
// or a new local one it names in ASCENDKIT_ENV.
func (h *harness) envTarget() string {
	if target := h.envs["ASCENDKIT_ENV"]; target != "" {
		return target
	}
	target := "local:" + filepath.Join(h.dir, "env.db")
	h.envs["ASCENDKIT_ENV"] = target
	return target
}

// A run killed with kill -9 leaves no report; `import runs` still shows
// the users it wrote, counted from their import records, not "-".
func TestRunsCountsAKilledRunsUsers(t *testing.T) { eachBackend(t, testRunsCountsAKilledRunsUsers) }

func testRunsCountsAKilledRunsUsers(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	target := h.envTarget()
	file := filepath.Join(h.dir, "u.json")
	os.WriteFile(file, []byte(`[
		{"id":"user_1","email_addresses":[{"id":"e1","email_address":"a@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e1"},
		{"id":"user_2","email_addresses":[{"id":"e2","email_address":"b@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e2"},
		{"id":"user_3","email_addresses":[{"id":"e3","email_address":"c@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e3"}]`), 0o600)
	h.ok("import", "clerk", "run", "--file", file, "--users")
	execTarget(t, target, `UPDATE import_runs SET status = '`+ascendkit.RunInterrupted+`', report = '{}', finished_at = NULL`)
	out := h.ok("import", "runs").stdout
	row := regexp.MustCompile(`(?m)^run_\S+\s+interrupted\s+.*$`).FindString(out)
	if row == "" {
		t.Fatalf("no interrupted run listed:\n%s", out)
	}
	if f := strings.Fields(row); !regexp.MustCompile(`\s3\s+0\s+process ended mid-run$`).MatchString(row) {
		t.Errorf("the killed run's row does not count its 3 users (fields %q):\n%s", f, out)
	}
}

// An undo refused because another run is importing says so plainly,
// without the store's "invalid data" sentinel text.
func TestUndoRefusedWhileImportingIsPlain(t *testing.T) {
	eachBackend(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		target := h.envTarget()
		file := filepath.Join(h.dir, "u.json")
		os.WriteFile(file, []byte(`[{"id":"user_1","email_addresses":[{"id":"e1","email_address":"a@example.com","verification":{"status":"verified"}}],"primary_email_address_id":"e1"}]`), 0o600)
		h.ok("import", "clerk", "run", "--file", file, "--users")
		id := regexp.MustCompile(`run_[0-9a-f]+`).FindString(h.ok("import", "runs").stdout)
		// A second run, live: this process's, with a fresh heartbeat.
		execTarget(t, target, `INSERT INTO import_runs (id, started_at, source_kind, source_format, options, status, pid, host, pid_ns, heartbeat_at)
			SELECT 'run_live', started_at, source_kind, source_format, options, '`+ascendkit.RunRunning+`', pid, host, pid_ns, heartbeat_at
			FROM import_runs WHERE id = '`+id+`'`)
		r := h.run("", "import", "undo", id, "--yes")
		if r.code == 0 || !strings.Contains(r.stderr, "run run_live is importing now; undo "+id+" after it ends") {
			t.Fatalf("undo while a run imports: exit %d\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "invalid data") {
			t.Errorf("the refusal reads as bad data: %s", r.stderr)
		}
	})
}
