package importer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// listCounter counts the listings of imported users and the rows they
// returned.
type listCounter struct {
	ascendkit.Environment
	calls, rows int
}

func (c *listCounter) ListSourceUsers(ctx context.Context, f ascendkit.SourceUserFilter) ([]ascendkit.SourceUser, error) {
	got, err := c.Environment.ListSourceUsers(ctx, f)
	if f.UserIDs == nil { // the whole source's listing, not a merge check's
		c.calls++
		c.rows += len(got)
	}
	return got, err
}

// runAt is run with the clock at `at`: each run of a cut-over starts later
// than the one before, as in life.
func runAt(t *testing.T, src clerk.Source, env ascendkit.Environment, opts Options, at time.Time) (Report, []Entry, error) {
	t.Helper()
	entries := collect(&opts)
	opts.Now = func() time.Time { return at }
	rep, err := Run(context.Background(), src, env, opts)
	return rep, *entries, err
}

// TestNotInSourceReported: Day 1 imports A, B, C, E, F and merges M into a
// user who signed up in AscendKit; by Day 3 B and M are deleted in Clerk,
// E has lost its email and F's record is unreadable. A preview, the
// wizard's recount and a run of the whole Day 3 source report B, and only
// B: E and F are in the source (skipped), and M's AscendKit account was
// the person's own before the merge. A canary, a source that fails
// part-way and a --settings run report nobody.
func TestNotInSourceReported(t *testing.T) { eachBackend(t, testNotInSourceReported) }

