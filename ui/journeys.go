package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// journeysConfirmMsg says the setup would change sending journeys
// (importer.SetupChangesSending): the screen asks before it saves.
type journeysConfirmMsg struct {
	setup   importer.JourneySetup
	sending []string
}

// journeysCreatedMsg is the outcome of CreateMigrationJourneys.
type journeysCreatedMsg struct {
	res importer.JourneysResult
	// changed names, by journey id, what the submit changed on a journey
	// that existed (its email steps' sender or variables).
	changed map[string][]string
	err     error
}

// savedSetupMsg carries the migration setup in use: the saved settings,
// overlaid by what the migration journeys' email steps hold now (the
// browser edits those).
type savedSetupMsg struct {
	values [numJourneyFields]string
	// force replaces what the form shows (coming back from the browser,
	// where the values may have been edited).
	force bool
	// existing is what the environment holds of the migration setup, so
	// the form says what ctrl+s will do.
	existing migrationState
}

// migrationTemplateSlugs are the migration emails, and migrationJourneys
// the journeys, CreateMigrationJourneys makes.
var (
	migrationTemplateSlugs = []string{importer.SlugAnnouncement, importer.SlugGoLive, importer.SlugReminder,
		importer.SlugPasswordReset, importer.SlugPasswordResetReminder}
	migrationJourneys = []string{importer.JourneyAnnouncement, importer.JourneyPasswordReset}
)

// migrationState is the migration setup found in the environment.
type migrationState struct {
	known     bool               // read (an environment answered)
	templates int                // migration templates that exist
	journeys  []importer.Created // migration journeys that exist (Name, Status)
}

// formIntro is the form's first line: what ctrl+s creates, from what is
// there already (a second run finds the journeys, perhaps active).
func (m migrationState) formIntro() string {
	nt, nj := len(migrationTemplateSlugs), len(migrationJourneys)
	if !m.known || m.templates == 0 && len(m.journeys) == 0 {
		return fmt.Sprintf("Creates %d email templates and %d draft journeys:", nt, nj)
	}
	var tpl string
	switch missing := nt - m.templates; {
	case missing == 0:
		tpl = fmt.Sprintf("The %d email templates exist", nt)
	default:
		tpl = fmt.Sprintf("Creates %s (%d exist)", plural(missing, "email template", "email templates"), m.templates)
	}
	var jrn string
	switch missing := nj - len(m.journeys); {
	case missing == 0:
		jrn = fmt.Sprintf("the %d journeys exist (%s) and take this setup", nj, journeyStates(m.journeys))
	default:
		jrn = fmt.Sprintf("%s created in draft; %s (%s) takes this setup", plural(missing, "journey is", "journeys are"),
			plural(len(m.journeys), "existing journey", "existing journeys"), journeyStates(m.journeys))
	}
	return tpl + "; " + jrn + ":"
}

// journeyStates says the journeys' status: "both in draft", or each
// one's: "announcement active, password reset in draft".
func journeyStates(js []importer.Created) string {
	word := func(status string) string {
		if status == "" || status == ascendkit.StatusDraft {
			return "in draft"
		}
		return termtext.Clean(status)
	}
	same := true
	for _, j := range js {
		same = same && word(j.Status) == word(js[0].Status)
	}
	if same && len(js) == 2 {
		return "both " + word(js[0].Status)
	}
	parts := make([]string, len(js))
	for i, j := range js {
		parts[i] = termtext.Clean(strings.TrimPrefix(j.Name, "Migration ")) + " " + word(j.Status)
	}
	return strings.Join(parts, ", ")
}

// statusNow is js with each journey's status as the environment last
// said (savedSetupMsg, read again on coming back from the browser, where
// it may have been activated), in a copy.
func (s *journeysScreen) statusNow(js []importer.Created) []importer.Created {
	out := slices.Clone(js)
	for i := range out {
		for _, e := range s.existing.journeys {
			if e.ID == out[i].ID && e.Status != "" {
				out[i].Status = e.Status
			}
		}
	}
	return out
}

