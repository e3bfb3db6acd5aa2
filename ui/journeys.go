package ui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// journeysCreatedMsg is the outcome of CreateMigrationJourneys.
type journeysCreatedMsg struct {
	res importer.JourneysResult
	err error
}

// savedSetupMsg carries the migration setup in use: the saved settings,
// overlaid by what the migration journeys' email steps hold now (the
// browser edits those).
type savedSetupMsg struct {
	values [numJourneyFields]string
	// force replaces what the form shows (coming back from the browser,
	// where the values may have been edited).
	force bool
}

const (
	fieldSender = iota
	fieldAppName
	fieldLoginURL
	fieldResetURL
	numJourneyFields
)

var journeyFieldLabels = [numJourneyFields]string{"Sender email", "App name", "Login URL", "Reset URL"}

// journeyFieldSettings are the settings each field is saved under.
var journeyFieldSettings = [numJourneyFields]string{
	importer.SettingFromIdentity, importer.SettingAppName, importer.SettingLoginURL, importer.SettingResetURL,
}

// journeysScreen creates the migration templates and draft journeys.
type journeysScreen struct {
	pc   *programContext
	keys journeysKeys

	inputs  [numJourneyFields]textinput.Model
	saved   [numJourneyFields]string // values of an earlier setup ("" = none)
	edited  [numJourneyFields]bool   // typed into before the saved values came
	focus   int
	errs    [numJourneyFields]string
	spinner spinner.Model
	busy    bool
	err     string
	result  *importer.JourneysResult
	width   int
}

func newJourneysScreen(pc *programContext) *journeysScreen {
	s := &journeysScreen{pc: pc, keys: newJourneysKeys()}
	// Examples, not values: "e.g." and a faint italic tell them apart.
	placeholders := [numJourneyFields]string{"e.g. migrations@yourapp.com", "e.g. Your App", "e.g. https://yourapp.com/login", "e.g. https://yourapp.com/reset-password"}
	for i := range s.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = placeholders[i]
		in.CharLimit = 512
		s.inputs[i] = in
	}
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	return s
}

func (s *journeysScreen) restyle() {
	st := s.pc.styles.Input
	ph := lipgloss.NewStyle().Foreground(s.pc.styles.Muted).Italic(true).Faint(true)
	st.Focused.Placeholder, st.Blurred.Placeholder = ph, ph
	for i := range s.inputs {
		s.inputs[i].SetStyles(st)
	}
	s.spinner.Style = s.pc.styles.Selected
}

func (s *journeysScreen) Init() tea.Cmd {
	return tea.Batch(s.inputs[s.focus].Focus(), s.loadSaved(false))
}

// journeyVariables are the node variables each field fills ("" = none:
// the sender is the node's From).
var journeyVariables = [numJourneyFields]string{"", "appName", "loginUrl", "resetUrl"}

// loadSaved reads the setup in use, so the form shows what the journeys
// use now: the saved settings, then the email steps of the session's
// migration journeys, which the browser may have edited since.
func (s *journeysScreen) loadSaved(force bool) tea.Cmd {
	env, ctx := s.pc.env, s.pc.base
	if env == nil {
		return nil
	}
	var ids []string
	if r := s.pc.sess.journeys; r != nil {
		for _, j := range r.Journeys {
			ids = append(ids, j.ID)
		}
	}
	return func() tea.Msg {
		msg := savedSetupMsg{force: force}
		for i, k := range journeyFieldSettings {
			if v, ok, err := env.Setting(ctx, k); err == nil && ok {
				msg.values[i] = v
			}
		}
		var fromNodes [numJourneyFields]string
		for _, id := range ids {
			j, err := env.GetJourney(ctx, id)
			if err != nil {
				continue
			}
			for _, n := range j.Nodes {
				if n.Action != ascendkit.ActionSendEmail {
					continue
				}
				for i, name := range journeyVariables {
					v := n.Variables[name]
					if name == "" {
						v = n.From
					}
					if fromNodes[i] == "" {
						fromNodes[i] = strings.TrimSpace(v)
					}
				}
			}
		}
		for i, v := range fromNodes {
			if v != "" {
				msg.values[i] = v
			}
		}
		return msg
	}
}

// prefilled reports a field showing its saved value.
func (s *journeysScreen) prefilled(i int) bool {
	return s.saved[i] != "" && strings.TrimSpace(s.inputs[i].Value()) == s.saved[i]
}

