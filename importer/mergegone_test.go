package importer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// undoFirst tries to undo run id just before the first batch with merges
// is written: the race of an undo with a merge run on a shared
// environment, where the importer looked the users up before the undo
// would remove them. The environment refuses such an undo while the run
// imports (the store's conformance case MergeIntoUserRemovedMeanwhile
// covers a merge into a user removed all the same).
type undoFirst struct {
	ascendkit.Environment
	id      string
	done    bool
	undoErr error
}

func (u *undoFirst) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if len(b.Merge) > 0 && !u.done {
		u.done = true
		_, u.undoErr = u.Environment.UndoRun(ctx, u.id, false, now)
	}
	return u.Environment.ApplyImport(ctx, b, now)
}

func TestUndoDuringAMergeRunIsRefused(t *testing.T) { eachBackend(t, testUndoDuringAMergeRunIsRefused) }

func testUndoDuringAMergeRunIsRefused(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	first := run(t, newSource(2, mkUser("user_x", "x@example.com"), mkUser("user_y", "y@example.com"), mkUser("user_z", "z@example.com")), env, Options{Mode: ModeRun})
	if first.Users.Imported != 3 {
		t.Fatalf("first run %+v", first.Users)
	}
	// Users who signed up in AscendKit (an import's own users are never
	// merged into by another Clerk user), merged by email.
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		seedUser(t, env, e, true)
	}
	again := newSource(2, mkUser("user_a2", "a@example.com"), mkUser("user_b2", "B@example.com"), mkUser("user_c2", "c@example.com"))
	racing := &undoFirst{Environment: env, id: first.RunID}
	rep := run(t, again, racing, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if !racing.done {
		t.Fatal("no merge batch was written")
	}
	if !errors.Is(racing.undoErr, ascendkit.ErrInvalid) || !strings.Contains(racing.undoErr.Error(), "importing now") {
		t.Fatalf("undo during the merge run: %v, want a refusal", racing.undoErr)
	}
	if u := rep.Users; u.Merged != 3 || u.Failed != 0 {
		t.Fatalf("users %+v: nothing was removed, so the merges are written", u)
	}
	if n, _ := env.CountUsers(ctx); n != 6 {
		t.Fatalf("%d users, want the 6 the undo left", n)
	}
	// Once the run has ended the undo goes through (forced past the
	// merges the second run made into its users).
	if _, err := env.UndoRun(ctx, first.RunID, true, time.Now()); err != nil {
		t.Fatalf("undo after the run: %v", err)
	}
}
