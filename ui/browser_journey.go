package ui

// The browser's journey view: audience, timeline and the activation
// dialog.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

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

// activate goes through importer.Activate, which checks again and
// refuses while an email lacks a sender or a variable.
func (s *browserScreen) activate() tea.Cmd {
	if s.acting != "" {
		return nil
	}
	// The dialog closes on the first y: a second y has nothing to answer.
	s.mode, s.acting, s.notice, s.err = browseJourney, "Activating…", "", ""
	env, ctx, j, now := s.pc.env, s.pc.base, *s.journey, s.pc.now()
	return func() tea.Msg {
		res, err := importer.Activate(ctx, env, j.ID, now)
		return journeyChangedMsg{j: j, action: "activated", enrolled: res.NewlyEnrolled, err: err}
	}
}

func (s *browserScreen) pause() tea.Cmd {
	if s.acting != "" {
		return nil
	}
	s.acting, s.notice, s.err = "Pausing…", "", ""
	env, ctx, j := s.pc.env, s.pc.base, *s.journey
	return func() tea.Msg {
		err := env.PauseJourney(ctx, j.ID)
		return journeyChangedMsg{j: j, action: "paused", err: err}
	}
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
		b.WriteString(s.form.View() + "\n")
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
	if s.acting != "" {
		b.WriteString(st.Dim.Render(s.acting) + "\n")
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
			b.WriteString(st.Number.Render(day) + s.sendLabel(n) + "\n")
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
			what = strings.TrimSpace(ansi.Strip(s.sendLabel(n)))
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

func (s *browserScreen) journeyKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
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
		if s.acting != "" {
			return nil // an activation or pause in flight would close the editor
		}
		return s.startEdit()
	case key.Matches(msg, k.NextStep):
		if n := len(emailNodes(j)); n > 0 {
			s.step = (s.step + 1) % n
		}
	case key.Matches(msg, k.OpenStep):
		if n, ok := s.selectedStep(); ok {
			s.notice, s.err = "", ""
			return s.loadNodeTemplate(*j, n)
		}
	case key.Matches(msg, k.Activate):
		if j.Status != ascendkit.StatusActive && s.acting == "" {
			s.notice, s.err = "", ""
			return s.checkActivation(j.ID)
		}
	case key.Matches(msg, k.Pause):
		if j.Status == ascendkit.StatusActive {
			return s.pause()
		}
	}
	return nil
}

func (s *browserScreen) activateKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.keys
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
}

func (s *browserScreen) journeyKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	active := s.journey != nil && s.journey.Status == ascendkit.StatusActive
	k.Activate.SetEnabled(!active)
	k.Pause.SetEnabled(active)
	short = []key.Binding{k.Activate, k.Pause, k.Edit, k.OpenStep, k.NextStep, k.Back}
	if s.journey != nil && s.timelineLines() > s.timelineRoom() {
		k.Up.SetHelp("↑/↓", "scroll")
		short = append(short, k.Up)
	}
	return short, full
}

func (s *browserScreen) activateKeys() (short []key.Binding, full [][]key.Binding) {
	k := s.keys
	if s.plan != nil && len(s.plan.Problems) > 0 {
		k.Edit.SetHelp("e", "edit sender and variables")
		k.No.SetHelp("esc", "back")
		short = []key.Binding{k.Edit, k.No}
		return short, full
	}
	k.Yes.SetHelp("y", "activate")
	k.No.SetHelp("n/esc", "cancel")
	short = []key.Binding{k.Yes, k.No}
	return short, full
}

// selectedStep is the email step tab selects (enter opens its template).
func (s *browserScreen) selectedStep() (ascendkit.Node, bool) {
	idx := emailNodes(s.journey)
	if len(idx) == 0 {
		return ascendkit.Node{}, false
	}
	return s.journey.Nodes[idx[s.step%len(idx)]], true
}

// sendLabel is an email step's line in the timeline; the selected one is
// marked.
func (s *browserScreen) sendLabel(n ascendkit.Node) string {
	if sel, ok := s.selectedStep(); ok && sel.ID == n.ID {
		return s.pc.styles.Selected.Render(" ▸ send " + termtext.Clean(n.TemplateSlug))
	}
	return " send " + termtext.Clean(n.TemplateSlug)
}

// journeyState is the journey view's state.
type journeyState struct {
	step             int // the selected email step, in node order
	journey          *ascendkit.Journey
	audTotal, audNot int // the audience, and those not enrolled yet
	tlOffset         int // first line of the timeline shown
	// plan is what activation would enroll and send, and what stops it
	// (the activation dialog shows it).
	plan *importer.ActivationPlan
}
