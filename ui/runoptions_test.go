package ui

import (
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// The run's detail says what `import runs show` says of its options: the
// rows chosen one by one beside the default, and the sender the run was
// given (cleaned), which only a finished run set.
func TestRunDetailShowsChoicesAndSender(t *testing.T) {
	env, _, _ := twoRuns(t)
	d := newDriver(t, Config{Env: env, Start: ScreenBrowser}, 100, 30)
	b := browserOf(d)
	d.waitFor("the runs", func(Model) bool { return !b.loading })
	d.press("enter")
	d.waitFor("the run", func(Model) bool { return b.mode == browseRun })
	if b.run.Status != ascendkit.RunCompleted {
		t.Fatalf("status %s", b.run.Status)
	}
	b.run.Options.Decisions = 41
	b.run.Options.FromIdentity = "hello@acme.test\x1b[31m"
	v := d.view()
	mustSeeRow(d, "options", "users · duplicates merge (with 41 per-user choices)")
	mustSeeRow(d, "sender", "hello@acme.test (given with --from-identity)")
	if strings.Contains(v, "not set") {
		t.Errorf("a completed run's sender is said not set:\n%s", v)
	}
	b.run.Status = ascendkit.RunInterrupted
	mustSeeRow(d, "sender", "hello@acme.test (given with --from-identity; not set, as the run did not finish)")
	// No choices, no sender: neither is mentioned.
	b.run.Options.Decisions, b.run.Options.FromIdentity = 0, ""
	if v := d.view(); strings.Contains(v, "per-user") || strings.Contains(v, "sender") {
		t.Errorf("a run without choices or sender:\n%s", v)
	}
}
