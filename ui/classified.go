package ui

import (
	"context"
	"maps"

	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
)

// The confirmation recounts from the first read's classification instead
// of reading the source again (about 20 s for 30k users from the API):
// every full preview hands its importer.Classified over with its last
// update; the root keeps the newest in the session; the confirmation
// checks that the environment is as that read found it and recounts.

// keepClassified takes the classification a preview handed over. One
// from a run its screen abandoned (the person left, or chose another
// source) is freed instead.
func (s *session) keepClassified(c *importer.Classified, run *importRun) {
	if run != nil && run.isAbandoned() {
		c.Close()
		return
	}
	if s.classified != nil && s.classified != c {
		s.classified.Close()
	}
	s.classified = c
}

// dropClassified frees the session's classification (another source, the
// end of the program).
func (s *session) dropClassified() {
	if s.classified != nil {
		s.classified.Close()
		s.classified = nil
	}
}

// classifiedStale: the environment changed since the read, so its
// classification is of no more use.
type classifiedStale struct{ c *importer.Classified }

func (r classifiedStale) apply(s *session) {
	if s.classified == r.c {
		s.dropClassified()
	}
}

// runWroteNothing: an import of this session ended having written
// nothing, so its run record alone does not make a classification stale.
type runWroteNothing struct{ runID string }

func (r runWroteNothing) apply(s *session) {
	if r.runID == "" {
		return
	}
	if s.harmlessRuns == nil {
		s.harmlessRuns = map[string]bool{}
	}
	s.harmlessRuns[r.runID] = true
}

// recountMsg is a recount's result; stale means the confirmation must
// preview again.
type recountMsg struct {
	id     int
	c      *importer.Classified
	report importer.Report
	stale  bool
}

// recount checks the environment and recounts from c with opts, in a
// command (it reads the environment, and perhaps the classification's
// temporary file).
func recount(ctx context.Context, id int, env ascendkit.Environment, c *importer.Classified, harmless map[string]bool, opts importer.Options) tea.Cmd {
	harmless = maps.Clone(harmless)
	return func() tea.Msg {
		if env == nil {
			return recountMsg{id: id, c: c, stale: true}
		}
		fresh, err := c.Fresh(ctx, env, func(id string) bool { return harmless[id] })
		if err != nil || !fresh {
			return recountMsg{id: id, c: c, stale: true}
		}
		rep, err := c.Recount(ctx, opts)
		if err != nil {
			return recountMsg{id: id, c: c, stale: true}
		}
		return recountMsg{id: id, c: c, report: rep}
	}
}
