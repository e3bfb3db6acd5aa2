package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
)

// A Clerk id listed twice: the first record is created, the second is a
// duplicate. The canary's list keeps the one created and leaves out only
// the record that is not, so it lists as many users as Confirm's "to
// create".
func TestCanaryListsFirstOfRepeatedID(t *testing.T) {
	canaryOfRepeatedID(t, func(ada string) string { return ada })
}

// The same id listed again without an address: skipped, after the record
// created. The list keeps the one created, not the one skipped.
func TestCanaryListsCreatedRecordBeforeASkippedOne(t *testing.T) {
	canaryOfRepeatedID(t, func(ada string) string {
		f := strings.Split(ada, ",")
		for i, v := range f {
			if strings.Contains(v, "@") {
				f[i] = ""
			}
		}
		return strings.Join(f, ",")
	})
}

// canaryOfRepeatedID opens the canary on the cut-over CSV with Ada's row
// listed again at its end as again(ada's row) gives it, and checks that
// each user to be created is listed once, Ada with her first record.
func canaryOfRepeatedID(t *testing.T, again func(string) string) {
	t.Helper()
	dir := t.TempDir()
	path := cutoverCSV(t, dir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	ada := lines[2] // after the comment and the header
	if !strings.HasPrefix(ada, "user_ada,") {
		t.Fatalf("unexpected test data %q", ada)
	}
	repeated := filepath.Join(dir, "repeated.csv")
	if err := os.WriteFile(repeated, []byte(string(data)+again(ada)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Config{Env: realEnv(t, dir), OpenFile: clerk.OpenFile}, 100, 30)
	d.press("2", repeated, "enter")
	d.waitFor("the preview", func(m Model) bool { return m.state == stateSettings && settingsOf(d).report != nil })
	d.press("enter", "enter")
	d.waitFor("the confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return ok && m.state == stateConfirm && c.report != nil
	})
	if !slices.ContainsFunc(d.m.pc.sess.entries, func(e importer.Entry) bool {
		return e.SourceID == "user_ada" && e.Pos > 3 && (e.Kind == kindDuplicate || e.Kind == kindSkipped)
	}) {
		t.Fatalf("the preview did not leave out the second record: %+v", d.m.pc.sess.entries)
	}
	d.press("c")
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	ids := candidateIDs(s)
	if !slices.Equal(ids, []string{"user_ada", "user_bob", "user_carol"}) {
		t.Fatalf("the canary lists %q, want each user to be created once", ids)
	}
	if e := s.users[0].email; !strings.Contains(lines[2], e) {
		t.Errorf("Ada is listed as %q, not with her first record's address", e)
	}
}