// draftNote is the result's note on the journeys' status: all in draft,
// or which are active (their emails go out) and which wait.
func draftNote(js []importer.Created) string {
	var active, paused, draft []string
	for _, j := range js {
		name := termtext.Clean(j.Name)
		switch j.Status {
		case ascendkit.StatusActive:
			active = append(active, name)
		case ascendkit.StatusPaused:
			paused = append(paused, name)
		default:
			draft = append(draft, name)
		}
	}
	if len(active)+len(paused) == 0 {
		return "(journeys stay in draft until you activate them)"
	}
	var parts []string
	if len(active) > 0 {
		parts = append(parts, strings.Join(active, " and ")+" already active (emails go out)")
	}
	if len(paused) > 0 {
		parts = append(parts, strings.Join(paused, " and ")+map[bool]string{true: " is", false: " are"}[len(paused) == 1]+" paused")
	}
	switch len(draft) {
	case 0:
	case 1:
		parts = append(parts, draft[0]+" stays in draft until you activate it")
	default:
		parts = append(parts, strings.Join(draft, " and ")+" stay in draft until you activate them")
	}
	return "(" + strings.Join(parts, "; ") + ")"
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
	// confirm is a setup that would change sending journeys, waiting
	// for y (see journeysConfirmMsg).
	confirm *journeysConfirmMsg
	err     string
	result  *importer.JourneysResult
	changed map[string][]string // journeysCreatedMsg.changed of the result
	// existing is the migration setup in the environment (the form's
	// introduction says what ctrl+s does with it).
	existing migrationState
	width    int
	height   int
}

// Examples, not values: "e.g." and a faint italic tell them apart.
var journeyPlaceholders = [numJourneyFields]string{"e.g. migrations@yourapp.com", "e.g. Your App", "e.g. https://yourapp.com/login", "e.g. https://yourapp.com/reset-password"}

func newJourneysScreen(pc *programContext) *journeysScreen {
	s := &journeysScreen{pc: pc, keys: newJourneysKeys()}
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.width, s.height = pc.width, pc.bodyHeight()
	if d := pc.sess.journeyDraft; d != nil {
		// Typed before the step was left: kept over the saved values.
		s.vals = *d
		for i, v := range d {
			s.edited[i] = v != ""
		}
	}
	s.form = s.newForm()
	s.restyle()
	return s
}

