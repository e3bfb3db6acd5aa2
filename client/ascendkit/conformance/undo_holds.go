package conformance

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/ascendkit/internal/rules"
)

// runWithProviders records a run that creates users from and leaves the
// auth providers at providers (nil: as they are).
func runWithProviders(t *testing.T, l ascendkit.Environment, id string, providers []string, users ...ascendkit.ImportedUser) {
	t.Helper()
	startRun(t, l, id)
	apply(t, l, ascendkit.ImportBatch{RunID: id, Create: users})
	if providers != nil {
		if err := l.SetAuthProviders(ctx, providers); err != nil {
			t.Fatal(err)
		}
	}
	finishRun(t, l, id)
}

func undoRun(t *testing.T, l ascendkit.Environment, id string) ascendkit.UndoPlan {
	t.Helper()
	plan, err := l.PlanUndo(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.UndoRun(ctx, id, false, t0)
	if err != nil {
		t.Fatalf("undo %s: %v", id, err)
	}
	if !reflect.DeepEqual(plan, p) {
		t.Errorf("undo %s did %+v, planned %+v", id, p, plan)
	}
	return p
}

func wantProviders(t *testing.T, l ascendkit.Environment, when string, want ...string) {
	t.Helper()
	s, err := l.AuthSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(s.Providers, want) {
		t.Errorf("%s: providers %v, want %v", when, s.Providers, want)
	}
}

// A canary enables credentials; the full run finds them on. Undoing the
// canary must leave them for the full run's users; undoing the full run
// then turns them off, but never what was enabled by hand.
func testUndoCanaryKeepsProvidersLaterRunsUse(t *testing.T, be Backend) {
	l := be.Open(t)
	if err := l.SetAuthProviders(ctx, []string{"magic-link"}); err != nil { // by hand, before any import
		t.Fatal(err)
	}
	runWithProviders(t, l, "run_canary", []string{"credentials", "magic-link"}, imported(5))
	runWithProviders(t, l, "run_full", nil, imported(6), imported(7))

	if p := undoRun(t, l, "run_canary"); p.Settings || p.Users != 1 {
		t.Errorf("canary undo %+v", p)
	}
	wantProviders(t, l, "after the canary's undo", "credentials", "magic-link")
	if err := l.SetAuthProviders(ctx, []string{"apple", "credentials", "magic-link"}); err != nil { // by hand, after the runs
		t.Fatal(err)
	}
	if p := undoRun(t, l, "run_full"); !p.Settings || p.Users != 2 {
		t.Errorf("full undo %+v", p)
	}
	wantProviders(t, l, "after both undos", "apple", "magic-link")

	// In the other order the canary's undo is the one that turns them
	// off; one enabled by hand between the runs stays.
	l = be.Open(t)
	runWithProviders(t, l, "run_canary", []string{"credentials"}, imported(5))
	if err := l.SetAuthProviders(ctx, []string{"apple", "credentials"}); err != nil {
		t.Fatal(err)
	}
	runWithProviders(t, l, "run_full", nil, imported(6))
	if p := undoRun(t, l, "run_full"); p.Settings {
		t.Errorf("full undo first %+v", p)
	}
	wantProviders(t, l, "after the full run's undo", "apple", "credentials")
	if p := undoRun(t, l, "run_canary"); !p.Settings {
		t.Errorf("canary undo last %+v", p)
	}
	wantProviders(t, l, "after both undos", "apple")

	// Nothing by hand: the setting, absent before the runs, is again.
	l = be.Open(t)
	runWithProviders(t, l, "run_canary", []string{"credentials"}, imported(5))
	runWithProviders(t, l, "run_full", nil, imported(6))
	undoRun(t, l, "run_canary")
	wantProviders(t, l, "after the canary's undo", "credentials")
	undoRun(t, l, "run_full")
	if n := be.Count(t, l, "settings"); n != 0 {
		t.Errorf("%d settings left: the providers setting absent before the runs should be again", n)
	}
}

// Three runs rely on what the first enabled: the duty to turn it off passes
// along as runs are undone in any order, to the last one standing.
func testUndoProvidersPassAlongRuns(t *testing.T, be Backend) {
	l := be.Open(t)
	runWithProviders(t, l, "run_1", []string{"credentials", "github", "google"}, imported(5))
	runWithProviders(t, l, "run_2", nil, imported(6))
	runWithProviders(t, l, "run_3", []string{"apple", "credentials", "github", "google"}, imported(7))
	if p := undoRun(t, l, "run_1"); p.Settings {
		t.Errorf("run_1 undo %+v", p)
	}
	wantProviders(t, l, "after run_1's undo", "apple", "credentials", "github", "google")
	if p := undoRun(t, l, "run_3"); !p.Settings {
		t.Errorf("run_3 undo %+v", p)
	}
	wantProviders(t, l, "after run_3's undo", "credentials", "github", "google")
	if p := undoRun(t, l, "run_2"); !p.Settings {
		t.Errorf("run_2 undo %+v", p)
	}
	wantProviders(t, l, "after every undo")
}

func userTags(t *testing.T, l ascendkit.Environment, email string) []string {
	t.Helper()
	u, err := l.GetUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	return u.Tags
}

func enrolled(t *testing.T, l ascendkit.Environment, journeyID, email string) bool {
	t.Helper()
	u, err := l.GetUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	es, err := l.ListEnrollments(ctx, journeyID)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(es, func(e ascendkit.Enrollment) bool { return e.UserID == u.ID })
}

// Two merge runs bring a user the same tag (and so the same enrollment)
// and OAuth link: undoing either leaves them while the other stands,
// undoing both removes them, and a tag or link the user had before any
// import stays throughout.
func testUndoMergeKeepsWhatAnotherRunBrought(t *testing.T, be Backend) {
	for _, order := range [][2]string{{"run_b", "run_d"}, {"run_d", "run_b"}} {
		t.Run(order[0]+" first", func(t *testing.T) {
			l := be.Open(t)
			baseline(t, l) // user1 has vip of its own
			j, _, err := l.CreateJourney(ctx, testJourney("MFA", "import:mfa-reenroll"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.ActivateJourney(ctx, j.ID, t0); err != nil {
				t.Fatal(err)
			}
			before := be.Dump(t, l)
			for _, run := range []string{"run_b", "run_d"} {
				startRun(t, l, run)
				apply(t, l, ascendkit.ImportBatch{RunID: run, Merge: []ascendkit.Merge{{Email: "user1@example.com",
					Source: "clerk", SourceID: "src_" + run, Tags: []string{"vip", "import:mfa-reenroll"},
					OAuthLinks: []ascendkit.OAuthLink{{Provider: "google", ProviderUserID: "g1"}, {Provider: "github", ProviderUserID: "gh1"}}}}})
				finishRun(t, l, run)
			}
			if got := userTags(t, l, "user1@example.com"); !reflect.DeepEqual(got, []string{"import:mfa-reenroll", "vip"}) || !enrolled(t, l, j.ID, "user1@example.com") {
				t.Fatalf("after the merges: tags %v, enrolled %v", got, enrolled(t, l, j.ID, "user1@example.com"))
			}
			if p := undoRun(t, l, order[0]); p.Links != 0 || p.Tags != 0 || p.Enrollments != 0 || p.MergedUsers != 1 {
				t.Errorf("first undo %+v", p)
			}
			if got := userTags(t, l, "user1@example.com"); !reflect.DeepEqual(got, []string{"import:mfa-reenroll", "vip"}) || !enrolled(t, l, j.ID, "user1@example.com") {
				t.Errorf("%s is live, yet undoing %s left tags %v, enrolled %v", order[1], order[0], got, enrolled(t, l, j.ID, "user1@example.com"))
			}
			if u, _ := l.GetUser(ctx, "user1@example.com"); len(u.OAuthLinks) != 2 {
				t.Errorf("%s is live, yet undoing %s left links %v", order[1], order[0], u.OAuthLinks)
			}
			if p := undoRun(t, l, order[1]); p.Links != 1 || p.Tags != 1 || p.Enrollments != 1 {
				t.Errorf("last undo %+v", p)
			}
			diffSnapshots(t, before, be.Dump(t, l))
		})
	}
}

// The blockers are users, counted in full and listed up to the cap, each
// once however many later runs merged into it.
func testUndoBlockersCountDistinctUsers(t *testing.T, be Backend) {
	l := be.Open(t)
	const n = 1003 // over the listing cap of 1000
	users := make([]ascendkit.ImportedUser, n)
	for i := range users {
		users[i] = imported(i + 1)
	}
	runWithProviders(t, l, "run_a", nil, users...)
	for _, run := range []string{"run_b", "run_c"} {
		var ms []ascendkit.Merge
		for i := range n {
			if run == "run_c" && i >= 3 {
				break
			}
			ms = append(ms, ascendkit.Merge{Email: fmt.Sprintf("user%d@example.com", i+1), Source: run, SourceID: fmt.Sprint(i)})
		}
		startRun(t, l, run)
		if res := apply(t, l, ascendkit.ImportBatch{RunID: run, Merge: ms}); res.Merged != len(ms) {
			t.Fatalf("%s merged %d", run, res.Merged)
		}
		finishRun(t, l, run)
	}
	p, err := l.PlanUndo(ctx, "run_a")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range p.Blockers {
		if seen[b.UserID] {
			t.Fatalf("user %s listed twice", b.UserID)
		}
		seen[b.UserID] = true
		if b.RunID != "run_b" {
			t.Errorf("blocker %+v: want the first run that merged", b)
		}
	}
	if p.BlockedUsers != n || len(p.Blockers) != 1000 {
		t.Fatalf("blocked users %d, listed %d", p.BlockedUsers, len(p.Blockers))
	}
	_, err = l.UndoRun(ctx, "run_a", false, t0)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d user(s)", n)) || !strings.Contains(err.Error(), fmt.Sprintf("and %d more", n-5)) {
		t.Fatalf("undo: %v", err)
	}
}

// A run that died before a later run started relied only on the providers
// of its start: it does not keep what the later run enabled when that run
// is undone. One that died after the later run started may have relied
// on anything, and keeps it.
func testDeadRunKeepsOnlyProvidersOfItsTime(t *testing.T, be Backend) {
	for _, c := range []struct {
		diedAfter bool
		want      []string
	}{{false, nil}, {true, []string{"google"}}} {
		l := be.Open(t)
		startRun(t, l, "run_killed") // started at t0, killed
		died := t0.Add(time.Minute)
		if c.diedAfter {
			died = t0.Add(3 * time.Hour)
		}
		be.Exec(t, l, fmt.Sprintf(`UPDATE import_runs SET status = 'interrupted', heartbeat_at = '%s' WHERE id = 'run_killed'`, rules.FormatTime(died)))
		if err := l.StartRun(ctx, ascendkit.Run{ID: "run_later", StartedAt: t0.Add(2 * time.Hour), SourceKind: "file"}); err != nil {
			t.Fatal(err)
		}
		apply(t, l, ascendkit.ImportBatch{RunID: "run_later", Create: []ascendkit.ImportedUser{imported(5)}})
		if err := l.SetAuthProviders(ctx, []string{"google"}); err != nil {
			t.Fatal(err)
		}
		finishRun(t, l, "run_later")
		undoRun(t, l, "run_later")
		wantProviders(t, l, fmt.Sprintf("died after the later run started: %t", c.diedAfter), c.want...)
	}
}
