package sqlite

import (
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestLegacyIDNSpelling: versions before addresses were stored with IDN
// domains in Unicode kept max@xn--bcher-kva.de as the export spelled it.
// Lookups, GetUser and merges find that user by either spelling, so an
// import of max@bücher.de is a duplicate of it, not a second account.
func TestLegacyIDNSpelling(t *testing.T) {
	l := openTest(t)
	u := imported(1)
	u.User.Email = "max@bücher.de"
	u.User.EmailVerified = true
	apply(t, l, ascendkit.ImportBatch{RunID: "run_a", Create: []ascendkit.ImportedUser{u}})
	if _, err := l.w.Exec(`UPDATE users SET email = 'max@xn--bcher-kva.de'`); err != nil {
		t.Fatal(err)
	}
	found, err := l.LookupEmails(ctx, []string{"max@bücher.de"})
	if err != nil || found["max@bücher.de"].UserID == "" || !found["max@bücher.de"].EmailVerified {
		t.Fatalf("lookup by the Unicode spelling: %v %v", found, err)
	}
	for _, ref := range []string{"max@bücher.de", "Max@xn--bcher-kva.de"} {
		if got, err := l.GetUser(ctx, ref); err != nil || got.Email != "max@xn--bcher-kva.de" {
			t.Errorf("GetUser(%s) = %+v, %v", ref, got.Email, err)
		}
	}
	res := apply(t, l, ascendkit.ImportBatch{RunID: "run_b", Merge: []ascendkit.Merge{{Email: "max@bücher.de", Source: "clerk", SourceID: "user_legacy2",
		Tags: []string{"import:clerk"}}}})
	if res.Merged != 1 || len(res.MergeTargetGone) != 0 {
		t.Fatalf("merge into the legacy spelling: %+v", res)
	}
	if n := count(t, l, "users"); n != 1 {
		t.Errorf("%d users, want the one", n)
	}
	// With both spellings stored, the lookup names the user GetUser and a
	// merge use: the canonical one.
	v := imported(2)
	v.User.Email = "max@bücher.de"
	apply(t, l, ascendkit.ImportBatch{RunID: "run_c", Create: []ascendkit.ImportedUser{v}})
	canon, err := l.GetUser(ctx, "max@bücher.de")
	if err != nil || canon.Email != "max@bücher.de" {
		t.Fatalf("GetUser with both stored: %+v, %v", canon.Email, err)
	}
	for range 3 {
		found, err := l.LookupEmails(ctx, []string{"max@bücher.de"})
		if err != nil || found["max@bücher.de"].UserID != canon.ID {
			t.Fatalf("lookup with both stored: %+v, want %s (%v)", found, canon.ID, err)
		}
	}
}