// resume reloads the setup: coming back from the browser, the journeys
// may hold values edited there.
func (s *journeysScreen) resume() tea.Cmd {
	if s.result == nil {
		return tea.Batch(s.inputs[s.focus].Focus(), s.loadSaved(true))
	}
	return s.loadSaved(true)
}

func (s *journeysScreen) InputFocused() bool { return s.result == nil && !s.busy }

func (s *journeysScreen) SetSize(w, _ int) {
	s.width = w
	for i := range s.inputs {
		s.inputs[i].SetWidth(max(min(w-20, 60), 20))
	}
}

func (s *journeysScreen) setFocus(i int) tea.Cmd {
	s.inputs[s.focus].Blur()
	s.focus = (i + numJourneyFields) % numJourneyFields
	return s.inputs[s.focus].Focus()
}

// requiredChecks are the fields every migration email needs, with the
// checks the CLI uses (importer.ValidateJourneySetup): an email without
// a sender cannot go out, one without its URLs links nowhere, and every
// template names the app ({{appName}}), so activation would refuse it.
var requiredChecks = map[int]func(string) error{
	fieldSender:   importer.ValidateSender,
	fieldAppName:  requireAppName,
	fieldLoginURL: importer.ValidateURL,
	fieldResetURL: importer.ValidateURL,
}

func requireAppName(v string) error {
	if v == "" {
		return errors.New("an app name is required: every migration email names it, e.g. Your App")
	}
	return nil
}

// validate checks every field; it returns false when one is wrong.
func (s *journeysScreen) validate() bool {
	s.errs = [numJourneyFields]string{}
	ok := true
	for f, check := range requiredChecks {
		if err := check(strings.TrimSpace(s.inputs[f].Value())); err != nil {
			s.errs[f] = termtext.Clean(err.Error())
			ok = false
		}
	}
	if !ok {
		return false
	}
	// The one gate shared with `migration-journey create`.
	v := func(f int) string { return strings.TrimSpace(s.inputs[f].Value()) }
	if err := importer.ValidateJourneySetup(v(fieldSender), v(fieldLoginURL), v(fieldResetURL), true); err != nil {
		s.err = termtext.Clean(err.Error())
		return false
	}
	return true
}

func (s *journeysScreen) submit() tea.Cmd {
	if !s.validate() {
		for i, e := range s.errs {
			if e != "" {
				return s.setFocus(i)
			}
		}
		return nil
	}
	setup := importer.JourneySetup{
		FromIdentity: strings.TrimSpace(s.inputs[fieldSender].Value()),
		AppName:      strings.TrimSpace(s.inputs[fieldAppName].Value()),
		LoginURL:     strings.TrimSpace(s.inputs[fieldLoginURL].Value()),
		ResetURL:     strings.TrimSpace(s.inputs[fieldResetURL].Value()),
	}
	s.busy = true
	s.err = ""
	s.inputs[s.focus].Blur()
	pc := s.pc
	return tea.Batch(s.spinner.Tick, func() tea.Msg {
		res, err := pc.createJourneys(pc.base, pc.env, setup)
		return journeysCreatedMsg{res: res, err: err}
	})
}

func (s *journeysScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case savedSetupMsg:
		for i, v := range msg.values {
			v = strings.TrimSpace(v)
			s.saved[i] = v
			if v != "" && (msg.force || !s.edited[i] && s.inputs[i].Value() == "") {
				s.inputs[i].SetValue(v)
				s.inputs[i].CursorEnd()
				s.edited[i] = false
			}
		}
		return nil
	case spinner.TickMsg:
		if !s.busy {
			return nil
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd
	case journeysCreatedMsg:
		s.busy = false
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return s.inputs[s.focus].Focus()
		}
		r := msg.res
		s.result = &r
		s.pc.post(journeysCreated{r})
		return nil
	case tea.KeyPressMsg:
		if s.busy {
			return nil
		}
		if s.result != nil {
			switch {
			case key.Matches(msg, s.keys.Continue):
				return nav(stateBrowser)
			case key.Matches(msg, s.keys.Back):
				s.result = nil
				return s.inputs[s.focus].Focus()
			}
			return nil
		}
		switch {
		case key.Matches(msg, s.keys.Submit):
			return s.submit()
		case msg.String() == "enter":
			if s.focus == numJourneyFields-1 {
				return s.submit()
			}
			return s.setFocus(s.focus + 1)
		case key.Matches(msg, s.keys.Next):
			return s.setFocus(s.focus + 1)
		case key.Matches(msg, s.keys.Prev):
			return s.setFocus(s.focus - 1)
		case key.Matches(msg, s.keys.Back):
			return back
		}
	}
	if s.result == nil && !s.busy {
		var cmd tea.Cmd
		before := s.inputs[s.focus].Value()
		s.inputs[s.focus], cmd = s.inputs[s.focus].Update(msg)
		if s.inputs[s.focus].Value() != before {
			s.errs[s.focus] = ""
			s.edited[s.focus] = true
		}
		return cmd
	}
	return nil
}

