package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// An undo refused because later runs merged into its users prints, with
// --json, its plan on stdout (the blockers that say why) as an
// activation's refusal does, and exits 1.
func TestBlockedUndoJSONPrintsPlan(t *testing.T) {
	h := newHarness(t)
	target := "local:" + filepath.Join(h.dir, "env.db")
	env, err := ascendkit.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, id := range []string{"run_a", "run_b"} {
		if err := env.StartRun(ctx, ascendkit.Run{ID: id, StartedAt: at, SourceKind: "file", Options: []byte(`{"onDuplicate":"merge"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	u := ascendkit.ImportedUser{Source: "clerk", SourceID: "user_1", User: ascendkit.User{Email: "a@example.com", EmailVerified: true, CreatedAt: at}}
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{u}}, at); err != nil {
		t.Fatal(err)
	}
	m := ascendkit.Merge{Email: "a@example.com", Source: "clerk", SourceID: "user_2", Tags: []string{"import:clerk"}}
	if _, err := env.ApplyImport(ctx, ascendkit.ImportBatch{RunID: "run_b", Merge: []ascendkit.Merge{m}}, at); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"run_a", "run_b"} {
		if err := env.FinishRun(ctx, id, ascendkit.RunFinish{Status: ascendkit.RunCompleted, Report: []byte(`{"mode":"run"}`), At: at}); err != nil {
			t.Fatal(err)
		}
	}
	env.Close()
	r := h.run("", "--env", target, "import", "undo", "run_a", "--yes", "--json")
	var res struct {
		Undone bool
		Plan   ascendkit.UndoPlan
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 1 || res.Undone || len(res.Plan.Blockers) != 1 || res.Plan.RunID != "run_a" {
		t.Errorf("blocked undo --json: exit %d, %v\nstdout %s\nstderr %s", r.code, err, r.stdout, r.stderr)
	}
}
