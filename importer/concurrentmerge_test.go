package importer

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// beforeFirst runs fn just before the first batch that awaited says is
// written (withMerges, withCreates): what another writer did between
// this run's lookup and its write.
type beforeFirst struct {
	ascendkit.Environment
	awaited func(ascendkit.ImportBatch) bool
	fn      func()
	done    bool
}

func (b *beforeFirst) ApplyImport(ctx context.Context, batch ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if b.awaited(batch) && !b.done {
		b.done = true
		b.fn()
	}
	return b.Environment.ApplyImport(ctx, batch, now)
}

func withMerges(b ascendkit.ImportBatch) bool  { return len(b.Merge) > 0 }
func withCreates(b ascendkit.ImportBatch) bool { return len(b.Create) > 0 }

func TestConcurrentMergeRunsOfTwoClerkUsers(t *testing.T) {
	eachBackend(t, testConcurrentMergeRunsOfTwoClerkUsers)
}

func testConcurrentMergeRunsOfTwoClerkUsers(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	ids := map[string]string{}
	for _, e := range []string{"a@example.com", "b@example.com"} {
		ids[e] = seedUser(t, env, e, true)
	}
	p := newSource(2, mkUser("user_pa", "a@example.com"), mkUser("user_pb", "b@example.com"))
	q := newSource(2, mkUser("user_qa", "a@example.com"), mkUser("user_qb", "b@example.com"))
	var first Report
	// Another whole import just before the first batch with merges: two
	// runs that looked up the same users before either wrote, the second
	// to write finishing last.
	racing := &beforeFirst{Environment: env, awaited: withMerges, fn: func() {
		first = run(t, p, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	}}
	opts := Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
	entries := collect(&opts)
	rep := run(t, q, racing, opts)
	if !racing.done || first.Users.Merged != 2 {
		t.Fatalf("the other run merged %+v", first.Users)
	}
	if u := rep.Users; u.Merged != 0 || u.Failed != 0 || u.Duplicates != 2 || u.DuplicateReasons[ReasonEmailExists] != 2 {
		t.Fatalf("second run's users %+v: both users were merged with another Clerk user meanwhile", u)
	}
	if rep.EmailOfOtherImport != 2 {
		t.Errorf("EmailOfOtherImport %d, want 2", rep.EmailOfOtherImport)
	}
	refused := map[string]Entry{}
	for _, e := range *entries {
		if e.Policy == PolicySkip {
			refused[e.SourceID] = e
		}
	}
	for sid, want := range map[string]struct{ other, email string }{"user_qa": {"user_pa", "a@example.com"}, "user_qb": {"user_pb", "b@example.com"}} {
		e, ok := refused[sid]
		if !ok || e.Reason != ReasonEmailExists || e.ExistingUserID != ids[want.email] || !Unmergeable(e) ||
			!strings.Contains(e.Detail, "merged with another Clerk user ("+want.other+")") {
			t.Errorf("%s reported %+v, want refused as merged with %s", sid, e, want.other)
		}
	}
	for _, e := range []string{"a@example.com", "b@example.com"} {
		st, err := env.PasswordState(ctx, e)
		if err != nil || !st.Imported {
			t.Fatalf("%s: %+v, %v", e, st, err)
		}
	}
	if m, err := env.LookupSourceIDs(ctx, SourceClerk, []string{"user_qa", "user_qb"}); err != nil || len(m) != 0 {
		t.Errorf("second run's Clerk ids recorded: %v, %v", m, err)
	}
	// Run alone afterwards, the lookup refuses them the same way.
	opts = Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
	again := collect(&opts)
	rep = run(t, newSource(2, mkUser("user_qa", "a@example.com")), env, opts)
	if rep.Users.Merged != 0 || len(*again) != 1 || (*again)[0].Detail != refused["user_qa"].Detail {
		t.Errorf("sequential run %+v, entries %+v; want the detail %q", rep.Users, *again, refused["user_qa"].Detail)
	}
}

// A create dropped because its address was taken after the lookup is
// reported email_exists (explained as the lookup would), one whose Clerk
// id was imported meanwhile already_imported.
func TestCreateDroppedForATakenAddress(t *testing.T) {
	eachBackend(t, testCreateDroppedForATakenAddress)
}

func testCreateDroppedForATakenAddress(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	var other Report
	racing := &beforeFirst{Environment: env, awaited: withCreates, fn: func() {
		// Another Clerk user with a's address, and this run's own b.
		other = run(t, newSource(2, mkUser("user_pa", "a@example.com"), mkUser("user_b", "b@example.com")), env, Options{Mode: ModeRun})
		seedUser(t, env, "c@example.com", true)
	}}
	opts := Options{Mode: ModeRun, OnDuplicate: PolicyMerge}
	entries := collect(&opts)
	rep := run(t, newSource(5, mkUser("user_qa", "a@example.com"), mkUser("user_b", "b@example.com"), mkUser("user_qc", "c@example.com"), mkUser("user_d", "d@example.com")), racing, opts)
	if other.Users.Imported != 2 {
		t.Fatalf("other run %+v", other.Users)
	}
	u := rep.Users
	if u.Imported != 1 || u.Duplicates != 3 || u.DuplicateReasons[ReasonEmailExists] != 2 || u.DuplicateReasons[ReasonAlreadyImported] != 1 {
		t.Fatalf("users %+v", u)
	}
	if rep.EmailOfOtherImport != 1 {
		t.Errorf("EmailOfOtherImport %d, want 1", rep.EmailOfOtherImport)
	}
	got := map[string]Entry{}
	for _, e := range *entries {
		if e.Kind == "duplicate" {
			got[e.SourceID] = e
		}
	}
	a, _ := env.GetUser(ctx, "a@example.com")
	c, _ := env.GetUser(ctx, "c@example.com")
	if e := got["user_qa"]; e.Reason != ReasonEmailExists || e.ExistingUserID != a.ID || e.Policy != PolicySkip ||
		!strings.Contains(e.Detail, "was imported from another Clerk user (run "+other.RunID+")") {
		t.Errorf("user_qa %+v", e)
	}
	if e := got["user_qc"]; e.Reason != ReasonEmailExists || e.ExistingUserID != c.ID || !strings.Contains(e.Detail, "took the address during the run") {
		t.Errorf("user_qc %+v", e)
	}
	if e := got["user_b"]; e.Reason != ReasonAlreadyImported {
		t.Errorf("user_b %+v", e)
	}
}

// Another run's providers and a change by hand made while a run imports
// stay after its settings phase, which adds only its own; the report
// says what was there just before and after its write.
func TestSettingsKeepProvidersChangedDuringTheRun(t *testing.T) {
	eachBackend(t, testSettingsKeepProvidersChangedDuringTheRun)
}

func testSettingsKeepProvidersChangedDuringTheRun(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	if err := env.SetAuthProviders(ctx, []string{"credentials"}); err != nil {
		t.Fatal(err)
	}
	var other Report
	racing := &beforeFirst{Environment: env, awaited: withCreates, fn: func() {
		// A teammate's run of social users, then auth update by hand.
		other = run(t, newSource(2, mkUser("user_s", "s@example.com", withOAuth("oauth_github"))), env, Options{Mode: ModeRun})
		if err := env.SetAuthProvidersByHand(ctx, []string{"credentials", "github", "magic-link"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}}
	rep := run(t, newSource(2, mkUser("user_g", "g@example.com", withOAuth("oauth_google"))), racing, Options{Mode: ModeRun})
	if !slices.Contains(other.Settings.After, "github") {
		t.Fatalf("the other run enabled %v", other.Settings.After)
	}
	s, err := env.AuthSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"credentials", "github", "google", "magic-link"}
	if !slices.Equal(s.Providers, want) {
		t.Errorf("providers %v, want %v", s.Providers, want)
	}
	if !slices.Equal(rep.Settings.Before, []string{"credentials", "github", "magic-link"}) || !slices.Equal(rep.Settings.After, want) {
		t.Errorf("report before %v after %v", rep.Settings.Before, rep.Settings.After)
	}
	// Undoing the run turns off only its google.
	if _, err := env.UndoRun(ctx, rep.RunID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if s, _ = env.AuthSettings(ctx); !slices.Equal(s.Providers, []string{"credentials", "github", "magic-link"}) {
		t.Errorf("after the undo %v", s.Providers)
	}
}
