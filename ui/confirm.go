package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// phaseChoices are the phase sets the confirmation cycles through.
var phaseChoices = []importer.Phases{
	{Users: true, Settings: true},
	{Users: true},
	{Settings: true},
}

// runOptions are the options the import will run with, from the session.
func (pc *programContext) runOptions(mode importer.Mode) importer.Options {
	s := pc.sess
	var dec map[string]importer.Policy
	if len(s.decisions) > 0 {
		dec = maps.Clone(s.decisions)
	}
	od := s.onDuplicate
	if od == "" {
		od = importer.PolicySkip
	}
	providers := s.providers
	if !s.phases.Settings {
		// Not applied without the settings phase, so not recorded as the
		// run's choice either (the CLI refuses --providers with --users).
		providers = nil
	}
	return importer.Options{
		Mode:        mode,
		Phases:      s.phases,
		OnDuplicate: od,
		Decisions:   dec,
		Providers:   providers,
		// --include-banned: banned users are imported, ban kept.
		IncludeBanned: s.includeBanned,
		Now:           pc.now,
	}
}

// sameDuplicateChoices reports whether a preview ran with the same
// duplicate choices as opts. Providers are left out: they change the
// settings only, which withProviders recomputes without a new read.
func sameDuplicateChoices(a, b importer.Options) bool {
	pa, pb := a.OnDuplicate, b.OnDuplicate
	if pa == "" {
		pa = importer.PolicySkip
	}
	if pb == "" {
		pb = importer.PolicySkip
	}
	return pa == pb && maps.Equal(a.Decisions, b.Decisions) && a.IncludeBanned == b.IncludeBanned
}

// confirmScreen shows what the import will do and asks for a go.
type confirmScreen struct {
	pc   *programContext
	keys confirmKeys

	run      *importRun
	fetched  int
	total    int
	report   *importer.Report
	err      string
	phase    int
	input    textinput.Model
	bar      progress.Model
	width    int
	height   int
	mismatch string
	wait     waitBanner // a pause of the Clerk client
	begun    time.Time  // when the preview started
	spinner  spinner.Model
	// recounting is the id of the recount under way (0 for none): the
	// report is recounted from the first read's classification.
	recounting int

	// warnings lists every warning of the report, scrollable (w opens
	// it): the summary only has room for the first.
	warnings     viewport.Model
	showWarnings bool

	// started is set by the key that starts the import: keys typed
	// before the wizard moves on (a second y) start nothing more, so one
	// confirmation is one run.
	started bool
}

func newConfirmScreen(pc *programContext) *confirmScreen {
	s := &confirmScreen{pc: pc, keys: newConfirmKeys(), total: pc.sess.source.Total}
	for i, p := range phaseChoices {
		if p == pc.sess.phases {
			s.phase = i
		}
	}
	s.input = textinput.New()
	s.input.Prompt = "Type import to confirm › "
	s.input.CharLimit = 20
	s.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'), progress.WithColors(pc.styles.Barfill))
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.restyle()
	s.SetSize(pc.width, pc.bodyHeight())
	return s
}

func (s *confirmScreen) restyle() {
	s.input.SetStyles(s.pc.styles.Input)
	s.spinner.Style = s.pc.styles.Selected
}

// runWarnings are those of the import as the chosen phases run it; the
// enrollments into active journeys come first (emails go out).
func (s *confirmScreen) runWarnings() []string {
	var ws []string // a copy: the report's own stay as the core wrote them
	for _, w := range importer.WarningsFor(*s.report, phaseChoices[s.phase]) {
		ws = append(ws, wizardWarning(w))
	}
	if l := enrollLine(*s.report); l != "" && phaseChoices[s.phase].Users {
		ws = append([]string{l}, ws...)
	}
	return ws
}

func (s *confirmScreen) production() bool { return s.pc.sess.source.production() }

func (s *confirmScreen) Init() tea.Cmd {
	want := s.pc.runOptions(importer.ModePreview)
	want.Phases = importer.Phases{Users: true, Settings: true}
	s.begun = s.pc.now()
	// What the first read kept gives the report for any duplicate
	// choices, once the environment is known to be as that read found it
	// (another process may have imported since).
	if c := s.pc.sess.classified; c != nil {
		s.recounting = nextRunID()
		return tea.Batch(recount(s.pc.base, s.recounting, s.pc.env, c, s.pc.sess.harmlessRuns, want), s.spinner.Tick)
	}
	if s.pc.sess.preview != nil && !s.pc.sess.previewStale && sameDuplicateChoices(s.pc.sess.previewOpts, want) {
		r := *s.pc.sess.preview
		if !slices.Equal(want.Providers, s.pc.sess.previewOpts.Providers) || (want.Providers == nil) != (s.pc.sess.previewOpts.Providers == nil) {
			r = withProviders(r, s.pc.sess.analysis, want.Providers)
		}
		s.report = &r
		s.pc.post(finalPreview{r})
		return s.focus()
	}
	// The duplicate choices change what will be written: preview again
	// with exactly the options the import will use.
	return s.preview(want)
}

