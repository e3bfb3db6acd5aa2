package ui

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
)

// ssoProviders are the sign-in providers AscendKit can enable besides
// credentials (which stays as detected): the choices of --providers.
var ssoProviders = []string{"google", "github", "apple", "microsoft", "linkedin", "discord", "magic-link"}

// settingsScreen streams the settings preview (importer.Run in preview
// mode) and lets the person override the providers.
type settingsScreen struct {
	pc   *programContext
	keys settingsKeys

	run     *importRun
	opts    importer.Options // options of the current run
	total   int
	fetched int
	an      importer.Analysis
	counts  importer.UserCounts
	entries []importer.Entry
	bound   rowBound // which rows entries keeps (see reviewRowsCap)
	report  *importer.Report
	err     string
	wait    waitBanner // a pause of the Clerk client
	// from is the classification report counts (its read's, then a
	// recount's); recountID the recount under way (0 for none).
	from      *importer.Classified
	recountID int
	begun     time.Time // when the current read started
	spinner   spinner.Model

	// before is the environment's providers now (the importer merges into
	// them, it never removes one).
	before []string

	selected map[string]bool
	touched  bool // the person changed the selection
	cursor   int
	bar      progress.Model
	width    int
	height   int
}

func newSettingsScreen(pc *programContext) *settingsScreen {
	s := &settingsScreen{pc: pc, keys: newSettingsKeys(), selected: map[string]bool{}, total: pc.sess.source.Total}
	if pc.sess.providers != nil {
		s.touched = true
		for _, p := range pc.sess.providers {
			s.selected[p] = true
		}
	}
	s.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.restyle()
	return s
}

func (s *settingsScreen) restyle() {
	s.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'), progress.WithColors(s.pc.styles.Barfill))
	s.spinner.Style = s.pc.styles.Selected
	s.SetSize(s.pc.width, s.pc.bodyHeight())
}

// authSettingsMsg carries the environment's providers before the import.
type authSettingsMsg struct{ providers []string }

func (s *settingsScreen) Init() tea.Cmd { return tea.Batch(s.loadBefore(), s.start()) }

// loadBefore reads the environment's current providers, so the stranded
// users can be counted against the set after the merge while the
// preview streams (the report says the same once it is done).
func (s *settingsScreen) loadBefore() tea.Cmd {
	env, ctx := s.pc.env, s.pc.base
	if env == nil {
		return nil
	}
	return func() tea.Msg {
		a, err := env.AuthSettings(ctx)
		if err != nil {
			return nil // the report's Before fills it in
		}
		return authSettingsMsg{providers: a.Providers}
	}
}

// start runs the preview. It runs with the detected providers: an
// override changes the settings only, and they are recomputed from the
// analysis (see importer.SettingsFor) without reading the source again.
func (s *settingsScreen) start() tea.Cmd {
	s.close()
	s.opts = importer.Options{
		Mode:        importer.ModePreview,
		Phases:      importer.Phases{Users: true, Settings: true},
		OnDuplicate: importer.PolicySkip,
		Now:         s.pc.now,
	}
	s.fetched, s.an, s.counts, s.entries, s.report, s.err = 0, importer.Analysis{}, importer.UserCounts{}, nil, nil, ""
	s.bound = rowBound{}
	s.total = s.pc.sess.source.Total
	s.wait.clear()
	s.begun = s.pc.now()
	var cmd tea.Cmd
	s.run, cmd = startRun(s.pc.base, s.pc.opener(), s.pc.runner(), s.opts)
	return tea.Batch(cmd, s.spinner.Tick, s.pc.runTick(s.run.id))
}

// resume is the screen shown again (esc from the review): a canary or an
// import since may have written to the environment, so the counts are
// those of a recount from the session's classification, or of a new read
// when there is none to trust.
func (s *settingsScreen) resume() tea.Cmd {
	if s.report == nil || s.running() {
		return nil
	}
	c, written := s.pc.sess.classified, s.pc.sess.previewStale
	switch {
	case c == nil && (s.from != nil || written):
		return s.start() // what the counts came from is out of date
	case c == nil, c == s.from && !written:
		return nil // nothing was written since the counts
	}
	opts := s.opts
	opts.OnEvent = nil
	s.recountID = nextRunID()
	return recount(s.pc.base, s.recountID, s.pc.env, c, s.pc.sess.harmlessRuns, opts)
}

