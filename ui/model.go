// Package ui is the interactive migration wizard: a Bubble Tea program
// that walks a person from a Clerk source through the settings preview,
// the duplicate review, the confirmation and the import, to the migration
// journeys and their activation. It drives the same importer core as the
// CLI, so the numbers it shows are the ones `import clerk run` gives.
package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// Screen is where the program starts.
type Screen int

// Start screens.
const (
	ScreenSource  Screen = iota // the import wizard
	ScreenBrowser               // the template / journey browser (`ascendkit browse`)
)

// Config is what the CLI hands to the wizard.
type Config struct {
	Env ascendkit.Environment // target environment (already open)
	// OpenAPI opens a new single-pass API source for a key; the source
	// calls onWait (clerk.APIOptions.OnWait) before each of its pauses,
	// so the wizard can say why nothing seems to happen.
	OpenAPI  func(key string, onWait func(reason string, d time.Duration)) (clerk.Source, error)
	OpenFile func(path string) (clerk.Source, error)
	APIKey   string // pre-fill (CLERK_SECRET_KEY, or the demo key)
	Demo     bool   // show a "demo" badge; data is synthetic
	// DemoKept (with Demo): the demo's throwaway environment outlives the
	// program (ascendkit demo --keep). Without it the environment is
	// deleted on exit, so the summary points at nothing in it.
	DemoKept bool
	Start    Screen
	Now      func() time.Time
}

// state is the wizard step on screen.
type state int

const (
	stateSource state = iota
	stateSettings
	stateDuplicates
	stateConfirm
	stateProgress
	stateJourneys
	stateBrowser
	// stateCanary is opened from the confirmation (c): it is a view of
	// that step, not a step of its own.
	stateCanary
)

var stateNames = [...]string{"Source", "Settings", "Review", "Confirm", "Import", "Journeys", "Browse", "Canary"}

func (s state) String() string { return stateNames[s] }

// sourceChoice is the Clerk source the person picked and verified.
type sourceChoice struct {
	Kind  string // "api" | "file"
	Key   string
	Path  string
	Total int // -1 when unknown (files)
	// Format is the export format detected (clerk.Format*; "" for the API
	// until the preview reports it).
	Format string
	// Passwords is the optional Dashboard CSV or support export whose
	// digests are joined to the users by Clerk id ("" for none).
	Passwords string
}

func (c sourceChoice) production() bool {
	return c.Kind == "api" && strings.HasPrefix(c.Key, "sk_live_")
}

// describe names the source without revealing the key.
func (c sourceChoice) describe() string {
	if c.Kind == "file" {
		return "Clerk export file " + termtext.Clean(c.Path)
	}
	return "Clerk API · " + maskKey(c.Key)
}

func maskKey(k string) string {
	prefix := ""
	for _, p := range []string{"sk_live_", "sk_test_"} {
		if strings.HasPrefix(k, p) {
			prefix = p
		}
	}
	rest := strings.TrimPrefix(k, prefix)
	if len(rest) <= 4 {
		return prefix + "…"
	}
	return prefix + "…" + termtext.Clean(rest[len(rest)-4:])
}

// journeyAction records a journey activated or paused from the browser,
// in the order they happened.
type journeyAction struct {
	ID, Name string
	Action   string // "activated" | "paused"
	Enrolled int    // users enrolled by the activation's backfill
	// undosBefore is how many runs the session had undone when the
	// action was taken: the summary tells both in the order they happened.
	undosBefore int
}

// session is what the steps hand to each other.
type session struct {
	// journeyDraft is what was typed into the journeys form and not
	// saved, kept when the step is left (esc) for when it is entered again.
	journeyDraft *[numJourneyFields]string
	source       sourceChoice
	previewGen   int               // bumped on each finished settings preview
	preview      *importer.Report  // the settings preview's report
	analysis     importer.Analysis // the settings preview's final analysis
	previewOpts  importer.Options  // options the preview ran with (no OnEvent)
	entries      []importer.Entry  // duplicates and skips from the preview
	// entriesFrom is the classification the entries came from: a canary
	// or an import since has given the session another one.
	entriesFrom *importer.Classified
	// entriesOmitted counts, by review tab, the rows entries leaves out
	// (see reviewRowsCap).
	entriesOmitted map[string]int
	providers      []string // provider override (nil = detected)
	onDuplicate    importer.Policy
	decisions      map[string]importer.Policy
	// includeBanned imports banned users with their ban kept, as the
	// CLI's --include-banned does (the review's b switches it).
	includeBanned bool
	phases        importer.Phases
	// previewStale is set once an import has written to the environment:
	// the settings preview's counts are out of date, so the confirmation
	// previews again.
	previewStale bool
	// classified is the last full preview's per-user classification: the
	// confirmation recounts from it (classified.go). harmlessRuns are this
	// session's imports that wrote nothing.
	classified      *importer.Classified
	harmlessRuns    map[string]bool
	final           *importer.Report         // the confirmation's report (what run will do)
	result          *importer.Report         // the import's report
	resultSource    sourceChoice             // the source it read (the source may change since)
	settingsApplied bool                     // the import's settings phase ran
	journeys        *importer.JourneysResult // the last creation's result
	// createdTemplates / createdJourneys are what this session created
	// (slug / id → name), over every time step 6 ran; seenTemplates and
	// seenJourneys every one step 6 reported; updatedJourneys those that
	// existed and took a new setup.
	createdTemplates, seenTemplates                map[string]bool
	createdJourneys, seenJourneys, updatedJourneys map[string]bool
	journeyActions                                 []journeyAction
	// canaries are the canary runs of the session, in order;
	// canariesStarted counts those begun, reported or not.
	canaries        []canaryRecord
	canariesStarted int
	// undone are the runs undone from the browser's runs tab.
	undone []string
	// runs are what each import of this source wrote, in order: a run
	// stopped and then run again continues, and the summary gives the
	// session's total besides the last run's report.
	runs []runWrites
	// pending is the import started and not reported yet: the program
	// may end (a panic, the terminal gone) before it reports.
	pending *pendingImport
}

