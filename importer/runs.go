package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
)

// RunOptions is how a run records its options in the run history.
type RunOptions struct {
	Phases        Phases   `json:"phases"`
	OnDuplicate   Policy   `json:"onDuplicate"`
	Decisions     int      `json:"decisions"`
	IncludeBanned bool     `json:"includeBanned"`
	Providers     []string `json:"providers"`
	Only          []string `json:"only"`
	Passwords     bool     `json:"passwords"`
	BatchSize     int      `json:"batchSize"`
	// FromIdentity is the sender the run was given to set
	// (Options.FromIdentity); the report's sender says it was set.
	FromIdentity string `json:"fromIdentity,omitempty"`
}

// startRecord records a run as running before it writes anything.
func (r *runner) startRecord() error {
	o := r.opts
	ro := RunOptions{Phases: o.Phases, OnDuplicate: o.OnDuplicate, Decisions: len(o.Decisions), IncludeBanned: o.IncludeBanned,
		Providers: o.Providers, Only: o.Only, Passwords: o.Passwords != nil, BatchSize: o.BatchSize,
		FromIdentity: o.FromIdentity}
	b, err := json.Marshal(ro)
	if err != nil {
		return err
	}
	if err := r.env.StartRun(r.ctx, ascendkit.Run{ID: r.runID, StartedAt: r.now, SourceKind: r.src.Kind(),
		SourceFormat: sourceFormat(r.src), Options: b}); err != nil {
		return fmt.Errorf("recording the run (nothing was written): %w", err)
	}
	return nil
}

// finishRecord records how the run ended. It runs even when the run's
// context was cancelled (an interrupted run is recorded as such).
func (r *runner) finishRecord(runErr error) error {
	status := ascendkit.RunCompleted
	switch {
	case r.report.Interrupted:
		status = ascendkit.RunInterrupted
	case runErr != nil:
		status = ascendkit.RunFailed
	}
	b, err := json.Marshal(r.report)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 30*time.Second)
	defer cancel()
	if err := r.env.FinishRun(ctx, r.runID, ascendkit.RunFinish{Status: status, SourceFormat: sourceFormat(r.src),
		Report: b, At: r.opts.Now().UTC().Truncate(time.Millisecond)}); err != nil { // as startedAt
		return fmt.Errorf("recording the end of run %s: %w", r.runID, err)
	}
	return nil
}

func sourceFormat(src clerk.Source) string {
	if f, ok := src.(clerk.Formatter); ok {
		return f.Format()
	}
	return clerk.FormatAPI
}
