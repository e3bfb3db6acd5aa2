package importer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// declaredDead makes the run look dead to the environment (its heartbeat
// aged past the stale window on the environment's clock) and undoes it,
// just before the run's second batch: a live run another process took
// for dead.
type declaredDead struct {
	ascendkit.Environment
	batches int
	undone  bool
}

func (d *declaredDead) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	if d.batches++; d.batches == 2 {
		c := d.Environment.(interface {
			SetClock(func() time.Time)
			SetAway(bool)
		})
		c.SetAway(true) // judged from another host, by the heartbeat alone
		c.SetClock(func() time.Time { return time.Now().Add(ascendkit.RunStaleAfter + time.Minute) })
		r, err := d.GetRun(ctx, b.RunID)
		c.SetClock(nil)
		c.SetAway(false)
		if err != nil || r.Status != ascendkit.RunInterrupted {
			return ascendkit.BatchResult{}, errors.Join(err, errors.New("run not declared dead: "+r.Status))
		}
		if _, err := d.UndoRun(ctx, b.RunID, false, now); err != nil {
			return ascendkit.BatchResult{}, err
		}
		d.undone = true
	}
	return d.Environment.ApplyImport(ctx, b, now)
}

func TestRunDeclaredDeadStops(t *testing.T) { eachBackend(t, testRunDeclaredDeadStops) }

func testRunDeclaredDeadStops(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
	env := &declaredDead{Environment: openEnv(t)}
	rep, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun, BatchSize: 2})
	if !env.undone {
		t.Fatal("the run was never undone")
	}
	if !errors.Is(err, ascendkit.ErrRunEnded) || !strings.Contains(rep.Error, "undone while it ran") {
		t.Fatalf("err %v, report error %q", err, rep.Error)
	}
	if n, _ := env.CountUsers(ctx); n != 0 {
		t.Errorf("%d users written after the undo", n)
	}
	r, err := env.GetRun(ctx, rep.RunID)
	if err != nil || r.Status != ascendkit.RunUndone || r.FinishedAt != nil {
		t.Errorf("run %+v, %v: finishing must not overwrite undone", r, err)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "recording the end of run") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

// deadAtFinish declares the run dead after its last batch, before it
// records its end.
type deadAtFinish struct{ ascendkit.Environment }

func (d deadAtFinish) FinishRun(ctx context.Context, id string, f ascendkit.RunFinish) error {
	c := d.Environment.(interface {
		SetClock(func() time.Time)
		SetAway(bool)
	})
	c.SetAway(true) // judged from another host, by the heartbeat alone
	c.SetClock(func() time.Time { return time.Now().Add(ascendkit.RunStaleAfter + time.Minute) })
	_, err := d.GetRun(ctx, id)
	c.SetClock(nil)
	c.SetAway(false)
	if err != nil {
		return err
	}
	return d.Environment.FinishRun(ctx, id, f)
}

func TestRunDeclaredDeadBeforeFinishFails(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := deadAtFinish{openEnv(t)}
		rep, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun})
		if !errors.Is(err, ascendkit.ErrRunEnded) || !strings.Contains(rep.Error, "recorded interrupted") {
			t.Fatalf("err %v, report error %q", err, rep.Error)
		}
		if r, _ := env.GetRun(ctx, rep.RunID); r.Status != ascendkit.RunInterrupted {
			t.Errorf("status %s: finishing must not overwrite interrupted", r.Status)
		}
	})
}

// deadAfterBatches declares the run dead once its batches are written,
// before its settings phase: a run that stalled between the two.
type deadAfterBatches struct{ ascendkit.Environment }

func (d deadAfterBatches) ApplyImport(ctx context.Context, b ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	res, err := d.Environment.ApplyImport(ctx, b, now)
	c := d.Environment.(interface {
		SetClock(func() time.Time)
		SetAway(bool)
	})
	c.SetAway(true)
	c.SetClock(func() time.Time { return time.Now().Add(ascendkit.RunStaleAfter + time.Minute) })
	if _, gerr := d.GetRun(ctx, b.RunID); gerr != nil {
		err = errors.Join(err, gerr)
	}
	c.SetClock(nil)
	c.SetAway(false)
	return res, err
}

// TestRunDeclaredDeadTurnsNoProviderOn: the settings phase of a run taken
// for dead does not enable providers no run would answer for.
func TestRunDeclaredDeadTurnsNoProviderOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, openEnv func(*testing.T) ascendkit.Environment) {
		env := deadAfterBatches{openEnv(t)}
		_, err := Run(ctx, mixedSource(), env, Options{Mode: ModeRun})
		if !errors.Is(err, ascendkit.ErrRunEnded) {
			t.Fatalf("err %v", err)
		}
		if s, _ := env.AuthSettings(ctx); len(s.Providers) != 0 {
			t.Errorf("providers %v turned on by a run recorded dead", s.Providers)
		}
	})
}