// preview reads the source again with the options the import will use.
func (s *confirmScreen) preview(want importer.Options) tea.Cmd {
	s.recounting = 0
	var cmd tea.Cmd
	s.run, cmd = startRun(s.pc.base, s.pc.opener(), s.pc.runner(), want)
	return tea.Batch(cmd, s.spinner.Tick, s.pc.runTick(s.run.id))
}

// apply takes one update of the confirmation's preview; at the end it
// keeps the report and returns the command that focuses the answer.
func (s *confirmScreen) apply(msg importUpdateMsg) tea.Cmd {
	if msg.Page != nil {
		s.fetched = msg.Page.Fetched
		if msg.Page.Total >= 0 {
			s.total = msg.Page.Total
		}
	}
	if !msg.Done {
		return nil
	}
	if msg.Err != nil {
		s.err = termtext.Clean(msg.Err.Error())
		return nil
	}
	r := msg.Report
	s.report = &r
	s.pc.post(finalPreview{r})
	return s.focus()
}

func (s *confirmScreen) focus() tea.Cmd {
	if s.production() && s.report != nil {
		return s.input.Focus()
	}
	return nil
}

func (s *confirmScreen) close() {
	if s.run != nil {
		s.run.abandon()
	}
}

func (s *confirmScreen) InputFocused() bool { return s.input.Focused() }

func (s *confirmScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.bar.SetWidth(min(max(w-30, 10), 50))
	s.input.SetWidth(12)
	if s.showWarnings {
		s.sizeWarnings()
	}
}

func (s *confirmScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case recountMsg:
		if msg.id != s.recounting || s.recounting == 0 {
			return nil
		}
		if msg.stale {
			s.pc.post(classifiedStale{msg.c})
			want := s.pc.runOptions(importer.ModePreview)
			want.Phases = importer.Phases{Users: true, Settings: true}
			return s.preview(want)
		}
		s.recounting = 0
		r := msg.report
		s.report = &r
		s.pc.post(finalPreview{r})
		return s.focus()
	case importUpdateMsg:
		var focus tea.Cmd
		cmd := s.run.follow(msg, &s.wait, s.pc.now(), func(msg importUpdateMsg) {
			focus = s.apply(msg)
		})
		return tea.Batch(cmd, focus)
	case waitTickMsg:
		return s.wait.tick(msg, s.pc.now())
	case runTickMsg:
		if s.run == nil || msg.RunID != s.run.id || s.report != nil || s.err != "" {
			return nil
		}
		return s.pc.runTick(s.run.id)
	case spinner.TickMsg:
		if s.report != nil || s.err != "" {
			return nil
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		if s.started {
			return nil
		}
		if s.showWarnings {
			if key.Matches(msg, s.keys.Back, s.keys.Warnings) {
				s.showWarnings = false
				return nil
			}
			var cmd tea.Cmd
			s.warnings, cmd = s.warnings.Update(msg)
			return cmd
		}
		// "import", the word typed on a production instance, has no w.
		if key.Matches(msg, s.keys.Warnings) && s.report != nil && len(s.runWarnings()) > 0 {
			s.openWarnings()
			return nil
		}
		if key.Matches(msg, s.keys.Canary) && s.report != nil && phaseChoices[s.phase].Users {
			return nav(stateCanary) // canary.go
		}
		if key.Matches(msg, s.keys.Back) {
			return back
		}
		if s.report == nil {
			if s.err != "" && key.Matches(msg, s.keys.Submit) {
				s.err = ""
				return s.Init()
			}
			return nil
		}
		if msg.String() == "tab" || (!s.input.Focused() && key.Matches(msg, s.keys.Phases)) {
			s.phase = (s.phase + 1) % len(phaseChoices)
			s.pc.post(phasesChosen{phaseChoices[s.phase]})
			return nil
		}
		if s.production() {
			if key.Matches(msg, s.keys.Submit) {
				if strings.TrimSpace(s.input.Value()) == "import" {
					return s.start()
				}
				s.mismatch = "Type the word import to start, or esc to go back."
				return nil
			}
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			s.mismatch = ""
			return cmd
		}
		switch {
		case key.Matches(msg, s.keys.Yes):
			return s.start()
		case key.Matches(msg, s.keys.No):
			return back
		}
	case tea.PasteMsg:
		if s.input.Focused() && !s.started {
			var cmd tea.Cmd
			s.input, cmd = s.input.Update(msg)
			return cmd
		}
	}
	return nil
}