// pendingImport is an import in progress: what its batches wrote so far.
type pendingImport struct{ written importer.UserCounts }

// runWrites is what one import run wrote.
type runWrites struct {
	id               string
	imported, merged int
}

// recordJourneys keeps what a run of step 6 created: running it again
// (after going back) reports them as existing, but this session made them.
func (s *session) recordJourneys(r importer.JourneysResult) {
	if s.createdTemplates == nil {
		s.createdTemplates, s.seenTemplates = map[string]bool{}, map[string]bool{}
		s.createdJourneys, s.seenJourneys, s.updatedJourneys = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	for _, t := range r.Templates {
		s.seenTemplates[t.Slug] = true
		if t.Created {
			s.createdTemplates[t.Slug] = true
		}
	}
	for _, j := range r.Journeys {
		s.seenJourneys[j.ID] = true
		if j.Created {
			s.createdJourneys[j.ID] = true
		}
		if j.Updated && !s.createdJourneys[j.ID] {
			s.updatedJourneys[j.ID] = true
		}
	}
	s.journeys = &r
}

// resetForSource forgets what was decided for another source: the
// provider override, the duplicate decisions and the previews.
func (s *session) resetForSource() {
	s.previewGen++
	s.preview, s.final, s.entries, s.entriesFrom, s.entriesOmitted = nil, nil, nil, nil, nil
	s.analysis = importer.Analysis{}
	s.previewOpts = importer.Options{}
	s.previewStale = false
	s.dropClassified()
	s.providers = nil
	s.onDuplicate = importer.PolicySkip
	s.decisions = map[string]importer.Policy{}
	s.includeBanned = false
	s.runs = nil
}

// programContext is shared by every screen: configuration, environment,
// window size, styles, keys, the clock and the core's entry points (which
// tests may replace).
type programContext struct {
	cfg    Config
	env    ascendkit.Environment
	base   context.Context
	cancel context.CancelFunc

	width, height int
	styles        Styles
	global        globalKeys

	now func() time.Time

	runImporter      func(ctx context.Context, src clerk.Source, env ascendkit.Environment, opts importer.Options) (importer.Report, error)
	createJourneys   func(ctx context.Context, env ascendkit.Environment, setup importer.JourneySetup) (importer.JourneysResult, error)
	validateIdentity func(string) error
	timeline         func(ascendkit.Journey) []importer.Step
	render           func(ascendkit.Template, ascendkit.User, map[string]string) importer.Rendered
	// runTick schedules a screen's redraw while its run is in progress
	// (tests move the clock and send the ticks themselves).
	runTick func(id int) tea.Cmd

	sess session
	// outbox holds the results screens posted during an Update; only
	// the root model applies them (applyResults).
	outbox []result
	// fitted is the active screen as Model.fit last laid it out, and
	// fitH the height it gave it (the full help or the stop note take
	// lines from the body). Both are cleared when the terminal's size
	// changes, the only time pc.width does.
	fitted screen
	fitH   int
}

// maxBodyHeight is the most a screen has between header and help: five
// lines short of the terminal.
func (pc *programContext) maxBodyHeight() int { return max(pc.height-5, 6) }

// bodyHeight is the height left for a screen between header and help:
// what the last layout found (fit), no more than maxBodyHeight.
func (pc *programContext) bodyHeight() int {
	h := pc.maxBodyHeight()
	if pc.fitH > 0 {
		h = min(h, pc.fitH)
	}
	return h
}

// runner runs the core on the session's environment. With a passwords
// file chosen, each run opens it afresh (a source reads once) and joins
// its digests, as --passwords does.
func (pc *programContext) runner() runFunc {
	pwPath, open := pc.sess.source.Passwords, pc.cfg.OpenFile
	return func(ctx context.Context, src clerk.Source, opts importer.Options) (importer.Report, error) {
		if pwPath != "" && opts.Passwords == nil {
			if open == nil {
				return importer.Report{}, fmt.Errorf("passwords file: export files are not available")
			}
			pws, err := openFile(ctx, open, pwPath)
			if err != nil {
				return importer.Report{}, fmt.Errorf("passwords file: %w", err)
			}
			defer pws.Close()
			opts.Passwords = pws
		}
		return pc.runImporter(ctx, src, pc.env, opts)
	}
}

// opener returns a function that opens a new source for the chosen input.
func (pc *programContext) opener() openFunc {
	c := pc.sess.source
	return func(onWait onWaitFunc) (clerk.Source, error) {
		if c.Kind == "file" {
			if pc.cfg.OpenFile == nil {
				return nil, fmt.Errorf("export files are not available")
			}
			// openFile's check; the run's goroutine races the open
			// against its context.
			if err := stillRegular(c.Path); err != nil {
				return nil, err
			}
			return pc.cfg.OpenFile(c.Path)
		}
		if pc.cfg.OpenAPI == nil {
			return nil, fmt.Errorf("the Clerk API is not available")
		}
		return pc.cfg.OpenAPI(c.Key, onWait)
	}
}

// screen is one step of the wizard. Screens mutate themselves; moving
// between steps is done by returning navigation messages.
type screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	Keys() keyMap
	// InputFocused reports a focused text input: q and ? are typed then.
	InputFocused() bool
	SetSize(width, height int)
}

