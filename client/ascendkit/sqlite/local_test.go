package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/conformance"
)

var ctx = context.Background()

func openTest(t testing.TB) *Local {
	t.Helper()
	l, err := OpenLocal(filepath.Join(t.TempDir(), "env", "ascendkit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)

// imported is the conformance suite's fixture user, so these tests and
// the suite build the same users.
func imported(i int, tags ...string) ascendkit.ImportedUser { return conformance.Imported(i, tags...) }

func apply(t *testing.T, l *Local, b ascendkit.ImportBatch) ascendkit.BatchResult {
	t.Helper()
	res, err := l.ApplyImport(ctx, b, t0)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func count(t *testing.T, l *Local, table string) int {
	t.Helper()
	var n int
	if err := l.r.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ascendkit.Target
		err  bool
	}{
		{"local:/tmp/x.db", ascendkit.Target{Kind: ascendkit.TargetLocal, Path: "/tmp/x.db"}, false},
		{"local:rel/x.db", ascendkit.Target{Kind: ascendkit.TargetLocal, Path: "rel/x.db"}, false},
		{"pk_dev_abc", ascendkit.Target{Kind: ascendkit.TargetRemote, PublicKey: "pk_dev_abc"}, false},
		{"local:", ascendkit.Target{}, true},
		{"", ascendkit.Target{}, true},
		{"/tmp/x.db", ascendkit.Target{}, true},
		{"pk_", ascendkit.Target{}, true},
	} {
		got, err := ascendkit.ParseTarget(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseTarget(%q) = %+v, %v", tc.in, got, err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestOpenRemoteAndBadTargets(t *testing.T) {
	_, err := ascendkit.Open("pk_dev_x")
	if !errors.Is(err, ascendkit.ErrRemoteUnsupported) {
		t.Fatalf("Open(pk_dev_x) = %v, want ErrRemoteUnsupported", err)
	}
	if _, err := ascendkit.Open("postgres://x"); err == nil || errors.Is(err, ascendkit.ErrRemoteUnsupported) {
		t.Fatalf("Open(postgres://x) = %v", err)
	}
}

func TestOpenMigratePragmas(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a b?c", "env.db") // characters a URI must escape
	for i := 0; i < 2; i++ {
		env, err := ascendkit.Open("local:" + path)
		if err != nil {
			t.Fatal(err)
		}
		l := env.(*Local)
		if got, want := env.Describe(), "local:"+path; got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
		var v int
		if err := l.w.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migrations) {
			t.Errorf("user_version = %d, %v", v, err)
		}
		for name, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"} {
			for _, db := range []*sql.DB{l.w, l.r} {
				var got string
				if err := db.QueryRow("PRAGMA " + name).Scan(&got); err != nil || got != want {
					t.Errorf("PRAGMA %s = %q, %v; want %q", name, got, err, want)
				}
			}
		}
		// The write connection's import tuning (writePragmas), on it alone.
		for name, want := range map[string][2]string{"temp_store": {"2", "0"}, "cache_size": {"-16384", "-2000"},
			"wal_autocheckpoint": {"8000", "1000"}} {
			for k, db := range []*sql.DB{l.w, l.r} {
				var got string
				if err := db.QueryRow("PRAGMA " + name).Scan(&got); err != nil || got != want[k] {
					t.Errorf("connection %d: PRAGMA %s = %q, %v; want %q", k, name, got, err, want[k])
				}
			}
		}
		if i == 0 {
			// Foreign keys are enforced.
			if _, err := l.w.Exec(`INSERT INTO user_tags (user_id, tag) VALUES ('usr_missing', 'x')`); err == nil {
				t.Error("foreign key not enforced")
			}
			if _, err := l.r.Exec(`INSERT INTO settings (key, value) VALUES ('a', 'b')`); err == nil {
				t.Error("reader pool accepts writes")
			}
			apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1)}})
		}
		if n, _ := l.CountUsers(ctx); n != 1 {
			t.Errorf("open %d: %d users", i, n)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("db file mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode().Perm())
	}
}

// TestReadDuringWrite checks that a read does not wait for an open write
// transaction.
func TestReadDuringWrite(t *testing.T) {
	l := openTest(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{imported(1)}})
	done := make(chan error)
	err := l.write(ctx, func(tx *sql.Tx) error {
		go func() {
			_, err := l.GetUser(ctx, "user1@example.com")
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(2 * time.Second):
			return errors.New("read blocked by write transaction")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openWithJourney is a fresh environment with one active journey for
// the audience tag, so that the benchmarks' imports enroll.
func openWithJourney(b *testing.B, tag string) *Local {
	l := openTest(b)
	j := conformance.Journey("Bench", tag)
	j.Status = ascendkit.StatusActive
	if _, _, err := l.CreateJourney(ctx, j); err != nil {
		b.Fatal(err)
	}
	return l
}

func BenchmarkApplyImport(b *testing.B) {
	l := openWithJourney(b, "import:clerk")
	const batchSize = 250
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := ascendkit.ImportBatch{RunID: "bench", Create: make([]ascendkit.ImportedUser, batchSize)}
		for k := range batch.Create {
			u := imported(n)
			u.User.Tags = []string{"import:clerk", "import:social-only"}
			batch.Create[k] = u
			n++
		}
		b.StartTimer()
		res, err := l.ApplyImport(ctx, batch, t0)
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != batchSize {
			b.Fatalf("created %d", res.Created)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "users/s")
}

// Another program's SQLite file named by mistake got the environment's
// thirteen tables, on a read too; an empty file (touch) was made an
// environment by a read and kept its 0644 mode, with digests in it.
func TestForeignAndEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE foo (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(foreign)
	for _, open := range []func(string) (ascendkit.Environment, error){ascendkit.Open, ascendkit.OpenExisting} {
		if _, err := open("local:" + foreign); err == nil || !strings.Contains(err.Error(), "a SQLite database of something else (tables foo)") {
			t.Errorf("foreign file: %v", err)
		}
	}
	if after, _ := os.ReadFile(foreign); !bytes.Equal(before, after) {
		t.Error("the foreign file was changed")
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ascendkit.OpenExisting("local:" + empty); !errors.Is(err, ascendkit.ErrNoEnvironment) {
		t.Errorf("read of an empty file: %v", err)
	}
	if st, _ := os.Stat(empty); st.Size() != 0 {
		t.Errorf("a read wrote %d bytes into the empty file", st.Size())
	}
	env, err := ascendkit.Open("local:" + empty)
	if err != nil {
		t.Fatal(err)
	}
	env.Close()
	if st, _ := os.Stat(empty); st.Mode().Perm() != 0o600 {
		t.Errorf("the environment made in an existing file has mode %v", st.Mode().Perm())
	}
	if env, err := ascendkit.OpenExisting("local:" + empty); err != nil {
		t.Errorf("the environment once made: %v", err)
	} else {
		env.Close()
	}
}
