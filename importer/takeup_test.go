package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// These tests take an import up again after it stopped (interrupted, a
// canary) where the source's users share the address of users who signed
// up in AscendKit: the end must be what one uninterrupted run makes, and
// preview, run and the wizard's recount must say the same.

func laterBy(d time.Duration) func() time.Time { return func() time.Time { return now.Add(d) } }

// signupsFor seeds users who signed up in AscendKit with n@ and m@, and
// returns the id of n@'s.
func signupsFor(t *testing.T, env ascendkit.Environment) string {
	t.Helper()
	seedWith(t, env, ascendkit.ImportedUser{Source: "signup", SourceID: "s1", User: ascendkit.User{Email: "n@example.com", EmailVerified: true, CreatedAt: now}})
	seedWith(t, env, ascendkit.ImportedUser{Source: "signup", SourceID: "s2", User: ascendkit.User{Email: "m@example.com", EmailVerified: true, CreatedAt: now}})
	u, err := env.GetUser(ctx, "n@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func unverifiedAddress(u *clerk.User) { u.EmailAddresses[0].Verification.Status = "unverified" }

// sharedSource lists several users with n@ (one unverified, two with
// OAuth accounts) and two with m@, among others.
func sharedSource() *sliceSource {
	return newSource(1, mkUser("user_c", "n@example.com", withOAuth("oauth_google")), mkUser("user_f1", "f1@example.com"),
		mkUser("user_u", "n@example.com", unverifiedAddress), mkUser("user_z", "n@example.com", withOAuth("oauth_github")),
		mkUser("user_f2", "f2@example.com"), mkUser("user_y", "n@example.com"), mkUser("user_m", "m@example.com"), mkUser("user_m2", "m@example.com"))
}

var sharedIDs = []string{"user_c", "user_f1", "user_u", "user_z", "user_f2", "user_y", "user_m", "user_m2"}

// whereImported says, for each Clerk id, which user it was imported
// into: "S" n@'s signup, "M" the user of user_m, "own" another, "-" none.
func whereImported(t *testing.T, env ascendkit.Environment, signup string) string {
	t.Helper()
	byID, err := env.LookupSourceIDs(ctx, SourceClerk, sharedIDs)
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for _, id := range sharedIDs {
		v := byID[id].UserID
		switch {
		case v == "":
			v = "-"
		case v == signup:
			v = "S"
		case v == byID["user_m"].UserID && id != "user_m":
			v = "M"
		default:
			v = "own"
		}
		s += id + "=" + v + " "
	}
	return s
}

// stoppedAt runs src as a merge run stopped after its nth batch (one
// user per batch), reporting whether it had that many.
func stoppedAt(env ascendkit.Environment, src *sliceSource, at time.Time, n int) bool {
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	applied := 0
	_, err := Run(c, src, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, BatchSize: 1, Now: func() time.Time { return at }, OnEvent: func(e Event) {
		if _, ok := e.(BatchApplied); ok {
			if applied++; applied == n {
				cancel()
			}
		}
	}})
	return errors.Is(err, context.Canceled)
}

// resumeAgrees runs sharedSource as preview and run at d and checks the
// end against want, and preview against run.
func resumeAgrees(t *testing.T, name string, env ascendkit.Environment, signup, want string, d time.Duration) {
	t.Helper()
	checkRecounts(t, func() clerk.Source { return sharedSource() }, env, []Options{{OnDuplicate: PolicyMerge}})
	pre, err := Run(ctx, sharedSource(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, Now: laterBy(d)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(ctx, sharedSource(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: laterBy(d)})
	if st := whereImported(t, env, signup); err != nil || st != want || pre.Users.ToMerge != got.Users.Merged || pre.EmailOfOtherImport != got.EmailOfOtherImport {
		t.Errorf("%s: %s, want %s; preview toMerge %d other %d, run merged %d other %d (%v)",
			name, st, want, pre.Users.ToMerge, pre.EmailOfOtherImport, got.Users.Merged, got.EmailOfOtherImport, err)
	}
}

// Interrupted after any batch, and the run taking it up interrupted too:
// the next run ends as one would have.
func TestInterruptedAnywhereEndsAsOneRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		signup := signupsFor(t, env)
		if _, err := Run(ctx, sharedSource(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: laterBy(0)}); err != nil {
			t.Fatal(err)
		}
		want := whereImported(t, env, signup)
		if want != "user_c=S user_f1=own user_u=- user_z=S user_f2=own user_y=S user_m=own user_m2=M " {
			t.Fatalf("one run: %s", want)
		}
		for i := 1; i < len(sharedIDs); i++ {
			for _, j := range []int{0, 2} {
				env := openEnv(t)
				signup := signupsFor(t, env)
				if !stoppedAt(env, sharedSource(), now, i) || (j > 0 && !stoppedAt(env, sharedSource(), now.Add(time.Minute), j)) {
					continue
				}
				resumeAgrees(t, fmt.Sprintf("stopped after %d, then %d", i, j), env, signup, want, 2*time.Minute)
			}
		}
	})
}