// navMsg moves the wizard to another step, after applying the result
// the step leaves behind (if any).
type navMsg struct {
	to   state
	with result
}

// Optional screen behaviour the root relies on, so it never needs a
// screen's concrete type.
type (
	// closer has work to cancel when the screen is left or replaced.
	closer interface{ close() }
	// stopper runs an import that ctrl+c and q stop gracefully.
	stopper interface {
		running() bool
		// stopRequested: the run finishes its batch and stops.
		stopRequested() bool
		askStop() tea.Cmd
		requestStop() tea.Cmd
	}
	// keyWatcher says whether the key being typed is a live key.
	keyWatcher interface{ liveKey() bool }
	// previewBound shows one settings preview (by generation).
	previewBound interface{ previewGeneration() int }
)

// backMsg is sent by a screen when esc has nothing to close on it.
type backMsg struct{}

// quitMsg ends the program (after cancelling work).
type quitMsg struct{}

func nav(to state) tea.Cmd { return func() tea.Msg { return navMsg{to: to} } }
func back() tea.Msg        { return backMsg{} }

// Model is the root model.
type Model struct {
	pc       *programContext
	state    state
	screens  map[state]screen
	help     help.Model
	fullHelp bool
	quitting bool
	// stopNote is shown when ctrl+c waits for a graceful stop.
	stopNote string
	// interrupted is set when ctrl+c stopped the import under way (and
	// cleared when another import starts): the program then ends with
	// ErrInterrupted, so the CLI exits 130 as a stopped `import clerk run`.
	interrupted bool
}

// ErrInterrupted is what Run returns when ctrl+c stopped the session's
// last import. It wraps context.Canceled, which the CLI maps to exit 130.
var ErrInterrupted = fmt.Errorf("the import was interrupted: %w", context.Canceled)

// Err is the error the program ends with: ErrInterrupted after ctrl+c
// stopped the last import, else nil.
func (m Model) Err() error {
	if m.interrupted {
		return ErrInterrupted
	}
	return nil
}

// New builds the root model.
func New(cfg Config) Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base, cancel := context.WithCancel(context.Background())
	pc := &programContext{
		cfg:              cfg,
		env:              cfg.Env,
		base:             base,
		cancel:           cancel,
		width:            80,
		height:           24,
		styles:           newStyles(true),
		global:           newGlobalKeys(),
		now:              cfg.Now,
		runImporter:      importer.Run,
		createJourneys:   importer.CreateMigrationJourneys,
		validateIdentity: importer.ValidateIdentity,
		timeline:         importer.Timeline,
		render:           importer.Render,
		runTick:          runTick,
	}
	pc.sess.phases = importer.Phases{Users: true, Settings: true}
	pc.sess.onDuplicate = importer.PolicySkip
	pc.sess.decisions = map[string]importer.Policy{}
	h := help.New()
	h.Styles = pc.styles.Help
	m := Model{pc: pc, screens: map[state]screen{}, help: h}
	if cfg.Start == ScreenBrowser {
		m.state = stateBrowser
		m.screens[stateBrowser] = newBrowserScreen(pc, true)
	} else {
		m.state = stateSource
		m.screens[stateSource] = newSourceScreen(pc)
	}
	return m
}

