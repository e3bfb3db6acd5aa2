package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

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
// The four values are a huh form with the checks the CLI uses.
type journeysScreen struct {
	pc   *programContext
	keys journeysKeys

	form    *syncForm
	vals    [numJourneyFields]string // the form's values
	saved   [numJourneyFields]string // values of an earlier setup ("" = none)
	edited  [numJourneyFields]bool   // typed into before the saved values came
	errs    [numJourneyFields]string // what ctrl+s found wrong, per field
	spinner spinner.Model
	busy    bool
	err     string
	result  *importer.JourneysResult
	width   int
}

// Examples, not values: "e.g." and a faint italic tell them apart.
var journeyPlaceholders = [numJourneyFields]string{"e.g. migrations@yourapp.com", "e.g. Your App", "e.g. https://yourapp.com/login", "e.g. https://yourapp.com/reset-password"}

func newJourneysScreen(pc *programContext) *journeysScreen {
	s := &journeysScreen{pc: pc, keys: newJourneysKeys()}
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.width = pc.width
	s.form = s.newForm()
	s.restyle()
	return s
}

// newForm builds the form over s.vals, with the CLI's checks.
func (s *journeysScreen) newForm() *syncForm {
	vals := make([]*string, numJourneyFields)
	checks := make([]func(string) error, numJourneyFields)
	for i := range vals {
		vals[i] = &s.vals[i]
		checks[i] = requiredChecks[i]
	}
	return newSyncForm(s.pc.styles, 14, s.width, journeyFieldLabels[:], journeyPlaceholders[:], vals, checks)
}

func (s *journeysScreen) restyle() {
	s.form.restyle(s.pc.styles, 14)
	s.spinner.Style = s.pc.styles.Selected
}

func (s *journeysScreen) Init() tea.Cmd {
	return tea.Batch(s.form.Init(), s.loadSaved(false))
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
	return s.saved[i] != "" && strings.TrimSpace(s.vals[i]) == s.saved[i]
}

// resume reloads the setup: coming back from the browser, the journeys
// may hold values edited there.
func (s *journeysScreen) resume() tea.Cmd { return s.loadSaved(true) }

func (s *journeysScreen) InputFocused() bool { return s.result == nil && !s.busy }

func (s *journeysScreen) SetSize(w, _ int) {
	s.width = w
	s.form.setWidth(w)
}

// edit starts the form again (after a failed creation, or to edit the
// values once more), keeping the values.
func (s *journeysScreen) edit() tea.Cmd {
	s.form = s.newForm()
	return s.form.Init()
}

// requiredChecks are the fields every migration email needs, with the
// checks the CLI uses (importer.ValidateJourneySetup): an email without
// a sender cannot go out, one without its URLs links nowhere, and every
// template names the app ({{appName}}), so activation would refuse it.
var requiredChecks = map[int]func(string) error{
	fieldSender:   importer.ValidateSender,
	fieldAppName:  importer.ValidateAppName,
	fieldLoginURL: importer.ValidateURL,
	fieldResetURL: importer.ValidateResetURL,
}

// validate checks every field; it returns false when one is wrong.
func (s *journeysScreen) validate() bool {
	s.errs = [numJourneyFields]string{}
	ok := true
	for f, check := range requiredChecks {
		if err := visibleOnly(check)(strings.TrimSpace(s.vals[f])); err != nil {
			s.errs[f] = termtext.Clean(err.Error())
			ok = false
		}
	}
	if !ok {
		return false
	}
	// The one gate shared with `migration-journey create`.
	v := func(f int) string { return strings.TrimSpace(s.vals[f]) }
	if err := importer.ValidateJourneySetup(v(fieldSender), v(fieldLoginURL), v(fieldResetURL), true); err != nil {
		s.err = termtext.Clean(err.Error())
		return false
	}
	return true
}

func (s *journeysScreen) submit() tea.Cmd {
	if !s.validate() {
		return nil
	}
	setup := importer.JourneySetup{
		FromIdentity: strings.TrimSpace(s.vals[fieldSender]),
		AppName:      strings.TrimSpace(s.vals[fieldAppName]),
		LoginURL:     strings.TrimSpace(s.vals[fieldLoginURL]),
		ResetURL:     strings.TrimSpace(s.vals[fieldResetURL]),
	}
	s.busy = true
	s.err = ""
	pc := s.pc
	return tea.Batch(s.spinner.Tick, func() tea.Msg {
		res, err := pc.createJourneys(pc.base, pc.env, setup)
		return journeysCreatedMsg{res: res, err: err}
	})
}

func (s *journeysScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case savedSetupMsg:
		changed := false
		for i, v := range msg.values {
			v = strings.TrimSpace(v)
			s.saved[i] = v
			if v != "" && (msg.force || !s.edited[i] && s.vals[i] == "") {
				changed = changed || s.vals[i] != v
				s.vals[i] = v
				s.edited[i] = false
			}
		}
		if changed && s.result == nil && !s.busy {
			return s.edit() // the form shows the values it was built with
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
			return s.edit()
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
				return s.edit()
			}
			return nil
		}
		switch {
		case key.Matches(msg, s.keys.Submit):
			return s.submit()
		case key.Matches(msg, s.keys.Back):
			return back
		}
	}
	if s.result != nil || s.busy {
		return nil
	}
	before := s.vals
	cmd, submit := s.form.Update(msg)
	for i := range s.vals {
		if s.vals[i] != before[i] {
			s.edited[i] = true
			s.errs[i] = ""
		}
	}
	if submit { // enter on the last field
		return tea.Batch(cmd, s.submit())
	}
	return cmd
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
	b.WriteString(s.form.View() + "\n")
	for i, e := range s.errs {
		if e != "" {
			b.WriteString(errorText(st, journeyFieldLabels[i]+": "+e, s.width) + "\n")
		}
	}
	anySaved, anyEmpty := false, false
	for i := range s.vals {
		anySaved = anySaved || s.prefilled(i)
		anyEmpty = anyEmpty || strings.TrimSpace(s.vals[i]) == ""
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
