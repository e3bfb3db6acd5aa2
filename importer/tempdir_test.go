//go:build unix

package importer

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TempDir removes the directories of its prefix that a dead process
// left (their lock held by no one, a minute old), and none other: not
// a live one's, not a fresh one, not one it did not make.
func TestTempDirSweepsOnlyDeadProcessesDirs(t *testing.T) {
	base := t.TempDir()
	t.Setenv("TMPDIR", base)
	const prefix = "ascendkit-test-"
	old := time.Now().Add(-2 * time.Minute)
	mk := func(name string, lock bool, when time.Time) string {
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "ids"), []byte("user_1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if lock {
			if err := os.WriteFile(filepath.Join(dir, lockName), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, when, when); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dead := mk(prefix+"dead", true, old)          // killed: its lock went with it
	fresh := mk(prefix+"fresh", true, time.Now()) // may not hold its lock yet
	foreign := mk(prefix+"nolock", false, old)    // not made by TempDir
	other := mk("other-dead", true, old)          // another prefix
	live, err := TempDir(prefix)                  // this process's: held
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(live, old, old); err != nil {
		t.Fatal(err)
	}
	mine, err := TempDir(prefix) // sweeps
	if err != nil {
		t.Fatal(err)
	}
	defer RemoveTempDir(mine)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead process's directory is still there: %v", err)
	}
	for _, d := range []string{fresh, foreign, other, live} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(d), err)
		}
	}
	if err := RemoveTempDir(live); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("RemoveTempDir left %s", live)
	}
	if fi, err := os.Stat(mine); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("TempDir's directory: %v %v", fi, err)
	}
}

// TempFile removes the files of its pattern a dead process left (a
// minute old, their lock held by no one), not a live one's, a fresh one
// or another pattern's, and keeps its own locked.
func TestTempFileSweepsOnlyDeadProcessesFiles(t *testing.T) {
	dir := t.TempDir()
	const pattern = ".entries.jsonl.*.tmp"
	old := time.Now().Add(-2 * time.Minute)
	mk := func(name string, when time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(`{"email":"a@example.com"}`+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dead := mk(".entries.jsonl.111.tmp", old)
	fresh := mk(".entries.jsonl.222.tmp", time.Now())
	other := mk(".other.jsonl.333.tmp", old)
	target := mk("entries.jsonl", old)            // the file asked for, from an earlier run
	mine2 := mk(".entries.jsonl.backup.tmp", old) // a user's own: not CreateTemp's digits
	special := ".entries[1].jsonl.*.tmp"          // a name with glob characters
	deadSpecial := mk(".entries[1].jsonl.444.tmp", old)
	live, err := TempFile(dir, pattern)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := os.Chtimes(live.Name(), old, old); err != nil {
		t.Fatal(err)
	}
	mine, err := TempFile(dir, pattern) // sweeps
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	sp, err := TempFile(dir, special)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if _, err := os.Stat(deadSpecial); !os.IsNotExist(err) {
		t.Errorf("the dead process's file of a name with [ ] is still there: %v", err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead process's file is still there: %v", err)
	}
	for _, p := range []string{fresh, other, target, mine2, live.Name()} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
	if fi, err := os.Stat(mine.Name()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("TempFile's file: %v %v", fi, err)
	}
}
