package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/importer"
)

// A result is what a screen found or decided, for the session. Screens
// only read the session: they post results (pc.post), or hand one over
// with the step to go to (navWith), and the root model, the session's one
// writer, applies them as soon as the screen's Update returns, in order
// and before the next message, so nothing is lost when the program quits.
type result interface {
	apply(s *session)
}

// results carries several results in the order they happened.
type results []result

func (rs results) apply(s *session) {
	for _, r := range rs {
		r.apply(s)
	}
}

// post hands a result to the root model.
func (pc *programContext) post(r result) { pc.outbox = append(pc.outbox, r) }

// applyResults is the root's side of post: it applies what the screens
// posted, in order.
func (pc *programContext) applyResults() {
	for len(pc.outbox) > 0 {
		r := pc.outbox[0]
		pc.outbox = pc.outbox[1:]
		r.apply(&pc.sess)
	}
	pc.outbox = nil
}

// navWith moves to another step once the root has applied r.
func navWith(to state, r result) tea.Cmd {
	return func() tea.Msg { return navMsg{to: to, with: r} }
}

// sourceChosen: the person verified a source. Another source than before
// resets what was decided for the old one (provider override, duplicate
// decisions, previews).
type sourceChosen struct{ choice sourceChoice }

func (r sourceChosen) apply(s *session) {
	if old := s.source; old.Kind != "" && (old.Kind != r.choice.Kind || old.Key != r.choice.Key || old.Path != r.choice.Path) {
		s.resetForSource()
	}
	s.source = r.choice
}

// previewDone: the settings preview finished.
type previewDone struct {
	report    importer.Report
	analysis  importer.Analysis
	opts      importer.Options // without OnEvent
	entries   []importer.Entry
	omitted   map[string]int // rows left out of entries, by review tab
	providers []string
	// classified is what the preview read (nil if it kept nothing): the
	// entries are its rows.
	classified *importer.Classified
}

func (r previewDone) apply(s *session) {
	s.previewGen++
	s.preview = &r.report
	s.analysis = r.analysis
	s.previewOpts = r.opts
	s.entries, s.entriesFrom, s.entriesOmitted = r.entries, r.classified, r.omitted
	s.providers = r.providers
}

// providersChosen: the provider override changed (nil = detected).
type providersChosen struct{ providers []string }

func (r providersChosen) apply(s *session) { s.providers = r.providers }

// rowPolicy: one duplicate's policy; def means it follows the default.
type rowPolicy struct {
	sourceID string
	policy   importer.Policy
	def      bool
}

func (r rowPolicy) apply(s *session) {
	if r.def {
		delete(s.decisions, r.sourceID)
		return
	}
	s.decisions[r.sourceID] = r.policy
}

// policyState: the whole duplicate policy, as after a bulk change or its
// undo (decisions is the screen's own copy).
type policyState struct {
	onDuplicate importer.Policy
	decisions   map[string]importer.Policy
}

func (r policyState) apply(s *session) {
	s.onDuplicate = r.onDuplicate
	s.decisions = r.decisions
}

// bannedChosen: whether banned users are imported (ban kept).
type bannedChosen struct{ include bool }

func (r bannedChosen) apply(s *session) { s.includeBanned = r.include }

// finalPreview: the confirmation's report, what the import will do.
type finalPreview struct{ report importer.Report }

func (r finalPreview) apply(s *session) { s.final = &r.report }

// phasesChosen: the phases the import will run.
type phasesChosen struct{ phases importer.Phases }

func (r phasesChosen) apply(s *session) { s.phases = r.phases }

// settingsRan: the import's settings phase ran.
type settingsRan struct{}

func (settingsRan) apply(s *session) { s.settingsApplied = true }

// importEnded: the import's report (finished, stopped or failed).
type importEnded struct{ report importer.Report }

func (r importEnded) apply(s *session) {
	s.pending = nil
	s.result, s.resultSource = &r.report, s.source
	u := r.report.Users
	s.runs = append(s.runs, runWrites{id: r.report.RunID, imported: u.Imported, merged: u.Merged})
}

// importBegun: an import run is starting; until it reports, the summary
// says it may have written.
type importBegun struct{}

func (importBegun) apply(s *session) { s.pending = &pendingImport{} }

// importWrote: the import in progress wrote a batch (counts so far).
type importWrote struct{ counts importer.UserCounts }

func (r importWrote) apply(s *session) {
	if s.pending != nil {
		s.pending.written = r.counts
	}
}

// importNeverRan: the program ended before the import's goroutine began.
type importNeverRan struct{}

func (importNeverRan) apply(s *session) { s.pending = nil }

// previewOutdated: the import wrote to the environment, so the settings
// preview's counts are out of date and the confirmation previews again.
type previewOutdated struct{}

func (previewOutdated) apply(s *session) { s.previewStale = true }

// journeyActed: a journey was activated or paused in the browser.
type journeyActed struct{ action journeyAction }

func (r journeyActed) apply(s *session) {
	a := r.action
	a.undosBefore = len(s.undone)
	s.journeyActions = append(s.journeyActions, a)
}

// journeysCreated: step 6 created (or found) the migration journeys.
type journeysCreated struct{ res importer.JourneysResult }

func (r journeysCreated) apply(s *session) { s.recordJourneys(r.res) }