// applyRecount takes the recount's report: the counts the environment
// gives now. A stale one (the environment changed since the read) reads
// the source again.
func (s *settingsScreen) applyRecount(msg recountMsg) tea.Cmd {
	if msg.id != s.recountID {
		return nil
	}
	s.recountID = 0
	if msg.stale {
		return s.start()
	}
	r := msg.report
	s.report, s.counts, s.from = &r, r.Users, msg.c
	s.before = r.Settings.Before
	return nil
}

func (s *settingsScreen) close() {
	if s.run != nil {
		s.run.abandon()
	}
}

func (s *settingsScreen) running() bool { return s.run != nil && s.report == nil && s.err == "" }

// override is the provider selection (sorted): nil while the person has
// not touched it.
func (s *settingsScreen) override() []string {
	if !s.touched {
		return nil
	}
	out := []string{}
	for _, p := range ssoProviders {
		if s.selected[p] {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// runOverride is what the run gets as Options.Providers: nil when the
// selection is the detected set.
func (s *settingsScreen) runOverride() []string {
	o := s.override()
	if o == nil || slices.Equal(o, importer.DetectedSSO(s.an)) {
		return nil
	}
	return o
}

// settings is what the settings phase would do with the current selection.
func (s *settingsScreen) settings() importer.SettingsReport {
	if s.report != nil {
		return s.report.Settings.Recount(s.an, s.override())
	}
	return importer.SettingsFor(s.an, s.before, s.override())
}

// withProviders returns the report a preview with the given provider
// override would have given, from a preview run with another provider
// set and its final analysis: the override changes the settings and
// their warnings only (the importer appends those last).
func withProviders(rep importer.Report, a importer.Analysis, override []string) importer.Report {
	if !rep.Phases.Settings {
		return rep
	}
	warnings := slices.Clone(rep.Warnings)
	if n := len(importer.SettingsWarnings(rep.Settings)); n <= len(warnings) {
		warnings = warnings[:len(warnings)-n]
	}
	s := rep.Settings.Recount(a, override)
	s.Unsupported = rep.Settings.Unsupported
	rep.Settings = s
	rep.Warnings = append(warnings, importer.SettingsWarnings(s)...)
	return rep
}

func (s *settingsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.bar.SetWidth(min(max(w-34, 10), 50))
}

func (s *settingsScreen) InputFocused() bool { return false }

func (s *settingsScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case authSettingsMsg:
		s.before = msg.providers
		return nil
	case recountMsg:
		return s.applyRecount(msg)
	case importUpdateMsg:
		return s.run.follow(msg, &s.wait, s.pc.now(), s.apply)
	case waitTickMsg:
		return s.wait.tick(msg, s.pc.now())
	case runTickMsg:
		// Redraws the elapsed time while the read runs.
		if s.run == nil || msg.RunID != s.run.id || !s.running() {
			return nil
		}
		return s.pc.runTick(s.run.id)
	case spinner.TickMsg:
		if !s.running() {
			return nil
		}
		var cmd tea.Cmd
		s.spinner, cmd = s.spinner.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, s.keys.Up):
			s.cursor = max(s.cursor-1, 0)
		case key.Matches(msg, s.keys.Down):
			s.cursor = min(s.cursor+1, len(ssoProviders)-1)
		case key.Matches(msg, s.keys.Toggle):
			if _, at := s.layout(); at < 0 || s.height > 0 && at >= s.height {
				// Never change a provider the person cannot see (the
				// layout keeps the cursor's row on any usable screen).
				return nil
			}
			if !s.touched {
				s.touched = true
				for _, p := range importer.DetectedSSO(s.an) {
					s.selected[p] = true
				}
			}
			p := ssoProviders[s.cursor]
			s.selected[p] = !s.selected[p]
			if s.report != nil {
				s.pc.post(providersChosen{s.runOverride()})
			}
		case key.Matches(msg, s.keys.Retry):
			if s.err != "" {
				return s.start()
			}
		case key.Matches(msg, s.keys.Continue):
			switch {
			case s.err != "":
				return s.start()
			case s.running():
				return nil
			}
			return s.next()
		case key.Matches(msg, s.keys.Back):
			return back
		}
	}
	return nil
}