func (s *journeysScreen) View() string {
	st := s.pc.styles
	var b strings.Builder
	if s.result != nil {
		return s.resultView()
	}
	b.WriteString(st.Heading.Render("Migration emails and journeys") + "\n")
	b.WriteString(st.Dim.Render("Creates 5 email templates and 2 draft journeys:") + "\n")
	b.WriteString(st.Dim.Render("announcement (Day 0 → 3 → 7) and password reset (Day 1 → 4).") + "\n\n")
	for i := range s.inputs {
		b.WriteString(fieldRow(st, journeyFieldLabels[i], 13, i == s.focus, s.inputs[i].View()) + "\n")
		if s.errs[i] != "" {
			b.WriteString(indentLines(errorText(st, s.errs[i], s.width-4), "    ") + "\n")
		}
	}
	anySaved, anyEmpty := false, false
	for i := range s.inputs {
		anySaved = anySaved || s.prefilled(i)
		anyEmpty = anyEmpty || strings.TrimSpace(s.inputs[i].Value()) == ""
	}
	b.WriteString("\n")
	if anySaved {
		b.WriteString(st.OK.Render("✓") + st.Dim.Render(" Filled in with the saved setup: what the journeys use now.") + "\n")
	}
	if anyEmpty {
		b.WriteString(st.Dim.Render("Fields showing e.g. … are not set yet.") + "\n")
	}
	b.WriteString(st.Dim.Render("All four are required: every email uses them (activation refuses") + "\n")
	b.WriteString(st.Dim.Render("an email with an unset {{appName}}, {{loginUrl}} or {{resetUrl}}).") + "\n")
	if s.busy {
		b.WriteString("\n" + s.spinner.View() + " Creating templates and journeys…\n")
	}
	if s.err != "" {
		b.WriteString("\n" + errorText(st, s.err, s.width) + "\n")
	}
	return b.String()
}

func (s *journeysScreen) resultView() string {
	st := s.pc.styles
	var b strings.Builder
	r := s.result
	b.WriteString(st.OK.Render("✓ Migration journeys ready") + st.Dim.Render(" (journeys stay in draft until you activate them)") + "\n\n")
	line := func(name, extra string, created bool) {
		mark := st.Dim.Render("= already existed")
		if created {
			mark = st.OK.Render("+ created")
		}
		b.WriteString("  " + padRight(mark, 17) + " " + termtext.Clean(name))
		if extra != "" {
			b.WriteString(st.Dim.Render(" " + termtext.Clean(extra)))
		}
		b.WriteString("\n")
	}
	b.WriteString(st.Heading.Render("Templates") + "\n")
	for _, t := range r.Templates {
		line(t.Slug, "", t.Created)
	}
	b.WriteString(st.Heading.Render("Journeys") + "\n")
	for _, j := range r.Journeys {
		line(j.Name, j.ID, j.Created)
	}
	b.WriteString("\n" + st.Dim.Render("Next: review the emails and activate the journeys (enter).") + "\n")
	return b.String()
}

func (s *journeysScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	switch {
	case s.busy:
		short = nil
	case s.result != nil:
		k.Back.SetHelp("esc", "edit again")
		short = []key.Binding{k.Continue, k.Back}
	default:
		// shift+tab in the full help only: the short line keeps room
		// for how to reach the help from a field.
		short = []key.Binding{k.Submit, k.Next, k.Back}
		return keyMap{short: short, full: [][]key.Binding{{k.Submit, k.Next, k.Prev, k.Back}}}
	}
	return keyMap{short: short, full: [][]key.Binding{short}}
}
