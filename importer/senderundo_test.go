package importer

import (
	"slices"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

func TestUndoSenderInAnyOrder(t *testing.T) { eachBackend(t, testUndoSenderInAnyOrder) }

// Runs set senders one after another; undoing them in any order leaves
// the sender the remaining runs (or, with none left, the journeys'
// creation) imply, on the saved setting and on every email node.
func testUndoSenderInAnyOrder(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {0, 2, 1}, {2, 0, 1}, {1, 2, 0}, {2, 1, 0}} {
		env := openEnv(t)
		if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "orig@app.com"}); err != nil {
			t.Fatal(err)
		}
		senders := []string{"a@app.com", "b@app.com", "c@app.com"}
		var runs []string
		for _, s := range senders {
			runs = append(runs, runWithSender(t, env, s))
		}
		live := []bool{true, true, true}
		for _, i := range order {
			if _, err := Undo(ctx, env, runs[i], true, time.Now()); err != nil {
				t.Fatal(err)
			}
			live[i] = false
			want := "orig@app.com"
			for k := range senders {
				if live[k] {
					want = senders[k]
				}
			}
			saved, _, err := env.Setting(ctx, SettingFromIdentity)
			if err != nil {
				t.Fatal(err)
			}
			from := emailSenders(t, env)
			if saved != want || slices.ContainsFunc(from, func(f string) bool { return f != want }) {
				t.Fatalf("order %v, after undoing run %d: saved %q, nodes %v; want %s", order, i, saved, from, want)
			}
		}
	}
}

// Runs that overlap set their senders in the order they end, not the one
// they started in: A starts, B starts, B sets b@, A sets a@. Undoing B
// then A puts back the journeys' sender; the chain goes by value.
func TestUndoSenderOfOverlappingRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{FromIdentity: "orig@app.com"}); err != nil {
			t.Fatal(err)
		}
		var runs []string
		for range 2 {
			rep, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun, OnDuplicate: "merge"})
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, rep.RunID)
		}
		a, b := runs[0], runs[1]
		if err := SetSender(ctx, env, "b@app.com", b); err != nil {
			t.Fatal(err)
		}
		if err := SetSender(ctx, env, "a@app.com", a); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct{ run, want string }{{b, "a@app.com"}, {a, "orig@app.com"}} {
			if _, err := Undo(ctx, env, step.run, true, time.Now()); err != nil {
				t.Fatal(err)
			}
			saved, _, _ := env.Setting(ctx, SettingFromIdentity)
			j, _ := env.GetJourney(ctx, JourneyAnnouncement)
			for _, n := range j.Nodes {
				if n.Action == ascendkit.ActionSendEmail && n.From != step.want {
					t.Errorf("after undoing %s: node %s sends from %q, want %q", step.run, n.ID, n.From, step.want)
				}
			}
			if saved != step.want {
				t.Errorf("after undoing %s: saved sender %q, want %q", step.run, saved, step.want)
			}
		}
	})
}

// Journeys created after a run take its sender from the saved setting:
// undoing the run puts their email nodes back with the setting.
func TestUndoSenderOfJourneysCreatedAfter(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		rep, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun})
		if err != nil {
			t.Fatal(err)
		}
		if err := SetSender(ctx, env, "a@app.com", rep.RunID); err != nil {
			t.Fatal(err)
		}
		if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
			t.Fatal(err)
		}
		if _, err := Undo(ctx, env, rep.RunID, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		saved, _, _ := env.Setting(ctx, SettingFromIdentity)
		for _, name := range []string{JourneyAnnouncement, JourneyPasswordReset} {
			j, err := env.GetJourney(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range j.Nodes {
				if n.Action == ascendkit.ActionSendEmail && n.From != saved {
					t.Errorf("%s/%s sends from %q, the saved sender is %q", name, n.ID, n.From, saved)
				}
			}
		}
		if saved == "a@app.com" {
			t.Errorf("the undone run's sender is still saved")
		}
	})
}