// apply folds a coalesced update into the screen.
func (s *settingsScreen) apply(msg importUpdateMsg) {
	if msg.Started != nil && msg.Started.Total >= 0 {
		s.total = msg.Started.Total
	}
	if msg.Page != nil {
		s.fetched = msg.Page.Fetched
		if msg.Page.Total >= 0 {
			s.total = msg.Page.Total
		}
		// The last page's snapshot is the final analysis: the settings
		// for any provider selection are computed from it.
		s.an = msg.Page.Analysis
		s.counts = msg.Page.Counts
	}
	s.entries = s.bound.add(s.entries, msg.Entries)
	if msg.Finished != nil {
		r := msg.Finished.Report
		s.report = &r
	}
	if msg.Done {
		if msg.Err != nil {
			s.err = termtext.Clean(msg.Err.Error())
			s.report = nil
			return
		}
		r := msg.Report
		s.report = &r
		s.counts = r.Users
		s.fetched = r.Users.Fetched
		if s.total < 0 {
			s.total = s.fetched
		}
		s.before = r.Settings.Before
		opts := s.opts
		opts.OnEvent = nil
		s.from = msg.Classified
		s.pc.post(previewDone{report: r, analysis: s.an, opts: opts, entries: s.entries, omitted: s.bound.omitted, providers: s.runOverride(), classified: msg.Classified})
	}
}

func (s *settingsScreen) next() tea.Cmd {
	return navWith(stateDuplicates, providersChosen{s.runOverride()})
}

func (s *settingsScreen) View() string {
	v, _ := s.layout()
	return v
}

// Drop levels of the settings screen's parts on a short terminal
// (fitParts): the blank lines go first, then the sign-in methods, the
// warnings (each a level of its own from dropWarnings up, the last one
// highest), the source line, the selection's --providers line, and the
// provider list's heading. The read's progress, the providers with
// their cursor and what the settings become stay: space acts on a row
// that is on screen.
const (
	dropHeading   = 1
	dropSelection = 2
	dropSource    = 3
	dropWarnings  = 4
	dropMethods   = 1000
	dropBlank     = 1001
)

