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
	// merge added is removed, and of the links, tags and enrollments (the
	// counts below) only those no other live run brought too.
	MergedUsers int `json:"mergedUsers"`
	Links       int `json:"links"`
	Tags        int `json:"tags"`
	Metadata    int `json:"metadata"`
	// Fields counts merged users whose empty identity fields the run filled.
	Fields      int `json:"fields"`
	Enrollments int `json:"enrollments"`
	// EnrolledUsers counts the users whose journey enrollments the undo
	// removes (created by the run, or merged into where the run enrolled
	// them): journeys have emailed them, which no undo takes back, and
	// importing them again enrolls them again from the first email.
	EnrolledUsers int `json:"enrolledUsers"`
	// Settings is true when undo turns off auth providers the run
	// enabled (or took over from a run undone before) that no other live
	// run finished with.
	Settings bool `json:"settings"`
	// Sender is true when the migration sender the run's --from-identity
	// set (saved setting and journey email nodes) goes back to what it
	// was, where it was not changed since. The importer fills it.
	Sender bool `json:"sender"`
	// SenderKept names the journeys whose email nodes keep the sender the
	// run's --from-identity set, where Sender puts it back elsewhere: they
	// are sending with it (active, or paused with users still in them),
	// and taking it away would stop their emails. The importer fills it.
	SenderKept []string `json:"senderKept"`
	// Blockers are the users this run created that later runs merged
	// into, one each (with the first such run), at most MaxBlockers of
	// BlockedUsers.
	Blockers []UndoBlocker `json:"blockers"`
	// BlockedUsers is how many users this run created later runs merged
	// into, all of them.
	BlockedUsers int `json:"blockedUsers"`
}

// BlockedCount is how many users block the undo: BlockedUsers, or the
// list's length where a plan does not count them.
func (p UndoPlan) BlockedCount() int { return max(p.BlockedUsers, len(p.Blockers)) }

// UndoBlocker is a user the run created that a later run merged into.
type UndoBlocker struct {
	RunID  string `json:"runId"`
	UserID string `json:"userId"`
	Email  string `json:"email"`
}

// UndoBlockedError lists the merged-into users that keep a run from being
// undone.
type UndoBlockedError struct {
	Blockers []UndoBlocker // the first of them (see UndoPlan.Blockers)
	// Users is how many there are in all; 0 reads as len(Blockers).
	Users int
}

// Count is how many users block the undo.
func (e *UndoBlockedError) Count() int { return max(e.Users, len(e.Blockers)) }

func (e *UndoBlockedError) Error() string {
	var b strings.Builder
	n := e.Count()
	fmt.Fprintf(&b, "%d user(s) this run created were merged into by later runs:", n)
	shown := min(len(e.Blockers), 5)
	for i, x := range e.Blockers[:shown] {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s by %s", x.Email, x.RunID)
	}
	if n > shown {
		fmt.Fprintf(&b, " … and %d more", n-shown)
	}
	b.WriteString(" (undo those runs first, or force)")
	return b.String()
}

func (e *UndoBlockedError) Unwrap() error { return ErrUndoBlocked }