func (s *confirmScreen) start() tea.Cmd {
	if s.started {
		return nil
	}
	s.started = true
	s.input.Blur()
	return navWith(stateProgress, phasesChosen{phaseChoices[s.phase]})
}

// openWarnings shows every warning, wrapped, in a scrollable list.
func (s *confirmScreen) openWarnings() {
	s.showWarnings = true
	s.warnings = viewport.New()
	s.warnings.SoftWrap = true
	s.sizeWarnings()
	s.warnings.SetContent(warningsView(s.pc.styles, s.runWarnings(), s.width, 1<<30, ""))
}

func (s *confirmScreen) sizeWarnings() {
	s.warnings.SetWidth(max(s.width, 20))
	s.warnings.SetHeight(max(s.height-2, 3))
}

func (s *confirmScreen) warningsList() string {
	st := s.pc.styles
	head := st.Heading.Render(fmt.Sprintf("Warnings (%d)", len(s.runWarnings())))
	if !s.warnings.AtTop() || !s.warnings.AtBottom() {
		head += st.Dim.Render(fmt.Sprintf("  %d%%", int(s.warnings.ScrollPercent()*100)))
	}
	return head + "\n\n" + s.warnings.View()
}

func (s *confirmScreen) View() string {
	st := s.pc.styles
	if s.showWarnings {
		return s.warningsList()
	}
	src := s.pc.sess.source
	target := "(none)"
	if s.pc.env != nil {
		target = termtext.Clean(s.pc.env.Describe())
	}
	fromTo := kv(st.Label, [][2]string{{"From", src.describe()}, {"To", target}})
	if s.report == nil {
		var b strings.Builder
		b.WriteString(fromTo + "\n\n")
		if s.err != "" {
			b.WriteString(errorText(st, s.err, s.width) + "\n" + st.Dim.Render("enter to try again, esc to go back") + "\n")
			return b.String()
		}
		count := fmtInt(s.fetched)
		if s.total > 0 {
			count += " / " + fmtInt(s.total)
		}
		if s.recounting != 0 {
			b.WriteString(s.spinner.View() + st.Dim.Render(" Counting with your duplicate choices…") + "\n")
			return b.String()
		}
		b.WriteString(s.spinner.View() + st.Dim.Render(" Previewing with your duplicate choices… "+fmtDuration(s.pc.now().Sub(s.begun))) + "\n")
		bar := s.bar.ViewAs(pct(s.fetched, s.total))
		if s.total <= 0 {
			bar = readBar(st, s.bar.Width(), s.pc.now().Sub(s.begun))
		}
		b.WriteString(bar + " " + count + "\n")
		if w := s.wait.view(st, s.pc.now(), "the preview", s.width); w != "" {
			b.WriteString(w + "\n")
		}
		return b.String()
	}
	// The question and its input are drawn first and always fit; the
	// summary gets the lines left, from its roomiest layout to its most
	// compact one, and the warnings whatever is left after it.
	warnings := s.runWarnings()
	layouts := []struct{ gaps, compact bool }{{true, false}, {true, true}, {false, true}}
	var top, tail []string
	for i, l := range layouts {
		tail = s.tailLines(l.gaps)
		top = s.summaryLines(fromTo, l.gaps, l.compact)
		need := len(top) + len(tail)
		if len(warnings) > 0 {
			need++ // at least the count of the warnings
		}
		if need <= s.height || i == len(layouts)-1 {
			break
		}
	}
	room := s.height - len(tail) - len(top)
	keep := 0
	if len(warnings) > 0 {
		// A line saying there are warnings (w lists them) stays too: at
		// 60x15 they vanished, a wrong instance's passwords file with them.
		keep = 1
	}
	if room < keep {
		top = top[:max(len(top)+room-keep, 0)] // the summary is cut, never the question
		room = keep
	}
	out := top
	if len(warnings) > 0 && room > 0 {
		out = append(out, strings.Split(warningsView(st, warnings, s.width, room, "w lists them all"), "\n")...)
	}
	out = append(out, tail...)
	return strings.Join(out, "\n") + "\n"
}

