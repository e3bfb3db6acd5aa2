package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// nativeUser creates a user who signed up in the environment (no run),
// with tags of their own.
func nativeUser(t *testing.T, l ascendkit.Environment, i int, tags ...string) {
	t.Helper()
	u := imported(i)
	u.Source = "signup"
	u.User.Tags = tags
	u.User.OAuthLinks = nil
	apply(t, l, ascendkit.ImportBatch{Create: []ascendkit.ImportedUser{u}})
}

// mergeRun records run id, which merges a Clerk user (its own source id)
// into user i, bringing tag.
func mergeRun(t *testing.T, l ascendkit.Environment, id string, i int, tag string) {
	t.Helper()
	startRun(t, l, id)
	res := apply(t, l, ascendkit.ImportBatch{RunID: id, Merge: []ascendkit.Merge{{
		Email: imported(i).User.Email, Source: "clerk", SourceID: "src_" + id, Tags: []string{tag}}}})
	if res.Merged != 1 {
		t.Fatalf("run %s merged %d, want 1", id, res.Merged)
	}
	finishRun(t, l, id)
}

// An activation's backfill enrolls a merged-into user because of the
// audience tag a run brought: undoing the run, which removes the tag,
// removes that enrollment too (and the plan counts it), however many runs
// brought the tag, in any undo order, and whether the journey was
// activated between the merges or after them. An enrollment the user
// qualifies for without the run (the tag of their own, or of a live run)
// stays.
func testUndoRemovesBackfilledEnrollmentOfMergedUser(t *testing.T, be Backend) {
	const tag = "import:clerk"
	setup := func(t *testing.T, ownTag bool) (ascendkit.Environment, string, map[string][]string) {
		l := be.Open(t)
		if ownTag {
			nativeUser(t, l, 1, tag)
		} else {
			nativeUser(t, l, 1)
		}
		nativeUser(t, l, 2) // never merged: never touched
		j, _, err := l.CreateJourney(ctx, testJourney("Migration announcement", tag))
		if err != nil {
			t.Fatal(err)
		}
		return l, j.ID, be.Dump(t, l)
	}
	activate := func(t *testing.T, l ascendkit.Environment, jid string, want int) {
		t.Helper()
		n, err := l.ActivateJourney(ctx, jid, t0)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("activation enrolled %d, want %d", n, want)
		}
	}
	email := imported(1).User.Email

	t.Run("one run", func(t *testing.T) {
		l, jid, _ := setup(t, false)
		mergeRun(t, l, "run_a", 1, tag)
		activate(t, l, jid, 1)
		if p := undoRun(t, l, "run_a"); p.Tags != 1 || p.Enrollments != 1 || p.MergedUsers != 1 {
			t.Errorf("undo plan %+v, want the tag and the enrollment it brought", p)
		}
		if enrolled(t, l, jid, email) {
			t.Error("after the undo the user is still enrolled in the journey whose audience tag the run brought")
		}
		if got := userTags(t, l, email); len(got) != 0 {
			t.Errorf("tags after undo %v", got)
		}
		j, err := l.GetJourney(ctx, jid)
		if err != nil {
			t.Fatal(err)
		}
		if total, _, err := l.AudienceSize(ctx, jid); err != nil || total != 0 || j.Stats.Enrolled != 0 {
			t.Errorf("journey after undo: audience %d (%v), enrolled %d; want 0 and 0", total, err, j.Stats.Enrolled)
		}
		if n := be.Count(t, l, "import_merge_changes"); n != 0 {
			t.Errorf("%d merge records left after the only run's undo", n)
		}
	})

	// Two runs bring the tag; the journey is activated after both, or
	// between them (the second merge then records its own held
	// enrollment); the runs are undone in either order.
	for _, between := range []bool{false, true} {
		for _, order := range [][2]string{{"run_a", "run_b"}, {"run_b", "run_a"}} {
			name := "activated after both, " + order[0] + " undone first"
			if between {
				name = "activated between, " + order[0] + " undone first"
			}
			t.Run(name, func(t *testing.T) {
				l, jid, before := setup(t, false)
				mergeRun(t, l, "run_a", 1, tag)
				if between {
					activate(t, l, jid, 1)
				}
				mergeRun(t, l, "run_b", 1, tag)
				if !between {
					activate(t, l, jid, 1)
				}
				if p := undoRun(t, l, order[0]); p.Tags != 0 || p.Enrollments != 0 {
					t.Errorf("first undo %+v: %s still brings the tag", p, order[1])
				}
				if !enrolled(t, l, jid, email) {
					t.Errorf("%s is live, yet undoing %s removed the enrollment its tag qualifies for", order[1], order[0])
				}
				if p := undoRun(t, l, order[1]); p.Tags != 1 || p.Enrollments != 1 {
					t.Errorf("last undo %+v, want the tag and the enrollment", p)
				}
				if enrolled(t, l, jid, email) {
					t.Error("both runs undone, yet the user is still enrolled")
				}
				after := be.Dump(t, l)
				for _, tb := range []string{"enrollments", "user_tags", "import_merge_changes", "users"} {
					diffSnapshots(t, map[string][]string{tb: before[tb]}, map[string][]string{tb: after[tb]})
				}
			})
		}
	}

	t.Run("tag of their own", func(t *testing.T) {
		l, jid, _ := setup(t, true)
		mergeRun(t, l, "run_a", 1, tag)
		activate(t, l, jid, 1)
		if p := undoRun(t, l, "run_a"); p.Tags != 0 || p.Enrollments != 0 {
			t.Errorf("undo plan %+v: the user had the tag before any import", p)
		}
		if !enrolled(t, l, jid, email) {
			t.Error("undo removed an enrollment the user qualifies for by a tag of their own")
		}
	})
}

