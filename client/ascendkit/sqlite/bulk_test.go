package sqlite

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestMaxParamsIsSQLitesLimit proves the split point is the limit of the
// SQLite this program links: a statement with maxParams parameters runs,
// one more is refused.
func TestMaxParamsIsSQLitesLimit(t *testing.T) {
	l := openTest(t)
	sel := func(n int) error {
		args := make([]any, n)
		for i := range args {
			args[i] = i
		}
		var in bool
		return l.r.QueryRowContext(ctx, `SELECT 0 IN (`+placeholders(n)+`)`, args...).Scan(&in)
	}
	if err := sel(maxParams); err != nil {
		t.Fatalf("%d parameters: %v", maxParams, err)
	}
	if err := sel(maxParams + 1); err == nil || !strings.Contains(err.Error(), "too many SQL variables") {
		t.Fatalf("%d parameters: err %v, want too many SQL variables", maxParams+1, err)
	}
}

// TestBulkAtTheParameterLimit lowers the limit so that small batches fill
// statements exactly, overflow them by a row and fall a row short, for
// every table, and checks every row arrived and was counted.
func TestBulkAtTheParameterLimit(t *testing.T) {
	oldP, oldR := maxParams, maxBulkRows
	t.Cleanup(func() { maxParams, maxBulkRows = oldP, oldR })
	// Per statement: 3 users (57 parameters, the limit), 14 links (56),
	// 28 tags (56), 11 events (55), 19 passwords (57).
	maxParams, maxBulkRows = 3*insertUsersCols, 1<<20
	for n := 1; n <= 15; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			l := openTest(t)
			var b ascendkit.ImportBatch
			b.RunID = "run1"
			for i := range n {
				u := imported(i, "t1", "t2")
				u.User.OAuthLinks = append(u.User.OAuthLinks, ascendkit.OAuthLink{Provider: "github", ProviderUserID: fmt.Sprint("gh", i)})
				u.Password = &ascendkit.Password{Hasher: "bcrypt", Digest: ascendkit.Digest("$2a$10$" + strings.Repeat("x", 53))}
				b.Create = append(b.Create, u)
			}
			res := apply(t, l, b)
			want := ascendkit.BatchResult{Created: n, Links: 2 * n, Events: 2 * n}
			if !reflect.DeepEqual(res, want) {
				t.Fatalf("apply = %+v, want %+v", res, want)
			}
			for table, rows := range map[string]int{"users": n, "oauth_links": 2 * n, "user_tags": 3 * n,
				"import_sources": n, "events": 2 * n, "user_passwords": n} {
				if got := count(t, l, table); got != rows {
					t.Errorf("%s: %d rows, want %d", table, got, rows)
				}
			}
			for i := range n {
				u, err := l.GetUser(ctx, fmt.Sprintf("user%d@example.com", i))
				if err != nil || len(u.Tags) != 3 || len(u.OAuthLinks) != 2 || u.Name != fmt.Sprintf("User %d", i) {
					t.Fatalf("user %d = %+v, %v", i, u, err)
				}
			}
		})
	}
}

// TestBulkInvalidRowWritesNothing: one bad row in a multi-row batch fails
// the batch as ErrInvalid with nothing written, and the batch's other rows
// then go in alone (the importer's split).
func TestBulkInvalidRowWritesNothing(t *testing.T) {
	l := openTest(t)
	var b ascendkit.ImportBatch
	for i := range 600 { // more rows than one statement carries
		b.Create = append(b.Create, imported(i))
	}
	b.Create[417].Events[1].Type = ""
	_, err := l.ApplyImport(ctx, b, t0)
	if !errors.Is(err, ascendkit.ErrInvalid) || !strings.Contains(err.Error(), "create 417") {
		t.Fatalf("err = %v, want ErrInvalid naming create 417", err)
	}
	for _, table := range []string{"users", "oauth_links", "user_tags", "import_sources", "events"} {
		if n := count(t, l, table); n != 0 {
			t.Fatalf("%s: %d rows after a rejected batch", table, n)
		}
	}
	created := 0
	for _, c := range b.Create {
		res, err := l.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{c}}, t0)
		if err == nil {
			created += res.Created
		} else if !errors.Is(err, ascendkit.ErrInvalid) {
			t.Fatal(err)
		}
	}
	if created != 599 || count(t, l, "users") != 599 {
		t.Fatalf("created %d one by one, %d users", created, count(t, l, "users"))
	}
}

// TestSourceRecordedByAnotherWriter: a source id recorded meanwhile by
// another import (for a user with another email) makes the create a
// duplicate: no second user, nothing of ours left behind.
func TestSourceRecordedByAnotherWriter(t *testing.T) {
	l := openTest(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "other", Create: []ascendkit.ImportedUser{imported(1)}})
	moved := imported(1)
	moved.User.Email = "changed@example.com"
	res := apply(t, l, ascendkit.ImportBatch{RunID: "ours", Create: []ascendkit.ImportedUser{imported(2), moved, imported(3)}})
	want := ascendkit.BatchResult{Created: 2, Links: 2, Events: 4, Existing: []string{"user_1"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("apply = %+v, want %+v", res, want)
	}
	if _, err := l.GetUser(ctx, "changed@example.com"); !errors.Is(err, ascendkit.ErrNotFound) {
		t.Fatalf("the duplicate's user was kept: %v", err)
	}
	for table, rows := range map[string]int{"users": 3, "import_sources": 3, "events": 6, "user_tags": 3, "oauth_links": 3} {
		if got := count(t, l, table); got != rows {
			t.Errorf("%s: %d rows, want %d", table, got, rows)
		}
	}
}