// layout is the screen fitted to its height, and the line the provider
// cursor is on (-1 when not shown).
func (s *settingsScreen) layout() (string, int) {
	st := s.pc.styles
	var parts []viewPart
	src := s.pc.sess.source
	line := st.Label.Render("Source ") + src.describe()
	if src.Total >= 0 {
		line += st.Dim.Render(" · " + fmtInt(src.Total) + " users")
	}
	format := src.Format
	if s.report != nil && s.report.Source.Format != "" {
		format = s.report.Source.Format // final: an envelope's key may follow its users
	}
	if format != "" && src.Kind == "file" { // the API has one format
		line += st.Dim.Render(" · ") + formatLabel(format)
	}
	parts = append(parts, viewPart{text: clampLines(line, 1, s.width), drop: dropSource})

	// Progress of the read.
	total := s.total
	status := ""
	switch {
	case s.err != "":
		status = st.Error.Render("✗ preview failed")
	case s.report != nil:
		status = st.OK.Render("✓ preview complete")
		total = max(total, s.fetched)
	default:
		status = s.spinner.View() + st.Dim.Render(" reading users… "+fmtDuration(s.pc.now().Sub(s.begun)))
	}
	count := fmtInt(s.fetched)
	if total > 0 {
		count += " / " + fmtInt(total)
	}
	p := pct(s.fetched, total)
	if s.report != nil {
		p = 1
	}
	// The bar takes the width the count and the status leave.
	s.bar.SetWidth(max(min(s.width-lipgloss.Width(count+status)-2, s.width-34, 50), 10))
	bar := s.bar.ViewAs(p)
	if total <= 0 && s.running() {
		// An export file: no total to measure against.
		bar = readBar(st, s.bar.Width(), s.pc.now().Sub(s.begun))
	}
	parts = append(parts, viewPart{text: bar + " " + st.Number.Render(count) + " " + status})
	// A pause of the Clerk client takes the blank line under the bar.
	if w := s.wait.view(st, s.pc.now(), "the preview", s.width); w != "" {
		parts = append(parts, viewPart{text: w})
	} else {
		parts = append(parts, viewPart{drop: dropBlank})
	}

	// Auth methods and providers, side by side.
	rows := [][2]string{
		{"password only", rightAlign(fmtInt(s.an.Password), 7)},
		{"social only", rightAlign(fmtInt(s.an.SocialOnly), 7)},
		{"password + social", rightAlign(fmtInt(s.an.Both), 7)},
		{"SSO only", rightAlign(fmtInt(s.an.SSOOnly), 7)},
		{"neither", rightAlign(fmtInt(s.an.Neither), 7)},
	}
	if s.an.SignInUnknown > 0 {
		// A file without OAuth data (clerk migrate, a Dashboard CSV): the
		// users without a password are not "neither", and the rows
		// must still add up to the users read.
		rows = append(rows, [2]string{"not in this file", rightAlign(fmtInt(s.an.SignInUnknown), 7)})
	}
	methods := st.Heading.Render("Users by sign-in method") + "\n" + kv(st.Label, rows)
	methods += "\n\n" + st.Label.Render("duplicates ") + st.Number.Render(fmtInt(s.counts.Duplicates)) +
		st.Label.Render("  skipped ") + st.Number.Render(fmtInt(s.counts.Skipped))
	if pw, ok := s.passwords(); ok {
		methods += "\n" + st.Label.Render("passwords kept ") + st.Number.Render(fmtInt(pw.Kept)) +
			st.Label.Render(" · need reset ") + st.Number.Render(fmtInt(pw.NeedsReset))
	}

	head := st.Heading.Render("Providers to enable") + "\n"
	// One space at least between the name and a count of any width
	// ("credentials" fills its 11 columns; 192,433 filled the 7 after).
	// "stays on", not "kept": beside "passwords kept 0" it read as
	// passwords kept.
	cred := "  " + st.OK.Render("✓") + " " + fmt.Sprintf("%-11s", "credentials") + " " + rightAlign(fmtInt(s.an.Providers["credentials"]), 6) + st.Dim.Render(" stays on")
	set := s.settings()
	prows := make([]string, len(ssoProviders))
	for i, name := range ssoProviders {
		on := s.selected[name]
		if !s.touched {
			on = s.an.Providers[name] > 0
		}
		box := "[ ]"
		if on {
			box = "[x]"
		}
		cur := "  "
		row := box + " " + fmt.Sprintf("%-11s", name) + rightAlign(fmtInt(s.an.Providers[name]), 5)
		if i == s.cursor {
			cur = st.Cursor.Render("› ")
			row = st.Selected.Render(row)
		}
		if slices.Contains(set.Before, name) {
			// Already enabled: the import keeps it whatever the selection.
			row += st.Dim.Render(" on now")
		}
		prows[i] = cur + row
	}
	// What the settings become, under the providers, above the
	// warnings.
	var after []viewPart
	// Wrapped, not cut: the list is what the import will enable.
	labelled := func(label string, text string, style lipgloss.Style) string {
		lines := strings.Split(wrapHang(label+text, s.width, len(label)), "\n")
		lines[0] = st.Label.Render(label) + style.Render(strings.TrimPrefix(lines[0], label))
		for i := 1; i < len(lines); i++ {
			lines[i] = style.Render(lines[i])
		}
		return strings.Join(lines, "\n")
	}
	after = append(after, viewPart{text: labelled("After the import  ", orNone(set.After), lipgloss.NewStyle())})
	if o := s.runOverride(); o != nil {
		after = append(after, viewPart{text: labelled("Your selection   ", "same as --providers "+overrideText(o), st.Dim), drop: dropSelection})
	}
	// Warnings: on a short terminal the last ones are the first cut.
	warnAt := len(after)
	warn := func(text string) { after = append(after, viewPart{text: text}) }
	if len(s.an.Unsupported) > 0 {
		var names []string
		for _, k := range sortedKeys(s.an.Unsupported) {
			names = append(names, fmt.Sprintf("%s (%s)", termtext.Clean(k), fmtInt(s.an.Unsupported[k])))
		}
		warn(st.Warning.Render("⚠ Unsupported providers: " + strings.Join(names, ", ")))
	}
	// As the CLI's warnings: users whose OAuth cannot move are stranded
	// whatever is enabled and have a line of their own.
	if n := set.SocialStranded(); n > 0 {
		warn(st.Warning.Render("⚠ " + plural(n, "stranded user", "stranded users") + ": social-only with no enabled provider"))
	}
	if n := set.NoUsableOAuthUsers; n > 0 {
		warn(renderLines(st.Warning, wrapHang("⚠ "+plural(n, "user", "users")+" whose OAuth does not carry over (unsupported provider or unusable account): tagged for a password reset", s.width, 2)))
	}
	if set.PasswordlessUsers > 0 {
		warn(renderLines(st.Warning, wrapHang("⚠ "+plural(set.PasswordlessUsers, "user", "users")+" with neither password nor OAuth: enable magic-link so they can sign in", s.width, 2)))
	}
	// A Dashboard CSV does not say how its passwordless users signed in:
	// the CLI's warning (importer.SignInUnknownWarning), in this screen's
	// words and following its magic-link choice, here where it is made.
	if n := set.SignInUnknownUsers; n > 0 {
		next := "enable magic-link so they can sign in, or import from the API to link their accounts"
		if slices.Contains(set.After, "magic-link") {
			next = "magic-link lets them in; import from the API to link their accounts"
		}
		warn(renderLines(st.Warning, wrapHang("⚠ "+plural(n, "user", "users")+" with no password whose sign-in methods are not in this file (no OAuth accounts for them): "+next, s.width, 2)))
	}
	for _, w := range s.identityWarnings() {
		warn(renderLines(st.Warning, wrapHang("⚠ "+w, s.width, 2)))
	}
	for i := warnAt; i < len(after); i++ {
		after[i].drop = dropWarnings + i - warnAt
	}
	if s.err != "" {
		after = append(after, viewPart{text: errorText(st, s.err, s.width) + "\n" + st.Dim.Render("enter or r to try again, esc to change the source")})
	}
	return s.fit(parts, methods, head, cred, prows, after)
}

