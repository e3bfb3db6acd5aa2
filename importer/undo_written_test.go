package importer

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// killedRun runs mixedSource, merging into a user already there, and
// leaves the run as a killed process does: recorded interrupted, with no
// report (see deadAtFinish).
func killedRun(t *testing.T, env ascendkit.Environment) string {
	t.Helper()
	seedTaken(t, env)
	rep, err := Run(ctx, mixedSource(), deadAtFinish{env}, Options{Mode: ModeRun, OnDuplicate: PolicyMerge})
	if !errors.Is(err, ascendkit.ErrRunEnded) {
		t.Fatalf("err %v", err)
	}
	return rep.RunID
}

// A run that left no report says what it wrote, counted from its import
// records; Runs and GetRun agree, and its JSON carries the counts.
func TestKilledRunCountsWhatItWrote(t *testing.T) { eachBackend(t, testKilledRunCountsWhatItWrote) }

func testKilledRunCountsWhatItWrote(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := openEnv(t)
	id := killedRun(t, env)
	users, err := env.CountUsers(ctx)
	if err != nil || users < 2 {
		t.Fatalf("%d users, %v", users, err)
	}
	// Every user but the seeded one was created by the run; the seeded
	// one was merged into.
	want := WrittenCounts{Imported: users - 1, Merged: 1}
	runs, err := Runs(ctx, env)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	one, err := GetRun(ctx, env, id)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]RunInfo{"Runs": runs[0], "GetRun": one} {
		if r.Status != ascendkit.RunInterrupted || r.Report != nil {
			t.Fatalf("%s: status %s, report %+v: not a killed run", name, r.Status, r.Report)
		}
		if r.Written == nil || *r.Written != want {
			t.Errorf("%s: written %+v, want %+v", name, r.Written, want)
		}
	}
	b, err := json.Marshal(one)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Written map[string]int `json:"written"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Written["imported"] != want.Imported || doc.Written["merged"] != 1 {
		t.Errorf("JSON %s", b)
	}

	// Undone, it has written nothing that is left.
	if _, err := Undo(ctx, env, id, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := GetRun(ctx, env, id)
	if err != nil || r.UndoneAt == nil || r.Written != nil {
		t.Errorf("undone run: undone at %v, written %+v, %v", r.UndoneAt, r.Written, err)
	}
	if runs, err := Runs(ctx, env); err != nil || runs[0].Written != nil {
		t.Errorf("undone run listed with written %+v, %v", runs[0].Written, err)
	}
}

// A run with a report has no Written: the report says it, and its JSON is
// as before. So too a run stopped with ctrl-C, interrupted but reported.
func TestReportedRunHasNoWritten(t *testing.T) {
	env := openEnv(t)
	done, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun})
	if err != nil || done.Users.Imported == 0 {
		t.Fatalf("imported %d, %v", done.Users.Imported, err)
	}
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	// New users, so that the run writes a batch to stop after (the
	// repeats of mixedSource's are no merges on a re-run).
	more := newSource(1, mkUser("user_n1", "n1@example.com"), mkUser("user_n2", "n2@example.com"), mkUser("user_n3", "n3@example.com"))
	stopped, err := Run(c, more, env, Options{Mode: ModeRun, OnDuplicate: PolicyMerge, BatchSize: 1, OnEvent: func(e Event) {
		if _, ok := e.(BatchApplied); ok {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || !stopped.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, stopped.Interrupted)
	}
	for _, id := range []string{done.RunID, stopped.RunID} {
		r, err := GetRun(ctx, env, id)
		if err != nil || r.Report == nil || r.Written != nil {
			t.Fatalf("%s (%s): report %v, written %+v, %v", id, r.Status, r.Report != nil, r.Written, err)
		}
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), `"written"`) {
			t.Errorf("JSON of a reported run has written: %s", b)
		}
	}
	runs, err := Runs(ctx, env)
	if err != nil || len(runs) != 2 || runs[0].Status != ascendkit.RunInterrupted {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	for _, r := range runs {
		if r.Written != nil {
			t.Errorf("%s (%s) listed with written %+v", r.ID, r.Status, r.Written)
		}
	}
}

// planFails fails every undo plan; cancel, when set, is called first, as
// if the person quit while the plan was read.
type planFails struct {
	ascendkit.Environment
	cancel context.CancelFunc
}

func (p planFails) PlanUndo(ctx context.Context, id string) (ascendkit.UndoPlan, error) {
	if p.cancel != nil {
		p.cancel()
		return ascendkit.UndoPlan{}, ctx.Err()
	}
	return ascendkit.UndoPlan{}, errors.New("plan unreadable")
}

// A killed run whose count cannot be read is still listed, without
// counts; a listing whose context ends meanwhile fails rather than
// passing for complete.
func TestKilledRunCountFailure(t *testing.T) {
	env := openEnv(t)
	id := killedRun(t, env)
	runs, err := Runs(ctx, planFails{Environment: env})
	if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].Written != nil {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	if r, err := GetRun(ctx, planFails{Environment: env}, id); err != nil || r.Written != nil {
		t.Fatalf("run %+v, %v", r, err)
	}
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := Runs(c, planFails{Environment: env, cancel: cancel}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled listing: err %v", err)
	}
	c, cancel = context.WithCancel(ctx)
	defer cancel()
	if _, err := GetRun(c, planFails{Environment: env, cancel: cancel}, id); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: err %v", err)
	}
}

// The sentence both faces show counts one user as one, and groups
// thousands as the report does.
func TestWrittenCountsSentence(t *testing.T) {
	for c, want := range map[WrittenCounts]string{
		{Imported: 1}:               "1 user imported · 0 merged before the process ended (no report)",
		{Imported: 1234, Merged: 2}: "1,234 users imported · 2 merged before the process ended (no report)",
	} {
		if got := c.String(); got != want {
			t.Errorf("%+v: %q, want %q", c, got, want)
		}
	}
}