// Init starts the first screen and asks for the background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.active().Init())
}

func (m Model) active() screen { return m.screens[m.state] }

// importing reports a running import (ctrl+c then stops it gracefully).
func (m Model) importing() (stopper, bool) {
	if m.state != stateProgress {
		return nil, false
	}
	p, ok := m.screens[stateProgress].(stopper)
	return p, ok && p.running()
}

// Update routes messages (update), then lays the active screen out for
// the room it has: View only draws.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	if nm, ok := next.(Model); ok && !nm.quitting {
		nm.fit()
		return nm, cmd
	}
	return next, cmd
}

// fit sizes the active screen for the body's height, which the full help
// and the stop note shorten (lines taken from the body would cut off at
// the bottom what the screen keeps on screen: a question, an input). It
// calls SetSize only when the screen or its size changed.
func (m Model) fit() {
	_, _, bodyH := m.layout()
	h := min(bodyH, m.pc.maxBodyHeight())
	a := m.active()
	if a == m.pc.fitted && h == m.pc.fitH {
		return
	}
	m.pc.fitted, m.pc.fitH = a, h
	a.SetSize(m.pc.width, h)
}

// update routes messages: global keys first, then the active screen.
func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.pc.width, m.pc.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.pc.fitted, m.pc.fitH = nil, 0 // laid out again for the new size
		for _, s := range m.screens {
			s.SetSize(msg.Width, m.pc.bodyHeight())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.pc.styles = newStyles(msg.IsDark())
		m.help.Styles = m.pc.styles.Help
		for _, s := range m.screens {
			if r, ok := s.(interface{ restyle() }); ok {
				r.restyle()
			}
		}
		return m, nil
	case quitMsg:
		return m.quit()
	case importUpdateMsg:
		if msg.Classified != nil {
			m.pc.sess.keepClassified(msg.Classified, msg.run)
		}
	case navMsg:
		if msg.with != nil {
			msg.with.apply(&m.pc.sess)
		}
		return m.navigate(msg.to)
	case backMsg:
		return m.goBack()
	case tea.KeyPressMsg:
		if key.Matches(msg, m.pc.global.Kill) {
			if p, ok := m.importing(); ok {
				m.stopNote = "Stopping the import… what was written stays; press ctrl+c again once it has stopped."
				m.interrupted = true
				return m, p.requestStop()
			}
			return m.quit()
		}
		if key.Matches(msg, m.pc.global.InputHelp) {
			m.fullHelp = !m.fullHelp
			return m, nil
		}
		if !m.inputTakes(msg) {
			switch {
			case key.Matches(msg, m.pc.global.Quit):
				if p, ok := m.importing(); ok {
					return m, p.askStop()
				}
				return m.quit()
			case key.Matches(msg, m.pc.global.Help):
				m.fullHelp = !m.fullHelp
				return m, nil
			}
			if m.active().InputFocused() {
				return m, nil // refused by the input: typed nowhere
			}
		}
	}
	cmd := m.active().Update(msg)
	m.pc.applyResults()
	// After the screen's update: the message may be the one that ends
	// the import.
	if m.stopNote != "" {
		if _, ok := m.importing(); !ok {
			m.stopNote = ""
		}
	}
	return m, cmd
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	for _, s := range m.screens {
		if c, ok := s.(closer); ok {
			c.close()
		}
	}
	m.pc.cancel()
	m.pc.sess.dropClassified()
	m.quitting = true
	return m, tea.Quit
}

// navigate enters a step, building its screen from the session.
func (m Model) navigate(to state) (tea.Model, tea.Cmd) {
	var s screen
	switch to {
	case stateSource:
		s = m.screens[stateSource]
		if s == nil {
			s = newSourceScreen(m.pc)
		}
	case stateSettings:
		s = newSettingsScreen(m.pc)
		delete(m.screens, stateDuplicates)
	case stateDuplicates:
		if d, ok := m.screens[stateDuplicates].(previewBound); ok && d.previewGeneration() == m.pc.sess.previewGen {
			s = m.screens[stateDuplicates]
		} else {
			s = newDuplicatesScreen(m.pc)
		}
	case stateConfirm:
		s = newConfirmScreen(m.pc)
	case stateProgress:
		m.pc.sess.settingsApplied = false
		s = newProgressScreen(m.pc)
		m.interrupted = false
	case stateJourneys:
		s = newJourneysScreen(m.pc)
	case stateBrowser:
		s = newBrowserScreen(m.pc, false)
	case stateCanary:
		s = newCanaryScreen(m.pc)
	}
	if to != stateJourneys {
		m.keepJourneyDraft()
	}
	if m.state == stateCanary && to != stateCanary {
		// The canary view is rebuilt each time it is opened.
		if c, ok := m.screens[stateCanary].(closer); ok {
			c.close()
		}
		delete(m.screens, stateCanary)
	}
	// A screen replaced by a new one is closed, so its work (a preview,
	// an import) is cancelled and its goroutine ends instead of waiting
	// forever for a reader.
	if old, ok := m.screens[to].(closer); ok && m.screens[to] != s {
		old.close()
	}
	s.SetSize(m.pc.width, m.pc.bodyHeight())
	m.screens[to] = s
	m.state = to
	m.fullHelp = false
	cmd := s.Init()
	m.pc.applyResults()
	return m, cmd
}

