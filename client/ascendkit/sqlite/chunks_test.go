package sqlite

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// TestInChunks: every key is passed once, in order, in chunks of at most
// maxVars, each after the lead arguments and with one mark per key; an
// error stops the walk.
func TestInChunks(t *testing.T) {
	keys := make([]string, 2*maxVars+1)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
	}
	var got []string
	var sizes []int
	err := inChunks([]any{"src"}, keys, func(marks string, args []any) error {
		if args[0] != "src" {
			t.Errorf("first arg %v, want the lead", args[0])
		}
		if n := strings.Count(marks, "?"); n != len(args)-1 {
			t.Errorf("%d marks for %d keys", n, len(args)-1)
		}
		sizes = append(sizes, len(args)-1)
		for _, a := range args[1:] {
			got = append(got, a.(string))
		}
		return nil
	})
	if err != nil || !slices.Equal(got, keys) || !slices.Equal(sizes, []int{maxVars, maxVars, 1}) {
		t.Fatalf("chunks %v, %d keys in order %v, err %v", sizes, len(got), slices.Equal(got, keys), err)
	}

	calls, stop := 0, errors.New("stop")
	if err := inChunks(nil, keys, func(string, []any) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("after an error: %d calls, %v", calls, err)
	}
	if err := inChunks(nil, nil, func(string, []any) error { calls++; return nil }); err != nil || calls != 1 {
		t.Errorf("no keys: %d calls, %v", calls, err)
	}
}

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