// A canary of any user, whether or not the full run after it is
// interrupted, ends as the full run alone: one of a later user with a
// shared address makes the earlier ones wait for the end of the source,
// where that user has come.
func TestCanaryOfAnyUserEndsAsOneRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		want := "user_c=S user_f1=own user_u=- user_z=S user_f2=own user_y=S user_m=own user_m2=M "
		for _, only := range []string{"user_c", "user_z", "user_y", "user_m", "user_m2", "user_u"} {
			for _, j := range []int{0, 2} {
				env := openEnv(t)
				signup := signupsFor(t, env)
				if _, err := Run(ctx, sharedSource(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Only: []string{only}, Now: laterBy(0)}); err != nil {
					t.Fatal(err)
				}
				if j > 0 && !stoppedAt(env, sharedSource(), now.Add(time.Minute), j) {
					continue
				}
				resumeAgrees(t, fmt.Sprintf("canary %s, stopped after %d", only, j), env, signup, want, 2*time.Minute)
			}
		}
	})
}

// Source A stopped after merging user_c into the signup; source B, which
// lists user_c too, stopped after merging user_q, whom A never lists. A
// again does not merge user_x into an account with user_q, whether B was
// interrupted or completed.
func TestResumeDoesNotTakeUpAnotherSourcesMerge(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		for _, completed := range []bool{false, true} {
			env := openEnv(t)
			signupsFor(t, env)
			a := newSource(1, mkUser("user_c", "n@example.com"), mkUser("user_f", "f@example.com"), mkUser("user_x", "n@example.com"))
			b := newSource(1, mkUser("user_c", "n@example.com"), mkUser("user_q", "n@example.com"), mkUser("user_g", "g@example.com"))
			stopAfterBatches(t, env, a.clone(), now, 1)
			if completed {
				if _, err := Run(ctx, b.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: laterBy(time.Minute)}); err != nil {
					t.Fatal(err)
				}
			} else {
				stopAfterBatches(t, env, b.clone(), now.Add(time.Minute), 1)
			}
			checkRecounts(t, func() clerk.Source { return a.clone() }, env, []Options{{OnDuplicate: PolicyMerge}})
			pre, err := Run(ctx, a.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, Now: laterBy(2 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Run(ctx, a.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: laterBy(2 * time.Minute)})
			if err != nil || pre.Users.ToMerge != 0 || got.Users.Merged != 0 || pre.EmailOfOtherImport != 1 || got.EmailOfOtherImport != 1 {
				t.Errorf("B completed %v: preview toMerge %d other %d; run merged %d other %d (%v); want user_x refused",
					completed, pre.Users.ToMerge, pre.EmailOfOtherImport, got.Users.Merged, got.EmailOfOtherImport, err)
			}
		}
	})
}

