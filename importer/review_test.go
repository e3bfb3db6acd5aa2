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

// ReviewEntriesUpTo lists the first warnings up to its bound and counts
// the others; every duplicate and skip is listed as ReviewEntries lists
// it, the existing user each matches included (a dropped warning must not
// take a duplicate's place in the lookups).
func TestReviewEntriesUpToBoundsWarnings(t *testing.T) {
	env := recountEnv(t)
	c, _ := classify(t, recountSource().fresh(), env, Options{})
	split := func(entries []Entry) (rows []string, warnings []string) {
		for _, e := range entries {
			line := fmt.Sprintf("%d %s %s %s %s existing=%q policy=%s detail=%q", e.Pos, e.Kind, e.Reason, e.SourceID, e.Email, e.ExistingUserID, e.Policy, e.Detail)
			if e.Kind == "warning" {
				warnings = append(warnings, line)
			} else {
				rows = append(rows, line)
			}
		}
		return rows, warnings
	}
	most := 0
	for i, o := range choiceSets() {
		all, err := c.ReviewEntries(ctx, env, o)
		if err != nil {
			t.Fatal(err)
		}
		rows, warnings := split(all)
		most = max(most, len(warnings))
		for _, limit := range []int{1, 2, len(warnings) - 1, len(warnings)} {
			if limit < 1 {
				continue
			}
			got, omitted, err := c.ReviewEntriesUpTo(ctx, env, o, limit)
			if err != nil {
				t.Fatal(err)
			}
			gotRows, gotWarnings := split(got)
			if strings.Join(gotRows, "\n") != strings.Join(rows, "\n") {
				t.Errorf("set %d, up to %d: rows\n%s\nwant\n%s", i, limit, strings.Join(gotRows, "\n"), strings.Join(rows, "\n"))
			}
			if len(gotWarnings) != min(limit, len(warnings)) || omitted != len(warnings)-len(gotWarnings) {
				t.Errorf("set %d, up to %d: %d warnings listed and %d omitted, of %d", i, limit, len(gotWarnings), omitted, len(warnings))
			}
			for _, w := range gotWarnings {
				if !slices.Contains(warnings, w) {
					t.Errorf("set %d, up to %d: warning %s is none of ReviewEntries'", i, limit, w)
				}
			}
		}
	}
	if most < 3 {
		t.Fatalf("the choice sets list at most %d warnings: the bound is not exercised", most)
	}
}

// A warning past the bound that ReviewEntries would have looked up (a
// merge leaving out an account another user of the source has) is not
// looked up either: its place in the list is another row's, or none.
func TestReviewEntriesUpToDropsAWarningsLookup(t *testing.T) {
	env := openEnv(t)
	existing := seedUser(t, env, "taken@example.com", true)
	unv := mkUser("user_unv", "unv@example.com", withOAuth("oauth_github"))
	unv.ExternalAccounts[0].Verification.Status = "unverified" // flagged: the first warning
	src := newSource(10,
		unv,
		shareLink(mkUser("user_a", "a@example.com"), "oauth_google", "g-1"),
		shareLink(mkUser("user_taken", "taken@example.com"), "oauth_google", "g-1"), // merged, without g-1
	)
	c, _ := classify(t, src.clone(), env, Options{})
	o := Options{OnDuplicate: PolicyMerge}
	all, err := c.ReviewEntries(ctx, env, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[2].Kind != "warning" || all[2].SourceID != "user_taken" || all[2].ExistingUserID != existing {
		t.Fatalf("ReviewEntries: %+v", all)
	}
	got, omitted, err := c.ReviewEntriesUpTo(ctx, env, o, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || omitted != 1 || got[0].SourceID != "user_unv" || got[1].Kind != "duplicate" || got[1].ExistingUserID != existing {
		t.Fatalf("up to 1 warning: %+v, %d omitted", got, omitted)
	}
}