// keepJourneyDraft keeps in the session, as the journeys step is left,
// what was typed into its form and not saved (see journeysScreen.draft).
func (m Model) keepJourneyDraft() {
	if j, ok := m.screens[stateJourneys].(*journeysScreen); ok && m.state == stateJourneys {
		m.pc.sess.journeyDraft = j.draft()
	}
}

// goBack handles esc that the screen did not use: back one step where it
// is safe (work of the screen left behind is cancelled).
func (m Model) goBack() (tea.Model, tea.Cmd) {
	prev := map[state]state{
		stateSettings:   stateSource,
		stateDuplicates: stateSettings,
		stateConfirm:    stateDuplicates,
		stateJourneys:   stateProgress,
		stateBrowser:    stateJourneys,
		stateCanary:     stateConfirm,
	}
	to, ok := prev[m.state]
	if !ok || m.screens[to] == nil {
		return m, nil
	}
	if c, ok := m.active().(closer); ok {
		c.close()
	}
	m.keepJourneyDraft()
	delete(m.screens, m.state)
	m.state = to
	m.fullHelp = false
	s := m.active()
	s.SetSize(m.pc.width, m.pc.bodyHeight())
	if r, ok := s.(interface{ resume() tea.Cmd }); ok {
		cmd := r.resume()
		m.pc.applyResults()
		return m, cmd
	}
	return m, nil
}

// layout is the header, the help line (with the stop note) and the
// height left for the body between them.
func (m Model) layout() (header, helpView string, bodyH int) {
	st := m.pc.styles
	w := m.pc.width
	header = m.header()
	keys := m.active().Keys()
	// Clipped: a screen's short list may share its backing array with a
	// row of its full help; appending in place would overwrite that row.
	keys.short = append(slices.Clip(keys.short), m.globalBindings()...)
	keys.full = append(slices.Clip(keys.full), m.globalBindings())
	h := m.help // a copy: layout changes nothing
	h.ShowAll = m.fullHelp
	if h.ShowAll {
		// Its columns side by side may not fit (help.Model cuts the last
		// to "…"): as many as fit to a row, the rest in rows below.
		helpView = clampLines(fullHelpRows(h, keys.full, w), 40, w)
	} else {
		// help.Model can overflow its width by one item: clamp it.
		helpView = clampLines(h.View(keys), 20, w)
	}
	bodyH = max(m.pc.height-lipgloss.Height(header)-lipgloss.Height(helpView)-1, 3)
	if m.stopNote != "" {
		note := noticeText(st.Warning, m.stopNote, w)
		helpView = note + "\n" + helpView
		bodyH = max(bodyH-lipgloss.Height(note), 3)
	}
	return header, helpView, bodyH
}

// fullHelpRows is the full help with its columns in rows of as many as
// fit in w cells.
func fullHelpRows(h help.Model, cols [][]key.Binding, w int) string {
	h.SetWidth(0) // measured here, not cut
	var rows []string
	var row [][]key.Binding
	for _, c := range cols {
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(append(slices.Clip(row), c))) > w {
			rows = append(rows, h.FullHelpView(row))
			row = nil
		}
		row = append(row, c)
	}
	if len(row) > 0 {
		rows = append(rows, h.FullHelpView(row))
	}
	return strings.Join(rows, "\n")
}

// View draws header, the active screen and the help line. The screen was
// laid out for the body's height by fit.
func (m Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	if m.quitting {
		return v
	}
	w := m.pc.width
	header, helpView, bodyH := m.layout()
	body := clampLines(m.active().View(), bodyH, w)
	body = lipgloss.NewStyle().Height(bodyH).MaxHeight(bodyH).Render(body)
	v.SetContent(lipgloss.JoinVertical(lipgloss.Left, header, body, "", helpView))
	return v
}

// inputTakes reports that the key goes to a focused text input (so q and
// ? are typed, not acted on). An input may refuse keys it cannot hold.
func (m Model) inputTakes(k tea.KeyPressMsg) bool {
	a := m.active()
	if !a.InputFocused() {
		return false
	}
	if r, ok := a.(interface{ inputRefuses(tea.KeyPressMsg) bool }); ok && r.inputRefuses(k) {
		return false
	}
	return true
}

