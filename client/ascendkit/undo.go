package ascendkit

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUndoBlocked is returned (wrapped in an *UndoBlockedError) when a later
// run merged into users the run to undo created.
var ErrUndoBlocked = errors.New("later runs merged into users this run created")

// UndoPlan is what undoing a run removes.
type UndoPlan struct {
	RunID string `json:"runId"`
	// Users created by the run that still exist: deleted with their
	// links, tags, events, enrollments and password.
	Users int `json:"users"`
	// MergedUsers are existing users the run merged into: only what the
	// merge added is removed.
	MergedUsers int `json:"mergedUsers"`
	Links       int `json:"links"`
	Tags        int `json:"tags"`
	Metadata    int `json:"metadata"`
	// Fields counts merged users whose empty identity fields the run filled.
	Fields      int `json:"fields"`
	Enrollments int `json:"enrollments"`
	// Settings is true when the auth providers go back to what they were
	// before the run.
	Settings bool `json:"settings"`
	// Sender is true when the migration sender the run's --from-identity
	// set (saved setting and journey email nodes) goes back to what it
	// was, where it was not changed since. The importer fills it.
	Sender bool `json:"sender"`
	// Blockers are later runs' merges into users this run created.
	Blockers []UndoBlocker `json:"blockers"`
}

// UndoBlocker is one later merge into a user the run created.
type UndoBlocker struct {
	RunID  string `json:"runId"`
	UserID string `json:"userId"`
	Email  string `json:"email"`
}

// UndoBlockedError lists the merges that keep a run from being undone.
type UndoBlockedError struct{ Blockers []UndoBlocker }

func (e *UndoBlockedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d user(s) this run created were merged into by later runs:", len(e.Blockers))
	for i, x := range e.Blockers {
		if i == 5 {
			fmt.Fprintf(&b, " … and %d more", len(e.Blockers)-5)
			break
		}
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s by %s", x.Email, x.RunID)
	}
	b.WriteString(" (undo those runs first, or force)")
	return b.String()
}

func (e *UndoBlockedError) Unwrap() error { return ErrUndoBlocked }