// fit lays the parts out in s.height lines. The sign-in methods and
// the providers go side by side when the width allows, else the
// providers come first; on a short terminal blank lines, then the
// methods (stacked), the warnings and the labels are left out, and when
// even then not every provider fits, a window of them around the cursor
// is shown.
func (s *settingsScreen) fit(top []viewPart, methods, head, cred string, rows []string, after []viewPart) (string, int) {
	height := s.height
	if height <= 0 {
		height = math.MaxInt32 // not sized yet: everything
	}
	kept := func(ps []viewPart) int {
		n := 0
		for _, p := range ps {
			if p.drop == 0 {
				n += strings.Count(p.text, "\n") + 1
			}
		}
		return n
	}
	// cursorAt finds the cursor's line in the fitted text.
	cursorAt := func(out string) int {
		for i, l := range strings.Split(out, "\n") {
			if strings.Contains(ansiStrip(l), "› [") {
				return i
			}
		}
		return -1
	}
	// The lines the parts that always stay leave the provider rows.
	room := height - kept(top) - kept(after)
	pv := head + cred + "\n" + strings.Join(rows, "\n")
	if lipgloss.Width(methods)+3+lipgloss.Width(pv) <= s.width && lipgloss.Height(pv) <= room {
		out := s.fitNoting(slices.Concat(top, []viewPart{{text: sideBySide(s.width, methods, pv)}}, after), height)
		return out, cursorAt(out)
	}
	shown := rows
	var block []viewPart
	if room-2 >= len(rows) {
		block = append(block, viewPart{text: strings.TrimSuffix(head, "\n"), drop: dropHeading}, viewPart{text: cred, drop: dropHeading})
	} else if room < len(rows) {
		room = max(room, 1)
		lo := min(max(s.cursor-room/2, 0), len(rows)-room)
		shown = rows[lo : lo+room]
	}
	block = append(block, viewPart{text: strings.Join(shown, "\n")},
		viewPart{drop: dropBlank}, viewPart{text: methods, drop: dropMethods})
	out := s.fitNoting(slices.Concat(top, block, after), height)
	return out, cursorAt(out)
}