func (m Model) globalBindings() []key.Binding {
	g := m.pc.global
	if p, ok := m.importing(); ok {
		// During an import q asks (the screen's esc/q says so) and
		// ctrl+c stops without asking; neither quits. Once a stop is
		// under way neither does anything more until the run reports.
		if p.stopRequested() {
			return []key.Binding{g.Help}
		}
		kill := g.Kill
		kill.SetHelp("ctrl+c", "stop after this batch")
		return []key.Binding{g.Help, kill}
	}
	if m.active().InputFocused() {
		// The help line says how to reach help from here.
		return []key.Binding{g.InputHelp, g.Kill}
	}
	return []key.Binding{g.Help, g.Quit, g.Kill}
}

// header is the title with badges and the step breadcrumb.
func (m Model) header() string {
	st := m.pc.styles
	title := st.Title.Render("AscendKit · Clerk import")
	if m.state == stateBrowser && m.pc.cfg.Start == ScreenBrowser {
		title = st.Title.Render("AscendKit · templates & journeys")
	}
	badges := []string{title}
	if m.pc.cfg.Demo {
		badges = append(badges, st.DemoBadge.Render("DEMO · synthetic data"))
	}
	// On the source step the badge follows the key being typed (the
	// source chosen before may be about to change).
	live := m.pc.sess.source.production()
	if m.state == stateSource {
		live = m.sourceKeyIsLive()
	}
	if live {
		badges = append(badges, st.ProdBadge.Render("PRODUCTION INSTANCE"))
	}
	line1 := strings.Join(badges, " ")
	if m.pc.env != nil {
		// Which environment is written to: a mistyped --env shows here.
		// A path's ends tell it apart: a long one is cut in the middle.
		if room := m.pc.width - lipgloss.Width(line1) - 3; room > 12 {
			line1 += st.Dim.Render(" → " + cutMiddle(termtext.Clean(m.pc.env.Describe()), room))
		}
	}
	if m.pc.cfg.Start == ScreenBrowser {
		return line1 + "\n"
	}

	at := m.state
	if at == stateCanary {
		at = stateConfirm
	}
	var crumbs []string
	for s := stateSource; s <= stateBrowser; s++ {
		name := fmt.Sprintf("%d %s", int(s)+1, s)
		switch {
		case s == at:
			crumbs = append(crumbs, st.CrumbOn.Render(name))
		case s < at:
			crumbs = append(crumbs, st.CrumbDone.Render(name))
		default:
			crumbs = append(crumbs, st.Crumb.Render(name))
		}
	}
	sep := st.Dim.Render(" › ")
	line2 := strings.Join(crumbs, sep)
	if lipgloss.Width(line2) > m.pc.width {
		// Narrow terminal: keep the current step only.
		line2 = st.CrumbOn.Render(fmt.Sprintf("Step %d/7 · %s", int(at)+1, m.state))
	}
	return line1 + "\n" + line2 + "\n"
}

// sessionRunsLine is the total of this session's imports when there was
// more than one (a stopped import run again): the report above is the
// last run's, whose already_imported include what the earlier ones wrote.
// Undone runs are not counted.
func (s *session) sessionRunsLine() string {
	// Only runs that wrote something count: one stopped before its first
	// batch, or a settings-only run, adds no users to speak of.
	var wrote []runWrites
	for _, r := range s.runs {
		if r.id != "" && r.imported+r.merged > 0 {
			wrote = append(wrote, r)
		}
	}
	if len(wrote) < 2 {
		return ""
	}
	var imported, merged, counted int
	for _, r := range wrote {
		if slices.Contains(s.undone, r.id) {
			continue
		}
		imported += r.imported
		merged += r.merged
		counted++
	}
	last := wrote[len(wrote)-1]
	this := "this run"
	if slices.Contains(s.undone, last.id) {
		this = "this run (since undone)"
	}
	line := fmt.Sprintf("  %s imported and %s merged by %s; %s imported and %s merged by this source's %d runs",
		fmtInt(last.imported), fmtInt(last.merged), this, fmtInt(imported), fmtInt(merged), len(wrote))
	if undone := len(wrote) - counted; undone > 0 {
		line += fmt.Sprintf(" (%d undone, not counted)", undone)
	}
	return line + "\n"
}

func (m Model) sourceKeyIsLive() bool {
	s, ok := m.screens[stateSource].(keyWatcher)
	return ok && s.liveKey()
}

