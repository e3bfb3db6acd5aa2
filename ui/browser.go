package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

type browserMode int

const (
	browseList browserMode = iota
	browseJourney
	browseTemplate
	browseEdit
	browseActivate
	browseRun  // one import run (browser_runs.go)
	browseUndo // its undo: the plan and the typed confirmation
)

const (
	tabTemplates = iota
	tabJourneys
	tabRuns
	numTabs
)

// Messages of the browser's commands.
type (
	browserLoadedMsg struct {
		templates []ascendkit.Template
		journeys  []ascendkit.Journey
		runs      []importer.RunInfo
		err       error
	}
	journeyLoadedMsg struct {
		seq                int // the browser's detailSeq when asked
		j                  ascendkit.Journey
		total, notEnrolled int
		activate           bool // open the activation dialog
		err                error
	}
	templateLoadedMsg struct {
		seq         int
		fromJourney bool // opened from a journey's step (esc goes back to it)
		t           ascendkit.Template
		user        *ascendkit.User
		vars        map[string]string
		source      string // the journey node the variables come from
		err         error
	}
	// activationPlanMsg is what activating the journey would do.
	activationPlanMsg struct {
		seq  int
		plan importer.ActivationPlan
		err  error
	}
	journeyChangedMsg struct {
		j        ascendkit.Journey
		action   string // "activated" | "paused" | "saved"
		enrolled int
		err      error
	}
)

// browserScreen lists templates and journeys, shows their detail, edits
// journey variables and activates or pauses journeys.
type browserScreen struct {
	pc         *programContext
	keys       browserKeys
	standalone bool

	tab     int
	lists   [numTabs]list.Model
	loading bool
	// loadedOnce: a reload (after an activation or an undo) keeps the tab.
	loadedOnce bool
	err        string
	mode       browserMode
	notice     string
	// acting says what change of the journey is in flight ("Activating…",
	// "Pausing…", "Saving…"; "" for none). A repeated key (y y, p p,
	// ctrl+s ctrl+s) starts nothing more, so the first change's result is
	// the one shown.
	acting string

	// Each view's state, with the view's code in its own file.
	journeyState  // browser_journey.go
	templateState // browser_template.go
	editState     // browser_edit.go
	runsState     // browser_runs.go

	// detailSeq numbers the detail loads: leaving a detail bumps it, so a
	// load that returns after the person moved on (esc right after a or
	// enter) is dropped instead of opening a screen they left.
	detailSeq int

	width, height int
}

func newBrowserScreen(pc *programContext, standalone bool) *browserScreen {
	s := &browserScreen{pc: pc, keys: newBrowserKeys(), standalone: standalone, loading: true}
	for i := range s.lists {
		d := list.NewDefaultDelegate()
		l := list.New(nil, d, pc.width, 10)
		l.SetShowTitle(false)
		l.SetShowHelp(false)
		l.DisableQuitKeybindings()
		l.SetFilteringEnabled(true)
		s.lists[i] = l
	}
	s.lists[tabTemplates].SetStatusBarItemName("template", "templates")
	s.lists[tabJourneys].SetStatusBarItemName("journey", "journeys")
	s.lists[tabRuns].SetStatusBarItemName("run", "runs")
	s.tab = tabJourneys
	s.body = viewport.New()
	s.body.SoftWrap = true
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	return s
}

func (s *browserScreen) restyle() {
	st := s.pc.styles
	for i := range s.lists {
		d := list.NewDefaultDelegate()
		d.Styles = st.ListItems
		s.lists[i].SetDelegate(d)
		s.lists[i].Styles = st.List
	}
	if s.form != nil {
		s.form.restyle(st, 10)
	}
}

func (s *browserScreen) Init() tea.Cmd { return s.load() }

func (s *browserScreen) load() tea.Cmd {
	env, ctx := s.pc.env, s.pc.base
	s.loading = true
	return func() tea.Msg {
		if env == nil {
			return browserLoadedMsg{err: fmt.Errorf("no environment")}
		}
		ts, err := env.ListTemplates(ctx, "")
		if err != nil {
			return browserLoadedMsg{err: err}
		}
		js, err := env.ListJourneys(ctx)
		if err != nil {
			return browserLoadedMsg{err: err}
		}
		rs, err := importer.Runs(ctx, env)
		return browserLoadedMsg{templates: ts, journeys: js, runs: rs, err: err}
	}
}

// leaveDetail drops the detail loads in flight.
func (s *browserScreen) leaveDetail() { s.detailSeq++ }

func (s *browserScreen) InputFocused() bool {
	return s.mode == browseEdit || s.mode == browseUndo || s.picking() || s.lists[s.tab].SettingFilter()
}

func (s *browserScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	for i := range s.lists {
		s.lists[i].SetSize(w, max(h-2, 4))
	}
	s.body.SetWidth(w)
	if s.tmpl != nil {
		s.body.SetContent(s.renderedBody()) // wrapped for the new width
	}
	s.body.SetHeight(max(h-8, 3))
	if s.form != nil {
		s.form.setWidth(w)
	}
}