// Undoing the interrupted run a completed one took up removes the
// signup's metadata.import, but the completed run's merge stays: a later
// Clerk user with the address is refused by preview and run alike.
func TestMergedWithOtherAfterUndoOfTheFirstMerge(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		signupsFor(t, env)
		src := newSource(1, mkUser("user_c", "n@example.com"), mkUser("user_f", "f@example.com"), mkUser("user_x", "n@example.com"))
		stopAfterBatches(t, env, src.clone(), now, 1)
		if _, err := Run(ctx, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: laterBy(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		runs, err := env.ListRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(runs, func(a, b ascendkit.Run) int { return a.StartedAt.Compare(b.StartedAt) })
		if _, err := Undo(ctx, env, runs[0].ID, false, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		later := newSource(1, mkUser("user_z", "n@example.com"))
		pre, err := Run(ctx, later.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge, Now: laterBy(3 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Now: laterBy(3 * time.Minute)}
		es := collect(&ro)
		got, err := Run(ctx, later.clone(), env, ro)
		if err != nil || pre.Users.ToMerge != 0 || got.Users.Merged != 0 || pre.EmailOfOtherImport != 1 || got.EmailOfOtherImport != 1 || len(entriesOf(*es, "user_z", ReasonEmailExists)) != 1 {
			t.Errorf("user_z: preview toMerge %d other %d; run merged %d other %d (%v)\n%+v",
				pre.Users.ToMerge, pre.EmailOfOtherImport, got.Users.Merged, got.EmailOfOtherImport, err, *es)
		}
	})
}

// A canary (--only) is the first step of the whole import: a user it
// leaves out still holds what the whole run would give them. The
// canary of an unverified user whose address a later user of the source
// has verified does not give it the address, and the full run after it
// ends as the full run alone.
func TestCanaryLeavesTheAddressToItsVerifiedHolder(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		src := newSource(2, mkUser("user_claim", "olga@example.com", unverifiedAddress), mkUser("user_f", "f@example.com"),
			mkUser("user_owner", "olga@example.com"))
		one := openEnv(t)
		run(t, src.clone(), one, Options{Mode: ModeRun})
		want, err := one.LookupSourceIDs(ctx, SourceClerk, []string{"user_claim", "user_owner"})
		if err != nil || want["user_owner"].UserID == "" || want["user_claim"].UserID != "" {
			t.Fatalf("one run: %+v %v", want, err)
		}
		env := openEnv(t)
		canary := run(t, src.clone(), env, Options{Mode: ModeRun, Only: []string{"user_claim"}})
		if canary.Users.Imported != 0 || canary.Users.DuplicateReasons[ReasonRepeatedInSource] != 1 || canary.Users.NotSelected != 2 {
			t.Errorf("canary of user_claim: %+v", canary.Users)
		}
		run(t, src.clone(), env, Options{Mode: ModeRun})
		got, err := env.LookupSourceIDs(ctx, SourceClerk, []string{"user_claim", "user_owner"})
		if err != nil || got["user_owner"].UserID == "" || got["user_claim"].UserID != "" {
			t.Errorf("canary then full run: %+v %v, want user_owner holding the address", got, err)
		}
		if u, err := env.GetUser(ctx, "olga@example.com"); err != nil || !u.EmailVerified {
			t.Errorf("olga@: %+v %v, want the verified holder's", u, err)
		}
	})
}

// A canary of a later user of an address, whose earlier user it leaves
// out: the full run merges the one into the other, so the canary imports
// neither and says why, rather than merge into a user it did not create.
func TestCanaryOfARepeatWhoseHolderIsLeftOut(t *testing.T) {
	env := openEnv(t)
	src := newSource(2, mkUser("user_a", "x@example.com"), mkUser("user_b", "x@example.com"))
	ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Only: []string{"user_b"}}
	es := collect(&ro)
	rep := run(t, src.clone(), env, ro)
	got := entriesOf(*es, "user_b", ReasonRepeatedInSource)
	if rep.Users.Failed != 0 || rep.Users.Imported != 0 || rep.Users.Duplicates != 1 || len(got) != 1 ||
		got[0].Policy != PolicySkip || !strings.Contains(got[0].Detail, "not one of the users --only selects") {
		t.Errorf("canary of user_b: %+v\n%+v", rep.Users, *es)
	}
	full := run(t, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if full.Users.Imported != 1 || full.Users.Merged != 1 {
		t.Errorf("full run after it: %+v", full.Users)
	}
}

// A Clerk user listed twice before the user a canary merged into a
// signup: the repeat is no other account's duplicate, as in one run.
func TestRepeatBeforeTheCanaryUserIsNoOtherAccount(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		signupsFor(t, env)
		src := newSource(1, mkUser("user_c", "n@example.com"), mkUser("user_c", "n@example.com"), mkUser("user_z", "n@example.com"))
		run(t, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Only: []string{"user_z"}})
		checkRecounts(t, func() clerk.Source { return src.clone() }, env, []Options{{OnDuplicate: PolicyMerge}})
		pre := run(t, src.clone(), env, Options{Mode: ModePreview, OnDuplicate: PolicyMerge})
		got := run(t, src.clone(), env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
		if pre.EmailOfOtherImport != 0 || got.EmailOfOtherImport != 0 || got.Users.Merged != 1 || pre.Users.ToMerge != 1 {
			t.Errorf("preview toMerge %d other %d; run merged %d other %d", pre.Users.ToMerge, pre.EmailOfOtherImport, got.Users.Merged, got.EmailOfOtherImport)
		}
	})
}

// A canary of an unverified repeat says why the full run would not merge
// it either, not that its holder was left out.
func TestCanaryOfAnUnverifiedRepeatSaysWhy(t *testing.T) {
	env := openEnv(t)
	src := newSource(2, mkUser("user_0", "b@example.com"), mkUser("user_2", "b@example.com", unverifiedAddress))
	ro := Options{Mode: ModeRun, OnDuplicate: PolicyMerge, Only: []string{"user_2"}}
	es := collect(&ro)
	run(t, src.clone(), env, ro)
	got := entriesOf(*es, "user_2", ReasonRepeatedInSource)
	if len(got) != 1 || !strings.Contains(got[0].Detail, "not verified in Clerk") {
		t.Errorf("entries %+v", *es)
	}
}
