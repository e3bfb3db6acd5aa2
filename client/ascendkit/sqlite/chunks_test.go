package sqlite

import (
	"fmt"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestLookupsBoundAcrossChunks looks up more than maxVars keys along with
// one JSON cannot carry, so the bound-list fallbacks run over several
// chunks: every present key is found, the odd one is not.
func TestLookupsBoundAcrossChunks(t *testing.T) {
	l := openTest(t)
	const n = maxVars + 2
	var cs []ascendkit.ImportedUser
	var sids, emails []string
	for i := range n {
		cs = append(cs, imported(i))
		sids = append(sids, fmt.Sprint("user_", i))
		emails = append(emails, fmt.Sprintf("user%d@example.com", i))
	}
	if res := apply(t, l, ascendkit.ImportBatch{RunID: "run_c", Create: cs}); res.Created != n {
		t.Fatalf("apply = %+v", res)
	}
	m, err := l.LookupSourceIDs(ctx, "clerk", append(sids, "nul\x00id"))
	if err != nil || len(m) != n || m["user_0"].UserID == "" || m[sids[n-1]].RunID != "run_c" {
		t.Errorf("LookupSourceIDs: %d found, %v", len(m), err)
	}
	m, err = l.LookupEmails(ctx, append(emails, "nul\x00@example.com"))
	if err != nil || len(m) != n || m["user0@example.com"].UserID == "" || m[emails[n-1]].RunID != "run_c" {
		t.Errorf("LookupEmails: %d found, %v", len(m), err)
	}
}