// summaryLines is what the import will do: source and target, users and
// auth settings side by side, then tags and events (wrapped, or on one
// line each when compact).
func (s *confirmScreen) summaryLines(fromTo string, gaps, compact bool) []string {
	st := s.pc.styles
	r := s.report
	ph := phaseChoices[s.phase]
	u := r.Users
	rows := [][2]string{
		{"to create", rightAlign(st.Number.Render(fmtInt(u.ToImport)), 7)},
		{"to merge", rightAlign(fmtInt(u.ToMerge), 7)},
		{"duplicates", rightAlign(fmtInt(u.Duplicates), 7)},
		{"skipped", rightAlign(fmtInt(u.Skipped), 7)},
		{"OAuth links", rightAlign(fmtInt(r.OAuthLinks), 7)},
	}
	rows = append(rows, warnRows(st, *r)...)
	users := st.Heading.Render("Users") + "\n" + kv(st.Label, rows)
	if !ph.Users {
		users = renderLines(st.Dim, ansiStrip(users)+"\n(not in this run)")
	}
	// The settings take the width the users leave (wrapped), so the two
	// stay side by side at 80 columns.
	lw := lipgloss.Width(users)
	sw := s.width - lw - 3
	stacked := sw < 28
	if stacked {
		sw = s.width
	}
	settings := []string{st.Heading.Render("Auth settings")}
	settings = append(settings, labeled(st.Label, "now   ", orNone(r.Settings.Before), st.Value, sw)...)
	settings = append(settings, labeled(st.Label, "after ", orNone(r.Settings.After), st.OK, sw)...)
	if len(r.Settings.Unsupported) > 0 {
		settings = append(settings, labeled(st.Warning, "unsupported ", countList(r.Settings.Unsupported), st.Warning, sw)...)
	}
	if n := r.Settings.SocialStranded(); n > 0 {
		settings = append(settings, st.Warning.Render(plural(n, "stranded user", "stranded users")))
	}
	if n := r.Settings.NoUsableOAuthUsers; n > 0 {
		settings = append(settings, st.Warning.Render(fmtInt(n)+" OAuth not carried over"))
	}
	if r.Settings.PasswordlessUsers > 0 {
		settings = append(settings, st.Warning.Render(fmtInt(r.Settings.PasswordlessUsers)+" need magic-link"))
	}
	if r.Settings.SignInUnknownUsers > 0 {
		settings = append(settings, st.Warning.Render(fmtInt(r.Settings.SignInUnknownUsers)+" sign-in not in this file"))
	}
	right := strings.Join(settings, "\n")
	if !ph.Settings {
		why := "(not in this run)"
		if s.pc.sess.providers != nil {
			why = "(not in this run: the providers\nchosen on Settings are not applied)"
		}
		right = renderLines(st.Dim, ansiStrip(right)+"\n"+why)
	}
	var blocks string
	if stacked {
		blocks = users + "\n\n" + right
	} else {
		blocks = lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(lw+3).Render(users), right)
	}
	var out []string
	out = append(out, strings.Split(fromTo, "\n")...)
	if gaps {
		out = append(out, "")
	}
	out = append(out, strings.Split(blocks, "\n")...)
	if ph.Users {
		if gaps {
			out = append(out, "")
		}
		out = append(out, countLines(st, "Tags   ", r.Tags, s.width, compact)...)
		out = append(out, countLines(st, "Events ", r.Events, s.width, compact)...)
	}
	return out
}

// tailLines are the phase choice and the question (with the typed word
// and its error on a production instance).
func (s *confirmScreen) tailLines(gap bool) []string {
	st := s.pc.styles
	var phases []string
	for i, p := range phaseChoices {
		label := phaseLabel(p)
		if i == s.phase {
			phases = append(phases, st.Selected.Render("(•) "+label))
		} else {
			phases = append(phases, st.Dim.Render("( ) "+label))
		}
	}
	line := st.Label.Render("Phases ") + strings.Join(phases, "  ")
	if lipgloss.Width(line) > s.width {
		line = st.Label.Render("Phases ") + st.Selected.Render("(•) "+phaseLabel(phaseChoices[s.phase])) + st.Dim.Render("  p/tab to change")
	}
	out := []string{line}
	if gap {
		out = append(out, "")
	}
	if !s.production() {
		return append(out, st.Heading.Render("Start the import? ")+st.Selected.Render("y")+st.Dim.Render(" / ")+"n")
	}
	badge := st.ProdBadge.Render("PRODUCTION INSTANCE")
	warn := "this writes your live users into the environment"
	if lipgloss.Width(badge)+1+lipgloss.Width(warn) <= s.width {
		out = append(out, badge+" "+st.Warning.Render(warn))
	} else {
		out = append(out, badge)
		out = append(out, strings.Split(noticeText(st.Warning, warn, s.width), "\n")...)
	}
	out = append(out, s.input.View())
	if s.mismatch != "" {
		out = append(out, strings.Split(renderLines(st.Error, wrapText(s.mismatch, s.width)), "\n")...)
	}
	return out
}

