package importer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// undoFirst undoes run id just before the first batch with merges is
// written: the race of an undo with a merge run on a shared environment,
// where the importer looked the users up before the undo removed them.
type undoFirst struct {
	ascendkit.Environment
	id   string
	done bool
}

func (u *undoFirst) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if len(b.Merge) > 0 && !u.done {
		u.done = true
		if _, err := u.Environment.UndoRun(ctx, u.id, false, now); err != nil {
			return ascendkit.BatchResult{}, err
		}
	}
	return u.Environment.ApplyImport(ctx, b, now)
}

func TestMergeIntoUndoneUsersFails(t *testing.T) { eachBackend(t, testMergeIntoUndoneUsersFails) }

func testMergeIntoUndoneUsersFails(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	first := run(t, newSource(2, mkUser("user_a", "a@example.com"), mkUser("user_b", "b@example.com"), mkUser("user_c", "c@example.com")), env, Options{Mode: ModeRun})
	if first.Users.Imported != 3 {
		t.Fatalf("first run %+v", first.Users)
	}
	// The same people under new ids, merged by email.
	again := func() *sliceSource {
		return newSource(2, mkUser("user_a2", "a@example.com"), mkUser("user_b2", "B@example.com"), mkUser("user_c2", "c@example.com"))
	}
	opts := Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
	entries := collect(&opts)
	racing := &undoFirst{Environment: env, id: first.RunID}
	rep := run(t, again(), racing, opts)
	if !racing.done {
		t.Fatal("no merge batch was written")
	}
	u := rep.Users
	if u.Failed != 3 || u.Merged != 0 || u.ToMerge != 0 || u.Imported != 0 {
		t.Fatalf("users %+v: the merges into removed users must fail", u)
	}
	var failed int
	for _, e := range *entries {
		if e.Kind == "failed" {
			failed++
			if !strings.Contains(e.Detail, "removed during the run") || e.SourceID == "" {
				t.Errorf("failed entry %+v", e)
			}
		}
	}
	if failed != 3 {
		t.Errorf("%d failed entries, want 3", failed)
	}
	if n, _ := env.CountUsers(ctx); n != 0 {
		t.Fatalf("%d users after the undo", n)
	}
	// What the report says to do works: a new run imports them as new.
	rep = run(t, again(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if rep.Users.Imported != 3 || rep.Users.Failed != 0 {
		t.Fatalf("re-run users %+v", rep.Users)
	}
}
