package clerk_test

import (
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

func ids(users []clerk.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// checkIDs asserts that recs are exactly the users want, in order, with
// positions 1..n.
func checkIDs(t *testing.T, recs []clerk.Record, want []string) {
	t.Helper()
	if len(recs) != len(want) {
		t.Fatalf("read %d users, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if r.User == nil || r.User.ID != want[i] || r.Pos != i+1 {
			t.Fatalf("record %d = pos %d %+v, want %s", i, r.Pos, r.User, want[i])
		}
	}
}
