package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/importer"
)

const twoUsers = `[{"id":"user_2","phone_numbers":[{"id":"p","phone_number":"+14155550100"}],"created_at":1752102559068},
{"id":"user_1","email_addresses":[{"id":"e","email_address":"a@example.com","verification":{"status":"verified"}}],"created_at":1752102559068}]`

// noTempFiles fails if an entries temp file was left in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", de.Name())
		}
	}
}

func readOrEmpty(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return b
}

// --entries naming an input or the environment is refused before
// anything is opened for writing, and every file keeps its bytes.
func TestEntriesRefusesInputsAndEnvironment(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	pw := filepath.Join(h.dir, "pw.json")
	if err := os.WriteFile(pw, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(h.dir, "env.db")
	env := "local:" + db
	h.ok("import", "clerk", "run", "--file", file, "--env", env)
	link := filepath.Join(h.dir, "link.json")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(h.dir, "hard.db")
	if err := os.Link(db, hard); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(h.dir, "new.db")
	guarded := []string{file, pw, db, db + "-wal", db + "-shm"}
	before := map[string][]byte{}
	for _, p := range guarded {
		before[p] = readOrEmpty(t, p)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"file", []string{"preview", "--file", file, "--env", env, "--entries", file}},
		{"file relative spelling", []string{"run", "--file", file, "--env", env, "--entries", filepath.Join(h.dir, ".", "sub", "..", "users.json")}},
		{"symlink to file", []string{"preview", "--file", file, "--env", env, "--entries", link}},
		{"passwords", []string{"run", "--file", file, "--passwords", pw, "--env", env, "--entries", pw}},
		{"environment db", []string{"preview", "--file", file, "--env", env, "--entries", db}},
		{"hard link to db", []string{"preview", "--file", file, "--env", env, "--entries", hard}},
		{"wal", []string{"run", "--file", file, "--env", env, "--entries", db + "-wal"}},
		{"shm", []string{"preview", "--file", file, "--env", env, "--entries", db + "-shm"}},
		{"environment not created yet", []string{"run", "--file", file, "--env", "local:" + missing, "--entries", missing}},
		{"directory", []string{"preview", "--file", file, "--env", env, "--entries", h.dir}},
		{"dash, taken for stdout", []string{"run", "--file", file, "--env", env, "--entries", "-"}},
	} {
		r := h.run("", append([]string{"import", "clerk"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "--entries") {
			t.Errorf("%s: exit %d, stderr %q", tc.name, r.code, r.stderr)
		}
		for _, p := range guarded {
			if got := readOrEmpty(t, p); !bytes.Equal(got, before[p]) {
				t.Errorf("%s: %s changed (%d bytes, was %d)", tc.name, filepath.Base(p), len(got), len(before[p]))
			}
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("refused run created %s (%v)", missing, err)
	}
	noTempFiles(t, h.dir)
	// The environment still reads.
	var users []map[string]any
	h.json(&users, "user", "list", "--env", env)
	if len(users) != 1 {
		t.Errorf("environment after refusals: %d users", len(users))
	}
}

// A command that fails before reading any user leaves an existing entries
// file as it was; one that read users replaces it, even if it stopped
// partway, with the users it read.
func TestEntriesReplacedOnlyWhenUsersWereRead(t *testing.T) {
	h := newHarness(t)
	clerkServer(t, 20)
	entries := filepath.Join(h.dir, "entries.jsonl")
	old := []byte("{\"previous\":\"run\"}\n")
	if err := os.WriteFile(entries, old, 0o600); err != nil {
		t.Fatal(err)
	}
	env := "local:" + filepath.Join(h.dir, "env.db")
	r := h.run("", "import", "clerk", "run", "--api-key", "sk_test_wrong_key", "--env", env, "--entries", entries)
	if r.code != 1 || !bytes.Equal(readOrEmpty(t, entries), old) {
		t.Fatalf("401 run: exit %d, entries now %q (stderr %q)", r.code, readOrEmpty(t, entries), r.stderr)
	}
	r = h.run("", "import", "clerk", "preview", "--file", filepath.Join(h.dir, "absent.json"), "--env", env, "--entries", entries)
	if r.code != 1 || !bytes.Equal(readOrEmpty(t, entries), old) {
		t.Fatalf("missing file: exit %d, entries now %q", r.code, readOrEmpty(t, entries))
	}
	noTempFiles(t, h.dir)
	// An entries path in a directory that does not exist stops the run
	// before the environment is created.
	r = h.run("", "import", "clerk", "run", "--file", filepath.Join(h.dir, "absent.json"), "--env", "local:"+filepath.Join(h.dir, "new.db"), "--entries", filepath.Join(h.dir, "no", "e.jsonl"))
	if r.code != 1 || !strings.Contains(r.stderr, "--entries") || strings.Contains(r.stderr, ".tmp") {
		t.Errorf("entries in a missing directory: exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "new.db")); !os.IsNotExist(err) {
		t.Errorf("the environment was created (%v)", err)
	}

	// A file cut short after two records: the preview stops with an
	// error, and the entries list the two users it read.
	broken := filepath.Join(h.dir, "broken.json")
	if err := os.WriteFile(broken, []byte(strings.TrimSuffix(twoUsers, "]")+`,{"id": tru`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.run("", "import", "clerk", "preview", "--file", broken, "--env", env, "--entries", entries)
	got := string(readOrEmpty(t, entries))
	if r.code != 1 || strings.Contains(got, "previous") || !strings.Contains(got, `"sourceId":"user_2"`) {
		t.Fatalf("partial preview: exit %d, entries %q", r.code, got)
	}
	st, err := os.Stat(entries)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("entries mode %v, %v", st.Mode(), err)
	}
	noTempFiles(t, h.dir)
}

// `--only "$CANARY"` with the variable unset is a usage error, not a
// full import.
func TestOnlyEmptyIsUsageError(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	db := filepath.Join(h.dir, "env.db")
	for _, only := range []string{"", " ", ",", " , "} {
		r := h.run("", "import", "clerk", "run", "--file", file, "--env", "local:"+db, "--only", only)
		if r.code != 2 || !strings.Contains(r.stderr, "--only") {
			t.Errorf("--only %q: exit %d %q", only, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused --only created the environment (%v)", err)
	}
	// Blank items next to a real one are dropped.
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--file", file, "--env", "local:"+db, "--only", ",a@example.com, ")
	if rep.Users.Imported != 1 {
		t.Errorf("--only with one user: %+v", rep.Users)
	}
}

// A Clerk secret key given where it does not belong is never printed.
func TestSecretKeyNotEchoed(t *testing.T) {
	const key = "sk_live_SECRETabc123"
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	env := "local:" + filepath.Join(h.dir, "env.db")
	for _, args := range [][]string{
		{"set-env", key},
		{"set-env", " " + key + "\n"},
		{"--env", key, "user", "list"},
		{"--env", key, "import", "clerk", "preview", "--file", file},
		{"import", "clerk", "preview", "--file", file, "--env", env, "--providers", key},
		{"import", "clerk", "preview", "--file", file, "--env", env, "--providers", "google," + strings.ToUpper(key)},
		{"import", "clerk", "preview", "--file", file, "--env", env, "--on-duplicate", key},
		{"import", "clerk", "preview", "--file", file, "--env", env, "--from-identity", key},
		{"import", "clerk", "preview", "--file", file, "--env", env, "--only", key},
		{"import", "clerk", "preview", "--file", file, "--env", env, "--only", "a@example.com," + key, "--json"},
		{key},
		{"import", key},
	} {
		r := h.run("", args...)
		if r.code == 0 {
			t.Errorf("%v accepted", args)
		}
		if out := r.stdout + r.stderr; strings.Contains(strings.ToLower(out), "secretabc123") {
			t.Errorf("%v printed the key:\n%s", args, out)
		}
	}
	r := h.run("", "set-env", key)
	if r.code != 2 || !strings.Contains(r.stderr, "looks like a Clerk secret key") || !strings.Contains(r.stderr, "local:<path>") {
		t.Errorf("set-env key: exit %d %q", r.code, r.stderr)
	}
	// set-env with no target shows the current one: not a key, nor a
	// password in a URL that does not parse.
	for _, target := range []string{key, "postgres://ak:hunter2SECRETabc123@host:port/x"} {
		for _, args := range [][]string{{"set-env"}, {"set-env", "--json"}} {
			r := h.run("", append(args, "--env", target)...)
			if r.code != 0 || strings.Contains(r.stdout+r.stderr, "SECRETabc123") || !strings.Contains(r.stdout, "invalid") && !strings.Contains(r.stdout, "not a valid target") {
				t.Errorf("%v --env %s: exit %d\n%s%s", args, target, r.code, r.stdout, r.stderr)
			}
		}
	}
	h.envs["ASCENDKIT_ENV"] = key
	if r := h.run("", "set-env"); strings.Contains(r.stdout+r.stderr, "SECRETabc123") {
		t.Errorf("set-env with $ASCENDKIT_ENV a key:\n%s%s", r.stdout, r.stderr)
	}
	r = h.run("", "user", "list")
	if r.code != 2 || strings.Contains(r.stdout+r.stderr, "SECRETabc123") || !strings.Contains(r.stderr, "looks like a Clerk secret key") {
		t.Errorf("$ASCENDKIT_ENV key: exit %d %q", r.code, r.stderr)
	}
}

// A preview and the commands that only read or undo create no environment
// at a path that has none; a preview still counts every user, as new.
func TestDryRunsCreateNoEnvironment(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	missing := filepath.Join(h.dir, "nodir", "x.db")
	var rep importer.Report
	r := h.ok("import", "clerk", "preview", "--file", file, "--env", "local:"+missing, "--json")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Users.Fetched != 2 || rep.Users.ToImport != 1 || rep.Users.Duplicates != 0 {
		t.Errorf("preview of a new environment: %+v", rep.Users)
	}
	if !strings.Contains(r.stderr, "does not exist yet") || !strings.Contains(r.stderr, missing) {
		t.Errorf("preview does not say the environment is new: %q", r.stderr)
	}
	if h := h.ok("import", "clerk", "preview", "--file", file, "--env", "local:"+missing); !strings.Contains(h.stdout, missing+" (does not exist yet)") {
		t.Errorf("human preview target line:\n%s", h.stdout)
	}
	for _, args := range [][]string{{"import", "runs"}, {"import", "runs", "show", "run_x"}, {"import", "undo", "run_x", "--yes"}, {"auth", "check-password", "a@example.com"}} {
		r := h.run("secret\n", append(args, "--env", "local:"+missing)...)
		if r.code != 1 || !strings.Contains(r.stderr, "no environment at "+missing) {
			t.Errorf("%v on a missing env: exit %d %q", args, r.code, r.stderr)
		}
	}
	// Nor the default environment.
	h.ok("import", "clerk", "preview", "--file", file)
	for _, p := range []string{filepath.Dir(missing), filepath.Join(h.dir, "data", "ascendkit")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after dry runs (%v)", p, err)
		}
	}
	// A run creates it, and a preview then sees its users as duplicates.
	h.ok("import", "clerk", "run", "--file", file, "--env", "local:"+missing)
	h.json(&rep, "import", "clerk", "preview", "--file", file, "--env", "local:"+missing)
	if rep.Users.ToImport != 0 || rep.Users.Duplicates != 1 {
		t.Errorf("preview after the run: %+v", rep.Users)
	}
}

// Undoing an undone run fails before any plan or prompt.
func TestUndoAlreadyUndone(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--file", file)
	h.ok("import", "undo", rep.RunID, "--yes")
	r := h.runTTY("undo\n", "import", "undo", rep.RunID)
	if r.code != 1 || !strings.Contains(r.stderr, "already undone") {
		t.Fatalf("second undo: exit %d %q", r.code, r.stderr)
	}
	if out := r.stdout + r.stderr; strings.Contains(out, "removes") || strings.Contains(out, "Type undo") {
		t.Errorf("second undo showed a plan or asked:\n%s", out)
	}
}

// Concurrent requests pausing for the same cause print one notice per
// pause, and the next pause prints again.
func TestWaitNoticesCollapse(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&IO{ErrOut: &buf})
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	const reason = "could not reach Clerk, retrying"
	for range 44 {
		p.wait(reason, 2*time.Second)
	}
	p.wait("rate limited by Clerk", 3*time.Second)
	p.wait(reason, 500*time.Millisecond) // pacing-sized pauses print nothing
	now = now.Add(2 * time.Second)
	for range 44 {
		p.wait(reason, 4*time.Second)
	}
	// Within an announced second-long pause, another request told to wait
	// 30 s: that pause is announced, not hidden behind the first.
	p.wait("rate limited by Clerk", time.Second)
	p.wait("rate limited by Clerk", 30*time.Second)
	p.wait("rate limited by Clerk", 29*time.Second)
	want := reason + ": waiting 2s\nrate limited by Clerk: waiting 3s\n" + reason + ": waiting 4s\n" +
		"rate limited by Clerk: waiting 30s\n"
	if buf.String() != want {
		t.Errorf("notices:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// An undo of a run the environment does not have names the environment it
// looked in: after a set-env, the run is likely in the one used before.
func TestUndoUnknownRunNamesEnvironment(t *testing.T) {
	h := newHarness(t)
	file := writeClerkFile(t, h.dir, twoUsers)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--file", file)
	other := "local:" + filepath.Join(h.dir, "other.db")
	h.ok("import", "clerk", "run", "--file", file, "--env", other)
	r := h.run("", "import", "undo", rep.RunID, "--yes", "--env", other)
	if r.code != 1 || !strings.Contains(r.stderr, "not found in environment "+other) {
		t.Errorf("undo in another environment: exit %d %q", r.code, r.stderr)
	}
}