// draft is what was typed and not saved, for the session to keep when
// the step is left; nil once the setup was saved or nothing was typed.
func (s *journeysScreen) draft() *[numJourneyFields]string {
	if s.result != nil || s.edited == [numJourneyFields]bool{} {
		return nil
	}
	d := s.vals
	return &d
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
		msg.existing.known = true
		for _, slug := range migrationTemplateSlugs {
			if _, err := env.GetTemplate(ctx, slug); err == nil {
				msg.existing.templates++
			} else if !errors.Is(err, ascendkit.ErrNotFound) {
				msg.existing.known = false
			}
		}
		for _, name := range migrationJourneys {
			j, err := env.GetJourney(ctx, name)
			switch {
			case err == nil:
				msg.existing.journeys = append(msg.existing.journeys, importer.Created{ID: j.ID, Name: j.Name, Status: j.Status})
			case !errors.Is(err, ascendkit.ErrNotFound):
				msg.existing.known = false
			}
		}
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

func (s *journeysScreen) InputFocused() bool {
	return s.result == nil && !s.busy && s.confirm == nil
}

func (s *journeysScreen) SetSize(w, h int) {
	s.width, s.height = w, h
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
	return tea.Batch(s.spinner.Tick, s.save(setup, true))
}

// save creates the journeys with setup, or updates them. With ask, a
// setup that would change sending journeys is not saved: the screen is
// sent journeysConfirmMsg, and saves on y.
func (s *journeysScreen) save(setup importer.JourneySetup, ask bool) tea.Cmd {
	pc := s.pc
	return func() tea.Msg {
		ctx, env := pc.base, pc.env
		if ask && env != nil {
			sending, err := importer.SetupChangesSending(ctx, env, setup)
			if err != nil {
				return journeysCreatedMsg{err: err}
			}
			if len(sending) > 0 {
				return journeysConfirmMsg{setup: setup, sending: sending}
			}
		}
		// The journeys as they are, to say what an update changed (the
		// result only says that one was).
		before := map[string]ascendkit.Journey{}
		for _, name := range []string{importer.JourneyAnnouncement, importer.JourneyPasswordReset} {
			if env == nil {
				break // a test's stand-in for the core
			}
			if j, err := env.GetJourney(ctx, name); err == nil {
				before[j.ID] = j
			}
		}
		res, err := pc.createJourneys(ctx, env, setup)
		if err != nil {
			return journeysCreatedMsg{res: res, err: err}
		}
		changed := map[string][]string{}
		for _, c := range res.Journeys {
			b, ok := before[c.ID]
			if !c.Updated || !ok {
				continue
			}
			if after, err := env.GetJourney(ctx, c.ID); err == nil {
				changed[c.ID] = setupChanges(b, after)
			}
		}
		return journeysCreatedMsg{res: res, changed: changed}
	}
}

// setupChanges names what differs between two versions of a journey's
// email steps, by the form's labels: the sender and the setup variables.
func setupChanges(before, after ascendkit.Journey) []string {
	differs := [numJourneyFields]bool{}
	old := map[string]ascendkit.Node{}
	for _, n := range before.Nodes {
		old[n.ID] = n
	}
	for _, n := range after.Nodes {
		if n.Action != ascendkit.ActionSendEmail {
			continue
		}
		o := old[n.ID]
		differs[fieldSender] = differs[fieldSender] || o.From != n.From
		for f, v := range map[int]string{fieldAppName: "appName", fieldLoginURL: "loginUrl", fieldResetURL: "resetUrl"} {
			differs[f] = differs[f] || o.Variables[v] != n.Variables[v]
		}
	}
	var out []string
	for f, d := range differs {
		if d {
			out = append(out, setupFieldNames[f])
		}
	}
	return out
}

// setupFieldNames name the form's fields in an update's result: the
// sender, and each variable as the templates spell it.
var setupFieldNames = [numJourneyFields]string{fieldSender: "sender", fieldAppName: "appName", fieldLoginURL: "loginUrl", fieldResetURL: "resetUrl"}

func (s *journeysScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case savedSetupMsg:
		s.existing = msg.existing
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
	case journeysConfirmMsg:
		s.busy = false
		s.confirm = &msg
		return nil
	case journeysCreatedMsg:
		s.busy = false
		if msg.err != nil {
			s.err = termtext.Clean(msg.err.Error())
			return s.edit()
		}
		r := msg.res
		s.result, s.changed = &r, msg.changed
		// Editing again (esc) finds them all there now.
		s.existing = migrationState{known: true, templates: len(r.Templates), journeys: r.Journeys}
		s.pc.post(journeysCreated{r})
		return nil
	case tea.KeyPressMsg:
		if s.busy {
			return nil
		}
		if c := s.confirm; c != nil {
			switch {
			case key.Matches(msg, s.keys.Yes):
				s.confirm, s.busy = nil, true
				return tea.Batch(s.spinner.Tick, s.save(c.setup, false))
			case key.Matches(msg, s.keys.No):
				s.confirm = nil
				s.err = "Not saved: nothing was changed."
				return s.edit()
			}
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

// noteWidth is the most a note's line takes: wider, prose reads badly.
const noteWidth = 66

// note is dim prose wrapped to the screen (and to noteWidth).
func (s *journeysScreen) note(text string) string {
	return renderLines(s.pc.styles.Dim, wrapText(text, min(s.width, noteWidth)))
}

func (s *journeysScreen) View() string {
	st := s.pc.styles
	if s.result != nil {
		return s.resultView()
	}
	// What is dropped first on a short screen: blank lines, then the
	// introduction, then the notes; the form and what is wrong stay.
	parts := []viewPart{
		{text: st.Heading.Render("Migration emails and journeys")},
		{text: s.note(s.existing.formIntro()) + "\n" +
			s.note("announcement (Day 0 → 3 → 7) and password reset (Day 1 → 4)."), drop: 3},
		{text: "", drop: 4},
		{text: strings.TrimSuffix(s.form.View(), "\n")},
	}
	for i, e := range s.errs {
		if e != "" {
			parts = append(parts, viewPart{text: errorText(st, journeyFieldLabels[i]+": "+e, s.width)})
		}
	}
	anySaved, anyEmpty := false, false
	for i := range s.vals {
		anySaved = anySaved || s.prefilled(i)
		anyEmpty = anyEmpty || strings.TrimSpace(s.vals[i]) == ""
	}
	parts = append(parts, viewPart{text: "", drop: 4})
	if anySaved {
		// Wrapped with its mark, which alone is not dim.
		lines := strings.Split(wrapText("✓ Filled in with the saved setup (a journey edited in the browser since may differ; the browser shows its own).", min(s.width, noteWidth)), "\n")
		for i, l := range lines {
			lines[i] = st.Dim.Render(strings.TrimPrefix(l, "✓"))
		}
		lines[0] = st.OK.Render("✓") + lines[0]
		parts = append(parts, viewPart{text: strings.Join(lines, "\n"), drop: 1})
	}
	if anyEmpty {
		parts = append(parts, viewPart{text: s.note("Fields showing e.g. … are not set yet."), drop: 1})
	}
	parts = append(parts, viewPart{text: s.note("All four are required: every email uses them (activation refuses " +
		"an email with an unset {{appName}}, {{loginUrl}} or {{resetUrl}})."), drop: 2})
	if s.busy {
		parts = append(parts, viewPart{text: "", drop: 4}, viewPart{text: s.spinner.View() + " Creating templates and journeys…"})
	}
	if c := s.confirm; c != nil {
		names := make([]string, len(c.sending))
		for i, n := range c.sending {
			names[i] = termtext.Clean(n)
		}
		ask := "Sending now: " + strings.Join(names, ", ") + ". Saving changes their email steps (sender or values), and their next emails go out with the new ones. Save? y / n"
		parts = append(parts, viewPart{text: "", drop: 4}, viewPart{text: noticeText(st.Warning, ask, s.width)})
	}
	if s.err != "" {
		parts = append(parts, viewPart{text: "", drop: 4}, viewPart{text: errorText(st, s.err, s.width)})
	}
	return fitParts(parts, s.height)
}

// resultView lists what was created. The journeys' ids are what the
// person copies (for the CLI, the API): one is never cut; when a line
// has no room for it, it goes on its own line under the name.
func (s *journeysScreen) resultView() string {
	st := s.pc.styles
	r := s.result
	const markWidth = 17
	line := func(name, id string, c importer.Created) string {
		mark := st.Dim.Render("= already existed")
		switch {
		case c.Created:
			mark = st.OK.Render("+ created")
		case c.Updated:
			// The setup went into a journey that existed: what it
			// changed follows the name.
			mark = st.OK.Render("~ updated")
			if what := s.changed[c.ID]; len(what) > 0 {
				name += " (changed: " + strings.Join(what, ", ") + ")"
			}
		}
		indent := 2 + markWidth + 1
		if s.width-indent < len(id) {
			indent = 4 // narrow: the id takes the width under the name
		}
		pad := strings.Repeat(" ", indent)
		name, id = termtext.Clean(name), termtext.Clean(id)
		out := "  " + padRight(mark, markWidth) + " " + name
		if lipgloss.Width(out) > s.width {
			out = "  " + mark
			for _, l := range strings.Split(wrapText(name, s.width-indent), "\n") {
				out += "\n" + pad + l
			}
		}
		if id == "" {
			return out
		}
		if last := out[strings.LastIndexByte(out, '\n')+1:]; lipgloss.Width(last)+1+lipgloss.Width(id) <= s.width {
			return out + st.Dim.Render(" "+id)
		}
		return out + "\n" + pad + st.Dim.Render(id)
	}
	head := st.OK.Render("✓ Migration journeys ready")
	js := s.statusNow(r.Journeys)
	note := draftNote(js)
	draft := viewPart{text: st.Dim.Render(" " + note)}
	if lipgloss.Width(head+draft.text) > s.width {
		draft = viewPart{text: s.note(note), drop: 2}
	} else {
		head, draft.text = head+draft.text, ""
	}
	var templates []string
	created := 0
	for _, t := range r.Templates {
		templates = append(templates, line(t.Slug, "", importer.Created{Created: t.Created})) // a template is created or already there
		if t.Created {
			created++
		}
	}
	var journeys []string
	for _, j := range js {
		journeys = append(journeys, line(j.Name, j.ID, j))
	}
	// On a short screen the blank lines go first, then the templates are
	// summed up in one line, then the notes; the journeys (and their
	// ids) stay.
	parts := []viewPart{
		{text: head},
		draft,
		{text: "", drop: 3},
		{text: st.Heading.Render("Templates") + "\n" + strings.Join(templates, "\n")},
		{text: st.Heading.Render("Journeys") + "\n" + strings.Join(journeys, "\n")},
		{text: "", drop: 3},
		{text: s.note("Next: review the emails and activate the journeys (enter)."), drop: 2},
	}
	if draft.text == "" {
		parts = slices.Delete(parts, 1, 2)
	}
	if partsHeight(parts, 3) > s.height {
		at := slices.IndexFunc(parts, func(p viewPart) bool { return strings.HasPrefix(p.text, st.Heading.Render("Templates")) })
		parts[at] = viewPart{text: st.Heading.Render("Templates") +
			st.Dim.Render(fmt.Sprintf(" %d created, %d already existed", created, len(r.Templates)-created)), drop: 1}
	}
	return fitParts(parts, s.height)
}

// partsHeight is the lines of the parts kept down to drop level keep.
func partsHeight(parts []viewPart, keep int) int {
	n := 0
	for _, p := range parts {
		if p.drop < keep {
			n += strings.Count(p.text, "\n") + 1
		}
	}
	return n
}

func (s *journeysScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	switch {
	case s.busy:
		short = nil
	case s.confirm != nil:
		short = []key.Binding{k.Yes, k.No}
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