// Journeys created after a run took its sender from the saved setting; a
// later run replaced it. Undoing the first run, then the later one, puts
// back what was there before both (no sender), as the other order does:
// the later run's record said the journeys' nodes were the first run's
// sender before it, and its undo put that back.
func TestUndoSenderOfJourneysCreatedBetweenRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		for _, order := range [][2]int{{0, 1}, {1, 0}} {
			env := openEnv(t)
			var runs []string
			for i, s := range []string{"first@app.com", "second@app.com"} {
				runs = append(runs, runWithSender(t, env, s))
				if i == 0 {
					if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, i := range order {
				if _, err := Undo(ctx, env, runs[i], true, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			saved, _, _ := env.Setting(ctx, SettingFromIdentity)
			if saved != "" {
				t.Errorf("order %v: saved sender %q, want none", order, saved)
			}
			for _, name := range []string{JourneyAnnouncement, JourneyPasswordReset} {
				j, err := env.GetJourney(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range j.Nodes {
					if n.Action == ascendkit.ActionSendEmail && n.From != "" {
						t.Errorf("order %v: %s/%s sends from %q, want no sender", order, name, n.ID, n.From)
					}
				}
			}
		}
	})
}

// runWithSender imports mixedSource (merging) and sets the sender as a
// run given --from-identity does; it returns the run's id.
func runWithSender(t *testing.T, env ascendkit.Environment, sender string) string {
	t.Helper()
	rep, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun, OnDuplicate: "merge"})
	if err != nil {
		t.Fatal(err)
	}
	if err := SetSender(ctx, env, sender, rep.RunID); err != nil {
		t.Fatal(err)
	}
	return rep.RunID
}

// A canary set the sender, the full run was given the same one, and the
// journeys were created after both: undoing the canary (to redo it)
// leaves the sender, which the full run still in effect asked for; undoing
// the full run then takes it back too.
func TestUndoSenderSetAgainByLaterRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		canary := runWithSender(t, env, "hello@app.com")
		full := runWithSender(t, env, "hello@app.com")
		if _, err := CreateMigrationJourneys(ctx, env, JourneySetup{}); err != nil {
			t.Fatal(err)
		}
		senders := func() map[string]bool {
			saved, _, _ := env.Setting(ctx, SettingFromIdentity)
			out := map[string]bool{saved: true}
			for _, f := range emailSenders(t, env) {
				out[f] = true
			}
			return out
		}
		if _, err := Undo(ctx, env, canary, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := senders(); len(got) != 1 || !got["hello@app.com"] {
			t.Errorf("after undoing the canary: senders %v, want only hello@app.com (the full run's)", got)
		}
		if _, err := Undo(ctx, env, full, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := senders(); len(got) != 1 || !got[""] {
			t.Errorf("after undoing both: senders %v, want none", got)
		}
	})
}

// A run given the sender in force follows only a run that set it before:
// here the sender was set by hand to another after it, and a later run
// set it back; undoing that later run puts back the one set by hand, not
// hands the change to the older run asked for the same sender.
func TestUndoSenderSkipsOlderRunGivenSameSender(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := openEnv(t)
		runWithSender(t, env, "x@app.com")
		runWithSender(t, env, "x@app.com")
		if err := env.SetSetting(ctx, SettingFromIdentity, "w@app.com"); err != nil { // migration-journey create --from-identity
			t.Fatal(err)
		}
		last := runWithSender(t, env, "x@app.com")
		if _, err := Undo(ctx, env, last, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		if saved, _, _ := env.Setting(ctx, SettingFromIdentity); saved != "w@app.com" {
			t.Errorf("saved sender %q after undoing the last run, want w@app.com (set by hand before it)", saved)
		}
	})
}

// emailSenders is the sender of every email step of the two migration
// journeys.
func emailSenders(t *testing.T, env ascendkit.Environment) []string {
	t.Helper()
	var from []string
	for _, name := range []string{JourneyAnnouncement, JourneyPasswordReset} {
		j, err := env.GetJourney(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range j.Nodes {
			if n.Action == ascendkit.ActionSendEmail {
				from = append(from, n.From)
			}
		}
	}
	return from
}