// clampLines cuts s to at most h lines of at most w cells each.
func clampLines(s string, h, w int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// Summary is the plain-text account of what the session did, printed by
// the CLI once the program has ended.
func (m Model) Summary() string {
	s := m.pc.sess
	// envStays: the environment outlives the program, so the summary may
	// point at its runs (a demo's is deleted unless kept).
	envStays := !m.pc.cfg.Demo || m.pc.cfg.DemoKept
	var b strings.Builder
	for _, c := range s.canaries {
		line := "Canary " + termtext.Clean(c.email) + ": "
		switch {
		case c.imported > 0:
			line += "imported"
		case c.wrote:
			line += "merged"
		default:
			line += "nothing imported"
		}
		if c.runID != "" {
			line += " (" + termtext.Clean(c.runID) + ")"
		}
		if c.checked {
			line += map[bool]string{true: "; password matches", false: "; password does not match"}[c.match]
		}
		b.WriteString(line + "\n")
	}
	if s.result != nil {
		r := s.result
		u := r.Users
		switch {
		case r.Error != "":
			fmt.Fprintf(&b, "Import stopped early: %s\nWhat was written stays; run the import again to continue.\n", termtext.Clean(r.Error))
		case r.Interrupted:
			b.WriteString("Import interrupted: what was written stays; run the import again to continue.\n")
		default:
			b.WriteString("Import finished.\n")
		}
		fmt.Fprintf(&b, "Source: %s\n", plainSource(s.resultSource))
		if r.RunID != "" && envStays {
			fmt.Fprintf(&b, "Run: %s (ascendkit import runs shows it)\n", termtext.Clean(r.RunID))
		}
		fmt.Fprintf(&b, "Users: %s fetched, %s imported, %s merged, %s duplicates, %s skipped, %s failed\n",
			fmtInt(u.Fetched), fmtInt(u.Imported), fmtInt(u.Merged), fmtInt(u.Duplicates), fmtInt(u.Skipped), fmtInt(u.Failed))
		if u.NotWritten > 0 {
			// Without it the counts do not add up to those fetched.
			fmt.Fprintf(&b, "  not written: %s (%s)\n", fmtInt(u.NotWritten), importer.NotWrittenWhy)
		}
		b.WriteString(s.sessionRunsLine())
		if len(nonZero(u.DuplicateReasons)) > 0 {
			fmt.Fprintf(&b, "  duplicates: %s\n", countList(u.DuplicateReasons))
		}
		if len(nonZero(u.SkippedReasons)) > 0 {
			fmt.Fprintf(&b, "  skipped: %s\n", countList(u.SkippedReasons))
		}
		if n := r.ImportedNotInSource; n > 0 {
			fmt.Fprintf(&b, "Not in this source: %s created by an earlier import (they stay in AscendKit: see the warning)\n", fmtInt(n))
		}
		fmt.Fprintf(&b, "OAuth links: %s", fmtInt(r.OAuthLinks))
		if r.OAuthLinkConflicts > 0 {
			fmt.Fprintf(&b, " (%s not linked: the OAuth account belongs to another user)", fmtInt(r.OAuthLinkConflicts))
		}
		b.WriteString("\n")
		if len(nonZero(r.Tags)) > 0 {
			fmt.Fprintf(&b, "Tags: %s\n", countList(r.Tags))
		}
		if len(nonZero(r.Events)) > 0 {
			fmt.Fprintf(&b, "Events: %s\n", countList(r.Events))
		}
		if l := enrollLine(*r); l != "" {
			b.WriteString(l + "\n")
		}
		switch {
		case r.Phases.Settings && (s.settingsApplied || (!r.Interrupted && r.Error == "")):
			after := ""
			if slices.Contains(s.undone, r.RunID) {
				// Its undo may have turned some off (only those no other
				// run still in effect keeps): what is on now is auth's.
				after = " (as this run left them; it was undone since: `ascendkit auth show` says what is on now)"
			}
			fmt.Fprintf(&b, "Auth providers: %s%s\n", orNone(r.Settings.After), after)
		case r.Phases.Settings:
			b.WriteString("Auth providers: not changed (the import stopped before its settings phase)\n")
		}
		// As the import's summary screen words them: the wizard had no
		// --entries file, and its run took no more flags; what still
		// applies is `ascendkit auth update`.
		for _, w := range importedWarnings(r.Warnings) {
			fmt.Fprintf(&b, "Warning: %s\n", termtext.Clean(w))
		}
	}
	switch {
	case s.pending != nil:
		// The program ended (a panic, the terminal gone) before the run
		// reported: it was started, so it may have written.
		b.WriteString("An import was under way when the program ended and did not report: what it wrote stays")
		if n := s.pending.written.Imported + s.pending.written.Merged; n > 0 {
			fmt.Fprintf(&b, " (at least %s written)", plural(n, "user", "users"))
		}
		b.WriteString(".\n")
		if envStays {
			b.WriteString("See ascendkit import runs for the run; run the import again to continue.\n")
		}
	case s.result != nil:
	case s.canariesStarted > len(s.canaries):
		b.WriteString("A canary run was stopped before it reported")
		if envStays {
			b.WriteString(": what it wrote stays (see ascendkit import runs)")
		}
		b.WriteString(".\n")
	case len(s.canaries) == 0 && (s.final != nil || s.preview != nil):
		b.WriteString("No import was run: nothing was written.\n")
	}
	if s.journeys != nil {
		nt, nj := len(s.createdTemplates), len(s.createdJourneys)
		fmt.Fprintf(&b, "Migration journeys: %d templates and %d journeys created (%d and %d already existed)",
			nt, nj, len(s.seenTemplates)-nt, len(s.seenJourneys)-nj)
		if nu := len(s.updatedJourneys); nu > 0 {
			fmt.Fprintf(&b, "; %s updated with the new setup", plural(nu, "existing journey", "existing journeys"))
		}
		b.WriteString("\n")
	}
	// Undos and journey actions in the order they happened: a journey's
	// line (its status now) where its last action was taken.
	undone := 0
	writeUndone := func(upTo int) {
		for ; undone < min(upTo, len(s.undone)); undone++ {
			fmt.Fprintf(&b, "Undone: run %s (what it wrote was removed)\n", termtext.Clean(s.undone[undone]))
		}
	}
	outcomes := journeyOutcomes(s.journeyActions)
	sort.SliceStable(outcomes, func(i, j int) bool { return outcomes[i].undosBefore < outcomes[j].undosBefore })
	for _, j := range outcomes {
		writeUndone(j.undosBefore)
		name := termtext.Clean(j.Name)
		switch {
		case j.Action == "activated" && j.Enrolled > 0:
			fmt.Fprintf(&b, "Activated %q: %s enrolled\n", name, plural(j.Enrolled, "user", "users"))
		case j.Action == "activated":
			fmt.Fprintf(&b, "Activated %q: no new users to enroll (already enrolled)\n", name)
		case j.Enrolled > 0:
			fmt.Fprintf(&b, "Paused %q (%s enrolled while it was active)\n", name, plural(j.Enrolled, "user", "users"))
		default:
			fmt.Fprintf(&b, "Paused %q\n", name)
		}
	}
	writeUndone(len(s.undone))
	if b.Len() == 0 {
		return "Nothing was changed.\n"
	}
	if !envStays {
		b.WriteString("The demo environment was deleted on exit, with all of the above (ascendkit demo --keep keeps it).\n")
	}
	return b.String()
}

// journeyOutcomes folds the browser's actions into one line per journey,
// in the order the journeys were first touched: the last action is the
// journey's status now, Enrolled the users enrolled over the session.
func journeyOutcomes(actions []journeyAction) []journeyAction {
	var out []journeyAction
	at := map[string]int{}
	for _, a := range actions {
		id := a.ID
		if id == "" {
			id = a.Name
		}
		i, ok := at[id]
		if !ok {
			i = len(out)
			at[id] = i
			out = append(out, journeyAction{ID: a.ID, Name: a.Name})
		}
		out[i].Name = a.Name
		out[i].Action = a.Action
		out[i].Enrolled += a.Enrolled
		out[i].undosBefore = a.undosBefore
	}
	return out
}

func plainSource(c sourceChoice) string {
	if c.Kind == "" {
		return "none"
	}
	return c.describe()
}

func countList(m map[string]int) string {
	m = nonZero(m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, termtext.Clean(k)+" "+fmtInt(m[k]))
	}
	return strings.Join(parts, ", ")
}

