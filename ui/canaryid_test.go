package ui

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// The canary selects the chosen row by its Clerk id (as the run records
// it), so it is exactly that user, not whoever else the source holds
// under the same address; an address typed in full is selected by
// address.
func TestCanarySelectsChosenRowByID(t *testing.T) {
	d, env := toConfirmReal(t, 100, 30)
	d.press("c")
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	d.press("bo")
	d.press("enter")
	d.waitFor("the canary run", func(Model) bool { return s.phase == canaryResult && (s.kept || s.noPw != "") })
	d.mustSee("✓ Imported bob@example.com")
	run, err := env.GetRun(context.Background(), s.report.RunID)
	if err != nil {
		t.Fatal(err)
	}
	var ro importer.RunOptions
	if err := json.Unmarshal(run.Options, &ro); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ro.Only, []string{"user_bob"}) {
		t.Fatalf("the canary ran with --only %q, want the chosen row's id user_bob", ro.Only)
	}

	// An address the list does not show, typed in full.
	s.search.SetValue("zed@example.com")
	s.refilter()
	if u, ok := s.target(); !ok || u.clerkID != "" || u.email != "zed@example.com" {
		t.Fatalf("typed address target = %+v, %v", u, ok)
	}
}
