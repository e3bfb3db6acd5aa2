package sqlite

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestTakenEmailsAcrossStatements: the users a batch skips because their
// email exists are told from those it wrote by the rows changed and a
// lookup, not RETURNING. With statements of 3 rows, taken emails land at
// the start, middle and end of statements and as a whole statement; the
// result lists exactly them, in batch order, and nothing of theirs is
// written.
func TestTakenEmailsAcrossStatements(t *testing.T) {
	oldP, oldR := maxParams, maxBulkRows
	t.Cleanup(func() { maxParams, maxBulkRows = oldP, oldR })
	maxParams, maxBulkRows = 3*insertUsersCols, 1<<20

	l := openTest(t)
	taken := []int{0, 4, 8, 9, 10, 11, 14}
	var pre ascendkit.ImportBatch
	for _, i := range taken {
		u := imported(i)
		u.Source, u.SourceID = "signup", fmt.Sprint("s", i)
		u.User.OAuthLinks = nil
		pre.Create = append(pre.Create, u)
	}
	apply(t, l, pre)

	var b ascendkit.ImportBatch
	b.RunID = "run1"
	for i := range 15 {
		b.Create = append(b.Create, imported(i))
	}
	res := apply(t, l, b)
	var existing []string
	for _, i := range taken {
		existing = append(existing, fmt.Sprint("user_", i))
	}
	n := 15 - len(taken)
	want := ascendkit.BatchResult{Created: n, Links: n, Events: 2 * n, Existing: existing}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("apply = %+v, want %+v", res, want)
	}
	for table, rows := range map[string]int{"users": 15, "import_sources": 15, "events": 2 * 15, "oauth_links": n} {
		if got := count(t, l, table); got != rows {
			t.Errorf("%s: %d rows, want %d", table, got, rows)
		}
	}
	for _, i := range taken {
		u, err := l.GetUser(ctx, fmt.Sprintf("user%d@example.com", i))
		if err != nil || len(u.OAuthLinks) != 0 {
			t.Errorf("user %d gained the skipped create's links: %+v, %v", i, u, err)
		}
	}
}

// TestGivenIDAppliedTwice: a create whose id the caller chose, applied
// again, finds its id in the table; that it was there before the insert
// is what makes it a skip rather than a second set of events and links.
func TestGivenIDAppliedTwice(t *testing.T) {
	l := openTest(t)
	mk := func() ascendkit.ImportBatch {
		u, v := imported(1), imported(2)
		u.User.ID = "usr_given1"
		return ascendkit.ImportBatch{RunID: "run1", Create: []ascendkit.ImportedUser{u, v}}
	}
	if res := apply(t, l, mk()); !reflect.DeepEqual(res, ascendkit.BatchResult{Created: 2, Links: 2, Events: 4}) {
		t.Fatalf("first apply = %+v", res)
	}
	second := mk()
	second.Create[1] = imported(3)
	res := apply(t, l, second)
	if want := (ascendkit.BatchResult{Created: 1, Links: 1, Events: 2, Existing: []string{"user_1"}}); !reflect.DeepEqual(res, want) {
		t.Fatalf("second apply = %+v, want %+v", res, want)
	}
	for table, rows := range map[string]int{"users": 3, "import_sources": 3, "events": 6, "oauth_links": 3} {
		if got := count(t, l, table); got != rows {
			t.Errorf("%s: %d rows, want %d", table, got, rows)
		}
	}
	if u, err := l.GetUser(ctx, "usr_given1"); err != nil || u.Email != "user1@example.com" {
		t.Fatalf("given id: %+v, %v", u, err)
	}
}

// TestFullChunksSharedAcrossBatches: full-chunk statements are prepared
// once on the write connection and serve batch after batch; every row of
// both batches (a full chunk and a remainder each) arrives.
func TestFullChunksSharedAcrossBatches(t *testing.T) {
	l := openTest(t)
	n := usersBulk.perStmt() + 7
	for k := range 2 {
		var b ascendkit.ImportBatch
		for i := range n {
			b.Create = append(b.Create, imported(k*n+i))
		}
		if res := apply(t, l, b); res.Created != n || res.Events != 2*n || res.Links != n {
			t.Fatalf("batch %d: %+v", k, res)
		}
		if len(l.chunks) != len(createBulks) {
			t.Fatalf("batch %d: %d shared statements, want %d", k, len(l.chunks), len(createBulks))
		}
	}
	for table, rows := range map[string]int{"users": 2 * n, "import_sources": 2 * n, "events": 4 * n, "oauth_links": 2 * n, "user_tags": 2 * n} {
		if got := count(t, l, table); got != rows {
			t.Errorf("%s: %d rows, want %d", table, got, rows)
		}
	}
	if err := l.Close(); err != nil || l.chunks != nil {
		t.Fatalf("Close = %v, %d shared statements left", err, len(l.chunks))
	}
}
