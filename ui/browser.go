package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

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
)

const (
	tabTemplates = iota
	tabJourneys
)

// Messages of the browser's commands.
type (
	browserLoadedMsg struct {
		templates []ascendkit.Template
		journeys  []ascendkit.Journey
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
		seq    int
		t      ascendkit.Template
		user   *ascendkit.User
		vars   map[string]string
		source string // the journey node the variables come from
		err    error
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

type templateItem struct{ t ascendkit.Template }

func (i templateItem) Title() string { return termtext.Clean(i.t.Name) }
func (i templateItem) Description() string {
	return termtext.Clean(i.t.Slug) + " · " + termtext.Clean(i.t.Subject)
}
func (i templateItem) FilterValue() string { return i.t.Name + " " + i.t.Slug + " " + i.t.Subject }

type journeyItem struct{ j ascendkit.Journey }

func (i journeyItem) Title() string { return termtext.Clean(i.j.Name) }
func (i journeyItem) Description() string {
	return fmt.Sprintf("%s · audience tag %s · %s enrolled", i.j.Status, termtext.Clean(i.j.Audience.Tag), fmtInt(i.j.Stats.Enrolled))
}
func (i journeyItem) FilterValue() string {
	return i.j.Name + " " + i.j.Status + " " + i.j.Audience.Tag
}

// browserScreen lists templates and journeys, shows their detail, edits
// journey variables and activates or pauses journeys.
type browserScreen struct {
	pc         *programContext
	keys       browserKeys
	standalone bool

	tab     int
	lists   [2]list.Model
	loading bool
	err     string
	mode    browserMode
	notice  string

	journey      *ascendkit.Journey
	audTotal     int
	audNot       int
	tmpl         *ascendkit.Template
	tmplUser     *ascendkit.User
	tmplVars     map[string]string
	tmplVarFrom  string
	tmplRendered importer.Rendered // s.tmpl rendered for tmplUser with tmplVars
	body         viewport.Model

	tlOffset int // first line of the timeline shown

	// plan is what activation would enroll and send, and what stops it
	// (the activation dialog shows it).
	plan *importer.ActivationPlan

	// detailSeq numbers the detail loads: leaving a detail bumps it, so a
	// load that returns after the person moved on (esc right after a or
	// enter) is dropped instead of opening a screen they left.
	detailSeq int

	edit      [3]textinput.Model // sender, loginUrl, resetUrl
	editFocus int
	editErr   string

	width, height int
}

var editLabels = [3]string{"Sender", "loginUrl", "resetUrl"}

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
	s.tab = tabJourneys
	for i := range s.edit {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = 512
		s.edit[i] = in
	}
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
	for i := range s.edit {
		s.edit[i].SetStyles(st.Input)
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
		return browserLoadedMsg{templates: ts, journeys: js, err: err}
	}
}

func (s *browserScreen) loadJourney(id string, activate bool) tea.Cmd {
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		j, err := env.GetJourney(ctx, id)
		if err != nil {
			return journeyLoadedMsg{seq: seq, err: err}
		}
		total, notEnrolled, err := env.AudienceSize(ctx, j.ID)
		return journeyLoadedMsg{seq: seq, j: j, total: total, notEnrolled: notEnrolled, activate: activate, err: err}
	}
}

// checkActivation asks what activating the journey would do, for the
// dialog: the emails it sends now and later, or what refuses it.
func (s *browserScreen) checkActivation(id string) tea.Cmd {
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		p, err := importer.ActivationCheck(ctx, env, id)
		return activationPlanMsg{seq: seq, plan: p, err: err}
	}
}

// leaveDetail drops the detail loads in flight.
func (s *browserScreen) leaveDetail() { s.detailSeq++ }

