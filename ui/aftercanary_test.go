package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/importer"
)

// After a canary, the steps before the confirmation show the environment
// as it is now: the review lists the canary user as already imported (a
// skip/merge choice can be made), and the settings step counts it.
func TestStepsBeforeConfirmRecountAfterCanary(t *testing.T) {
	d, _ := toConfirmReal(t, 100, 30)
	d.press("c")
	s := canaryOf(d)
	d.waitFor("the candidates", func(Model) bool { return !s.loading })
	d.press("bob", "enter")
	d.waitFor("the canary run", func(Model) bool { return s.phase == canaryResult && (s.kept || s.noPw != "") })
	d.press("esc")
	d.waitFor("a fresh confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return m.state == stateConfirm && ok && c.report != nil
	})
	final := confirmOf(d).report
	if final.Users.Duplicates != 1 {
		t.Fatalf("confirmation after the canary: %+v", final.Users)
	}
	d.press("esc")
	if d.state() != stateDuplicates {
		t.Fatalf("esc went to %v", d.state())
	}
	r := reviewOf(d)
	// The review r lists the canary user as already imported.
	bobRow := func(Model) bool {
		return slices.ContainsFunc(r.entries, func(e importer.Entry) bool {
			return e.SourceID == "user_bob" && e.Kind == kindDuplicate && e.Reason == importer.ReasonAlreadyImported
		})
	}
	d.waitFor("the canary user's row", bobRow)
	d.press("esc")
	if d.state() != stateSettings {
		t.Fatalf("esc went to %v", d.state())
	}
	d.waitFor("the settings recount", func(Model) bool {
		return strings.Contains(flatten(d.view()), "duplicates 1 skipped 0")
	})
	d.mustSee("passwords kept 1 · need reset 0")
	// On to a new review: it lists the canary user (whose row says why
	// it is only skipped).
	d.press("enter")
	if d.state() != stateDuplicates {
		t.Fatalf("enter went to %v", d.state())
	}
	r = reviewOf(d)
	d.waitFor("the canary user's row in the new review", bobRow)
	d.press("enter")
	d.waitFor("the confirmation", func(m Model) bool {
		c, ok := m.screens[stateConfirm].(*confirmScreen)
		return m.state == stateConfirm && ok && c.report != nil
	})
	if u := confirmOf(d).report.Users; u.ToImport != 2 || u.Duplicates != 1 {
		t.Fatalf("confirmation: %+v", u)
	}
}