func (s *browserScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case browserLoadedMsg:
		s.loading = false
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return nil
		}
		s.err = ""
		ti := make([]list.Item, len(msg.templates))
		for i, t := range msg.templates {
			ti[i] = templateItem{t}
		}
		ji := make([]list.Item, len(msg.journeys))
		for i, j := range msg.journeys {
			ji[i] = journeyItem{j}
		}
		ri := make([]list.Item, len(msg.runs))
		for i, r := range msg.runs {
			ri[i] = runItem{r}
		}
		if !s.loadedOnce {
			// The first load picks the tab with something in it.
			s.loadedOnce = true
			switch {
			case len(msg.journeys) == 0 && len(msg.templates) > 0:
				s.tab = tabTemplates
			case len(msg.journeys) == 0 && len(msg.runs) > 0:
				s.tab = tabRuns
			}
		}
		return tea.Batch(s.lists[tabTemplates].SetItems(ti), s.lists[tabJourneys].SetItems(ji), s.lists[tabRuns].SetItems(ri))
	case journeyLoadedMsg:
		if msg.seq != s.detailSeq {
			return nil // the person left the detail meanwhile
		}
		if msg.err != nil {
			s.notice = ""
			s.err = termtext.Clean(msg.err.Error())
			return nil
		}
		j := msg.j
		if s.journey == nil || s.journey.ID != j.ID {
			s.step = 0
		}
		s.journey = &j
		s.audTotal, s.audNot = msg.total, msg.notEnrolled
		if s.mode == browseList {
			s.mode = browseJourney
		}
		if msg.activate && s.mode == browseJourney && j.Status != ascendkit.StatusActive {
			s.mode = browseActivate
		}
		return nil
	case activationPlanMsg:
		if msg.seq != s.detailSeq || s.mode != browseJourney || s.acting != "" {
			return nil // the person left the journey meanwhile
		}
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return nil
		}
		p := msg.plan
		s.plan = &p
		s.mode = browseActivate
		return nil
	case templateLoadedMsg:
		want := browseList
		if msg.fromJourney {
			want = browseJourney
		}
		if msg.seq != s.detailSeq || s.mode != want {
			return nil
		}
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return nil
		}
		t := msg.t
		s.tmpl, s.tmplUser, s.tmplVars, s.tmplVarFrom = &t, msg.user, msg.vars, msg.source
		s.tmplFromJourney, s.tmplEnrollments, s.pickErr = msg.fromJourney, nil, ""
		// Rendered once per load: the view and each resize reuse it.
		s.renderTemplate()
		s.mode = browseTemplate
		s.body.SetContent(s.renderedBody())
		s.body.GotoTop()
		return nil
	case templateUserMsg:
		return s.pickedUser(msg)
	case journeyChangedMsg:
		s.acting = ""
		if msg.err != nil {
			if s.mode == browseEdit && msg.action == "saved" {
				// The save failed or was refused: edit on where the
				// person was (the form never completes: syncForm keeps
				// enter on the last field from it), the reason under it.
				s.editErr = termtext.Clean(msg.err.Error())
				return nil
			}
			s.err = termtext.Clean(msg.err.Error())
			if s.mode == browseActivate {
				s.mode = browseJourney
			}
			return nil
		}
		s.err = ""
		switch msg.action {
		case "activated":
			s.notice = fmt.Sprintf("✓ Activated: %s users enrolled by backfill", fmtInt(msg.enrolled))
			if msg.enrolled == 0 {
				s.notice = "✓ Activated: no new users to enroll (the audience is already enrolled)"
			}
			s.pc.post(journeyActed{journeyAction{ID: msg.j.ID, Name: msg.j.Name, Action: "activated", Enrolled: msg.enrolled}})
		case "paused":
			s.notice = "Paused: no new steps run until you activate it again."
			s.pc.post(journeyActed{journeyAction{ID: msg.j.ID, Name: msg.j.Name, Action: "paused"}})
		case "saved":
			s.notice = "✓ Saved the sender and variables."
		}
		if s.mode == browseList || s.journey == nil || s.journey.ID != msg.j.ID {
			// The person left the journey meanwhile: refresh the list only.
			s.notice = ""
			return s.load()
		}
		s.mode = browseJourney
		return tea.Batch(s.loadJourney(msg.j.ID, false), s.load())
	case tea.KeyPressMsg:
		return s.handleKey(msg)
	}
	if cmd, ok := s.updateRuns(msg); ok {
		return cmd
	}
	// Other messages (filter results, cursor blink) go to the active part.
	switch s.mode {
	case browseList:
		var cmd tea.Cmd
		s.lists[s.tab], cmd = s.lists[s.tab].Update(msg)
		return cmd
	case browseEdit:
		return s.updateForm(msg)
	}
	return nil
}

// handleKey hands a key to the view on screen.
func (s *browserScreen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch s.mode {
	case browseList:
		return s.listKey(msg)
	case browseJourney:
		return s.journeyKey(msg)
	case browseActivate:
		return s.activateKey(msg)
	case browseTemplate:
		return s.templateKey(msg)
	case browseEdit:
		return s.editKey(msg)
	case browseRun:
		return s.runKey(msg)
	case browseUndo:
		return s.undoKey(msg)
	}
	return nil
}

// View draws the view on screen (the editor and the activation dialog
// show over the journey).
func (s *browserScreen) View() string {
	switch s.mode {
	case browseJourney, browseActivate, browseEdit:
		return s.journeyView()
	case browseTemplate:
		return s.templateView()
	case browseRun, browseUndo:
		return s.runView()
	}
	return s.listView()
}

// Keys are the keys of the view on screen.
func (s *browserScreen) Keys() keyMap {
	var short []key.Binding
	var full [][]key.Binding
	switch s.mode {
	case browseList:
		short, full = s.listKeys()
	case browseJourney:
		short, full = s.journeyKeys()
	case browseActivate:
		short, full = s.activateKeys()
	case browseTemplate:
		short, full = s.templateKeys()
	case browseEdit:
		short, full = s.editKeys()
	case browseRun, browseUndo:
		short, full = s.runKeys()
	}
	if full == nil {
		full = [][]key.Binding{short}
	}
	return keyMap{short: short, full: full}
}