func testNotInSourceReported(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	defer func(n int) { goneListPage = n }(goneListPage)
	goneListPage = 2 // several pages
	env := openEnv(t)
	seedWith(t, env, ascendkit.ImportedUser{User: ascendkit.User{Email: "own@example.com", EmailVerified: true, CreatedAt: now},
		Source: "signup", SourceID: "s-own"})
	day1 := now
	_, _, err := runAt(t, newSource(2, mkUser("user_a", "a@example.com"), mkUser("user_b", "b@example.com"),
		mkUser("user_c", "c@example.com"), mkUser("user_e", "e@example.com"), mkUser("user_f", "f@example.com"),
		mkUser("user_m", "own@example.com")), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge}, day1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.GetUser(ctx, "b@example.com")
	if err != nil {
		t.Fatal(err)
	}
	day3src := func() *sliceSource {
		s := newSource(2, mkUser("user_a", "a@example.com"), mkUser("user_c", "c@example.com"),
			mkUser("user_e", ""), mkUser("user_n", "n@example.com"))
		s.add(clerk.Record{ID: "user_f", Err: errors.New("a record over 1 MiB")})
		return s
	}
	check := func(what string, rep Report, entries []Entry) {
		t.Helper()
		if rep.ImportedNotInSource != 1 {
			t.Errorf("%s: importedNotInSource %d, want 1", what, rep.ImportedNotInSource)
		}
		if !slices.ContainsFunc(rep.Warnings, func(w string) bool {
			return strings.HasPrefix(w, "1 user an earlier import created from Clerk is not in this source")
		}) {
			t.Errorf("%s: no warning in %q", what, rep.Warnings)
		}
		if entries == nil {
			return
		}
		var gone []Entry
		for _, e := range entries {
			if e.Reason == ReasonImportedNotInSource {
				gone = append(gone, e)
			}
		}
		if len(gone) != 1 || gone[0].SourceID != "user_b" || gone[0].ExistingUserID != b.ID || gone[0].Email != "b@example.com" ||
			gone[0].Kind != "warning" || !strings.Contains(gone[0].Detail, "run_") {
			t.Errorf("%s: entries %+v, want one for user_b (%s)", what, gone, b.ID)
		}
		// What was read is counted as before: the users gone are not.
		if u := rep.Users; u.Fetched != 5 || u.Skipped != 2 || u.Duplicates+u.ToImport != 3 {
			t.Errorf("%s: users %+v", what, u)
		}
	}
	day3 := day1.Add(48 * time.Hour)
	var cls *Classified
	pre, preEntries, err := runAt(t, day3src(), env, Options{Mode: ModePreview, OnClassified: func(c *Classified) { cls = c }}, day3)
	if err != nil {
		t.Fatal(err)
	}
	check("preview", pre, preEntries)
	if cls == nil {
		t.Fatal("no classification")
	}
	rc, err := cls.Recount(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("recount", rc, nil)
	if !slices.Equal(rc.Warnings, pre.Warnings) {
		t.Errorf("recount warnings\n%q\npreview\n%q", rc.Warnings, pre.Warnings)
	}
	// The wizard's review lists the entry as the preview did.
	review, err := cls.ReviewEntries(ctx, env, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := entriesOf(review, "user_b", ReasonImportedNotInSource), entriesOf(preEntries, "user_b", ReasonImportedNotInSource); len(got) != 1 || !slices.Equal(got, want) {
		t.Errorf("review %+v, preview %+v", got, want)
	}
	if review, err := cls.ReviewEntries(ctx, env, Options{Phases: Phases{Settings: true}}); err != nil ||
		len(entriesOf(review, "user_b", ReasonImportedNotInSource)) != 0 {
		t.Errorf("review of --settings: %v", err)
	}
	if rs, err := cls.Recount(ctx, Options{Phases: Phases{Settings: true}}); err != nil || rs.ImportedNotInSource != 0 {
		t.Errorf("recount of --settings: %d, %v", rs.ImportedNotInSource, err)
	}
	cls.Close()

	// A canary reads the whole source but imports one user: nothing to
	// say of the others.
	for _, mode := range []Mode{ModePreview, ModeRun} {
		rep, entries, err := runAt(t, day3src(), env, Options{Mode: mode, Only: []string{"user_n"}}, day3)
		if err != nil || rep.ImportedNotInSource != 0 || len(entriesOf(entries, "user_b", ReasonImportedNotInSource)) != 0 {
			t.Errorf("canary %s: %d, %v", mode, rep.ImportedNotInSource, err)
		}
	}
	// A source that fails part-way was not read whole.
	broken := errors.New("unexpected EOF")
	rep, entries, err := runAt(t, &failingSource{sliceSource: day3src(), failAt: 1, err: broken}, env, Options{Mode: ModePreview}, day3)
	if !errors.Is(err, broken) || rep.ImportedNotInSource != 0 || len(entriesOf(entries, "user_b", ReasonImportedNotInSource)) != 0 {
		t.Errorf("failing source: %d, %v", rep.ImportedNotInSource, err)
	}
	// Nor one stopped part-way.
	cctx, cancel := context.WithCancel(context.Background())
	src := day3src()
	src.onPage = func(page int) {
		if page == 1 {
			cancel()
		}
	}
	opts := Options{Mode: ModePreview, Now: func() time.Time { return day3 }}
	ientries := collect(&opts)
	rep, err = Run(cctx, src, env, opts)
	if !rep.Interrupted || rep.ImportedNotInSource != 0 || len(entriesOf(*ientries, "user_b", ReasonImportedNotInSource)) != 0 {
		t.Errorf("interrupted: %d, %v", rep.ImportedNotInSource, err)
	}
	cancel()
	// Nor does a --settings run look.
	if rep, _, err := runAt(t, day3src(), env, Options{Mode: ModePreview, Phases: Phases{Settings: true}}, day3); err != nil || rep.ImportedNotInSource != 0 {
		t.Errorf("--settings: %d, %v", rep.ImportedNotInSource, err)
	}

	run3, runEntries, err := runAt(t, day3src(), env, Options{Mode: ModeRun}, day3.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	check("run", run3, runEntries)
	// Day 5, the same source again: B still, not N, whom Day 3 created.
	lc := &listCounter{Environment: env}
	day5, day5Entries, err := runAt(t, day3src(), lc, Options{Mode: ModePreview}, day3.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	check("day 5", day5, day5Entries)
	// The probe, then pages of 2 through a, b, c, e, f, m, n, twice as B
	// is gone: once to mark the accounts the source has, once to report.
	if lc.calls != 1+4+4 || lc.rows != 1+7+7 {
		t.Errorf("day 5: %d listings, %d rows; want 9, 15", lc.calls, lc.rows)
	}
}

// TestNotInSourceCostsOneReadWhenNoneImported: into an environment no
// import wrote to, the check is one read of one row.
func TestNotInSourceCostsOneReadWhenNoneImported(t *testing.T) {
	lc := &listCounter{Environment: openEnv(t)}
	rep, _, err := runAt(t, mixedSource(), lc, Options{Mode: ModeRun}, now)
	if err != nil {
		t.Fatal(err)
	}
	if lc.calls != 1 || lc.rows != 0 || rep.ImportedNotInSource != 0 {
		t.Errorf("%d listings, %d rows, %d reported; want 1, 0, 0", lc.calls, lc.rows, rep.ImportedNotInSource)
	}
}

// A Clerk user repeated in the source and merged into the user the first
// made names that user's account too. Once the repeat was deleted in
// Clerk, the account was reported "not in the source" though its own
// Clerk user still was (and the advice is to remove it); either of the
// two in the source keeps it, and with both gone it is said once.
func TestMergedRepeatIsNotGoneWhileItsAccountIs(t *testing.T) {
	eachBackend(t, testMergedRepeatNotGone)
}

func testMergedRepeatNotGone(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	a, b := mkUser("user_a", "sam@example.com"), mkUser("user_b", "Sam@example.com")
	first := run(t, newSource(5, a, b), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if first.Users.Imported != 1 || first.Users.Merged != 1 {
		t.Fatalf("first run %+v", first.Users)
	}
	for name, c := range map[string]struct {
		src  *sliceSource
		want int
	}{
		"only a":  {newSource(5, mkUser("user_a", "sam@example.com")), 0},
		"only b":  {newSource(5, mkUser("user_b", "Sam@example.com")), 0},
		"neither": {newSource(5, mkUser("user_z", "z@example.com")), 1},
		// The merged one alone, skipped now (phone only): still read.
		"only b, skipped": {newSource(5, phoneOnly("user_b")), 0},
	} {
		rep, entries, err := runAt(t, c.src, env, Options{Mode: ModePreview}, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		gone := 0
		for _, e := range entries {
			if e.Reason == ReasonImportedNotInSource {
				gone++
			}
		}
		if rep.ImportedNotInSource != c.want || gone != c.want {
			t.Errorf("%s: importedNotInSource %d, %d entries; want %d", name, rep.ImportedNotInSource, gone, c.want)
		}
	}
}

// phoneOnly is a Clerk user with a phone and no email (skipped).
func phoneOnly(id string) *clerk.User {
	u := mkUser(id, "unused@example.com")
	u.EmailAddresses, u.PrimaryEmailAddressID = nil, nil
	u.PhoneNumbers = []clerk.PhoneNumber{{ID: "p", PhoneNumber: "+14155550100"}}
	return u
}
