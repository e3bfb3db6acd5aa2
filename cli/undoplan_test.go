package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// The plan names how many users block the undo in all, not how many it
// lists.
func TestUndoPlanCountsEveryBlockedUser(t *testing.T) {
	p := ascendkit.UndoPlan{RunID: "run_a", BlockedUsers: 11202}
	for i := range 1000 {
		p.Blockers = append(p.Blockers, ascendkit.UndoBlocker{RunID: "run_b", UserID: fmt.Sprintf("usr_%d", i), Email: fmt.Sprintf("u%d@example.com", i)})
	}
	var b bytes.Buffer
	printUndoPlan(&b, p)
	if out := b.String(); !strings.Contains(out, "Later runs merged into 11202 user(s)") || !strings.Contains(out, "… and 11192 more") {
		t.Errorf("plan:\n%s", out)
	}
	err := &ascendkit.UndoBlockedError{Blockers: p.Blockers, Users: p.BlockedUsers}
	if msg := err.Error(); !strings.HasPrefix(msg, "11202 user(s)") || !strings.Contains(msg, "… and 11197 more") {
		t.Errorf("error: %s", msg)
	}
}
