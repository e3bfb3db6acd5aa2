package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
)

// RunInfo is a recorded run with its report decoded, for `import runs`
// and the wizard's runs tab.
type RunInfo struct {
	ascendkit.Run
	Options RunOptions `json:"options"`
	Report  *Report    `json:"report"`
	// Written is set only for a run that left no report (its process
	// was killed mid-way) and is not undone: what it wrote, which
	// otherwise no face could show. Nil for every other run, and for a
	// killed run whose count could not be read.
	Written *WrittenCounts `json:"written,omitempty"`
}

// WrittenCounts is what a run that left no report wrote. Because there is
// no report, it counts what the run's import records name, which is what
// an undo of the run would remove: users it created that still exist and
// users it merged into.
type WrittenCounts struct {
	Imported int `json:"imported"`
	Merged   int `json:"merged"`
}

// String is the one sentence the CLI and the wizard show for a killed
// run, so both faces read the same.
func (c WrittenCounts) String() string {
	users := "users"
	if c.Imported == 1 {
		users = "user"
	}
	return fmt.Sprintf("%s %s imported · %s merged before the process ended (no report)", Thousands(c.Imported), users, Thousands(c.Merged))
}

// Sender is what the CLI and the wizard show of the sender a run was
// given with --from-identity, "" for none (not cleaned for a terminal).
// It is set after the run's report is stored, so this is what the run
// was given; one that did not finish never set it.
func (r RunInfo) Sender() string {
	if r.Options.FromIdentity == "" {
		return ""
	}
	note := "given with --from-identity"
	switch {
	case r.UndoneAt != nil && r.Report != nil && r.Report.Error == "" && !r.Report.Interrupted:
		note += "; set by the run, and taken back by its undo"
	case r.Status != ascendkit.RunCompleted:
		note += "; not set, as the run did not finish"
	}
	return r.Options.FromIdentity + " (" + note + ")"
}

// Runs lists the recorded runs, newest first.
func Runs(ctx context.Context, env ascendkit.Environment) ([]RunInfo, error) {
	runs, err := env.ListRuns(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RunInfo, 0, len(runs))
	for _, r := range runs {
		ri := runInfo(r)
		if err := countWritten(ctx, env, &ri); err != nil {
			return nil, err
		}
		out = append(out, ri)
	}
	return out, nil
}

// GetRun returns one recorded run.
func GetRun(ctx context.Context, env ascendkit.Environment, id string) (RunInfo, error) {
	r, err := env.GetRun(ctx, id)
	if err != nil {
		return RunInfo{}, err
	}
	ri := runInfo(r)
	if err := countWritten(ctx, env, &ri); err != nil {
		return RunInfo{}, err
	}
	return ri, nil
}

// runInfo decodes what the importer stored; a run killed before its end
// has no report (Report nil).
func runInfo(r ascendkit.Run) RunInfo {
	ri := RunInfo{Run: r}
	_ = json.Unmarshal(r.Options, &ri.Options)
	var rep Report
	if len(r.Report) > 2 && json.Unmarshal(r.Report, &rep) == nil {
		ri.Report = &rep
	}
	return ri
}

// countWritten sets ri.Written for a killed run from its undo plan. A
// plan that cannot be read leaves Written nil rather than failing the
// listing of every other run; only the caller's context ending is an
// error, since then the rest of the listing could not be read either.
func countWritten(ctx context.Context, env ascendkit.Environment, ri *RunInfo) error {
	if ri.Report != nil || ri.Status != ascendkit.RunInterrupted || ri.UndoneAt != nil {
		return nil
	}
	p, err := env.PlanUndo(ctx, ri.ID)
	if err != nil {
		return ctx.Err()
	}
	ri.Written = &WrittenCounts{Imported: p.Users, Merged: p.MergedUsers}
	return nil
}

// PlanUndo says what undoing a run would remove.
func PlanUndo(ctx context.Context, env ascendkit.Environment, runID string) (ascendkit.UndoPlan, error) {
	plan, err := env.PlanUndo(ctx, runID)
	if err != nil {
		return plan, err
	}
	s, err := undoSender(ctx, env, runID, true, nil)
	plan.Sender, plan.SenderKept = s.Restored, nonNil(s.Kept)
	return plan, err
}

// Undo removes what a run wrote (see ascendkit.Environment.UndoRun) and
// puts back the migration sender its --from-identity replaced. A later
// run then imports those users again.
func Undo(ctx context.Context, env ascendkit.Environment, runID string, force bool, now time.Time) (ascendkit.UndoPlan, error) {
	// Which journeys keep the run's sender is decided as the plan did,
	// before the run's users (perhaps all a paused journey's) go.
	before, err := undoSender(ctx, env, runID, true, nil)
	if err != nil {
		return ascendkit.UndoPlan{RunID: runID}, err
	}
	keep := map[string]bool{}
	for _, name := range before.Kept {
		keep[name] = true
	}
	plan, err := env.UndoRun(ctx, runID, force, now.UTC())
	if err != nil {
		// A run undone before whose sender could not be put back then:
		// undoing it again finishes the job.
		if r, gerr := env.GetRun(ctx, runID); gerr == nil && r.Status == ascendkit.RunUndone {
			if s, rerr := undoSender(ctx, env, runID, false, nil); rerr == nil && s.Restored {
				return ascendkit.UndoPlan{RunID: runID, Sender: true, SenderKept: nonNil(s.Kept)}, nil
			}
		}
		return plan, err
	}
	// After the run's users, not in their transaction: the journeys are
	// the environment's own writes. A failure here leaves the run undone
	// and says what is left; undoing it again puts the sender back.
	s, err := undoSender(ctx, env, runID, false, keep)
	plan.Sender, plan.SenderKept = s.Restored, nonNil(s.Kept)
	if err != nil {
		return plan, fmt.Errorf("run %s is undone, but its migration sender was not put back (undo it again to finish): %w", runID, err)
	}
	return plan, nil
}