func (s *browserScreen) loadTemplate(t ascendkit.Template) tea.Cmd {
	env, ctx, seq := s.pc.env, s.pc.base, s.detailSeq
	return func() tea.Msg {
		msg := templateLoadedMsg{seq: seq, t: t}
		if full, err := env.GetTemplate(ctx, t.ID); err == nil {
			msg.t = full
		}
		users, err := env.ListUsers(ctx, ascendkit.UserFilter{Tag: importer.TagClerk, Limit: 1})
		if err != nil {
			msg.err = err
			return msg
		}
		if len(users) > 0 {
			u := users[0]
			msg.user = &u
		}
		// Node variables of the first journey step that sends this template.
		js, err := env.ListJourneys(ctx)
		if err == nil {
		found:
			for _, j := range js {
				for _, n := range j.Nodes {
					if n.TemplateSlug == t.Slug {
						msg.vars = maps.Clone(n.Variables)
						msg.source = j.Name + " / " + n.ID
						break found
					}
				}
			}
		}
		return msg
	}
}

func (s *browserScreen) InputFocused() bool {
	return s.mode == browseEdit || s.lists[s.tab].SettingFilter()
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
	for i := range s.edit {
		s.edit[i].SetWidth(max(min(w-16, 70), 20))
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
		if len(msg.journeys) == 0 && len(msg.templates) > 0 {
			s.tab = tabTemplates
		}
		return tea.Batch(s.lists[tabTemplates].SetItems(ti), s.lists[tabJourneys].SetItems(ji))
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
		if msg.seq != s.detailSeq || s.mode != browseJourney {
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
		if msg.seq != s.detailSeq || s.mode != browseList {
			return nil
		}
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return nil
		}
		t := msg.t
		s.tmpl, s.tmplUser, s.tmplVars, s.tmplVarFrom = &t, msg.user, msg.vars, msg.source
		// Rendered once per load: the view and each resize reuse it.
		s.tmplRendered = s.pc.render(t, s.sampleUser(), s.tmplVars)
		s.mode = browseTemplate
		s.body.SetContent(s.renderedBody())
		s.body.GotoTop()
		return nil
	case journeyChangedMsg:
		if msg.err != nil {
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
	// Other messages (filter results, cursor blink) go to the active part.
	switch s.mode {
	case browseList:
		var cmd tea.Cmd
		s.lists[s.tab], cmd = s.lists[s.tab].Update(msg)
		return cmd
	case browseEdit:
		var cmd tea.Cmd
		s.edit[s.editFocus], cmd = s.edit[s.editFocus].Update(msg)
		return cmd
	}
	return nil
}

func (s *browserScreen) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
	switch s.mode {
	case browseList:
		l := &s.lists[s.tab]
		if l.SettingFilter() || l.FilterState() == list.FilterApplied && key.Matches(msg, k.Back) {
			var cmd tea.Cmd
			*l, cmd = l.Update(msg)
			return cmd
		}
		switch {
		case key.Matches(msg, k.Tab):
			s.tab = 1 - s.tab
			return nil
		case key.Matches(msg, k.Open):
			s.notice, s.err = "", ""
			switch it := l.SelectedItem().(type) {
			case journeyItem:
				return s.loadJourney(it.j.ID, false)
			case templateItem:
				return s.loadTemplate(it.t)
			}
			return nil
		case key.Matches(msg, k.Back):
			if s.standalone {
				return nil
			}
			return back
		}
		var cmd tea.Cmd
		*l, cmd = l.Update(msg)
		return cmd
	case browseJourney:
		j := s.journey
		switch {
		case key.Matches(msg, k.Up):
			s.tlOffset = max(s.tlOffset-1, 0)
		case key.Matches(msg, k.Down):
			s.tlOffset = min(s.tlOffset+1, max(s.timelineLines()-s.timelineRoom(), 0))
		case key.Matches(msg, k.Back):
			s.mode, s.journey, s.notice, s.err = browseList, nil, "", ""
			s.tlOffset = 0
			s.leaveDetail()
		case key.Matches(msg, k.Edit):
			return s.startEdit()
		case key.Matches(msg, k.Activate):
			if j.Status != ascendkit.StatusActive {
				s.notice, s.err = "", ""
				return s.checkActivation(j.ID)
			}
		case key.Matches(msg, k.Pause):
			if j.Status == ascendkit.StatusActive {
				return s.pause()
			}
		}
		return nil
	case browseActivate:
		refused := s.plan == nil || len(s.plan.Problems) > 0
		switch {
		case key.Matches(msg, k.Yes) && !refused:
			return s.activate()
		case key.Matches(msg, k.Edit) && refused:
			return s.startEdit()
		case key.Matches(msg, k.No):
			s.mode = browseJourney
		}
		return nil
	case browseTemplate:
		if key.Matches(msg, k.Back) {
			s.mode, s.tmpl = browseList, nil
			s.leaveDetail()
			return nil
		}
		var cmd tea.Cmd
		s.body, cmd = s.body.Update(msg)
		return cmd
	case browseEdit:
		switch {
		case msg.String() == "esc":
			s.mode = browseJourney
			s.edit[s.editFocus].Blur()
			return nil
		case msg.String() == "ctrl+s" || (msg.String() == "enter" && s.editFocus == len(s.edit)-1):
			return s.saveEdit()
		case msg.String() == "tab" || msg.String() == "down" || msg.String() == "enter":
			return s.focusEdit(s.editFocus + 1)
		case msg.String() == "shift+tab" || msg.String() == "up":
			return s.focusEdit(s.editFocus - 1)
		}
		var cmd tea.Cmd
		s.edit[s.editFocus], cmd = s.edit[s.editFocus].Update(msg)
		s.editErr = ""
		return cmd
	}
	return nil
}

func (s *browserScreen) focusEdit(i int) tea.Cmd {
	s.edit[s.editFocus].Blur()
	s.editFocus = (i + len(s.edit)) % len(s.edit)
	return s.edit[s.editFocus].Focus()
}

// emailNodes returns the indexes of the journey's email steps.
func emailNodes(j *ascendkit.Journey) []int {
	var out []int
	for i, n := range j.Nodes {
		if n.Action == ascendkit.ActionSendEmail {
			out = append(out, i)
		}
	}
	return out
}

func (s *browserScreen) startEdit() tea.Cmd {
	j := s.journey
	var sender, login, reset string
	for _, i := range emailNodes(j) {
		n := j.Nodes[i]
		if sender == "" {
			sender = n.From
		}
		if login == "" {
			login = n.Variables["loginUrl"]
		}
		if reset == "" {
			reset = n.Variables["resetUrl"]
		}
	}
	s.edit[0].SetValue(sender)
	s.edit[1].SetValue(login)
	s.edit[2].SetValue(reset)
	s.editErr, s.notice = "", ""
	s.mode = browseEdit
	s.editFocus = 0
	for i := range s.edit {
		s.edit[i].Blur()
		s.edit[i].CursorEnd()
	}
	return s.edit[0].Focus()
}

func (s *browserScreen) saveEdit() tea.Cmd {
	sender := strings.TrimSpace(s.edit[0].Value())
	login := strings.TrimSpace(s.edit[1].Value())
	reset := strings.TrimSpace(s.edit[2].Value())
	// The checks of step 6 and the CLI. The sender is required; a URL
	// may stay empty for a journey whose emails do not use it (the
	// activation check names any a template needs).
	for i, c := range []struct {
		v     string
		check func(string) error
	}{{sender, importer.ValidateSender}, {login, importer.ValidateURL}, {reset, importer.ValidateURL}} {
		if i > 0 && c.v == "" {
			continue
		}
		if err := c.check(c.v); err != nil {
			s.editErr = editLabels[i] + ": " + termtext.Clean(err.Error())
			return s.focusEdit(i)
		}
	}
	j := s.journey
	nodes := make([]ascendkit.Node, len(j.Nodes))
	copy(nodes, j.Nodes)
	for _, i := range emailNodes(j) {
		n := nodes[i]
		vars := maps.Clone(n.Variables)
		if vars == nil {
			vars = map[string]string{}
		}
		setVar(vars, "loginUrl", login)
		setVar(vars, "resetUrl", reset)
		n.Variables = vars
		if sender != "" {
			n.From = sender
		}
		nodes[i] = n
	}
	s.edit[s.editFocus].Blur()
	env, ctx, id := s.pc.env, s.pc.base, j.ID
	return func() tea.Msg {
		nj, err := env.UpdateJourneyNodes(ctx, id, nodes)
		return journeyChangedMsg{j: nj, action: "saved", err: err}
	}
}

func setVar(vars map[string]string, k, v string) {
	if v == "" {
		delete(vars, k)
		return
	}
	vars[k] = v
}

// activate goes through importer.Activate, which checks again and
// refuses while an email lacks a sender or a variable.
func (s *browserScreen) activate() tea.Cmd {
	env, ctx, j, now := s.pc.env, s.pc.base, *s.journey, s.pc.now()
	return func() tea.Msg {
		res, err := importer.Activate(ctx, env, j.ID, now)
		return journeyChangedMsg{j: j, action: "activated", enrolled: res.NewlyEnrolled, err: err}
	}
}

func (s *browserScreen) pause() tea.Cmd {
	env, ctx, j := s.pc.env, s.pc.base, *s.journey
	return func() tea.Msg {
		err := env.PauseJourney(ctx, j.ID)
		return journeyChangedMsg{j: j, action: "paused", err: err}
	}
}

func (s *browserScreen) View() string {
	st := s.pc.styles
	var b strings.Builder
	switch s.mode {
	case browseList:
		tabs := []string{"Templates", "Journeys"}
		for i, t := range tabs {
			n := len(s.lists[i].Items())
			label := fmt.Sprintf("%s (%d)", t, n)
			if i == s.tab {
				b.WriteString(st.TabOn.Render(label))
			} else {
				b.WriteString(st.TabOff.Render(label))
			}
		}
		b.WriteString("\n")
		switch {
		case s.err != "":
			b.WriteString(errorText(st, s.err, s.width) + "\n")
		case s.loading:
			b.WriteString(st.Dim.Render("Loading…") + "\n")
		case len(s.lists[s.tab].Items()) == 0:
			b.WriteString("\n" + st.Dim.Render("Nothing here yet. Run the import and create the migration journeys first.") + "\n")
		default:
			b.WriteString(s.lists[s.tab].View())
		}
	case browseJourney, browseActivate, browseEdit:
		b.WriteString(s.journeyView())
	case browseTemplate:
		b.WriteString(s.templateView())
	}
	return b.String()
}

func statusStyle(st Styles, status string) lipgloss.Style {
	switch status {
	case ascendkit.StatusActive:
		return st.OK.Bold(true)
	case ascendkit.StatusPaused:
		return st.Warning
	}
	return st.Dim.Bold(true)
}

func (s *browserScreen) journeyView() string {
	st := s.pc.styles
	j := s.journey
	var b strings.Builder
	b.WriteString(st.Title.Render(termtext.Clean(j.Name)) + "  " + statusStyle(st, j.Status).Render("["+termtext.Clean(j.Status)+"]") + "\n")
	b.WriteString(kv(st.Label, [][2]string{
		{"Audience", fmt.Sprintf("tag %s · %s users (%s not enrolled)", termtext.Clean(j.Audience.Tag), fmtInt(s.audTotal), fmtInt(s.audNot))},
		{"Stats", fmt.Sprintf("enrolled %s · active %s · completed %s", fmtInt(j.Stats.Enrolled), fmtInt(j.Stats.Active), fmtInt(j.Stats.Completed))},
	}) + "\n")
	if s.mode == browseEdit {
		b.WriteString("\n" + st.Heading.Render("Edit every email step") + "\n")
		for i := range s.edit {
			b.WriteString(fieldRow(st, editLabels[i], 9, i == s.editFocus, s.edit[i].View()) + "\n")
		}
		if s.editErr != "" {
			b.WriteString(errorText(st, s.editErr, s.width) + "\n")
		}
		return b.String()
	}
	b.WriteString(s.journeyNotes())
	lines := strings.Split(strings.TrimRight(s.timelineView(), "\n"), "\n")
	room := s.timelineRoom()
	off := min(max(s.tlOffset, 0), max(len(lines)-room, 0))
	end := min(off+room, len(lines))
	shown := slices.Clone(lines[off:end])
	if off > 0 {
		shown[0] = st.Dim.Render("  ↑ more")
	}
	if end < len(lines) {
		shown[len(shown)-1] = st.Dim.Render("  ↓ more (↑/↓ to scroll)")
	}
	b.WriteString(strings.Join(shown, "\n") + "\n")
	return b.String()
}

// journeyNotes is what the journey detail shows between its header and
// its timeline: the activation dialog, notices and errors (before the
// timeline, which scrolls in the lines left, so they stay on screen at
// any size), then the timeline's heading.
func (s *browserScreen) journeyNotes() string {
	st := s.pc.styles
	j := s.journey
	var b strings.Builder
	if s.mode == browseActivate && s.plan != nil {
		b.WriteString(s.activationDialog(j) + "\n")
	}
	if s.notice != "" {
		b.WriteString(st.OK.Render(s.notice) + "\n")
	}
	if s.err != "" {
		b.WriteString(errorText(st, s.err, s.width) + "\n")
	}
	b.WriteString("\n" + st.Heading.Render("Timeline") + "\n")
	return b.String()
}

// activationDialog says plainly what activation sends now and later, or,
// while an email lacks a sender or a variable, that it is refused and why.
func (s *browserScreen) activationDialog(j *ascendkit.Journey) string {
	st := s.pc.styles
	p := s.plan
	var body string
	if len(p.Problems) > 0 {
		var lines []string
		for _, pr := range p.Problems {
			lines = append(lines, "• "+termtext.Clean(pr))
		}
		body = st.Error.Render(fmt.Sprintf("Cannot activate %q yet", termtext.Clean(j.Name))) + "\n" +
			"No email goes out while one lacks a sender or a variable:\n" + strings.Join(lines, "\n") + "\n" +
			st.Selected.Render("e") + " edit sender and variables · " + st.Selected.Render("esc") + " back"
	} else {
		body = st.Warning.Render(fmt.Sprintf("Activate %q?", termtext.Clean(j.Name))) + "\n" +
			termtext.Clean(p.Describe()) + "\n" +
			st.Selected.Render("y") + " activate · " + st.Selected.Render("n") + " cancel"
	}
	dlg := st.Dialog
	if lipgloss.Width(dlg.Render(body)) > s.width {
		dlg = dlg.Width(s.width) // wrap inside the frame on a narrow screen
	}
	return dlg.Render(body)
}

// timelineRoom is the number of lines the timeline gets: the height less
// the header (3 lines) and the notes.
func (s *browserScreen) timelineRoom() int {
	return max(s.height-3-strings.Count(s.journeyNotes(), "\n"), 2)
}

// timelineLines counts the lines of the journey's timeline.
func (s *browserScreen) timelineLines() int {
	return strings.Count(strings.TrimRight(s.timelineView(), "\n"), "\n") + 1
}

// timelineView draws the journey's steps by day (Day 0 → Day 3 → Day 7):
// for each email its sender and variables, flagging what is not set yet
// (to fill in before activating), and the exits taken on an event.
func (s *browserScreen) timelineView() string {
	st := s.pc.styles
	j := *s.journey
	steps := s.pc.timeline(j)
	var b strings.Builder
	if len(steps) == 0 {
		return st.Dim.Render("  (no steps)") + "\n"
	}
	const indent = "          "
	nodes := map[string]ascendkit.Node{}
	for _, n := range j.Nodes {
		nodes[n.ID] = n
	}
	name := func(id string) string {
		if n, ok := nodes[id]; ok && n.Action == ascendkit.ActionNone && len(s.exitsFrom(j, id)) == 0 && !s.hasTimerFrom(j, id) {
			return termtext.Clean(id) + " (end)"
		}
		return termtext.Clean(id)
	}
	var timed, byEvent []importer.Step
	for _, step := range steps {
		if step.Day < 0 {
			byEvent = append(byEvent, step)
		} else {
			timed = append(timed, step)
		}
	}
	details := func(n ascendkit.Node) {
		if n.Action != ascendkit.ActionSendEmail {
			return
		}
		from := st.Warning.Render("(no sender)")
		if f := termtext.Clean(n.From); f != "" {
			from = f
		}
		from = st.Label.Render("from ") + from
		var vars []string
		for _, k := range slices.Sorted(maps.Keys(n.Variables)) {
			v := termtext.Clean(n.Variables[k])
			if strings.TrimSpace(v) == "" {
				vars = append(vars, st.Warning.Render(termtext.Clean(k)+" (unset)"))
			} else {
				vars = append(vars, st.Label.Render(termtext.Clean(k))+" "+v)
			}
		}
		// One line when it fits, else the sender, then the variables on
		// one line or one a line.
		sep := st.Dim.Render(" · ")
		if one := indent + strings.Join(append([]string{from}, vars...), sep); lipgloss.Width(one) <= s.width {
			b.WriteString(one + "\n")
			return
		}
		b.WriteString(indent + from + "\n")
		if joined := indent + strings.Join(vars, sep); len(vars) > 0 && lipgloss.Width(joined) <= s.width {
			b.WriteString(joined + "\n")
		} else {
			for _, v := range vars {
				b.WriteString(indent + v + "\n")
			}
		}
	}
	exits := func(id string) {
		for _, t := range s.exitsFrom(j, id) {
			b.WriteString(indent + st.Selected.Render("└ on "+termtext.Clean(t.On)) + " → " + name(t.To) + "\n")
		}
	}
	prev := 0
	for i, step := range timed {
		n := step.Node
		if i > 0 && step.Day > prev {
			b.WriteString(st.Dim.Render(fmt.Sprintf("    │ after %dd", step.Day-prev)) + "\n")
		}
		prev = step.Day
		day := fmt.Sprintf("  Day %-2d", step.Day)
		switch n.Action {
		case ascendkit.ActionSendEmail:
			b.WriteString(st.Number.Render(day) + " send " + termtext.Clean(n.TemplateSlug) + "\n")
		case ascendkit.ActionTagUser:
			b.WriteString(st.Number.Render(day) + " # tag user" + "\n")
		case ascendkit.ActionNone:
			// A step that does nothing: the entry (enrolled, waiting for
			// the first timer) or the end; shown dim.
			what := "· wait"
			switch {
			case i == 0:
				what = "· enrolled"
			case i == len(timed)-1:
				what = "· end"
			}
			b.WriteString(st.Dim.Render(day+" "+what) + "\n")
		default:
			b.WriteString(st.Number.Render(day) + " " + termtext.Clean(n.Action) + "\n")
		}
		details(n)
		exits(n.ID)
	}
	// Steps reached only by an event, after the timed ones.
	for _, step := range byEvent {
		n := step.Node
		what := termtext.Clean(n.Action)
		switch n.Action {
		case ascendkit.ActionSendEmail:
			what = "send " + termtext.Clean(n.TemplateSlug)
		case ascendkit.ActionNone:
			what = name(n.ID)
		}
		b.WriteString(st.Selected.Render("  "+termtext.Clean(step.Via)) + " → " + what + "\n")
		details(n)
		exits(n.ID)
	}
	return b.String()
}

// exitsFrom returns the journey's event transitions out of node id.
func (s *browserScreen) exitsFrom(j ascendkit.Journey, id string) []ascendkit.Transition {
	var out []ascendkit.Transition
	for _, t := range j.Transitions {
		if t.From == id && t.Trigger == ascendkit.TriggerEvent {
			out = append(out, t)
		}
	}
	return out
}

func (s *browserScreen) hasTimerFrom(j ascendkit.Journey, id string) bool {
	for _, t := range j.Transitions {
		if t.From == id && t.Trigger == ascendkit.TriggerTimer {
			return true
		}
	}
	return false
}

func (s *browserScreen) renderedBody() string {
	// Wrapped at word boundaries (the viewport would cut words).
	return wrapText(termtext.CleanBlock(s.tmplRendered.Text), max(s.width-1, 20))
}

func (s *browserScreen) sampleUser() ascendkit.User {
	if s.tmplUser != nil {
		return *s.tmplUser
	}
	return ascendkit.User{}
}

func (s *browserScreen) templateView() string {
	st := s.pc.styles
	t, r := s.tmpl, s.tmplRendered
	var b strings.Builder
	b.WriteString(st.Title.Render(termtext.Clean(t.Name)) + st.Dim.Render(fmt.Sprintf("  %s · v%d", termtext.Clean(t.Slug), t.Version)) + "\n")
	who := st.Warning.Render("no imported user yet: rendered with empty user fields")
	if u := s.tmplUser; u != nil {
		who = termtext.Clean(u.Email)
		if u.Name != "" {
			who = termtext.Clean(u.Name) + " <" + who + ">"
		}
	}
	rows := [][2]string{{"For", who}, {"Subject", termtext.Clean(r.Subject)}}
	if s.tmplVarFrom != "" {
		rows = append(rows, [2]string{"Variables", "from " + termtext.Clean(s.tmplVarFrom)})
	}
	b.WriteString(kv(st.Label, rows) + "\n")
	if len(r.Missing) > 0 {
		miss := make([]string, len(r.Missing))
		for i, m := range r.Missing {
			miss[i] = "{{" + termtext.Clean(m) + "}}"
		}
		b.WriteString(st.Warning.Render("⚠ missing variables (rendered empty): "+strings.Join(miss, ", ")) + "\n")
	} else {
		b.WriteString(st.OK.Render("✓ every variable has a value") + "\n")
	}
	b.WriteString(st.Dim.Render(strings.Repeat("─", max(min(s.width, 80), 10))) + "\n")
	b.WriteString(s.body.View())
	return b.String()
}

func (s *browserScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	var full [][]key.Binding
	switch s.mode {
	case browseList:
		if s.lists[s.tab].SettingFilter() {
			short = []key.Binding{
				bind([]string{"enter"}, "enter", "apply filter"),
				bind([]string{"esc"}, "esc", "cancel filter"),
			}
			break
		}
		if s.standalone {
			k.Back.SetEnabled(s.lists[s.tab].FilterState() == list.FilterApplied)
		}
		if s.lists[s.tab].FilterState() == list.FilterApplied {
			k.Back.SetHelp("esc", "clear filter")
		}
		short = []key.Binding{k.Open, k.Tab, k.Filter, k.Back, k.Up, k.Down}
		full = [][]key.Binding{{k.Tab, k.Up, k.Down}, {k.Open, k.Filter, k.Back}}
	case browseJourney:
		active := s.journey != nil && s.journey.Status == ascendkit.StatusActive
		k.Activate.SetEnabled(!active)
		k.Pause.SetEnabled(active)
		short = []key.Binding{k.Activate, k.Pause, k.Edit, k.Back}
		if s.journey != nil && s.timelineLines() > s.timelineRoom() {
			k.Up.SetHelp("↑/↓", "scroll")
			short = append(short, k.Up)
		}
	case browseActivate:
		if s.plan != nil && len(s.plan.Problems) > 0 {
			k.Edit.SetHelp("e", "edit sender and variables")
			k.No.SetHelp("esc", "back")
			short = []key.Binding{k.Edit, k.No}
			break
		}
		k.Yes.SetHelp("y", "activate")
		k.No.SetHelp("n/esc", "cancel")
		short = []key.Binding{k.Yes, k.No}
	case browseTemplate:
		k.Up.SetHelp("↑/↓", "scroll")
		short = []key.Binding{k.Up, k.Back}
	case browseEdit:
		k.Back.SetHelp("esc", "cancel")
		short = []key.Binding{k.NextField, k.Save, k.Back}
	}
	if full == nil {
		full = [][]key.Binding{short}
	}
	return keyMap{short: short, full: full}
}
