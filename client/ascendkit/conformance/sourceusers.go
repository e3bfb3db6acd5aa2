package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// testListSourceUsers: the ids a source's live imports recorded are listed
// in id order, a page at a time, each with its user and whether its run
// created that user or merged into one; undone runs, other sources and
// runs started after StartedBefore are left out.
func testListSourceUsers(t *testing.T, be Backend) {
	l := be.Open(t)
	if got, err := l.ListSourceUsers(ctx, ascendkit.SourceUserFilter{Source: "clerk", Limit: 10}); err != nil || len(got) != 0 {
		t.Fatalf("empty environment: %v, %v", got, err)
	}
	baseline(t, l) // user1, of source "signup"
	startRun(t, l, "run_a")
	var created []ascendkit.ImportedUser
	for i := 2; i <= 6; i++ {
		created = append(created, imported(i))
	}
	apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: created})
	finishRun(t, l, "run_a")
	// A later run merges a Clerk user into user1, who signed up on their own.
	if err := l.StartRun(ctx, ascendkit.Run{ID: "run_b", StartedAt: t0.Add(time.Hour), SourceKind: "file", Options: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	apply(t, l, ascendkit.ImportBatch{RunID: "run_b", Merge: []ascendkit.Merge{{Email: "user1@example.com", Source: "clerk", SourceID: "user_m",
		ImportMeta: map[string]any{"source": "clerk", "sourceId": "user_m"}}}})
	finishRun(t, l, "run_b")
	// Undone: its users are gone, and so are its ids.
	startRun(t, l, "run_u")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_u", Create: []ascendkit.ImportedUser{imported(7), imported(8)}})
	finishRun(t, l, "run_u")
	if _, err := l.UndoRun(ctx, "run_u", false, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Recorded as undone with its ids still there (no undo leaves that,
	// but a listing must not count on it).
	startRun(t, l, "run_x")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_x", Create: []ascendkit.ImportedUser{imported(9)}})
	finishRun(t, l, "run_x")
	be.Exec(t, l, `UPDATE import_runs SET status = 'undone' WHERE id = $1`, "run_x")
	// Another source's ids.
	other := imported(10)
	other.Source, other.SourceID = "auth0", "user_10"
	startRun(t, l, "run_o")
	apply(t, l, ascendkit.ImportBatch{RunID: "run_o", Create: []ascendkit.ImportedUser{other}})
	finishRun(t, l, "run_o")

	u1, err := l.GetUser(ctx, "user1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var want []ascendkit.SourceUser
	for i := 2; i <= 6; i++ {
		u, err := l.GetUser(ctx, fmt.Sprintf("user%d@example.com", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ascendkit.SourceUser{SourceID: fmt.Sprintf("user_%d", i), UserID: u.ID, Email: u.Email, RunID: "run_a", Created: true})
	}
	want = append(want, ascendkit.SourceUser{SourceID: "user_m", UserID: u1.ID, Email: "user1@example.com", RunID: "run_b"})

	page := func(f ascendkit.SourceUserFilter) []ascendkit.SourceUser {
		t.Helper()
		var all []ascendkit.SourceUser
		pages := 0
		for {
			got, err := l.ListSourceUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > f.Limit {
				t.Fatalf("a page of %d, limit %d", len(got), f.Limit)
			}
			all = append(all, got...)
			if len(got) < f.Limit {
				return all
			}
			if pages++; pages > 10 {
				t.Fatal("the listing does not end")
			}
			f.After = got[len(got)-1].SourceID
		}
	}
	if got := page(ascendkit.SourceUserFilter{Source: "clerk", Limit: 2}); !slices.Equal(got, want) {
		t.Errorf("pages of 2:\n got %+v\nwant %+v", got, want)
	}
	if got := page(ascendkit.SourceUserFilter{Source: "clerk", Limit: 1000}); !slices.Equal(got, want) {
		t.Errorf("one page:\n got %+v\nwant %+v", got, want)
	}
	// A run started after the listing's time is left out: its source may
	// be newer.
	if got := page(ascendkit.SourceUserFilter{Source: "clerk", Limit: 2, StartedBefore: t0.Add(30 * time.Minute)}); !slices.Equal(got, want[:5]) {
		t.Errorf("started before run_b:\n got %+v\nwant %+v", got, want[:5])
	}
	if got := page(ascendkit.SourceUserFilter{Source: "auth0", Limit: 2}); len(got) != 1 || got[0].SourceID != "user_10" || !got[0].Created {
		t.Errorf("source auth0: %+v", got)
	}
}
