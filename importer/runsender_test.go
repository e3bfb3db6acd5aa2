package importer

import (
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// The sender a run was given is said as what became of it: set by a run
// that finished, and taken back by its undo; never set by one that did
// not finish, undone or not.
func TestRunSenderSaysWhatBecameOfIt(t *testing.T) {
	done := time.Now()
	for _, tc := range []struct {
		ri   RunInfo
		want string
	}{
		{RunInfo{Run: ascendkit.Run{Status: ascendkit.RunCompleted}, Report: &Report{}}, "a@x.io (given with --from-identity)"},
		{RunInfo{Run: ascendkit.Run{Status: ascendkit.RunUndone, UndoneAt: &done}, Report: &Report{}}, "a@x.io (given with --from-identity; set by the run, and taken back by its undo)"},
		{RunInfo{Run: ascendkit.Run{Status: ascendkit.RunInterrupted}}, "a@x.io (given with --from-identity; not set, as the run did not finish)"},
		{RunInfo{Run: ascendkit.Run{Status: ascendkit.RunUndone, UndoneAt: &done}}, "a@x.io (given with --from-identity; not set, as the run did not finish)"},
		// A failed or interrupted run stores a report too, and sets no sender.
		{RunInfo{Run: ascendkit.Run{Status: ascendkit.RunUndone, UndoneAt: &done}, Report: &Report{Error: "boom"}}, "a@x.io (given with --from-identity; not set, as the run did not finish)"},
		{RunInfo{Run: ascendkit.Run{Status: ascendkit.RunUndone, UndoneAt: &done}, Report: &Report{Interrupted: true}}, "a@x.io (given with --from-identity; not set, as the run did not finish)"},
	} {
		tc.ri.Options.FromIdentity = "a@x.io"
		if got := tc.ri.Sender(); got != tc.want {
			t.Errorf("%s: Sender() = %q, want %q", tc.ri.Status, got, tc.want)
		}
	}
}
