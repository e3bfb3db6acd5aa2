package importer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// otherRunFirst runs another whole import (run) just before the first
// batch with merges is written: two runs that looked up the same users
// before either wrote, the second to write finishing last.
type otherRunFirst struct {
	ascendkit.Environment
	run  func()
	done bool
}

func (o *otherRunFirst) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if len(b.Merge) > 0 && !o.done {
		o.done = true
		o.run()
	}
	return o.Environment.ApplyImport(ctx, b, now)
}

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
	racing := &otherRunFirst{Environment: env, run: func() {
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
