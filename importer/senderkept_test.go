package importer

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestUndoSenderKeptBySendingJourneys(t *testing.T) {
	eachBackend(t, testUndoSenderKeptBySendingJourneys)
}

// A run's --from-identity gave the migration journeys their sender (they
// were created without one). Undoing the run puts the sender back (to
// none) on the journeys that are not sending, but an active journey, and
// a paused one with users still in it, keep the sender they send with:
// the undo neither stops their emails nor leaves them refused for having
// no sender, and the plan names them.
func testUndoSenderKeptBySendingJourneys(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	const sender = "hi@foo.com"
	setup := JourneySetup{AppName: "Foo", LoginURL: "https://foo.com/login", ResetURL: "https://foo.com/reset"}
	cases := []struct {
		name string
		// before runs before the imports, after after the sender is set,
		// on the announcement journey.
		before, after func(t *testing.T, env ascendkit.Environment, jid string)
		kept          bool
	}{
		{name: "draft"},
		{name: "active", after: activateJourney, kept: true},
		{name: "paused with users in it", after: func(t *testing.T, env ascendkit.Environment, jid string) {
			activateJourney(t, env, jid)
			pauseJourney(t, env, jid)
		}, kept: true},
		// Activated before any user was imported, and paused: nobody is in
		// it, and activating it again checks the sender anew.
		{name: "paused with no one in it", before: func(t *testing.T, env ascendkit.Environment, jid string) {
			if _, err := env.ActivateJourney(ctx, jid, time.Now()); err != nil {
				t.Fatal(err)
			}
			pauseJourney(t, env, jid)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := openEnv(t)
			if _, err := CreateMigrationJourneys(ctx, env, setup); err != nil {
				t.Fatal(err)
			}
			ann, err := env.GetJourney(ctx, JourneyAnnouncement)
			if err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, env, ann.ID)
			}
			if _, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun}); err != nil {
				t.Fatal(err)
			}
			rep, err := Run(ctx, newSource(3, mkUser("user_new", "new@example.com", withPassword)), env, Options{Mode: ModeRun})
			if err != nil {
				t.Fatal(err)
			}
			if err := SetSender(ctx, env, sender, rep.RunID); err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				tc.after(t, env, ann.ID)
			}
			var wantKept []string
			if tc.kept {
				wantKept = []string{JourneyAnnouncement}
			}

			dry, err := undoSender(ctx, env, rep.RunID, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !dry.Restored || !reflect.DeepEqual(dry.Kept, wantKept) {
				t.Errorf("plan: restored %v, kept %v; want true, %v", dry.Restored, dry.Kept, wantKept)
			}
			if plan, err := PlanUndo(ctx, env, rep.RunID); err != nil || !plan.Sender || !slices.Equal(plan.SenderKept, wantKept) || plan.SenderKept == nil {
				t.Errorf("PlanUndo: %+v, %v; want the sender put back", plan, err)
			}
			if _, err := Undo(ctx, env, rep.RunID, false, time.Now()); err != nil {
				t.Fatal(err)
			}

			if saved, _, err := env.Setting(ctx, SettingFromIdentity); err != nil || saved != "" {
				t.Errorf("saved sender after undo %q (%v), want none: it only seeds journeys created later", saved, err)
			}
			if got := senders(t, env, JourneyPasswordReset); got != "" {
				t.Errorf("the draft %s journey sends from %q after undo, want none as before the run", JourneyPasswordReset, got)
			}
			want := ""
			if tc.kept {
				want = sender
			}
			if got := senders(t, env, JourneyAnnouncement); got != want {
				t.Errorf("the %s announcement journey sends from %q after undo, want %q", tc.name, got, want)
			}
			if tc.kept {
				p, err := ActivationCheck(ctx, env, ann.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, prob := range p.Problems {
					if strings.Contains(prob, "sender") {
						t.Errorf("after undo the kept journey has a sender problem: %s", prob)
					}
				}
			}
			// Undone, the run has nothing left to put back.
			if again, err := undoSender(ctx, env, rep.RunID, true, nil); err != nil || again.Restored || again.Kept != nil {
				t.Errorf("after undo: %+v, %v; want nothing left", again, err)
			}
		})
	}
}

func activateJourney(t *testing.T, env ascendkit.Environment, jid string) {
	t.Helper()
	res, err := Activate(ctx, env, jid, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.NewlyEnrolled == 0 {
		t.Fatal("activation enrolled nobody: the journey would not be sending")
	}
}

func pauseJourney(t *testing.T, env ascendkit.Environment, jid string) {
	t.Helper()
	if err := env.PauseJourney(ctx, jid); err != nil {
		t.Fatal(err)
	}
}

// senders is the sender of journey name's email nodes, all one; a journey
// whose nodes disagree fails the test.
func senders(t *testing.T, env ascendkit.Environment, name string) string {
	t.Helper()
	j, err := env.GetJourney(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	from, seen := "", false
	for _, n := range j.Nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		if seen && n.From != from {
			t.Fatalf("%s: email nodes send from %q and %q", name, from, n.From)
		}
		from, seen = n.From, true
	}
	if !seen {
		t.Fatalf("%s has no email node", name)
	}
	return from
}

// The plan and the undo agree on which journeys keep the sender, even
// when the undo removes every user a paused journey still had: the plan
// said it keeps the sender, and it does.
func TestUndoKeepsWhatThePlanSaid(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		setup := JourneySetup{AppName: "Foo", LoginURL: "https://foo.com/login", ResetURL: "https://foo.com/reset"}
		if _, err := CreateMigrationJourneys(ctx, env, setup); err != nil {
			t.Fatal(err)
		}
		ann, _ := env.GetJourney(ctx, JourneyAnnouncement)
		rep, err := Run(ctx, newSource(3, mkUser("user_new", "new@example.com", withPassword)), env, Options{Mode: ModeRun})
		if err != nil {
			t.Fatal(err)
		}
		if err := SetSender(ctx, env, "hi@foo.com", rep.RunID); err != nil {
			t.Fatal(err)
		}
		activateJourney(t, env, ann.ID)
		pauseJourney(t, env, ann.ID)
		plan, err := PlanUndo(ctx, env, rep.RunID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Undo(ctx, env, rep.RunID, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{JourneyAnnouncement}; !slices.Equal(plan.SenderKept, want) || !slices.Equal(got.SenderKept, want) {
			t.Errorf("plan kept %v, undo kept %v; want %v both", plan.SenderKept, got.SenderKept, want)
		}
		if s := senders(t, env, JourneyAnnouncement); s != "hi@foo.com" {
			t.Errorf("the announcement journey sends from %q after undo, want hi@foo.com as the plan said", s)
		}
	})
}
