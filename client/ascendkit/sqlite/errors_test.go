package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestLookupLinks(t *testing.T) {
	l := openTest(t)
	apply(t, l, ascendkit.ImportBatch{RunID: "run_1", Create: []ascendkit.ImportedUser{imported(1), imported(2)}})
	u1, _ := l.GetUser(ctx, "user1@example.com")
	var many []ascendkit.OAuthLink
	for i := range 700 { // more than one chunk of variables
		many = append(many, ascendkit.OAuthLink{Provider: "google", ProviderUserID: fmt.Sprintf("none%d", i)})
	}
	many = append(many, ascendkit.OAuthLink{Provider: "google", ProviderUserID: "g1"}, ascendkit.OAuthLink{Provider: "github", ProviderUserID: "g2"})
	got, err := l.LookupLinks(ctx, many)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[ascendkit.LinkKey("google", "g1")] != (ascendkit.Match{UserID: u1.ID, RunID: "run_1"}) {
		t.Fatalf("LookupLinks = %v", got)
	}
	if got, err := l.LookupLinks(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty lookup = %v %v", got, err)
	}
}

func TestInvalidDataIsErrInvalid(t *testing.T) {
	l := openTest(t)
	bad := imported(1)
	bad.User.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	noLink := imported(2)
	noLink.User.OAuthLinks = []ascendkit.OAuthLink{{Provider: "google"}}
	for _, b := range []ascendkit.ImportedUser{bad, noLink} {
		_, err := l.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{b}}, t0)
		if !errors.Is(err, ascendkit.ErrInvalid) || errors.Is(err, ascendkit.ErrBusy) {
			t.Errorf("%s: err = %v, want ErrInvalid", b.SourceID, err)
		}
	}
	if n := count(t, l, "users"); n != 0 {
		t.Fatalf("%d users written", n)
	}
}

// TestBusyIsErrBusy holds the write lock from another connection longer
// than the busy timeout (5 s): the write must fail as ErrBusy, not as bad data.
func TestBusyIsErrBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 5 s busy timeout")
	}
	l := openTest(t)
	other, err := sql.Open("sqlite", "file:"+l.Path()+"?_pragma=busy_timeout(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	_, err = l.ApplyImport(ctx, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{imported(1)}}, t0)
	conn.ExecContext(ctx, "ROLLBACK")
	if !errors.Is(err, ascendkit.ErrBusy) || errors.Is(err, ascendkit.ErrInvalid) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	// Once the lock is gone the same write goes through.
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{imported(1)}})
}
