package cli

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

func TestAuthUpdateByHandAndRuns(t *testing.T) { eachBackend(t, testAuthUpdateByHandAndRuns) }

// testAuthUpdateByHandAndRuns: a provider a run enabled that is turned
// off and on again with auth update is the user's, so the run's undo
// leaves it on (the others it enabled go); a later run that turns back on
// providers retired with auth update says which, and --providers on the
// run keeps them off.
func testAuthUpdateByHandAndRuns(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	clerkServer(t, 120)
	var rep importer.Report
	h.json(&rep, "import", "clerk", "run", "--api-key", testKey)
	var shown struct{ Providers []string }
	h.json(&shown, "auth", "show")
	var social []string
	for _, p := range shown.Providers {
		if p != "credentials" && p != "magic-link" {
			social = append(social, p)
		}
	}
	if len(social) < 2 || !slices.Contains(shown.Providers, "credentials") {
		t.Fatalf("the import enabled %v: the test needs credentials and two social providers", shown.Providers)
	}
	mine := social[0]
	without := slices.DeleteFunc(slices.Clone(shown.Providers), func(p string) bool { return p == mine })
	h.ok("auth", "update", "--providers", strings.Join(without, ","))
	h.ok("auth", "update", "--providers", strings.Join(shown.Providers, ","))
	h.ok("import", "undo", rep.RunID, "--yes")
	var after struct{ Providers []string }
	h.json(&after, "auth", "show")
	if !reflect.DeepEqual(after.Providers, []string{mine}) {
		t.Errorf("after the undo: providers %v, want only %s (turned back on by hand; the run's others off)", after.Providers, mine)
	}

	// Retire all but credentials and one social provider, then run
	// again: the run turns the others back on and says so.
	h = newHarness(t)
	h.json(&rep, "import", "clerk", "run", "--api-key", testKey)
	keep := []string{"credentials", mine}
	slices.Sort(keep)
	h.ok("auth", "update", "--providers", strings.Join(keep, ","))
	var retired []string
	for _, p := range shown.Providers {
		if !slices.Contains(keep, p) {
			retired = append(retired, p)
		}
	}
	var again importer.Report
	h.json(&again, "import", "clerk", "run", "--api-key", testKey)
	if again.Users.Imported != 0 {
		t.Fatalf("the second run imported %d users", again.Users.Imported)
	}
	if !reflect.DeepEqual(again.Settings.TurnedBackOn, retired) {
		t.Errorf("turnedBackOn %v, want %v", again.Settings.TurnedBackOn, retired)
	}
	warned := ""
	for _, w := range again.Warnings {
		if strings.Contains(w, "turned off by hand") {
			warned = w
		}
	}
	if !strings.Contains(warned, "turns back on "+strings.Join(retired, ", ")+",") || !strings.Contains(warned, "--providers") {
		t.Errorf("warning %q does not name %v and --providers", warned, retired)
	}
	// The human report warns too; --providers naming the kept one keeps
	// the retired ones off, without a warning.
	h.ok("auth", "update", "--providers", strings.Join(keep, ","))
	if r := h.ok("import", "clerk", "run", "--api-key", testKey); !strings.Contains(r.stdout, "  ! This import turns back on "+strings.Join(retired, ", ")) {
		t.Errorf("human run: no warning naming %v:\n%s", retired, r.stdout)
	}
	h.ok("auth", "update", "--providers", strings.Join(keep, ","))
	if r := h.ok("import", "clerk", "run", "--api-key", testKey, "--providers", mine); strings.Contains(r.stdout+r.stderr, "turned off by hand") {
		t.Errorf("run with --providers %s warned:\n%s", mine, r.stdout)
	}
	h.json(&after, "auth", "show")
	if !reflect.DeepEqual(after.Providers, keep) {
		t.Errorf("after a run with --providers %s: %v, want %v", mine, after.Providers, keep)
	}
}