// labeled renders label then text wrapped to width, the lines after the
// first indented under the text.
func labeled(labelSt lipgloss.Style, label, text string, textSt lipgloss.Style, width int) []string {
	lw := lipgloss.Width(label)
	lines := strings.Split(wrapText(text, width-lw), "\n")
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = labelSt.Render(label) + textSt.Render(l)
		} else {
			out[i] = strings.Repeat(" ", lw) + textSt.Render(l)
		}
	}
	return out
}

// countLines renders a count map after label: on one line when it fits;
// otherwise wrapped between items, or, when compact, on one line with the
// prefix the names share taken out ("Tags (import:…) clerk 2,894 · …").
func countLines(st Styles, label string, m map[string]int, width int, compact bool) []string {
	m = nonZero(m)
	keys := slices.Sorted(maps.Keys(m))
	if len(keys) == 0 {
		return []string{st.Label.Render(label) + st.Dim.Render("none")}
	}
	item := func(k, trim string) string { return termtext.Clean(strings.TrimPrefix(k, trim)) + " " + fmtInt(m[k]) }
	items := make([]string, len(keys))
	for i, k := range keys {
		items[i] = item(k, "")
	}
	const sep = " · "
	lw := lipgloss.Width(label)
	if one := label + strings.Join(items, sep); lipgloss.Width(one) <= width {
		return []string{st.Label.Render(label) + strings.Join(items, sep)}
	}
	if compact {
		prefix := sharedPrefix(keys)
		shown := label
		if prefix != "" {
			shown = strings.TrimRight(label, " ") + " (" + termtext.Clean(prefix) + "…) "
			for i, k := range keys {
				items[i] = item(k, prefix)
			}
		}
		line := st.Label.Render(shown) + strings.Join(items, sep)
		return []string{ansiTruncate(line, width)}
	}
	var out []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case lw+lipgloss.Width(cur+sep+it) <= width:
			cur += sep + it
		default:
			out = append(out, cur)
			cur = it
		}
	}
	out = append(out, cur)
	for i := range out {
		if i == 0 {
			out[i] = st.Label.Render(label) + out[i]
		} else {
			out[i] = strings.Repeat(" ", lw) + out[i]
		}
		out[i] = ansiTruncate(out[i], width)
	}
	return out
}

// sharedPrefix is the prefix up to a ':' or '.' that every key has
// ("import:" for the import's tags), "" when there is none.
func sharedPrefix(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	i := strings.LastIndexAny(keys[0], ":.")
	if i < 0 {
		return ""
	}
	p := keys[0][:i+1]
	for _, k := range keys[1:] {
		for !strings.HasPrefix(k, p) {
			j := strings.LastIndexAny(p[:len(p)-1], ":.")
			if j < 0 {
				return ""
			}
			p = p[:j+1]
		}
	}
	return p
}

func phaseLabel(p importer.Phases) string {
	switch {
	case p.Users && p.Settings:
		return "users + settings"
	case p.Users:
		return "users only"
	default:
		return "settings only"
	}
}

func (s *confirmScreen) Keys() keyMap {
	k := s.keys
	var short []key.Binding
	if s.showWarnings {
		k.Warnings.SetHelp("esc/w", "close")
		short = []key.Binding{k.Scroll, k.Warnings}
		return keyMap{short: short, full: [][]key.Binding{short}}
	}
	k.Warnings.SetEnabled(s.report != nil && len(s.runWarnings()) > 0)
	switch {
	case s.report == nil:
		if s.err != "" {
			k.Submit.SetHelp("enter", "retry")
			short = []key.Binding{k.Submit, k.Back}
		} else {
			short = []key.Binding{k.Back}
		}
	case s.production():
		k.Phases.SetHelp("tab", "change phases")
		short = []key.Binding{k.Submit, k.Phases, k.Back}
	default:
		short = []key.Binding{k.Yes, k.No, k.Phases, k.Back}
	}
	if s.report != nil && phaseChoices[s.phase].Users {
		short = slices.Concat(short[:len(short)-1], []key.Binding{k.Canary, k.Back})
	}
	// w in the full help only: the warnings line itself says
	// "w lists them all". A copy: appending to short in place would
	// share its backing array with the full help, and the global keys
	// appended to short later would overwrite w.
	return keyMap{short: short, full: [][]key.Binding{slices.Concat(short, []key.Binding{k.Warnings})}}
}