// fitNoting is fitParts, saying in a line of its own how many warnings
// did not fit, when there is a line for it (at the cost of the source
// line at most).
func (s *settingsScreen) fitNoting(parts []viewPart, height int) string {
	left := func(ps []viewPart) int {
		n := 0
		for i, p := range ps {
			if p.drop < 0 && parts[i].drop >= dropWarnings && parts[i].drop < dropMethods {
				n++
			}
		}
		return n
	}
	try := slices.Clone(parts)
	out := fitParts(try, height)
	if left(try) == 0 {
		return out
	}
	first := try
	try = slices.Clone(parts)
	short := fitParts(try, height-1)
	if strings.Count(short, "\n") > height-1 {
		return out // what must stay takes every line
	}
	for i := range try {
		if try[i].drop < 0 && first[i].drop >= 0 && parts[i].drop < dropSource {
			return out // the note is not worth the selection or the heading
		}
	}
	out = short
	note := plural(left(try), "more warning", "more warnings") + " below: a taller terminal shows them"
	return out + s.pc.styles.Warning.Render(ansiTruncate("⚠ "+note, s.width)) + "\n"
}

// overrideText is the --providers value of a selection ("" for none).
func overrideText(p []string) string {
	if len(p) == 0 {
		return "none"
	}
	c := append([]string(nil), p...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

func (s *settingsScreen) Keys() keyMap {
	k := s.keys
	k.Retry.SetEnabled(s.err != "")
	k.Continue.SetEnabled(!s.running())
	if s.err != "" {
		k.Continue.SetHelp("enter", "try again")
	}
	short := []key.Binding{k.Continue, k.Toggle, k.Retry, k.Back}
	return keyMap{short: short, full: [][]key.Binding{{k.Up, k.Down, k.Toggle}, {k.Retry, k.Continue, k.Back}}}
}

// formatLabels name the export formats (clerk.Format*) for people.
var formatLabels = map[string]string{
	clerk.FormatAPI:          "Clerk API users",
	clerk.FormatMigrate:      "clerk migrate export",
	clerk.FormatSupportJSON:  "Clerk support JSON export",
	clerk.FormatDashboardCSV: "Clerk Dashboard CSV",
}

func formatLabel(f string) string {
	if l, ok := formatLabels[f]; ok {
		return l
	}
	return termtext.Clean(f)
}

// passwords is the preview's password count, once known: the users it
// would create with their Clerk password kept, and those who need a
// reset. Without digests anywhere (the API alone) every password needs a
// reset, which the count says too.
func (s *settingsScreen) passwords() (importer.PasswordReport, bool) {
	if s.report == nil {
		return importer.PasswordReport{}, false
	}
	p := s.report.Passwords
	return p, p.Kept > 0 || p.NeedsReset > 0 || s.pc.sess.source.Passwords != ""
}

// identityWarnings are the counts issue 6 added, one line each: users
// AscendKit keeps but who need something done, and users it cannot
// create for lack of an email.
func (s *settingsScreen) identityWarnings() []string {
	a := s.an
	var out []string
	if a.SSO > 0 {
		w := plural(a.SSO, "SSO user", "SSO users") + " (tag import:sso)"
		if len(a.SSOConnections) > 0 {
			conns := sortedKeys(a.SSOConnections)
			for i, c := range conns {
				conns[i] = termtext.Clean(c)
			}
			w += ": set up " + strings.Join(conns, ", ")
		}
		out = append(out, w)
	}
	if a.MFA > 0 {
		out = append(out, plural(a.MFA, "user", "users")+" with MFA or passkeys enroll again (tag import:mfa-reenroll)")
	}
	var only []string
	for _, c := range []struct {
		n    int
		what string
	}{{a.PhoneOnly, "phone only"}, {a.UsernameOnly, "username only"}, {a.Web3Only, "web3 wallet only"}} {
		if c.n > 0 {
			only = append(only, c.what+" "+fmtInt(c.n))
		}
	}
	if len(only) > 0 {
		out = append(out, "Skipped, no email for sign-in: "+strings.Join(only, " · "))
	}
	if a.UnverifiedLinks > 0 {
		out = append(out, plural(a.UnverifiedLinks, "unverified OAuth account", "unverified OAuth accounts")+" not linked (users imported)")
	}
	return out
}