func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = termtext.Clean(s)
	}
	return strings.Join(out, ", ")
}

// Run runs the wizard on in/out until the person quits, and returns the
// plain summary for the CLI to print.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer) (string, error) {
	return run(New(cfg), nil, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
}

// run runs m; started (tests) is given the program once it is built.
func run(m Model, started func(*tea.Program), opts ...tea.ProgramOption) (string, error) {
	p := tea.NewProgram(m, opts...)
	if started != nil {
		started(p)
	}
	final, err := p.Run()
	fm, ok := final.(Model)
	if !ok {
		// A panic returns no model. The session and the screens are
		// shared with the initial one (pc and the screens map), so the
		// summary still tells what happened.
		fm = m
	}
	fm.shutdown()
	if err == nil {
		err = fm.Err()
	}
	return fm.Summary(), err
}

// shutdown cancels whatever still runs and waits briefly for an import
// to record its stop, so the summary tells what it did.
func (m Model) shutdown() {
	for _, s := range m.screens {
		if e, ok := s.(interface{ endForExit() }); ok {
			e.endForExit()
		}
	}
	m.pc.applyResults()
	for _, s := range m.screens {
		if c, ok := s.(closer); ok {
			c.close()
		}
	}
	m.pc.cancel()
	m.pc.sess.dropClassified()
}