// An undo of a run that merged users and an activation of the journey
// for the tag it brought run at once, from two handles: whichever goes
// first, no user is left enrolled for a tag the undo removed, and no
// record of the undone run is left behind (one would keep another run's
// undo from removing what it brought). The rounds give the two a chance
// to interleave; each must end clean whatever the order.
func testActivationDuringUndo(t *testing.T, be Backend) { undoRace(t, be, 5, false) }

// As testActivationDuringUndo, but the journey is created active: its
// backfill runs in CreateJourney, on a row no row lock of the undo's
// could cover.
func testCreateActiveDuringUndo(t *testing.T, be Backend) { undoRace(t, be, 8, true) }

// undoRace runs the undo of a run that merged users into users of their
// own against an activation (createActive: the creation of an active
// journey) for the tag the run brought, rounds times.
func undoRace(t *testing.T, be Backend, rounds int, createActive bool) {
	const users = 200
	const tag = "import:clerk"
	for r := range rounds {
		envs := handles(t, be)
		var natives []ascendkit.ImportedUser
		var merges []ascendkit.Merge
		for i := range users {
			u := imported(i)
			u.Source, u.User.Tags, u.User.OAuthLinks = "signup", nil, nil
			natives = append(natives, u)
			merges = append(merges, ascendkit.Merge{Email: u.User.Email, Source: "clerk", SourceID: fmt.Sprintf("src_%d", i), Tags: []string{tag}})
		}
		apply(t, envs[0], ascendkit.ImportBatch{Create: natives})
		j := testJourney("Migration announcement", tag)
		if !createActive {
			var err error
			if j, _, err = envs[0].CreateJourney(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
		startRun(t, envs[0], "run_a")
		if res := apply(t, envs[0], ascendkit.ImportBatch{RunID: "run_a", Merge: merges}); res.Merged != users {
			t.Fatalf("merged %d, want %d", res.Merged, users)
		}
		finishRun(t, envs[0], "run_a")

		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := envs[0].UndoRun(ctx, "run_a", false, t0); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			var err error
			if createActive {
				j.Status = ascendkit.StatusActive
				_, _, err = envs[1].CreateJourney(ctx, j)
			} else {
				_, err = envs[1].ActivateJourney(ctx, j.ID, t0)
			}
			if err != nil {
				errs <- err
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := be.Count(t, envs[0], "enrollments"); n != 0 {
			t.Errorf("round %d: %d users enrolled for the tag the undo removed", r, n)
		}
		if n := be.Count(t, envs[0], "import_merge_changes"); n != 0 {
			t.Errorf("round %d: %d merge records left of the undone run", r, n)
		}
	}
}
