package rules

import (
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// Undoable says whether run r may be undone: not twice, and not while it
// runs (a backend settles a dead process's run to interrupted first, so a
// running run's process is alive, here or on another host).
func Undoable(r ascendkit.Run) error {
	switch r.Status {
	case ascendkit.RunUndone:
		return fmt.Errorf("run %s: %w: already undone", r.ID, ascendkit.ErrInvalid)
	case ascendkit.RunRunning:
		return fmt.Errorf("run %s: %w: still running (stop it first; a run whose process is gone reads interrupted within %s)", r.ID, ascendkit.ErrInvalid, ascendkit.RunStaleAfter)
	}
	return nil
}
