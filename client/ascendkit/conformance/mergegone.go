package conformance

import (
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// The importer looked up an email and queued a merge into its user; an
// undo removed that user before the batch was written. The merge must be
// reported (not vanish as if merged) and write nothing.
func testMergeIntoUserRemovedMeanwhile(t *testing.T, be Backend) {
	l := be.Open(t)
	startRun(t, l, "run_a")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{imported(5), imported(6)}})
	finishRun(t, l, "run_a")
	found, err := l.LookupEmails(ctx, []string{"user5@example.com", "user6@example.com"})
	if err != nil || len(found) != 2 {
		t.Fatalf("lookup %v, %v", found, err)
	}
	if _, err := l.UndoRun(ctx, "run_a", false, t0); err != nil {
		t.Fatal(err)
	}
	startRun(t, l, "run_b")
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run_b", Merge: []ascendkit.Merge{
		{Email: "user5@example.com", Source: "clerk", SourceID: "user_5b", Tags: []string{"vip"}, ImportMeta: map[string]any{"sourceId": "user_5b"}},
		{Email: "USER6@example.com", Source: "clerk", SourceID: "user_6b"},
	}})
	if res.Merged != 0 || !reflect.DeepEqual(res.MergeTargetGone, []string{"user_5b", "user_6b"}) || len(res.Existing) != 0 {
		t.Fatalf("result %+v", res)
	}
	if n, _ := l.CountUsers(ctx); n != 0 {
		t.Errorf("%d users", n)
	}
	if m, err := l.LookupSourceIDs(ctx, "clerk", []string{"user_5b", "user_6b"}); err != nil || len(m) != 0 {
		t.Errorf("recorded %v, %v", m, err)
	}
	// Nothing of run_b is left for its undo to find.
	if p, err := l.PlanUndo(ctx, "run_a"); err == nil || p.MergedUsers != 0 {
		t.Errorf("plan of an undone run %+v, %v", p, err)
	}
	if be.Count(t, l, "import_merge_changes") != 0 {
		t.Error("merge changes recorded")
	}
}
