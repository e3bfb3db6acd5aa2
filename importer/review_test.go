package importer

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ascendkit/ascendkit/client/clerk"
)

// reviewRows are the rows of entries ReviewEntries gives: duplicates and
// banned skips, without the name (the classification has none) and with
// the email lower-cased (a skipped entry keeps Clerk's spelling).
func reviewRows(entries []Entry) []string {
	var out []string
	// A preview lists a page's skips as it reads them and its duplicates
	// after the page's lookups: source order is the order to compare.
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b Entry) int { return a.Pos - b.Pos })
	for _, e := range entries {
		if e.Kind == "duplicate" || (e.Kind == "skipped" && e.Reason == ReasonBanned) {
			out = append(out, fmt.Sprintf("%d %s %s %s %s existing=%q policy=%s detail=%q",
				e.Pos, e.Kind, e.Reason, e.SourceID, strings.ToLower(e.Email), e.ExistingUserID, e.Policy, e.Detail))
		}
	}
	return out
}

// The review's rows recomputed from a classification are those a fresh
// preview with the same choices lists (what `import clerk preview` with
// or without --include-banned prints), banned users included or not.
func TestReviewEntriesEqualFreshPreview(t *testing.T) {
	env := recountEnv(t)
	src := recountSource()
	for _, mem := range []int{DefaultClassifiedInMemory, 3} {
		t.Run(fmt.Sprintf("in memory up to %d", mem), func(t *testing.T) {
			setInMemory(t, mem)
			c, _ := classify(t, src.fresh(), env, Options{})
			for i, o := range choiceSets() {
				got, err := c.ReviewEntries(ctx, env, o)
				if err != nil {
					t.Fatalf("set %d: %v", i, err)
				}
				o.Mode = ModePreview
				want := collect(&o)
				run(t, src.fresh(), env, o)
				g, w := reviewRows(got), reviewRows(*want)
				if strings.Join(g, "\n") != strings.Join(w, "\n") {
					t.Errorf("set %d (banned %v): rows\n%s\nwant (fresh preview)\n%s", i, o.IncludeBanned,
						strings.Join(g, "\n"), strings.Join(w, "\n"))
				}
			}
		})
	}
}

// A banned user listed before an active one of the same address takes
// the address once banned users are included: the active one becomes a
// duplicate row, the banned one's row goes.
func TestReviewEntriesBannedTakesAddress(t *testing.T) {
	env := openEnv(t)
	banned := func(u *clerk.User) { u.Banned = true }
	src := newSource(10,
		mkUser("user_banned", "same@example.com", banned),
		mkUser("user_active", "same@example.com"),
	)
	c, _ := classify(t, src.clone(), env, Options{})
	without, err := c.ReviewEntries(ctx, env, Options{})
	if err != nil {
		t.Fatal(err)
	}
	with, err := c.ReviewEntries(ctx, env, Options{IncludeBanned: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(without) != 1 || without[0].SourceID != "user_banned" || without[0].Reason != ReasonBanned {
		t.Fatalf("without banned: %+v", without)
	}
	if len(with) != 1 || with[0].SourceID != "user_active" || with[0].Reason != ReasonRepeatedInSource || with[0].Pos != 2 {
		t.Fatalf("with banned: %+v", with)
	}
}
